// The four submission files and their columns (SPEC §3.2), and the enumerations they use.

/// One of the four files a village (or the town office) submits each month.
public enum FileKind: String, CaseIterable, Sendable, Hashable, Comparable {
    case inspections, hazards, agreements, trainings

    /// `inspections.csv` (literals: a scan asks for every entry of every folder, and `rawValue + ".csv"` was an
    /// append each time)
    public var fileName: String {
        switch self {
        case .inspections: "inspections.csv"
        case .hazards: "hazards.csv"
        case .agreements: "agreements.csv"
        case .trainings: "trainings.csv"
        }
    }
    /// 排查记录 …
    public var chinese: String {
        switch self {
        case .inspections: "排查记录"
        case .hazards: "隐患整改台账"
        case .agreements: "责任书签订"
        case .trainings: "宣传教育培训"
        }
    }
    public var schema: FileSchema { FileSchema.of(self) }

    public static func < (a: FileKind, b: FileKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What kind of value a column holds.
public enum ColumnType: Sendable, Equatable {
    case date, code, text, integer, decimal, boolean
    case enumeration(EnumKind)
}

/// Which enumeration a column takes its values from.
public enum EnumKind: String, Sendable, Equatable {
    case hazardCategory, hazardLevel, hazardStatus, partyType, trainingForm, audience
}

/// Whether a column must be present in the header (required) or may be absent (optional,
/// or conditionally required per row: a missing conditional column reads as empty).
public enum Presence: Sendable, Equatable { case required, optional, conditional }

/// One column of a submission file: its English key, its Chinese header, its type.
public struct ColumnSpec: Sendable, Equatable {
    public let key: String
    public let header: String
    public let type: ColumnType
    public let presence: Presence
    public init(_ key: String, _ header: String, _ type: ColumnType, _ presence: Presence) {
        self.key = key; self.header = header; self.type = type; self.presence = presence
    }
}

/// The columns of one file kind, in the SPEC's order.
public struct FileSchema: Sendable {
    public let kind: FileKind
    public let columns: [ColumnSpec]

    public func column(_ key: String) -> ColumnSpec? { columns.first { $0.key == key } }

    public static func of(_ kind: FileKind) -> FileSchema {
        switch kind {
        case .inspections: return FileSchema(kind: kind, columns: [
            ColumnSpec("inspection_date", "排查日期", .date, .required),
            ColumnSpec("group_code", "小组编码", .code, .optional),
            ColumnSpec("inspector", "排查人", .text, .required),
            ColumnSpec("scope", "排查范围", .text, .optional),
            ColumnSpec("hazards_found", "发现隐患数", .integer, .required),
        ])
        case .hazards: return FileSchema(kind: kind, columns: [
            ColumnSpec("hazard_id", "隐患编号", .code, .required),
            ColumnSpec("found_date", "发现日期", .date, .required),
            ColumnSpec("group_code", "小组编码", .code, .optional),
            ColumnSpec("category", "隐患类别", .enumeration(.hazardCategory), .required),
            ColumnSpec("level", "隐患等级", .enumeration(.hazardLevel), .required),
            ColumnSpec("description", "隐患描述", .text, .required),
            ColumnSpec("location", "地点", .text, .optional),
            ColumnSpec("responsible", "整改责任人", .text, .required),
            ColumnSpec("deadline", "整改期限", .date, .required),
            ColumnSpec("status", "整改状态", .enumeration(.hazardStatus), .required),
            ColumnSpec("rectified_date", "整改完成日期", .date, .conditional),
            ColumnSpec("escalated", "是否上报", .boolean, .optional),
            ColumnSpec("escalated_to", "上报部门", .text, .conditional),
        ])
        case .agreements: return FileSchema(kind: kind, columns: [
            ColumnSpec("party_type", "对象类型", .enumeration(.partyType), .required),
            ColumnSpec("party_code", "对象编码", .code, .conditional),
            ColumnSpec("party_name", "对象名称", .text, .required),
            ColumnSpec("signed", "是否签订", .boolean, .required),
            ColumnSpec("signed_date", "签订日期", .date, .conditional),
        ])
        case .trainings: return FileSchema(kind: kind, columns: [
            ColumnSpec("activity_date", "活动日期", .date, .required),
            ColumnSpec("group_code", "小组编码", .code, .optional),
            ColumnSpec("form", "活动形式", .enumeration(.trainingForm), .required),
            ColumnSpec("theme", "活动主题", .text, .required),
            ColumnSpec("audience", "参与对象", .enumeration(.audience), .optional),
            ColumnSpec("participants", "参与人数", .integer, .required),
            ColumnSpec("hours", "时长(小时)", .decimal, .optional),
            ColumnSpec("materials", "发放资料(份)", .integer, .optional),
        ])
        }
    }
}

/// An enumeration whose values are written either as a Chinese label or an English key.
public protocol LabeledEnum: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The Chinese label, e.g. 供用电.
    var label: String { get }
}

public extension LabeledEnum {
    /// The English key, e.g. `electricity`.
    var key: String { rawValue }
}

public enum HazardCategory: String, LabeledEnum {
    case publicFacilities = "public_facilities", housing, hazardousChemicals = "hazardous_chemicals",
         fireworks, crowdedPlaces = "crowded_places", motorVehicles = "motor_vehicles", electricity, other
    public var label: String {
        switch self {
        case .publicFacilities: "公共设施"
        case .housing: "房屋"
        case .hazardousChemicals: "危险化学品"
        case .fireworks: "烟花爆竹"
        case .crowdedPlaces: "人员密集场所"
        case .motorVehicles: "机动车辆"
        case .electricity: "供用电"
        case .other: "其他"
        }
    }
}

public enum HazardLevel: String, LabeledEnum {
    case general, major
    public var label: String { self == .general ? "一般" : "重大" }
}

public enum HazardStatus: String, LabeledEnum {
    case open, inProgress = "in_progress", rectified
    public var label: String {
        switch self {
        case .open: "未整改"
        case .inProgress: "整改中"
        case .rectified: "已整改"
        }
    }
}

public enum PartyType: String, LabeledEnum {
    case village, group, keyUnit = "key_unit", residentUnit = "resident_unit", school, hospital, other
    public var label: String {
        switch self {
        case .village: "村(社区)"
        case .group: "村民小组"
        case .keyUnit: "重点生产经营单位"
        case .residentUnit: "驻地单位"
        case .school: "学校"
        case .hospital: "医院"
        case .other: "其他"
        }
    }
    /// Parties of these types must carry their registered code.
    public var needsCode: Bool { self == .village || self == .group || self == .keyUnit }
}

public enum TrainingForm: String, LabeledEnum {
    case leaflets, blackboard, bulletinBoard = "bulletin_board", lecture, training, performance, drill, other
    public var label: String {
        switch self {
        case .leaflets: "发放传单"
        case .blackboard: "黑板报"
        case .bulletinBoard: "宣传栏"
        case .lecture: "专题讲座"
        case .training: "培训"
        case .performance: "文艺演出"
        case .drill: "应急演练"
        case .other: "其他"
        }
    }
}

public enum Audience: String, LabeledEnum {
    case residents, students, workers, other
    public var label: String {
        switch self {
        case .residents: "居民"
        case .students: "学生"
        case .workers: "从业人员"
        case .other: "其他"
        }
    }
}

extension EnumKind {
    /// (key, label) pairs of the enumeration, in the SPEC's order.
    public var choices: [(key: String, label: String)] {
        func pairs<E: LabeledEnum>(_: E.Type) -> [(key: String, label: String)] {
            E.allCases.map { ($0.key, $0.label) }
        }
        switch self {
        case .hazardCategory: return pairs(HazardCategory.self)
        case .hazardLevel: return pairs(HazardLevel.self)
        case .hazardStatus: return pairs(HazardStatus.self)
        case .partyType: return pairs(PartyType.self)
        case .trainingForm: return pairs(TrainingForm.self)
        case .audience: return pairs(Audience.self)
        }
    }
}
