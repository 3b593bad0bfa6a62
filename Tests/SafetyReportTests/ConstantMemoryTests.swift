// Constant-memory sheets (libxlsxwriter's constant_memory): every row of a long table is written, rows out of
// order are refused loudly instead of silently dropped, and the town workbook's long tables and charts survive.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

/// Every cell of a worksheet part by reference (`B7`), its shown text: inline or shared string, or the <v> value.
private func cells(_ x: XlsxParts, _ sheet: String) -> [String: String] {
    let xml = x.sheet(sheet) as NSString
    let re = try! NSRegularExpression(pattern: #"<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)"#)
    let shared = x.sharedStrings
    var out: [String: String] = [:]
    for m in re.matches(in: xml as String, range: NSRange(location: 0, length: xml.length)) {
        let ref = xml.substring(with: m.range(at: 1)), attrs = xml.substring(with: m.range(at: 2))
        let body = m.range(at: 3).location == NSNotFound ? "" : xml.substring(with: m.range(at: 3))
        if attrs.contains("t=\"inlineStr\"") {
            out[ref] = matches(#"<t[^>]*>([^<]*)</t>"#, in: body).first.map(XlsxParts.unescape) ?? ""
        } else if let v = matches(#"<v>([^<]*)</v>"#, in: body).first {
            out[ref] = attrs.contains("t=\"s\"") ? shared[Int(v)!] : v
        } else {
            out[ref] = ""
        }
    }
    return out
}

/// A class, so every test's folder is removed with its instance (a parameterized test gets one per argument).
@Suite final class ConstantMemoryTests: Sendable {
    let dir = makeTempDir()
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @Test func everyRowOfALongTableIsWrittenInOrder() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/long.xlsx"
        let wb = try Workbook(path: path, constantMemory: true)
        let style = try WorkbookStyle(wb)
        let ws = try wb.addWorksheet("表")
        #expect(ws.isConstantMemory)
        let n = 5_000
        let columns = [Column("名称", .wrap, max: 8), Column("数", .int), Column("日期", .date)]
        let print = PrintHeader(town: "镇", period: WorkbookFixture.period, title: "表")
        // Every tenth name is long enough to wrap, so its row also gets a height (set after its cells).
        let t = try ws.writeTable(style: style, title: "标题", note: "说明", columns: columns, rowCount: n, row: { i in
            [.text(i % 10 == 0 ? "第\(i)行，名称较长需要换行显示" : "行\(i)"), .int(i), .date(Day(year: 2026, month: 10, day: 1 + i % 31))]
        }, footerRows: [[.text("合计"), .int(n * (n - 1) / 2), .blank]], print: print)
        try wb.close()

        let x = try XlsxParts(path: path)
        let c = cells(x, "表")
        #expect(t.firstDataRow == 3 && t.lastDataRow == 3 + n - 1)
        #expect(c["A1"] == "标题" && c["A2"] == "说明" && c["A3"] == "名称")
        for i in 0..<n {
            let r = 4 + i
            #expect(c["A\(r)"] == (i % 10 == 0 ? "第\(i)行，名称较长需要换行显示" : "行\(i)"), "row \(r)")
            #expect(c["B\(r)"] == String(i), "row \(r)")
            #expect(c["C\(r)"] == String(excelSerial(year: 2026, month: 10, day: 1 + i % 31)), "row \(r)")
        }
        #expect(c["A\(4 + n)"] == "合计" && c["B\(4 + n)"] == String(n * (n - 1) / 2))
        let sheet = x.sheet("表")
        #expect(sheet.contains("<autoFilter ref=\"A3:C\(3 + n)\"/>"))
        #expect(sheet.contains("<mergeCell ref=\"A1:C1\"/>") && sheet.contains("<mergeCell ref=\"A2:C2\"/>"))
        #expect(sheet.contains("<row r=\"4\" ") && sheet.contains("customHeight=\"1\""))  // the wrapped rows' heights
        #expect(x.sharedStrings.isEmpty)   // constant-memory sheets write their strings inline
    }

    @Test func rowsOutOfOrderAreRefusedNotDropped() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wb = try Workbook(path: dir + "/order.xlsx", constantMemory: true)
        let ws = try wb.addWorksheet("表")
        try ws.write(5, 0, text: "第六行")
        try ws.write(5, 1, number: 1)          // the same row is fine
        #expect(throws: XlsxError.self) { try ws.write(3, 0, text: "第四行") }
        #expect(throws: XlsxError.self) { try ws.setRow(2, height: 20) }
        #expect(throws: XlsxError.self) { try ws.merge(7, 0, 8, 2, text: "跨两行", nil) }
        // A sheet in normal mode in the same workbook takes cells in any order.
        let free = try wb.addWorksheet("数据", constantMemory: false)
        #expect(!free.isConstantMemory)
        try free.write(5, 0, text: "后")
        try free.write(1, 0, text: "前")
        try wb.close()
        let x = try XlsxParts(path: dir + "/order.xlsx")
        #expect(x.cell("数据", "A2") == "前" && x.cell("数据", "A6") == "后")
        #expect(x.cell("表", "A6") == "第六行" && x.cell("表", "A4") == nil)
    }

    @Test func townWorkbookListsEveryTrainingAndKeepsItsCharts() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = WorkbookFixture.report()
        let n = 3_000
        let east = report.villages[0].village.code, west = report.villages[1].village.code
        report.trainings = TrainingActivities((0..<n).map { i in
            TrainingActivity(folder: i < n / 2 ? east : west,
                             row: TrainingRow(line: i + 2, date: WorkbookFixture.day(1 + i % 31), form: .lecture,
                                              theme: "主题\(i)", participants: i))
        })
        let path = dir + "/town.xlsx"
        try TownWorkbook.write(report, to: path)
        let x = try XlsxParts(path: path)
        let c = cells(x, "宣传培训")
        // Title, note, header; then one row per activity, in order, with its folder.
        for i in 0..<n {
            let r = 4 + i
            #expect(c["A\(r)"] == (i < n / 2 ? east : west), "row \(r)")
            #expect(c["F\(r)"] == "主题\(i)", "row \(r)")
            #expect(c["H\(r)"] == String(i), "row \(r)")
        }
        #expect(c["A\(4 + n)"] == nil)
        #expect(x.sheet("宣传培训").contains("<autoFilter ref=\"A3:K\(3 + n)\"/>"))
        // The charts' data sheet stays in normal mode, so the charts still carry their cached values.
        #expect(x.cell("图表数据", "F12") == "10")
        #expect(x["xl/charts/chart2.xml"].contains("<c:numCache>"))
        #expect(x["xl/charts/chart1.xml"].contains("<c:strCache>"))
    }
}
