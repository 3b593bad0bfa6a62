// The parser's lent-record loop (counts kept in locals, `CSVRecordParser.lentRecords`) against the whole-text parser.
import Testing
@testable import SafetyReport

/// What a parser made of a text: its records and line endings, or its failure (shared with ReadingNinthPassTests).
struct ParsedText: Equatable {
    var records: [RawRecord] = []
    var endings: LineEndings = .none
    var failure: ReadFailure?
}

/// The whole-text parser's records of `text`.
func parsedWhole(_ text: [UInt8], _ sep: Separator, _ limits: ReadLimits) -> ParsedText {
    do {
        let (records, endings) = try CSVParser.parse(text, separator: sep, limits: limits)
        return ParsedText(records: Array(records), endings: endings)
    } catch { return ParsedText(failure: error) }
}

/// The incremental parser fed `text` in pieces of `piece` bytes (the whole text when 0).
func parsedInPieces(_ text: [UInt8], _ sep: Separator, _ limits: ReadLimits, piece: Int) -> ParsedText {
    var parser = CSVRecordParser(separator: sep, limits: limits)
    var out = ParsedText()
    do {
        let size = piece == 0 ? Swift.max(text.count, 1) : piece
        var start = 0
        while start < text.count {
            let end = Swift.min(start + size, text.count)
            try Array(text[start..<end]).withUnsafeBufferPointer { buf throws(ReadFailure) in
                try parser.feed(buf) { (r: RawRecord) in out.records.append(r) }
            }
            start = end
        }
        try parser.finish { (r: RawRecord) in out.records.append(r) }
        out.endings = parser.lineEndings
    } catch { return ParsedText(records: [], failure: error) }
    return out
}

@Suite struct LentRecordsTests {
    /// Records of mostly unquoted fields (the lent loop's), with a quoted field now and then, empty fields and
    /// records, CR, LF and CR LF ends, Chinese and emoji; under small limits, so lent records reach every limit
    /// (columns, field characters, record bytes, counted in locals now) as well as the standard ones; in pieces
    /// of 1 to 64 bytes and whole: records, lines, line endings and failures are the whole-text parser's.
    @Test func generatedRecordsParseAsTheWholeTextParserDoes() {
        var random = SeededRandom(state: 0x1e47)
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        let cells = ["", "x", "2026-10-3", "培训", "安全用电进万家", "🔥", "ab cd", "１２", "1", "e\u{301}", "长长长长长长长"]
        let quoted = ["\"a,b\"", "\"say \"\"hi\"\"\"", "\"line\nbreak\"", "\"\"", "\"x\"y"]
        let ends = ["\n", "\r\n", "\r"]
        let small = ReadLimits(maxFileBytes: 1 << 20, maxFieldCharacters: 6, maxColumns: 5, maxRecordBytes: 40)
        let shortRecords = ReadLimits(maxFileBytes: 1 << 20, maxRecordBytes: 30)
        var checked = 0
        var failures: Set<String> = []
        for round in 0..<160 {
            let sep: Separator = round % 4 == 3 ? .tab : .comma
            let sepText = sep == .tab ? "\t" : ","
            var text = ""
            for _ in 0..<(1 + next(12)) {
                let fields = (0..<(1 + next(round % 2 == 0 ? 4 : 7))).map { _ in next(12) == 0 ? quoted[next(quoted.count)] : cells[next(cells.count)] }
                text += fields.joined(separator: sepText) + (next(10) == 0 ? "" : ends[next(ends.count)])
            }
            let bytes = Array(text.utf8)
            for limits in [ReadLimits.standard, small, shortRecords] {
                let expected = parsedWhole(bytes, sep, limits)
                if let failure = expected.failure { failures.insert("\(failure)".prefix { $0 != "(" }.description) }
                for piece in [0, 1, 2, 3, 5, 8, 13, 21, 64] {
                    #expect(parsedInPieces(bytes, sep, limits, piece: piece) == expected, "\(text.debugDescription), pieces of \(piece)")
                    checked += 1
                }
            }
        }
        #expect(checked == 160 * 3 * 9)
        // Every limit was reached somewhere (so the loop's counts were checked where they matter).
        #expect(failures.isSuperset(of: ["tooManyColumns", "fieldTooLong", "recordTooLong"]), "\(failures)")
    }
}
