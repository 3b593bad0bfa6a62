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
