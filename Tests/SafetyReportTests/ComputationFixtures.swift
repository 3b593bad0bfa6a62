// Small hand-written town, rows and folders shared by the computation and ledger tests.
@testable import SafetyReport

/// 青石镇 with 东湖村 (two groups) and 西山社区 (no groups), and one key unit.
enum ComputationFixtures {
    static let townCode = "330683105"
    static let v1 = "330683105201"
    static let v2 = "330683105202"
    static let g1 = "330683105201-01"
    static let g2 = "330683105201-02"

    static func config(targets: Targets = Targets()) -> PipelineConfig {
        PipelineConfig(
            town: Town(code: townCode, name: "青石镇"),
            villages: [
                Village(code: v1, name: "东湖村", population: 2310,
                        groups: [Group(code: g1, name: "第一村民小组"), Group(code: g2, name: "第二村民小组")]),
                Village(code: v2, name: "西山社区", kind: "社区"),
            ],
            keyUnits: [KeyUnit(code: "KU001", name: "青石化工有限公司", village: v1)],
            targets: targets)
    }

    /// `"2026-10-05"` → Day
    static func day(_ s: String) -> Day {
        let p = s.split(separator: "-").map { Int($0)! }
        return Day(year: p[0], month: p[1], day: p[2])!
    }
    static func period(_ s: String) -> Period { Period(s)! }

    static func hazard(_ id: String, found: String, deadline: String, status: HazardStatus = .open,
                       level: HazardLevel = .general, category: HazardCategory = .electricity,
                       group: String? = nil, escalated: Bool = false, line: Int = 2) -> HazardRow {
        HazardRow(line: line, hazardId: id, foundDate: day(found), groupCode: group, category: category, level: level,
                  description: "配电箱未上锁", responsible: "张三", deadline: day(deadline), status: status,
                  rectifiedDate: status == .rectified ? day(deadline) : nil,
                  escalated: escalated, escalatedTo: escalated ? "镇安委办" : "")
    }
    static func inspection(_ date: String, group: String? = nil, line: Int = 2) -> InspectionRow {
        InspectionRow(line: line, date: day(date), groupCode: group, inspector: "李四", hazardsFound: 0)
    }
    static func training(_ date: String, participants: Int, group: String? = nil, line: Int = 2) -> TrainingRow {
        TrainingRow(line: line, date: day(date), groupCode: group, form: .lecture, theme: "用电安全", participants: participants)
    }
    static func agreement(_ type: PartyType, code: String? = nil, name: String, signed: Bool, line: Int = 2) -> AgreementRow {
        AgreementRow(line: line, partyType: type, partyCode: code, partyName: name, signed: signed,
                     signedDate: signed ? day("2026-03-10") : nil)
    }

    /// A file read with these accepted rows and `rejected` more rows rejected; nil means not submitted.
    static func file<Row>(_ kind: FileKind, _ rows: [Row]?, rejected: Int = 0) -> FileResult<Row> {
        guard let rows else { return .missing(kind) }
        return FileResult(fileName: kind.fileName, state: .read, rowsRead: rows.count + rejected, rows: AcceptedRows(rows))
    }

    static func folder(_ code: String, inspections: [InspectionRow]? = nil, hazards: [HazardRow]? = nil,
                       agreements: [AgreementRow]? = nil, trainings: [TrainingRow]? = nil) -> FolderPeriod {
        let cfg = config()
        let submitter: Submitter = code == townCode ? .town : .village(cfg.village(code)!)
        return FolderPeriod(code: code, submitter: submitter,
                            inspections: file(.inspections, inspections), hazards: file(.hazards, hazards),
                            agreements: file(.agreements, agreements), trainings: file(.trainings, trainings))
    }

    /// Replays hazard rows month by month the way the orchestrator does: `months` maps period → owner → rows.
    static func ledger(_ months: [(String, [String: [HazardRow]])]) -> HazardLedger {
        var ledger = HazardLedger()
        for (p, owners) in months {
            for owner in owners.keys.sorted() { ledger.apply(period: period(p), owner: owner, rows: owners[owner]!) }
        }
        return ledger
    }

    static func build(_ p: String, folders: [FolderPeriod] = [], standing: [String: StandingAgreements] = [:],
                      ledger: HazardLedger = HazardLedger(), extraIssues: [ValidationIssue] = [],
                      targets: Targets = Targets()) -> MonthReport {
        ReportBuilder.build(config: config(targets: targets), period: period(p), folders: folders,
                            standing: standing, ledger: ledger, extraIssues: extraIssues)
    }
}

extension MonthReport {
    /// The summary of one village, by code (tests only).
    func summary(ofVillage code: String) -> VillageSummary { villages.first { $0.village.code == code }! }
    func summary(ofGroup code: String) -> GroupSummary { groups.first { $0.group.code == code }! }
}
