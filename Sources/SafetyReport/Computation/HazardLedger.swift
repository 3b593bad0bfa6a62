// The hazard rectification ledger (SPEC §4): accepted hazard rows replayed period by period, per owning folder.

/// Every hazard id ever accepted, with its history of updates, so that the state of any hazard
/// can be asked at the end of any period. Hazard ids belong to the folder that submitted them.
/// The ledger does not reset at a new year.
public struct HazardLedger: Sendable, Equatable {
    /// A hazard compaction left as its id, registration and the period it was rectified in (no rows): closed before
    /// the year the ledger was compacted for and not mentioned since. Most hazards of a long history are such ones
    /// (99,000 of 140,000 at 2,000 villages × 36 months), and no figure of a report of that year or later reads them:
    /// they are not registered in the year, have no row, and were 已整改 at the end of every month the trend and
    /// "rectified in P" ask about. Only validation (their found_date; a row naming one is an update) and `apply` (a row
    /// reopens one) ask for them, so they are kept apart, 32 bytes each without the owner, and the roll-up does not
    /// walk them (see `workingHazards(owner:upTo:)`).
    struct ClosedHazard: Sendable, Equatable {
        let id: String
        let registeredIn: Period
        let registeredFoundDate: Day
        let rectifiedSince: Period
    }

    /// One accepted row for a hazard, and the period whose file carried it. The row is kept packed (see
    /// `PackedHazardRow`): the ledger is alive at the run's peak, and most of it is rows' text.
    public struct Update: Sendable, Equatable {
        public let period: Period
        /// The accepted row as the ledger keeps it (the report's ledger entries share its bytes).
        public let packed: PackedHazardRow
        /// The accepted row (unpacked on each call).
        public var row: HazardRow { packed.row }
        /// The row's status, without unpacking its text.
        public var status: HazardStatus { packed.status }
        public init(period: Period, row: HazardRow) { self.period = period; self.packed = PackedHazardRow(row) }
    }

    /// One hazard id of one owner, with its accepted rows in period order (at most one per period). A compacted
    /// hazard keeps only the rows later reports can ask about (see `compacted(forReportsFrom:)`).
    public struct Hazard: Sendable, Equatable {
        public let owner: String
        public let id: String
        /// The period in which the id was first accepted, whatever its found_date.
        public let registeredIn: Period
        /// The found_date the id was registered with.
        public let registeredFoundDate: Day
        /// Set when compaction dropped the rows up to this period because the last of them was 已整改: the
        /// hazard stays rectified from the end of this period until its next row, if any.
        public fileprivate(set) var rectifiedSince: Period? = nil
        public fileprivate(set) var updates: [Update]

        /// The latest update with period ≤ `q`; nil when the id was not yet registered at the end of `q`, or when
        /// compaction dropped that row (it was 已整改: see `rectifiedSince`).
        public func state(at q: Period) -> Update? {
            updates.last { $0.period <= q }
        }
        /// Registered by the end of `q` and its latest status is not 已整改.
        public func isOpen(at q: Period) -> Bool {
            guard let s = state(at: q) else { return false }
            return s.status != .rectified
        }
        /// Registered by the end of `q` and its latest status is 已整改.
        public func isRectified(at q: Period) -> Bool {
            if let s = state(at: q) { return s.status == .rectified }
            return rectifiedSince.map { $0 <= q } ?? false
        }
        /// An accepted row for this id was in `q`'s file.
        public func isMentioned(in q: Period) -> Bool {
            updates.contains { $0.period == q }
        }
    }

    /// owner → its hazards, sorted by id (ids unique by String `==`, as dictionary keys were). An array sized to
    /// its count, searched by bisection: the ledger is alive at the run's peak, and a dictionary per owner (its
    /// buckets as wide as a key and a hazard, at most three quarters full, grown by doubling) was twice its size.
    private var byOwner: [String: [Hazard]] = [:]
    /// owner → its closed hazards (see `ClosedHazard`), sorted by id; no id is in both tables of an owner.
    /// An owner's table is a run of `closedPart`'s records while none of it was named again (see `ClosedPart`).
    private var closedByOwner: [String: ClosedTable] = [:]
    /// The saved state's immutable part the closed tables were read from, if any (a save of its year reuses it).
    private(set) var closedPart: ClosedPart?

    public static func == (a: HazardLedger, b: HazardLedger) -> Bool { a.allHazards == b.allHazards }

    /// Where `id` is, or would go, in `table` (a working or a closed table, sorted by id).
    fileprivate static func position<Entry: HazardKeyed>(of id: String, in table: [Entry]) -> (index: Int, found: Bool) {
        var low = 0, high = table.count
        while low < high {
            let mid = (low + high) / 2
            if table[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return (low, low < table.count && table[low].id == id)
    }

    /// `position(of:in:)` in a closed table (a mapped one decodes only the ids it compares).
    fileprivate static func position(of id: String, in table: ClosedTable) -> (index: Int, found: Bool) {
        var low = 0, high = table.count
        while low < high {
            let mid = (low + high) / 2
            if table.id(at: mid) < id { low = mid + 1 } else { high = mid }
        }
        return (low, low < table.count && table.id(at: low) == id)
    }

    /// `table` in an array of exactly its size.
    private static func sized<T>(_ table: [T]) -> [T] {
        guard table.capacity > table.count else { return table }
        var out: [T] = []
        out.reserveCapacity(table.count)
        out.append(contentsOf: table)
        return out
    }

    public init() {}

    /// Replays one folder's accepted hazard rows of one period: a known id is updated (every field
    /// replaced; this may reopen a rectified hazard), a new id is registered in `period`.
    /// Periods are expected in order; applying a period again replaces that period's rows for the ids it names.
    public mutating func apply(period: Period, owner: String, rows: [HazardRow]) {
        // Taken out of byOwner while it changes, so it is the table's only reference and is mutated in place
        // (`var table = byOwner[owner]` copied the owner's whole table on every period).
        var table = byOwner.removeValue(forKey: owner) ?? []
        // Ids compared as Strings, as a Set compares them; a short list before a dictionary (`ClaimedIds`): a
        // hazards file holds a handful of rows, and the Set's allocation and hashing were a fifth of `apply`.
        var seen = ClaimedIds()
        var added: [Hazard] = []
        // The owner's closed table, taken out only when a row names one of its ids.
        var closed: [ClosedHazard]?
        for row in rows where seen.line(of: row.hazardId) == nil {
            seen.claim(row.hazardId, line: row.line)
            // Validation lets only the first row of an id through; the guard keeps "first claims" if it did not.
            let update = Update(period: period, row: row)
            let at = Self.position(of: row.hazardId, in: table)
            if at.found {
                table[at.index].put(update)  // in place: no copy of the hazard's rows
            } else if let c = Self.takeClosed(row.hazardId, owner: owner, from: &closed, in: &closedByOwner) {
                // A closed hazard named again (SPEC §4: an update may reopen it) becomes a working one, as it was
                // in the table before closed ones were kept apart: its registration and `rectifiedSince`, then the row.
                var h = Hazard(owner: owner, closed: c)
                h.put(update)
                added.append(h)
            } else {
                added.append(Hazard(owner: owner, id: row.hazardId, registeredIn: period,
                                    registeredFoundDate: row.foundDate, updates: [update]))
            }
        }
        if !added.isEmpty {
            // New ids are put in order once (not one insertion each: a file may register thousands), in the
            // table itself: copying it into a new array retained and released every hazard of the owner on every
            // period (~2 % of a cold run's reading CPU). The sort moves hazards without copying them, and finds
            // the table and the sorted additions as two runs to merge.
            added.sort { $0.id < $1.id }
            table.reserveCapacity(table.count + added.count)
            table += added
            table.sort { $0.id < $1.id }
        }
        byOwner[owner] = table
        if let closed, !closed.isEmpty { closedByOwner[owner] = ClosedTable(closed) }
    }

    /// Removes and returns the closed hazard `id` of `owner`; `closed` holds the owner's closed table once taken out
    /// of `tables` (put back by the caller). Taken out only when it holds the id: a table read from a saved state's
    /// closed part stays a run of the part's records (the next save leaves it to the part) until one is named again.
    private static func takeClosed(_ id: String, owner: String, from closed: inout [ClosedHazard]?,
                                   in tables: inout [String: ClosedTable]) -> ClosedHazard? {
        if closed == nil {
            guard let t = tables[owner], position(of: id, in: t).found else { return nil }
            closed = tables.removeValue(forKey: owner)!.array
        }
        let at = position(of: id, in: closed!)
        return at.found ? closed!.remove(at: at.index) : nil
    }

    /// Ids the owner has registered so far → the found_date each was registered with
    /// (validation rejects a later row for the id with a different found_date). The owner's table itself,
    /// searched by bisection: a dictionary built per file and month was ~5 % of a cold run's reading CPU
    /// (every registered id hashed and inserted, for the few ids a file names).
    public func knownFoundDates(owner: String) -> KnownFoundDates {
        KnownFoundDates(table: byOwner[owner] ?? [], closed: closedByOwner[owner] ?? ClosedTable([]))
    }

    /// One hazard, if the owner ever registered it.
    public func hazard(owner: String, id: String) -> Hazard? {
        if let table = byOwner[owner] {
            let at = Self.position(of: id, in: table)
            if at.found { return table[at.index] }
        }
        guard let closed = closedByOwner[owner] else { return nil }
        let at = Self.position(of: id, in: closed)
        return at.found ? Hazard(owner: owner, closed: closed[at.index]) : nil
    }

    /// The owner's hazards registered by the end of `q`, ordered by id (closed ones included).
    public func hazards(owner: String, upTo q: Period) -> [Hazard] {
        Self.merged(owner: owner, byOwner[owner] ?? [], closedByOwner[owner] ?? ClosedTable([])).filter { $0.registeredIn <= q }
    }

    /// The owner's hazards registered by the end of `q` that have a row, ordered by id: every hazard but the closed
    /// ones (see `ClosedHazard`), which add nothing to any figure of a report of the year the ledger was compacted
    /// for or later — the only reports it serves. What the roll-up walks.
    public func workingHazards(owner: String, upTo q: Period) -> [Hazard] {
        (byOwner[owner] ?? []).filter { $0.registeredIn <= q }
    }

    /// An owner's working and closed hazards as one table, ordered by id (the two hold no id in common).
    fileprivate static func merged(owner: String, _ live: [Hazard], _ closed: ClosedTable) -> [Hazard] {
        guard !closed.isEmpty else { return live }
        return mergedByID(live, closed, { $0 }, { Hazard(owner: owner, closed: $0) })
    }

    /// Two tables sorted by id and holding no id in common, as one sorted table: one merge, not a sort.
    static func mergedByID<A: RandomAccessCollection, B: RandomAccessCollection, Entry>(
        _ a: A, _ b: B, _ fromA: (A.Element) -> Entry, _ fromB: (B.Element) -> Entry
    ) -> [Entry] where A.Element: HazardKeyed, B.Element: HazardKeyed, A.Index == Int, B.Index == Int {
        var out: [Entry] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].id < b[j].id) {
                out.append(fromA(a[i])); i += 1
            } else {
                out.append(fromB(b[j])); j += 1
            }
        }
        return out
    }

    /// Lets go of every hazard of `owner` (the roll-up frees each owner's once its folder is done).
    public mutating func remove(owner: String) {
        byOwner.removeValue(forKey: owner)
        closedByOwner.removeValue(forKey: owner)
    }

    /// Every folder that has registered at least one hazard, sorted.
    public var owners: [String] { Set(byOwner.keys).union(closedByOwner.keys).sorted() }

    // MARK: Parallel replay and saved state

    /// Adds the hazards of owners this ledger does not hold yet (ledgers replayed per owner on
    /// different cores are merged this way; hazards belong to one owner, so nothing overlaps).
    /// Costs the other ledger's owners only: the cold replay merges 2,000 one-owner ledgers into one, and a set of
    /// every owner held, made again for each, was a quarter of a second on one core (n² hashes of owner codes).
    public mutating func merge(_ other: HazardLedger) {
        func held(_ owner: String) -> Bool { byOwner[owner] != nil || closedByOwner[owner] != nil }
        let newLive = other.byOwner.filter { !held($0.key) }
        let newClosed = other.closedByOwner.filter { !held($0.key) }
        for (owner, table) in newLive { byOwner[owner] = table }
        for (owner, table) in newClosed { closedByOwner[owner] = table }
    }

    /// Every hazard, by owner then id (a deterministic order for saving), read from the ledger as iterated:
    /// saving happens at the run's peak, where an array of every hazard would be several MB more.
    public var allHazards: AllHazards { AllHazards(byOwner: byOwner, closedByOwner: closedByOwner) }

    /// The ledger's hazards in saving order, one owner's ids sorted at a time (closed ones included).
    public struct AllHazards: Sequence, Sendable, Equatable {
        fileprivate let byOwner: [String: [Hazard]]
        fileprivate let closedByOwner: [String: ClosedTable]
        /// How many hazards the ledger holds.
        public var count: Int {
            byOwner.values.reduce(0) { $0 + $1.count } + closedByOwner.values.reduce(0) { $0 + $1.count }
        }
        public var underestimatedCount: Int { count }

        public func makeIterator() -> Iterator {
            Iterator(byOwner: byOwner, closedByOwner: closedByOwner,
                     owners: Set(byOwner.keys).union(closedByOwner.keys).sorted())
        }

        public struct Iterator: IteratorProtocol {
            let byOwner: [String: [Hazard]]
            let closedByOwner: [String: ClosedTable]
            let owners: [String]
            var owner = -1
            var table: [Hazard] = []
            var position = 0

            public mutating func next() -> Hazard? {
                while position >= table.count {
                    owner += 1
                    guard owner < owners.count else { return nil }
                    let code = owners[owner]
                    table = HazardLedger.merged(owner: code, byOwner[code] ?? [], closedByOwner[code] ?? ClosedTable([]))
                    position = 0
                }
                defer { position += 1 }
                return table[position]
            }
        }

        public static func == (a: AllHazards, b: AllHazards) -> Bool { a.count == b.count && a.elementsEqual(b) }
    }

    /// A ledger holding exactly `hazards` (as read back from a saved state).
    public init(hazards: [Hazard]) {
        for h in hazards { insert(h) }
        fitToSize()
    }

    /// Adds (or replaces) one hazard as it stands, e.g. as read back from a saved state.
    public mutating func insert(_ hazard: Hazard) {
        var table = byOwner.removeValue(forKey: hazard.owner) ?? []
        var closed = closedByOwner.removeValue(forKey: hazard.owner)?.array ?? []
        let at = Self.position(of: hazard.id, in: table)
        let atClosed = Self.position(of: hazard.id, in: closed)
        if at.found { table.remove(at: at.index) }
        if atClosed.found { closed.remove(at: atClosed.index) }
        if let c = hazard.closedForm {
            closed.insert(c, at: atClosed.index)
        } else {
            table.insert(hazard, at: at.index)
        }
        if !table.isEmpty { byOwner[hazard.owner] = table }
        if !closed.isEmpty { closedByOwner[hazard.owner] = ClosedTable(closed) }
    }

    /// Sets an owner's hazards, as read back from a saved state in saving order: `table` and `closed` sorted by id
    /// with no id twice (the caller checks), the owner holding none yet. One dictionary update per owner, where
    /// `insert` took the owner's tables out and put them back for each of its hazards.
    mutating func adopt(owner: String, table: [Hazard], closed: [ClosedHazard]) {
        if !table.isEmpty { byOwner[owner] = Self.sized(table) }
        if !closed.isEmpty { closedByOwner[owner] = ClosedTable(Self.sized(closed)) }
    }

    /// Gives every owner of `part` but those in `overriding` its run of the part's records as its closed table (a saved
    /// state read back: its own bytes hold the working hazards, and the closed ones of the owners named again since
    /// the part was written). False, leaving the ledger unusable, when such an owner already has a closed table.
    mutating func attach(_ part: ClosedPart, overriding: Set<String>) -> Bool {
        for (owner, range) in zip(part.owners, part.ranges) where !overriding.contains(owner) {
            guard closedByOwner[owner] == nil else { return false }
            if !range.isEmpty { closedByOwner[owner] = ClosedTable(part: part, records: range) }
        }
        closedPart = part
        return true
    }

    /// Lets go of every closed table, and of the part they were read from. The roll-up reads only the working
    /// hazards; held on to beside it, a saved state's part (one buffer every owner's run shares) lived until the
    /// roll-up and the save had both let go of its last owner, which made the split cost peak memory.
    public mutating func dropClosedTables() {
        closedByOwner = [:]
        closedPart = nil
    }

    /// For a save of `year` that leaves the ledger's part as it is: lets go of every owner's closed table that is still
    /// the part's run of records, and of the part's bytes, and gives the part's name and the owners whose run it holds
    /// (all the save needs of them). An owner with a working hazard that closes for `year` gets its run decoded into a
    /// table of its own (its closed hazards are written in the state then). Nil, and nothing changed, when the
    /// ledger was not read from a part of `year`. The ledger is then whole only with the part: for the save that
    /// consumes it.
    mutating func leaveRunsToPart(compactedFrom year: Int) -> (part: ClosedPartReference, runs: Set<String>)? {
        guard let part = closedPart, part.year == year else { return nil }
        var runs = Set<String>()
        var kept: [String: ClosedTable] = [:]
        for (owner, table) in closedByOwner {
            guard table.isRun(of: part) else { kept[owner] = table; continue }
            if (byOwner[owner] ?? []).contains(where: { $0.closesWhenCompacted(forReportsFrom: year) }) {
                kept[owner] = ClosedTable(table.array)
            } else {
                runs.insert(owner)
            }
        }
        closedByOwner = kept
        closedPart = nil
        return (part.reference, runs)
    }

    /// An owner's working and closed tables as they are (the save writes them).
    func tables(owner: String) -> (working: [Hazard], closed: ClosedTable?) {
        (byOwner[owner] ?? [], closedByOwner[owner])
    }

    /// Whether the ledger holds any hazard of `owner`.
    func holds(owner: String) -> Bool { byOwner[owner] != nil || closedByOwner[owner] != nil }

    /// Gives each owner's hazards an array of exactly their count (after `insert`s, which grow them by doubling).
    public mutating func fitToSize() {
        for owner in Array(byOwner.keys) {
            let table = byOwner.removeValue(forKey: owner)!
            byOwner[owner] = Self.sized(table)
        }
        for owner in Array(closedByOwner.keys) {
            let table = closedByOwner.removeValue(forKey: owner)!
            closedByOwner[owner] = table.fitted()
        }
    }

    /// The ledger reduced to what any report of a period in `year` or later can ask of it. A report of P asks
    /// a hazard for its registration (period and found_date: new, year-to-date, the ledger's 登记期 column, and
    /// validation's found_date rule), its row at the end of P, and whether it was 已整改 at the end of P−1 and
    /// of each earlier month of P's year (rectified in P, the trend chart) — never about a month before
    /// December of the previous year. So each hazard keeps its registration, every row of `year` on, and of the
    /// rows before `year` only the last, which is the hazard's state at the end of every month up to its next
    /// row. When that last row is 已整改, not even it is kept: `rectifiedSince` says the hazard was rectified
    /// from then on, which is all such a report can ask (a closed hazard is not listed, counted or carried
    /// over; a later row for it — an update may reopen it — starts from "rectified"). A hazard closed before
    /// `year` and not mentioned since is left as its id, registration and that period.
    /// Closed ones are kept apart (see `ClosedHazard`); compacting one again leaves it as it is.
    public func compacted(forReportsFrom year: Int) -> HazardLedger {
        var out = HazardLedger()
        out.closedByOwner = closedByOwner
        out.closedPart = closedPart
        for (owner, table) in byOwner {
            var live: [Hazard] = []
            var closed: [ClosedHazard] = []
            for hazard in table {
                let h = hazard.compacted(forReportsFrom: year)
                if let c = h.closedForm { closed.append(c) } else { live.append(h) }
            }
            if !live.isEmpty { out.byOwner[owner] = Self.sized(live) }
            if !closed.isEmpty {
                let before = out.closedByOwner[owner] ?? ClosedTable([])
                out.closedByOwner[owner] = ClosedTable(Self.mergedByID(before, closed, { $0 }, { $0 }))
            }
        }
        return out
    }
}

extension HazardLedger.Hazard {
    /// A closed hazard as a working one: its registration and `rectifiedSince`, no rows.
    init(owner: String, closed c: HazardLedger.ClosedHazard) {
        self.init(owner: owner, id: c.id, registeredIn: c.registeredIn, registeredFoundDate: c.registeredFoundDate,
                  rectifiedSince: c.rectifiedSince, updates: [])
    }

    /// This hazard as a closed one, when it is one: no rows, rectified since a period.
    var closedForm: HazardLedger.ClosedHazard? {
        guard updates.isEmpty, let r = rectifiedSince else { return nil }
        return HazardLedger.ClosedHazard(id: id, registeredIn: registeredIn, registeredFoundDate: registeredFoundDate,
                                         rectifiedSince: r)
    }

    /// A hazard as read back from a saved state: its registration, when it was last known rectified before its
    /// rows, and its rows in period order.
    public init(owner: String, id: String, registeredIn: Period, registeredFoundDate: Day, rectifiedSince: Period?,
                savedUpdates: [HazardLedger.Update]) {
        self.init(owner: owner, id: id, registeredIn: registeredIn, registeredFoundDate: registeredFoundDate,
                  rectifiedSince: rectifiedSince, updates: savedUpdates)
    }

    /// A hazard with every update from its registration, in period order.
    public init(owner: String, id: String, savedUpdates: [HazardLedger.Update]) {
        self.init(owner: owner, id: id, registeredIn: savedUpdates[0].period,
                  registeredFoundDate: savedUpdates[0].row.foundDate, rectifiedSince: nil, updates: savedUpdates)
    }

    /// Puts `update` in period order, replacing the row of its period if there is one.
    fileprivate mutating func put(_ update: HazardLedger.Update) {
        if let i = updates.firstIndex(where: { $0.period >= update.period }) {
            if updates[i].period == update.period { updates[i] = update } else { updates.insert(update, at: i) }
        } else {
            updates.append(update)
        }
    }

    /// Whether `compacted(forReportsFrom: year)` leaves this hazard closed (no rows), without making it.
    func closesWhenCompacted(forReportsFrom year: Int) -> Bool {
        guard let lastBefore = updates.lastIndex(where: { $0.period.year < year }) else {
            return updates.isEmpty && rectifiedSince != nil
        }
        return lastBefore == updates.count - 1 && updates[lastBefore].status == .rectified
    }

    /// See `HazardLedger.compacted(forReportsFrom:)`.
    public func compacted(forReportsFrom year: Int) -> HazardLedger.Hazard {
        var h = self
        guard let lastBefore = updates.lastIndex(where: { $0.period.year < year }) else { return h }
        let last = updates[lastBefore]
        if last.status == .rectified {
            h.rectifiedSince = last.period
            h.updates = Array(updates[(lastBefore + 1)...])
        } else {
            h.rectifiedSince = nil  // its rows answer every month from lastBefore on
            h.updates = Array(updates[lastBefore...])
        }
        return h
    }
}

/// Hazard ids a folder registered in earlier periods → the found_date each was registered with: the ledger's
/// table of the owner (sorted by id, looked up by bisection, with String's `<` and `==` as a dictionary's keys
/// compare), or a dictionary (tests, callers without a ledger).
public struct KnownFoundDates: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private let table: [HazardLedger.Hazard]
    /// The owner's closed hazards (no id in common with `table`).
    private let closed: ClosedTable
    private let extra: [String: Day]

    init(table: [HazardLedger.Hazard], closed: ClosedTable = ClosedTable([])) {
        self.table = table; self.closed = closed; extra = [:]
    }
    public init(_ dates: [String: Day]) { table = []; closed = ClosedTable([]); extra = dates }
    public init(dictionaryLiteral elements: (String, Day)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { first, _ in first }))
    }

    /// The found_date `id` was registered with; nil when the folder never registered it.
    public subscript(id: String) -> Day? {
        if !table.isEmpty {
            let at = HazardLedger.position(of: id, in: table)
            if at.found { return table[at.index].registeredFoundDate }
        }
        if !closed.isEmpty {
            let at = HazardLedger.position(of: id, in: closed)
            if at.found { return closed[at.index].registeredFoundDate }
        }
        return extra[id]
    }

    public var count: Int { table.count + closed.count + extra.count }
    public var isEmpty: Bool { count == 0 }

    /// Every id and its found_date, as a dictionary.
    public var dictionary: [String: Day] {
        var out = extra
        for h in table { out[h.id] = h.registeredFoundDate }
        for h in closed { out[h.id] = h.registeredFoundDate }
        return out
    }

    public static func == (a: KnownFoundDates, b: KnownFoundDates) -> Bool { a.dictionary == b.dictionary }
}

/// An entry of an owner's table, found by its hazard id (the working `Hazard`s and the `ClosedHazard`s).
protocol HazardKeyed { var id: String { get } }
extension HazardLedger.Hazard: HazardKeyed {}
extension HazardLedger.ClosedHazard: HazardKeyed {}
