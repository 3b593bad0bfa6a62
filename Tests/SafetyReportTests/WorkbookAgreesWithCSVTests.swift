// The workbook and the CSVs are two views of one report: every village figure on 村居汇总 equals summary_villages.csv.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct WorkbookAgreesWithCSVTests {
    /// 村居汇总 header → summary_villages.csv key (the columns both carry).
    static let keys: [String: String] = [
        "村居编码": "village_code", "村居名称": "village_name", "报送文件数": "files_submitted", "读取行数": "rows_read",
        "退回行数": "rows_rejected", "排查次数": "inspections", "上半月排查": "inspections_first_half",
        "下半月排查": "inspections_second_half", "新增隐患": "hazards_new", "新增重大隐患": "hazards_new_major",
        "本月整改": "hazards_rectified", "待整改隐患": "hazards_open", "待整改重大隐患": "hazards_open_major",
        "逾期隐患": "hazards_overdue", "已上报未整改": "hazards_escalated_open", "年度新增隐患": "hazards_new_ytd",
        "年度已整改": "hazards_rectified_ytd", "年度整改率": "rectification_rate_ytd", "应签责任书": "agreements_required",
        "已签责任书": "agreements_signed", "签订率": "signing_rate", "宣传培训次数": "trainings", "参与人次": "training_participants",
        "是否达标": "compliant", "未达标项": "shortfalls",
    ]

    static func column(_ i: Int) -> String {
        var n = i + 1, s = ""
        while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(65 + r)!) + s; n = (n - 1) / 26 }
        return s
    }

    @Test func everyVillageFigureEqualsTheCSV() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        _ = try ReportRun.build(config: try town.config, configSHA256: "x", period: Period("2026-10")!)
        let csv = try town.csv("outputs/2026-10/summary_villages.csv")
        let x = try XlsxParts(path: town.root.appendingPathComponent("outputs/2026-10/青石镇安全社区月报_2026-10.xlsx").path)
        // Header on row 3, villages from row 4 in registry order (as in the CSV).
        var columnOf: [String: String] = [:]
        for i in 0..<40 {
            if let h = x.cell("村居汇总", "\(Self.column(i))3"), let key = Self.keys[h] { columnOf[key] = Self.column(i) }
        }
        #expect(Set(columnOf.keys) == Set(Self.keys.values))
        var compared = 0
        for (r, row) in csv.enumerated() {
            for (key, col) in columnOf {
                let shown = x.cell("村居汇总", "\(col)\(r + 4)") ?? ""
                let expected = row[key] ?? ""
                switch key {
                case "rectification_rate_ytd", "signing_rate":
                    // The workbook keeps the exact fraction (shown as a percentage); the CSV rounds to 4 places.
                    if expected.isEmpty { #expect(shown.isEmpty, "\(key) row \(r)") }
                    else { #expect(abs((Double(shown) ?? -1) - Double(expected)!) < 0.00005, "\(key) row \(r)") }
                case "compliant":
                    #expect(shown == (expected == "1" ? "是" : "否"), "\(key) row \(r)")
                default:
                    #expect(shown == expected, "\(key) row \(r): \(shown) vs \(expected)")
                }
                compared += 1
            }
        }
        #expect(compared == 2 * Self.keys.count)
    }
}
