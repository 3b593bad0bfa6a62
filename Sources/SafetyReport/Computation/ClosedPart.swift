// A year's closed hazards as bytes: the immutable part of the saved ledger state (see LedgerStateStore), looked up
// where they lie instead of decoded into the ledger's tables.

/// The closed hazards (`HazardLedger.ClosedHazard`) of every owner, as the first save of a year wrote them: after
/// compaction for that year they change no more — a hazard named again is taken out of its owner's table and becomes
/// a working one, and the owner's table is then its own array (`ClosedTable`). A monthly run reads the part's bytes
/// whole (checked against the digest the saved state names) and decodes only the owners' index; a record is decoded
/// when a lookup reaches it. At 2,000 villages × 36 months these are 99,000 of the ledger's 140,000 hazards.
///
/// Payload (after `StateFile`'s magic and checksum), in the order `ClosedPartWriter` writes it as the save walks the
/// owners (nothing of it held whole): the records, owners sorted, each owner's sorted by id, each one u16 id length,
/// the id's UTF-8, then 10 bytes (registered year u16 and month u8, found_date year u16, month u8, day u8, rectified
/// since year u16 and month u8); then every record's payload offset (u32); then per owner its code (varint length +
/// UTF-8) and record count (varint); then 20 bytes: year, owner count, record count, the offsets' and the owners'
/// payload offsets (u32 each). Integers little-endian.
final class ClosedPart: Sendable {
    static let magic = "SRCLOSED2\n"
    /// A record's bytes besides its id (the id's length and the fields after it).
    static let fixedSize = 12
    static let footerSize = 20

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
    private let payloadAt: Int
    /// Where the records' offsets start (payload offset).
    private let indexAt: Int

    /// The part in `bytes` (a whole file, its payload from `payloadAt`); nil when anything is out of place: a count
    /// or offset past the end, a record not ending where the next begins, a record's period or day impossible.
    init?(bytes: [UInt8], payloadAt: Int, name: String, digest: String) {
        let length = bytes.count - payloadAt
        guard payloadAt >= 0, length >= Self.footerSize else { return nil }
        let parsed = bytes.withUnsafeBufferPointer { whole -> (Int, Int, Int, Int, Int)? in
            let b = UnsafeBufferPointer(rebasing: whole[payloadAt...])
            let f = length - Self.footerSize
            return (Self.u32(b, f), Self.u32(b, f + 4), Self.u32(b, f + 8), Self.u32(b, f + 12), Self.u32(b, f + 16))
        }
        guard let (year, ownerCount, recordCount, indexAt, ownersAt) = parsed,
              indexAt <= ownersAt, ownersAt <= length - Self.footerSize, (ownersAt - indexAt) == recordCount * 4,
              recordCount > 0 || indexAt == 0 else { return nil }
        var header = StateReader(bytes: bytes)
        header.at = payloadAt + ownersAt
        var ranges: [Range<Int>] = []
        var owners: [String] = []
        ranges.reserveCapacity(min(ownerCount, length))
        owners.reserveCapacity(min(ownerCount, length))
        var next = 0
        for _ in 0..<ownerCount {
            guard header.at < payloadAt + length - Self.footerSize, let owner = header.string(), let n = header.int(), n > 0,
                  n <= recordCount - next, owners.last.map({ $0 < owner }) ?? true else { return nil }
            ranges.append(next..<next + n)
            owners.append(owner)
            next += n
        }
        guard next == recordCount, header.at == payloadAt + length - Self.footerSize else { return nil }
        // Every record checked once (no Strings made): each ends where the next begins, the last where the offsets do;
        // a lookup then decodes without failing.
        let valid = bytes.withUnsafeBufferPointer { whole -> Bool in
            let b = UnsafeBufferPointer(rebasing: whole[payloadAt...])
            var expected = 0
            for i in 0..<recordCount {
                let r = Self.u32(b, indexAt + 4 * i)
                guard r == expected, r + Self.fixedSize <= indexAt else { return false }
                let f = r + 2 + Self.u16(b, r)
                guard f + Self.fixedSize - 2 <= indexAt,
                      Period(year: Self.u16(b, f), month: Int(b[f + 2])) != nil,
                      Day(year: Self.u16(b, f + 3), month: Int(b[f + 5]), day: Int(b[f + 6])) != nil,
                      Period(year: Self.u16(b, f + 7), month: Int(b[f + 9])) != nil else { return false }
                expected = f + Self.fixedSize - 2
            }
            return expected == indexAt
        }
        guard valid else { return nil }
        self.year = year; self.name = name; self.digest = digest
        self.ranges = ranges; self.owners = owners; self.bytes = bytes
        self.payloadAt = payloadAt; self.indexAt = indexAt
    }

    /// What a save of this part's year needs of it when it leaves the part as it is (not its bytes).
    var reference: ClosedPartReference { ClosedPartReference(year: year, name: name, digest: digest, owners: owners) }

    static func u16(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    static func u32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int {
        Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
    }

    /// Record `i`'s payload offset, and the id's bytes.
    private static func id(_ b: UnsafeBufferPointer<UInt8>, record r: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r + 2..<r + 2 + u16(b, r)]), as: UTF8.self)
    }

    private func withPayload<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[payloadAt...])) }
    }

    /// Record `i` (checked when the part was read).
    func record(_ i: Int) -> HazardLedger.ClosedHazard {
        withPayload { b in
            let r = Self.u32(b, indexAt + 4 * i)
            let f = r + 2 + Self.u16(b, r)
            return HazardLedger.ClosedHazard(
                id: Self.id(b, record: r), registeredIn: Period(year: Self.u16(b, f), month: Int(b[f + 2]))!,
                registeredFoundDate: Day(year: Self.u16(b, f + 3), month: Int(b[f + 5]), day: Int(b[f + 6]))!,
                rectifiedSince: Period(year: Self.u16(b, f + 7), month: Int(b[f + 9]))!)
        }
    }

    /// Record `i`'s id only (what a lookup by bisection compares).
    func id(_ i: Int) -> String {
        withPayload { b in Self.id(b, record: Self.u32(b, indexAt + 4 * i)) }
    }
}

/// A part a save leaves as it is: what the state names of it, and which owners have records in it.
struct ClosedPartReference: Sendable, Equatable {
    let year: Int
    let name: String
    let digest: String
    let owners: [String]
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
