// The hazard ledger saved in outputs/.state/ after each build, so the next month's report need not re-read, re-validate and replay every earlier month.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a saved ledger state was computed from, as one SHA-256 chained over the periods replayed:
/// the tool and format version, the config's hash, and for each period in order its input listing and
/// every submitter's hazards file as read (path and SHA-256, or that it was absent or unreadable), the latter as
/// one digest per period (key version 4), so a period summed up once (`PeriodHazards`) folds in without its list.
/// The ledger after those periods is a function of exactly this, so a state is reused only when the
/// key computed from today's inputs is equal — report(P) still depends only on the inputs ≤ P.
public struct LedgerStateKey: Sendable, Equatable {
    public private(set) var hex: String

    public init(configSHA256: String) {
        // Version 4: a period's hazards lines enter as their digest (states keyed by version 3 are not reused).
        hex = SHA256.hexDigest(of: Array("safety-report ledger state 4\n\(ToolInfo.version)\n\(configSHA256)\n".utf8))
    }

    /// A key as a state file's header names it (tests read a state back without recomputing its key).
    init(hex: String) { self.hex = hex }

    /// Folds in one period. `hazards` holds one line per submitter, in registry order.
    public mutating func add(period: Period, listing: [String], hazards: [String]) {
        add(period: period, listing: listing, hazardsDigest: Self.entriesDigest(hazards))
    }

    /// Folds in one period whose hazards lines are summed up as `entriesDigest(_:)` gives them.
    public mutating func add(period: Period, listing: [String], hazardsDigest: String) {
        add(period: period, listingSHA256: Manifest.listingHash(listing.sorted()), hazardsDigest: hazardsDigest)
    }

    /// Folds in one period by its listing's `Manifest.listingHash` (a month held only as digests: see InputScans).
    public mutating func add(period: Period, listingSHA256: String, hazardsDigest: String) {
        let text = hex + "\n" + period.description + "\n" + listingSHA256 + "\n" + hazardsDigest
        hex = SHA256.hexDigest(of: Array(text.utf8))
    }

    /// The digest of one period's hazards lines (one per submitter, registry order).
    public static func entriesDigest(_ entries: [String]) -> String {
        SHA256.hexDigest(of: Array(entries.joined(separator: "\n").utf8))
    }

    /// The line for one submitter's hazards file in one period.
    static func entry(owner: String, record: InputRecord?, present: Bool) -> String {
        guard present else { return owner + " -" }
        guard let record else { return owner + " unreadable" }
        return "\(owner) \(record.sha256) \(record.bytes) \(record.path)"
    }
}

/// Saved ledger states under `outputs/.state/`, one file per period: `ledger-<P>.bin` holds the ledger
/// after every period up to P, compacted for reports of P's year on, and the key it was computed from.
/// Reading or writing a state never fails a build: a missing, damaged or mismatched state means the
/// ledger is replayed from the inputs, exactly as without it.
public struct LedgerStateStore: Sendable {
    public let folder: URL
    public init(outputs: URL) { folder = outputs.appendingPathComponent(".state") }

    func url(_ q: Period) -> URL { folder.appendingPathComponent("ledger-\(q).bin") }

    /// The state saved after `q`, if its key is `key` and its bytes are whole.
    public func load(after q: Period, key: LedgerStateKey) -> HazardLedger? {
        load(after: q, key: key, piece: StateWriter.piece)
    }

    /// `load(after:key:)`, reading `piece` bytes at a time (tests use a few bytes, so every field crosses a piece).
    /// The file is decoded as it is read and hashed on the way; the ledger is handed back only when the digest in
    /// the header matches and nothing follows it. The whole file in memory (10 MB at 2,000 × 12, twice while
    /// `Data` was copied into an array) sat beside the ledger it decoded into, at a monthly run's peak.
    func load(after q: Period, key: LedgerStateKey, piece: Int) -> HazardLedger? {
        guard var reader = StreamedStateReader(path: url(q).path, piece: piece) else { return nil }
        let header = Array("SRLEDGER3\n\(key.hex)\n".utf8)
        let digestEnd = header.count + 64
        guard reader.remaining > digestEnd + 1, let head = reader.take(digestEnd + 1), Array(head[0..<header.count]) == header
        else { return nil }
        let digest = String(decoding: head[header.count..<digestEnd], as: UTF8.self)
        reader.startHashing()
        guard var ledger = reader.decodeLedger() else { return nil }
        // What follows the hazards, if anything: the closed part the state leaves its closed hazards to (see `save`).
        // (The part's name and digest last, at a fixed distance from the file's end: see `partNamed(byStateAt:)`.)
        var part: (name: String, digest: String, overriding: Set<String>)?
        if !reader.finished() {
            guard let n = reader.int(), n >= 0, n <= reader.remaining else { return nil }
            var overriding = Set<String>()
            for _ in 0..<n { guard let owner = reader.string() else { return nil }; overriding.insert(owner) }
            guard let name = reader.string(), let partDigest = reader.string() else { return nil }
            part = (name, partDigest, overriding)
        }
        guard reader.finished(), reader.hexDigest() == digest else { return nil }
        if let part {
            guard let closed = loadPart(name: part.name, digest: part.digest), ledger.attach(closed, overriding: part.overriding)
            else { return nil }
        }
        return ledger
    }

    /// The closed part `name`, when its payload's SHA-256 is `digest` (a missing or damaged part: nil, and the ledger
    /// is replayed). Its bytes are kept as read; only the owners' index is decoded (see `ClosedPart`).
    func loadPart(name: String, digest: String) -> ClosedPart? {
        guard Self.isPartName(name), let bytes = StateFile.read(folder.appendingPathComponent(name).path, maxBytes: 1 << 32),
              let start = StateFile.payloadStart(bytes, magic: ClosedPart.magic),
              bytes[ClosedPart.magic.utf8.count..<start - 1].elementsEqual(digest.utf8) else { return nil }
        return ClosedPart(bytes: bytes, payloadAt: start, name: name, digest: digest)
    }

    /// `closed-<year>-<16 hex digits>.bin`: the only names a state may point at (not a path out of `.state`).
    static func isPartName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard u.count == "closed-0000-0123456789abcdef.bin".utf8.count, name.hasPrefix("closed-"), name.hasSuffix(".bin") else { return false }
        return u[7..<11].allSatisfy { (0x30...0x39).contains($0) } && u[11] == UInt8(ascii: "-")
            && u[12..<28].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The closed part the state file at `path` names (nil: none), read from the file's last bytes — the part's name
    /// and digest end a state that names one (see `save`); `readable` false when the file could not be read.
    static func partNamed(byStateAt path: String) -> (readable: Bool, name: String?) {
        let tail = 1 + 32 + 1 + 64
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return (false, nil) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return (false, nil) }
        guard st.st_size >= tail else { return (true, nil) }
        var bytes = [UInt8](repeating: 0, count: tail)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, tail, off_t(st.st_size) - off_t(tail)) }
        guard n == tail else { return (false, nil) }
        guard bytes[0] == 32, bytes[33] == 64 else { return (true, nil) }
        let name = String(decoding: bytes[1..<33], as: UTF8.self)
        return (true, isPartName(name) ? name : nil)
    }

    /// Deletes the closed parts no state in the folder names (a replay after a correction writes another part of its
    /// year; the states that named the old one may all have been written again since). Called once the state naming
    /// `kept` is in place; before anything is deleted that state and the folder are synced, so a crash cannot leave
    /// the state before it naming a part that is gone (that would only mean a replay, but one not needed). Nothing is
    /// deleted when a state cannot be read: what it names is not known.
    func deleteUnnamedParts(kept: String?, stateAt path: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        let parts = entries.filter { Self.isPartName($0) && $0 != kept }
        guard !parts.isEmpty else { return }
        var named = Set<String>()
        for entry in entries where entry.hasPrefix("ledger-") && entry.hasSuffix(".bin") {
            let (readable, name) = Self.partNamed(byStateAt: folder.appendingPathComponent(entry).path)
            guard readable else { return }
            if let name { named.insert(name) }
        }
        let unnamed = parts.filter { !named.contains($0) }
        guard !unnamed.isEmpty, Self.sync(path), Self.sync(folder.path) else { return }
        for part in unnamed { unlink(folder.appendingPathComponent(part).path) }
    }

    private static func sync(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }

    /// Saves the ledger after `q` (best effort: a state that cannot be written is simply not there next time).
    /// `compactedFor` is the year `ledger` was already compacted for: a ledger compacted for a year after q's
    /// lacks rows that reports of q's year ask for (year-to-date figures), and is not saved as q's state —
    /// the file carries no compaction year, so a saved state must always be whole for reports of q on.
    /// Written in 1 MB pieces as it is encoded, hashed on the way, and the (fixed-length) header with the
    /// digest written last at the start: the state of a large town (13 MB for 2,000 villages × 12 months) is
    /// never held in memory whole, let alone the three copies (buffer, header + buffer, Data) it used to be.
    /// The ledger is consumed: each owner's hazards are let go once written, so a save running beside the roll-up
    /// (which frees them owner by owner too, in another order) does not hold the whole ledger to its end.
    ///
    /// Closed hazards (see `HazardLedger.ClosedHazard`) are not written here but in the year's closed part,
    /// `closed-<year>-<digest>.bin`, written by the first save of the year (the one whose ledger was not read from a
    /// part of that year) and named after it — with its SHA-256 — at the state's end, followed by the owners whose
    /// closed hazards the state holds itself (one named again since: the part stays as it was). A monthly save of the
    /// same year leaves the part alone and writes only the working hazards; the load reads the part's bytes and
    /// decodes only its owners' index. The state's key covers the part through its digest, so report(P) still
    /// depends only on the inputs ≤ P; a missing or damaged part means a replay, as a damaged state does.
    /// A ledger without closed hazards is written as before, with nothing after its hazards.
    public func save(_ ledger: consuming HazardLedger, after q: Period, key: LedgerStateKey, compactedFor: Int? = nil) {
        if let year = compactedFor, year > q.year { return }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temp = folder.appendingPathComponent(".ledger-\(q).\(getpid()).tmp")
        let prefix = "SRLEDGER3\n\(key.hex)\n"
        var named: String?  // the part the state names
        do {
            guard FileManager.default.createFile(atPath: temp.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            let file = try FileHandle(forWritingTo: temp)
            defer { try? file.close() }
            try file.write(contentsOf: Array((prefix + String(repeating: "0", count: 64) + "\n").utf8))
            var hash = SHA256()
            var failure: Error?
            var writer = StateWriter()
            // Pieces of 256 KB: the save runs beside the roll-up, at the run's heap peak.
            writer.flushAt = 1 << 18
            writer.bytes.reserveCapacity(writer.flushAt + (64 << 10))
            writer.sink = { piece in
                hash.update(piece)
                if failure == nil { do { try file.write(contentsOf: piece) } catch { failure = error } }
            }
            var remaining = consume ledger
            // Left as it is only in this folder (a ledger read from another store's state names a part not here).
            // The save needs of the part only its name and which owners still hold their run: its bytes go now (see
            // `leaveRunsToPart`), as the roll-up beside it lets go of the closed tables too.
            let reused = remaining.closedPart.flatMap { part in
                access(folder.appendingPathComponent(part.name).path, F_OK) == 0 ? remaining.leaveRunsToPart(compactedFrom: q.year) : nil
            }
            var building: ClosedPartWriter? = reused == nil ? ClosedPartWriter(year: q.year, folder: folder) : nil
            let overriding = writer.ledger(consuming: &remaining, compactedFrom: q.year, reusing: reused, building: &building)
            // The part is in place before the state naming it is.
            // (A part that could not be written: the closed hazards are nowhere, so no state is saved.)
            var part = reused.map { ($0.part.name, $0.part.digest) }
            if let building, !building.isEmpty {
                guard let written = building.finish() else { throw CocoaError(.fileWriteUnknown) }
                part = written
            }
            building = nil
            if let part {
                writer.int(overriding.count)
                for owner in overriding { writer.string(owner) }
                writer.string(part.0); writer.string(part.1)
            }
            named = part?.0
            writer.flush()
            if let failure { throw failure }
            try file.seek(toOffset: 0)
            try file.write(contentsOf: Array((prefix + hash.hexDigest() + "\n").utf8))
            try file.close()
            guard rename(temp.path, url(q).path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            return
        }
        deleteUnnamedParts(kept: named, stateAt: url(q).path)
    }
}

/// A flat encoding of the ledger: integers (all ≥ 0) as LEB128 varints, strings as length + UTF-8.
struct StateWriter {
    /// Bytes handed to `sink` at a time.
    static let piece = 1 << 20
    /// Bytes gathered before `ledger` hands them to the sink.
    var flushAt = piece
    var bytes: [UInt8] = []
    /// Takes the bytes written so far (`flush`); without one, everything stays in `bytes`.
    var sink: (([UInt8]) -> Void)?

    mutating func int(_ v: Int) {
        var u = UInt64(bitPattern: Int64(v))
        while u >= 0x80 { bytes.append(UInt8(u & 0x7F) | 0x80); u >>= 7 }
        bytes.append(UInt8(u))
    }
    mutating func string(_ s: String) { int(s.utf8.count); bytes += s.utf8 }
    /// A string given as its UTF-8 bytes: written as `string` writes it.
    mutating func utf8(_ text: UnsafeBufferPointer<UInt8>) { int(text.count); bytes.append(contentsOf: text) }
    mutating func day(_ d: Day) { int(d.year); int(d.month); int(d.day) }
    mutating func optionalString(_ s: String?) { if let s { int(1); string(s) } else { int(0) } }
    mutating func optionalDay(_ d: Day?) { if let d { int(1); day(d) } else { int(0) } }

    /// Hands what was written to the sink.
    mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// The ledger; with `compactedFrom`, as `ledger.compacted(forReportsFrom:)` would give it, without the copy.
    mutating func ledger(_ ledger: HazardLedger, compactedFrom year: Int? = nil) {
        let hazards = ledger.allHazards
        int(hazards.count)
        for hazard in hazards { self.hazard(hazard, compactedFrom: year) }
    }

    /// `ledger(_:compactedFrom:)`'s bytes, each owner removed from `ledger` once written (no closed part).
    mutating func ledger(consuming ledger: inout HazardLedger, compactedFrom year: Int) {
        var none: ClosedPartWriter?
        self.ledger(consuming: &ledger, compactedFrom: year, building: &none)
    }

    /// The ledger compacted for `year` (owners sorted, each owner's hazards by id), each owner removed from `ledger`
    /// once written, without the closed hazards a closed part holds: with `reusing` (the part the ledger was read
    /// from, of `year`, and the owners whose run of it the ledger still held: see `HazardLedger.leaveRunsToPart`),
    /// those runs are left to the part, and the owners of the part that no longer hold theirs are given back (their
    /// closed hazards are written here); with `building`, every owner's closed hazards go into the new part. Without
    /// either, `ledger(_:compactedFrom:)`'s bytes. Gives the owners given back, sorted.
    @discardableResult
    mutating func ledger(consuming ledger: inout HazardLedger, compactedFrom year: Int,
                         reusing reused: (part: ClosedPartReference, runs: Set<String>)? = nil,
                         building builder: inout ClosedPartWriter?) -> [String] {
        let owners = ledger.owners
        // A part's record holds an id of up to 64 KB (a town's ids are a few bytes): past that, no part.
        if builder != nil, owners.contains(where: { owner in
            let (working, closed) = ledger.tables(owner: owner)
            return working.contains { $0.id.utf8.count > 0xFFFF } || (closed?.contains { $0.id.utf8.count > 0xFFFF } ?? false)
        }) { builder = nil }
        // First the count of hazards written, and the owners whose closed hazards are written here.
        var count = 0
        var overriding: [String] = []
        var writesClosed = Set<String>()
        for owner in owners {
            let (working, closed) = ledger.tables(owner: owner)
            let closing = working.count { $0.closesWhenCompacted(forReportsFrom: year) }
            count += working.count - closing
            if reused != nil {
                // Left to the part: no closed table (a run was let go; a part's owner without its run is caught below).
                if closing > 0 || closed != nil {
                    overriding.append(owner)
                    writesClosed.insert(owner)
                    count += (closed?.count ?? 0) + closing
                }
            } else if builder == nil {
                writesClosed.insert(owner)
                count += closed?.count ?? 0
            }
        }
        // A part's owner whose run the ledger no longer held (every closed id named again, or the owner let go): its
        // closed hazards (none, or those written here) stand instead of the part's.
        if let (part, runs) = reused {
            for owner in part.owners where !writesClosed.contains(owner) && !runs.contains(owner) {
                overriding.append(owner)
                writesClosed.insert(owner)
            }
        }
        overriding.sort()
        int(count)
        for owner in owners {
            let (working, closed) = ledger.tables(owner: owner)
            ledger.remove(owner: owner)
            if writesClosed.contains(owner) {
                let all = HazardLedger.mergedByID(working, closed ?? ClosedTable([]), { $0 }, { HazardLedger.Hazard(owner: owner, closed: $0) })
                for hazard in all { self.hazard(hazard, compactedFrom: year) }
                continue
            }
            var closing: [HazardLedger.ClosedHazard] = []
            for hazard in working {
                if hazard.closesWhenCompacted(forReportsFrom: year) {
                    closing.append(hazard.compacted(forReportsFrom: year).closedForm!)
                } else {
                    self.hazard(hazard, compactedFrom: year)
                }
            }
            if let builder {
                _ = builder.add(owner: owner, HazardLedger.mergedByID(closed ?? ClosedTable([]), closing, { $0 }, { $0 }))
            }
        }
        return overriding
    }

    /// One hazard (compacted for reports of `year` on, when given); the pending bytes go to the sink past a piece.
    mutating func hazard(_ hazard: HazardLedger.Hazard, compactedFrom year: Int?) {
        let h = year.map { hazard.compacted(forReportsFrom: $0) } ?? hazard
        string(h.owner); string(h.id)
        int(h.registeredIn.year); int(h.registeredIn.month); day(h.registeredFoundDate)
        if let r = h.rectifiedSince { int(1); int(r.year); int(r.month) } else { int(0) }
        int(h.updates.count)
        for u in h.updates {
            int(u.period.year); int(u.period.month)
            // The row's fields in `HazardRow` order (line, hazard_id, found_date, group_code?, category, level,
            // description, location, responsible, deadline, status, rectified_date?, escalated, escalated_to), its
            // texts copied from the packed row's bytes (the same UTF-8 its Strings would give).
            let p = u.packed
            int(p.rowLine)
            p.forEachText { index, text in
                switch index {
                case 0: utf8(text); day(p.foundDate); int(p.hasGroupCode ? 1 : 0)
                case 1: if p.hasGroupCode { utf8(text) }; string(p.category.rawValue); string(p.level.rawValue)
                case 4: utf8(text); day(p.deadline); string(p.status.rawValue); optionalDay(p.rectified); int(p.escalated ? 1 : 0)
                default: utf8(text)   // description, location; escalated_to
                }
            }
        }
        if bytes.count >= flushAt { flush() }
    }
}

/// What `StateWriter` wrote, read back field by field; nil on anything unexpected. `StateReader` reads from
/// bytes in memory, `StreamedStateReader` from a file a piece at a time.
protocol StateDecoding {
    mutating func int() -> Int?
    mutating func string() -> String?
    /// A string field holding a SHA-256 as `HexDigest` keeps it, parsed from the bytes (no String made for 64 hex
    /// digits); nil where `string()` is nil.
    mutating func digest() -> HexDigest?
    /// Bytes not read yet (an upper bound on any count or length still to come).
    var remaining: Int { get }
}

/// Reads what `StateWriter` wrote; nil on anything unexpected.
struct StateReader: StateDecoding {
    let bytes: [UInt8]
    var at = 0
    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - at }

    mutating func int() -> Int? {
        var v: UInt64 = 0, shift: UInt64 = 0
        while at < bytes.count, shift < 64 {
            let b = bytes[at]; at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return Int(Int64(bitPattern: v)) }
            shift += 7
        }
        return nil
    }
    mutating func string() -> String? {
        guard let n = int(), n >= 0, n <= bytes.count - at else { return nil }  // not at + n: a crafted length near 2⁶³ would overflow
        defer { at += n }
        return bytes.withUnsafeBufferPointer { Self.text(UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }
    mutating func digest() -> HexDigest? {
        guard let n = int(), n >= 0, n <= bytes.count - at else { return nil }
        defer { at += n }
        return bytes.withUnsafeBufferPointer { Self.hexDigest(UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }

    mutating func ledger() -> HazardLedger? {
        guard let ledger = decodeLedger() else { return nil }
        return at == bytes.count ? ledger : nil
    }
}

/// Reads a saved state from a file in pieces of `piece` bytes (a field longer than a piece is read whole), hashing
/// every byte after the point `startHashing()` was called at.
struct StreamedStateReader: StateDecoding {
    private let fd: Int32
    private let piece: Int
    private var buffer: [UInt8]
    /// The unread bytes are buffer[at..<end].
    private var at = 0, end = 0
    /// Bytes of the file not read into the buffer yet.
    private var left: Int
    private var hash = SHA256()
    /// Whether bytes read from the file go into `hash`; the bytes already in the buffer when it starts are hashed then.
    private var hashing = false
    private let owner: FileCloser

    /// Closes the file when the last copy of the reader goes.
    private final class FileCloser {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    init?(path: String, piece: Int) {
        // O_NONBLOCK: a FIFO left in its place would block the open forever (and the run, holding the lock);
        // it is refused below as not a regular file. Reads of a regular file ignore the flag.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        owner = FileCloser(fd)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        self.fd = fd
        self.piece = max(1, piece)
        left = Int(st.st_size)
        buffer = [UInt8](repeating: 0, count: min(self.piece, left))
    }

    var remaining: Int { end - at + left }

    /// Hashes every byte not read yet (and none before).
    mutating func startHashing() {
        buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[at..<end])) }
        hashing = true
    }

    /// The SHA-256 of the bytes from `startHashing()` to the end of what was read.
    mutating func hexDigest() -> String { hash.hexDigest() }

    /// Every byte of the file read.
    func finished() -> Bool { remaining == 0 }

    /// Makes at least `n` unread bytes available in the buffer; false when the file has fewer.
    private mutating func need(_ n: Int) -> Bool {
        if end - at >= n { return true }
        guard n <= remaining else { return false }
        let kept = end - at
        if buffer.count < max(n, piece) {
            var grown = [UInt8](repeating: 0, count: max(n, min(piece, remaining)))
            grown.withUnsafeMutableBytes { to in buffer.withUnsafeBytes { from in
                to.baseAddress!.copyMemory(from: from.baseAddress! + at, byteCount: kept)
            } }
            buffer = grown
        } else if kept > 0 {
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: kept) }
        }
        at = 0; end = kept
        while end < n {
            let room = min(buffer.count - end, left)
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, room) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { left = 0; return false }  // shorter than its size said
            if hashing { buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[end..<end + got])) } }
            end += got; left -= got
        }
        return true
    }

    /// The next `n` bytes.
    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard need(n) else { return nil }
        defer { at += n }
        return buffer[at..<at + n]
    }

    mutating func int() -> Int? {
        var v: UInt64 = 0, shift: UInt64 = 0
        while shift < 64, need(1) {
            let b = buffer[at]; at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return Int(Int64(bitPattern: v)) }
            shift += 7
        }
        return nil
    }
    mutating func string() -> String? {
        guard let n = int(), n >= 0, n <= remaining, need(n) else { return nil }
        defer { at += n }
        return buffer.withUnsafeBufferPointer { Self.text(UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }
    mutating func digest() -> HexDigest? {
        guard let n = int(), n >= 0, n <= remaining, need(n) else { return nil }
        defer { at += n }
        return buffer.withUnsafeBufferPointer { Self.hexDigest(UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }

    /// The ledger, when the file holds one and nothing after it.
    mutating func ledger() -> HazardLedger? {
        guard let ledger = decodeLedger() else { return nil }
        return finished() ? ledger : nil
    }
}

/// A byte's value as a lowercase hex digit, or 0xFF (`StateDecoding.hexDigest`).
private let hexNibbles: [UInt8] = (0..<256).map { c in
    switch c {
    case 0x30...0x39: return UInt8(c - 0x30)
    case 0x61...0x66: return UInt8(c - 0x57)
    default: return 0xFF
    }
}

extension StateDecoding {
    /// `HexDigest(text)` of the field's text, without making the String when it is 64 lowercase hex digits (a
    /// String of 64 bytes is a heap allocation: the remembered summaries' and the manifests' side files' records made
    /// one each for every earlier hazards file).
    static func hexDigest(_ bytes: UnsafeBufferPointer<UInt8>) -> HexDigest? {
        if bytes.count == 64, let base = bytes.baseAddress {
            // Each word from 16 digits by lookup (a switch per digit and per word cost as much as the String did).
            return hexNibbles.withUnsafeBufferPointer { table in
                var bad: UInt8 = 0
                func word(_ at: Int) -> UInt64 {
                    var w: UInt64 = 0
                    for i in at..<at + 16 {
                        let v = table[Int(base[i])]
                        bad |= v
                        w = w << 4 | UInt64(v & 0x0F)
                    }
                    return w
                }
                let a = word(0), b = word(16), c = word(32), d = word(48)
                return bad & 0xF0 == 0 ? HexDigest.bytes(a, b, c, d) : nil
            } ?? text(bytes).map(HexDigest.init)
        }
        return text(bytes).map(HexDigest.init)
    }

    /// `bytes` as a String when they are valid UTF-8, else nil: what `String(validating:as:)` gives. That initializer
    /// took its generic path on an array slice (a quarter of the state's load was the runtime's generic-metadata
    /// lookups, `perf`, 2,000 × 36); decoding repairs invalid UTF-8, so the decoded bytes equal the given ones
    /// exactly when they were valid.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
        var s = String(decoding: bytes, as: UTF8.self)
        let same = s.utf8.count == bytes.count
            && (s.withUTF8 { memcmp($0.baseAddress!, base, bytes.count) == 0 })
        return same ? s : nil
    }

    mutating func day() -> Day? {
        guard let y = int(), let m = int(), let d = int() else { return nil }
        return Day(year: y, month: m, day: d)
    }
    mutating func flag() -> Bool? { int().flatMap { $0 == 0 ? false : $0 == 1 ? true : nil } }

    /// The ledger `StateWriter.ledger` wrote; the caller checks that nothing follows.
    mutating func decodeLedger() -> HazardLedger? {
        guard let count = int(), count >= 0 else { return nil }
        var ledger = HazardLedger()  // filled as read, owner by owner: no array of every hazard beside it
        // The state is written owner by owner, each owner's ids in order: its hazards are gathered and handed to the
        // ledger at once (`adopt`: one dictionary update per owner, not two per hazard). Anything else — an owner
        // seen again, ids out of order or twice — goes through `insert` one hazard at a time, as before.
        var owner = "", table: [HazardLedger.Hazard] = [], closedRun: [HazardLedger.ClosedHazard] = [], lastId: String?
        func handOver() {
            if !ledger.holds(owner: owner) {
                ledger.adopt(owner: owner, table: table, closed: closedRun)
            } else {
                for h in table { ledger.insert(h) }
                for c in closedRun { ledger.insert(HazardLedger.Hazard(owner: owner, closed: c)) }
            }
            table = []; closedRun = []; lastId = nil
        }
        for _ in 0..<count {
            guard let hazardOwner = string(), let id = string(), let ry = int(), let rm = int(),
                  let registeredIn = Period(year: ry, month: rm), let registeredFound = day(), let closed = flag() else { return nil }
            var rectifiedSince: Period?
            if closed { guard let y = int(), let m = int(), let p = Period(year: y, month: m) else { return nil }; rectifiedSince = p }
            guard let n = int(), n >= 0, n <= remaining, n > 0 || rectifiedSince != nil else { return nil }
            var updates: [HazardLedger.Update] = []
            updates.reserveCapacity(min(n, 16))  // a damaged count must not reserve gigabytes
            for _ in 0..<n {
                guard let y = int(), let m = int(), let period = Period(year: y, month: m),
                      let line = int(), let hazardId = string(), let found = day(), let hasGroup = flag() else { return nil }
                var group: String?
                if hasGroup { guard let g = string() else { return nil }; group = g }
                guard let category = string().flatMap(HazardCategory.init(rawValue:)),
                      let level = string().flatMap(HazardLevel.init(rawValue:)),
                      let description = string(), let location = string(), let responsible = string(),
                      let deadline = day(), let status = string().flatMap(HazardStatus.init(rawValue:)),
                      let hasRectified = flag() else { return nil }
                var rectified: Day?
                if hasRectified { guard let d = day() else { return nil }; rectified = d }
                guard let escalated = flag(), let escalatedTo = string() else { return nil }
                updates.append(HazardLedger.Update(period: period, row: HazardRow(
                    line: line, hazardId: hazardId, foundDate: found, groupCode: group, category: category, level: level,
                    description: description, location: location, responsible: responsible, deadline: deadline,
                    status: status, rectifiedDate: rectified, escalated: escalated, escalatedTo: escalatedTo)))
            }
            let hazard = HazardLedger.Hazard(owner: hazardOwner, id: id, registeredIn: registeredIn,
                                             registeredFoundDate: registeredFound, rectifiedSince: rectifiedSince,
                                             savedUpdates: updates)
            if hazardOwner != owner { handOver(); owner = hazardOwner }
            if let lastId, !(lastId < id) {
                handOver()  // out of order: what was gathered goes in first, then this one by `insert`
                ledger.insert(hazard)
                continue
            }
            lastId = id
            if let c = hazard.closedForm { closedRun.append(c) } else { table.append(hazard) }
        }
        handOver()
        ledger.fitToSize()
        return ledger
    }
}
