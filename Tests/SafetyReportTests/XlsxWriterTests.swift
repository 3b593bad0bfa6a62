// The libxlsxwriter wrapper: cells, formats, errors, print setup and byte-identical reruns.

import Foundation
import Testing
import XlsxWriter

@Suite struct XlsxWriterTests {
    /// 2026-10-31 00:00 UTC.
    static let created = 1_793_404_800

    func writeSample(_ path: String) throws {
        let wb = try Workbook(path: path)
        try wb.setProperties(DocumentProperties(title: "标题", author: "镇安委办", company: "青石镇", created: Self.created))
        let ws = try wb.addWorksheet("村居汇总")
        let bold = try wb.addFormat(FormatSpec(bold: true, border: true))
        let date = try wb.addFormat(FormatSpec(numberFormat: "yyyy-mm-dd"))
        try ws.write(0, 0, text: "村居", bold)
        try ws.write(1, 0, text: "=SUM(A1)")
        try ws.write(1, 1, number: 0.8571)
        try ws.write(1, 2, year: 2026, month: 10, day: 5, date)
        ws.freezePanes(row: 1, col: 0)
        try ws.autofilter(0, 0, 1, 2)
        try ws.conditionalFormat(1, 1, 1, 1, .cell(.less, 1), bold)
        try ws.conditionalFormat(1, 0, 1, 0, .formula("=LEN(A2)>3"), bold)
        var page = PageSetup()
        page.repeatRows = 0...0
        page.header = "&C青石镇 2026年10月"
        page.footer = "&C第&P页 共&N页"
        try ws.setPageSetup(page)
        let chart = try wb.addChart(.column)
        try chart.addSeries(name: "比率", categories: CellRange(sheet: "村居汇总", 1, 0, 1, 0),
                            values: CellRange(sheet: "村居汇总", 1, 1, 1, 1), style: .init(dataLabels: true))
        chart.setTitle("图")
        try ws.insertChart(3, 0, chart)
        try wb.close()
    }

    @Test func cellsAndSetupReadBack() throws {
        let dir = makeTempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.xlsx"
        try writeSample(path)
        let x = try XlsxParts(path: path)
        #expect(x.sheetNames == ["村居汇总"])
        #expect(x.cell("村居汇总", "A1") == "村居")
        // Formula-looking text stays a string: no <f> element anywhere, the text is a shared string.
        #expect(x.cell("村居汇总", "A2") == "=SUM(A1)")
        #expect(!x.sheet("村居汇总").contains("<f>"))
        #expect(x.cell("村居汇总", "B2") == "0.8571")
        // 2026-10-05: 20731 days after 1970-01-01, plus Excel's 25569 → 46300.
        #expect(x.cell("村居汇总", "C2") == "46300")
        let sheet = x.sheet("村居汇总")
        #expect(sheet.contains("state=\"frozen\""))
        #expect(sheet.contains("<autoFilter ref=\"A1:C2\""))
        #expect(sheet.contains("<conditionalFormatting sqref=\"B2\">"))
        #expect(sheet.contains("<formula>LEN(A2)&gt;3</formula>"))
        #expect(sheet.contains("paperSize=\"9\""))
        #expect(sheet.contains("orientation=\"landscape\""))
        #expect(sheet.contains("fitToHeight=\"0\""))
        #expect(sheet.contains("<oddFooter>&amp;C第&amp;P页 共&amp;N页</oddFooter>"))
        #expect(x["xl/workbook.xml"].contains("_xlnm.Print_Titles"))
        #expect(x["xl/charts/chart1.xml"].contains("<c:barChart>"))
        #expect(x["docProps/core.xml"].contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-10-31T00:00:00Z"))
        #expect(x["docProps/core.xml"].contains("<dc:creator>镇安委办</dc:creator>"))
    }

    /// libxlsxwriter stamps every zip entry 1980-01-01 and core.xml with the given `created` time, so two runs
    /// seconds apart must give the same bytes. (TZ is left alone: tests run in parallel in one process.)
    @Test func sameInputsGiveSameBytes() throws {
        let dir = makeTempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeSample(dir + "/1.xlsx")
        Thread.sleep(forTimeInterval: 2.1)
        try writeSample(dir + "/2.xlsx")
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/1.xlsx"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/2.xlsx"))
        #expect(a.count > 1000)
        #expect(a == b)
    }

    @Test func badSheetNameThrowsWithTheName() throws {
        let dir = makeTempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let wb = try Workbook(path: dir + "/b.xlsx")
        #expect(throws: XlsxError.self) { try wb.addWorksheet("a/b") }
        do { _ = try wb.addWorksheet("a/b") } catch let e as XlsxError {
            #expect(e.sheet == "a/b")
            #expect(e.message.contains("Worksheet name"))
        }
        let ws = try wb.addWorksheet("ok")
        do { try ws.write(1_048_576, 0, number: 1); Issue.record("row beyond Excel's limit accepted") } catch let e as XlsxError {
            #expect(e.cell == "A1048577")
            #expect(e.operation == "worksheet_write_number")
        }
    }

    /// A cell holds 32,767 UTF-16 units: longer text (a clerk's value quoted in a message, emoji counting
    /// two) is cut at a whole character with a note, and the workbook is still written.
    @Test(arguments: [(String(repeating: "类", count: 40_000), "类"), (String(repeating: "😀", count: 32_767), "😀"),
                      (String(repeating: "a", count: 32_767), "a")])
    func overlongTextIsCutToTheCellLimit(text: String, unit: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("long.xlsx").path
        let wb = try Workbook(path: path)
        try wb.addWorksheet("表").write(0, 0, text: text)
        try wb.close()
        let fitted = Worksheet.fittedToCell(text)
        #expect(fitted.utf16.count <= Worksheet.cellTextLimit)
        if text.utf16.count <= Worksheet.cellTextLimit {
            #expect(fitted == text)
        } else {
            #expect(fitted.hasSuffix("以下已截断）"))
            #expect(fitted.hasPrefix(unit) && !fitted.contains("\u{FFFD}"))
            #expect(fitted.utf16.count > Worksheet.cellTextLimit - 2)  // as much as fits, at most one unit spare
        }
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func excelSerialMatchesKnownDates() {
        #expect(excelSerial(year: 1970, month: 1, day: 1) == 25569)
        #expect(excelSerial(year: 2026, month: 1, day: 1) == 46023)
        #expect(excelSerial(year: 2024, month: 2, day: 29) == 45351)
    }
}
