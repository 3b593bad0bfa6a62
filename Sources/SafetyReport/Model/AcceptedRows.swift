// A file's accepted rows in bounded memory: with a coder and a spill, encoded and written to the run's unlinked temporary file.

/// How one kind of row is written to the spill file and read back (compact: varints, length-prefixed UTF-8).
public struct RowCoder<Row>: Sendable {
    let encode: @Sendable (Row, inout [UInt8]) -> Void
    let decode: @Sendable ([UInt8], inout Int) -> Row
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
        /// Encoded rows not yet written (spilling lists only).
        var pending: [UInt8] = []
        var pendingRows = 0
        var segments: [Segment] = []
        var count = 0

        init(spill: IssueSpill?, coder: RowCoder<Row>?) {
            self.spill = coder == nil ? nil : spill
            self.coder = spill == nil ? nil : coder
            threshold = Swift.max(1, spill?.rowThreshold ?? 1)
        }

        func copy() -> Storage {
            let s = Storage(spill: spill, coder: coder)
            s.memory = memory; s.pending = pending; s.pendingRows = pendingRows; s.segments = segments; s.count = count
            return s
        }

        func flush() {
            guard let spill, pendingRows > 0, spill.failure == nil, let offset = spill.append(pending) else { return }
            segments.append(Segment(offset: offset, bytes: pending.count, rows: pendingRows))
            pending.removeAll(keepingCapacity: true)
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
        coder.encode(row, &s.pending)
        s.pendingRows += 1
        if s.pendingRows >= s.threshold || s.pending.count >= Self.chunkBytes { s.flush() }
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
                    buffer = storage.pending; position = 0; rowsLeft = storage.pendingRows
                } else {
                    buffer = []
                    return nil
                }
            }
            rowsLeft -= 1
            return coder.decode(buffer, &position)
        }
    }

    public static func == (a: AcceptedRows, b: AcceptedRows) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

extension RowCoder where Row == TrainingRow {
    /// line, participants, group, theme, hours, materials, date, form, audience.
    public static let trainings = RowCoder(
        encode: { r, out in
            RowCoding.int(r.line, &out); RowCoding.int(r.participants, &out)
            RowCoding.optionalString(r.groupCode, &out); RowCoding.string(r.theme, &out)
            if let h = r.hours { out.append(1); RowCoding.fixed64(h.bitPattern, &out) } else { out.append(0) }
            if let m = r.materials { out.append(1); RowCoding.int(m, &out) } else { out.append(0) }
            RowCoding.day(r.date, &out)
            out.append(UInt8(TrainingForm.allCases.firstIndex(of: r.form)!))
            out.append(r.audience.map { UInt8(Audience.allCases.firstIndex(of: $0)! + 1) } ?? 0)
        },
        decode: { b, p in
            let line = RowCoding.readInt(b, &p), participants = RowCoding.readInt(b, &p)
            let group = RowCoding.readOptionalString(b, &p), theme = RowCoding.readString(b, &p)
            p += 1
            let hours = b[p - 1] == 1 ? Double(bitPattern: RowCoding.readFixed64(b, &p)) : nil
            p += 1
            let materials = b[p - 1] == 1 ? RowCoding.readInt(b, &p) : nil
            let date = RowCoding.readDay(b, &p)
            let form = TrainingForm.allCases[TrainingForm.allCases.index(TrainingForm.allCases.startIndex, offsetBy: Int(b[p]))]
            let audienceCode = Int(b[p + 1])
            p += 2
            let audience = audienceCode == 0 ? nil
                : Audience.allCases[Audience.allCases.index(Audience.allCases.startIndex, offsetBy: audienceCode - 1)]
            return TrainingRow(line: line, date: date, groupCode: group, form: form, theme: theme, audience: audience,
                               participants: participants, hours: hours, materials: materials)
        })
}

extension RowCoder where Row == InspectionRow {
    /// line, date, group, inspector, scope, hazards found and as written.
    public static let inspections = RowCoder(
        encode: { r, out in
            RowCoding.int(r.line, &out); RowCoding.day(r.date, &out); RowCoding.optionalString(r.groupCode, &out)
            RowCoding.string(r.inspector, &out); RowCoding.string(r.scope, &out)
            RowCoding.int(r.hazardsFound, &out); RowCoding.string(r.hazardsFoundText, &out)
        },
        decode: { b, p in
            let line = RowCoding.readInt(b, &p), date = RowCoding.readDay(b, &p), group = RowCoding.readOptionalString(b, &p)
            let inspector = RowCoding.readString(b, &p), scope = RowCoding.readString(b, &p)
            let found = RowCoding.readInt(b, &p), text = RowCoding.readString(b, &p)
            return InspectionRow(line: line, date: date, groupCode: group, inspector: inspector, scope: scope,
                                 hazardsFound: found, hazardsFoundText: text)
        })
}

/// The field encodings of the row coders, on top of `IssueCoding`'s varints.
enum RowCoding {
    static func int(_ v: Int, _ out: inout [UInt8]) { IssueCoding.varint(IssueCoding.zigzag(v), &out) }
    static func readInt(_ b: [UInt8], _ p: inout Int) -> Int { IssueCoding.unzigzag(IssueCoding.readVarint(b, &p)) }

    static func string(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in IssueCoding.varint(UInt64(u.count), &out); out.append(contentsOf: u) }
    }
    static func readString(_ b: [UInt8], _ p: inout Int) -> String {
        let n = Int(IssueCoding.readVarint(b, &p))
        defer { p += n }
        return b.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[p..<p + n]), as: UTF8.self) }
    }

    /// nil as 0, a string as its length + 1 and its bytes.
    static func optionalString(_ s: String?, _ out: inout [UInt8]) {
        guard var s else { out.append(0); return }
        s.withUTF8 { u in IssueCoding.varint(UInt64(u.count) + 1, &out); out.append(contentsOf: u) }
    }
    static func readOptionalString(_ b: [UInt8], _ p: inout Int) -> String? {
        let n = Int(IssueCoding.readVarint(b, &p))
        guard n > 0 else { return nil }
        defer { p += n - 1 }
        return b.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[p..<p + n - 1]), as: UTF8.self) }
    }

    static func fixed64(_ v: UInt64, _ out: inout [UInt8]) {
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }
    static func readFixed64(_ b: [UInt8], _ p: inout Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[p + k]) << (8 * UInt64(k)) }
        p += 8
        return v
    }

    static func day(_ d: Day, _ out: inout [UInt8]) {
        IssueCoding.varint(UInt64(d.year), &out); out.append(UInt8(d.month)); out.append(UInt8(d.day))
    }
    static func readDay(_ b: [UInt8], _ p: inout Int) -> Day {
        let y = Int(IssueCoding.readVarint(b, &p))
        defer { p += 2 }
        return Day(year: y, month: Int(b[p]), day: Int(b[p + 1]))!
    }
}
