// The seventh reading pass: glibc's conversion modules kept loaded between files, clerks' files read without atime updates.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

private typealias F = ComputationFixtures

/// Whether glibc's gconv module `name` (`GB18030.so`) is mapped into this process now. /proc/self/maps read to its
/// end with read(2) (Foundation's whole-file read stopped short of a long one), up to five times: a read while other
/// threads map and unmap memory (tests run in parallel) may skip lines.
private func moduleMapped(_ name: String) -> Bool {
    for _ in 0..<5 {
        let fd = open("/proc/self/maps", O_RDONLY)
        guard fd >= 0 else { return false }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        close(fd)
        if String(decoding: bytes, as: UTF8.self).contains("/gconv/" + name) { return true }
    }
    return false
}

/// One converter made, fed and dropped, as each file's pass does.
private func convertOnce(_ from: String, _ bytes: [UInt8]) throws -> [UInt8] {
    let stream = try IconvStream(from: from, to: "UTF-8")
    var out: [UInt8] = []
    try bytes.withUnsafeBufferPointer { buffer in try stream.feed(buffer) { out += $0 } }
    try stream.finish()
    return out
}

@Suite struct ReadingSeventhPassTests {
    /// glibc unloads a module once three other converters have been closed since it was last used; files alternating
    /// GB18030 and UTF-16 loaded both again and again. With the pins, each stays mapped whatever the order, and the
    /// conversions are unchanged.
    @Test func conversionModulesStayLoadedBetweenFiles() throws {
        let text = "活动日期,活动形式\n2026-10-05,培训€😀\n"
        let gb = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: "GB18030")
        let le = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: "UTF-16LE")
        let be = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: "UTF-16BE")
        do {
            let open = try IconvStream(from: "GB18030", to: "UTF-8")
            // A glibc whose converters are built in loads nothing: nothing to keep loaded.
            guard moduleMapped("GB18030.so") else { withExtendedLifetime(open) {}; return }
        }
        for round in 0..<3 {
            // The last GB18030 converter closed, then four UTF-16 ones: unpinned, GB18030.so would be unloaded.
            #expect(try convertOnce("GB18030", gb) == Array(text.utf8))
            for _ in 0..<2 {
                #expect(try convertOnce("UTF-16LE", le) == Array(text.utf8))
                #expect(try convertOnce("UTF-16BE", be) == Array(text.utf8))
            }
            #expect(moduleMapped("GB18030.so"), "round \(round)")
            // And the other way round for UTF-16.so.
            for _ in 0..<4 { #expect(try convertOnce("GB18030", gb) == Array(text.utf8)) }
            #expect(moduleMapped("UTF-16.so"), "round \(round)")
        }
        // Asked last: asking makes the pins, so asking first would keep the modules loaded whatever the converters do.
        #expect(GconvPins.isPinned("GB18030") && GconvPins.isPinned("UTF-16LE") && GconvPins.isPinned("UTF-16BE"))
        // Strictness is the converters' own: a bad sequence still fails where it is.
        #expect(throws: IconvError.invalidSequence(offset: 2)) { try convertOnce("GB18030", [0x41, 0x42, 0x80, 0x41]) }
    }

    /// Reading a file (pass 1, then pass 2 from disk, and a workbook's whole read) leaves its access time as it was:
    /// the file is opened with `O_NOATIME`. Its atime is set before its mtime, which relatime would update on any read.
    @Test func readingAFileLeavesItsAccessTime() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("noatime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("trainings.csv").path
        let text = "activity_date,form,theme,participants\n" + String(repeating: "2026-10-03,lecture,x,1\n", count: 20)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        var times = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: time(nil), tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        func accessTime() -> Int { var st = stat(); _ = stat(path, &st); return Int(st.st_atim.tv_sec) }
        #expect(accessTime() == 946_684_800)

        let survey = try CSVStream.survey(path: path, limits: ReadLimits(pieceBytes: 64))  // pass 2 reads the disk again
        let stream = try survey.outcome.get()
        guard case .file = stream.source else { Issue.record("pass 2 should read the file again"); return }
        var records = 0
        _ = try stream.forEachRecord { _ in records += 1 }
        #expect(records == 21)
        _ = try InputLoader.readInput(path, limit: 1 << 20)
        var loader = InputLoader()
        var folder = ScannedFolder(code: "V1")
        folder.files[.trainings] = FoundFile(name: "trainings.csv", path: path, relativePath: "2026-10/V1/trainings.csv")
        guard case .streamed = loader.load(folder, .trainings, period: Period(year: 2026, month: 10)!) else {
            Issue.record("the loader should stream the file"); return
        }
        #expect(accessTime() == 946_684_800)
    }

    /// A digest kept from its bytes is the digest parsed from its hex text (what the loader made before): equal
    /// records, the same text back; anything but 32 bytes is kept as its text, as the parser keeps it.
    @Test func digestFromBytesIsTheDigestFromItsText() {
        var random = SeededRandom(state: 0xD16E)
        for length in [32, 32, 32, 0, 1, 31, 33, 64] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let text = SHA256.lowercaseHex(bytes)
            #expect(HexDigest(digest: bytes) == HexDigest(text), "\(length) bytes")
            #expect(HexDigest(digest: bytes).hex == text)
        }
        let file = Array("activity_date,form\n2026-10-03,培训\n".utf8)
        let survey = CSVStream.survey(bytes: file, limits: .standard)
        #expect(survey.sha256 == SHA256.hexDigest(of: file) && survey.digest == HexDigest(SHA256.hexDigest(of: file)))
        #expect(InputRecord(path: "p", digest: survey.digest, bytes: 1) == InputRecord(path: "p", sha256: survey.sha256, bytes: 1))
    }

    /// The ledger lets the first row of an id through, whatever the number of rows (below and past the short list's
    /// limit) and for ids equal only canonically (é composed and decomposed), as the Set it used decided.
    @Test func ledgerFirstRowOfAnIdClaimsItAsASetDecides() {
        var random = SeededRandom(state: 0xA991)
        let pool = ["H1", "h1", "Ｈ１", "e\u{301}1", "\u{E9}1", "YH-001"]
        for size in [0, 1, 5, ClaimedIds.listLimit, ClaimedIds.listLimit + 1, 300] {
            let rows = (0..<size).map { line in
                let id = random.next() % 3 == 0 ? pool[Int(random.next() % UInt64(pool.count))] : "ID\(random.next() % UInt64(size + 1))"
                return F.hazard(id, found: "2026-10-0\(1 + line % 9)", deadline: "2026-10-30", line: line + 2)
            }
            var seen = Set<String>()
            let firsts = rows.filter { seen.insert($0.hazardId).inserted }
            var ledger = HazardLedger()
            ledger.apply(period: F.period("2026-10"), owner: F.v1, rows: rows)
            for row in firsts {
                #expect(ledger.hazard(owner: F.v1, id: row.hazardId)?.updates.map(\.row) == [row], "size \(size), \(row.hazardId)")
            }
            #expect(ledger.hazards(owner: F.v1, upTo: F.period("2026-10")).count == firsts.count, "size \(size)")
        }
    }
}

@Suite struct GB18030LookupTests {
    /// Every two-byte code (and every lead byte with every byte after it, so refused and cut codes too), alone and
    /// between ASCII, converts through the table exactly as through iconv: the same bytes, the same error at the same offset.
    @Test func everyTwoByteCodeAsIconvConvertsIt() {
        guard GB18030Table.shared != nil else { return }
        for lead in 0x81...0xFF {
            var row: [UInt8] = []
            for trail in 0x00...0xFF {
                let code: [UInt8] = [UInt8(lead), UInt8(trail)]
                for bytes in [code, Array("a,".utf8) + code + Array("\n".utf8)] {
                    let table = streamed(bytes, piece: 64, lookup: true), iconv = streamed(bytes, piece: 64, lookup: false)
                    #expect(table.0 == iconv.0 && table.1 == iconv.1, "\(bytes)")
                }
                if trail >= 0x40 && trail != 0x7F && trail != 0xFF { row += code }
            }
            // A lead byte's whole row of codes at once, fed in odd pieces (codes cut between pieces).
            for piece in [1, 3, 7, 4096] {
                let table = streamed(row, piece: piece, lookup: true), iconv = streamed(row, piece: piece, lookup: false)
                #expect(table.0 == iconv.0 && table.1 == iconv.1, "lead \(lead), pieces of \(piece)")
            }
        }
    }

    /// Random files of ASCII, CR and LF, Chinese two-byte codes, four-byte codes (emoji, €, rare characters), and now and
    /// then a bad byte or a code cut at the end, in random pieces: the table's output and errors are iconv's.
    @Test func randomFilesConvertAsIconvConvertsThem() throws {
        var random = SeededRandom(state: 0x6B18030)
        let gb = { (text: String) in try! Iconv.convert(Array(text.utf8), from: "UTF-8", to: "GB18030") }
        let parts: [[UInt8]] = [gb("2026-10-05,"), gb("培训"), gb("消防演练，"), gb("😀"), gb("€"), gb("𠀀"), gb("\r\n"), gb("\r"),
                                gb("\n"), gb("\"x,\"\"y\"\""), gb("ｔｈｅｍｅ"), gb("　"), gb("\u{E5E5}"), gb("é"), [0x80], [0xFF],
                                [0x81], [0x81, 0x30], [0x81, 0x30, 0x81], [0xA1, 0x7F], [0xFE, 0x39, 0xFE, 0x39]]
        for round in 0..<400 {
            var bytes: [UInt8] = []
            let clean = round % 2 == 0
            for _ in 0..<Int(random.next() % 60) {
                let part = parts[Int(random.next() % UInt64(clean ? 14 : parts.count))]
                bytes += part
            }
            let piece = [1, 2, 3, 5, 8, 13, 64, 1 << 18][Int(random.next() % 8)]
            let table = streamed(bytes, piece: piece, lookup: true), iconv = streamed(bytes, piece: piece, lookup: false)
            #expect(table.0 == iconv.0 && table.1 == iconv.1, "round \(round), pieces of \(piece): \(bytes)")
            if clean {
                let whole = try Iconv.convert(bytes, from: "GB18030", to: "UTF-8")
                #expect(table.1 == nil && table.0 == whole)
            }
        }
    }
}
