// Every input file of one month summed up as one digest, remembered by the files' stats, for the stale check of that month's own report.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// All four files of every submitter of one month, as the stale check of that month's own report compares them: the
/// digest `PeriodHazards.filesDigest` gives of their (SHA-256, path) list. Remembered in `outputs/.state/files-<q>.bin`
/// with a fingerprint of what the scan found (per submitter and dataset: absent, unreadable, or the path and the file's
/// device, inode, size, mtime and ctime), and believed exactly as the hazards summary is: the fingerprint equal and
/// every file's mtime and ctime older than the summary's making by the margin. A month with a file the scan found
/// without a stat (a link, a sheet of a whole workbook), or one that cannot be hashed or is found unreadable, has no
/// summary: its report is compared file by file.
final class MonthFiles: Sendable {
    struct Remembered: Sendable {
        var fingerprint: String, newest: Int64, madeAt: Int64, filesDigest: String
    }

    private struct State {
        var known: [Period: Remembered?] = [:]
        var dirty: Set<Period> = []
        var believed = 0, made = 0
    }

    let folder: URL
    let margin: Int64
    private let state = Locked(State())
    static let magic = "SRMONTHFILES1\n"

    init(folder: URL, margin: Int64) { self.folder = folder; self.margin = margin }

    /// Months believed and made, for tests.
    var counts: (believed: Int, made: Int) { state.withLock { ($0.believed, $0.made) } }

    func url(_ p: Period) -> URL { folder.appendingPathComponent("files-\(p).bin") }

    /// The fingerprint of every dataset file `scan` found (nil when one has no stat), and the newest of their times.
    static func fingerprint(_ scan: ScannedPeriod, codes: [String]) -> (digest: String, newest: Int64)? {
        var w = StateWriter()
        var newest = Int64.min
        w.string(scan.period.description)
        for code in codes {
            w.string(code)
            let folder = scan.folders[code]
            for kind in FileKind.allCases {
                if folder?.unreadable[kind] != nil {
                    return nil  // found unreadable: compared file by file, as the check decides by opening it
                } else if let file = folder?.files[kind] {
                    guard w.stamp(of: file, newest: &newest) else { return nil }
                } else {
                    w.int(0)
                }
            }
        }
        return (SHA256.hexDigest(of: w.bytes), newest)
    }

    /// The digest of `scan`'s files: remembered when its fingerprint is equal and not racy, else made from each file's
    /// digest (`hashes`) and remembered for next time. Nil when the month has no summary (see the type).
    func filesDigest(_ scan: ScannedPeriod, codes: [String], hashes: FileHashCache) -> String? {
        guard let fingerprint = Self.fingerprint(scan, codes: codes) else { return nil }
        let p = scan.period
        let known = state.withLock { s -> Remembered? in
            if s.known[p] == nil { s.known[p] = .some(load(p)) }
            return s.known[p]!
        }
        if let known, known.fingerprint == fingerprint.digest, known.newest < known.madeAt - margin {
            state.withLock { $0.believed += 1 }
            return known.filesDigest
        }
        let madeAt = FileHashCache.realtimeNanoseconds()
        var records: [(path: String, sha256: String)] = []
        for code in codes {
            guard let folder = scan.folders[code] else { continue }
            for (_, file) in folder.files {
                guard let d = hashes.digest(file.relativePath, stamp: file.stamp) else { return nil }
                records.append((file.relativePath, d.sha256))
            }
        }
        let digest = PeriodHazards.filesDigest(records)
        state.withLock { s in
            s.made += 1
            s.known[p] = .some(Remembered(fingerprint: fingerprint.digest, newest: fingerprint.newest, madeAt: madeAt, filesDigest: digest))
            s.dirty.insert(p)
        }
        return digest
    }

    /// Writes the summaries made (best effort), and lets go of those in memory.
    func save() {
        let dirty = state.withLock { s in
            defer { s.known.removeAll(); s.dirty.removeAll() }
            return s.dirty.compactMap { p in s.known[p]!.map { (p, $0) } }
        }
        for (p, r) in dirty {
            var w = StateWriter()
            w.string(p.description); w.string(r.fingerprint); w.int(Int(r.newest)); w.int(Int(r.madeAt)); w.string(r.filesDigest)
            StateFile.write(w.bytes, magic: Self.magic, to: url(p))
        }
    }

    /// A month's remembered summary; nil when missing or damaged in any way.
    private func load(_ p: Period) -> Remembered? {
        guard let payload = StateFile.payload(at: url(p), magic: Self.magic, maxBytes: 1 << 20) else { return nil }
        var r = StateReader(bytes: payload)
        guard r.string() == p.description, let fingerprint = r.string(), let newest = r.int(), let madeAt = r.int(),
              let digest = r.string(), r.at == payload.count else { return nil }
        return Remembered(fingerprint: fingerprint, newest: Int64(newest), madeAt: Int64(madeAt), filesDigest: digest)
    }
}
