// The twelfth session's reading pass: the parser's stops found a word at a time (`StopScanner`) and the lent loop's
// record counts kept in locals, held to a byte-at-a-time scan and to the whole-text parser.
import Testing
@testable import SafetyReport

/// The stops of `bytes` at or after `from`, byte by byte: the separator, LF and CR.
private func naiveStops(_ bytes: [UInt8], from: Int, separator: UInt8) -> [Int] {
    (from..<bytes.count).filter { bytes[$0] == separator || bytes[$0] == 0x0A || bytes[$0] == 0x0D }
}

/// What `StopScanner` hands out from `from` until it says there is none left (then once more, to see it stays so).
private func scannedStops(_ bytes: [UInt8], from: Int, separator: UInt8) -> (stops: [Int], after: Int) {
    bytes.withUnsafeBufferPointer { buf in
        guard let p = buf.baseAddress else { return ([], -1) }
        var scan = StopScanner(p, count: buf.count, from: from, separatorWords: UInt64(separator) &* 0x0101_0101_0101_0101)
        var out: [Int] = []
        while true {
            let s = scan.next()
            if s == buf.count { return (out, scan.next()) }
            out.append(s)
            if out.count > buf.count { return (out, -1) }   // never: a runaway scanner fails the test
        }
    }
}

/// The records of `text` by the streamed reader (survey, decode, parse in pieces of `piece` bytes) and by the
/// whole-file reader, as comparable text.
private func readBothWays(_ bytes: [UInt8], piece: Int) -> (streamed: String, whole: String) {
    let limits = ReadLimits(pieceBytes: piece)
    var streamed = ""
    switch CSVStream.survey(bytes: bytes, limits: limits).outcome {
    case .success(let stream):
        var records: [RawRecord] = []
        do {
            let endings = try stream.forEachRecord { records.append($0) }
            streamed = "\(stream.encoding) \(stream.separator) \(endings) \(records)"
        } catch { streamed = "\(error)" }
    case .failure(let failure): streamed = "\(failure)"
    }
    var whole = ""
    do {
        let p = try SourceReader.read(bytes, limits: limits)
        whole = "\(p.encoding) \(p.separator) \(p.lineEndings) \(Array(p.records))"
    } catch { whole = "\(error)" }
    return (streamed, whole)
}

@Suite struct ReadingTwelfthPassTests {
    /// Every stop of random bytes (separators, LF, CR, quotes, NUL and the other controls, 0x0E, high bytes and letters
    /// and their neighbours across 0x80), from every start, for
    /// lengths 0–40 (so the partial last word has every length), for both separators: the byte-by-byte list, in
    /// order, and `count` once none is left, and again after.
    @Test func stopScannerFindsExactlyTheStopsByteByByte() {
        var random = SeededRandom(state: 0x5c12)
        let alphabet: [UInt8] = [0x2C, 0x09, 0x0A, 0x0D, 0x22, 0x00, 0x61, 0x31, 0xE5, 0x9F, 0x80, 0xFF, 0x8A, 0x8D, 0xAC, 0x0B,
                                 0x0C, 0x0E, 0x01, 0x8E, 0x7F, 0x72, 0xF2]
        var checked = 0
        for length in 0...40 {
            for round in 0..<12 {
                let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(round % 3 == 0 ? 4 : alphabet.count))] }
                for separator: UInt8 in [0x2C, 0x09] {
                    for from in 0...length {
                        let (stops, after) = scannedStops(bytes, from: from, separator: separator)
                        #expect(stops == naiveStops(bytes, from: from, separator: separator), "\(bytes) from \(from)")
                        #expect(after == length)
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 2 * 12 * (41 * 42 / 2))
    }

    /// A separator, quote, LF, CR, CR LF, NUL, tab or Chinese character at every position of a 16-byte block (and past
    /// it) in records of plain cells, the records before and after it plain, the text ending with and without a line
    /// end; in pieces of 1–17 bytes and whole: the incremental parser's records, lines, line endings and failures are
    /// the whole-text parser's. Under the standard limits and small ones (so the loop's limits are met at every
    /// position too).
    @Test func everyStopAtEveryPositionOfABlockParsesAsTheWholeTextParserDoes() {
        let specials = [",", "\"", "\n", "\r", "\r\n", "\u{0}", "\t", "培", "\"\"", ",,", "\u{B}\u{C}\u{1}", "\r\u{0}\n"]
        let small = ReadLimits(maxFileBytes: 1 << 20, maxFieldCharacters: 7, maxColumns: 4, maxRecordBytes: 23)
        var checked = 0
        for sep in [Separator.comma, .tab] {
            for special in specials {
                for position in 0..<20 {
                    for ending in ["", "\n", "\r\n", "\r"] {
                        let plain = "2026-10-3,培训,x,1".replacingOccurrences(of: ",", with: sep == .tab ? "\t" : ",")
                        var line = Array("abcdefghijklmnopqrstuvwxyz".prefix(20))
                        line.insert(contentsOf: Array(special), at: position)
                        let text = plain + "\n" + String(line) + "\n" + plain + "\r\n" + plain + ending
                        let bytes = Array(text.utf8)
                        for limits in [ReadLimits.standard, small] {
                            let expected = parsedWhole(bytes, sep, limits)
                            for piece in [0, 1, 2, 5, 7, 8, 9, 15, 16, 17] {
                                #expect(parsedInPieces(bytes, sep, limits, piece: piece) == expected,
                                        "\(text.debugDescription), pieces of \(piece)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 2 * 12 * 20 * 4 * 2 * 10)
    }

    /// Whole files through the streamed reader and the whole-file reader: a BOM (one, two, a partial one), NUL in a
    /// cell, GB18030 text, a file ending without a newline or in the middle of a quoted field, quotes and
    /// separators at every position of the first 16 bytes after the header, in pieces of 1–64 bytes: the same records
    /// (and lines, encoding, separator, line endings) or the same failure.
    @Test func streamedFilesReadAsTheWholeFileReaderDoes() throws {
        let header = "活动日期,活动形式,活动主题,参与人数\n"
        var texts: [[UInt8]] = []
        let rows = ["2026-10-3,培训,x,1", "2026-10-3,培训,\"a,b\",1", "2026-10-3,培训,x\u{0}y,1", "2026-10-3,培训,x\u{1}\u{B}\u{C}y,1", "2026-10-3\t培训\tx\u{B}\t1", "2026-10-3,培训,x,1\r"]
        for r in rows {
            for ending in ["", "\n", "\r\n"] {
                let body = header + r + "\n" + r + ending
                texts.append(Array(body.utf8))
                texts.append([0xEF, 0xBB, 0xBF] + Array(body.utf8))
                texts.append([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array(body.utf8))
                texts.append([0xEF, 0xBB] + Array(body.utf8))
                texts.append(try Iconv.convert(Array(body.utf8), from: "UTF-8", to: "GB18030"))
            }
        }
        for position in 0..<16 {
            for special in [",", "\"", "\n", "\r\n"] {
                var row = Array("2026-10-3,培训,xyzxyz,1")
                row.insert(contentsOf: Array(special), at: min(position, row.count))
                texts.append(Array((header + String(row) + "\n2026-10-4,培训,x,2\n").utf8))
            }
        }
        texts.append(Array((header + "2026-10-3,培训,\"unclosed,1\n").utf8))
        for bytes in texts {
            for piece in [1, 3, 8, 16, 64, 4096] {
                let (streamed, whole) = readBothWays(bytes, piece: piece)
                #expect(streamed == whole, "\(bytes), pieces of \(piece)")
            }
        }
    }
}

@Suite struct CellParsersTwelfthPassTests {
    /// `plainDate(_:in:yearDigits:days:)` is `plainDate` then `Period.contains` for every period's own days written
    /// every plain way (one or two digits, `-`, `/`, `.`), the days around them (0, the month's length + 1, 32, other
    /// months and years, 1900 and 9999, leap and common Februaries) and cells near a plain date (a byte more or less,
    /// spaces, letters, full-width digits, another separator, bytes either side of the digits' range).
    @Test func plainDateInThePeriodIsPlainDateThenContains() {
        let periods = ["2026-10", "2026-02", "2024-02", "2000-02", "1900-02", "1900-01", "9999-12", "2026-01", "2026-12", "2025-09"]
            .map { Period($0)! }
        var cells: [String] = []
        for y in ["2026", "2024", "2000", "1900", "9999", "2025", "2027", "1899", "0026", "202６", "2O26", "20 6", "/026", "2026"] {
            for m in ["1", "01", "2", "02", "9", "09", "10", "12", "13", "0", "00", "1 ", "", "010", ":", "/"] {
                for d in ["1", "01", "9", "28", "29", "30", "31", "32", "0", "00", "", "3x", "001", "3 ", "/1", ":"] {
                    for s in ["-", "/", "."] {
                        cells.append(y + s + m + s + d)
                    }
                    cells.append(y + "-" + m + "/" + d)
                }
            }
        }
        cells += ["20261003", " 2026-10-3", "2026-10-3 ", "2026-10-3T", "2026-10", "2026-10-", "2026--10-3", "２０２６-10-3"]
        var checked = 0, taken = 0
        for period in periods {
            let yearDigits = CellParsers.yearDigits(period)
            let days = Day.daysIn(year: period.year, month: period.month)
            for cell in cells {
                let bytes = Array(cell.utf8)
                let (fast, slow) = bytes.withUnsafeBufferPointer { b -> (Day?, Day?) in
                    let slow = CellParsers.plainDate(b).flatMap { period.contains($0) ? $0 : nil }
                    return (CellParsers.plainDate(b, in: period, yearDigits: yearDigits, days: days), slow)
                }
                #expect(fast == slow, "\(cell) in \(period)")
                checked += 1
                if fast != nil { taken += 1 }
            }
        }
        #expect(checked == periods.count * cells.count)
        // The periods took their own days (399 of the cells and periods: the test is not only about nil).
        #expect(taken > 300, "\(taken)")
    }
}

@Suite struct ExactNamesSlotTests {
    /// The plain path's two kinds have every label and key in a slot of its own (so a cell is one compare), and for
    /// every kind, names and near misses, the slot's answer is the scan's (`exactNamesFindWhatTheScanFinds` holds both
    /// to the general path; kinds whose names share slots take the scan on a miss).
    @Test func slotsAnswerAsTheScanDoes() {
        #expect(!ExactNames.trainingForms.collided)
        #expect(!ExactNames.audiences.collided)
        for kind in [EnumKind.hazardCategory, .hazardLevel, .hazardStatus, .partyType, .trainingForm, .audience] {
            let exact = ExactNames(kind)
            var probes: [[UInt8]] = []
            for n in kind.namesAsBytes {
                for b in [n.label, n.key] {
                    probes += [b, Array(b.dropLast()), Array(b.dropFirst()), b + [0x41]]
                    for k in 0..<b.count { var c = b; c[k] &+= 1; probes.append(c) }
                }
            }
            for probe in probes where !probe.isEmpty && probe.count <= 16 {
                probe.withUnsafeBufferPointer { b in
                    let (w0, w1) = ExactNames.words(b.baseAddress!, b.count)
                    #expect(exact.ordinal(b) == exact.scannedOrdinal(b.count, w0, w1), "\(kind) \(probe)")
                }
            }
        }
    }
}
