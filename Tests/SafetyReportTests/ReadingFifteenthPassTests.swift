// The fifteenth reading pass: UTF-16 converted without iconv, GB18030's iconv opened only when the table lacks a code,
// and the GB18030 table made a lead byte's row at a time.
import Foundation
import Testing
@testable import SafetyReport

/// What a converter from `from` makes of `bytes` fed in pieces of `piece` bytes: everything handed on, and the error.
/// (Also ReadingSeventhPassTests' GB18030 table against iconv.)
func streamed(_ bytes: [UInt8], from: String = "GB18030", piece: Int, lookup: Bool) -> ([UInt8], IconvError?) {
    let stream = try! IconvStream(from: from, to: "UTF-8", lookup: lookup)
    var out: [UInt8] = []
    do {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + piece)
            try bytes[start..<end].withUnsafeBufferPointer { buffer in try stream.feed(buffer) { out += $0 } }
            start = end
        }
        try stream.finish()
        return (out, nil)
    } catch {
        return (out, error as? IconvError)
    }
}

/// Code units as bytes in the given order.
private func bytes(_ units: [UInt16], bigEndian: Bool) -> [UInt8] {
    units.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}

@Suite struct ReadingFifteenthPassTests {
    /// Random UTF-16 (ASCII runs, Chinese, U+0000, U+FFFE, pairs, lone and reversed surrogates, an odd byte at the
    /// end), LE and BE, fed whole and in pieces that cut units and pairs: the UTF-16 path hands on the same bytes and
    /// fails with the same error at the same offset as glibc's iconv.
    @Test func utf16WithoutIconvConvertsAsIconv() {
        var random = SeededRandom(state: 0x16_16)
        let pool: [[UInt16]] = [
            Array("2026-10-05,lecture,".utf16), Array("活动日期,培训\n".utf16), [0x0A], [0x0D, 0x0A], [0x00], [0xFFFE], [0xFEFF],
            [0x7F], [0x80], [0x7FF], [0x800], [0xD7FF], [0xE000], [0xFFFF], [0xD83D, 0xDE00], [0xDBFF, 0xDFFF], [0xD800, 0xDC00],
            [0xD800], [0xDC00], [0xDFFF, 0xD800], [0xD800, 0x0041], [0xD800, 0xD800, 0xDC00],
        ]
        for round in 0..<400 {
            var units: [UInt16] = []
            for _ in 0..<Int(random.next() % 12) {
                // Mostly valid text, so that most inputs convert to their end.
                let k = Int(random.next() % UInt64(round % 3 == 0 ? pool.count : 17))
                units += pool[k]
            }
            for bigEndian in [false, true] {
                var input = bytes(units, bigEndian: bigEndian)
                if round % 5 == 0 { input.append(0x41) }   // an odd length
                let from = bigEndian ? "UTF-16BE" : "UTF-16LE"
                for piece in [1, 2, 3, 5, 8, 64, 1 << 20] {
                    let mine = streamed(input, from: from, piece: piece, lookup: true)
                    let theirs = streamed(input, from: from, piece: piece, lookup: false)
                    #expect(mine.0 == theirs.0 && mine.1 == theirs.1, "round \(round) \(from) piece \(piece): \(units)")
                }
            }
        }
    }

    /// A UTF-16 file read whole (`TextDecoding.decode`) and streamed (`CSVStream`, pass 1 and pass 2): with its BOM,
    /// LE and BE, the text is what iconv makes of it; an odd length, a lone surrogate, or a NUL give the errors they
    /// gave (`invalidForBOM` on the line of the failure, `binary`); without a BOM its NUL bytes make it `binary`.
    @Test func utf16FilesDecodeAsBefore() throws {
        let text = "activity_date,form,theme,participants\n2026-10-03,培训,消防😀,12\n2026-10-04,演练,防汛,8\n"
        for (bigEndian, bom, name) in [(false, [UInt8(0xFF), 0xFE], "UTF-16LE"), (true, [UInt8(0xFE), 0xFF], "UTF-16BE")] {
            let encoding: DetectedEncoding = bigEndian ? .utf16BE : .utf16LE
            let body = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: name)
            // Whole.
            let decoded = try TextDecoding.decode(bom + body)
            #expect(decoded.encoding == encoding && decoded.utf8 == Array(text.utf8))
            #expect(try TextDecoding.decode(bom + bom + body).utf8 == Array(text.utf8))   // a second BOM dropped
            // Streamed, in pieces that cut units and pairs.
            for piece in [1, 3, 7, 4096] {
                let survey = CSVStream.survey(bytes: bom + body, limits: ReadLimits(pieceBytes: piece))
                let stream = try survey.outcome.get()
                #expect(stream.encoding == encoding)
                var cells: [[String]] = []
                _ = try stream.forEachRecord { cells.append($0.fields) }
                #expect(cells.count == 3 && cells[1] == ["2026-10-03", "培训", "消防😀", "12"], "\(name) piece \(piece)")
            }
            // An odd byte at the end (line 4: after three line feeds), a lone low surrogate on line 2, a NUL.
            let odd = bom + body + [0x41]
            #expect(throws: ReadFailure.invalidForBOM(encoding, line: 4)) { try TextDecoding.decode(odd) }
            let firstLine = try Iconv.convert(Array("a,b\n".utf8), from: "UTF-8", to: name)
            let lone = bom + firstLine + bytes([0x41, 0xDC00, 0x0A], bigEndian: bigEndian)
            #expect(throws: ReadFailure.invalidForBOM(encoding, line: 2)) { try TextDecoding.decode(lone) }
            let nul = bom + firstLine + bytes([0x41, 0x00, 0x0A], bigEndian: bigEndian)
            #expect(throws: ReadFailure.binary) { try TextDecoding.decode(nul) }
            for piece in [1, 3, 4096] {
                for (input, expected) in [(odd, ReadFailure.invalidForBOM(encoding, line: 4)),
                                          (lone, .invalidForBOM(encoding, line: 2)), (nul, .binary)] {
                    let survey = CSVStream.survey(bytes: input, limits: ReadLimits(pieceBytes: piece))
                    #expect(throws: expected, "\(name) piece \(piece)") { try survey.outcome.get() }
                }
            }
            // No BOM: UTF-16's zero bytes make it a binary file, as ever.
            #expect(throws: ReadFailure.binary) { try TextDecoding.decode(body) }
            #expect(throws: ReadFailure.binary) { try CSVStream.survey(bytes: body, limits: .standard).outcome.get() }
        }
    }

    /// A GB18030 converter opens iconv only for a code the table lacks (a four-byte code, a refused byte): fed only
    /// ASCII and two-byte codes it converts them all without it, and a four-byte code or a bad byte after them still
    /// converts, or fails at its offset, exactly as iconv does.
    @Test func gb18030OpensIconvOnlyWhenTheTableLacksACode() throws {
        guard GB18030Table.shared != nil else { return }
        let plain = try Iconv.convert(Array("活动日期,活动形式\n2026-10-05,培训\n".utf8), from: "UTF-8", to: "GB18030")
        let fourByte = try Iconv.convert(Array("€😀㐀".utf8), from: "UTF-8", to: "GB18030")
        for input in [plain, plain + fourByte, plain + [0x80, 0x41], plain + [0x81], fourByte + plain, plain + [0xFF, 0x30]] {
            for piece in [1, 2, 3, 7, 4096] {
                let mine = streamed(input, from: "GB18030", piece: piece, lookup: true)
                let theirs = streamed(input, from: "GB18030", piece: piece, lookup: false)
                #expect(mine.0 == theirs.0 && mine.1 == theirs.1, "\(input) piece \(piece)")
            }
        }
    }

    /// The saved ledger state writes a hazard's rows from their packed bytes exactly as it wrote them from the
    /// unpacked rows: long and short texts, Chinese and emoji, empty ones, with and without a group code (and an empty
    /// one), escalated or not, rectified or not, compacted or not.
    @Test func stateWriterWritesPackedRowsAsItWroteTheirRows() {
        typealias F = ComputationFixtures
        var ledger = HazardLedger()
        let texts = ["", "a", "配电箱未上锁，且门口堆放杂物😀", String(repeating: "长", count: 200), "x,\"y\"\n"]
        let months = ["2026-07", "2026-08", "2026-09", "2026-10"]
        for (m, month) in months.enumerated() {
            var rows: [HazardRow] = []
            for k in 0..<12 {
                let t = { (i: Int) in texts[(k + m + i) % texts.count] }
                rows.append(HazardRow(line: 2 + k, hazardId: "H\(k)", foundDate: F.day("\(month)-0\(1 + k % 9)"),
                                      groupCode: k % 3 == 0 ? nil : k % 3 == 1 ? t(0) : "G\(k)",
                                      category: .electricity, level: k % 2 == 0 ? .general : .major,
                                      description: t(1), location: t(2), responsible: t(3),
                                      deadline: F.day("\(month)-28"), status: (k + m) % 3 == 0 ? .rectified : .open,
                                      rectifiedDate: (k + m) % 3 == 0 ? F.day("\(month)-20") : nil,
                                      escalated: k % 4 == 1, escalatedTo: k % 4 == 1 ? t(4) : ""))
            }
            ledger.apply(period: F.period(month), owner: F.v1, rows: rows)
        }
        for k in 0..<12 {
            guard let hazard = ledger.hazard(owner: F.v1, id: "H\(k)") else { Issue.record("H\(k)"); continue }
            for year in [nil, 2026, 2027] as [Int?] {
                var writer = StateWriter()
                writer.hazard(hazard, compactedFrom: year)
                // What `hazard` wrote before: every row unpacked and its fields written one by one.
                var before = StateWriter()
                let h = year.map { hazard.compacted(forReportsFrom: $0) } ?? hazard
                before.string(h.owner); before.string(h.id)
                before.int(h.registeredIn.year); before.int(h.registeredIn.month); before.day(h.registeredFoundDate)
                if let r = h.rectifiedSince { before.int(1); before.int(r.year); before.int(r.month) } else { before.int(0) }
                before.int(h.updates.count)
                for u in h.updates {
                    before.int(u.period.year); before.int(u.period.month)
                    let r = u.row
                    before.int(r.line); before.string(r.hazardId); before.day(r.foundDate); before.optionalString(r.groupCode)
                    before.string(r.category.rawValue); before.string(r.level.rawValue); before.string(r.description)
                    before.string(r.location); before.string(r.responsible); before.day(r.deadline)
                    before.string(r.status.rawValue); before.optionalDay(r.rectifiedDate)
                    before.int(r.escalated ? 1 : 0); before.string(r.escalatedTo)
                }
                #expect(writer.bytes == before.bytes, "H\(k) compacted from \(String(describing: year))")
            }
        }
    }

    /// A path joined in one allocation is the two appends' path, whatever the parts (empty, short, long, Chinese).
    @Test func joinedPathIsDirectorySlashName() {
        let parts = ["", "a", "2026-10", "/tmp/town/inputs/2026-10/330683105201", "东湖村", "hazards.csv", "提交表.xlsx",
                     String(repeating: "长", count: 40), "~$x.xlsx"]
        for directory in parts {
            for name in parts {
                #expect(String.joinedPath(directory, name) == directory + "/" + name)
                #expect(Array(String.joinedPath(directory, name).utf8) == Array((directory + "/" + name).utf8))
            }
        }
        let file = FoundFile(name: "Hazards.CSV", path: "/tmp/东湖村/Hazards.CSV", relativePath: "2026-10/东湖村/Hazards.CSV")
        #expect(file.path == "/tmp/东湖村/Hazards.CSV")
    }
}
