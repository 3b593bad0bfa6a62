// A file's accepted rows in bounded memory: with a coder and a spill, encoded and written to the run's unlinked temporary file.

/// How one kind of row is written to the spill file and read back (compact: varints, length-prefixed UTF-8).
public struct RowCoder<Row>: Sendable {
    let encode: @Sendable (Row, inout [UInt8]) -> Void
    /// Reads one row at the position, which it moves past the row (the bytes are a whole chunk).
    let decodeBytes: @Sendable (UnsafeBufferPointer<UInt8>, inout Int) -> Row

    init(encode: @escaping @Sendable (Row, inout [UInt8]) -> Void,
         decode: @escaping @Sendable (UnsafeBufferPointer<UInt8>, inout Int) -> Row) {
        self.encode = encode; decodeBytes = decode
    }

    func decode(_ bytes: [UInt8], _ p: inout Int) -> Row { bytes.withUnsafeBufferPointer { decodeBytes($0, &p) } }
}

/// The accepted rows of one file, in file order, read back sequentially.
///
/// Without a spill or a coder (hazards and agreements, whose rows the ledger and the parties keep anyway;
/// tests) the rows are an array in memory. With both (trainings and inspections), each row is encoded as it
/// is appended and the encoded rows are written to the run's `IssueSpill` every `rowThreshold` rows or
/// 256 KB, so a file of a million rows keeps at most one such chunk in memory. Iterating reads the chunks
/// back one at a time. A write that fails (disk full) leaves the rows in memory and the spill's `failure`
/// set, which fails the run before anything is written; a read that fails ends the iteration early and
/// sets it too, which fails the run before the swap.
public struct AcceptedRows<Row: Sendable & Equatable>: Sequence, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Encoded bytes kept in memory before a chunk is written, whatever the rows' number.
    static var chunkBytes: Int { 256 * 1024 }

    /// One chunk in the spill file.
    struct Segment { var offset: Int64; var bytes: Int; var rows: Int }

    final class Storage: @unchecked Sendable {  // mutated only while uniquely referenced (copy on write)
        let spill: IssueSpill?
        let coder: RowCoder<Row>?
        let threshold: Int
        var memory: [Row] = []
        // The fields a spilling list touches for every row go without the run-time exclusivity check (its
        // bookkeeping was 1–2 % of a big file's `check`): the storage is only ever changed through a list that holds
        // its one reference (copy on write, `isKnownUniquelyReferenced`), so no two accesses can overlap.
        /// Encoded rows not yet written (spilling lists only), `pendingCount` bytes of `pendingCapacity` at
        /// `pendingBase`: memory of its own rather than an array, so the row writers write a row's bytes in place
        /// (`writePending`). Through an array they went to scratch memory first, then were appended by a call that
        /// checked the array's uniqueness and capacity and copied them (~3 % of a big trainings file's `check`).
        @exclusivity(unchecked) var pendingBase: UnsafeMutablePointer<UInt8>?
        @exclusivity(unchecked) var pendingCount = 0
        @exclusivity(unchecked) var pendingCapacity = 0
        @exclusivity(unchecked) var pendingRows = 0
        var segments: [Segment] = []
        @exclusivity(unchecked) var count = 0

        /// Whether rows are encoded (`coder` is set): a flag to test per row, where reading the optional coder through an
        /// unowned reference copied it (a retain and release of its two closures).
        let encodes: Bool

        init(spill: IssueSpill?, coder: RowCoder<Row>?) {
            self.spill = coder == nil ? nil : spill
            self.coder = spill == nil ? nil : coder
            encodes = spill != nil && coder != nil
            threshold = Swift.max(1, spill?.rowThreshold ?? 1)
        }

        deinit { pendingBase?.deallocate() }

        /// The encoded rows not yet written; valid until the next write.
        var pending: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: pendingBase, count: pendingCount) }

        /// Runs `body` with a cursor over room for `room` bytes after the pending ones, and keeps what it wrote.
        @inline(__always)
        func writePending(room: Int, _ body: (inout RowCoding.ByteCursor) -> Void) {
            if pendingCapacity - pendingCount < room { growPending(room) }
            var w = RowCoding.ByteCursor(base: pendingBase! + pendingCount, limit: room)
            body(&w)
            pendingCount &+= w.count
        }

        /// Appends bytes encoded elsewhere (a row through its coder, a copy's pending bytes).
        func appendPending(_ bytes: UnsafeBufferPointer<UInt8>) {
            writePending(room: bytes.count) { w in w.raw(bytes) }
        }

        /// Room for `room` more bytes: the capacity doubled at least (a chunk is written at 256 KB, so it
        /// settles there). It starts small: a town keeps thousands of these lists alive at once (most of a few
        /// rows), and a 1 KB start raised a cold 2,000 × 12 run's heap peak by 2.7 MB (heaptrack, 46.04 → 43.36 MB).
        @inline(never)
        private func growPending(_ room: Int) {
            let capacity = Swift.max(pendingCapacity * 2, pendingCount + room, 64)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            if let old = pendingBase {
                bigger.update(from: old, count: pendingCount)
                old.deallocate()
            }
            pendingBase = bigger
            pendingCapacity = capacity
        }

        func copy() -> Storage {
            let s = Storage(spill: spill, coder: coder)
            s.memory = memory; s.pendingRows = pendingRows; s.segments = segments; s.count = count
            if pendingCount > 0 { s.appendPending(pending) }
            return s
        }

        func flush() {
            guard let spill, pendingRows > 0, spill.failure == nil, let offset = spill.append(UnsafeRawBufferPointer(pending)) else { return }
            segments.append(Segment(offset: offset, bytes: pendingCount, rows: pendingRows))
            pendingCount = 0
            pendingRows = 0
        }
    }

    var storage: Storage

    /// An empty list; with a spill and a coder its rows go to the spill, otherwise they stay in memory.
    public init(spill: IssueSpill? = nil, coder: RowCoder<Row>? = nil) { storage = Storage(spill: spill, coder: coder) }

    /// The rows, in memory.
    public init(_ rows: [Row]) {
        storage = Storage(spill: nil, coder: nil)
        storage.memory = rows
        storage.count = rows.count
    }

    public init(arrayLiteral elements: Row...) { self.init(elements) }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    public var underestimatedCount: Int { storage.count }
    /// Whether the rows go to a spill file (else they are in memory).
    var spills: Bool { storage.coder != nil }
    /// The first row.
    public var first: Row? { var it = makeIterator(); return it.next() }
    /// The rows as an array: the in-memory array itself (shared, not copied), or every spilled row read back.
    public var elements: [Row] { spills ? Array(self) : storage.memory }

    /// Room for `n` rows in memory; nothing for a spilling list (its memory does not grow with its rows).
    public mutating func reserveCapacity(_ n: Int) {
        guard !spills else { return }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.memory.reserveCapacity(n)
    }

    /// Drops the unused capacity a reservation left (an estimate may be far above the rows accepted).
    mutating func trim() {
        guard !spills, storage.memory.capacity > storage.memory.count + storage.memory.count / 8 + 16 else { return }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.memory = storage.memory.withUnsafeBufferPointer { Array($0) }
    }

    public mutating func append(_ row: Row) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let s = storage
        s.count += 1
        guard let coder = s.coder else { s.memory.append(row); return }
        var bytes: [UInt8] = []
        coder.encode(row, &bytes)
        bytes.withUnsafeBufferPointer { s.appendPending($0) }
        s.pendingRows += 1
        if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
    }

    /// Appends the row a draft stands for: a spilling list encodes the draft straight into its pending
    /// bytes (the same bytes the coder writes for `draft.row`, without making the row's Strings); a list in
    /// memory keeps `draft.row`.
    @inline(__always)
    mutating func append<Draft: RowDraft>(draft: Draft) where Draft.Row == Row {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let s = storage
        s.count += 1
        guard s.coder != nil else { s.memory.append(draft.row); return }
        var out = PendingBytes<Row>(storage: Unmanaged.passUnretained(s))
        draft.encode(&out)
        s.pendingRows += 1
        if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
    }

    public func makeIterator() -> Iterator { Iterator(storage: storage) }

    /// Reads the rows back in order, one chunk at a time.
    public struct Iterator: IteratorProtocol {
        let storage: Storage
        var memoryIndex = 0
        var segmentIndex = 0
        var pendingDone = false
        var buffer: [UInt8] = []
        var position = 0
        var rowsLeft = 0

        public mutating func next() -> Row? {
            guard let coder = storage.coder, let spill = storage.spill else {
                guard memoryIndex < storage.memory.count else { return nil }
                memoryIndex += 1
                return storage.memory[memoryIndex - 1]
            }
            while rowsLeft == 0 {
                if segmentIndex < storage.segments.count {
                    let s = storage.segments[segmentIndex]
                    segmentIndex += 1
                    guard let bytes = spill.read(offset: s.offset, count: s.bytes) else { return nil }
                    buffer = bytes; position = 0; rowsLeft = s.rows
                } else if !pendingDone {
                    pendingDone = true
                    buffer = Array(storage.pending); position = 0; rowsLeft = storage.pendingRows
                } else {
                    buffer = []
                    return nil
                }
            }
            rowsLeft -= 1
            return buffer.withUnsafeBufferPointer { coder.decodeBytes($0, &position) }
        }
    }

    public static func == (a: AcceptedRows, b: AcceptedRows) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

extension RowCoder where Row == TrainingRow {
    /// line, participants, group, theme, hours, materials, date, form, audience (`TrainingDraft.encode`).
    public static let trainings = RowCoder(
        encode: { r, out in TrainingDraft(r).encode(&out) },
        decode: { b, p in
            let line = RowCoding.readInt(b, &p), participants = RowCoding.readInt(b, &p)
            let group = RowCoding.readOptionalString(b, &p), theme = RowCoding.readString(b, &p)
            p += 1
            let hours = b[p - 1] == 1 ? Double(bitPattern: RowCoding.readFixed64(b, &p)) : nil
            p += 1
            let materials = b[p - 1] == 1 ? RowCoding.readInt(b, &p) : nil
            let date = RowCoding.readDay(b, &p)
            // The coder wrote both codes (`TrainingDraft.encode`), so they are in range.
            let form = TrainingForm(ordinal: Int(b[p]))!
            let audienceCode = Int(b[p + 1])
            p += 2
            let audience = audienceCode == 0 ? nil : Audience(ordinal: audienceCode - 1)!
            return TrainingRow(line: line, date: date, groupCode: group, form: form, theme: theme, audience: audience,
                               participants: participants, hours: hours, materials: materials)
        })
}

extension RowCoder where Row == InspectionRow {
    /// line, date, group, inspector, scope, hazards found and as written (`InspectionDraft.encode`).
    public static let inspections = RowCoder(
        encode: { r, out in InspectionDraft(r).encode(&out) },
        decode: { b, p in
            let line = RowCoding.readInt(b, &p), date = RowCoding.readDay(b, &p), group = RowCoding.readOptionalString(b, &p)
            let inspector = RowCoding.readString(b, &p), scope = RowCoding.readString(b, &p)
            let found = RowCoding.readInt(b, &p), text = RowCoding.readString(b, &p)
            return InspectionRow(line: line, date: date, groupCode: group, inspector: inspector, scope: scope,
                                 hazardsFound: found, hazardsFoundText: text)
        })
}

// MARK: What the roll-up reads, from the spilled bytes

/// The fields of an accepted inspection or training row that SPEC §4's counts read: its day of the month
/// (the inspection halves), its group and its participants (0 for an inspection).
struct RollUpFields: Equatable {
    var day: Int
    var groupCode: String?
    var participants: Int
}

/// What the roll-up counts of every row of a file, in the rows' order: their number, their participants summed
/// (saturating, as `Figures.countTraining` sums them) and the rows dated in the first half of the month (days 1–15, as
/// `Figures.countInspection` splits them). Counted in the walk itself, so a row with no group code (nearly every row)
/// costs no call of the roll-up's closure and no `RollUpFields` with its optional String (`forEachRollUp`).
struct RollUpTally: Equatable {
    var rows = 0
    var participants = 0
    var firstHalf = 0

    @inline(__always)
    mutating func count(day: Int, participants: Int) {
        rows &+= 1
        self.participants = self.participants.saturatingAdding(participants)
        if day <= 15 { firstHalf &+= 1 }
    }
}

/// A row whose roll-up fields can be read from its spilled encoding without decoding the rest of it.
protocol RollUpReadable {
    /// The fields, from the row.
    var rollUpFields: RollUpFields { get }
    /// The fields of the row encoded at `p`, moving `p` past the whole row exactly as the row coder's decode does.
    static func rollUpFields(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> RollUpFields
    /// The row encoded at `p` counted into `tally` and `p` moved past it, when it has no group code; false (nothing
    /// counted, `p` anywhere inside the row) when it has one. Reads as `rollUpFields` does.
    static func tallyUngrouped(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ tally: inout RollUpTally) -> Bool
}

extension AcceptedRows where Row: RollUpReadable {
    /// Calls `body` with each row's roll-up fields, in order: a spilling list reads them from each chunk's bytes
    /// (no row, no String for the text cells: decoding every row for two numbers was ~9 % of a big file's
    /// `check`), a list in memory from its rows. A chunk that cannot be read back ends it early, as iterating does
    /// (the spill's `failure` is set and fails the run).
    func forEachRollUpFields(_ body: (RollUpFields) -> Void) {
        let s = storage
        guard s.coder != nil, let spill = s.spill else {
            for row in s.memory { body(row.rollUpFields) }
            return
        }
        func walk(_ b: UnsafeBufferPointer<UInt8>, rows: Int) {
            var p = 0
            for _ in 0..<rows { body(Row.rollUpFields(b, &p)) }
        }
        for segment in s.segments {
            guard let bytes = spill.read(offset: segment.offset, count: segment.bytes) else { return }
            bytes.withUnsafeBufferPointer { walk($0, rows: segment.rows) }
        }
        walk(s.pending, rows: s.pendingRows)
    }

    /// Every row counted into `tally`, in order, and the roll-up fields of each row with a group code (its group's
    /// figures) handed to `grouped`, in order: what `forEachRollUpFields` gives, with the whole file's counts taken
    /// in the walk. Through `forEachRollUpFields`, each row of a big file was a call of the roll-up's closure with its
    /// `RollUpFields` (an optional String to pass and release), ~130 instructions a row of a big trainings file's
    /// `check` with the walk; a row without a group code is now its skips and three adds (thirteenth session).
    func forEachRollUp(_ tally: inout RollUpTally, grouped: (RollUpFields) -> Void) {
        let s = storage
        guard s.coder != nil, let spill = s.spill else {
            for row in s.memory {
                let fields = row.rollUpFields
                tally.count(day: fields.day, participants: fields.participants)
                if fields.groupCode != nil { grouped(fields) }
            }
            return
        }
        func walk(_ b: UnsafeBufferPointer<UInt8>, rows: Int, _ t: inout RollUpTally) {
            var p = 0
            for _ in 0..<rows {
                let start = p
                if Row.tallyUngrouped(b, &p, &t) { continue }
                p = start
                let fields = Row.rollUpFields(b, &p)
                t.count(day: fields.day, participants: fields.participants)
                grouped(fields)
            }
        }
        for segment in s.segments {
            guard let bytes = spill.read(offset: segment.offset, count: segment.bytes) else { return }
            bytes.withUnsafeBufferPointer { walk($0, rows: segment.rows, &tally) }
        }
        walk(s.pending, rows: s.pendingRows, &tally)
    }
}

extension TrainingRow: RollUpReadable {
    var rollUpFields: RollUpFields { RollUpFields(day: date.day, groupCode: groupCode, participants: participants) }

    /// Follows `RowCoder.trainings`' decode field by field, skipping the theme, hours, materials, form and audience.
    /// The line and materials are skipped, not summed up, and the date gives its day of the month alone (no `Day`
    /// made and checked again: the coder wrote a valid one): the day, the absent group and the varints were about
    /// as many instructions as the rest of the walk (callgrind of a big file's `check`).
    @inline(__always)
    static func rollUpFields(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> RollUpFields {
        RowCoding.skipVarint(b, &p)  // line
        let participants = RowCoding.readInt(b, &p)
        let group = RowCoding.readOptionalStringOrNil(b, &p)
        RowCoding.skipString(b, &p)  // theme
        p += 1
        if b[p - 1] == 1 { p += 8 }  // hours
        p += 1
        if b[p - 1] == 1 { RowCoding.skipVarint(b, &p) }  // materials
        let day = RowCoding.readDayOfMonth(b, &p)
        p += 2  // form, audience
        return RollUpFields(day: day, groupCode: group, participants: participants)
    }

    /// `rollUpFields`' reads for a row with no group code, counted into `tally` (`forEachRollUp`).
    @inline(__always)
    static func tallyUngrouped(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ tally: inout RollUpTally) -> Bool {
        RowCoding.skipVarint(b, &p)  // line
        let participants = RowCoding.readInt(b, &p)
        guard b[p] == 0 else { return false }  // a group code
        p &+= 1
        RowCoding.skipString(b, &p)  // theme
        let hours = b[p]
        p &+= hours == 1 ? 9 : 1
        let materials = b[p]
        p &+= 1
        if materials == 1 { RowCoding.skipVarint(b, &p) }
        let day = RowCoding.readDayOfMonth(b, &p)
        p &+= 2  // form, audience
        tally.count(day: day, participants: participants)
        return true
    }
}

/// An inspection row whose every cell was plain (`RowCells.plainInspection`): trivial fields only, as `PlainTraining`.
struct PlainInspection {
    var line: Int, date: Day
    /// The inspector's and scope's bytes as the reader lent them (nothing to trim; the scope may be empty), and the
    /// hazards found as written (plain digits, so also its text): valid while the record is lent.
    var inspector: UnsafeBufferPointer<UInt8>, scope: UnsafeBufferPointer<UInt8>, hazardsFoundText: UnsafeBufferPointer<UInt8>
    var hazardsFound: Int

    /// The draft the general path makes of the same row.
    var draft: InspectionDraft {
        InspectionDraft(line: line, date: date, groupCode: nil, inspector: .bytes(inspector), scope: .bytes(scope),
                        hazardsFound: hazardsFound, hazardsFoundText: String(decoding: hazardsFoundText, as: UTF8.self))
    }

    /// Exactly the bytes `InspectionDraft.encode` writes for `draft` (`ReadingEleventhPassTests`).
    @inline(__always)
    func encode(into out: inout some RowBytesOut) {
        // At most 10 bytes a varint (line, year, the three lengths, the count) and the two of month and day, one of the
        // group: 73 bytes besides the cells', for 80 asked.
        out.write(room: 80 + inspector.count + scope.count + hazardsFoundText.count) { w in
            precondition(w.limit >= 73 + inspector.count + scope.count + hazardsFoundText.count)
            w.uncheckedInt(line); w.uncheckedDay(date)
            w.uncheckedByte(0)  // no group code
            w.uncheckedVarint(UInt64(inspector.count)); w.raw(inspector)
            w.uncheckedVarint(UInt64(scope.count)); w.raw(scope)
            w.uncheckedInt(hazardsFound)
            w.uncheckedVarint(UInt64(hazardsFoundText.count)); w.raw(hazardsFoundText)
        }
    }
}

extension AcceptedRows where Row == InspectionRow {
    /// Appends a plain inspection (`PlainInspection`), as `takeInspection` appends the same row's fields.
    @inline(__always)
    mutating func takePlainInspection(_ row: PlainInspection) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        guard storage.encodes else { append(draft: row.draft); return }
        Unmanaged.passUnretained(storage)._withUnsafeGuaranteedRef { s in
            s.count &+= 1
            var out = PendingBytes<InspectionRow>(storage: Unmanaged.passUnretained(s))
            row.encode(into: &out)
            s.pendingRows &+= 1
            if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
        }
    }

    /// Appends an accepted inspection from its fields: a spilling list encodes them where they were validated,
    /// with no `InspectionDraft` made (returned and bound as an optional, the draft was copied through its value
    /// witness, ~5 % of a big inspections file's `check`, as the training draft was).
    @inline(__always)
    mutating func takeInspection(line: Int, date: Day, groupCode: String?, inspector: CellText, scope: CellText,
                                 hazardsFound: Int, hazardsFoundText: String) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        guard storage.encodes else {
            append(draft: InspectionDraft(line: line, date: date, groupCode: groupCode, inspector: inspector, scope: scope,
                                          hazardsFound: hazardsFound, hazardsFoundText: hazardsFoundText))
            return
        }
        // Borrowed, not retained, as in `takeTraining`.
        Unmanaged.passUnretained(storage)._withUnsafeGuaranteedRef { s in
            s.count += 1
            var out = PendingBytes<InspectionRow>(storage: Unmanaged.passUnretained(s))
            InspectionDraft.encode(line: line, date: date, groupCode: groupCode, inspector: inspector, scope: scope,
                                   hazardsFound: hazardsFound, hazardsFoundText: hazardsFoundText, into: &out)
            s.pendingRows += 1
            if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
        }
    }

    /// Each row's date and hazards found, in order, for the cross-check's sums: a spilling list reads them from its
    /// bytes without making the rows (three Strings each), following `RowCoder.inspections`' decode. A chunk that
    /// cannot be read back ends it early, as iterating does (the spill's `failure` is set and fails the run).
    func forEachDateAndHazardsFound(_ body: (Day, Int) -> Void) {
        let s = storage
        guard s.coder != nil, let spill = s.spill else {
            for row in s.memory { body(row.date, row.hazardsFound) }
            return
        }
        func walk(_ b: UnsafeBufferPointer<UInt8>, rows: Int) {
            var p = 0
            for _ in 0..<rows {
                RowCoding.skipVarint(b, &p)  // line
                let date = RowCoding.readDay(b, &p)
                let group = Int(RowCoding.readVarint(b, &p))  // 0 for none, else its length + 1
                if group > 0 { p += group - 1 }
                RowCoding.skipString(b, &p); RowCoding.skipString(b, &p)  // inspector, scope
                let found = RowCoding.readInt(b, &p)
                RowCoding.skipString(b, &p)  // as written
                body(date, found)
            }
        }
        for segment in s.segments {
            guard let bytes = spill.read(offset: segment.offset, count: segment.bytes) else { return }
            bytes.withUnsafeBufferPointer { walk($0, rows: segment.rows) }
        }
        walk(s.pending, rows: s.pendingRows)
    }
}

extension InspectionRow: RollUpReadable {
    var rollUpFields: RollUpFields { RollUpFields(day: date.day, groupCode: groupCode, participants: 0) }

    /// Follows `RowCoder.inspections`' decode field by field, skipping the inspector, scope and hazards found
    /// (as the trainings' walk does, the date read as its day of the month alone).
    @inline(__always)
    static func rollUpFields(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> RollUpFields {
        RowCoding.skipVarint(b, &p)  // line
        let day = RowCoding.readDayOfMonth(b, &p)
        let group = RowCoding.readOptionalStringOrNil(b, &p)
        RowCoding.skipString(b, &p); RowCoding.skipString(b, &p)  // inspector, scope
        RowCoding.skipVarint(b, &p)  // hazards found
        RowCoding.skipString(b, &p)  // as written
        return RollUpFields(day: day, groupCode: group, participants: 0)
    }

    /// `rollUpFields`' reads for a row with no group code, counted into `tally` (`forEachRollUp`).
    @inline(__always)
    static func tallyUngrouped(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int, _ tally: inout RollUpTally) -> Bool {
        RowCoding.skipVarint(b, &p)  // line
        let day = RowCoding.readDayOfMonth(b, &p)
        guard b[p] == 0 else { return false }  // a group code
        p &+= 1
        RowCoding.skipString(b, &p); RowCoding.skipString(b, &p)  // inspector, scope
        RowCoding.skipVarint(b, &p)  // hazards found
        RowCoding.skipString(b, &p)  // as written
        tally.count(day: day, participants: 0)
        return true
    }
}

// MARK: Rows encoded straight from the cells

/// A validated row before it is a row: what a spilling list encodes directly (its text cells as the reader's
/// bytes, no String made), and what a list in memory turns into the row.
protocol RowDraft {
    associatedtype Row
    /// The row, with Strings (lists in memory, tests).
    var row: Row { get }
    /// Appends exactly the bytes `RowCoder` writes for `row`.
    func encode<Out: RowBytesOut>(_ out: inout Out)
}

/// Where the row writers put a row's bytes: an array (the coders, tests) or a spilling list's pending chunk.
protocol RowBytesOut {
    /// Runs `body` with a cursor over room for `room` bytes at the end, keeping what it writes.
    mutating func write(room: Int, _ body: (inout RowCoding.ByteCursor) -> Void)
}

extension Array: RowBytesOut where Element == UInt8 {
    @inline(__always)
    mutating func write(room: Int, _ body: (inout RowCoding.ByteCursor) -> Void) { RowCoding.write(&self, room: room, body) }
}

/// A spilling list's pending chunk, written in place (`AcceptedRows.Storage.writePending`).
struct PendingBytes<Row: Sendable & Equatable>: RowBytesOut {
    /// Unmanaged: a writer lives for one row's encoding, inside a method of the list that holds the storage, so the
    /// storage outlives it. Held strongly it was retained and released for every row; held `unowned(unsafe)`, every
    /// use was a retain and a release as well (callgrind of a big trainings file's `check`).
    let storage: Unmanaged<AcceptedRows<Row>.Storage>
    @inline(__always)
    func write(room: Int, _ body: (inout RowCoding.ByteCursor) -> Void) {
        storage._withUnsafeGuaranteedRef { $0.writePending(room: room, body) }
    }
}

/// Where a validator hands an accepted training row's fields: a list of accepted rows (which encodes them), or an
/// optional draft (tests). Generic rather than a closure, and fields rather than a draft: a spilling list encodes
/// the fields where they were validated, with no `TrainingDraft` made — copying and destroying the draft through
/// its value witness (its text and group code are not trivial to copy) was ~4 % of a big trainings file's `check`.
protocol DraftSink {
    associatedtype Draft
    mutating func take(_ draft: Draft)
    mutating func takeTraining(line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?,
                               materials: Int?, date: Day, form: TrainingForm, audience: Audience?)
    /// A training row read whole from plain cells (`RowCells.plainTraining`): the same row as `takeTraining` with no
    /// group code, the theme as the record's bytes and no hours.
    mutating func takePlainTraining(_ row: PlainTraining)
}

/// A training row whose every cell was plain (`RowCells.plainTraining`): only trivial fields (no String, no
/// `CellText`, no `Parsed`), so handing it to the list and encoding it retains and releases nothing. The general
/// path's optionals and text cells were three `swift_bridgeObjectRelease`s, a retain and three outlined destroys per
/// row (~75 instructions a row of a big file), though for such a row each holds nothing.
struct PlainTraining {
    var line: Int, date: Day
    /// `TrainingForm.ordinal`; the spill's code for the audience (0 for none, else its ordinal + 1).
    var form: UInt8, audience: UInt8
    /// The theme's bytes as the reader lent them (never empty, nothing to trim): valid while the record is lent.
    var theme: UnsafeBufferPointer<UInt8>
    var participants: Int
    var materials: Int?

    /// The draft the general path makes of the same row.
    var draft: TrainingDraft {
        TrainingDraft(line: line, participants: participants, groupCode: nil, theme: .bytes(theme), hours: nil,
                      materials: materials, date: date, form: TrainingForm(ordinal: Int(form))!,
                      audience: audience == 0 ? nil : Audience(ordinal: Int(audience) - 1)!)
    }

    /// Exactly the bytes `TrainingDraft.encode` writes for `draft` (`PlainTrainingTests`).
    @inline(__always)
    func encode(into out: inout some RowBytesOut) {
        // Room for every varint at its longest (10 bytes), the theme and its length, and the single bytes: the cursor
        // checks it once here rather than for every byte.
        out.write(room: 80 + theme.count) { w in
            precondition(w.limit >= 57 + theme.count)
            w.uncheckedInt(line); w.uncheckedInt(participants)
            w.uncheckedByte(0)  // no group code
            w.uncheckedVarint(UInt64(theme.count)); w.raw(theme)
            w.uncheckedByte(0)  // no hours
            if let m = materials { w.uncheckedByte(1); w.uncheckedInt(m) } else { w.uncheckedByte(0) }
            w.uncheckedDay(date)
            w.uncheckedByte(form)
            w.uncheckedByte(audience)
        }
    }
}

extension AcceptedRows: DraftSink where Row == TrainingRow {
    @inline(__always) mutating func take(_ draft: TrainingDraft) { append(draft: draft) }

    @inline(__always)
    mutating func takeTraining(line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?,
                               materials: Int?, date: Day, form: TrainingForm, audience: Audience?) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        guard storage.encodes else {
            take(TrainingDraft(line: line, participants: participants, groupCode: groupCode, theme: theme, hours: hours,
                               materials: materials, date: date, form: form, audience: audience))
            return
        }
        // Borrowed, not retained: `self` holds the storage for the whole call (a strong copy here and one in the
        // writer were a retain of two and two releases per row).
        Unmanaged.passUnretained(storage)._withUnsafeGuaranteedRef { s in
            s.count += 1
            var out = PendingBytes<TrainingRow>(storage: Unmanaged.passUnretained(s))
            TrainingDraft.encode(line: line, participants: participants, groupCode: groupCode, theme: theme, hours: hours,
                                 materials: materials, date: date, form: form, audience: audience, into: &out)
            s.pendingRows += 1
            if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
        }
    }

    @inline(__always)
    mutating func takePlainTraining(_ row: PlainTraining) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        guard storage.encodes else { take(row.draft); return }
        Unmanaged.passUnretained(storage)._withUnsafeGuaranteedRef { s in
            s.count &+= 1
            var out = PendingBytes<TrainingRow>(storage: Unmanaged.passUnretained(s))
            row.encode(into: &out)
            s.pendingRows &+= 1
            if s.pendingRows >= s.threshold || s.pendingCount >= Self.chunkBytes { s.flush() }
        }
    }
}

extension Optional: DraftSink where Wrapped == TrainingDraft {
    mutating func take(_ draft: TrainingDraft) { self = draft }
    mutating func takePlainTraining(_ row: PlainTraining) { self = row.draft }

    mutating func takeTraining(line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?,
                               materials: Int?, date: Day, form: TrainingForm, audience: Audience?) {
        self = TrainingDraft(line: line, participants: participants, groupCode: groupCode, theme: theme, hours: hours,
                             materials: materials, date: date, form: form, audience: audience)
    }
}


/// A text cell of a draft: its trimmed bytes as the reader lent them (valid only while the record is lent),
/// or a String where trimming needed the Character walk. A struct, not an enum: a draft is copied a few
/// times per row, and an enum with a String payload was copied through its value witness (5 % of a big file).
struct CellText {
    private let lent: UnsafeBufferPointer<UInt8>
    private let owned: String?

    static func bytes(_ b: UnsafeBufferPointer<UInt8>) -> CellText { CellText(lent: b, owned: nil) }
    static func string(_ s: String) -> CellText { CellText(lent: UnsafeBufferPointer(start: nil, count: 0), owned: s) }

    /// Whether it is the reader's bytes (no String made).
    var isLent: Bool { owned == nil }
    var string: String { owned ?? String(decoding: lent, as: UTF8.self) }
    var isEmpty: Bool { owned?.isEmpty ?? lent.isEmpty }
    /// Its UTF-8 length, for sizing an encoding.
    var utf8Count: Int { owned?.utf8.count ?? lent.count }
    func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard var s = owned else { return body(lent) }
        return s.withUTF8(body)
    }
}

/// A training row with its theme as a `CellText`.
struct TrainingDraft: RowDraft {
    var line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?, materials: Int?
    var date: Day, form: TrainingForm, audience: Audience?

    init(line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?, materials: Int?,
         date: Day, form: TrainingForm, audience: Audience?) {
        self.line = line; self.participants = participants; self.groupCode = groupCode; self.theme = theme
        self.hours = hours; self.materials = materials; self.date = date; self.form = form; self.audience = audience
    }
    init(_ r: TrainingRow) {
        self.init(line: r.line, participants: r.participants, groupCode: r.groupCode, theme: .string(r.theme),
                  hours: r.hours, materials: r.materials, date: r.date, form: r.form, audience: r.audience)
    }

    var row: TrainingRow {
        TrainingRow(line: line, date: date, groupCode: groupCode, form: form, theme: theme.string, audience: audience,
                    participants: participants, hours: hours, materials: materials)
    }

    func encode<Out: RowBytesOut>(_ out: inout Out) {
        Self.encode(line: line, participants: participants, groupCode: groupCode, theme: theme, hours: hours,
                    materials: materials, date: date, form: form, audience: audience, into: &out)
    }

    /// A draft's encoding from its fields (what `encode` writes), for a sink that never makes the draft.
    @inline(__always)
    static func encode(line: Int, participants: Int, groupCode: String?, theme: CellText, hours: Double?, materials: Int?,
                       date: Day, form: TrainingForm, audience: Audience?, into out: inout some RowBytesOut) {
        var group = groupCode
        let room = 80 + theme.utf8Count + (group?.utf8.count ?? 0)
        let form = UInt8(form.ordinal), audience = audience.map { UInt8($0.ordinal + 1) } ?? 0
        theme.withUTF8 { themeBytes in
            out.write(room: room) { w in
                w.int(line); w.int(participants)
                if group != nil { group!.withUTF8 { w.optionalBytes($0) } } else { w.byte(0) }
                w.bytes(themeBytes)
                if let h = hours { w.byte(1); w.fixed64(h.bitPattern) } else { w.byte(0) }
                if let m = materials { w.byte(1); w.int(m) } else { w.byte(0) }
                w.day(date)
                w.byte(form)
                w.byte(audience)
            }
        }
    }
}

/// An inspection row with its inspector and scope as `CellText`s (hazards_found as written stays a String:
/// digits are a small String, no allocation).
struct InspectionDraft: RowDraft {
    var line: Int, date: Day, groupCode: String?, inspector: CellText, scope: CellText, hazardsFound: Int
    var hazardsFoundText: String

    init(line: Int, date: Day, groupCode: String?, inspector: CellText, scope: CellText, hazardsFound: Int,
         hazardsFoundText: String) {
        self.line = line; self.date = date; self.groupCode = groupCode; self.inspector = inspector; self.scope = scope
        self.hazardsFound = hazardsFound; self.hazardsFoundText = hazardsFoundText
    }
    init(_ r: InspectionRow) {
        self.init(line: r.line, date: r.date, groupCode: r.groupCode, inspector: .string(r.inspector), scope: .string(r.scope),
                  hazardsFound: r.hazardsFound, hazardsFoundText: r.hazardsFoundText)
    }

    var row: InspectionRow {
        InspectionRow(line: line, date: date, groupCode: groupCode, inspector: inspector.string, scope: scope.string,
                      hazardsFound: hazardsFound, hazardsFoundText: hazardsFoundText)
    }

    @inline(__always)
    func encode<Out: RowBytesOut>(_ out: inout Out) {
        Self.encode(line: line, date: date, groupCode: groupCode, inspector: inspector, scope: scope,
                    hazardsFound: hazardsFound, hazardsFoundText: hazardsFoundText, into: &out)
    }

    /// A draft's encoding from its fields (what `encode` writes), for a list that never makes the draft.
    @inline(__always)
    static func encode(line: Int, date: Day, groupCode: String?, inspector: CellText, scope: CellText, hazardsFound: Int,
                       hazardsFoundText: String, into out: inout some RowBytesOut) {
        var group = groupCode, found = hazardsFoundText
        let room = 80 + inspector.utf8Count + scope.utf8Count + (group?.utf8.count ?? 0) + found.utf8.count
        inspector.withUTF8 { inspectorBytes in
            scope.withUTF8 { scopeBytes in
                out.write(room: room) { w in
                    w.int(line); w.day(date)
                    if group != nil { group!.withUTF8 { w.optionalBytes($0) } } else { w.byte(0) }
                    w.bytes(inspectorBytes); w.bytes(scopeBytes)
                    w.int(hazardsFound)
                    found.withUTF8 { w.bytes($0) }
                }
            }
        }
    }
}

// The spill's codes by switch: `allCases.firstIndex(of:)` searched a lazily made array through the generic
// `Collection` path for every row (~2 % of a big trainings file's `check`). `SpillCodeTests` holds both to
// `allCases`' order.
extension TrainingForm {
    /// Place in `allCases` (the spill's code for it).
    var ordinal: Int {
        switch self {
        case .leaflets: 0
        case .blackboard: 1
        case .bulletinBoard: 2
        case .lecture: 3
        case .training: 4
        case .performance: 5
        case .drill: 6
        case .other: 7
        }
    }

    /// The form at `ordinal` in `allCases`; nil past the end.
    init?(ordinal: Int) {
        switch ordinal {
        case 0: self = .leaflets
        case 1: self = .blackboard
        case 2: self = .bulletinBoard
        case 3: self = .lecture
        case 4: self = .training
        case 5: self = .performance
        case 6: self = .drill
        case 7: self = .other
        default: return nil
        }
    }
}

extension Audience {
    /// Place in `allCases` (the spill's code for it).
    var ordinal: Int {
        switch self {
        case .residents: 0
        case .students: 1
        case .workers: 2
        case .other: 3
        }
    }

    /// The audience at `ordinal` in `allCases`; nil past the end.
    init?(ordinal: Int) {
        switch ordinal {
        case 0: self = .residents
        case 1: self = .students
        case 2: self = .workers
        case 3: self = .other
        default: return nil
        }
    }
}

/// The field encodings of the row coders, on top of `IssueCoding`'s varints.
enum RowCoding {
    /// Writes at most `room` bytes through a cursor over scratch memory (on the stack for a row of usual
    /// size), then appends them to `out` at once: appending byte by byte checked the array's uniqueness
    /// and capacity for every byte, a tenth of validating a big trainings file.
    @inline(__always)
    static func write(_ out: inout [UInt8], room: Int, _ body: (inout ByteCursor) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { scratch in
            var w = ByteCursor(base: scratch.baseAddress!, limit: room)
            body(&w)
            out.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress!, count: w.count))
        }
    }

    /// Writes the row coders' field encodings into memory the caller sized (`limit` checked on every write).
    struct ByteCursor {
        let base: UnsafeMutablePointer<UInt8>
        let limit: Int
        private(set) var count = 0
        init(base: UnsafeMutablePointer<UInt8>, limit: Int) { self.base = base; self.limit = limit }

        @inline(__always) mutating func byte(_ b: UInt8) {
            precondition(count < limit)
            base[count] = b; count += 1
        }
        @inline(__always) mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 { byte(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            byte(UInt8(v))
        }
        @inline(__always) mutating func int(_ v: Int) { varint(IssueCoding.zigzag(v)) }
        /// A length-prefixed string (`RowCoding.string`).
        @inline(__always) mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
            varint(UInt64(b.count)); raw(b)
        }
        /// A present optional string (`RowCoding.optionalString`): its length + 1, then its bytes.
        @inline(__always) mutating func optionalBytes(_ b: UnsafeBufferPointer<UInt8>) {
            varint(UInt64(b.count) + 1); raw(b)
        }
        @inline(__always) mutating func raw(_ b: UnsafeBufferPointer<UInt8>) {
            precondition(count + b.count <= limit)
            guard let p = b.baseAddress else { return }
            // Most cells are a few bytes: a call to memmove for each cost more than copying them here.
            if b.count <= 16 {
                for k in 0..<b.count { base[count &+ k] = p[k] }
            } else {
                (base + count).update(from: p, count: b.count)
            }
            count &+= b.count
        }
        @inline(__always) mutating func fixed64(_ v: UInt64) {
            for k in 0..<8 { byte(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
        }
        @inline(__always) mutating func day(_ d: Day) { varint(UInt64(d.year)); byte(UInt8(d.month)); byte(UInt8(d.day)) }

        // The same writers without a room check per byte, for a row whose writer asked for room enough for all it
        // can write (`PlainTraining.encode`: at most 57 bytes besides the theme's, for 80 asked): one check a row.
        // `&+=`: the count stays within the room asked for, far below overflow; each `+=` was an overflow check.
        @inline(__always) mutating func uncheckedByte(_ b: UInt8) { base[count] = b; count &+= 1 }
        @inline(__always) mutating func uncheckedVarint(_ v: UInt64) {
            // Up to three bytes (below 2^21: every line number of a file under the size cap, every count a clerk
            // writes) without the loop: a big file's line numbers took its three turns a row (thirteenth session).
            if v < 0x80 { uncheckedByte(UInt8(v)); return }
            if v < 0x4000 {
                base[count] = UInt8(truncatingIfNeeded: v) | 0x80; base[count &+ 1] = UInt8(truncatingIfNeeded: v >> 7)
                count &+= 2
                return
            }
            if v < 0x20_0000 {
                base[count] = UInt8(truncatingIfNeeded: v) | 0x80; base[count &+ 1] = UInt8(truncatingIfNeeded: v >> 7) | 0x80
                base[count &+ 2] = UInt8(truncatingIfNeeded: v >> 14)
                count &+= 3
                return
            }
            var v = v
            while v >= 0x80 { uncheckedByte(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            uncheckedByte(UInt8(v))
        }
        @inline(__always) mutating func uncheckedInt(_ v: Int) { uncheckedVarint(IssueCoding.zigzag(v)) }
        @inline(__always) mutating func uncheckedDay(_ d: Day) {
            uncheckedVarint(UInt64(d.year)); uncheckedByte(UInt8(d.month)); uncheckedByte(UInt8(d.day))
        }
    }

    // Readers over the chunk's memory: the row coders wrote it, so every length and position is in bounds
    // (checked in debug builds by the buffer's subscript).
    @inline(__always)
    static func readVarint(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> UInt64 {
        // Positions move with `&+=`: they stay inside the chunk the coder wrote (each `+=` was an overflow check).
        // Most varints are one byte (a small count, a short text's length): read without the loop.
        let first = b[p]; p &+= 1
        if first < 0x80 { return UInt64(first) }
        var v = UInt64(first & 0x7F), shift: UInt64 = 7
        while true {
            let byte = b[p]; p &+= 1
            v |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return v }
            shift &+= 7
        }
    }

    @inline(__always)
    static func readInt(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> Int { IssueCoding.unzigzag(readVarint(b, &p)) }

    static func readString(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> String {
        let n = Int(readVarint(b, &p))
        defer { p += n }
        return String(decoding: UnsafeBufferPointer(rebasing: b[p..<p + n]), as: UTF8.self)
    }

    /// Moves past a varint without reading its value.
    @inline(__always)
    static func skipVarint(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) {
        while b[p] >= 0x80 { p &+= 1 }
        p &+= 1
    }

    /// The day of the month of a date `ByteCursor.day` wrote (year varint, month, day), moving past it.
    @inline(__always)
    static func readDayOfMonth(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> Int {
        skipVarint(b, &p)
        defer { p &+= 2 }
        return Int(b[p &+ 1])
    }

    /// `readOptionalString` with its usual answer, nil (one byte, 0), decided here rather than by a call.
    @inline(__always)
    static func readOptionalStringOrNil(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> String? {
        if b[p] == 0 { p += 1; return nil }
        return readOptionalString(b, &p)
    }

    /// Moves past a length-prefixed string without making it.
    @inline(__always)
    static func skipString(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) {
        let n = Int(readVarint(b, &p))
        p &+= n
    }

    /// nil as 0, a string as its length + 1 and its bytes.
    static func readOptionalString(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> String? {
        let n = Int(readVarint(b, &p))
        guard n > 0 else { return nil }
        defer { p += n - 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: b[p..<p + n - 1]), as: UTF8.self)
    }

    static func readFixed64(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[p + k]) << (8 * UInt64(k)) }
        p += 8
        return v
    }

    static func readDay(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> Day {
        let y = Int(readVarint(b, &p))
        defer { p += 2 }
        return Day(year: y, month: Int(b[p]), day: Int(b[p + 1]))!
    }
}
