// A hazard row packed for the ledger: fixed fields inline, its six texts in one byte buffer.

/// How the hazard ledger keeps an accepted `HazardRow`. The ledger holds a row for every hazard any later
/// report may ask about, across every earlier month, and it is alive at the run's peak; as a `HazardRow` a row
/// is ~150 bytes inline plus a heap allocation for each text longer than 15 UTF-8 bytes (any Chinese
/// description, location or name). Packed, the texts share one allocation and the rest takes 40 bytes.
///
/// `row` gives back exactly the row that was packed: every text byte for byte (a Swift String's UTF-8 is
/// always valid, so decoding it repairs nothing). Two packed rows are equal when their rows are equal byte for
/// byte, which is stricter than `HazardRow`'s `==` only for texts that differ by Unicode normalization.
public struct PackedHazardRow: Sendable, Equatable {
    private let line: Int
    /// hazard_id, group_code, description, location, responsible, escalated_to: each a LEB128 length and its UTF-8.
    private let text: [UInt8]
    public let foundDate: Day
    public let deadline: Day
    private let rectifiedDate: Day?
    public let status: HazardStatus
    public let category: HazardCategory
    public let level: HazardLevel
    private let flags: UInt8

    private static let escalatedFlag: UInt8 = 1, groupFlag: UInt8 = 2

    public init(_ row: HazardRow) {
        line = row.line
        foundDate = row.foundDate; deadline = row.deadline; rectifiedDate = row.rectifiedDate
        status = row.status; category = row.category; level = row.level
        flags = (row.escalated ? Self.escalatedFlag : 0) | (row.groupCode != nil ? Self.groupFlag : 0)
        // The six texts copied from their contiguous UTF-8 (an array of the six and `+= utf8` per text were a third
        // of every accepted hazard row's packing).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(row.hazardId.utf8.count + (row.groupCode?.utf8.count ?? 0) + row.description.utf8.count
                              + row.location.utf8.count + row.responsible.utf8.count + row.escalatedTo.utf8.count + 12)
        func put(_ field: String) {
            var n = field.utf8.count
            while n >= 0x80 { bytes.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
            bytes.append(UInt8(n))
            if field.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes += field.utf8 }
        }
        put(row.hazardId); put(row.groupCode ?? ""); put(row.description); put(row.location); put(row.responsible)
        put(row.escalatedTo)
        text = bytes
    }

    /// The row's escalated flag, without unpacking its text.
    public var escalated: Bool { flags & Self.escalatedFlag != 0 }

    /// The row's hazard_id, unpacking only it.
    public var hazardId: String { text(0) }

    /// The row's group_code, unpacking only it.
    public var groupCode: String? { flags & Self.groupFlag != 0 ? text(1) : nil }

    /// The row's line, without unpacking its text.
    public var rowLine: Int { line }
    /// The row's rectified date, without unpacking its text.
    public var rectified: Day? { rectifiedDate }
    /// Whether the row has a group_code (an empty text in `forEachText` otherwise).
    public var hasGroupCode: Bool { flags & Self.groupFlag != 0 }

    /// The six texts as their UTF-8 bytes, in `init`'s order (hazard_id, group_code, description, location,
    /// responsible, escalated_to), each with its index, and no String made: for a writer that copies bytes (the saved
    /// ledger state, which unpacked every row of every hazard it saved into six Strings only to write their bytes).
    public func forEachText(_ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        text.withUnsafeBufferPointer { buffer in
            var at = 0
            for index in 0..<6 {
                let n = Self.length(buffer, &at)
                body(index, UnsafeBufferPointer(rebasing: buffer[at..<at + n]))
                at += n
            }
        }
    }

    /// The varint length that starts at `at`, which moves past it (`init` writes them as the row coders do).
    private static func length(_ buffer: UnsafeBufferPointer<UInt8>, _ at: inout Int) -> Int {
        Int(RowCoding.readVarint(buffer, &at))
    }

    /// The `index`th of the six texts (in the order `init` packs them).
    private func text(_ index: Int) -> String {
        text.withUnsafeBufferPointer { buffer in
            var at = 0
            for i in 0...index {
                let n = Self.length(buffer, &at)
                if i == index { return String(decoding: UnsafeBufferPointer(rebasing: buffer[at..<at + n]), as: UTF8.self) }
                at += n
            }
            return ""
        }
    }

    /// The row as it was packed.
    public var row: HazardRow {
        text.withUnsafeBufferPointer { buffer in
            var at = 0
            func next() -> String {
                let n = Self.length(buffer, &at)
                defer { at += n }
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[at..<at + n]), as: UTF8.self)
            }
            let hazardId = next(), group = next(), description = next(), location = next()
            let responsible = next(), escalatedTo = next()
            return HazardRow(line: line, hazardId: hazardId, foundDate: foundDate,
                             groupCode: flags & Self.groupFlag != 0 ? group : nil, category: category, level: level,
                             description: description, location: location, responsible: responsible,
                             deadline: deadline, status: status, rectifiedDate: rectifiedDate,
                             escalated: flags & Self.escalatedFlag != 0, escalatedTo: escalatedTo)
        }
    }
}
