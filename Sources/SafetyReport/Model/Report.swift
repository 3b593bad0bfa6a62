// What computation gives the writers: every figure of SPEC §4 for P, per tier, plus the detail tables.

/// The §4 columns for one unit (group, village, the town's own folder, or the town total).
/// Rates are derived, never summed.
public struct Figures: Sendable, Equatable {
    public var filesSubmitted = 0
    public var rowsRead = 0
    public var rowsRejected = 0
    public var inspections = 0
    public var inspectionsFirstHalf = 0
    public var inspectionsSecondHalf = 0
    public var hazardsNew = 0
    public var hazardsNewMajor = 0
    public var hazardsRectified = 0
    public var hazardsOpen = 0
    public var hazardsOpenMajor = 0
    public var hazardsOverdue = 0
    public var hazardsEscalatedOpen = 0
    public var hazardsNewYTD = 0
    public var hazardsRectifiedYTD = 0
    public var agreementsRequired = 0
    public var agreementsSigned = 0
    public var trainings = 0
    public var trainingParticipants = 0

    public init() {}

    /// hazards_rectified_ytd / hazards_new_ytd; nil when 0/0.
    public var rectificationRateYTD: Double? {
        hazardsNewYTD == 0 ? nil : Double(hazardsRectifiedYTD) / Double(hazardsNewYTD)
    }
    /// agreements_signed / agreements_required; nil when 0/0.
    public var signingRate: Double? {
        agreementsRequired == 0 ? nil : Double(agreementsSigned) / Double(agreementsRequired)
    }

    /// Adds every count (files_submitted included; the town summary does not print it).
    public static func += (a: inout Figures, b: Figures) {
        a.filesSubmitted += b.filesSubmitted
        a.rowsRead += b.rowsRead; a.rowsRejected += b.rowsRejected
        a.inspections += b.inspections; a.inspectionsFirstHalf += b.inspectionsFirstHalf
        a.inspectionsSecondHalf += b.inspectionsSecondHalf
        a.hazardsNew += b.hazardsNew; a.hazardsNewMajor += b.hazardsNewMajor; a.hazardsRectified += b.hazardsRectified
        a.hazardsOpen += b.hazardsOpen; a.hazardsOpenMajor += b.hazardsOpenMajor; a.hazardsOverdue += b.hazardsOverdue
        a.hazardsEscalatedOpen += b.hazardsEscalatedOpen
        a.hazardsNewYTD += b.hazardsNewYTD; a.hazardsRectifiedYTD += b.hazardsRectifiedYTD
        a.agreementsRequired += b.agreementsRequired; a.agreementsSigned += b.agreementsSigned
        a.trainings += b.trainings; a.trainingParticipants = a.trainingParticipants.saturatingAdding(b.trainingParticipants)
    }
}

/// A target missed (SPEC §4 "Targets for compliant"), with the figures behind it.
public enum Shortfall: Sendable, Equatable, Hashable {
    /// Files missing or rejected for P (inspections, hazards, trainings); agreementsMissing when no list stands for the year.
    case incompleteSubmission(missing: [FileKind])
    case inspectionsFirstHalf(actual: Int, target: Int)
    case inspectionsSecondHalf(actual: Int, target: Int)
    case signingRate(actual: Double, target: Double)
    case trainings(actual: Int, target: Int)
    case overdueHazards(actual: Int, limit: Int)

    /// Short Chinese text for the shortfalls column, e.g. 上半月排查0次（应≥1次）.
    public var chinese: String {
        switch self {
        case .incompleteSubmission(let missing):
            return "报送不完整（缺" + missing.map { "「\($0.chinese)」" }.joined(separator: "、") + "）"
        case .inspectionsFirstHalf(let a, let t): return "上半月排查\(a)次（应≥\(t)次）"
        case .inspectionsSecondHalf(let a, let t): return "下半月排查\(a)次（应≥\(t)次）"
        case .signingRate(let a, let t): return "责任书签订率\(Shortfall.percent(a))（应≥\(Shortfall.percent(t))）"
        case .trainings(let a, let t): return "宣传培训\(a)次（应≥\(t)次）"
        case .overdueHazards(let a, let l): return "逾期未整改隐患\(a)项（应≤\(l)项）"
        }
    }

    /// 85.7% style (one decimal, trailing .0 dropped).
    public static func percent(_ x: Double) -> String {
        let tenths = (x * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }
}

/// One registered village's figures for P.
public struct VillageSummary: Sendable, Equatable {
    public var village: Village
    public var figures: Figures
    /// Empty when every target holds.
    public var shortfalls: [Shortfall]
    /// Readable inspections, hazards and trainings for P and an agreements list standing for the year.
    public var complete: Bool
    public var compliant: Bool { shortfalls.isEmpty }
    public init(village: Village, figures: Figures, shortfalls: [Shortfall], complete: Bool) {
        self.village = village; self.figures = figures; self.shortfalls = shortfalls; self.complete = complete
    }
    /// The shortfalls column: targets missed, separated by "；".
    public var shortfallsText: String { shortfalls.map(\.chinese).joined(separator: "；") }
}

/// One registered group's figures for P (rows carrying its group_code; its own agreement).
public struct GroupSummary: Sendable, Equatable {
    public var villageCode: String
    public var villageName: String
    public var group: Group
    public var figures: Figures
    public init(villageCode: String, villageName: String, group: Group, figures: Figures) {
        self.villageCode = villageCode; self.villageName = villageName; self.group = group; self.figures = figures
    }
}

/// The town total: all villages plus the town's own folder.
public struct TownSummary: Sendable, Equatable {
    public var figures: Figures
    /// The town office's own folder alone.
    public var ownFolder: Figures
    public var villagesSubmitted: Int
    public var villagesCompliant: Int
    public init(figures: Figures, ownFolder: Figures, villagesSubmitted: Int, villagesCompliant: Int) {
        self.figures = figures; self.ownFolder = ownFolder
        self.villagesSubmitted = villagesSubmitted; self.villagesCompliant = villagesCompliant
    }
}

/// Hazards of one folder (village or the town's own) in one category.
public struct CategoryCount: Sendable, Equatable {
    public var folder: String
    public var folderName: String
    public var category: HazardCategory
    public var hazardsNew = 0
    public var hazardsRectified = 0
    public var hazardsOpen = 0
    public var hazardsOverdue = 0
    public var hazardsNewYTD = 0
    public init(folder: String, folderName: String, category: HazardCategory) {
        self.folder = folder; self.folderName = folderName; self.category = category
    }
}

/// One hazard of the ledger as it stands at the end of P.
public struct LedgerEntry: Sendable, Equatable {
    /// The folder that owns the hazard id (village or town code).
    public var owner: String
    public var ownerName: String
    /// The hazard's latest accepted row (unpacked on each call: take it once per entry).
    public var hazard: HazardRow {
        get { packedHazard.row }
        set { packedHazard = PackedHazardRow(newValue) }
    }
    /// The row as the ledger keeps it (its bytes shared with the ledger's), not as a `HazardRow` with a String
    /// per text: the report's lists outlive the ledger and are alive through the workbooks.
    public var packedHazard: PackedHazardRow
    /// The period in which the id was first accepted.
    public var registeredIn: Period
    /// The latest period with an accepted row for this id.
    public var lastUpdatedIn: Period
    public var isOpen: Bool
    /// Open and deadline before the last day of P.
    public var isOverdue: Bool
    /// Days from the deadline to P's last day, when overdue; else 0.
    public var daysOverdue: Int
    /// Registered in P.
    public var isNew: Bool
    /// Open at P's end and not mentioned in P.
    public var carriedOver: Bool
    /// 已整改 at the end of P and not at the end of P−1.
    public var rectifiedInPeriod: Bool
    public init(owner: String, ownerName: String, hazard: HazardRow, registeredIn: Period, lastUpdatedIn: Period,
                isOpen: Bool, isOverdue: Bool, daysOverdue: Int, isNew: Bool, carriedOver: Bool, rectifiedInPeriod: Bool) {
        self.init(owner: owner, ownerName: ownerName, packedHazard: PackedHazardRow(hazard), registeredIn: registeredIn,
                  lastUpdatedIn: lastUpdatedIn, isOpen: isOpen, isOverdue: isOverdue, daysOverdue: daysOverdue, isNew: isNew,
                  carriedOver: carriedOver, rectifiedInPeriod: rectifiedInPeriod)
    }
    public init(owner: String, ownerName: String, packedHazard: PackedHazardRow, registeredIn: Period, lastUpdatedIn: Period,
                isOpen: Bool, isOverdue: Bool, daysOverdue: Int, isNew: Bool, carriedOver: Bool, rectifiedInPeriod: Bool) {
        self.owner = owner; self.ownerName = ownerName; self.packedHazard = packedHazard; self.registeredIn = registeredIn
        self.lastUpdatedIn = lastUpdatedIn; self.isOpen = isOpen; self.isOverdue = isOverdue; self.daysOverdue = daysOverdue
        self.isNew = isNew; self.carriedOver = carriedOver; self.rectifiedInPeriod = rectifiedInPeriod
    }
}

/// One required (or listed) agreements party of a folder and where it stands at the end of P.
public struct AgreementStatus: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case signed, unsigned
        /// Required by the registry but absent from the standing list.
        case missingFromFile = "missing"
        /// Listed only in a rejected row.
        case rejected
        public var chinese: String {
            switch self {
            case .signed: "已签订"
            case .unsigned: "未签订"
            case .missingFromFile: "名单缺漏"
            case .rejected: "数据有误"
            }
        }
    }
    public var folder: String
    public var party: PartyKey
    public var partyName: String
    public var state: State
    public var signedDate: Day?
    /// Period whose file stands; nil when no list stands for the year.
    public var sentIn: Period?
    public init(folder: String, party: PartyKey, partyName: String, state: State, signedDate: Day? = nil, sentIn: Period? = nil) {
        self.folder = folder; self.party = party; self.partyName = partyName; self.state = state
        self.signedDate = signedDate; self.sentIn = sentIn
    }
}

/// An accepted training activity of P, with its folder.
public struct TrainingActivity: Sendable, Equatable {
    public var folder: String
    public var row: TrainingRow
    public init(folder: String, row: TrainingRow) { self.folder = folder; self.row = row }
}

/// Every accepted training of P, folder by folder, seen as `TrainingActivity` values made as they are
/// read. The rows stay in the folders' own lists (shared, not copied; spilled to the run's temporary file,
/// see `AcceptedRows`), so a folder that sends a million rows costs them once, on disk, not in memory.
/// Sequential access only: the town workbook lists them in order.
public struct TrainingActivities: Sequence, Sendable, Equatable {
    private var folders: [String] = []
    private var rows: [AcceptedRows<TrainingRow>] = []
    public private(set) var count = 0

    public init() {}
    /// Consecutive activities of one folder share one group.
    public init(_ activities: [TrainingActivity]) {
        var group: [TrainingRow] = []
        var folder: String?
        for a in activities {
            if folder != a.folder, let f = folder { append(folder: f, rows: group); group = [] }
            folder = a.folder
            group.append(a.row)
        }
        if let folder { append(folder: folder, rows: group) }
    }

    /// Adds one folder's rows after the others (nothing when empty).
    public mutating func append(folder: String, rows folderRows: AcceptedRows<TrainingRow>) {
        guard !folderRows.isEmpty else { return }
        folders.append(folder); rows.append(folderRows); count += folderRows.count
    }

    /// Adds one folder's rows, in memory, after the others (nothing when empty).
    public mutating func append(folder: String, rows folderRows: [TrainingRow]) {
        append(folder: folder, rows: AcceptedRows(folderRows))
    }

    public var isEmpty: Bool { count == 0 }
    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator { Iterator(folders: folders, rows: rows) }

    /// The activities in order, each folder's rows read back in turn.
    public struct Iterator: IteratorProtocol {
        let folders: [String]
        let rows: [AcceptedRows<TrainingRow>]
        var index = 0
        var current: AcceptedRows<TrainingRow>.Iterator?

        public mutating func next() -> TrainingActivity? {
            while index < rows.count {
                if current == nil { current = rows[index].makeIterator() }
                if let row = current!.next() { return TrainingActivity(folder: folders[index], row: row) }
                current = nil
                index += 1
            }
            return nil
        }
    }

    public static func == (a: TrainingActivities, b: TrainingActivities) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

/// Town-wide hazards registered and rectified in one month of P's year (for the trend chart).
public struct TrendPoint: Sendable, Equatable {
    public var period: Period
    public var hazardsNew: Int
    public var hazardsRectified: Int
    public init(period: Period, hazardsNew: Int, hazardsRectified: Int) {
        self.period = period; self.hazardsNew = hazardsNew; self.hazardsRectified = hazardsRectified
    }
}

/// Per folder and file: how the file fared (for the manifest and the per-file count check).
public struct FileStat: Sendable, Equatable {
    public var folder: String
    public var kind: FileKind
    public var fileName: String
    public var state: String
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int
    public init(folder: String, kind: FileKind, fileName: String, state: String, rowsRead: Int, rowsAccepted: Int, rowsRejected: Int) {
        self.folder = folder; self.kind = kind; self.fileName = fileName; self.state = state
        self.rowsRead = rowsRead; self.rowsAccepted = rowsAccepted; self.rowsRejected = rowsRejected
    }
}

/// Everything the writers need for period P.
public struct MonthReport: Sendable, Equatable {
    public var period: Period
    public var config: PipelineConfig
    public var town: TownSummary
    /// One per registered village, in registry order.
    public var villages: [VillageSummary]
    /// One per registered group, in registry order.
    public var groups: [GroupSummary]
    /// Every folder (town's own first, then villages) × every category.
    public var categories: [CategoryCount]
    /// Every hazard open at P's end or changed in P; ordered by owner (registry order) then id.
    public var ledger: [LedgerEntry]
    /// Every party of every folder (town's own first), ordered by folder then party.
    public var agreements: [AgreementStatus]
    public var trainings: TrainingActivities
    /// Months of P's year up to P.
    public var trend: [TrendPoint]
    /// Every issue of P, ordered by folder (registry order, unregistered last), file, line, column;
    /// iterated from the folders' lists (mostly spilled to a temporary file), never held as one array.
    public var issues: ReportIssues
    public var fileStats: [FileStat]

    public init(period: Period, config: PipelineConfig, town: TownSummary, villages: [VillageSummary],
                groups: [GroupSummary], categories: [CategoryCount], ledger: [LedgerEntry],
                agreements: [AgreementStatus], trainings: [TrainingActivity], trend: [TrendPoint],
                issues: [ValidationIssue], fileStats: [FileStat]) {
        self.init(period: period, config: config, town: town, villages: villages, groups: groups, categories: categories,
                  ledger: ledger, agreements: agreements, trainings: TrainingActivities(trainings), trend: trend,
                  issues: ReportIssues(issues, config: config), fileStats: fileStats)
    }

    public init(period: Period, config: PipelineConfig, town: TownSummary, villages: [VillageSummary],
                groups: [GroupSummary], categories: [CategoryCount], ledger: [LedgerEntry],
                agreements: [AgreementStatus], trainings: TrainingActivities, trend: [TrendPoint],
                issues: ReportIssues, fileStats: [FileStat]) {
        self.period = period; self.config = config; self.town = town; self.villages = villages
        self.groups = groups; self.categories = categories; self.ledger = ledger; self.agreements = agreements
        self.trainings = trainings; self.trend = trend; self.issues = issues; self.fileStats = fileStats
    }
}

extension MonthReport {
    /// Every error is a rejection (of a row, a file, or a folder's files); warnings keep their rows.
    public var rejectedAnything: Bool { issues.errorCount > 0 }
}
