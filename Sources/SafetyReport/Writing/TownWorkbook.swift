// The office's workbook for one period (SPEC §5): overview with charts, village and group tables, ledger, agreements,
// trainings, validation issues and the commendation / criticism list, all in Chinese and ready to print.

import Foundation
import XlsxWriter

/// Writes the town workbook for the office.
public enum TownWorkbook {
    /// Sheet names, in workbook order.
    public static let sheetNames = ["总览", "村居汇总", "小组明细", "隐患分类", "隐患台账", "责任书", "宣传培训", "培训统计",
                                    "数据校验", "通报", "图表数据"]

    /// The sheet the overview's charts read.
    static let chartDataSheet = "图表数据"

    /// Added after the others when a rebuild changed figures.
    public static let changesSheet = "更正记录"

    /// The rates chart shows every village up to this many; beyond it, the villages with the lowest signing rate.
    static let chartVillageLimit = 30

    /// Writes the workbook to `path` (replacing any file there). The same report gives the same bytes.
    /// `changes`, when a rebuild changed figures of the report it replaces, adds a 更正记录 sheet.
    /// `partsInMemory`: libxlsxwriter's temporary parts under 1 MB kept in memory, larger ones in the default
    /// temporary folder, and a failed write to any of them an error (see `Workbook.init`, `Workbook.close`).
    /// Returns `Workbook.partsStayedInMemory` (see `WrittenWorkbookCheck.verifyStructure`).
    @discardableResult
    public static func write(_ report: MonthReport, changes: [FigureChange] = [], to path: String,
                             partsInMemory: Bool = false) throws -> Bool {
        // Constant-memory sheets: a table of a million trainings costs one row of libxlsxwriter's memory, not
        // every cell (each sheet writes its rows strictly top down; the wrapper throws otherwise). 图表数据 stays
        // in normal mode: the overview's charts cache their values from its cells, which libxlsxwriter can only
        // read from a sheet still held in memory (it is a few dozen rows).
        let wb = try Workbook(path: path, constantMemory: true, partsInMemory: partsInMemory)
        let cfg = report.config
        let title = cfg.report.fill(cfg.report.title, town: cfg.town, period: report.period)
        try wb.setProperties(DocumentProperties(
            title: title, subject: "\(report.period.chinese)安全社区月度报表", author: cfg.report.author,
            company: cfg.report.company.isEmpty ? cfg.town.name : cfg.report.company,
            created: creationTime(of: report.period)))
        let style = try WorkbookStyle(wb)
        let print = PrintHeader(town: cfg.town.name, period: report.period, title: title)
        var sheets: [String: Worksheet] = [:]
        for name in sheetNames { sheets[name] = try wb.addWorksheet(name, constantMemory: name != chartDataSheet) }
        if !changes.isEmpty { sheets[changesSheet] = try wb.addWorksheet(changesSheet) }
        let w = Writer(report: report, style: style, print: print, title: title)

        try w.villages(sheets["村居汇总"]!)
        try w.groups(sheets["小组明细"]!)
        try w.categories(sheets["隐患分类"]!)
        try w.ledger(sheets["隐患台账"]!)
        try w.agreements(sheets["责任书"]!)
        try w.trainings(sheets["宣传培训"]!)
        try w.trainingStats(sheets["培训统计"]!)
        try w.issues(sheets["数据校验"]!)
        try w.notices(sheets["通报"]!)
        if let ws = sheets[changesSheet] { try w.changes(ws, changes) }
        let data = try w.chartData(sheets["图表数据"]!)
        try w.overview(sheets["总览"]!, data: data, workbook: wb)
        sheets["总览"]!.activate()
        try wb.close()
        return wb.partsStayedInMemory
    }

    /// Where the chart data landed on 图表数据 (zero-based rows, inclusive).
    struct ChartData {
        var categoryRows: ClosedRange<Int>
        var trendRows: ClosedRange<Int>?
        var villageRows: ClosedRange<Int>?
        var villagesShown: Int
    }

    /// What an office publishes about one shortfall, e.g. 上半月未开展隐患排查.
    public static func publishedReason(_ s: Shortfall) -> String {
        switch s {
        case .incompleteSubmission(let missing):
            return "未按要求报送" + missing.map { "「\($0.chinese)」" }.joined(separator: "、")
        case .inspectionsFirstHalf(let a, let t):
            return a == 0 ? "上半月未开展隐患排查" : "上半月隐患排查仅\(a)次（要求不少于\(t)次）"
        case .inspectionsSecondHalf(let a, let t):
            return a == 0 ? "下半月未开展隐患排查" : "下半月隐患排查仅\(a)次（要求不少于\(t)次）"
        case .signingRate(let a, let t):
            return "安全生产目标责任书签订率为\(Shortfall.percent(a))，未达到\(Shortfall.percent(t))的要求"
        case .trainings(let a, let t):
            return a == 0 ? "本月未开展安全宣传教育培训" : "本月安全宣传教育培训仅\(a)次（要求不少于\(t)次）"
        case .overdueHazards(let a, let l):
            return l == 0 ? "有\(a)项隐患逾期未整改" : "逾期未整改隐患\(a)项（要求不超过\(l)项）"
        }
    }

    /// The campaigns an activity belongs to: June Safety Month, the 11·9 fire day, safety into schools.
    public static func campaigns(of row: TrainingRow) -> [String] {
        var tags: [String] = []
        if row.date.month == 6 { tags.append("安全生产月") }
        if row.date.month == 11 && row.date.day == 9 { tags.append("11·9消防日") }
        if row.audience == .students || (mayHoldSchool(row.theme) && (row.theme.contains("校园") || row.theme.contains("学校"))) {
            tags.append("安全进校园")
        }
        return tags
    }

    /// False only when `text` cannot contain 校, so neither search above can match: its UTF-8 has no 校 (E6 A0 A1)
    /// and no byte leading a compatibility ideograph (EF, F0), the only other characters canonically equivalent
    /// to it for Foundation's search. Foundation's two searches per training row were ~1.5 % of the town
    /// workbook's CPU, for themes that almost never mention a school.
    static func mayHoldSchool(_ text: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for b in text.utf8 {
            if b == 0xEF || b == 0xF0 || (previous == (0xE6, 0xA0) && b == 0xA1) { return true }
            previous = (previous.1, b)
        }
        return false
    }
    static let campaignNames = ["安全生产月", "11·9消防日", "安全进校园"]
}

/// Zero-based column's letters with a `$`, for row-wide conditional formulas: 20 → `$U`.
func absColumn(_ col: Int) -> String {
    "$" + cellName(row: 0, col: col).filter { $0.isLetter }
}

/// The §4 figure columns in Chinese, shared by the village and group tables.
struct FigureColumns {
    static func cells(_ f: Figures) -> [Cell] {
        [.int(f.inspections), .int(f.inspectionsFirstHalf), .int(f.inspectionsSecondHalf),
         .int(f.hazardsNew), .int(f.hazardsNewMajor), .int(f.hazardsRectified),
         .int(f.hazardsOpen), .int(f.hazardsOpenMajor), .int(f.hazardsOverdue), .int(f.hazardsEscalatedOpen),
         .int(f.hazardsNewYTD), .int(f.hazardsRectifiedYTD), .percent(f.rectificationRateYTD),
         .int(f.agreementsRequired), .int(f.agreementsSigned), .percent(f.signingRate),
         .int(f.trainings), .int(f.trainingParticipants)]
    }
    static let columns: [Column] = [
        Column("排查次数", .int, max: 6), Column("上半月排查", .int, max: 6), Column("下半月排查", .int, max: 6),
        Column("新增隐患", .int, max: 6), Column("新增重大隐患", .int, max: 6), Column("本月整改", .int, max: 6),
        Column("待整改隐患", .int, max: 6), Column("待整改重大隐患", .int, max: 6), Column("逾期隐患", .int, max: 6),
        Column("已上报未整改", .int, max: 6), Column("年度新增隐患", .int, max: 6), Column("年度已整改", .int, max: 6),
        Column("年度整改率", .percent, max: 7), Column("应签责任书", .int, max: 6), Column("已签责任书", .int, max: 6),
        Column("签订率", .percent, max: 7), Column("宣传培训次数", .int, max: 6), Column("参与人次", .int, max: 7),
    ]
    // Offsets inside `columns`, for conditional formats.
    static let firstHalf = 1, secondHalf = 2, overdue = 8, signingRate = 15, trainings = 16
}

private struct Writer {
    let report: MonthReport
    let style: WorkbookStyle
    let print: PrintHeader
    let title: String
    var cfg: PipelineConfig { report.config }
    var targets: Targets { cfg.targets }
    var period: Period { report.period }

    func folderName(_ code: String) -> String { cfg.name(ofFolder: code) }

    // MARK: 村居汇总

    func villages(_ ws: Worksheet) throws {
        let lead: [Column] = [Column("村居编码", max: 16), Column("村居名称", max: 16), Column("类型", .center, max: 6),
                              Column("报送文件数", .int, max: 6), Column("报送完整", .center, max: 6),
                              Column("读取行数", .int, max: 6), Column("退回行数", .int, max: 6)]
        let tail: [Column] = [Column("是否达标", .center, max: 6), Column("未达标项", .wrap, max: 34)]
        let columns = lead + FigureColumns.columns + tail
        let rows: [[Cell]] = report.villages.map { v in
            let f = v.figures
            return [.text(v.village.code), .text(v.village.name), .text(v.village.kind), .int(f.filesSubmitted),
                    .text(yesNo(v.complete)), .int(f.rowsRead), .int(f.rowsRejected)]
                + FigureColumns.cells(f) + [.text(yesNo(v.compliant)), .text(v.shortfallsText)]
        }
        let n = report.villages.count
        let own = report.town.ownFolder, total = report.town.figures
        let footer: [[Cell]] = [
            [.text(cfg.town.code), .text("\(cfg.town.name)本级"), .text("镇"), .int(own.filesSubmitted), .blank,
             .int(own.rowsRead), .int(own.rowsRejected)] + FigureColumns.cells(own) + [.blank, .blank],
            [.text(cfg.town.code), .text("全镇合计"), .blank, .blank, .text("\(report.town.villagesSubmitted)/\(n)"),
             .int(total.rowsRead), .int(total.rowsRejected)] + FigureColumns.cells(total)
                + [.text("\(report.town.villagesCompliant)/\(n)"), .text("全镇合计含各村居及\(cfg.town.name)本级")],
        ]
        let note = "统计周期：\(period.firstDay)至\(period.lastDay)　目标：每半月排查≥\(targets.inspectionsPerHalfMonth)次，"
            + "签订率≥\(Shortfall.percent(targets.signingRate))，每月宣传培训≥\(targets.trainingsPerMonth)次，"
            + "逾期隐患≤\(targets.maxOverdueHazards)项；未达标数值以红色标出"
        let t = try ws.writeTable(style: style, title: "村居汇总（\(period.chinese)）", note: note, columns: columns,
                                  rows: rows, footerRows: footer, print: print)
        guard !t.isEmpty else { return }
        let base = lead.count
        func ref(_ col: Int) -> String { cellName(row: t.firstDataRow, col: col) }
        func cf(_ col: Int, _ formula: String, _ f: Format) throws {
            try ws.conditionalFormat(t.firstDataRow, col, t.lastDataRow, col, .formula(formula), f)
        }
        try cf(4, "=\(ref(4))=\"否\"", style.bad)
        try cf(base + FigureColumns.firstHalf, "=\(ref(base + FigureColumns.firstHalf))<\(targets.inspectionsPerHalfMonth)", style.bad)
        try cf(base + FigureColumns.secondHalf, "=\(ref(base + FigureColumns.secondHalf))<\(targets.inspectionsPerHalfMonth)", style.bad)
        try cf(base + FigureColumns.overdue, "=\(ref(base + FigureColumns.overdue))>\(targets.maxOverdueHazards)", style.bad)
        let sr = ref(base + FigureColumns.signingRate)
        try cf(base + FigureColumns.signingRate, "=AND(ISNUMBER(\(sr)),\(sr)<\(targets.signingRate))", style.bad)
        try cf(base + FigureColumns.trainings, "=\(ref(base + FigureColumns.trainings))<\(targets.trainingsPerMonth)", style.bad)
        let compliantCol = base + FigureColumns.columns.count
        try cf(compliantCol, "=\(ref(compliantCol))=\"否\"", style.bad)
        try cf(compliantCol, "=\(ref(compliantCol))=\"是\"", style.good)
    }

    // MARK: 小组明细

    func groups(_ ws: Worksheet) throws {
        let columns = [Column("村居编码", max: 16), Column("村居名称", max: 14), Column("小组编码", max: 20),
                       Column("小组名称", max: 16)] + FigureColumns.columns
        let rows: [[Cell]] = report.groups.map { g in
            [.text(g.villageCode), .text(g.villageName), .text(g.group.code), .text(g.group.name)] + FigureColumns.cells(g.figures)
        }
        try ws.writeTable(style: style, title: "村民（居民）小组明细（\(period.chinese)）",
                          note: "小组数：\(report.groups.count)　按报送行中的小组编码统计", columns: columns, rows: rows, print: print)
    }

    // MARK: 隐患分类

    func categories(_ ws: Worksheet) throws {
        let columns = [Column("单位编码", max: 16), Column("单位名称", max: 16), Column("隐患类别", max: 14),
                       Column("本月新增", .int, max: 8), Column("本月整改", .int, max: 8), Column("待整改", .int, max: 8),
                       Column("逾期", .int, max: 8), Column("年度新增", .int, max: 8)]
        // Only folders × categories with something to show; the town total per category closes the table.
        let rows: [[Cell]] = report.categories.filter {
            $0.hazardsNew + $0.hazardsRectified + $0.hazardsOpen + $0.hazardsOverdue + $0.hazardsNewYTD > 0
        }.map { c in
            [.text(c.folder), .text(c.folderName), .text(c.category.label), .int(c.hazardsNew), .int(c.hazardsRectified),
             .int(c.hazardsOpen), .int(c.hazardsOverdue), .int(c.hazardsNewYTD)]
        }
        let totals = categoryTotals()
        let footer: [[Cell]] = HazardCategory.allCases.map { cat in
            let c = totals[cat]!
            return [.text(cfg.town.code), .text("全镇合计"), .text(cat.label), .int(c.hazardsNew), .int(c.hazardsRectified),
                    .int(c.hazardsOpen), .int(c.hazardsOverdue), .int(c.hazardsNewYTD)]
        }
        let t = try ws.writeTable(style: style, title: "隐患分类统计（\(period.chinese)）",
                                  note: "列出有隐患的单位与类别；表末为全镇各类别合计", columns: columns, rows: rows,
                                  footerRows: footer, print: print)
        if !t.isEmpty {
            try ws.conditionalFormat(t.firstDataRow, 6, t.lastDataRow, 6, .cell(.greater, 0), style.bad)
        }
    }

    func categoryTotals() -> [HazardCategory: CategoryCount] {
        var totals: [HazardCategory: CategoryCount] = [:]
        for cat in HazardCategory.allCases { totals[cat] = CategoryCount(folder: cfg.town.code, folderName: "全镇合计", category: cat) }
        for c in report.categories {
            totals[c.category]!.hazardsNew += c.hazardsNew
            totals[c.category]!.hazardsRectified += c.hazardsRectified
            totals[c.category]!.hazardsOpen += c.hazardsOpen
            totals[c.category]!.hazardsOverdue += c.hazardsOverdue
            totals[c.category]!.hazardsNewYTD += c.hazardsNewYTD
        }
        return totals
    }

    // MARK: 隐患台账

    func ledger(_ ws: Worksheet) throws {
        let sheet = LedgerSheet(layout: .town, groupNames: LedgerSheet.groupNames(cfg.villages))
        let t = try ws.writeTable(style: style, title: "隐患整改台账（\(period.chinese)末）",
                                  note: "本月末未整改或本月有变动的隐患。" + LedgerSheet.legend, columns: sheet.columns,
                                  rowCount: report.ledger.count, row: { sheet.cells(report.ledger[$0]) }, print: print)
        try sheet.highlight(ws, t, style)
    }

    // MARK: 责任书

    func agreements(_ ws: Worksheet) throws {
        let columns = [Column("单位编码", max: 16), Column("单位名称", max: 16), Column("对象类型", max: 18),
                       Column("对象编码", max: 20), Column("对象名称", .wrap, max: 30), Column("签订状态", .center, max: 10),
                       Column("签订日期", .date), Column("名单报送月份", .center, max: 12)]
        let rows = { (i: Int) -> [Cell] in
            let a = report.agreements[i]
            return [.text(a.folder), .text(folderName(a.folder)), .text(a.party.type.label), .text(a.party.byCode ? a.party.id : ""),
             .text(a.partyName), .text(a.state.chinese), .date(a.signedDate), .text(a.sentIn?.description ?? "未报送")]
        }
        let signed = report.agreements.filter { $0.state == .signed }.count
        let t = try ws.writeTable(style: style, title: "安全生产目标责任书签订情况（\(period.year)年）",
                                  note: "应签\(report.agreements.count)份，已签\(signed)份；名单缺漏指登记在册但未列入名单的对象，按未签订计",
                                  columns: columns, rowCount: report.agreements.count, row: rows, print: print)
        try ws.highlight(t, column: 5, style.bad) { "\($0)<>\"已签订\"" }
    }

    // MARK: 宣传培训

    func trainings(_ ws: Worksheet) throws {
        let columns = [Column("单位编码", max: 16), Column("单位名称", max: 14), Column("活动日期", .date),
                       Column("小组编码", max: 18), Column("活动形式", max: 10), Column("活动主题", .wrap, max: 36),
                       Column("参与对象", .center, max: 8), Column("参与人数", .int, max: 8), Column("时长(小时)", .decimal, max: 8),
                       Column("发放资料(份)", .int, max: 8), Column("专项活动", .wrap, max: 20)]
        // `writeTable` asks for rows 0, 1, 2, … in order, twice (to measure, then to write): the activities are
        // read back sequentially, from the start again when it goes back (any other order still works, slowly).
        var cursor = report.trainings.makeIterator()
        var nextIndex = 0
        let rows = { (i: Int) -> [Cell] in
            if i < nextIndex { cursor = report.trainings.makeIterator(); nextIndex = 0 }
            while nextIndex < i { _ = cursor.next(); nextIndex += 1 }
            nextIndex = i + 1
            let a = cursor.next()!, r = a.row
            return [.text(a.folder), .text(folderName(a.folder)), .date(r.date), .text(r.groupCode ?? ""), .text(r.form.label),
                    .text(r.theme), .text(r.audience?.label ?? ""), .int(r.participants),
                    r.hours.map { .number($0) } ?? .blank, r.materials.map { .int($0) } ?? .blank,
                    .text(TownWorkbook.campaigns(of: r).joined(separator: "、"))]
        }
        let people = report.trainings.reduce(0) { $0.saturatingAdding($1.row.participants) }
        try ws.writeTable(style: style, title: "安全宣传教育培训活动（\(period.chinese)）",
                          note: "活动\(report.trainings.count)次，参与\(people)人次；分类统计见「培训统计」", columns: columns,
                          rowCount: report.trainings.count, row: rows, print: print)
    }

    func trainingStats(_ ws: Worksheet) throws {
        struct Tally { var count = 0, people = 0; var folders = Set<String>() }
        func add(_ t: inout Tally, _ a: TrainingActivity) { t.count += 1; t.people = t.people.saturatingAdding(a.row.participants); t.folders.insert(a.folder) }
        var byForm: [TrainingForm: Tally] = [:], byCampaign: [String: Tally] = [:], byTheme: [String: Tally] = [:]
        for a in report.trainings {
            add(&byForm[a.row.form, default: Tally()], a)
            for c in TownWorkbook.campaigns(of: a.row) { add(&byCampaign[c, default: Tally()], a) }
            add(&byTheme[a.row.theme, default: Tally()], a)
        }
        func row(_ kind: String, _ item: String, _ t: Tally?) -> [Cell] {
            [.text(kind), .text(item), .int(t?.count ?? 0), .int(t?.people ?? 0), .int(t?.folders.count ?? 0)]
        }
        var rows = TrainingForm.allCases.map { row("按活动形式", $0.label, byForm[$0]) }
        rows += TownWorkbook.campaignNames.map { row("专项活动", $0, byCampaign[$0]) }
        // Themes are free text: the most frequent first, the tail folded into one line so the sheet stays short.
        let themes = byTheme.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
        let themeLimit = 50
        rows += themes.prefix(themeLimit).map { row("按活动主题", $0.key, $0.value) }
        if themes.count > themeLimit {
            var rest = Tally()
            for (_, t) in themes.dropFirst(themeLimit) { rest.count += t.count; rest.people += t.people; rest.folders.formUnion(t.folders) }
            rows.append(row("按活动主题", "其他\(themes.count - themeLimit)个主题", rest))
        }
        let columns = [Column("统计类别", max: 12), Column("项目", .wrap, max: 40), Column("活动次数", .int, max: 10),
                       Column("参与人次", .int, max: 10), Column("开展单位数", .int, max: 10)]
        try ws.writeTable(style: style, title: "宣传教育培训分类统计（\(period.chinese)）",
                          note: "专项活动：安全生产月＝6月的活动；11·9消防日＝11月9日的活动；安全进校园＝参与对象为学生或主题含「校园」「学校」",
                          columns: columns, rows: rows, print: print)
    }

    // MARK: 数据校验

    func issues(_ ws: Worksheet) throws {
        var rows = IssueSheet.Rows(report.issues)
        let t = try ws.writeTable(style: style, title: "数据校验问题清单（\(period.chinese)）",
                                  note: IssueSheet.note(report.issues), columns: IssueSheet.columns,
                                  rowCount: report.issues.count,
                                  row: { let i = rows.issue($0); return IssueSheet.cells(i, name: folderName(i.folder)) }, print: print)
        try IssueSheet.highlight(ws, t, style, severityCol: 6)
    }

    // MARK: 通报

    func notices(_ ws: Worksheet) throws {
        let good = report.villages.filter(\.compliant), bad = report.villages.filter { !$0.compliant }
        var rows: [[Cell]] = []
        for (i, v) in good.enumerated() {
            rows.append([.int(i + 1), .text(v.village.code), .text(v.village.name), .text("通报表扬"), .text("各项指标均达到要求")])
        }
        for (i, v) in bad.enumerated() {
            let reasons = v.shortfalls.map(TownWorkbook.publishedReason).joined(separator: "；") + "。"
            rows.append([.int(i + 1), .text(v.village.code), .text(v.village.name), .text("通报批评"), .text(reasons)])
        }
        let columns = [Column("序号", .int, max: 6), Column("村居编码", max: 16), Column("村居名称", max: 16),
                       Column("通报类别", .center, max: 10), Column("情况说明", .wrap, max: 70)]
        let office = cfg.report.fill(cfg.report.office, town: cfg.town, period: period)
        let note = "根据各村居\(period.chinese)报送材料，经\(office)审核：\(good.count)个村居各项指标均达到要求，予以通报表扬；"
            + "\(bad.count)个村居存在不足，予以通报批评，请于下月报送前整改到位。"
        let t = try ws.writeTable(style: style, title: cfg.report.fill(cfg.report.noticeTitle, town: cfg.town, period: period), note: note,
                                  columns: columns, rows: rows, print: print)
        try ws.highlight(t, column: 3, style.bad) { "\($0)=\"通报批评\"" }
        try ws.highlight(t, column: 3, style.good) { "\($0)=\"通报表扬\"" }
    }

    // MARK: 图表数据 and 总览

    /// The three small tables the overview's charts read, side by side on one sheet.
    func chartData(_ ws: Worksheet) throws -> TownWorkbook.ChartData {
        let s = style
        try ws.merge(0, 0, 0, 11, text: "图表数据（供「总览」图表引用，请勿删除）", s.title)
        try ws.setRow(0, height: 28)
        let headers: [(Int, String)] = [(0, "隐患类别"), (1, "本月新增"), (2, "待整改"),
                                        (4, "月份"), (5, "新增隐患"), (6, "整改隐患"),
                                        (8, "村居"), (9, "年度整改率"), (10, "责任书签订率"), (11, "签订率目标")]
        for (c, h) in headers { try ws.write(1, c, text: h, s.header) }
        let totals = categoryTotals()
        for (i, cat) in HazardCategory.allCases.enumerated() {
            try ws.write(2 + i, 0, text: cat.label, s.text)
            try ws.write(2 + i, 1, number: Double(totals[cat]!.hazardsNew), s.int)
            try ws.write(2 + i, 2, number: Double(totals[cat]!.hazardsOpen), s.int)
        }
        for (i, p) in report.trend.enumerated() {
            try ws.write(2 + i, 4, text: "\(p.period.month)月", s.center)
            try ws.write(2 + i, 5, number: Double(p.hazardsNew), s.int)
            try ws.write(2 + i, 6, number: Double(p.hazardsRectified), s.int)
        }
        let shown = chartVillages()
        for (i, v) in shown.enumerated() {
            let r = 2 + i
            try ws.write(r, 8, text: v.village.name, s.text)
            if let x = v.figures.rectificationRateYTD { try ws.write(r, 9, number: x, s.percent) } else { try ws.writeBlank(r, 9, s.percent) }
            if let x = v.figures.signingRate { try ws.write(r, 10, number: x, s.percent) } else { try ws.writeBlank(r, 10, s.percent) }
            try ws.write(r, 11, number: targets.signingRate, s.percent)
        }
        for (c, w) in [(0, 14.0), (1, 10), (2, 10), (3, 3), (4, 8), (5, 10), (6, 10), (7, 3), (8, 16), (9, 12), (10, 14), (11, 12)] {
            try ws.setColumns(c, c, width: w)
        }
        ws.freezePanes(row: 2, col: 0)
        try ws.autofilter(1, 8, 1 + max(shown.count, 1), 11)
        try ws.setPageSetup(print.pageSetup(repeatRows: 1...1))
        return TownWorkbook.ChartData(
            categoryRows: 2...(1 + HazardCategory.allCases.count),
            trendRows: report.trend.isEmpty ? nil : 2...(1 + report.trend.count),
            villageRows: shown.isEmpty ? nil : 2...(1 + shown.count), villagesShown: shown.count)
    }

    /// Every village when few; else the lowest signing rates (nothing to sign counts as 100%), registry order on ties.
    func chartVillages() -> [VillageSummary] {
        let all = report.villages
        guard all.count > TownWorkbook.chartVillageLimit else { return all }
        let ranked = all.enumerated().sorted {
            let a = $0.element.figures.signingRate ?? 1, b = $1.element.figures.signingRate ?? 1
            return a != b ? a < b : $0.offset < $1.offset
        }
        return ranked.prefix(TownWorkbook.chartVillageLimit).sorted { $0.offset < $1.offset }.map(\.element)
    }

    func overview(_ ws: Worksheet, data: TownWorkbook.ChartData, workbook: Workbook) throws {
        let n = report.villages.count
        let f = report.town.figures
        let vs = report.villages.map(\.figures)
        func count(_ ok: (Figures) -> Bool) -> Int { vs.filter(ok).count }
        let t = targets
        let firstOK = count { $0.inspectionsFirstHalf >= t.inspectionsPerHalfMonth }
        let secondOK = count { $0.inspectionsSecondHalf >= t.inspectionsPerHalfMonth }
        let overdueOK = count { $0.hazardsOverdue <= t.maxOverdueHazards }
        let signOK = count { ($0.signingRate ?? 1) >= t.signingRate }
        let trainOK = count { $0.trainings >= t.trainingsPerMonth }
        let submitted = report.town.villagesSubmitted
        func line(_ name: String, _ value: Cell, _ target: String, _ ok: Int?, _ remark: String) -> [Cell] {
            [.text(name), value, .text(target), ok.map { .int($0) } ?? .text("—"), ok.map { .int(n - $0) } ?? .text("—"), .text(remark)]
        }
        let rows: [[Cell]] = [
            line("村居总数", .int(n), "—", nil, "登记在册的村（社区）"),
            line("报送完整村居", .int(submitted), "全部村居", submitted, "排查、隐患、培训三类文件及本年度责任书名单齐全"),
            line("报送完整率", .percent(n == 0 ? nil : Double(submitted) / Double(n)), "100%", nil, ""),
            line("各项均达标村居", .int(report.town.villagesCompliant), "全部村居", report.town.villagesCompliant, "详见「通报」"),
            line("上半月排查次数", .int(f.inspectionsFirstHalf), "每村≥\(t.inspectionsPerHalfMonth)次", firstOK, "1日至15日"),
            line("下半月排查次数", .int(f.inspectionsSecondHalf), "每村≥\(t.inspectionsPerHalfMonth)次", secondOK, "16日至月末"),
            line("本月新增隐患", .int(f.hazardsNew), "—", nil, "其中重大隐患\(f.hazardsNewMajor)项"),
            line("本月整改隐患", .int(f.hazardsRectified), "—", nil, ""),
            line("年度隐患整改率", .percent(f.rectificationRateYTD), "—", nil,
                 "\(period.year)年登记\(f.hazardsNewYTD)项，已整改\(f.hazardsRectifiedYTD)项"),
            line("待整改隐患", .int(f.hazardsOpen), "—", nil, "其中重大\(f.hazardsOpenMajor)项，已上报\(f.hazardsEscalatedOpen)项"),
            line("逾期未整改隐患", .int(f.hazardsOverdue), "每村≤\(t.maxOverdueHazards)项", overdueOK, ""),
            line("责任书签订率", .percent(f.signingRate), "≥\(Shortfall.percent(t.signingRate))", signOK,
                 "应签\(f.agreementsRequired)份，已签\(f.agreementsSigned)份"),
            line("宣传培训活动", .int(f.trainings), "每村≥\(t.trainingsPerMonth)次", trainOK, "参与\(f.trainingParticipants)人次"),
            line("数据行数", .int(f.rowsRead), "—", nil, "退回\(f.rowsRejected)行，详见「数据校验」"),
        ]
        let columns = [Column("指标", max: 18), Column("全镇", .int, max: 12), Column("目标", .center, max: 14),
                       Column("达标村居数", .int, max: 10), Column("未达标村居数", .int, max: 10), Column("说明", .wrap, max: 66, min: 66)]
        let note = "\(cfg.town.name)　统计周期：\(period.firstDay)至\(period.lastDay)　全镇数值含各村居及\(cfg.town.name)本级"
        let tl = try ws.writeTable(style: style, title: "\(title)（\(period.chinese)）", note: note, columns: columns,
                                   rows: rows, print: print, repeatHeader: false)
        if !tl.isEmpty {
            let r = cellName(row: tl.firstDataRow, col: 4)
            try ws.conditionalFormat(tl.firstDataRow, 4, tl.lastDataRow, 4, .formula("=AND(ISNUMBER(\(r)),\(r)>0)"), style.bad)
        }

        // Page 1: the table, then the category and trend charts side by side, each half the table's width, placed
        // by pixel offsets from column A so that neither covers the other. Every chart stays within the table's
        // columns: LibreOffice scales the page to the cells and cuts objects that stick out beyond them (the 说明
        // column's minimum width makes the table wide enough for two readable charts). Page 2: the village rates
        // chart, full width.
        let sheet = "图表数据"
        let row = tl.lastDataRow + 2
        let gap = 12
        let pageWidth = tl.pixelWidth
        let half = Double((pageWidth - gap) / 2) / 480
        let cat = try workbook.addChart(.bar)
        let cr = data.categoryRows
        try cat.addSeries(name: "本月新增", categories: CellRange(sheet: sheet, cr.lowerBound, 0, cr.upperBound, 0),
                          values: CellRange(sheet: sheet, cr.lowerBound, 1, cr.upperBound, 1),
                          style: .init(color: 0x4472C4, dataLabels: true))
        try cat.addSeries(name: "待整改", categories: CellRange(sheet: sheet, cr.lowerBound, 0, cr.upperBound, 0),
                          values: CellRange(sheet: sheet, cr.lowerBound, 2, cr.upperBound, 2),
                          style: .init(color: 0xED7D31, dataLabels: true))
        cat.setTitle("隐患分类（全镇，\(period.chinese)）", size: 11)
        // Horizontal bars keep the Chinese category names level and whole; listed in the data's order, top down.
        cat.setAxes(yMin: 0)
        cat.categoriesTopDown()
        cat.setGap(60)
        cat.setLegend(.bottom)
        try ws.insertChart(row, 0, cat, xScale: half, yScale: 1.05)

        if let tr = data.trendRows {
            let trend = try workbook.addChart(.column)
            let cats = CellRange(sheet: sheet, tr.lowerBound, 4, tr.upperBound, 4)
            try trend.addSeries(name: "新增隐患", categories: cats, values: CellRange(sheet: sheet, tr.lowerBound, 5, tr.upperBound, 5),
                                style: .init(color: 0xED7D31, dataLabels: true))
            try trend.addSeries(name: "整改隐患", categories: cats, values: CellRange(sheet: sheet, tr.lowerBound, 6, tr.upperBound, 6),
                                style: .init(color: 0x70AD47, dataLabels: true))
            trend.setTitle("\(period.year)年各月新增与整改隐患（全镇）", size: 11)
            trend.setAxes(yMin: 0)
            trend.setLegend(.bottom)
            try ws.insertChart(row, 0, trend, xScale: half, yScale: 1.05, xOffset: (pageWidth + gap) / 2)
        }

        if let vr = data.villageRows {
            let ratesRow = row + 17
            try ws.setPageBreaks(beforeRows: [ratesRow])
            let rates = try workbook.addChart(.line)
            let cats = CellRange(sheet: sheet, vr.lowerBound, 8, vr.upperBound, 8)
            try rates.addSeries(name: "年度整改率", categories: cats, values: CellRange(sheet: sheet, vr.lowerBound, 9, vr.upperBound, 9),
                                style: .init(color: 0x4472C4, noLine: true))
            try rates.addSeries(name: "责任书签订率", categories: cats, values: CellRange(sheet: sheet, vr.lowerBound, 10, vr.upperBound, 10),
                                style: .init(color: 0x70AD47, noLine: true))
            try rates.addSeries(name: "签订率目标", categories: cats, values: CellRange(sheet: sheet, vr.lowerBound, 11, vr.upperBound, 11),
                                style: .init(color: 0xC00000, dashed: true, lineWidth: 1.5, noMarkers: true))
            let which = data.villagesShown < n ? "（签订率最低的\(data.villagesShown)个村居）" : ""
            rates.setTitle("各村居年度整改率与责任书签订率\(which)", size: 11)
            rates.setAxes(yMin: 0, yMax: 1, yNumberFormat: "0%", xLabelRotation: data.villagesShown > 8 ? -45 : nil)
            rates.setLegend(.bottom)
            try ws.insertChart(ratesRow + 1, 0, rates, xScale: Double(pageWidth) / 480, yScale: 1.5)
        }
    }
}

/// The validation-issue table, shared by the town workbook (every folder) and the village ones (theirs).
enum IssueSheet {
    static let columns = [
        Column("单位编码", max: 16), Column("单位名称", max: 14), Column("文件", max: 18), Column("行号", .int, max: 6),
        Column("列", max: 26), Column("值", .wrap, max: 20), Column("级别", .center, max: 6), Column("规则", max: 32),
        Column("说明", .wrap, max: 50),
    ]

    static func cells(_ i: ValidationIssue, name: String) -> [Cell] {
        [.text(i.folder), .text(name), .text(i.file), i.line.map { .int($0) } ?? .blank, .text(columnLabel(file: i.file, column: i.column)),
         .text(i.value), .text(i.severity.chinese), .text(i.rule), .text(i.message)]
    }

    static func note(_ issues: ReportIssues) -> String {
        "错误\(issues.errorCount)条（该行或该文件未被采用），警告\(issues.warningCount)条（数据已采用，请核实）"
    }

    /// Row k of a listing, read in order: `writeTable` asks for rows 0, 1, … twice (to measure, then to
    /// write), so an iterator started again when k goes back serves it without holding the issues.
    struct Rows {
        let issues: ReportIssues
        var iterator: ReportIssues.Iterator
        var position = 0
        var last: ValidationIssue?

        init(_ issues: ReportIssues) { self.issues = issues; iterator = issues.makeIterator() }

        mutating func issue(_ k: Int) -> ValidationIssue {
            if k == position - 1, let last { return last }
            if k < position { iterator = issues.makeIterator(); position = 0 }
            while position < k { _ = iterator.next(); position += 1 }
            position += 1
            last = iterator.next()!
            return last!
        }
    }

    /// 隐患类别(category) when the file and column are known; else the key as written.
    static func columnLabel(file: String, column: String) -> String {
        guard !column.isEmpty else { return "" }
        let lower = file.lowercased()
        if let kind = FileKind.allCases.first(where: { $0.fileName == lower }), let spec = kind.schema.column(column) {
            return "\(spec.header)(\(column))"
        }
        return column
    }

    static func highlight(_ ws: Worksheet, _ t: TableLayout, _ s: WorkbookStyle, severityCol: Int) throws {
        try ws.highlight(t, column: severityCol, s.bad) { "\($0)=\"错误\"" }
        try ws.highlight(t, column: severityCol, s.warn) { "\($0)=\"警告\"" }
    }
}

// MARK: 更正记录

extension Writer {
    /// Summary columns holding rates (SPEC §4: percentages in workbooks).
    static let rateColumns: Set<String> = ["rectification_rate_ytd", "signing_rate"]

    /// Chinese names of the summary columns a rebuild may change.
    static let columnNames: [String: String] = [
        "villages_submitted": "报送完整村居数", "villages_compliant": "达标村居数", "files_submitted": "报送文件数",
        "rows_read": "读取行数", "rows_rejected": "退回行数", "inspections": "排查次数",
        "inspections_first_half": "上半月排查", "inspections_second_half": "下半月排查", "hazards_new": "新增隐患",
        "hazards_new_major": "新增重大隐患", "hazards_rectified": "本月整改", "hazards_open": "待整改隐患",
        "hazards_open_major": "待整改重大隐患", "hazards_overdue": "逾期隐患", "hazards_escalated_open": "已上报未整改",
        "hazards_new_ytd": "年度新增隐患", "hazards_rectified_ytd": "年度已整改", "rectification_rate_ytd": "年度整改率",
        "agreements_required": "应签责任书", "agreements_signed": "已签责任书", "signing_rate": "签订率",
        "trainings": "宣传培训次数", "training_participants": "参与人次", "compliant": "是否达标", "shortfalls": "未达标项",
        "village_name": "村居名称", "town_name": "镇名称",
    ]

    /// What the rebuild changed against the report it replaced: old and new value per unit and column.
    func changes(_ ws: Worksheet, _ changes: [FigureChange]) throws {
        let columns = [Column("范围", .center, max: 6), Column("编码", max: 16), Column("名称", max: 16),
                       Column("指标", max: 16), Column("字段", max: 26), Column("原值", .wrap, max: 30), Column("新值", .wrap, max: 30)]
        // Figures as figures: rates (0.8108 in changes.csv) as percentages, counts as numbers, the rest as text.
        func value(_ column: String, _ v: String) -> Cell {
            if Self.rateColumns.contains(column) { return v.isEmpty ? .percent(nil) : Double(v).map { .percent($0) } ?? .text(v) }
            return Int(v).map { .int($0) } ?? .text(v)
        }
        let rows: [[Cell]] = changes.map { c in
            [.text(c.scope == "town" ? "全镇" : "村居"), .text(c.code), .text(c.name),
             .text(Self.columnNames[c.column] ?? c.column), .text(c.column), value(c.column, c.old), value(c.column, c.new)]
        }
        let note = "本期报表已按更正后的报送材料重新生成；下列数值与重新生成前的版本不同（共\(changes.count)项）"
        try ws.writeTable(style: style, title: "更正记录（\(period.chinese)）", note: note, columns: columns, rows: rows, print: print)
    }
}
