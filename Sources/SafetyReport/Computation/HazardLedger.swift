// The hazard rectification ledger (SPEC §4): accepted hazard rows replayed period by period, per owning folder.

/// Every hazard id ever accepted, with its history of updates, so that the state of any hazard
/// can be asked at the end of any period. Hazard ids belong to the folder that submitted them.
/// The ledger does not reset at a new year.
public struct HazardLedger: Sendable, Equatable {
    /// One accepted row for a hazard, and the period whose file carried it.
    public struct Update: Sendable, Equatable {
        public let period: Period
        public let row: HazardRow
        public init(period: Period, row: HazardRow) { self.period = period; self.row = row }
    }

    /// One hazard id of one owner, with every accepted row for it, in period order (at most one per period).
    public struct Hazard: Sendable, Equatable {
        public let owner: String
        public let id: String
        public fileprivate(set) var updates: [Update]

        /// The period in which the id was first accepted, whatever its found_date.
        public var registeredIn: Period { updates[0].period }
        /// The found_date the id was registered with.
        public var registeredFoundDate: Day { updates[0].row.foundDate }

        /// The latest update with period ≤ `q`; nil when the id was not yet registered at the end of `q`.
        public func state(at q: Period) -> Update? {
            updates.last { $0.period <= q }
        }
        /// Registered by the end of `q` and its latest status is not 已整改.
        public func isOpen(at q: Period) -> Bool {
            guard let s = state(at: q) else { return false }
            return s.row.status != .rectified
        }
        /// Registered by the end of `q` and its latest status is 已整改.
        public func isRectified(at q: Period) -> Bool {
            state(at: q)?.row.status == .rectified
        }
        /// An accepted row for this id was in `q`'s file.
        public func isMentioned(in q: Period) -> Bool {
            updates.contains { $0.period == q }
        }
    }

    /// owner → hazard id → hazard.
    private var byOwner: [String: [String: Hazard]] = [:]

    public init() {}

    /// Replays one folder's accepted hazard rows of one period: a known id is updated (every field
    /// replaced; this may reopen a rectified hazard), a new id is registered in `period`.
    /// Periods are expected in order; applying a period again replaces that period's rows for the ids it names.
    public mutating func apply(period: Period, owner: String, rows: [HazardRow]) {
        var table = byOwner[owner] ?? [:]
        var seen = Set<String>()
        for row in rows where seen.insert(row.hazardId).inserted {
            // Validation lets only the first row of an id through; the guard keeps "first claims" if it did not.
            let update = Update(period: period, row: row)
            if var hazard = table[row.hazardId] {
                if let i = hazard.updates.firstIndex(where: { $0.period >= period }) {
                    if hazard.updates[i].period == period { hazard.updates[i] = update } else { hazard.updates.insert(update, at: i) }
                } else {
                    hazard.updates.append(update)
                }
                table[row.hazardId] = hazard
            } else {
                table[row.hazardId] = Hazard(owner: owner, id: row.hazardId, updates: [update])
            }
        }
        byOwner[owner] = table
    }

    /// Ids the owner has registered so far → the found_date each was registered with
    /// (validation rejects a later row for the id with a different found_date).
    public func knownFoundDates(owner: String) -> [String: Day] {
        (byOwner[owner] ?? [:]).mapValues(\.registeredFoundDate)
    }

    /// One hazard, if the owner ever registered it.
    public func hazard(owner: String, id: String) -> Hazard? { byOwner[owner]?[id] }

    /// The owner's hazards registered by the end of `q`, ordered by id.
    public func hazards(owner: String, upTo q: Period) -> [Hazard] {
        (byOwner[owner] ?? [:]).values.filter { $0.registeredIn <= q }.sorted { $0.id < $1.id }
    }

    /// Every folder that has registered at least one hazard, sorted.
    public var owners: [String] { byOwner.keys.sorted() }

    // MARK: Parallel replay and saved state

    /// Adds the hazards of owners this ledger does not hold yet (ledgers replayed per owner on
    /// different cores are merged this way; hazards belong to one owner, so nothing overlaps).
    public mutating func merge(_ other: HazardLedger) {
        for (owner, table) in other.byOwner where byOwner[owner] == nil { byOwner[owner] = table }
    }

    /// Every hazard, by owner then id (a deterministic order for saving).
    public var allHazards: [Hazard] {
        owners.flatMap { owner in byOwner[owner]!.keys.sorted().map { byOwner[owner]![$0]! } }
    }

    /// A ledger holding exactly `hazards` (as read back from a saved state).
    public init(hazards: [Hazard]) {
        for h in hazards { byOwner[h.owner, default: [:]][h.id] = h }
    }

    /// The ledger reduced to what any report of a period in `year` or later can ask of it: each
    /// hazard keeps its registering update (registration period and found_date), the last update
    /// before `year` (its state at the end of every earlier month), and every update of `year` on
    /// (the trend chart counts each month of the report's year). Updates in between answer only
    /// questions about months no such report asks, so dropping them changes no output.
    public func compacted(forReportsFrom year: Int) -> HazardLedger {
        var out = HazardLedger()
        for (owner, table) in byOwner {
            out.byOwner[owner] = table.mapValues { h in
                let lastBefore = h.updates.lastIndex { $0.period.year < year }
                let kept = h.updates.indices.filter { i in i == 0 || i == lastBefore || h.updates[i].period.year >= year }
                return Hazard(owner: h.owner, id: h.id, updates: kept.map { h.updates[$0] })
            }
        }
        return out
    }
}

extension HazardLedger.Hazard {
    /// A hazard with the given updates, in period order (as read back from a saved state).
    public init(owner: String, id: String, savedUpdates: [HazardLedger.Update]) {
        self.init(owner: owner, id: id, updates: savedUpdates)
    }
}
