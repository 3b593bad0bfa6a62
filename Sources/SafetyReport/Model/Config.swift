// The town's configuration (SPEC §2) as the rest of the pipeline sees it, after loading and checking.

import Foundation

public struct Town: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public init(code: String, name: String) { self.code = code; self.name = name }
}

public struct Group: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public init(code: String, name: String) { self.code = code; self.name = name }
}

public struct Village: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    /// 村 or 社区 (free text; shown as written).
    public var kind: String
    public var population: Int?
    public var groups: [Group]
    public init(code: String, name: String, kind: String = "村", population: Int? = nil, groups: [Group] = []) {
        self.code = code; self.name = name; self.kind = kind; self.population = population; self.groups = groups
    }
}

/// 重点生产经营单位: signs its agreement with the town; `village` only says where it is.
public struct KeyUnit: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public var village: String?
    public init(code: String, name: String, village: String? = nil) { self.code = code; self.name = name; self.village = village }
}

public struct Targets: Sendable, Equatable, Codable {
    public var inspectionsPerHalfMonth: Int
    public var signingRate: Double
    public var trainingsPerMonth: Int
    public var maxOverdueHazards: Int
    public init(inspectionsPerHalfMonth: Int = 1, signingRate: Double = 1.0, trainingsPerMonth: Int = 1, maxOverdueHazards: Int = 0) {
        self.inspectionsPerHalfMonth = inspectionsPerHalfMonth; self.signingRate = signingRate
        self.trainingsPerMonth = trainingsPerMonth; self.maxOverdueHazards = maxOverdueHazards
    }
    enum CodingKeys: String, CodingKey {
        case inspectionsPerHalfMonth = "inspections_per_half_month", signingRate = "signing_rate"
        case trainingsPerMonth = "trainings_per_month", maxOverdueHazards = "max_overdue_hazards"
    }
}

/// Titles and names an office may want to change (optional `report` key); Chinese defaults.
public struct ReportSettings: Sendable, Equatable, Codable {
    /// Town workbook file name without extension; `{town}` and `{period}` are replaced.
    public var workbookName: String = "{town}安全社区月报_{period}"
    /// Title of the town workbook, e.g. 青石镇安全社区建设月度通报.
    public var title: String = "{town}安全社区建设月度通报"
    /// Title of each village's feedback workbook; `{village}` is replaced too.
    public var villageTitle: String = "{village}安全社区月度反馈"
    /// Title of the 通报 (commendation and criticism) sheet.
    public var noticeTitle: String = "{period_cn}安全社区建设工作通报"
    /// The office that reviews the submissions and issues the 通报, as it signs its notices.
    public var office: String = "{town}安委办"
    /// Author and company in the workbook's document properties.
    public var author: String = "镇安委办"
    public var company: String = ""
    public init() {}
    enum CodingKeys: String, CodingKey {
        case workbookName = "workbook_name", title, villageTitle = "village_title", noticeTitle = "notice_title"
        case office, author, company
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReportSettings()
        workbookName = try c.decodeIfPresent(String.self, forKey: .workbookName) ?? d.workbookName
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? d.title
        villageTitle = try c.decodeIfPresent(String.self, forKey: .villageTitle) ?? d.villageTitle
        noticeTitle = try c.decodeIfPresent(String.self, forKey: .noticeTitle) ?? d.noticeTitle
        office = try c.decodeIfPresent(String.self, forKey: .office) ?? d.office
        author = try c.decodeIfPresent(String.self, forKey: .author) ?? d.author
        company = try c.decodeIfPresent(String.self, forKey: .company) ?? d.company
    }
    /// Replaces `{town}`, `{period}` (2026-10), `{period_cn}` (2026年10月) and `{village}` in a template.
    public func fill(_ template: String, town: Town, period: Period, village: String = "") -> String {
        template.replacingOccurrences(of: "{town}", with: town.name)
            .replacingOccurrences(of: "{period_cn}", with: period.chinese)
            .replacingOccurrences(of: "{period}", with: period.description)
            .replacingOccurrences(of: "{village}", with: village)
    }
}

/// The whole checked configuration. Folders are absolute, resolved against pipeline.json's folder.
public struct PipelineConfig: Sendable, Equatable {
    public var town: Town
    public var villages: [Village] { didSet { villageIndex = Self.index(villages) } }
    /// Village code → position in `villages` (the first one), so lookups stay O(1) for thousands of villages.
    private var villageIndex: [String: Int] = [:]
    public var keyUnits: [KeyUnit]
    public var inputs: URL
    public var outputs: URL
    public var targets: Targets
    public var report: ReportSettings
    /// The configuration file's name, for the manifest (`pipeline.json` unless `--config` named another).
    public var fileName: String = "pipeline.json"

    public init(town: Town, villages: [Village], keyUnits: [KeyUnit] = [],
                inputs: URL = URL(fileURLWithPath: "/nonexistent/inputs"),
                outputs: URL = URL(fileURLWithPath: "/nonexistent/outputs"),
                targets: Targets = Targets(), report: ReportSettings = ReportSettings()) {
        self.town = town; self.villages = villages; self.keyUnits = keyUnits
        self.inputs = inputs; self.outputs = outputs; self.targets = targets; self.report = report
        villageIndex = Self.index(villages)
    }

    private static func index(_ villages: [Village]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, v) in villages.enumerated() where index[v.code] == nil { index[v.code] = i }
        return index
    }

    public func village(_ code: String) -> Village? { villageIndex[code].map { villages[$0] } }

    /// The village that owns a group code, if any.
    public func villageOfGroup(_ groupCode: String) -> Village? {
        villages.first { $0.groups.contains { $0.code == groupCode } }
    }

    /// Folder codes that may submit: the town office and every village.
    public var submitterCodes: [String] { [town.code] + villages.map(\.code) }

    /// Display name of a submitting folder.
    public func name(ofFolder code: String) -> String {
        code == town.code ? town.name : (village(code)?.name ?? code)
    }
}
