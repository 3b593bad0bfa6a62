// Reading stage (SPEC §3.1): decoding, RFC 4180 parsing with start lines, and files rejected whole.
import Testing
@testable import SafetyReport

/// Bytes of `text` in an encoding iconv knows (the GB18030 and UTF-16 inputs are built, not typed).
private func encoded(_ text: String, _ encoding: String) -> [UInt8] {
    try! Iconv.convert(Array(text.utf8), from: "UTF-8", to: encoding)
}
private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
private let bomUTF8: [UInt8] = [0xEF, 0xBB, 0xBF]
private let bomLE: [UInt8] = [0xFF, 0xFE]
private let bomBE: [UInt8] = [0xFE, 0xFF]

/// One input, and what the reader must make of it: records as (start line, fields).
struct ReadCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var records: [(Int, [String])]
    var encoding: DetectedEncoding = .utf8
    var separator: Separator = .comma
    var endings: LineEndings = .lf
    var testDescription: String { name }
}

private func c(_ name: String, _ bytes: [UInt8], _ records: [(Int, [String])],
               _ encoding: DetectedEncoding = .utf8, _ separator: Separator = .comma, _ endings: LineEndings = .lf) -> ReadCase {
    ReadCase(name: name, bytes: bytes, records: records, encoding: encoding, separator: separator, endings: endings)
}

// Input on the left, expected records (start line, fields) on the right.
let readCases: [ReadCase] = [
    c("LF",                     utf8("a,b\n1,2\n"),                 [(1, ["a", "b"]), (2, ["1", "2"])]),
    c("CRLF",                   utf8("a,b\r\n1,2\r\n"),             [(1, ["a", "b"]), (2, ["1", "2"])], .utf8, .comma, .crlf),
    c("lone CR (old Mac)",      utf8("a,b\r1,2\r"),                 [(1, ["a", "b"]), (2, ["1", "2"])], .utf8, .comma, .cr),
    c("mixed endings",          utf8("a,b\r\n1,2\n3,4\r5,6"),       [(1, ["a", "b"]), (2, ["1", "2"]), (3, ["3", "4"]), (4, ["5", "6"])], .utf8, .comma, .mixed),
    c("one line, no ending",    utf8("a,b"),                        [(1, ["a", "b"])], .utf8, .comma, .none),
    c("no final newline",       utf8("a,b\n1,2"),                   [(1, ["a", "b"]), (2, ["1", "2"])]),
    c("UTF-8 BOM not in field", bomUTF8 + utf8("a,b\n1,2\n"),       [(1, ["a", "b"]), (2, ["1", "2"])], .utf8BOM),
    c("BOM and CRLF",           bomUTF8 + utf8("排查日期\r\n1\r\n"), [(1, ["排查日期"]), (2, ["1"])], .utf8BOM, .comma, .crlf),
    c("UTF-8 Chinese",          utf8("名称,数\n东湖村,1\n"),         [(1, ["名称", "数"]), (2, ["东湖村", "1"])]),
    c("valid UTF-8 wins over GB18030", [0xE4, 0xB8, 0xAD, 0xE6, 0x96, 0x87], [(1, ["中文"])], .utf8, .comma, .none),
    c("quoted comma",           utf8("a,b\n\"x,y\",2\n"),           [(1, ["a", "b"]), (2, ["x,y", "2"])]),
    c("doubled quotes",         utf8("a\n\"say \"\"hi\"\"\"\n"),    [(1, ["a"]), (2, ["say \"hi\""])]),
    c("only a doubled quote",   utf8("\"\"\"\"\n"),                 [(1, ["\""])]),
    c("empty quoted fields",    utf8("a,b,c\n1,\"\",\"\"\n"),       [(1, ["a", "b", "c"]), (2, ["1", "", ""])]),
    c("quoted newlines: next record starts 3 lines later",
                                utf8("a,b\n\"l1\nl2\nl3\",x\n1,2\n"), [(1, ["a", "b"]), (2, ["l1\nl2\nl3", "x"]), (5, ["1", "2"])]),
    c("quoted CRLF kept, not an ending",
                                utf8("a\r\n\"x\r\ny\"\r\nz\r\n"),   [(1, ["a"]), (2, ["x\r\ny"]), (4, ["z"])], .utf8, .comma, .crlf),
    c("quoted LF in CRLF file (Excel Alt+Enter)",
                                utf8("a,b\r\n\"x\ny\",1\r\n"),      [(1, ["a", "b"]), (2, ["x\ny", "1"])], .utf8, .comma, .crlf),
    c("quoted lone CR counts a line", utf8("a\r\"x\ry\"\rz"),       [(1, ["a"]), (2, ["x\ry"]), (4, ["z"])], .utf8, .comma, .cr),
    c("quoted separator, quote and newline together",
                                utf8("h\n\"1,\"\"2\"\"\n3\"\n"),    [(1, ["h"]), (2, ["1,\"2\"\n3"])]),
    c("empty line is one empty field", utf8("a\n\n1\n"),            [(1, ["a"]), (2, [""]), (3, ["1"])]),
    c("blank row of commas",    utf8("a,b,c\n,,\n1,2,3"),           [(1, ["a", "b", "c"]), (2, ["", "", ""]), (3, ["1", "2", "3"])]),
    c("blank lines before header", utf8("\n\r\na,b\n"),             [(1, [""]), (2, [""]), (3, ["a", "b"])], .utf8, .comma, .mixed),
    c("trailing comma",         utf8("a,b,\n"),                     [(1, ["a", "b", ""])]),
    c("ragged rows kept as written", utf8("a,b,c\n1\n1,2,3,4\n"),   [(1, ["a", "b", "c"]), (2, ["1"]), (3, ["1", "2", "3", "4"])]),
    c("quote inside unquoted field is literal", utf8("a\n12\"3\n"), [(1, ["a"]), (2, ["12\"3"])]),
    c("text after closing quote appended", utf8("\"ab\"c,d\n"),     [(1, ["abc", "d"])]),
    c("quotes after closing quote are literal", utf8("\"ab\"c\"d\"\n"), [(1, ["abc\"d\""])]),
    c("space before quote: unquoted", utf8(" \"a,b\"\n"),           [(1, [" \"a", "b\""])]),
    c("fields not trimmed",     utf8(" a ,\u{3000}b\u{3000}\n"),    [(1, [" a ", "\u{3000}b\u{3000}"])]),
    c("tab-separated UTF-8",    utf8("a\tb\n1\t2,5\n"),             [(1, ["a", "b"]), (2, ["1", "2,5"])], .utf8, .tab),
    c("tab and comma in header: comma", utf8("a\tb,c\n"),           [(1, ["a\tb", "c"])]),
    c("quoted tab does not decide", utf8("\"a\tb\"\n"),             [(1, ["a\tb"])]),
    c("tab header after blank lines", utf8("\n\ta\tb\n"),           [(1, [""]), (2, ["", "a", "b"])], .utf8, .tab),
    c("tab-separated with quoted tab", utf8("a\tb\n\"x\ty\"\t2\n"), [(1, ["a", "b"]), (2, ["x\ty", "2"])], .utf8, .tab),
    c("GB18030 (Excel CSV on a Chinese system)",
                                encoded("隐患编号,地点\r\nH1,青石镇\r\n", "GB18030"), [(1, ["隐患编号", "地点"]), (2, ["H1", "青石镇"])], .gb18030, .comma, .crlf),
    c("GB18030 four-byte sequences (€, 😀, CJK ext. B)",
                                encoded("a,b\n€😀,𠀀𪚥\n", "GB18030"), [(1, ["a", "b"]), (2, ["€😀", "𠀀𪚥"])], .gb18030),
    c("GB18030 quoted newline", encoded("描述\n\"第一行\n第二行\"\n", "GB18030"), [(1, ["描述"]), (2, ["第一行\n第二行"])], .gb18030),
    c("UTF-16LE BOM, tab-separated (Excel Unicode text)",
                                bomLE + encoded("排查日期\t排查人\r\n2026-10-05\t张三\r\n", "UTF-16LE"),
                                [(1, ["排查日期", "排查人"]), (2, ["2026-10-05", "张三"])], .utf16LE, .tab, .crlf),
    c("UTF-16BE BOM, tab-separated", bomBE + encoded("a\tb\n😀\t\"x\ty\"\n", "UTF-16BE"),
                                [(1, ["a", "b"]), (2, ["😀", "x\ty"])], .utf16BE, .tab),
    c("UTF-16LE with a second BOM", bomLE + encoded("\u{FEFF}a\tb\n", "UTF-16LE"), [(1, ["a", "b"])], .utf16LE, .tab),
    c("doubled UTF-8 BOM",      bomUTF8 + bomUTF8 + utf8("a,b\n"), [(1, ["a", "b"])], .utf8BOM),
    c("quoted comma in a tab header", utf8("\"a,b\"\tc\n"),         [(1, ["a,b", "c"])], .utf8, .tab),
    c("UTF-16LE comma-separated", bomLE + encoded("a,b\n1,2\n", "UTF-16LE"), [(1, ["a", "b"]), (2, ["1", "2"])], .utf16LE),
]

@Suite struct ReadingTests {
    @Test(arguments: readCases)
    func reads(_ t: ReadCase) throws {
        let parsed = try SourceReader.read(t.bytes)
        #expect(parsed.records.map(\.line) == t.records.map(\.0))
        #expect(parsed.records.map(\.fields) == t.records.map(\.1))
        #expect(parsed.encoding == t.encoding)
        #expect(parsed.separator == t.separator)
        #expect(parsed.lineEndings == t.endings)
        #expect(!parsed.records.contains { $0.fields.contains { $0.contains("\u{FFFD}") } })
    }

    // Files rejected whole: input on the left, the failure on the right.
    static let rejections: [(String, [UInt8], ReadFailure)] = [
        ("no bytes",                  [],                                     .empty),
        ("only a BOM",                bomUTF8,                                .empty),
        ("only blank lines",          utf8("\n\r\n\n"),                       .empty),
        ("only blank rows",           utf8(",,\n \t, \n\u{3000},\n"),         .empty),
        ("UTF-16 with only a line",   bomLE + encoded("\r\n", "UTF-16LE"),    .empty),
        ("neither UTF-8 nor GB18030", utf8("a\nb\n") + [0xFF, 0xFF, 0x0A],    .undecodable(line: 3)),
        ("GB18030 cut mid-character", utf8("a,b\n") + encoded("镇", "GB18030").dropLast(), .undecodable(line: 2)),
        ("UTF-8 BOM, invalid bytes",  bomUTF8 + utf8("a\n") + [0xC3, 0x28],   .invalidForBOM(.utf8BOM, line: 2)),
        ("UTF-8 BOM, GB18030 body",   bomUTF8 + encoded("镇", "GB18030"),     .invalidForBOM(.utf8BOM, line: 1)),
        ("UTF-16LE odd byte count",   bomLE + [0x61, 0x00, 0x0A, 0x00, 0x62], .invalidForBOM(.utf16LE, line: 2)),
        ("UTF-16BE lone surrogate",   bomBE + [0xD8, 0x00, 0x00, 0x61],       .invalidForBOM(.utf16BE, line: 1)),
        ("unterminated quote",        utf8("a,b\n1,\"open\nmore\n"),          .unterminatedQuote(line: 2)),
        ("unterminated after a quoted newline", utf8("a\n\"x\ny\"\n\"z"),     .unterminatedQuote(line: 4)),
        ("xlsx renamed to .csv",      [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], .workbookNamedCSV),
        ("legacy xls",                [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00], .spreadsheetFile),
        ("NUL byte",                  utf8("a,b\n1\u{0},2\n"),                .binary),
        ("UTF-16 without BOM",        encoded("a,b\n", "UTF-16LE"),           .binary),
        ("UTF-16 holding U+0000",     bomLE + [0x61, 0x00, 0x00, 0x00],       .binary),
    ]

    @Test func filesRejectedWhole() {
        for (name, bytes, expected) in Self.rejections {
            #expect(throws: expected, "\(name)") { try SourceReader.read(bytes) }
        }
    }

    @Test func failuresCarryRuleLineAndAChineseMessage() {
        #expect(ReadFailure.empty.rule == "file.empty")
        #expect(ReadFailure.undecodable(line: 3).rule == "file.encoding")
        #expect(ReadFailure.invalidForBOM(.utf16LE, line: 1).rule == "file.encoding")
        #expect(ReadFailure.binary.rule == "file.binary")
        #expect(ReadFailure.spreadsheetFile.rule == "file.spreadsheet")
        #expect(ReadFailure.unterminatedQuote(line: 7).rule == "file.unterminated_quote")
        #expect(ReadFailure.unterminatedQuote(line: 7).line == 7)
        #expect(ReadFailure.binary.line == nil)
        #expect(ReadFailure.undecodable(line: 3).message.contains("第 3 行"))
        #expect(ReadFailure.undecodable(line: 3).message.contains("GB18030"))
        #expect(ReadFailure.unterminatedQuote(line: 7).message.contains("第 7 行"))
        #expect(ReadFailure.spreadsheetFile.message.contains("CSV"))
        for f in Self.rejections.map(\.2) {
            #expect(f.message.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "\(f)")
            #expect(f.message.contains("请"), "message must say how to fix: \(f)")
        }
    }

    @Test func headerIsTheFirstNonBlankRecord() throws {
        let parsed = try SourceReader.read(utf8("\n,,\nh1,h2\n1,2\n\n3,4\n"))
        #expect(SourceReader.header(of: parsed) == RawRecord(line: 3, fields: ["h1", "h2"]))
        #expect(SourceReader.dataRecords(of: parsed).map(\.line) == [4, 5, 6])
    }

    @Test func utf8ValidatorFollowsTheUnicodeTable() {
        #expect(TextDecoding.firstInvalidUTF8(utf8("aé中😀")) == nil)
        #expect(TextDecoding.firstInvalidUTF8([0x61, 0xC0, 0x80]) == 1)        // overlong NUL
        #expect(TextDecoding.firstInvalidUTF8([0xE0, 0x80, 0x80]) == 0)        // overlong 3-byte
        #expect(TextDecoding.firstInvalidUTF8([0xED, 0xA0, 0x80]) == 0)        // surrogate U+D800
        #expect(TextDecoding.firstInvalidUTF8([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
        #expect(TextDecoding.firstInvalidUTF8([0x61, 0x62, 0xE4, 0xB8]) == 2)  // truncated at the end
        #expect(TextDecoding.firstInvalidUTF8([0x80]) == 0)                    // stray continuation byte
    }

    /// A csv-spectrum-like set written here: input → records, as `inspect --json` would show them.
    @Test func spectrumLikeVectors() throws {
        let vectors: [(String, [[String]])] = [
            ("a,b,c\n1,2,3\n",                           [["a", "b", "c"], ["1", "2", "3"]]),
            ("first,zip\nJohn,08123",                    [["first", "zip"], ["John", "08123"]]),
            ("a,b\n1,\"ha \"\"ha\"\" ha\"\n3,4\n",       [["a", "b"], ["1", "ha \"ha\" ha"], ["3", "4"]]),
            ("k,v\n1,\"{\"\"t\"\": [1.0, 0.5]}\"\n",      [["k", "v"], ["1", "{\"t\": [1.0, 0.5]}"]]),
            ("a,b\r\n1,\"x\r\ny\"\r\n",                  [["a", "b"], ["1", "x\r\ny"]]),
            ("a,b,c\n1,\"\",\"\"\n2,3,4",                [["a", "b", "c"], ["1", "", ""], ["2", "3", "4"]]),
            ("a,b,c\n4,5,ʤ",                             [["a", "b", "c"], ["4", "5", "ʤ"]]),
        ]
        for (input, expected) in vectors {
            #expect(try SourceReader.read(utf8(input)).records.map(\.fields) == expected, "\(input)")
        }
    }

    @Test func largeFileKeepsEveryRecordAndLine() throws {
        // 20,000 rows, every tenth with a two-line quoted cell: start lines must keep pace.
        var text = "排查日期,排查人,排查范围\r\n"
        var expectedLines: [Int] = [1]
        var line = 2
        for i in 0..<20_000 {
            expectedLines.append(line)
            if i % 10 == 0 { text += "2026-10-05,张三,\"第\(i)组\n全组\"\r\n"; line += 2 } else { text += "2026-10-05,李四,第\(i)组\r\n"; line += 1 }
        }
        let parsed = try SourceReader.read(encoded(text, "GB18030"))
        #expect(parsed.records.map(\.line) == expectedLines)
        #expect(parsed.records[1].fields == ["2026-10-05", "张三", "第0组\n全组"])
        #expect(parsed.records.last?.fields == ["2026-10-05", "李四", "第19999组"])
        #expect(parsed.lineEndings == .crlf)
    }
}
