// Reading .xlsx submissions: cell kinds, date serials, gaps, the example row, hostile files, and clashes with CSVs.
import Foundation
import Testing
import XlsxWriter
@testable import SafetyReport

private let inspectionsHeader = #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>"#

private func records(_ bytes: [UInt8], kind: FileKind? = .inspections) throws -> [RawRecord] {
    var book = try XlsxWorkbook(bytes: bytes)
    return try book.records(try #require(book.sheets.first), kind: kind)
}

@Suite struct XlsxReaderTests {
    @Test func everyKindOfCellBecomesTheTextACSVWouldHold() throws {
        // Shared strings (one with a phonetic run Excel never shows), inline strings, numbers, booleans, errors,
        // a gap (B missing), cells without `r`, and a row without `r` following the previous one.
        let sst = """
        <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>排查日期</t></si><si><t>小组编码</t></si>\
        <si><t>排查人</t></si><si><t>排查范围</t></si><si><t>发现隐患数</t></si>\
        <si><r><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si></sst>
        """
        let serial = excelSerial(year: 2026, month: 10, day: 5)
        let rows = inspectionsHeader
            + #"<row r="3"><c r="A3"><v>\#(serial)</v></c><c r="C3" t="s"><v>5</v></c><c r="D3" t="inlineStr"><is><t>沿街 店铺</t></is></c><c r="E3"><v>2</v></c></row>"#
            + #"<row><c t="str"><v>2026/10/6</v></c><c t="b"><v>1</v></c><c t="inlineStr"><is><t>李四</t></is></c><c t="e"><v>#N/A</v></c><c><v>1.5</v></c></row>"#
        let bytes = try handMadeXlsx(sheets: [("排查记录", rows, false)], sharedStringsXML: sst)
        let r = try records(bytes)
        #expect(r.map(\.line) == [1, 3, 4])
        #expect(r[0].fields == ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"])
        #expect(r[1].fields == ["2026-10-05", "", "张三", "沿街 店铺", "2"])
        #expect(r[2].fields == ["2026/10/6", "TRUE", "李四", "#N/A", "1.5"])
    }

    @Test(arguments: [
        (1.0, false, "1900-01-01"), (59.0, false, "1900-02-28"), (60.0, false, "1900-02-29"), (61.0, false, "1900-03-01"),
        (46300.75, false, "2026-10-05"), (1.0, true, "1904-01-02"), (44838.0, true, "2026-10-05"),
    ])
    func dateSerialsInDateColumnsAreDays(serial: Double, date1904: Bool, expected: String) throws {
        let rows = inspectionsHeader + #"<row r="2"><c r="A2"><v>\#(serial)</v></c><c r="E2"><v>\#(serial)</v></c></row>"#
        let bytes = try handMadeXlsx(sheets: [("排查记录", rows, false)],
                                     sharedStrings: ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"], date1904: date1904)
        let r = try records(bytes)
        #expect(r[1].fields.first == expected)
        // The same number outside a date column stays a number.
        #expect(r[1].fields.last == (serial == serial.rounded() ? String(Int(serial)) : String(serial)))
    }

    @Test func theTemplatesExampleRowIsSkippedAndCountsNowhere() throws {
        let rows = inspectionsHeader
            + #"<row r="2"><c r="A2" t="inlineStr"><is><t>示例：2026-10-05</t></is></c><c r="E2"><v>1</v></c></row>"#
            + #"<row r="3"><c r="A3" t="inlineStr"><is><t>2026-10-06</t></is></c><c r="E3"><v>0</v></c></row>"#
        let bytes = try handMadeXlsx(sheets: [("排查记录", rows, false)], sharedStrings: ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"])
        #expect(try records(bytes).map(\.line) == [1, 3])
    }

    @Test func aFileThatIsNotAWorkbookIsAFailureNotACrash() throws {
        #expect(throws: XlsxReadFailure.notWorkbook) { _ = try XlsxWorkbook(bytes: Array("隐患编号,发现日期\n".utf8)) }
        #expect(throws: XlsxReadFailure.notWorkbook) { _ = try XlsxWorkbook(bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0]) }
        #expect(throws: XlsxReadFailure.notWorkbook) { _ = try XlsxWorkbook(bytes: []) }
        let broken = try handMadeXlsx(sheets: [("排查记录", "<row r=\"1\"><c r=\"A1\"><v>1</v></row>", false)])
        var book = try XlsxWorkbook(bytes: broken)
        #expect(throws: XlsxReadFailure.self) { _ = try book.records(book.sheets[0], kind: nil) }
    }

    @Test func unzippingIsBoundedSoAZipBombIsRefused() throws {
        // 2 MB of one repeated cell compresses to a few kB.
        let cell = #"<row><c t="inlineStr"><is><t>0000000000</t></is></c></row>"#
        let bytes = try handMadeXlsx(sheets: [("排查记录", String(repeating: cell, count: 40_000), false)])
        #expect(bytes.count < 100_000)
        var book = try XlsxWorkbook(bytes: bytes, limits: .init(partBytes: 1 << 20, totalBytes: 8 << 20))
        #expect(throws: XlsxReadFailure.tooLarge(part: "xl/worksheets/sheet1.xml", limit: 1 << 20)) {
            _ = try book.records(book.sheets[0], kind: nil)
        }
        var roomy = try XlsxWorkbook(bytes: bytes, limits: .init(partBytes: 4 << 20, totalBytes: 8 << 20))
        #expect(try roomy.records(roomy.sheets[0], kind: nil).count == 40_000)
    }

    @Test func aCSVAndAWorkbookForOneDatasetIsAnErrorAndNeitherIsGuessed() throws {
        let town = try TownFixture()
        let config = try town.config
        try town.write("inputs/2026-10/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-10-12,培训,消防,10\n")
        try town.writeBytes("inputs/2026-10/V1/提交表.xlsx", try TemplateWorkbook.bytes(config, code: "V1"))
        try town.write("inputs/2026-10/V2/hazards.csv", "隐患编号,发现日期,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态\n")
        try town.writeBytes("inputs/2026-10/V2/hazards.xlsx", try TemplateWorkbook.bytes(config, code: "V2"))
        let report = ReportAssembler.assemble(config: config, period: Period("2026-10")!).report
        let conflicts = report.issues.filter { $0.rule == "file.conflict" }
        #expect(conflicts.map(\.folder).sorted() == ["V1", "V2"])
        #expect(conflicts.allSatisfy { $0.severity == .error && $0.message.contains("只保留其中一份") })
        let trainings = try #require(report.fileStats.first { $0.folder == "V1" && $0.kind == .trainings })
        #expect(trainings.state == "rejected" && trainings.rowsRead == 0)
        // The workbook's other sheets still count.
        #expect(report.fileStats.first { $0.folder == "V1" && $0.kind == .hazards }?.state == "read")
    }

    @Test func aBrokenWorkbookIsAFileLevelIssueAndTheRunGoesOn() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("inputs/2026-10/V2/提交表.xlsx", "this is not a zip")
        try town.writeBytes("inputs/2026-10/V2/hazards.xlsx", [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0xFF, count: 64))
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let v2 = report.issues.filter { $0.folder == "V2" && $0.severity == .error }
        #expect(v2.contains { $0.file == "提交表.xlsx" && $0.rule == "file.xlsx_unreadable" && $0.message.contains("另存为") })
        #expect(v2.contains { $0.file == "hazards.xlsx" && $0.rule == "file.xlsx_unreadable" })
        #expect(report.fileStats.first { $0.folder == "V1" && $0.kind == .inspections }?.rowsRead == 3)
    }

    /// A whole workbook is opened at scan time under the same 32 MB cap as any file: a huge (here sparse)
    /// one is refused from its size, never read into memory.
    @Test func aWorkbookOverTheSizeCapIsRefusedUnread() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.writeBytes("inputs/2026-10/V2/提交表.xlsx", [0x50, 0x4B, 0x03, 0x04])
        let path = town.root.appendingPathComponent("inputs/2026-10/V2/提交表.xlsx").path
        #expect(truncate(path, 4 << 30) == 0)  // 4 GB of holes
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let issue = try #require(report.issues.first { $0.folder == "V2" && $0.file == "提交表.xlsx" })
        #expect(issue.rule == "file.too_large" && issue.message.contains("32 MB"))
        #expect(report.fileStats.first { $0.folder == "V1" && $0.kind == .inspections }?.rowsRead == 3)
    }

    @Test func excelsLockFileIsAWarningNotABrokenWorkbook() throws {
        let town = try TownFixture()
        try town.write("inputs/2026-10/V2/~$提交表.xlsx", "owner")
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let issues = report.issues.filter { $0.folder == "V2" && $0.file == "~$提交表.xlsx" }
        #expect(issues.map(\.rule) == ["file.unexpected"] && issues.allSatisfy { $0.severity == .warning })
    }

    @Test func aSingleDatasetWorkbookIsReadWithRowNumbersAsLines() throws {
        let town = try TownFixture()
        let rows = #"<row r="1"><c r="A1" t="inlineStr"><is><t>活动日期</t></is></c><c r="B1" t="inlineStr"><is><t>活动形式</t></is></c><c r="C1" t="inlineStr"><is><t>活动主题</t></is></c><c r="D1" t="inlineStr"><is><t>参与人数</t></is></c></row>"#
            + #"<row r="7"><c r="A7"><v>\#(excelSerial(year: 2026, month: 10, day: 9))</v></c><c r="B7" t="inlineStr"><is><t>讲座</t></is></c><c r="C7" t="inlineStr"><is><t>用电安全</t></is></c><c r="D7"><v>30</v></c></row>"#
        try town.writeBytes("inputs/2026-10/V2/Trainings.xlsx", try handMadeXlsx(sheets: [("Sheet1", rows, false)]))
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let issue = try #require(report.issues.first { $0.folder == "V2" && $0.column == "form" })
        #expect(issue.line == 7 && issue.file == "Trainings.xlsx" && issue.message.contains("专题讲座"))
    }

    @Test func twoSheetsForOneDatasetAreAConflictNamingBothAndNeitherIsRead() throws {
        let town = try TownFixture()
        let header = ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"]
        let one = inspectionsHeader + #"<row r="2"><c r="A2" t="inlineStr"><is><t>2026-10-05</t></is></c><c r="C2" t="inlineStr"><is><t>张三</t></is></c><c r="E2"><v>0</v></c></row>"#
        let two = inspectionsHeader + #"<row r="2"><c r="A2" t="inlineStr"><is><t>2026-10-06</t></is></c><c r="C2" t="inlineStr"><is><t>李四</t></is></c><c r="E2"><v>0</v></c></row>"#
        try town.writeBytes("inputs/2026-10/V1/提交表.xlsx",
                            try handMadeXlsx(sheets: [("排查记录", one, false), ("Inspections", two, false)], sharedStrings: header))
        try town.writeBytes("inputs/2026-10/V2/inspections.xlsx",
                            try handMadeXlsx(sheets: [("排查记录", one, false), ("INSPECTIONS", two, false)], sharedStrings: header))
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        for (folder, copy) in [("V1", "Inspections"), ("V2", "INSPECTIONS")] {
            let conflict = try #require(report.issues.first { $0.folder == folder && $0.rule == "file.conflict" })
            #expect(conflict.severity == .error)
            #expect(conflict.message.contains("「排查记录」和「\(copy)」"), "\(conflict.message)")
            let stat = try #require(report.fileStats.first { $0.folder == folder && $0.kind == .inspections })
            #expect(stat.state == "rejected" && stat.rowsRead == 0)
        }
    }
}
