// Submission workbooks end to end: a template filled as a clerk would gives the CSV's figures; its drop-downs read back independently.
import Foundation
import Testing
import XlsxWriter
@testable import SafetyReport

/// October for V1, typed as a clerk types it (one row deliberately wrong: a negative count).
private let october: [FileKind: [[FillValue]]] = [
    .inspections: [
        [.date("2026-10-05"), .text("V1-01"), .text("张三"), .text("沿街店铺"), .number(0)],
        [.date("2026-10-20"), .text(""), .text("王五"), .text(""), .number(1)],
        [.date("2026-10-21"), .text("V1-02"), .text("李四"), .text(""), .number(-2)],
    ],
    .hazards: [
        [.text("H1"), .date("2026-09-03"), .text("V1-01"), .text("供用电"), .text("一般"), .text("楼道私拉电线"), .text(""),
         .text("张三"), .date("2026-09-20"), .text("已整改"), .date("2026-10-08"), .bool(false), .text("")],
        [.text("H3"), .date("2026-10-20"), .text(""), .text("公共设施"), .text("重大"), .text("消防通道堵塞"), .text("东湖路 3 号"),
         .text("王五"), .date("2026-11-30"), .text("未整改"), .text(""), .bool(true), .text("镇安监办")],
    ],
    .agreements: [
        [.text("村民小组"), .text("V1-01"), .text("第一村民小组"), .text("是"), .date("2026-01-05")],
        [.text("村民小组"), .text("V1-02"), .text("第二村民小组"), .text("否"), .text("")],
    ],
    .trainings: [
        [.date("2026-10-12"), .text("V1-01"), .text("专题讲座"), .text("消防安全"), .text("居民"), .number(40), .number(1.5), .number(100)],
        [.date("2026-10-25"), .text(""), .text("应急演练"), .text("疏散演练"), .text("学生"), .number(120), .number(2), .text("")],
    ],
]

private func septemberHistory(_ town: TownFixture) throws {
    try town.write("inputs/2026-09/V1/hazards.csv", """
    隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期
    H1,2026-09-03,V1-01,供用电,一般,楼道私拉电线,张三,2026-09-20,未整改,
    H2,2026-09-10,,房屋,重大,危房,李四,2026-12-31,整改中,
    """)
}

/// Fills V1's generated template with openpyxl and saves it as `dest`.
private func fillTemplate(_ config: PipelineConfig, to dest: URL) throws {
    let dir = makeTempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let template = dir + "/template.xlsx"
    try TemplateWorkbook.write(config, code: "V1", to: template)
    struct Spec: Encodable { var template: String; var out: String; var sheets: [String: [[FillValue]]] }
    let spec = Spec(template: template, out: dest.path,
                    sheets: Dictionary(uniqueKeysWithValues: october.map { ($0.key.chinese, $0.value) }))
    try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: dir + "/spec.json"))
    try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
    _ = try Openpyxl.script(Openpyxl.fill, [dir + "/spec.json"])
}

/// openpyxl's view of a template's sheets, validations and lists.
private struct SheetView: Decodable {
    struct Validation: Decodable {
        var sqref: String; var type: String?; var `operator`: String?; var formula1: String?; var values: [String?]?
        var errorStyle: String?; var promptTitle: String?; var prompt: String?; var error: String?
    }
    var state: String; var freeze: String?; var header: [String?]; var example: [String?]; var validations: [Validation]
    func validation(column letter: String) -> Validation? { validations.first { $0.sqref.hasPrefix(letter + "3:") } }
}

private func openpyxlView(_ config: PipelineConfig, code: String) throws -> [String: SheetView] {
    let dir = makeTempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try TemplateWorkbook.write(config, code: code, to: dir + "/t.xlsx")
    let json = try Openpyxl.script(Openpyxl.validations, [dir + "/t.xlsx"])
    return try JSONDecoder().decode([String: SheetView].self, from: Data(json.utf8))
}

@Suite(.serialized) struct SubmissionWorkbookTests {
    @Test(.enabled(if: Openpyxl.available, "python3-openpyxl is not installed"))
    func aTemplateFilledLikeAClerkGivesTheSameFiguresAsTheSameDataInCSV() throws {
        let csvTown = try TownFixture(), xlsxTown = try TownFixture()
        try septemberHistory(csvTown); try septemberHistory(xlsxTown)
        for (kind, rows) in october {
            let header = kind.schema.columns.map(\.header).joined(separator: ",")
            try csvTown.write("inputs/2026-10/V1/\(kind.fileName)",
                              ([header] + rows.map { $0.map(\.csv).joined(separator: ",") }).joined(separator: "\n") + "\n")
        }
        try fillTemplate(try xlsxTown.config, to: xlsxTown.root.appendingPathComponent("inputs/2026-10/V1/提交表.xlsx"))

        let p = Period("2026-10")!
        let a = try ReportRun.build(config: try csvTown.config, configSHA256: "x", period: p)
        let b = try ReportRun.build(config: try xlsxTown.config, configSHA256: "x", period: p)
        for name in ["summary_town.csv", "summary_villages.csv", "summary_groups.csv", "summary_categories.csv", "hazard_ledger.csv"] {
            #expect(try csvTown.read("outputs/2026-10/" + name) == xlsxTown.read("outputs/2026-10/" + name), "\(name)")
        }
        let v1 = try #require(try xlsxTown.csv("outputs/2026-10/summary_villages.csv").first { $0["village_code"] == "V1" })
        #expect(v1["files_submitted"] == "4" && v1["rows_read"] == "9" && v1["rows_rejected"] == "1")
        #expect(v1["trainings"] == "2" && v1["training_participants"] == "160" && v1["hazards_escalated_open"] == "1")
        // The same rejection, placed at the spreadsheet's row (example row 2, data from row 3) and sheet.
        let csvIssue = try #require(a.report.issues.first { $0.column == "hazards_found" && $0.severity == .error })
        let xlsxIssue = try #require(b.report.issues.first { $0.column == "hazards_found" && $0.severity == .error })
        #expect(csvIssue.line == 4 && xlsxIssue.line == 5)
        #expect(xlsxIssue.file == "提交表.xlsx（排查记录）" && xlsxIssue.rule == csvIssue.rule && xlsxIssue.message == csvIssue.message)
        // The example row counts nowhere: no issue mentions row 2.
        #expect(!b.report.issues.contains { $0.folder == "V1" && $0.line == 2 })
    }

    @Test(.enabled(if: Openpyxl.available, "python3-openpyxl is not installed"))
    func openpyxlReadsBackTheDropDownsAndTheVillagesOwnGroupCodes() throws {
        let town = try TownFixture()
        let config = try town.config
        let view = try openpyxlView(config, code: "V1")
        #expect(view["选项"]?.state == "hidden")
        #expect(view[TemplateWorkbook.instructionsSheet]?.state == "visible")
        for kind in FileKind.allCases {
            let sheet = try #require(view[kind.chinese])
            #expect(sheet.header.compactMap { $0 } == kind.schema.columns.map(\.header))
            #expect(sheet.freeze == "A2")
            #expect(sheet.example.first??.hasPrefix(TemplateWorkbook.exampleMarker) == true)
            for (i, column) in kind.schema.columns.enumerated() {
                let letter = String(cellName(row: 0, col: i).dropLast())
                let v = try #require(sheet.validation(column: letter), "\(kind) \(column.key)")
                #expect(v.promptTitle == column.header)
                switch column.type {
                case .enumeration(let e):
                    #expect(v.type == "list" && v.values?.compactMap { $0 } == e.choices.map(\.label), "\(column.key)")
                case .boolean:
                    #expect(v.type == "list" && v.formula1 == "\"是,否\"")
                case .date:
                    #expect(v.type == "date" && v.error?.contains("2026-10-05") == true)
                case .integer:
                    #expect(v.type == "whole" && v.operator == "greaterThanOrEqual" && v.formula1 == "0")
                case .decimal:
                    #expect(v.type == "decimal" && v.operator == "greaterThanOrEqual")
                case .code where column.key == "group_code":
                    #expect(v.type == "list" && v.values?.compactMap { $0 } == ["V1-01", "V1-02"])
                case .code where column.key == "party_code":
                    #expect(v.type == "list" && v.errorStyle == "warning" && v.values?.compactMap { $0 } == ["V1-01", "V1-02"])
                default:
                    #expect(v.type == nil || v.type == "any")
                }
            }
        }
        // A village without groups gets no group drop-down; the town's party codes are its villages and key units.
        let v2 = try openpyxlView(config, code: "V2")
        #expect(v2["隐患整改台账"]?.validation(column: "C")?.type == nil)
        let t1 = try openpyxlView(config, code: "T1")
        #expect(t1["责任书签订"]?.validation(column: "B")?.values?.compactMap { $0 } == ["V1", "V2", "KU1"])
    }

    @Test func theTemplatesDropDownsPointAtTheVillagesGroupCodesInTheXML() throws {
        let town = try TownFixture()
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TemplateWorkbook.write(try town.config, code: "V1", to: dir + "/t.xlsx")
        let parts = try XlsxParts(path: dir + "/t.xlsx")
        #expect(parts.sheetNames == ["填写说明", "排查记录", "隐患整改台账", "责任书签订", "宣传教育培训", "选项"])
        #expect(parts["xl/workbook.xml"].contains(#"<sheet name="选项" sheetId="6" state="hidden""#))
        // hazards: group_code is column C; its list is a range on the hidden sheet …
        let hazards = parts.sheet("隐患整改台账")
        let formulas = matches(#"sqref="C3:C5000"><formula1>([^<]*)</formula1>"#, in: hazards)
        let formula = try #require(formulas.first)
        let range = try #require(matches(#"!\$([A-Z]+)\$2:\$[A-Z]+\$(\d+)"#, in: formula).first)
        // … whose cells are exactly V1's group codes.
        let last = Int(try #require(matches(#":\$[A-Z]+\$(\d+)$"#, in: formula).first))!
        let values = (2...last).compactMap { parts.cell("选项", "\(range)\($0)") }
        #expect(values == ["V1-01", "V1-02"])
        #expect(hazards.contains(#"type="list""#) && hazards.contains("<formula1>\"是,否\"</formula1>"))
        #expect(hazards.contains(#"promptTitle="隐患类别""#) && hazards.contains("请从下拉列表选择"))
        // The example row is marked, and the header row frozen.
        #expect(parts.cell("隐患整改台账", "A2")?.hasPrefix("示例") == true)
        #expect(hazards.contains(#"<pane ySplit="1" topLeftCell="A2""#))
    }

    @Test func templatesAreReproducibleSoAnUntouchedOneIsNotAClash() throws {
        let town = try TownFixture()
        let config = try town.config
        #expect(try TemplateWorkbook.bytes(config, code: "V1") == TemplateWorkbook.bytes(config, code: "V1"))
        let files = try Templates.submissionFiles(config, only: "V1")
        #expect(files.map(\.path).sorted() == ["V1/agreements.csv", "V1/hazards.csv", "V1/inspections.csv", "V1/trainings.csv",
                                               "V1_东湖村_提交表.xlsx"])
        #expect(files.filter { $0.path.hasSuffix(".csv") }.allSatisfy { $0.bytes.starts(with: [0xEF, 0xBB, 0xBF]) })
    }

    @Test func anUntouchedTemplateReadsAsSubmittedWithNothingButTheAgreementsToFill() throws {
        let town = try TownFixture()
        let config = try town.config
        try town.writeBytes("inputs/2026-10/V1/提交表.xlsx", try TemplateWorkbook.bytes(config, code: "V1"))
        let report = ReportAssembler.assemble(config: config, period: Period("2026-10")!).report
        let stats = report.fileStats.filter { $0.folder == "V1" }
        #expect(stats.allSatisfy { $0.state == "read" })
        // Only the two pre-filled agreements rows are data; the example rows are not.
        #expect(stats.map(\.rowsRead) == [0, 0, 2, 0])
        #expect(report.issues.filter { $0.folder == "V1" && $0.severity == .error }.allSatisfy { $0.column == "signed" && $0.line != nil })
    }
}
