// `inspect` (SPEC §6): the report of how one file is read, and the --json record dump.
import Testing
@testable import SafetyReport

@Suite struct ReadingInspectTests {
    /// A GB18030 hazards file with a blank line first, an unknown, a duplicate and an empty header
    /// cell, required columns missing, a blank row, a short row and a row with an extra cell.
    static let hazards = try! Iconv.convert(Array((
        "\n" +
        "隐患编号,发现日期,备注,隐患编号,,隐患类别\r\n" +    // line 2: the header
        "H1,2026-10-01,x,H9,,房屋\r\n" +                   // line 3
        ",,,\r\n" +                                        // line 4: blank
        "H2,2026-10-02\r\n" +                              // line 5: short
        "H3,2026-10-03,,,,其他,多余\r\n"                   // line 6: one extra non-empty cell
    ).utf8), from: "UTF-8", to: "GB18030")

    @Test func reportsEncodingHeaderMappingAndCounts() {
        let r = InspectReport(bytes: Self.hazards, fileName: "inputs/2026-10/330683105201/Hazards.CSV")
        #expect(r.failure == nil)
        #expect(r.parsed?.encoding == .gb18030)
        #expect(r.parsed?.separator == .comma)
        #expect(r.parsed?.lineEndings == .mixed)           // LF on line 1, CRLF after
        #expect(r.kind == .hazards && r.kindSource == .fileName)
        #expect(r.headerLine == 2)
        #expect(r.headerCells.map(\.mapping) == [
            .column(key: "hazard_id"), .column(key: "found_date"), .unknown,
            .duplicate(key: "hazard_id"), .empty, .column(key: "category"),
        ])
        #expect(r.headerCells.map(\.header) == ["隐患编号", "发现日期", "备注", "隐患编号", "", "隐患类别"])
        #expect(r.missingRequired.map(\.key) == ["level", "description", "responsible", "deadline", "status"])
        #expect(r.totalRecords == 6)                        // blank line, header, H1, blank row, H2, H3
        #expect(r.blankRecords == 2)
        #expect(r.dataRecords == 3)
        #expect(r.shortRecords == 1)
        #expect(r.longRecords == 1)

        let text = r.text
        #expect(text.contains("Encoding:      GB18030\n"))
        #expect(text.contains("Line endings:  mixed\n"))
        #expect(text.contains("hazards (隐患整改台账), from the file name"))
        #expect(text.contains("Header:        line 2, 6 cells\n"))
        #expect(text.contains("   1  \"隐患编号\"  -> hazard_id\n"))
        #expect(text.contains("   3  \"备注\"      -> (unknown column: ignored)\n"))   // CJK counted two columns wide
        #expect(text.contains("   4  \"隐患编号\"  -> (second hazard_id: ignored)\n"))
        #expect(text.contains("Missing required columns: level (隐患等级), description (隐患描述)"))
        #expect(text.contains("Records:       3 data, 2 blank (skipped), 6 in total with the header\n"))
    }

    @Test func otherFileNamesGuessTheKindFromTheHeader() {
        let r = InspectReport(bytes: Array("\u{FEFF}Activity_Date\t活动形式\t活动主题\t参与人数\n2026-10-09\t培训\t消防\t30\n".utf8),
                              fileName: "培训记录.txt")
        #expect(r.kind == .trainings && r.kindSource == .header)
        #expect(r.parsed?.separator == .tab)
        #expect(r.parsed?.encoding == .utf8BOM)
        #expect(r.missingRequired.isEmpty)
        #expect(r.headerCells.first?.header == "Activity_Date")   // the BOM is not part of the field
        #expect(r.dataRecords == 1)
        #expect(!r.text.contains("Missing required"))
        #expect(r.text.contains("trainings (宣传教育培训), guessed from the header"))
    }

    @Test func unrecognisableHeaderHasNoKind() {
        let r = InspectReport(bytes: Array("a,b\n1,2\n".utf8), fileName: "x.csv")
        #expect(r.kind == nil)
        #expect(r.headerCells.map(\.mapping) == [.unknown, .unknown])
        #expect(r.text.contains("File kind:     unknown"))
    }

    @Test func fileRejectedWholeShowsRuleAndMessage() {
        let r = InspectReport(bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00], fileName: "hazards.csv")
        #expect(r.failure == .spreadsheetFile)
        #expect(r.parsed == nil && r.headerCells.isEmpty && r.totalRecords == 0)
        #expect(r.text == "File:          hazards.csv\nRejected whole (file.spreadsheet):\n  \(ReadFailure.spreadsheetFile.message)\n")
        // An .xlsx saved under a .csv name is told to take the .xlsx name: workbooks are accepted.
        let zip = InspectReport(bytes: [0x50, 0x4B, 0x03, 0x04, 0x00], fileName: "hazards.csv")
        #expect(zip.failure == .workbookNamedCSV && zip.failure?.rule == "file.spreadsheet")
        #expect(ReadFailure.workbookNamedCSV.message.contains("扩展名改为 .xlsx"))
    }

    @Test func jsonLinesAreEveryRecordExactlyAsParsed() throws {
        // Header, a blank line, escapes of quote, backslash and control characters; "/" and
        // Chinese written as they are.
        let parsed = try SourceReader.read(Array("h1,h2\n\n\"a\"\"b\",c\\d\n\"x\ny\"\t\u{1},/中 \n".utf8))
        #expect(InspectReport.jsonLines(parsed) ==
            #"["h1","h2"]"# + "\n" +
            #"[""]"# + "\n" +
            #"["a\"b","c\\d"]"# + "\n" +
            #"["x\ny\t\u0001","/中 "]"# + "\n")
    }
}
