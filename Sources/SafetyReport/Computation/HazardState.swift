// One hazard of the ledger seen from the end of a period: the facts every hazard figure is counted from.

/// A hazard as it stands at the end of P (SPEC §4). Built once per hazard so that the village,
/// group, category and ledger tables all count from the same facts.
struct HazardState: Sendable {
    let owner: String
    /// The latest accepted row with period ≤ P, packed as the ledger keeps it: the report's ledger entries share
    /// its bytes, and the counts read its fixed fields without unpacking the text.
    let packed: PackedHazardRow
    let registeredIn: Period
    let lastUpdatedIn: Period
    let isOpen: Bool
    /// Open and deadline before the last day of P (a deadline on the last day is not yet overdue).
    let isOverdue: Bool
    let daysOverdue: Int
    /// Registered in P, whatever its found_date.
    let isNew: Bool
    /// An accepted row for it was in P's file.
    let mentioned: Bool
    /// 已整改 at the end of P and not at the end of P−1 (new ones included).
    let rectifiedInPeriod: Bool
    /// Registered in a period of P's year up to P: the registration period decides, not found_date.
    let isNewYTD: Bool

    /// nil when the hazard was not yet registered at the end of `period`.
    init?(_ hazard: HazardLedger.Hazard, period: Period) {
        guard let latest = hazard.state(at: period) else { return nil }
        owner = hazard.owner
        let row = latest.packed
        packed = row
        registeredIn = hazard.registeredIn
        lastUpdatedIn = latest.period
        isOpen = row.status != .rectified
        let lastDay = period.lastDay
        isOverdue = isOpen && row.deadline < lastDay
        daysOverdue = isOverdue ? lastDay.ordinal - row.deadline.ordinal : 0
        isNew = registeredIn == period
        mentioned = hazard.isMentioned(in: period)
        rectifiedInPeriod = !isOpen && !hazard.isRectified(at: period.previous)
        isNewYTD = registeredIn.year == period.year
    }

    /// Open at P's end and not mentioned in P: carried over unchanged.
    var carriedOver: Bool { isOpen && !mentioned }
    /// Of the year's new hazards, those 已整改 at the end of P.
    var isRectifiedYTD: Bool { isNewYTD && !isOpen }
    /// Shown in the ledger table: open at P's end or changed in P.
    var isListed: Bool { isOpen || mentioned }

    func entry(ownerName: String) -> LedgerEntry {
        LedgerEntry(owner: owner, ownerName: ownerName, packedHazard: packed, registeredIn: registeredIn,
                    lastUpdatedIn: lastUpdatedIn, isOpen: isOpen, isOverdue: isOverdue, daysOverdue: daysOverdue,
                    isNew: isNew, carriedOver: carriedOver, rectifiedInPeriod: rectifiedInPeriod)
    }

    /// The warning a carried-over hazard raises: the folder should report its progress every month.
    func notUpdatedWarning(period: Period, fileName: String) -> ValidationIssue {
        let hazardId = packed.hazardId
        return ValidationIssue(.warning, period: period, folder: owner, file: fileName, line: nil, column: "hazard_id",
                        value: hazardId, rule: "hazard.not_updated",
                        message: "隐患「\(hazardId)」仍未整改，本月台账未更新其状态，请在 \(fileName) 中填报最新整改进展")
    }
}

extension Figures {
    /// Counts one hazard's state at P's end into the hazard columns.
    mutating func count(_ h: HazardState) {
        if h.isNew { hazardsNew += 1; if h.packed.level == .major { hazardsNewMajor += 1 } }
        if h.rectifiedInPeriod { hazardsRectified += 1 }
        if h.isOpen {
            hazardsOpen += 1
            if h.packed.level == .major { hazardsOpenMajor += 1 }
            if h.isOverdue { hazardsOverdue += 1 }
            if h.packed.escalated { hazardsEscalatedOpen += 1 }
        }
        if h.isNewYTD { hazardsNewYTD += 1 }
        if h.isRectifiedYTD { hazardsRectifiedYTD += 1 }
    }

    /// Counts one accepted inspection, in the first half (days 1–15) or the second (16–end).
    mutating func count(_ row: InspectionRow) { countInspection(row.rollUpFields) }

    /// Counts one accepted training activity and its participants.
    mutating func count(_ row: TrainingRow) { countTraining(row.rollUpFields) }

    /// `count(_: InspectionRow)` from the fields the roll-up reads (see `AcceptedRows.forEachRollUpFields`).
    mutating func countInspection(_ row: RollUpFields) {
        inspections += 1
        if row.day <= 15 { inspectionsFirstHalf += 1 } else { inspectionsSecondHalf += 1 }
    }

    /// `count(_: TrainingRow)` from the fields the roll-up reads.
    mutating func countTraining(_ row: RollUpFields) {
        trainings += 1
        trainingParticipants = trainingParticipants.saturatingAdding(row.participants)
    }

    /// The inspection columns of a file's rows counted into `t` (`AcceptedRows.forEachRollUp`): what
    /// `countInspection` of each row gives.
    mutating func countInspections(_ t: RollUpTally) {
        inspections += t.rows
        inspectionsFirstHalf += t.firstHalf
        inspectionsSecondHalf += t.rows - t.firstHalf
    }

    /// The training columns of a file's rows counted into `t`: what `countTraining` of each row gives, on figures
    /// whose participants are still 0 (the sum was taken in the rows' order; after another sum, with negative
    /// counts, which validation never accepts, saturating could tell the orders apart).
    mutating func countTrainings(_ t: RollUpTally) {
        trainings += t.rows
        trainingParticipants = trainingParticipants.saturatingAdding(t.participants)
    }
}
