// CSV output: BOM and CRLF, RFC 4180 quoting, formula neutralisation, fixed-place rates, and a round trip.
import Testing
@testable import SafetyReport

@Suite struct CSVWriterTests {
    @Test func bomHeaderAndCRLF() {
        var table = CSVTable(header: ["village_code", "village_name", "inspections"])
        table.append([.raw("V1"), .text("东湖村"), .int(3)])
        let expected = "village_code,village_name,inspections\r\nV1,东湖村,3\r\n"
        #expect(table.bytes == [0xEF, 0xBB, 0xBF] + Array(expected.utf8))
        #expect(table.text == expected)
    }

    @Test func headerOnlyTableIsOneLine() {
        #expect(CSVTable(header: ["a", "b"]).text == "a,b\r\n")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("\"", "\"\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        ("crlf\r\nhere", "\"crlf\r\nhere\""),
        (" spaced ", " spaced "),
        ("全角，逗号", "全角，逗号"),  // U+FF0C is not a separator
    ])
    func quoting(value: String, written: String) {
        #expect(CSVWriter.field(value) == written)
    }

    @Test(arguments: [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("\r\nx", "'\r\nx"),
        ("a=b", "a=b"),
        ("1-2", "1-2"),
        (" =1", " =1"),
        ("'=1", "'=1"),
        ("", ""),
        ("煤气罐=隐患", "煤气罐=隐患"),
    ])
    func neutralisation(value: String, written: String) {
        #expect(CSVCell.text(value).rendered == written)
    }

    @Test func onlyTextCellsAreNeutralised() {
        #expect(CSVCell.raw("-").rendered == "-")
        #expect(CSVCell.raw("=x").rendered == "=x")
        #expect(CSVCell.int(-1).rendered == "-1")
        #expect(CSVCell.rate(-0.25).rendered == "-0.2500")
        #expect(CSVCell.raw("2026-10-05").rendered == "2026-10-05")
    }

    @Test(arguments: [
        (6.0 / 7.0, "0.8571"),          // 0.857142… rounds down
        (2.0 / 3.0, "0.6667"),          // 0.666666… rounds up
        (1.0, "1.0000"),
        (0.5, "0.5000"),
        (0.0, "0.0000"),
        (1.0 / 32.0, "0.0313"),         // exactly 312.5 ten-thousandths: half away from zero
        (0.99996, "1.0000"),            // carries into the units
        (-0.00001, "0.0000"),           // no "-0.0000"
    ])
    func rates(value: Double, written: String) {
        #expect(CSVCell.rate(value).rendered == written)
    }

    @Test func emptyAndOtherDecimals() {
        #expect(CSVCell.rate(nil).rendered == "")
        #expect(CSVCell.rate(.nan).rendered == "")
        #expect(CSVCell.decimal(12.25, places: 1).rendered == "12.3")
        #expect(CSVCell.decimal(3, places: 0).rendered == "3")
        #expect(CSVCell.decimal(1234.5, places: 2).rendered == "1234.50")
        #expect(CSVCell.decimal(nil, places: 2).rendered == "")
    }

    @Test func aSingleEmptyFieldIsKeptAsARecord() {
        var table = CSVTable(header: ["note"])
        table.append([.empty])
        #expect(table.text == "note\r\n\"\"\r\n")
    }

    @Test func roundTripThroughAnRFC4180Reader() {
        let header = ["hazard_id", "description", "rate", "count"]
        let cells: [[CSVCell]] = [
            [.raw("H-01"), .text("电线\"老化\"，需更换\r\n第二行"), .rate(0.5), .int(-1)],
            [.raw("H-02"), .text("=HYPERLINK(\"x\")"), .rate(nil), .int(0)],
            [.raw("H,03"), .text(""), .rate(1), .int(1_234)],
        ]
        var table = CSVTable(header: header)
        cells.forEach { table.append($0) }
        let expected = [
            header,
            ["H-01", "电线\"老化\"，需更换\r\n第二行", "0.5000", "-1"],
            ["H-02", "'=HYPERLINK(\"x\")", "", "0"],
            ["H,03", "", "1.0000", "1234"],
        ]
        #expect(table.bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(Self.parse(String(decoding: table.bytes.dropFirst(3), as: UTF8.self)) == expected)
    }

    /// Quoting decided by bytes, as readers read: a comma or quote followed by a combining mark (one grapheme with
    /// it) is still a separator or a quote to every CSV reader. The String path missed these (a column too many).
    @Test func aCommaOrQuoteBeforeACombiningMarkIsQuoted() {
        #expect(CSVWriter.field(",\u{301}") == "\",\u{301}\"")
        #expect(CSVWriter.field("\"\u{301}") == "\"\"\"\u{301}\"")
        #expect(CSVWriter.field("a\u{2028}b") == "\"a\u{2028}b\"")
        #expect(CSVWriter.field("a\u{85}b") == "\"a\u{85}b\"")
        #expect(CSVWriter.field("a\u{2027}\u{84}b") == "a\u{2027}\u{84}b")
        #expect(CSVCell.text("=\u{301}").rendered == "'=\u{301}")
    }

    /// The byte writer (`appendRecord`, used by every table) on random rows: each record reads back as its cells'
    /// `rendered` texts through an independent reader, and quoting matches a reference decided on Unicode scalars
    /// (quoted iff a comma, quote, LF, VT, FF, CR, NEL, LS or PS is in the field). The pieces put every such
    /// character, its UTF-8 neighbours (U+2027, U+2030, U+0084, U+00C2) and combining marks next to one another.
    @Test func recordsReadBackAsTheirCells() {
        let pieces = [",", "\"", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{84}", "\u{C2}", "\u{2028}",
                      "\u{2029}", "\u{2027}", "\u{2030}", "\u{301}", "=", "+", "-", "@", "\t", "'", " ", "a", "7", "东",
                      "，", "e\u{301}", "👩‍👩‍👧", "\u{0}", "\u{09}\u{301}"]
        let breaks: Set<Unicode.Scalar> = [",", "\"", "\n", "\u{0B}", "\u{0C}", "\r", "\u{85}", "\u{2028}", "\u{2029}"]
        var rng = SystemRandomNumberGenerator()
        func text() -> String {
            (0..<Int.random(in: 0...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        func cell() -> CSVCell {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: return .text(text())
            case 2: return .raw(text())
            case 3: return .int([0, 9, 10, -1, -10, 99, 100, Int.max, Int.min, Int.random(in: .min ... .max, using: &rng)]
                .randomElement(using: &rng)!)
            case 4: return .rate([nil, 0.5, 6.0 / 7.0, -0.25, .nan].randomElement(using: &rng)!)
            default: return .decimal(Double.random(in: -100...100, using: &rng), places: Int.random(in: 0...3, using: &rng))
            }
        }
        var rows: [[CSVCell]] = pieces.map { [.text($0), .raw($0), .text("x" + $0), .text($0 + "x")] }
        rows += [[.text("")], [.raw("")], [.rate(nil)], [.int(5)], [.text("=1")], [.text(","), .text("")]]
        for _ in 0..<3_000 { rows.append((0..<Int.random(in: 1...6, using: &rng)).map { _ in cell() }) }
        for row in rows {
            var out: [UInt8] = [1, 2]  // appended to, not replaced
            CSVWriter.appendRecord(row, to: &out)
            #expect(out.starts(with: [1, 2]))
            let written = String(decoding: out.dropFirst(2), as: UTF8.self)
            #expect(written == CSVWriter.record(row.map(\.rendered)), "\(row)")
            let expected = row.count == 1 && row[0].rendered.isEmpty ? [""] : row.map(\.rendered)
            #expect(Self.parse(written) == [expected], "\(row)")
            for cell in row {
                let r = cell.rendered
                let quoted = r.unicodeScalars.contains { breaks.contains($0) }
                let reference = quoted ? "\"" + r.unicodeScalars.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\"" : r
                #expect(CSVWriter.field(r) == reference, "\(r.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
        // A table's bytes and a stream's are the same.
        var table = CSVTable(header: ["a", "b", "c"])
        var stream: [UInt8] = []
        let streamed = CSVRecordStream(chunkBytes: 7, chunk: { stream += $0 }, header: ["a", "b", "c"])
        for _ in 0..<200 {
            let row = [cell(), cell(), cell()]
            table.append(row)
            streamed.append(row)
        }
        streamed.finish()
        #expect(table.bytes == CSVWriter.byteOrderMark + Array(table.text.utf8))
        #expect(stream == table.bytes)
    }

    /// A minimal RFC 4180 reader, independent of the writer: records end at an unquoted CRLF.
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { field.unicodeScalars.append("\""); scalars.removeFirst() }
                    else { quoted = false; afterQuote = true }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r" where scalars.first == "\n":
                scalars.removeFirst()
                record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
