// A year's closed hazards as bytes: the immutable part of the saved ledger state (see LedgerStateStore), looked up
// where they lie instead of decoded into the ledger's tables.

/// The closed hazards (`HazardLedger.ClosedHazard`) of every owner, as the first save of a year wrote them: after
/// compaction for that year they change no more — a hazard named again is taken out of its owner's table and becomes
/// a working one, and the owner's table is then its own array (`ClosedTable`). A monthly run reads the part's bytes
/// whole (checked against the digest the saved state names) and decodes only the owners' index; a record is decoded
/// when a lookup reaches it. At 2,000 villages × 36 months these are 99,000 of the ledger's 140,000 hazards.
///
/// Payload (after `StateFile`'s magic and checksum): varints year, owner count, record count, id bytes; per owner its
/// code (length + UTF-8) and record count, owners sorted, each owner's records sorted by id; the records, 16 bytes each
/// (id offset u32, id length u16, registered year u16 and month u8, found_date year u16, month u8, day u8, rectified
/// since year u16 and month u8, little-endian); then the ids' UTF-8 bytes.
final class ClosedPart: Sendable {
    static let magic = "SRCLOSED1\n"
    static let recordSize = 16

    /// The year the ledger was compacted for when the part was written (saves of that year reuse it).
    let year: Int
    /// The file's name under `.state` and the SHA-256 of its payload (the saved state names both).
    let name: String
    let digest: String
    /// The owners in order, and each one's records (arrays, not a dictionary: the part is alive at the run's peak,
    /// and a dictionary of 2,000 owners was ~130 KB more of heap; only `attach` and the save walk them, in order).
    let owners: [String]
    let ranges: [Range<Int>]
    private let bytes: [UInt8]
    private let recordsAt: Int
    private let idsAt: Int

    /// The part in `bytes` (a whole file, its payload from `payloadAt`); nil when anything is out of place: a count
    /// past the end, an id outside the id bytes, a record's period or day impossible.
    init?(bytes: [UInt8], payloadAt: Int, name: String, digest: String) {
        var header = StateReader(bytes: bytes)
        header.at = payloadAt
        guard let year = header.int(), let ownerCount = header.int(), let recordCount = header.int(), let idBytes = header.int(),
              ownerCount >= 0, recordCount >= 0, idBytes >= 0, ownerCount <= header.remaining,
              recordCount <= header.remaining / Self.recordSize else { return nil }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(ownerCount)
        var owners: [String] = []
        owners.reserveCapacity(ownerCount)
        var next = 0
        for _ in 0..<ownerCount {
            guard let owner = header.string(), let n = header.int(), n >= 0, n <= recordCount - next,
                  owners.last.map({ $0 < owner }) ?? true else { return nil }
            ranges.append(next..<next + n)
            owners.append(owner)
            next += n
        }
        guard next == recordCount, header.remaining == recordCount * Self.recordSize + idBytes else { return nil }
        self.year = year; self.name = name; self.digest = digest
        self.ranges = ranges; self.owners = owners; self.bytes = bytes
        recordsAt = header.at
        idsAt = header.at + recordCount * Self.recordSize
        // Every record checked once (no Strings made): a lookup then decodes without failing.
        let valid = bytes.withUnsafeBufferPointer { b -> Bool in
            for i in 0..<recordCount {
                let r = recordsAt + i * Self.recordSize
                let offset = Self.u32(b, r), length = Self.u16(b, r + 4)
                guard offset <= idBytes, length <= idBytes - offset,
                      Period(year: Self.u16(b, r + 6), month: Int(b[r + 8])) != nil,
                      Day(year: Self.u16(b, r + 9), month: Int(b[r + 11]), day: Int(b[r + 12])) != nil,
                      Period(year: Self.u16(b, r + 13), month: Int(b[r + 15])) != nil else { return false }
            }
            return true
        }
        guard valid else { return nil }
    }

    private static func u16(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    private static func u32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int {
        Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
    }

    /// Record `i` (checked when the part was read).
    func record(_ i: Int) -> HazardLedger.ClosedHazard {
        bytes.withUnsafeBufferPointer { b in
            let r = recordsAt + i * Self.recordSize
            let offset = Self.u32(b, r), length = Self.u16(b, r + 4)
            let id = String(decoding: UnsafeBufferPointer(rebasing: b[idsAt + offset..<idsAt + offset + length]), as: UTF8.self)
            return HazardLedger.ClosedHazard(
                id: id, registeredIn: Period(year: Self.u16(b, r + 6), month: Int(b[r + 8]))!,
                registeredFoundDate: Day(year: Self.u16(b, r + 9), month: Int(b[r + 11]), day: Int(b[r + 12]))!,
                rectifiedSince: Period(year: Self.u16(b, r + 13), month: Int(b[r + 15]))!)
        }
    }

    /// Record `i`'s id only (what a lookup by bisection compares).
    func id(_ i: Int) -> String {
        bytes.withUnsafeBufferPointer { b in
            let r = recordsAt + i * Self.recordSize
            let offset = Self.u32(b, r), length = Self.u16(b, r + 4)
            return String(decoding: UnsafeBufferPointer(rebasing: b[idsAt + offset..<idsAt + offset + length]), as: UTF8.self)
        }
    }
}

/// Gathers a part's payload owner by owner (owners in sorted order, each owner's closed hazards sorted by id).
struct ClosedPartBuilder {
    let year: Int
    private var owners = StateWriter()
    private var ownerCount = 0
    private var records: [UInt8] = []
    private var ids: [UInt8] = []
    var recordCount: Int { records.count / ClosedPart.recordSize }

    init(year: Int) { self.year = year }

    /// Adds an owner's closed hazards (none: nothing is added). False when a field does not fit the record (an id
    /// of 64 KB or more, or the ids past 4 GB): the caller then keeps them in the saved state itself.
    mutating func add<C: Collection>(owner: String, _ closed: C) -> Bool where C.Element == HazardLedger.ClosedHazard {
        guard !closed.isEmpty else { return true }
        owners.string(owner); owners.int(closed.count); ownerCount += 1
        func u16(_ v: Int) { records.append(UInt8(v & 0xFF)); records.append(UInt8(v >> 8)) }
        for c in closed {
            let length = c.id.utf8.count
            guard length <= 0xFFFF, ids.count + length <= 0xFFFF_FFFF else { return false }
            let offset = ids.count
            ids += c.id.utf8
            records.append(UInt8(offset & 0xFF)); records.append(UInt8(offset >> 8 & 0xFF))
            records.append(UInt8(offset >> 16 & 0xFF)); records.append(UInt8(offset >> 24 & 0xFF))
            u16(length)
            u16(c.registeredIn.year); records.append(UInt8(c.registeredIn.month))
            u16(c.registeredFoundDate.year); records.append(UInt8(c.registeredFoundDate.month))
            records.append(UInt8(c.registeredFoundDate.day))
            u16(c.rectifiedSince.year); records.append(UInt8(c.rectifiedSince.month))
        }
        return true
    }

    var isEmpty: Bool { ownerCount == 0 }

    /// The payload in its pieces, in order (not joined: the save runs at the run's peak, and each copy of a part is
    /// its size again).
    func pieces() -> [[UInt8]] {
        var head = StateWriter()
        head.int(year); head.int(ownerCount); head.int(recordCount); head.int(ids.count)
        return [head.bytes, owners.bytes, records, ids]
    }

    /// The payload joined (tests).
    func payload() -> [UInt8]? { isEmpty ? nil : pieces().flatMap { $0 } }
}

/// An owner's closed hazards, sorted by id: an array of its own, or a run of a `ClosedPart`'s records.
struct ClosedTable: RandomAccessCollection, Sendable {
    private enum Storage: Sendable {
        case owned([HazardLedger.ClosedHazard])
        case mapped(ClosedPart, Range<Int>)
    }
    private let storage: Storage

    init(_ table: [HazardLedger.ClosedHazard]) { storage = .owned(table) }
    init(part: ClosedPart, records: Range<Int>) { storage = .mapped(part, records) }

    var startIndex: Int { 0 }
    var endIndex: Int {
        switch storage {
        case .owned(let a): return a.count
        case .mapped(_, let r): return r.count
        }
    }
    subscript(i: Int) -> HazardLedger.ClosedHazard {
        switch storage {
        case .owned(let a): return a[i]
        case .mapped(let p, let r): return p.record(r.lowerBound + i)
        }
    }
    /// Entry `i`'s id (for a mapped table, without decoding the rest of the record).
    func id(at i: Int) -> String {
        switch storage {
        case .owned(let a): return a[i].id
        case .mapped(let p, let r): return p.id(r.lowerBound + i)
        }
    }

    /// The table as an array of its own (a mapped one decoded).
    var array: [HazardLedger.ClosedHazard] {
        switch storage {
        case .owned(let a): return a
        case .mapped: return Array(self)
        }
    }

    /// Whether this is a run of `part`'s records (an owner's whole run: a table taken from the part is made an owned
    /// one before anything is taken out of it), which a save may leave to the part.
    func isRun(of part: ClosedPart) -> Bool {
        guard case .mapped(let p, _) = storage else { return false }
        return p === part
    }

    /// An owned table in an array of exactly its size (a mapped one as it is).
    func fitted() -> ClosedTable {
        guard case .owned(let a) = storage, a.capacity > a.count else { return self }
        var out: [HazardLedger.ClosedHazard] = []
        out.reserveCapacity(a.count)
        out.append(contentsOf: a)
        return ClosedTable(out)
    }
}
