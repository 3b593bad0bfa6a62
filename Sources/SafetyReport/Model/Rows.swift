// Typed, validated rows of the four files: what the validation stage hands to the computation stage.

public struct InspectionRow: Sendable, Equatable {
    public var line: Int
    public var date: Day
    public var groupCode: String?
    public var inspector: String
    public var scope: String
    public var hazardsFound: Int
    /// hazards_found as written (`1,234`, `１２`), for messages that quote the cell.
    public var hazardsFoundText: String
    public init(line: Int, date: Day, groupCode: String? = nil, inspector: String, scope: String = "", hazardsFound: Int,
                hazardsFoundText: String? = nil) {
        self.line = line; self.date = date; self.groupCode = groupCode
        self.inspector = inspector; self.scope = scope; self.hazardsFound = hazardsFound
        self.hazardsFoundText = hazardsFoundText ?? String(hazardsFound)
    }
}

public struct HazardRow: Sendable, Equatable {
    public var line: Int
    public var hazardId: String
    public var foundDate: Day
    public var groupCode: String?
    public var category: HazardCategory
    public var level: HazardLevel
    public var description: String
    public var location: String
    public var responsible: String
    public var deadline: Day
    public var status: HazardStatus
    public var rectifiedDate: Day?
    public var escalated: Bool
    public var escalatedTo: String
    public init(line: Int, hazardId: String, foundDate: Day, groupCode: String? = nil,
                category: HazardCategory, level: HazardLevel, description: String, location: String = "",
                responsible: String, deadline: Day, status: HazardStatus, rectifiedDate: Day? = nil,
                escalated: Bool = false, escalatedTo: String = "") {
        self.line = line; self.hazardId = hazardId; self.foundDate = foundDate; self.groupCode = groupCode
        self.category = category; self.level = level; self.description = description; self.location = location
        self.responsible = responsible; self.deadline = deadline; self.status = status
        self.rectifiedDate = rectifiedDate; self.escalated = escalated; self.escalatedTo = escalatedTo
    }
}

public struct AgreementRow: Sendable, Equatable {
    public var line: Int
    public var partyType: PartyType
    /// Registered code (required for village, group and key_unit); nil when not given.
    public var partyCode: String?
    public var partyName: String
    public var signed: Bool
    public var signedDate: Day?
    public init(line: Int, partyType: PartyType, partyCode: String? = nil, partyName: String, signed: Bool, signedDate: Day? = nil) {
        self.line = line; self.partyType = partyType; self.partyCode = partyCode
        self.partyName = partyName; self.signed = signed; self.signedDate = signedDate
    }
    /// How a party is identified: by type and code, or by type and name where it has no code.
    public var partyKey: PartyKey { PartyKey(type: partyType, code: partyCode, name: partyName) }
}

/// Identity of an agreements party (SPEC §4): type + code, or type + name when there is no code.
public struct PartyKey: Hashable, Sendable, Comparable {
    public var type: PartyType
    public var id: String
    public var byCode: Bool
    public init(type: PartyType, code: String?, name: String) {
        self.type = type
        if let code, !code.isEmpty { id = code; byCode = true } else { id = name; byCode = false }
    }
    public static func < (a: PartyKey, b: PartyKey) -> Bool {
        let ia = PartyType.allCases.firstIndex(of: a.type)!, ib = PartyType.allCases.firstIndex(of: b.type)!
        return (ia, a.id) < (ib, b.id)
    }
}

public struct TrainingRow: Sendable, Equatable {
    // Stored in an order that leaves no padding (80 bytes a row instead of 120): a month may hold a
    // million of them.
    public var line: Int
    public var participants: Int
    public var groupCode: String?
    public var theme: String
    public var hours: Double?
    public var materials: Int?
    public var date: Day
    public var form: TrainingForm
    public var audience: Audience?
    public init(line: Int, date: Day, groupCode: String? = nil, form: TrainingForm, theme: String,
                audience: Audience? = nil, participants: Int, hours: Double? = nil, materials: Int? = nil) {
        self.line = line; self.date = date; self.groupCode = groupCode; self.form = form; self.theme = theme
        self.audience = audience; self.participants = participants; self.hours = hours; self.materials = materials
    }
}
