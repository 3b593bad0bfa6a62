// SHA-256 of earlier input files remembered by their stat, as git's index does, so unchanged history is not re-read.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of input files, remembered in `outputs/.state/hashes-<period>.bin` together with each file's
/// stat (device, inode, size, mtime and ctime in nanoseconds) and the moment it was hashed.
///
/// An entry stands for the file's bytes only when every stat field is still equal **and** the file's mtime and
/// ctime were older than the moment of hashing by `margin` (git's "racy" rule: a file changed within the same
/// clock tick after it was hashed could keep its stat, so such an entry is never trusted and the file is hashed
/// again). ctime cannot be set from user space, so an edit in place — even one that keeps the size and puts the
/// mtime back (`touch -d`) — always shows; a file replaced by a rename has another inode. This assumes the
/// file system's clock agrees with ours within `margin`, as git does.
///
/// The cache only saves re-reading a file: whatever uses a digest (the saved ledger state's key, the stale
/// check) still compares content hashes, so report(P) stays exactly a function of the inputs ≤ P. One file per
/// period, read when first needed and rewritten only when one of its entries changed; a missing or damaged
/// file is an empty cache. Saving is best effort (temp file + rename) and is done only by commands that hold
/// the outputs lock.
public final class FileHashCache: Sendable {
    /// What a digest came from, for `run --timings` and tests.
    public struct Counts: Sendable, Equatable {
        public var reused = 0, hashed = 0
    }

    struct Entry: Sendable, Equatable {
        var dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, ctime: Int64
        /// CLOCK_REALTIME in nanoseconds, taken before the file was opened.
        var hashedAt: Int64
        var sha256: String
    }

    private struct Table {
        /// Path under inputs/ → entry.
        var entries: [String: Entry] = [:]
        var dirty = false
    }

    private struct State {
        var tables: [String: Table] = [:]
        var counts = Counts(), summaryCounts = Counts()
        /// Period summaries (`PeriodHazards`) read or made, and whether each is to be written.
        var summaries: [Period: Summary?] = [:]
        var dirtySummaries: Set<Period> = []
    }

    /// A remembered `PeriodHazards` with what vouches for it.
    struct Summary: Sendable {
        var fingerprint: String, newest: Int64, madeAt: Int64
        var hazards: PeriodHazards
    }

    public let folder: URL
    public let inputs: URL
    /// `inputs.path` + "/": joined by hand, since URL.appendingPathComponent per file was 5 % of `status`.
    private let inputsPrefix: String
    /// Nanoseconds by which a file's mtime and ctime must precede the moment of hashing for an entry to be trusted.
    let margin: Int64
    private let state = Locked(State())
    /// Each month's files as one digest, for the check of that month's own report (`MonthFiles`).
    let months: MonthFiles

    /// Most entries one period's file may hold, and its largest size; beyond either it is not read.
    static let maxEntries = 2_000_000
    static let maxFileBytes = 512 << 20
    static let magic = "SRHASHES1\n"

    /// `margin` is in seconds: 2 covers the kernel's coarse timestamps and file systems with 1–2 s resolution.
    public init(outputs: URL, inputs: URL, margin: Double = 2) {
        folder = outputs.appendingPathComponent(".state")
        self.inputs = inputs
        inputsPrefix = inputs.path.hasSuffix("/") ? inputs.path : inputs.path + "/"
        self.margin = Int64(margin * 1e9)
        months = MonthFiles(folder: folder, margin: self.margin)
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// Period summaries believed and made since this cache was created, for `run --timings` and tests.
    public var summaryCounts: Counts { state.withLock { $0.summaryCounts } }

    /// The remembered summary of `period` when its fingerprint is `fingerprint` and it is not racy.
    /// `counting` false: a look that is not counted (`InputScanner.rememberedMonth` counts it once it is used).
    func rememberedSummary(_ period: Period, fingerprint: String, counting: Bool = true) -> PeriodHazards? {
        let known = state.withLock { s -> Summary? in
            if s.summaries[period] == nil { s.summaries[period] = .some(loadSummary(period)) }
            return s.summaries[period]!
        }
        guard let known, known.fingerprint == fingerprint, known.newest < known.madeAt - margin else {
            if counting { state.withLock { $0.summaryCounts.hashed += 1 } }
            return nil
        }
        if counting { countSummaryReused() }
        return known.hazards
    }

    /// Counts a remembered summary used.
    func countSummaryReused() { state.withLock { $0.summaryCounts.reused += 1 } }

    /// Keeps a summary just made, to be written by `save` (a racy one too: it is not believed until remade later).
    func remember(_ hazards: PeriodHazards, fingerprint: String, newest: Int64, madeAt: Int64) {
        state.withLock { s in
            s.summaries[hazards.period] = .some(Summary(fingerprint: fingerprint, newest: newest, madeAt: madeAt, hazards: hazards))
            s.dirtySummaries.insert(hazards.period)
        }
    }

    /// SHA-256 and size of `inputs/<relativePath>` (following symlinks, as reading does); nil when it cannot be
    /// opened as a regular file. From the cache when the file's stat proves it unchanged, else read and hashed.
    /// `stamp`: the regular file's stat as the scan took it (so the file is not stat'ed a second time); nil: stat it now.
    public func digest(_ relativePath: String, stamp: FileStamp? = nil) -> (sha256: String, bytes: Int)? {
        let path = inputsPrefix + relativePath
        let bucket = Self.bucket(relativePath)
        let now: FileStamp
        if let stamp { now = stamp } else {
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
            now = FileStamp(st)
        }
        if let bucket {
            let cached = state.withLock { s -> Entry? in
                if s.tables[bucket] == nil { s.tables[bucket] = Table(entries: load(bucket)) }
                return s.tables[bucket]!.entries[relativePath]
            }
            if let cached, trusts(cached, now) {
                state.withLock { $0.counts.reused += 1 }
                return (cached.sha256, Int(cached.size))
            }
        }
        guard let hashed = Self.hash(path) else { return nil }
        let entry = hashed.0, stable = hashed.stable
        state.withLock { s in
            s.counts.hashed += 1
            guard let bucket else { return }
            // Only a file that did not change while it was read is remembered; a racy one is remembered too, but
            // `trusts` will not believe it until it is hashed again after the margin has passed.
            if stable { s.tables[bucket, default: Table()].entries[relativePath] = entry } else { s.tables[bucket]?.entries[relativePath] = nil }
            s.tables[bucket, default: Table()].dirty = true
        }
        return (entry.sha256, Int(entry.size))
    }

    /// The stat is unchanged and the file was already old, by `margin`, when it was hashed.
    func trusts(_ e: Entry, _ st: stat) -> Bool { trusts(e, FileStamp(st)) }

    func trusts(_ e: Entry, _ now: FileStamp) -> Bool {
        now.dev == e.dev && now.ino == e.ino && now.size == e.size && now.mtime == e.mtime && now.ctime == e.ctime
            && e.mtime < e.hashedAt - margin && e.ctime < e.hashedAt - margin
    }

    /// Writes every period file whose entries changed (atomically; entries of files that no longer exist are
    /// dropped), and lets go of the entries in memory (a later `digest` reads them again): the build that
    /// follows should not carry them. Best effort: a cache that cannot be written is simply not there next time.
    public func save() {
        let summaries = state.withLock { s in
            defer { s.summaries.removeAll(); s.dirtySummaries.removeAll() }
            return s.dirtySummaries.compactMap { s.summaries[$0] ?? nil }
        }
        for summary in summaries { saveSummary(summary) }
        months.save()
        let dirty = state.withLock { s in
            defer { s.tables.removeAll() }
            return s.tables.filter(\.value.dirty)
        }
        for (bucket, table) in dirty {
            var writer = StateWriter()
            let kept = table.entries.filter { access(inputsPrefix + $0.key, F_OK) == 0 }
                .sorted { $0.key < $1.key }
            writer.int(kept.count)
            for (path, e) in kept {
                writer.string(path)
                writer.int(Int(bitPattern: UInt(e.dev))); writer.int(Int(bitPattern: UInt(e.ino)))
                writer.int(Int(e.size)); writer.int(Int(e.mtime)); writer.int(Int(e.ctime)); writer.int(Int(e.hashedAt))
                writer.string(e.sha256)
            }
            StateFile.write(writer.bytes, magic: Self.magic, to: url(bucket))
        }
    }

    func url(_ bucket: String) -> URL { folder.appendingPathComponent("hashes-\(bucket).bin") }

    static let summaryMagic = "SRHAZARDS1\n"
    func summaryURL(_ p: Period) -> URL { folder.appendingPathComponent("hazards-\(p).bin") }

    private func saveSummary(_ s: Summary) {
        var w = StateWriter()
        let h = s.hazards
        w.string(s.fingerprint); w.int(Int(s.newest)); w.int(Int(s.madeAt))
        w.string(h.period.description); w.string(h.entriesDigest); w.optionalString(h.filesDigest)
        w.int(h.records.count)
        for r in h.records {
            if let r { w.int(1); w.string(r.path); w.string(r.sha256); w.int(r.bytes) } else { w.int(0) }
        }
        StateFile.write(w.bytes, magic: Self.summaryMagic, to: summaryURL(h.period))
    }

    /// A period's remembered summary; nil when missing, too large or damaged in any way.
    private func loadSummary(_ p: Period) -> Summary? {
        guard let payload = StateFile.payload(at: summaryURL(p), magic: Self.summaryMagic, maxBytes: Self.maxFileBytes) else { return nil }
        var r = StateReader(bytes: payload)
        guard let fingerprint = r.string(), let newest = r.int(), let madeAt = r.int(), let period = r.string(), period == p.description,
              let entriesDigest = r.string(), let hasFiles = r.flag() else { return nil }
        var filesDigest: String?
        if hasFiles { guard let d = r.string() else { return nil }; filesDigest = d }
        guard let count = r.int(), count >= 0, count <= Self.maxEntries else { return nil }
        var records: [InputRecord?] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            guard let has = r.flag() else { return nil }
            guard has else { records.append(nil); continue }
            guard let path = r.string(), let sha = r.digest(), let n = r.int() else { return nil }
            records.append(InputRecord(path: path, digest: sha, bytes: n))
        }
        guard r.at == payload.count else { return nil }
        return Summary(fingerprint: fingerprint, newest: Int64(newest), madeAt: Int64(madeAt),
                       hazards: PeriodHazards(period: p, records: records, entriesDigest: entriesDigest, filesDigest: filesDigest))
    }

    /// The period folder a path is under (`2026-09/V1/hazards.csv` → `2026-09`); nil for anything else.
    static func bucket(_ relativePath: String) -> String? {
        guard let first = relativePath.split(separator: "/", maxSplits: 1).first, Period(String(first)) != nil else { return nil }
        return String(first)
    }

    /// One period's entries; empty when the file is missing, too large or damaged in any way.
    private func load(_ bucket: String) -> [String: Entry] {
        guard let payload = StateFile.payload(at: url(bucket), magic: Self.magic, maxBytes: Self.maxFileBytes) else { return [:] }
        var reader = StateReader(bytes: payload)
        guard let count = reader.int(), count >= 0, count <= Self.maxEntries else { return [:] }
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(count)
        for _ in 0..<count {
            guard let p = reader.string(), Self.bucket(p) == bucket,
                  let dev = reader.int(), let ino = reader.int(), let size = reader.int(), let mtime = reader.int(),
                  let ctime = reader.int(), let hashedAt = reader.int(), let sha = reader.string(), sha.utf8.count == 64
            else { return [:] }
            entries[p] = Entry(dev: UInt64(UInt(bitPattern: dev)), ino: UInt64(UInt(bitPattern: ino)), size: Int64(size),
                               mtime: Int64(mtime), ctime: Int64(ctime), hashedAt: Int64(hashedAt), sha256: sha)
        }
        return reader.at == payload.count ? entries : [:]
    }

    static func fields(_ st: stat) -> (dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, ctime: Int64) {
        let s = FileStamp(st)
        return (s.dev, s.ino, s.size, s.mtime, s.ctime)
    }
}

/// What the remembered hashes compare: a file's device, inode, size, and mtime and ctime in nanoseconds.
public struct FileStamp: Sendable, Equatable {
    public var dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, ctime: Int64

    public init(dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, ctime: Int64) {
        self.dev = dev; self.ino = ino; self.size = size; self.mtime = mtime; self.ctime = ctime
    }

    public init(_ st: stat) {
        dev = UInt64(st.st_dev); ino = UInt64(st.st_ino); size = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        ctime = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    }
}

extension FileHashCache {
    static func realtimeNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Reads and hashes the file through one descriptor; `stable` is false when its stat changed while it was read.
    static func hash(_ path: String) -> (Entry, stable: Bool)? {
        let hashedAt = realtimeNanoseconds()
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var before = stat(), after = stat()
        guard fstat(fd, &before) == 0, before.st_mode & S_IFMT == S_IFREG else { return nil }
        var sha = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            buffer.withUnsafeBytes { sha.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
        guard fstat(fd, &after) == 0 else { return nil }
        let f = fields(before), g = fields(after)
        let stable = f == g && Int64(total) == f.size
        let entry = Entry(dev: f.dev, ino: f.ino, size: Int64(total), mtime: f.mtime, ctime: f.ctime, hashedAt: hashedAt,
                          sha256: sha.hexDigest())
        return (entry, stable)
    }
}
