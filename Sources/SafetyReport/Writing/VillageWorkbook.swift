// One village's feedback workbook: its figures against the targets and the town, its open hazards, its
// agreements, and the rows it must correct.

import Foundation
import XlsxWriter

/// Writes the feedback workbook of one village.
public enum VillageWorkbook {
    public static let sheetNames = ["本村概况", "待整改隐患", "责任书", "需更正数据"]

    /// True when `partsInMemory` takes effect in this process (`Workbook.memoryPartsAvailable`).
    public static var partsInMemoryAvailable: Bool { Workbook.memoryPartsAvailable }

    /// Writes the workbook for `village` (one of `report.villages`) to `path`. Averages and ranks are counted in
    /// one pass over the villages (no sorting), so each workbook costs O(villages + ledger + issues).
    public static func write(_ report: MonthReport, village: VillageSummary, to path: String) throws {
        try write(report, village: village, shared: Shared(report), to: path)
    }

    /// What every village workbook of one report reads, computed once for all of them: each folder's
    /// open hazards and agreements, and per overview metric every village's value, so that
    /// writing N workbooks costs O(N log N) rather than O(N × (villages + ledger + issues)).
    public struct Shared: Sendable {
        /// Positions in the report's arrays (not copies: the report already holds them once).
        let openHazards: [String: [Int]]
        let agreements: [String: [Int]]
        /// Per metric (in `metrics` order): the villages' values sorted ascending, and their average.
        let sortedValues: [[Double]]
        let averages: [Double?]
        /// The village title with `{town}` and the period filled in, split at each `{village}`: joined with the
        /// village's name per workbook, the same replacements in the same order as `fill`, without a Foundation
        /// search per workbook (~2 % of their CPU). Split on the UTF-8 bytes, as `replacingOccurrences` finds the
        /// placeholder: `components(separatedBy:)` compares Characters, so it missed a `{village}` whose `}` joins
        /// the next character into one (a zero-width joiner pasted after it).
        let villageTitleParts: [String]

        public init(_ report: MonthReport) {
            let cfg = report.config
            // Replacing {village} with itself changes nothing, so only the per-village replacement is left.
            villageTitleParts = Self.split(cfg.report.fill(cfg.report.villageTitle, town: cfg.town, period: report.period,
                                                           village: "{village}"), at: "{village}")
            openHazards = Dictionary(grouping: report.ledger.indices.filter { report.ledger[$0].isOpen }, by: { report.ledger[$0].owner })
            agreements = Dictionary(grouping: report.agreements.indices, by: { report.agreements[$0].folder })
            let all = report.villages.map(\.figures)
            var sorted: [[Double]] = []
            var averages: [Double?] = []
            for m in VillageWorkbook.metrics(report.config.targets) {
                let values = all.compactMap(m.value)
                // Summed in village order, as before, so the average is the same to the last bit.
                averages.append(values.isEmpty ? nil : values.reduce(0, +) / Double(values.count))
                sorted.append(values.sorted())
            }
            sortedValues = sorted
            self.averages = averages
        }

        /// `text` cut at every occurrence of `separator`'s UTF-8 bytes, left to right (pieces may be empty).
        static func split(_ text: String, at separator: String) -> [String] {
            let bytes = Array(text.utf8), pattern = Array(separator.utf8)
            var pieces: [String] = [], start = 0, i = 0
            while i + pattern.count <= bytes.count {
                if bytes[i..<i + pattern.count].elementsEqual(pattern) {
                    pieces.append(String(decoding: bytes[start..<i], as: UTF8.self))
                    i += pattern.count
                    start = i
                } else {
                    i += 1
                }
            }
            pieces.append(String(decoding: bytes[start...], as: UTF8.self))
            return pieces
        }

        /// 1 + the number of villages strictly better than `x` (ties share a rank).
        func rank(metric i: Int, _ x: Double, higherIsBetter: Bool) -> Int {
            let v = sortedValues[i]
            var lo = 0, hi = v.count
            if higherIsBetter {  // count of values > x: everything after the last value ≤ x
                while lo < hi { let mid = (lo + hi) / 2; if v[mid] <= x { lo = mid + 1 } else { hi = mid } }
                return 1 + v.count - lo
            }
            while lo < hi { let mid = (lo + hi) / 2; if v[mid] < x { lo = mid + 1 } else { hi = mid } }
            return 1 + lo
        }
    }

    /// Writes the workbook for `village` with what all village workbooks share precomputed (see `Shared`).
    /// `tmpdir`: where libxlsxwriter keeps the parts before zipping them (nil: its default; see
    /// `WorkbookTempFolder`). `partsInMemory`: parts under 1 MB stay in memory, larger ones go to `tmpdir` (see
    /// `Workbook.init`). The bytes written depend on neither.
    /// Returns `Workbook.partsStayedInMemory` (see `WrittenWorkbookCheck.verifyStructure`).
    @discardableResult
    public static func write(_ report: MonthReport, village: VillageSummary, shared: Shared, to path: String,
                             tmpdir: String? = nil, partsInMemory: Bool = false) throws -> Bool {
        let wb = try Workbook(path: path, tmpdir: tmpdir, partsInMemory: partsInMemory)
        let cfg = report.config
        let v = village.village
        let title = shared.villageTitleParts.joined(separator: v.name)
        try wb.setProperties(DocumentProperties(
            title: "\(title)（\(report.period.chinese)）", subject: "\(report.period.chinese)安全社区月度反馈",
            author: cfg.report.author, company: cfg.report.company.isEmpty ? cfg.town.name : cfg.report.company,
            created: creationTime(of: report.period)))
        let style = try WorkbookStyle(wb)
        let print = PrintHeader(town: "\(cfg.town.name) \(v.name)", period: report.period, title: title)
        // 需更正数据 can be as long as a clerk's broken file (a million rejected rows): its rows go straight to
        // libxlsxwriter's temporary file instead of being held as cells. The other sheets are short.
        let sheets = try sheetNames.map { try wb.addWorksheet($0, constantMemory: $0 == "需更正数据") }

        try overview(sheets[0], report, village, shared, style, print, title)

        let open = (shared.openHazards[v.code] ?? []).map { report.ledger[$0] }
        let overdue = open.filter(\.isOverdue).count
        let ledger = LedgerSheet(layout: .villageOpen, groupNames: LedgerSheet.groupNames([v]))
        let lt = try sheets[1].writeTable(
            style: style, title: "\(v.name)待整改隐患（\(report.period.chinese)末）",
            note: "待整改\(open.count)项，其中逾期\(overdue)项；请按期整改并在下月隐患台账中更新状态。" + LedgerSheet.legend,
            columns: ledger.columns, rows: open.map(ledger.cells), print: print)
        try ledger.highlight(sheets[1], lt, style)

        let parties = (shared.agreements[v.code] ?? []).map { report.agreements[$0] }
        let unsigned = parties.filter { $0.state != .signed }.count
        let columns = [Column("对象类型", max: 18), Column("对象编码", max: 20), Column("对象名称", .wrap, max: 30),
                       Column("签订状态", .center, max: 10), Column("签订日期", .date), Column("名单报送月份", .center, max: 12)]
        let at = try sheets[2].writeTable(
            style: style, title: "\(v.name)安全生产目标责任书（\(report.period.year)年）",
            note: "应签\(parties.count)份，未签\(unsigned)份；「名单缺漏」是登记在册却未列入名单的对象，请补签并补报名单",
            columns: columns, rows: parties.map { a in
                [.text(a.party.type.label), .text(a.party.byCode ? a.party.id : ""), .text(a.partyName), .text(a.state.chinese),
                 .date(a.signedDate), .text(a.sentIn?.description ?? "未报送")]
            }, print: print)
        try sheets[2].highlight(at, column: 3, style.bad) { "\($0)<>\"已签订\"" }

        // Only this village's lists are read (ReportIssues.folder), not every folder's issues.
        let issues = report.issues.folder(v.code)
        var rows = IssueSheet.Rows(issues)
        let fixColumns = [Column("文件", max: 18), Column("行号", .int, max: 6), Column("列", max: 26), Column("填写的值", .wrap, max: 20),
                          Column("级别", .center, max: 6), Column("问题", .wrap, max: 44), Column("如何更正", .wrap, max: 40)]
        let ft = try sheets[3].writeTable(
            style: style, title: "\(v.name)需更正的数据（\(report.period.chinese)）", note: IssueSheet.note(issues),
            columns: fixColumns, rowCount: issues.count, row: { k in
                let i = rows.issue(k)
                return [.text(i.file), i.line.map { .int($0) } ?? .blank, .text(IssueSheet.columnLabel(file: i.file, column: i.column)),
                        .text(i.value), .text(i.severity.chinese), .text(i.message), .text(howToFix(i))]
            }, print: print)
        try IssueSheet.highlight(sheets[3], ft, style, severityCol: 4)
        sheets[0].activate()
        try wb.close()
        return wb.partsStayedInMemory
    }

    /// What the clerk should do about an issue, in the terms of the submission template: the rule's own
    /// advice when there is one (see `specificFix`), else a sentence that depends only on the severity.
    public static func howToFix(_ i: ValidationIssue) -> String {
        let where_ = i.line.map { "第\($0)行" } ?? ""
        let label = IssueSheet.columnLabel(file: i.file, column: i.column)
        let column = label.isEmpty ? "" : "「\(label.split(separator: "(").first.map(String.init) ?? label)」列"
        if let fix = specificFix(i, place: i.file + where_ + column) { return fix }
        switch i.severity {
        case .warning:
            return "请核实\(i.file)\(where_)\(column)；确认无误可不修改"
        case .error where i.line == nil:
            return i.file.isEmpty ? "请按说明调整报送文件夹后重新报送" : "请按模板检查\(i.file)整个文件（编码、表头）后重新报送"
        case .error:
            return "请按说明修改\(i.file)\(where_)\(column)后，在下次报送时一并重新报送该文件"
        }
    }

    /// One metric of the overview: how to read it from figures, its target, and which direction is better.
    private struct Metric {
        var name: String
        var value: (Figures) -> Double?
        var isRate = false
        var higherIsBetter = true
        /// Whether ranking makes sense: finding more hazards is neither better nor worse, so it is not ranked.
        var ranked = true
        /// Target text and whether the village meets it; nil when the programme sets no target.
        var target: ((Figures, VillageSummary) -> (String, Bool))? = nil
    }

    private static func metrics(_ t: Targets) -> [Metric] {
        [
            Metric(name: "报送文件数", value: { Double($0.filesSubmitted) }, target: { _, v in
                let missingFiles: Set<FileKind> = Set(v.shortfalls.flatMap { s -> [FileKind] in
                    if case .incompleteSubmission(let m) = s { return m } else { return [] }
                })
                return (missingFiles.isEmpty ? "报送完整" : "缺" + missingFiles.sorted().map(\.chinese).joined(separator: "、"), missingFiles.isEmpty) }),
            Metric(name: "上半月排查次数", value: { Double($0.inspectionsFirstHalf) }, target: { f, _ in
                ("≥\(t.inspectionsPerHalfMonth)次", f.inspectionsFirstHalf >= t.inspectionsPerHalfMonth) }),
            Metric(name: "下半月排查次数", value: { Double($0.inspectionsSecondHalf) }, target: { f, _ in
                ("≥\(t.inspectionsPerHalfMonth)次", f.inspectionsSecondHalf >= t.inspectionsPerHalfMonth) }),
            Metric(name: "本月新增隐患", value: { Double($0.hazardsNew) }, ranked: false),
            Metric(name: "本月整改隐患", value: { Double($0.hazardsRectified) }),
            Metric(name: "待整改隐患", value: { Double($0.hazardsOpen) }, higherIsBetter: false),
            Metric(name: "逾期未整改隐患", value: { Double($0.hazardsOverdue) }, higherIsBetter: false, target: { f, _ in
                ("≤\(t.maxOverdueHazards)项", f.hazardsOverdue <= t.maxOverdueHazards) }),
            Metric(name: "年度隐患整改率", value: { $0.rectificationRateYTD }, isRate: true),
            Metric(name: "责任书签订率", value: { $0.signingRate }, isRate: true, target: { f, _ in
                ("≥\(Shortfall.percent(t.signingRate))", (f.signingRate ?? 1) >= t.signingRate) }),
            Metric(name: "宣传培训次数", value: { Double($0.trainings) }, target: { f, _ in
                ("≥\(t.trainingsPerMonth)次", f.trainings >= t.trainingsPerMonth) }),
            Metric(name: "培训参与人次", value: { Double($0.trainingParticipants) }),
            Metric(name: "退回数据行", value: { Double($0.rowsRejected) }, higherIsBetter: false),
        ]
    }

    private static func overview(_ ws: Worksheet, _ report: MonthReport, _ v: VillageSummary, _ shared: Shared,
                                 _ s: WorkbookStyle, _ print: PrintHeader, _ title: String) throws {
        let n = report.villages.count
        var rows: [[Cell]] = []
        for (i, m) in metrics(report.config.targets).enumerated() {
            let mine = m.value(v.figures)
            let values = shared.sortedValues[i]
            let avg = shared.averages[i]
            // Rank 1 = best; villages with the same value share a rank; no rank without a value (0/0 rate).
            let rank: Int? = m.ranked ? mine.map { x in shared.rank(metric: i, x, higherIsBetter: m.higherIsBetter) } : nil
            let target = m.target?(v.figures, v)
            let valueCell: Cell = m.isRate ? .percent(mine) : (mine.map { Int(exactly: $0).map(Cell.int) ?? .number($0) } ?? .blank)
            let avgCell: Cell = m.isRate ? .percent(avg) : (avg.map { .number($0) } ?? .blank)
            rows.append([.text(m.name), valueCell, .text(target?.0 ?? "—"), .text(target.map { $0.1 ? "达标" : "未达标" } ?? "—"),
                         avgCell, rank.map { .text("\($0)/\(values.count)") } ?? .text("—")])
        }
        let columns = [Column("指标", max: 16), Column("本村", .int, max: 10), Column("目标", .center, max: 24),
                       Column("是否达标", .center, max: 8), Column("全镇村居平均", .decimal, max: 12), Column("全镇排名", .center, max: 10)]
        let verdict = v.compliant ? "本月各项指标均达到要求。"
            : "本月未达标：" + v.shortfalls.map(TownWorkbook.publishedReason).joined(separator: "；") + "。"
        let tl = try ws.writeTable(style: s, title: "\(title)（\(report.period.chinese)）",
                                   note: "\(v.village.code) \(v.village.name)　全镇共\(n)个村居，排名1为最好　\(verdict)",
                                   columns: columns, rows: rows, print: print)
        try ws.highlight(tl, column: 3, s.bad) { "\($0)=\"未达标\"" }
        try ws.highlight(tl, column: 3, s.good) { "\($0)=\"达标\"" }
    }
}
