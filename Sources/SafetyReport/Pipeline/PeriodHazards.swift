// One earlier period's hazards files summed up once, and remembered by their stats, for the saved state's key and the stale check.

import Foundation

/// Every submitter's hazards file of one period, as the saved ledger state's key and the stale check see it:
/// per submitter (registry order) its record, or that it was absent or unreadable, and two digests of that list.
///
/// Remembered in `outputs/.state/hazards-<q>.bin` (by `FileHashCache`) with a fingerprint of what the scan found —
/// for each submitter whether it had a hazards file, its path, and the file's device, inode, size, mtime and ctime —
/// and believed, as a remembered hash is, only when today's fingerprint is equal and every file's mtime and ctime
/// were older than the summary's making by the margin. So a month whose files all keep their stat costs one
/// fingerprint (a hash over the scan's stats) instead of a remembered-hash lookup and a record per file.
public struct PeriodHazards: Sendable, Equatable {
    public var period: Period
    /// Per submitter, in `config.submitterCodes` order: the file's record, nil when it has none or it is unreadable.
    public var records: [InputRecord?]
    /// SHA-256 of the key's entry lines (`LedgerStateKey.entry`), joined by newlines.
    public var entriesDigest: String
    /// SHA-256 of `sha256 path` of every record, sorted by path (`StaleCheck` compares it with the same digest of a
    /// report's recorded files of this period); nil when a file the scan found could not be hashed.
    public var filesDigest: String?

    /// What the stale check compares: `sha256 path` lines of the records, sorted, a line repeated only once (a file
    /// recorded twice with two different digests gives two lines, so it never equals a month's summary).
    static func filesDigest(_ records: [(path: String, sha256: String)]) -> String {
        // Ordered by bytes (any fixed order serves: both sides of a comparison come through here), hashed in one buffer.
        func before(_ a: (path: String, sha256: String), _ b: (path: String, sha256: String)) -> Bool {
            a.path == b.path ? a.sha256.utf8.lexicographicallyPrecedes(b.sha256.utf8) : a.path.utf8.lexicographicallyPrecedes(b.path.utf8)
        }
        var text: [UInt8] = []
        text.reserveCapacity(records.count * 110)
        var last: (path: String, sha256: String)?
        for r in records.sorted(by: before) {
            if let last, last == r { continue }
            text += r.sha256.utf8; text.append(0x20); text += r.path.utf8; text.append(0x0A)
            last = r
        }
        return SHA256.hexDigest(of: text)
    }

    /// What the scan says of each submitter's hazards file, hashed: the summary is believed only when this is equal.
    /// Nil when a file has no stat from the scan (a link, a sheet of a whole workbook): such a period is not remembered.
    static func fingerprint(_ scan: ScannedPeriod, codes: [String]) -> (digest: String, newest: Int64)? {
        var w = StateWriter()
        var newest = Int64.min
        w.string(scan.period.description)
        for code in codes {
            w.string(code)
            let folder = scan.folders[code]
            if folder?.unreadable[.hazards] != nil {
                w.int(1)
            } else if let file = folder?.files[.hazards] {
                guard w.stamp(of: file, newest: &newest) else { return nil }
            } else {
                w.int(0)
            }
        }
        return (SHA256.hexDigest(of: w.bytes), newest)
    }

    /// `fingerprint(_:codes:)` of a month where no submitter's hazards file is unreadable: `file(code)` gives each
    /// submitter's hazards file (its path relative to the inputs folder, and its stat), nil when it has none.
    static func fingerprint(_ period: Period, codes: [String], file: (String) -> (path: String, stamp: FileStamp)?)
        -> (digest: String, newest: Int64) {
        var w = StateWriter()
        var newest = Int64.min
        w.string(period.description)
        for code in codes {
            w.string(code)
            if let (path, s) = file(code) {
                // As `StateWriter.stamp(of:newest:)` writes a found file.
                w.int(2); w.string(path)
                w.int(Int(bitPattern: UInt(s.dev))); w.int(Int(bitPattern: UInt(s.ino))); w.int(Int(s.size))
                w.int(Int(s.mtime)); w.int(Int(s.ctime))
                newest = max(newest, s.mtime, s.ctime)
            } else {
                w.int(0)
            }
        }
        return (SHA256.hexDigest(of: w.bytes), newest)
    }
}

extension PeriodHazards {
    /// `fingerprint(_:codes:file:)` with each file's path given as a range of `listing`'s bytes (valid UTF-8: the
    /// same bytes `StateWriter.string` writes for the path as a String), so no String is made per file.
    static func fingerprint(_ period: Period, codes: [String], listing: [UInt8], file: (String) -> (path: Range<Int>, stamp: FileStamp)?)
        -> (digest: String, newest: Int64) {
        var w = StateWriter()
        w.bytes.reserveCapacity(codes.count * 64)
        var newest = Int64.min
        w.string(period.description)
        for code in codes {
            w.string(code)
            if let (path, s) = file(code) {
                // As `StateWriter.stamp(of:newest:)` writes a found file.
                w.int(2); w.int(path.count); w.bytes += listing[path]
                w.statFields(s, newest: &newest)
            } else {
                w.int(0)
            }
        }
        return (SHA256.hexDigest(of: w.bytes), newest)
    }
}

extension FileHashCache {
    /// The summary of `scan`'s hazards files: remembered when its fingerprint is equal and not racy, else made from
    /// each file's digest (remembered hashes, or the file read) and remembered for next time (`save`).
    public func periodHazards(_ scan: ScannedPeriod, codes: [String]) -> PeriodHazards {
        let fingerprint = PeriodHazards.fingerprint(scan, codes: codes)
        if let fingerprint, let known = rememberedSummary(scan.period, fingerprint: fingerprint.digest) {
            return known
        }
        let madeAt = Self.realtimeNanoseconds()
        var records: [InputRecord?] = []
        var entries: [String] = []
        var complete = true
        records.reserveCapacity(codes.count)
        entries.reserveCapacity(codes.count)
        for code in codes {
            let folder = scan.folders[code]
            var record: InputRecord?
            if let file = folder?.files[.hazards], folder?.unreadable[.hazards] == nil {
                record = digest(file.relativePath, stamp: file.stamp).map { InputRecord(path: file.relativePath, sha256: $0.sha256, bytes: $0.bytes) }
                if record == nil { complete = false }
            } else if folder?.files[.hazards] != nil {
                complete = false  // found and unreadable at once: the stale check compares such a month file by file
            }
            records.append(record)
            entries.append(LedgerStateKey.entry(owner: code, record: record,
                                                present: folder?.files[.hazards] != nil || folder?.unreadable[.hazards] != nil))
        }
        let summary = PeriodHazards(period: scan.period, records: records, entriesDigest: LedgerStateKey.entriesDigest(entries),
                                    filesDigest: complete ? PeriodHazards.filesDigest(records.compactMap { $0.map { ($0.path, $0.sha256) } }) : nil)
        if let fingerprint, complete {
            remember(summary, fingerprint: fingerprint.digest, newest: fingerprint.newest, madeAt: madeAt)
        }
        return summary
    }
}

extension StateWriter {
    /// A found file's path and stat as a month's fingerprints write them (`PeriodHazards`, `MonthFiles`), its newest
    /// time kept in `newest`; false when it has no stat or is a sheet of a workbook: then no fingerprint is made.
    mutating func stamp(of file: FoundFile, newest: inout Int64) -> Bool {
        guard let s = file.stamp, file.sheet == nil else { return false }
        int(2); string(file.relativePath)
        statFields(s, newest: &newest)
        return true
    }

    /// A found file's stat as the fingerprint holds it (after its path), and the newer of its times into `newest`.
    mutating func statFields(_ s: FileStamp, newest: inout Int64) {
        int(Int(bitPattern: UInt(s.dev))); int(Int(bitPattern: UInt(s.ino))); int(Int(s.size))
        int(Int(s.mtime)); int(Int(s.ctime))
        newest = max(newest, s.mtime, s.ctime)
    }
}
