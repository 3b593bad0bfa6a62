// The town and village workbooks, read back from the .xlsx: sheets, figures, highlights, charts, print setup.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

/// A small hand-made report: two villages, 2026-10.
enum WorkbookFixture {
    static let period = Period(year: 2026, month: 10)!
    static func day(_ d: Int) -> Day { Day(year: 2026, month: 10, day: d)! }

    static func report(villageCount: Int = 0) -> MonthReport {
        let east = Village(code: "330683105201", name: "东湖村", kind: "村", population: 2310,
                           groups: [Group(code: "330683105201-01", name: "第一村民小组")])
        let west = Village(code: "330683105202", name: "西山社区", kind: "社区", population: 1800)
        var villages = [east, west]
        for i in 0..<villageCount {
            villages.append(Village(code: "V\(10000 + i)", name: "测试村\(i)", groups: (0..<5).map { Group(code: "V\(10000 + i)-\($0)", name: "第\($0 + 1)组") }))
        }
        var settings = ReportSettings()
        settings.company = "青石镇人民政府"
        let config = PipelineConfig(town: Town(code: "330683105", name: "青石镇"), villages: villages,
                                    keyUnits: [KeyUnit(code: "KU001", name: "青石化工有限公司")], report: settings)

        var e = Figures()   // 东湖村: everything met except one overdue hazard.
        e.filesSubmitted = 4; e.rowsRead = 12; e.rowsRejected = 0
        e.inspections = 3; e.inspectionsFirstHalf = 2; e.inspectionsSecondHalf = 1
        e.hazardsNew = 2; e.hazardsNewMajor = 1; e.hazardsRectified = 1; e.hazardsOpen = 2; e.hazardsOpenMajor = 1
        e.hazardsOverdue = 1; e.hazardsNewYTD = 6; e.hazardsRectifiedYTD = 3
        e.agreementsRequired = 2; e.agreementsSigned = 2; e.trainings = 1; e.trainingParticipants = 35
        var w = Figures()   // 西山社区: no trainings file, no second-half inspection, 6 of 7 agreements signed.
        w.filesSubmitted = 3; w.rowsRead = 9; w.rowsRejected = 1
        w.inspections = 1; w.inspectionsFirstHalf = 1; w.agreementsRequired = 7; w.agreementsSigned = 6
        var own = Figures()
        own.filesSubmitted = 1; own.agreementsRequired = 3; own.agreementsSigned = 3
        var total = e; total += w; total += own

        var summaries = [
            VillageSummary(village: east, figures: e, shortfalls: [.overdueHazards(actual: 1, limit: 0)], complete: true),
            VillageSummary(village: west, figures: w, shortfalls: [
                .incompleteSubmission(missing: [.trainings]), .inspectionsSecondHalf(actual: 0, target: 1),
                .signingRate(actual: 6.0 / 7.0, target: 1), .trainings(actual: 0, target: 1)], complete: false),
        ]
        for v in villages.dropFirst(2) {
            var f = Figures(); f.inspectionsFirstHalf = 1; f.inspectionsSecondHalf = 1; f.trainings = 1
            summaries.append(VillageSummary(village: v, figures: f, shortfalls: [], complete: true))
        }
        var groupFigures = Figures(); groupFigures.inspections = 2
        let groups = [GroupSummary(villageCode: east.code, villageName: east.name, group: east.groups[0], figures: groupFigures)]
            + villages.dropFirst(2).flatMap { v in v.groups.map { GroupSummary(villageCode: v.code, villageName: v.name, group: $0, figures: Figures()) } }
        var cat = CategoryCount(folder: east.code, folderName: east.name, category: .electricity)
        cat.hazardsNew = 2; cat.hazardsOpen = 2; cat.hazardsOverdue = 1

        let overdue = HazardRow(line: 2, hazardId: "DH-001", foundDate: Day(year: 2026, month: 9, day: 3)!, category: .electricity,
                                level: .major, description: "=HYPERLINK(\"http://x\")配电箱线路老化", location: "村委会东侧",
                                responsible: "王强", deadline: Day(year: 2026, month: 9, day: 30)!, status: .inProgress,
                                escalated: true, escalatedTo: "镇安监办")
        let fresh = HazardRow(line: 3, hazardId: "DH-002", foundDate: day(12), groupCode: east.groups[0].code,
                              category: .electricity, level: .general,
                              description: "楼道堆放杂物", responsible: "李梅", deadline: day(31), status: .open)
        var ledger = [
            LedgerEntry(owner: east.code, ownerName: east.name, hazard: overdue, registeredIn: Period(year: 2026, month: 9)!,
                        lastUpdatedIn: Period(year: 2026, month: 9)!, isOpen: true, isOverdue: true, daysOverdue: 31,
                        isNew: false, carriedOver: true, rectifiedInPeriod: false),
            LedgerEntry(owner: east.code, ownerName: east.name, hazard: fresh, registeredIn: period, lastUpdatedIn: period,
                        isOpen: true, isOverdue: false, daysOverdue: 0, isNew: true, carriedOver: false, rectifiedInPeriod: false),
        ]
        for v in villages.dropFirst(2) {
            var h = fresh; h.hazardId = v.code + "-1"
            ledger.append(LedgerEntry(owner: v.code, ownerName: v.name, hazard: h, registeredIn: period, lastUpdatedIn: period,
                                      isOpen: true, isOverdue: false, daysOverdue: 0, isNew: true, carriedOver: false, rectifiedInPeriod: false))
        }
        let agreements = [
            AgreementStatus(folder: "330683105", party: PartyKey(type: .village, code: east.code, name: east.name),
                            partyName: east.name, state: .signed, signedDate: Day(year: 2026, month: 2, day: 10)!, sentIn: Period(year: 2026, month: 2)!),
            AgreementStatus(folder: west.code, party: PartyKey(type: .school, code: nil, name: "西山小学"),
                            partyName: "西山小学", state: .missingFromFile, sentIn: Period(year: 2026, month: 3)!),
        ]
        let trainings = [TrainingActivity(folder: east.code, row: TrainingRow(line: 2, date: day(9), form: .lecture,
                                                                              theme: "消防安全进课堂", audience: .students, participants: 35))]
        let trend = (1...10).map { TrendPoint(period: Period(year: 2026, month: $0)!, hazardsNew: $0, hazardsRectified: $0 / 2) }
        let issues = [ValidationIssue(.error, period: period, folder: west.code, file: "hazards.csv", line: 3, column: "category",
                                      value: "用电", rule: "enum.unknown", message: "隐患类别「用电」不在清单中，是否为「供用电」？")]
        let town = TownSummary(figures: total, ownFolder: own, villagesSubmitted: 1 + villageCount, villagesCompliant: villageCount)
        return MonthReport(period: period, config: config, town: town, villages: summaries, groups: groups,
                           categories: [cat], ledger: ledger, agreements: agreements, trainings: trainings, trend: trend,
                           issues: issues, fileStats: [])
    }
}

/// A class, so every test's folder is removed with its instance (a parameterized test gets one per argument).
@Suite final class TownWorkbookTests: Sendable {
    let dir = makeTempDir()
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func written() throws -> (String, XlsxParts) {
        let path = dir + "/town.xlsx"
        try TownWorkbook.write(WorkbookFixture.report(), to: path)
        return (path, try XlsxParts(path: path))
    }

    @Test func sheetsAndVillageFigures() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, x) = try written()
        #expect(x.sheetNames == ["总览", "村居汇总", "小组明细", "隐患分类", "隐患台账", "责任书", "宣传培训", "培训统计",
                                 "数据校验", "通报", "图表数据"])
        // Rows: 1 title, 2 note, 3 header, 4 东湖村, 5 西山社区, 6 本级, 7 全镇合计.
        #expect(x.cell("村居汇总", "B3") == "村居名称")
        #expect(x.allStrings.contains("上半月排查"))
        #expect(x.cell("村居汇总", "B4") == "东湖村")
        #expect(x.cell("村居汇总", "I4") == "2")              // inspections_first_half of 东湖村
        #expect(Double(x.cell("村居汇总", "W5") ?? "") == 6.0 / 7.0)   // signing rate, unrounded
        #expect(x.cell("村居汇总", "Z5") == "否")
        #expect(x.cell("村居汇总", "B7") == "全镇合计")
        #expect(x.cell("村居汇总", "W7") == "0.91666666666666663" || Double(x.cell("村居汇总", "W7") ?? "") == 11.0 / 12.0)
        #expect(x.cell("村居汇总", "E7") == "1/2")
    }

    @Test func frozenFilteredHighlightedPrintable() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, x) = try written()
        let v = x.sheet("村居汇总")
        #expect(v.contains("<pane ySplit=\"3\" topLeftCell=\"A4\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(v.contains("<autoFilter ref=\"A3:AA5\"/>"))   // villages only; the two total rows stay outside
        #expect(v.contains("<formula>AND(ISNUMBER(W4),W4&lt;1.0)</formula>"))
        #expect(v.contains("<formula>I4&lt;1</formula>"))
        for name in TownWorkbook.sheetNames {
            let s = x.sheet(name)
            #expect(s.contains("state=\"frozen\""), "\(name) frozen")
            #expect(s.contains("<autoFilter"), "\(name) filter")
            #expect(s.contains("paperSize=\"9\"") && s.contains("orientation=\"landscape\""), "\(name) A4 landscape")
            #expect(s.contains("<pageSetUpPr fitToPage=\"1\"/>") && s.contains("fitToHeight=\"0\""), "\(name) one page wide")
            #expect(s.contains("<oddHeader>&amp;L青石镇&amp;C青石镇安全社区建设月度通报&amp;R2026年10月</oddHeader>"), "\(name) header")
            #expect(s.contains("第&amp;P页 共&amp;N页</oddFooter>"), "\(name) footer")
        }
        #expect(x["xl/workbook.xml"].contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"1\">'村居汇总'!$3:$3</definedName>"))
        // Ledger: overdue rows red by the 标记 column (O), major levels (F) bold red, carried-over flags yellow.
        let ledger = x.sheet("隐患台账")
        #expect(ledger.contains("<formula>ISNUMBER(SEARCH(\"逾期\",$O4))</formula>"))
        #expect(ledger.contains("<formula>F4=\"重大\"</formula>"))
        #expect(ledger.contains("<formula>ISNUMBER(SEARCH(\"结转未更新\",O4))</formula>"))
        #expect(x["docProps/core.xml"].contains("<dc:title>青石镇安全社区建设月度通报</dc:title>"))
        #expect(x["docProps/app.xml"].contains("<Company>青石镇人民政府</Company>"))
    }

    @Test func ledgerTextDatesAndNotices() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, x) = try written()
        // Ledger columns: A 单位名称 B 隐患编号 C 发现日期 D 小组 E 隐患类别 F 等级 G 隐患描述 H 地点 I 责任人
        // J 整改期限 K 状态 L 整改完成日期 M 上报部门 N 逾期天数 O 标记 — 15 columns, one page wide in print.
        #expect(x.cell("隐患台账", "O3") == "标记")
        #expect(x.cell("隐患台账", "P3") == nil)
        #expect(x.cell("隐患台账", "A4") == "东湖村")
        #expect(x.cell("隐患台账", "B4") == "DH-001")
        // Formula-looking text from the inputs is a plain string, never a formula.
        #expect(x.cell("隐患台账", "G4") == "=HYPERLINK(\"http://x\")配电箱线路老化")
        #expect(!x.sheet("隐患台账").contains("<f>"))
        // …and its cell is formatted as Text (@, built-in number format 49), so editing it in Excel keeps it text.
        let style = try #require(matches(#"<c r="G4" s="(\d+)""#, in: x.sheet("隐患台账")).first.flatMap { Int($0) })
        let xfs = matches(#"<xf ([^>]*)"#, in: x["xl/styles.xml"].components(separatedBy: "<cellXfs")[1])
        #expect(xfs[style].contains("numFmtId=\"49\""))
        // found_date 2026-09-03 as a real date: 1970-01-01 = 25569, + 20699 days.
        #expect(x.cell("隐患台账", "C4") == "46268")
        // Number formats: dates as dates, rates as percentages, counts with thousands separators, text as Text.
        #expect(x.numberFormat("隐患台账", "C4") == "yyyy-mm-dd")
        #expect(x.numberFormat("隐患台账", "N4") == "#,##0")
        #expect(x.numberFormat("村居汇总", "W5") == "0.0%")
        #expect(x.numberFormat("村居汇总", "B4") == "@")
        // DH-001: no group; escalated to 镇安监办; 31 days overdue; carried over from September without an update.
        #expect(x.cell("隐患台账", "D4") == "")
        #expect(x.cell("隐患台账", "M4") == "镇安监办")
        #expect(x.cell("隐患台账", "N4") == "31")
        #expect(x.cell("隐患台账", "O4") == "逾期、已上报、结转未更新")
        // DH-002: the group's name rather than its code; not escalated, not overdue, new this month.
        #expect(x.cell("隐患台账", "D5") == "第一村民小组")
        #expect(x.cell("隐患台账", "M5") == "")
        #expect(x.cell("隐患台账", "N5") == "")
        #expect(x.cell("隐患台账", "O5") == "本月新增")
        #expect(x.cell("通报", "C4") == "东湖村")
        #expect(x.cell("通报", "E5") == "未按要求报送「宣传教育培训」；下半月未开展隐患排查；安全生产目标责任书签订率为85.7%，未达到100%的要求；本月未开展安全宣传教育培训。")
        #expect(x.cell("宣传培训", "K4") == "安全进校园")
        #expect(x.cell("数据校验", "E4") == "隐患类别(category)")
    }

    @Test func chartsReadTheirData() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, x) = try written()
        #expect(x["xl/charts/chart1.xml"].contains("<c:f>'图表数据'!$A$3:$A$10</c:f>"))
        // The categories as horizontal bars, listed top down in the data's order.
        #expect(x["xl/charts/chart1.xml"].contains("<c:barDir val=\"bar\"/>"))
        #expect(x["xl/charts/chart1.xml"].contains("<c:orientation val=\"maxMin\"/>"))
        // The category and trend charts side by side without overlap: the first ends before the second starts.
        let anchorCols = matches(#"<xdr:(?:from|to)><xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff>"#, in: x["xl/drawings/drawing1.xml"])
        let anchorOffsets = matches(#"<xdr:(?:from|to)><xdr:col>\d+</xdr:col><xdr:colOff>(\d+)</xdr:colOff>"#, in: x["xl/drawings/drawing1.xml"])
        let points = zip(anchorCols, anchorOffsets).map { (Int($0)!, Int($1)!) }
        try #require(points.count >= 4)
        #expect(points[1] < points[2], "category chart ends \(points[1]), trend chart starts \(points[2])")
        // …and both within the overview table's six columns (A–F), which LibreOffice scales to the page.
        #expect(points[3].0 < 6 || points[3] == (6, 0))
        // chart2: the year's trend (January to October); chart3: village rates with the target as a dashed line.
        #expect(x["xl/charts/chart2.xml"].contains("<c:f>'图表数据'!$E$3:$E$12</c:f>"))
        #expect(x["xl/charts/chart3.xml"].contains("<c:lineChart>"))
        #expect(x["xl/charts/chart3.xml"].contains("<c:v>签订率目标</c:v>"))
        #expect(x["xl/charts/chart3.xml"].contains("<a:prstDash val=\"dash\"/>"))
        #expect(x.cell("图表数据", "F12") == "10")   // October's new hazards in the trend
    }

    @Test func rerunGivesSameBytes() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, _) = try written()
        let first = try Data(contentsOf: URL(fileURLWithPath: path))
        Thread.sleep(forTimeInterval: 2.1)
        try TownWorkbook.write(WorkbookFixture.report(), to: dir + "/again.xlsx")
        #expect(first == (try Data(contentsOf: URL(fileURLWithPath: dir + "/again.xlsx"))))
    }

    @Test func manyVillagesStayLinear() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = WorkbookFixture.report(villageCount: 2000)
        report.villages[1500].figures.agreementsRequired = 2     // 测试村1498: signing rate 0%
        let path = dir + "/big.xlsx"
        try TownWorkbook.write(report, to: path)
        let x = try XlsxParts(path: path)
        #expect(x.sheet("村居汇总").contains("<autoFilter ref=\"A3:AA2005\"/>"))
        // The rates chart shows 30 villages, the lowest signing rates, in registry order: 0% (测试村1498),
        // 6/7 (西山社区), then 28 at 100% or nothing to sign, the first in the registry (东湖村, 测试村0…26).
        #expect(x["xl/charts/chart3.xml"].contains("'图表数据'!$I$3:$I$32"))
        #expect(x.cell("图表数据", "I3") == "东湖村")
        #expect(x.cell("图表数据", "I4") == "西山社区")
        #expect(x.cell("图表数据", "I31") == "测试村26")
        #expect(x.cell("图表数据", "I32") == "测试村1498")
    }
}

/// A class, so every test's folder is removed with its instance (a parameterized test gets one per argument).
@Suite final class VillageWorkbookTests: Sendable {
    let dir = makeTempDir()
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @Test func titlesAndOfficeComeFromTheConfig() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = WorkbookFixture.report()
        report.config.report.villageTitle = "{village}安全工作反馈单"
        report.config.report.noticeTitle = "{town}{period_cn}安全社区工作通报"
        report.config.report.office = "青石镇安全生产委员会办公室"
        try VillageWorkbook.write(report, village: report.villages[0], to: dir + "/east.xlsx")
        try TownWorkbook.write(report, to: dir + "/town.xlsx")
        let east = try XlsxParts(path: dir + "/east.xlsx"), town = try XlsxParts(path: dir + "/town.xlsx")
        #expect(east["docProps/core.xml"].contains("<dc:title>东湖村安全工作反馈单（2026年10月）</dc:title>"))
        #expect(town.cell("通报", "A1") == "青石镇2026年10月安全社区工作通报")
        #expect(town.cell("通报", "A2")?.contains("经青石镇安全生产委员会办公室审核") == true)
    }

    /// The village title split once per report and joined with each village's name is what `fill` gives, for
    /// titles whose `{village}` sits next to characters that join it into one Character (a zero-width joiner, a
    /// combining mark, a prepended mark), more than once, at either end, or not at all.
    @Test(arguments: ["{village}\u{200D}安全社区月度反馈", "{village}\u{0903}反馈", "\u{0600}{village}反馈",
                      "{village}{village}", "前{village}中{village}后", "无占位符", "{village}", "{town}{village}{period_cn}", ""])
    func theVillageTitleIsFilledAsFillFillsIt(title: String) throws {
        var report = WorkbookFixture.report()
        report.config.report.villageTitle = title
        let shared = VillageWorkbook.Shared(report)
        for name in ["东湖村", "", "{village}", "A&B"] {
            let expected = report.config.report.fill(title, town: report.config.town, period: report.period, village: name)
            #expect(shared.villageTitleParts.joined(separator: name) == expected, "\(title) / \(name)")
        }
    }

    @Test func figuresRankOpenHazardsAndFixes() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        try VillageWorkbook.write(report, village: report.villages[0], to: dir + "/east.xlsx")
        try VillageWorkbook.write(report, village: report.villages[1], to: dir + "/west.xlsx")
        let east = try XlsxParts(path: dir + "/east.xlsx"), west = try XlsxParts(path: dir + "/west.xlsx")
        #expect(east.sheetNames == ["本村概况", "待整改隐患", "责任书", "需更正数据"])
        // Row 5 = 上半月排查次数: 东湖村 2, target ≥1, met, town average (2+1)/2 = 1.5, rank 1 of 2.
        #expect(east.cell("本村概况", "A5") == "上半月排查次数")
        #expect(east.cell("本村概况", "B5") == "2")
        #expect(east.cell("本村概况", "D5") == "达标")
        #expect(east.cell("本村概况", "E5") == "1.5")
        #expect(east.cell("本村概况", "F5") == "1/2")
        // Row 10 = 逾期未整改隐患: 东湖村 1 > 0 → not met; fewer is better, 西山社区 has 0 → rank 2.
        #expect(east.cell("本村概况", "D10") == "未达标")
        #expect(east.cell("本村概况", "F10") == "2/2")
        // Row 7 = 本月新增隐患: finding hazards is neither good nor bad, so it has an average but no rank.
        #expect(east.cell("本村概况", "A7") == "本月新增隐患")
        #expect(east.cell("本村概况", "E7") == "1" && east.cell("本村概况", "F7") == "—")
        // Open hazards: A 隐患编号 B 发现日期 C 小组 D 隐患类别 E 等级 F 隐患描述 G 地点 H 责任人 I 整改期限 J 状态
        // K 上报部门 L 逾期天数 M 标记 — no owner columns in the village's own workbook, no rectification date.
        #expect(east.cell("待整改隐患", "A4") == "DH-001")
        #expect(east.cell("待整改隐患", "A5") == "DH-002")
        #expect(east.cell("待整改隐患", "C5") == "第一村民小组")
        #expect(east.cell("待整改隐患", "L4") == "31")
        #expect(east.cell("待整改隐患", "M4") == "逾期、已上报、结转未更新")
        #expect(east.cell("待整改隐患", "N3") == nil)
        #expect(!east.sharedStrings.contains("单位名称") && !east.sharedStrings.contains("单位编码"))
        #expect(east.sheet("待整改隐患").contains("<formula>ISNUMBER(SEARCH(\"逾期\",$M4))</formula>"))
        #expect(west.cell("责任书", "D4") == "名单缺漏")
        #expect(west.cell("需更正数据", "A4") == "hazards.csv")
        #expect(west.cell("需更正数据", "B4") == "3")
        #expect(west.cell("需更正数据", "F4") == "隐患类别「用电」不在清单中，是否为「供用电」？")
        #expect(west.cell("需更正数据", "G4") == "hazards.csv第3行「隐患类别」列从下拉清单中选择，允许值：公共设施、房屋、危险化学品、"
                + "烟花爆竹、人员密集场所、机动车辆、供用电、其他，下次报送时一并重新报送该文件")
        #expect(east.cell("需更正数据", "A4") == nil)
        #expect(west.sheet("需更正数据").contains("<oddHeader>&amp;L青石镇 西山社区"))
    }
}

/// Writes the fixture's town and village workbooks where scripts/render-workbooks.sh and check-workbook.py can
/// find them (WORKBOOK_SAMPLE_DIR, else a temporary folder), and checks that they open.
@Suite struct WorkbookSampleTests {
    @Test func samplesOpen() throws {
        let env = ProcessInfo.processInfo.environment["WORKBOOK_SAMPLE_DIR"]
        let dir = env ?? makeTempDir()
        defer { if env == nil { try? FileManager.default.removeItem(atPath: dir) } }
        try FileManager.default.createDirectory(atPath: dir + "/villages", withIntermediateDirectories: true)
        let report = WorkbookFixture.report(villageCount: 12)
        try TownWorkbook.write(report, to: dir + "/town.xlsx")
        for v in report.villages.prefix(2) { try VillageWorkbook.write(report, village: v, to: dir + "/villages/\(v.village.code).xlsx") }
        #expect(try XlsxParts(path: dir + "/town.xlsx").sheetNames.count == TownWorkbook.sheetNames.count)
        #expect(try XlsxParts(path: dir + "/villages/330683105202.xlsx").sheetNames == VillageWorkbook.sheetNames)
    }
}

/// A table longer than a worksheet can hold is cut with a note, never a failed write (Excel's limit is
/// 1,048,576 rows; a small limit shows the same arithmetic without writing a million rows).
/// Excel allows 255 characters per print header or footer, and libxlsxwriter refuses the sheet past that: a very
/// long town name or title is shortened there, so every workbook is still written.
@Suite struct PrintHeaderLimitTests {
    @Test func shortTextsAreWrittenWhole() {
        let p = PrintHeader(town: "青石&镇", period: WorkbookFixture.period, title: "总览").pageSetup(repeatRows: nil)
        #expect(p.header == "&L青石&&镇&C总览&R2026年10月")
        #expect(p.footer == "&L青石&&镇 2026年10月&C第&P页 共&N页")
    }

    @Test func longTextsAreShortenedToTheLimit() {
        for (town, title) in [(String(repeating: "长&", count: 150), "总览"), ("青石镇", String(repeating: "标题", count: 200)),
                              (String(repeating: "&", count: 300), String(repeating: "&", count: 300))] {
            let p = PrintHeader(town: town, period: WorkbookFixture.period, title: title).pageSetup(repeatRows: nil)
            #expect(p.header.unicodeScalars.count <= PrintHeader.headerFooterLimit, "\(p.header)")
            #expect(p.footer.unicodeScalars.count <= PrintHeader.headerFooterLimit, "\(p.footer)")
            #expect(p.header.contains("…") && p.header.hasSuffix("&R2026年10月"))
            // No "&" is left undoubled by the cut (the texts are cut before "&" is doubled): with the doubled ones
            // taken out, only the three section codes &L, &C and &R remain.
            #expect(p.header.replacingOccurrences(of: "&&", with: "").filter { $0 == "&" }.count == 3, "\(p.header)")
        }
    }

    /// Linux allows 255 bytes per file name: a submission workbook's name is shortened past 200 bytes.
    @Test func submissionWorkbookNamesStayWithinTheFileNameLimit() {
        for name in ["东湖村", String(repeating: "长", count: 300), String(repeating: "a", count: 180)] {
            let config = PipelineConfig(town: Town(code: "330683105", name: "青石镇"),
                                        villages: [Village(code: "330683105201", name: name, kind: "村", population: 10)])
            let file = TemplateWorkbook.fileName(config, code: "330683105201")
            #expect(file.utf8.count <= 200, "\(file)")
            #expect(file.hasPrefix("330683105201_") && file.hasSuffix("_提交表.xlsx"))
            if "330683105201_\(name)_提交表.xlsx".utf8.count <= 200 { #expect(file == "330683105201_\(name)_提交表.xlsx") }
            else { #expect(file.contains("…_提交表")) }
        }
    }

    @Test func workbooksWithVeryLongNamesAreWritten() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = WorkbookFixture.report()
        report.config.town.name = String(repeating: "长&", count: 150)
        report.config.report.title = String(repeating: "标题", count: 140)
        report.config.report.villageTitle = String(repeating: "反馈", count: 140) + "{village}"
        try VillageWorkbook.write(report, village: report.villages[0], to: dir + "/v.xlsx")
        try TownWorkbook.write(report, to: dir + "/t.xlsx")
        for path in [dir + "/v.xlsx", dir + "/t.xlsx"] {
            let x = try XlsxParts(path: path)
            let sheet = x["xl/worksheets/sheet1.xml"]
            let header = try #require(sheet.firstMatch(of: /<oddHeader>([^<]*)<\/oddHeader>/)?.1)
            let text = header.replacingOccurrences(of: "&amp;", with: "&")
            #expect(text.unicodeScalars.count <= PrintHeader.headerFooterLimit)
            #expect(text.contains("…"))
        }
    }
}

@Suite struct WorksheetRowLimitTests {
    @Test(arguments: [(note: String?.none, limit: 10), (note: "说明", limit: 10), (note: String?.none, limit: 40)])
    func aTableLongerThanTheSheetIsCutWithANote(note: String?, limit: Int) throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cut.xlsx"
        let wb = try Workbook(path: path)
        let style = try WorkbookStyle(wb)
        let ws = try wb.addWorksheet("表")
        let rows: [[Cell]] = (1...20).map { [Cell.text("行\($0)"), Cell.int($0)] }
        let columns = [Column("名称"), Column("数", .int)]
        let print = PrintHeader(town: "镇", period: WorkbookFixture.period, title: "表")
        let t: TableLayout = try ws.writeTable(style: style, title: "标题", note: note, columns: columns, rows: rows,
                                  footerRows: [[.text("合计"), .int(210)]], print: print, rowLimit: limit)
        try wb.close()
        let x = try XlsxParts(path: path)
        // Title, optional note, header; then data, the cut note and the footer fill the sheet exactly.
        let firstData = note == nil ? 2 : 3
        let listed = min(20, limit - firstData - 2)
        #expect(t.firstDataRow == firstData)
        #expect(t.lastDataRow == firstData + listed - 1)
        #expect(x.cell("表", "A\(firstData + listed)") == "行\(listed)")
        if listed < 20 {
            #expect(x.cell("表", "A\(firstData + listed + 1)")?.contains("另有 \(20 - listed) 行未列出") == true)
            #expect(x.cell("表", "A\(limit)") == "合计")          // the footer is the sheet's last row
        } else {
            #expect(x.cell("表", "A\(firstData + 21)") == "合计")  // nothing cut, no note
            #expect(!x.sharedStrings.contains { $0.contains("未列出") })
        }
    }
}
