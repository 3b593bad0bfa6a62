// What the stale check reads of a built report, kept beside the outputs in binary so the big manifest.json is not decoded again.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `outputs/.state/manifest-<P>.bin`: the fields of P's manifest.json that staleness, build ids, re-runs and `status`
/// use (tool, period, built_at, config, the inputs listing's hash, the outputs' names, SHA-256 and sizes, and every
/// input file's path, SHA-256 and size) — not the per-file counts — with manifest.json's stat and SHA-256.
///
/// manifest.json lists every earlier hazards file read (15 MB of JSON at 2,000 villages × 36 months), and `run`
/// checks every other built report before building, so decoding them was the part of a monthly run that grew
/// with history. The side file is believed as FileHashCache believes a stat: manifest.json's device, inode,
/// size, mtime and ctime equal, and its mtime and ctime older than the moment the side file was made by the
/// margin (a file changed in the same clock tick could keep its stat). Otherwise manifest.json is hashed as it is
/// read, in pieces, and its SHA-256 compared with the one recorded; only when that differs is the JSON read whole
/// and decoded. A missing, damaged or
/// mismatched side file is never believed. Written (temp + rename) only by commands that hold the outputs lock.
public struct ManifestIndex: Sendable {
    public let outputs: URL
    /// Nanoseconds by which manifest.json's times must precede the side file's making for the stat to be believed.
    let margin: Int64
    /// Version 2 keeps the months before the report's year as one digest each (`PriorMonths`); version 3 the outputs
    /// too (what a re-run of P compares, `built`). An older file is not believed, so manifest.json is decoded once
    /// more and the side file written anew.
    static let magic = "SRMANIFEST3\n"
    static let maxFileBytes = 512 << 20

    public init(outputs: URL, margin: Double = 2) {
        self.outputs = outputs
        self.margin = Int64(margin * 1e9)
    }

    func url(_ p: Period) -> URL { outputs.appendingPathComponent(".state/manifest-\(p).bin") }

    /// P's manifest as far as the stale check needs it (`files` — the per-file counts — left empty when it comes
    /// from the side file); nil when outputs/P/manifest.json cannot be read or decoded. `save`: (re)write the side file when
    /// it was not believed — only under the outputs lock.
    public func read(_ p: Period, save: Bool) -> Manifest? {
        let path = manifestPath(p)
        let side = load(p)
        if let side {
            switch vouch(path, stamp: side.stamp, madeAt: side.madeAt, manifestSHA256: side.manifestSHA256) {
            case .believed: return side.manifest
            case .rehashed(let stamp, let madeAt):
                // The same manifest: only the stat and the moment change; the rest of the side file is kept as it is.
                if save, let stamp { rewrite(p, side, stamp: stamp, madeAt: madeAt) }
                return side.manifest
            case .differs: break
            }
        }
        let madeAt = FileHashCache.realtimeNanoseconds()
        guard let (bytes, stamp) = Self.readStable(path) else { return nil }
        let sha = SHA256.hexDigest(of: bytes)
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else { return nil }
        if save, let stamp { write(p, manifest, stamp: stamp, madeAt: madeAt, manifestSHA256: sha) }
        return manifest
    }

    /// What replacing P's report needs of the built one (`ReportRun.build`): its build id and its outputs' names,
    /// SHA-256 and sizes; nil when outputs/P/manifest.json cannot be read or decoded. From the side file when it
    /// vouches for manifest.json (as in `read`), reading only its head and outputs, not the input records; else from
    /// manifest.json decoded whole, as before the side file kept the outputs. Writes nothing.
    ///
    /// Decoding the 7 MB manifest.json of a 2,000 × 12 town (15 MB at 36 months) with JSONDecoder was a 20 MB spike
    /// that made a re-run of a built month peak ≈ 16 MB above a first build of it.
    public func built(_ p: Period) -> BuiltReport? {
        let path = manifestPath(p)
        if let head = loadHead(p) {
            switch vouch(path, stamp: head.stamp, madeAt: head.madeAt, manifestSHA256: head.manifestSHA256) {
            case .believed, .rehashed: return head.report
            case .differs: break
            }
        }
        guard let manifest = Manifest.read(URL(fileURLWithPath: path)) else { return nil }
        return BuiltReport(buildID: manifest.buildID, outputs: manifest.outputs)
    }

    /// What `built` gives: a built report's build id and outputs.
    public struct BuiltReport: Sendable, Equatable {
        public var buildID: String
        public var outputs: [Manifest.Output]
    }

    private func manifestPath(_ p: Period) -> String { outputs.appendingPathComponent("\(p)/manifest.json").path }

    /// Whether a side file made at `madeAt` of manifest.json with `stamp` and `manifestSHA256` stands for it now.
    private enum Vouch {
        /// By the stat alone (equal, and old enough when the side file was made).
        case believed
        /// manifest.json hashed (in pieces) to the recorded SHA-256; `stamp`: its stat when it held still meanwhile.
        case rehashed(stamp: FileStamp?, madeAt: Int64)
        /// Missing, unreadable, or other bytes.
        case differs
    }

    private func vouch(_ path: String, stamp: FileStamp, madeAt: Int64, manifestSHA256: String) -> Vouch {
        var st = stat()
        if stat(path, &st) == 0, FileStamp(st) == stamp, stamp.mtime < madeAt - margin, stamp.ctime < madeAt - margin {
            return .believed
        }
        // Hashed as read, 64 KB at a time: reading the whole 7–15 MB file to hash it was the largest thing a
        // monthly run's stale check allocated for last month's freshly written manifest.
        guard let (entry, stable) = FileHashCache.hash(path), entry.sha256 == manifestSHA256 else { return .differs }
        let now = FileStamp(dev: entry.dev, ino: entry.ino, size: entry.size, mtime: entry.mtime, ctime: entry.ctime)
        return .rehashed(stamp: stable ? now : nil, madeAt: entry.hashedAt)
    }

    /// Writes P's side file for the manifest just committed as `json` (under the outputs lock). Made now, its stat is
    /// within the margin, so the next read checks manifest.json's SHA-256 once and writes the side file again.
    public func remember(_ p: Period, _ manifest: Manifest, json: [UInt8]) {
        remember(p, manifest, jsonBytes: json.count, jsonSHA256: SHA256.hexDigest(of: json))
    }

    /// The same, from manifest.json's size and SHA-256 (as hashed while it was written, so its text is not held).
    public func remember(_ p: Period, _ manifest: Manifest, jsonBytes: Int, jsonSHA256: String) {
        let madeAt = FileHashCache.realtimeNanoseconds()
        var st = stat()
        guard stat(outputs.appendingPathComponent("\(p)/manifest.json").path, &st) == 0, Int(st.st_size) == jsonBytes else { return }
        write(p, manifest, stamp: FileStamp(st), madeAt: madeAt, manifestSHA256: jsonSHA256)
    }

    /// The side file of a manifest still in staging (`stagedJSON`: its path there), written on a pool thread to a
    /// temporary file while the outputs are flushed and swapped in: one after the other, the end of a run left a core
    /// idle (docs/performance-log.md, *Single-core gaps, eighth session*). The swap moves the folder, not the file, so
    /// the stat taken in staging is outputs/P/manifest.json's; `PendingSide.commit` puts the side file in place once
    /// the swap is done, `discard` drops it when the build fails.
    /// `buildID`: `manifest.buildID` when the caller has it already (the build made it beside the roll-up): made again
    /// here, it sorted and hashed every recorded input once more (75,000 at 2,000 villages × 36 months).
    public func prepare(_ p: Period, _ manifest: Manifest, stagedJSON: String, jsonBytes: Int, jsonSHA256: String,
                        buildID: String? = nil) -> PendingSide {
        // The stat here, not on the pool thread: by the time that runs, the swap may have moved the staging folder.
        let madeAt = FileHashCache.realtimeNanoseconds()
        var st = stat()
        guard stat(stagedJSON, &st) == 0, Int(st.st_size) == jsonBytes else { return PendingSide(temp: nil, target: url(p).path) }
        let stamp = FileStamp(st)
        let temp = Background {
            write(p, manifest, stamp: stamp, madeAt: madeAt, manifestSHA256: jsonSHA256, buildID: buildID, keepTemporary: true)
        }
        return PendingSide(temp: temp, target: url(p).path)
    }

    /// A side file being written to its temporary name, waiting for its manifest to be swapped in (see `prepare`).
    public struct PendingSide: Sendable {
        /// The temporary file's path once written (nil: it could not be); no side file at all when nil itself.
        let temp: Background<String?>?
        let target: String
        /// Renames it into place (best effort, as `remember`).
        public func commit() {
            if let path = temp?.wait() ?? nil, rename(path, target) != 0 { unlink(path) }
        }
        /// Drops it: its manifest never reached outputs/P.
        public func discard() {
            if let path = temp?.wait() ?? nil { unlink(path) }
        }
    }

    private struct Side {
        var stamp: FileStamp, madeAt: Int64, manifestSHA256: String, manifest: Manifest
        /// Where, in the side file, the payload after the stat, the moment and manifest.json's SHA-256 starts (what
        /// the manifest itself gives), and the file's size: `rewrite` copies that part as it is.
        var bodyStart: Int, fileSize: Int
    }

    /// The file's bytes, and its stat when it was the same before and after the reading (nil: it changed meanwhile,
    /// so no side file may vouch for these bytes under that stat).
    private static func readStable(_ path: String) -> ([UInt8], FileStamp?)? {
        var before = stat(), after = stat()
        guard stat(path, &before) == 0, let bytes = try? InputLoader.readInput(path, limit: maxFileBytes) else { return nil }
        let stable = stat(path, &after) == 0 && FileStamp(before) == FileStamp(after) && Int(after.st_size) == bytes.count
        return (bytes, stable ? FileStamp(after) : nil)
    }

    /// `keepTemporary`: the file is left under its temporary name, which is returned (nil when it could not be written).
    @discardableResult
    private func write(_ p: Period, _ m: Manifest, stamp: FileStamp, madeAt: Int64, manifestSHA256: String,
                       buildID: String? = nil, keepTemporary: Bool = false) -> String? {
        // The months before the report's year as groups with their digest (what the stale check compares first).
        // (A manifest that came from a side file holds its prior months apart: `recordedInputs` puts them back.)
        // Grouped as indexes, and written in pieces as encoded: the body built whole (7.7 MB at 2,000 × 36, in an
        // array grown by doubling, beside the records grouped and filtered into copies) was a spike at the end of
        // every run that grew with the history.
        let period = Period(m.period)
        let all = m.priorMonths == nil ? m.inputs.files : m.recordedInputs
        var rest: [Int] = [], prior: [Period: [Int]] = [:]
        for i in all.indices {
            if let q = StaleCheck.period(of: all[i].path), let period, PriorMonths.isPrior(q, of: period) { prior[q, default: []].append(i) }
            else { rest.append(i) }
        }
        return writeFile(p, stamp: stamp, madeAt: madeAt, manifestSHA256: manifestSHA256, keepTemporary: keepTemporary) { w, _ -> Bool in
            w.string(m.tool.name); w.string(m.tool.version); w.string(m.period); w.string(m.builtAt)
            w.string(m.config.path); w.string(m.config.sha256); w.string(m.inputs.listingSHA256)
            w.string(buildID ?? m.buildID)
            w.int(m.outputs.count)
            for o in m.outputs { w.string(o.name); w.string(o.sha256); w.int(o.bytes) }
            w.int(rest.count)
            for i in rest {
                w.string(all[i].path); w.string(all[i].sha256); w.int(all[i].bytes)
                if w.bytes.count >= StateWriter.piece { w.flush() }
            }
            w.int(prior.count)
            for q in prior.keys.sorted() {
                let files = prior[q]!
                var group = StateWriter()
                for i in files { group.string(all[i].path); group.string(all[i].sha256); group.int(all[i].bytes) }
                w.string(q.description); w.string(PeriodHazards.filesDigest(files.map { (all[$0].path, all[$0].sha256) }))
                w.int(files.count); w.int(group.bytes.count)
                w.bytes += group.bytes
                if w.bytes.count >= StateWriter.piece { w.flush() }
            }
            return true
        }
    }

    /// P's side file again for the same manifest.json under a new stat and moment: the rest is copied from the file
    /// `side` was loaded from, in pieces, and only when that file still hashes to its checksum (held whole, the body
    /// was 7.5 MB at 2,000 × 36 at the stale check's peak).
    private func rewrite(_ p: Period, _ side: Side, stamp: FileStamp, madeAt: Int64) {
        writeFile(p, stamp: stamp, madeAt: madeAt, manifestSHA256: side.manifestSHA256) { w, raw in
            w.flush()
            let fd = open(url(p).path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, Int(st.st_size) == side.fileSize else { return false }
            let start = Self.magic.utf8.count + 65
            var piece = [UInt8](repeating: 0, count: 1 << 20)
            var line: [UInt8] = [], old = SHA256(), at = 0
            while true {
                let n = piece.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; return false }
                if n == 0 { break }
                piece.withUnsafeBytes { all in
                    let lineEnd = min(n, max(0, start - at)), bodyFrom = min(n, max(0, side.bodyStart - at))
                    line += all[0..<lineEnd]
                    old.update(UnsafeRawBufferPointer(rebasing: all[lineEnd..<n]))
                    if bodyFrom < n { raw(UnsafeRawBufferPointer(rebasing: all[bodyFrom..<n])) }
                }
                at += n
            }
            return at == side.fileSize && line.count == start && line[Self.magic.utf8.count..<start - 1].elementsEqual(old.hexDigest().utf8)
        }
    }

    /// Writes P's side file through a temporary file renamed over it: a header line with room for the checksum, the
    /// stat, the moment and manifest.json's SHA-256, then the body as `fill` writes it (into the writer, which hands
    /// it on in pieces, or straight through `raw`), hashed on the way; the checksum goes in last. Best effort: no
    /// side file is only slower.
    @discardableResult
    private func writeFile(_ p: Period, stamp: FileStamp, madeAt: Int64, manifestSHA256: String, keepTemporary: Bool = false,
                           body fill: (inout StateWriter, (UnsafeRawBufferPointer) -> Void) -> Bool) -> String? {
        let folder = outputs.appendingPathComponent(".state")
        let temp = folder.appendingPathComponent(".manifest-\(p).\(getpid()).tmp")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        var hash = SHA256()
        var written = Array((Self.magic + String(repeating: "0", count: 64) + "\n").utf8).withUnsafeBytes { Self.writeAll(fd, $0) }
        let raw = { (bytes: UnsafeRawBufferPointer) in
            hash.update(bytes)
            if written { written = Self.writeAll(fd, bytes) }
        }
        var w = StateWriter()
        w.sink = { piece in piece.withUnsafeBytes { raw($0) } }
        w.int(Int(bitPattern: UInt(stamp.dev))); w.int(Int(bitPattern: UInt(stamp.ino))); w.int(Int(stamp.size))
        w.int(Int(stamp.mtime)); w.int(Int(stamp.ctime)); w.int(Int(madeAt)); w.string(manifestSHA256)
        let filled = fill(&w, raw)
        w.flush()
        written = written && filled
        let header = Array((Self.magic + hash.hexDigest() + "\n").utf8)
        if written { written = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) == $0.count } }
        if close(fd) != 0 || !written { unlink(temp.path); return nil }
        if keepTemporary { return temp.path }
        if rename(temp.path, url(p).path) != 0 { unlink(temp.path); return nil }
        return url(p).path
    }

    /// Writes every byte of `bytes` to `fd` (retrying short writes and EINTR); false on any error.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return true
    }

    /// P's side file, decoded as it is read in pieces and hashed on the way (nil unless the checksum holds and nothing
    /// follows): only the months before the report's year are kept as bytes, for `PriorMonths` to decode on demand.
    /// (Read whole, the file sat beside the records decoded from it and was kept for the prior months: 7.5 MB at
    /// 2,000 × 36, the largest single allocation of a monthly run's stale check by heaptrack.)
    private func load(_ p: Period) -> Side? {
        guard Self.checksumHolds(url(p).path), var r = StreamedStateReader(path: url(p).path, piece: 1 << 18), r.remaining <= Self.maxFileBytes else { return nil }
        let fileSize = r.remaining
        let header = Array(Self.magic.utf8)
        guard fileSize > header.count + 65, let line = r.take(header.count + 65), line.prefix(header.count).elementsEqual(header),
              line.last == 0x0A else { return nil }
        let digest = Array(line.dropFirst(header.count).dropLast())
        r.startHashing()
        guard let dev = r.int(), let ino = r.int(), let size = r.int(), let mtime = r.int(), let ctime = r.int(),
              let madeAt = r.int(), let sha = r.string(), sha.utf8.count == 64, case let bodyStart = fileSize - r.remaining,
              let toolName = r.string(), let toolVersion = r.string(), let period = r.string(), let builtAt = r.string(),
              let configPath = r.string(), let configSHA = r.string(), let listing = r.string(), let buildID = r.string(),
              let outputs = Self.outputs(&r), let count = r.int(), count >= 0, count <= r.remaining,
              period == p.description else { return nil }
        var files: [InputRecord] = []
        files.reserveCapacity(count)
        for _ in 0..<count {
            guard let path = r.string(), let fileSHA = r.digest(), let n = r.int() else { return nil }
            files.append(InputRecord(path: path, digest: fileSHA, bytes: n))
        }
        guard let groups = r.int(), groups >= 0, groups <= r.remaining else { return nil }
        var kept: [UInt8] = []
        var digests: [Period: String] = [:], ranges: [Period: (range: Range<Int>, count: Int)] = [:]
        for _ in 0..<groups {
            guard let month = r.string(), let q = Period(month), PriorMonths.isPrior(q, of: p), let groupDigest = r.string(),
                  let n = r.int(), n >= 0, let length = r.int(), length >= 0, length <= r.remaining,
                  let bytes = r.take(length) else { return nil }
            digests[q] = groupDigest
            ranges[q] = (kept.count..<kept.count + length, n)
            kept += bytes
        }
        guard r.finished(), r.hexDigest().utf8.elementsEqual(digest) else { return nil }
        var prior = PriorMonths(buildID: buildID, payload: kept)
        prior.digests = digests
        prior.ranges = ranges
        let stamp = FileStamp(dev: UInt64(UInt(bitPattern: dev)), ino: UInt64(UInt(bitPattern: ino)), size: Int64(size),
                              mtime: Int64(mtime), ctime: Int64(ctime))
        let manifest = Manifest(tool: .init(name: toolName, version: toolVersion), period: period, builtAt: builtAt,
                                config: .init(path: configPath, sha256: configSHA),
                                inputs: .init(listingSHA256: listing, files: files),
                                counts: .init(rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, filesRejected: 0, errors: 0, warnings: 0),
                                files: [], outputs: outputs, priorMonths: prior)
        return Side(stamp: stamp, madeAt: Int64(madeAt), manifestSHA256: sha, manifest: manifest, bodyStart: bodyStart, fileSize: fileSize)
    }

    /// The outputs' list as `write` puts it after the build id; nil when the bytes do not hold one whole.
    private static func outputs<R: StateDecoding>(_ r: inout R) -> [Manifest.Output]? {
        guard let n = r.int(), n >= 0, n <= r.remaining else { return nil }
        var outputs: [Manifest.Output] = []
        outputs.reserveCapacity(n)
        for _ in 0..<n {
            guard let name = r.string(), let sha = r.string(), let bytes = r.int() else { return nil }
            outputs.append(Manifest.Output(name: name, sha256: sha, bytes: bytes))
        }
        return outputs
    }

    /// Whether the side file at `path` hashes to the checksum in its header line, hashed as read in pieces before
    /// anything is decoded: a damaged file (of up to `maxFileBytes`) then costs one hash, not a decode of whatever
    /// its bytes claim to hold. `load` and `loadHead` still check the hash of what they decode (the file may be
    /// replaced in between).
    private static func checksumHolds(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // O_NONBLOCK: a FIFO in its place must not block
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= maxFileBytes else { return false }
        let header = Array(magic.utf8), start = header.count + 65
        var line: [UInt8] = [], hash = SHA256()
        var piece = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = piece.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { break }
            let from = min(n, max(0, start - line.count))
            line += piece[0..<from]
            if line.count >= header.count, !line[0..<header.count].elementsEqual(header) { return false }  // another version
            piece.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[from..<n])) }
        }
        return line.count == start && line[start - 1] == 0x0A && line[header.count..<start - 1].elementsEqual(hash.hexDigest().utf8)
    }

    /// The side file's head for `built`: manifest.json's stat, the moment, its SHA-256, the build id and the outputs.
    private struct Head { var stamp: FileStamp, madeAt: Int64, manifestSHA256: String, report: BuiltReport }

    /// The head of P's side file, read in pieces: the whole file is hashed (nil unless the checksum holds), but only
    /// the bytes up to the end of the outputs' list are kept (the input records after it were 3–11 MB).
    private func loadHead(_ p: Period) -> Head? {
        guard Self.checksumHolds(url(p).path) else { return nil }
        let fd = open(url(p).path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= Self.maxFileBytes else { return nil }
        let header = Array(Self.magic.utf8), start = header.count + 65
        var kept: [UInt8] = [], head: Head? = nil
        var nextTry = 0  // the head is parsed again only once `kept` has doubled: linear in the file, however long the head
        var hash = SHA256()
        var piece = [UInt8](repeating: 0, count: 1 << 18)
        var total = 0
        var line: [UInt8] = []  // the header line: magic, the payload's SHA-256 in hex, a newline
        while true {
            let n = piece.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            let from = min(n, max(0, start - total))
            line += piece[0..<from]
            if from > 0, line.count >= header.count, !line[0..<header.count].elementsEqual(header) { return nil }  // another version
            piece.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[from..<n])) }
            total += n
            if head == nil {
                kept += piece[from..<n]
                if kept.count >= nextTry {
                    head = Self.parseHead(kept, period: p)
                    nextTry = 2 * kept.count
                }
                if head != nil { kept = [] }
            }
        }
        if head == nil, !kept.isEmpty { head = Self.parseHead(kept, period: p) }
        guard let head, line.count == start, line[0..<header.count].elementsEqual(header), line[start - 1] == 0x0A,
              line[header.count..<start - 1].elementsEqual(hash.hexDigest().utf8) else { return nil }
        return head
    }

    /// The head from the payload's first bytes; nil while they do not hold it whole (or never will).
    private static func parseHead(_ bytes: [UInt8], period p: Period) -> Head? {
        var r = StateReader(bytes: bytes)
        guard let dev = r.int(), let ino = r.int(), let size = r.int(), let mtime = r.int(), let ctime = r.int(),
              let madeAt = r.int(), let sha = r.string(), sha.utf8.count == 64,
              let _ = r.string(), let _ = r.string(), let period = r.string(), period == p.description,
              let _ = r.string(), let _ = r.string(), let _ = r.string(), let _ = r.string(), let buildID = r.string(),
              let outputs = outputs(&r) else { return nil }
        let stamp = FileStamp(dev: UInt64(UInt(bitPattern: dev)), ino: UInt64(UInt(bitPattern: ino)), size: Int64(size),
                              mtime: Int64(mtime), ctime: Int64(ctime))
        return Head(stamp: stamp, madeAt: Int64(madeAt), manifestSHA256: sha, report: BuiltReport(buildID: buildID, outputs: outputs))
    }
}

/// A report's recorded input files of the months before its year, as its side file keeps them: one digest per month
/// (`PeriodHazards.filesDigest`), and the month's records decoded only when it must be compared file by file.
public struct PriorMonths: Sendable, Equatable {
    /// The report's build id, computed from every recorded file when the side file was written.
    public var buildID: String
    var digests: [Period: String] = [:]
    /// Where each month's records lie in `payload`, and how many there are.
    var ranges: [Period: (range: Range<Int>, count: Int)] = [:]
    let payload: [UInt8]

    init(buildID: String, payload: [UInt8]) { self.buildID = buildID; self.payload = payload }

    /// The months held, in order.
    public var months: [Period] { digests.keys.sorted() }

    /// The digest of the records of month `q` (that of an empty list when none was recorded).
    func digest(_ q: Period) -> String { digests[q] ?? PeriodHazards.filesDigest([]) }

    /// Month `q`'s records, decoded (the side file's digest vouched for its bytes when it was loaded).
    public func records(_ q: Period) -> [InputRecord] {
        guard let (range, count) = ranges[q] else { return [] }
        var r = StateReader(bytes: Array(payload[range]))
        var files: [InputRecord] = []
        files.reserveCapacity(count)
        for _ in 0..<count {
            guard let path = r.string(), let sha = r.digest(), let n = r.int() else { break }
            files.append(InputRecord(path: path, digest: sha, bytes: n))
        }
        return files
    }

    /// A month before report P's year: its recorded files can only be hazards files.
    static func isPrior(_ q: Period, of p: Period) -> Bool { q < p && q.year != p.year }
    static func isPrior(_ path: String, of p: Period?) -> Bool {
        guard let p, let q = StaleCheck.period(of: path) else { return false }
        return isPrior(q, of: p)
    }

    public static func == (a: PriorMonths, b: PriorMonths) -> Bool { a.buildID == b.buildID && a.digests == b.digests }
}
