// manifest.json: what a period's report was built from and what it contains; also how staleness is judged.

import Foundation

public enum ToolInfo {
    public static let name = "safety-report"
    public static let version = "0.1.0"
}

/// The manifest of one built period. Everything but `builtAt` is a function of config and inputs.
public struct Manifest: Codable, Sendable, Equatable {
    public struct Tool: Codable, Sendable, Equatable { public var name: String; public var version: String }
    public struct Config: Codable, Sendable, Equatable { public var path: String; public var sha256: String }
    public struct Inputs: Codable, Sendable, Equatable {
        /// SHA-256 of the sorted list of entries under inputs/<q>/ for every q ≤ P.
        public var listingSHA256: String
        public var files: [InputRecord]
        enum CodingKeys: String, CodingKey { case listingSHA256 = "listing_sha256", files }
    }
    public struct Counts: Codable, Sendable, Equatable {
        public var rowsRead: Int, rowsAccepted: Int, rowsRejected: Int, filesRejected: Int, errors: Int, warnings: Int
        enum CodingKeys: String, CodingKey {
            case rowsRead = "rows_read", rowsAccepted = "rows_accepted", rowsRejected = "rows_rejected"
            case filesRejected = "files_rejected", errors, warnings
        }
    }
    public struct FileCount: Codable, Sendable, Equatable {
        public var folder: String, file: String, kind: String, state: String
        public var rowsRead: Int, rowsAccepted: Int, rowsRejected: Int
        enum CodingKeys: String, CodingKey {
            case folder, file, kind, state, rowsRead = "rows_read", rowsAccepted = "rows_accepted", rowsRejected = "rows_rejected"
        }
    }
    public struct Output: Codable, Sendable, Equatable { public var name: String; public var sha256: String; public var bytes: Int }

    public var tool: Tool
    public var period: String
    /// The one field that differs between identical rebuilds.
    public var builtAt: String
    public var config: Config
    public var inputs: Inputs
    public var counts: Counts
    public var files: [FileCount]
    public var outputs: [Output]

    /// Set only on a manifest read from its side file (`ManifestIndex`): the recorded files of the months before the
    /// report's year, kept apart from `inputs.files` as one digest per month (not part of manifest.json).
    public var priorMonths: PriorMonths? = nil

    enum CodingKeys: String, CodingKey { case tool, period, builtAt = "built_at", config, inputs, counts, files, outputs }

    /// Every recorded input file: `inputs.files`, and those of `priorMonths` decoded.
    public var recordedInputs: [InputRecord] {
        guard let prior = priorMonths else { return inputs.files }
        return prior.months.flatMap { prior.records($0) } + inputs.files
    }

    /// manifest.json's bytes: what `JSONEncoder` gives with `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes`,
    /// plus a newline, written directly (`ManifestJSON`). The encoder took 0.46 s for the 75,000 input records of a
    /// 36-month town; this takes a small fraction, and `ManifestJSONTests` holds it to the encoder's bytes.
    public var json: [UInt8] { ManifestJSON.encode(self) }

    /// The same bytes through `JSONEncoder` (the reference `ManifestJSONTests` compares with).
    var encoderJSON: [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try! enc.encode(self)) + [0x0A]
    }

    public static func read(_ url: URL) -> Manifest? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }

    public static func listingHash(_ listing: [String]) -> String {
        SHA256.hexDigest(of: Array(listing.joined(separator: "\n").utf8))
    }

    /// `listingHash` of the periods' listings one after another, without joining them: each scan's listing is
    /// sorted and every entry of period q begins with "q/", so for ascending periods this is the sorted whole.
    public static func listingHash(periods: [[String]]) -> String {
        var hash = SHA256()
        var first = true
        for listing in periods {
            for entry in listing {
                if !first { hash.update([0x0A]) }
                var entry = entry
                entry.withUTF8 { hash.update(UnsafeRawBufferPointer($0)) }
                first = false
            }
        }
        return hash.hexDigest()
    }
}


extension Manifest {
    /// Content address of what this report was built from — tool version, config and every input —
    /// so a report of the same inputs always gets the same id (history/<build-id>/ keeps one copy of each).
    public var buildID: String {
        if let id = priorMonths?.buildID { return id }
        return Manifest.buildID(toolVersion: tool.version, configSHA256: config.sha256, listingSHA256: inputs.listingSHA256, files: inputs.files)
    }

    public static func buildID(toolVersion: String, configSHA256: String, listingSHA256: String, files: [InputRecord]) -> String {
        // Hashed a line at a time: the text of every input's line (3 MB at 2,000 × 12, with its doubling growth
        // and the copy into bytes) was the largest thing allocated between the roll-up and the workbooks.
        var hash = SHA256()
        var text = Array("tool \(toolVersion)\nconfig \(configSHA256)\nlisting \(listingSHA256)\n".utf8)
        for i in files.indices.sorted(by: { files[$0].path < files[$1].path }) {
            text += files[i].sha256.utf8; text.append(0x20); text += files[i].path.utf8; text.append(0x0A)
            if text.count >= 1 << 16 { text.withUnsafeBytes { hash.update($0) }; text.removeAll(keepingCapacity: true) }
        }
        text.withUnsafeBytes { hash.update($0) }
        return String(hash.hexDigest().prefix(16))
    }
}

/// Why an earlier period's report no longer matches its inputs.
public enum Staleness: Equatable, Sendable, CustomStringConvertible {
    case configChanged
    /// The listing changed, but not in a file the report reads (a stray file, an unregistered folder).
    case filesAddedOrRemoved
    case fileAdded(String)
    case fileRemoved(String)
    case fileChanged(String)
    case toolChanged(String)
    public var description: String {
        switch self {
        case .configChanged: "pipeline.json changed"
        case .filesAddedOrRemoved: "input files were added or removed"
        case .fileAdded(let p): "inputs/\(p) added"
        case .fileRemoved(let p): "inputs/\(p) removed"
        case .fileChanged(let p): "inputs/\(p) changed"
        case .toolChanged(let v): "built by version \(v)"
        }
    }
}

/// Where a stale check's time went (seconds): scanning period folders, hashing inputs, the rest of comparing.
public struct StaleCheckCost: Sendable {
    public var scan = 0.0, hash = 0.0, compare = 0.0
}

/// Judges whether built reports still match config and inputs. Each input file is hashed and each period
/// folder scanned at most once per checker, so checking a year of reports costs one pass over the inputs.
///
/// An earlier month outside the report's year is read by the report only for its hazards files. With remembered
/// hashes, such a month is compared as one digest: the report's recorded files of that month against the month's
/// summary (`PeriodHazards.filesDigest`, believed by its files' stats). Equal digests mean equal lists of (path,
/// SHA-256), so the month adds no reason; any difference, or a month without a usable summary, is compared file
/// by file as before, so the reasons (and the files they name) are the same either way. In a month of the
/// report's year the same holds for its hazards files (the recorded files at the summary's paths), and the other
/// files there (agreements lists the search may have read) are compared file by file.
public struct StaleCheck {
    public let config: PipelineConfig
    public let configSHA256: String
    /// Scans of the period folders, shared with the build that follows when `run` passes its own.
    public let scans: InputScans
    /// The files of each period compared file by file, indexed once per check (not once per report) and only for
    /// the periods that need it: reports of a long history share their earlier months.
    private var known: [String: KnownFile] = [:]
    private var filesOf: [Period: [String]] = [:]
    /// Periods whose inspections and trainings files (plain files, not sheets of a workbook) are indexed too: only
    /// a report of that very month reads them, so other months leave them out (at 2,000 villages they were two
    /// thirds of the index, 13 MB of a monthly run's peak).
    private var indexedWhole: Set<Period> = []
    private var hashes: [String: String] = [:]
    /// Each earlier month's hazards summary (nil: none could be made, compared file by file).
    private var summaries: [Period: PeriodHazards?] = [:]
    /// Each scanned file's stat from the scan, so a remembered hash is checked without a second stat.
    private struct KnownFile {
        var period: Period, code: String
        /// The datasets it holds (several for a whole submission workbook), one bit each in `FileKind.allCases` order.
        var kinds: UInt8
        var stamp: FileStamp?
        func holds(_ kind: FileKind) -> Bool { kinds & KnownFile.bit(kind) != 0 }
        static func bit(_ kind: FileKind) -> UInt8 { 1 << UInt8(FileKind.allCases.firstIndex(of: kind)!) }
    }
    /// Remembered hashes of unchanged files (nil: every file is read, and every month compared file by file).
    public let fileHashes: FileHashCache?
    /// Seconds spent scanning, hashing inputs and comparing, for `run --timings`.
    public private(set) var cost = StaleCheckCost()
    /// Earlier months compared as one digest, and file by file, for tests and `--timings`.
    public private(set) var monthsByDigest = 0, monthsByFile = 0
    /// Reports whose own month was compared as one digest (`MonthFiles`), for tests.
    public private(set) var ownMonthsByDigest = 0

    public init(config: PipelineConfig, configSHA256: String, fileHashes: FileHashCache? = nil, scans: InputScans? = nil) {
        self.config = config; self.configSHA256 = configSHA256; self.fileHashes = fileHashes
        self.scans = scans ?? InputScans(config: config)
    }

    /// Nil when the period's report still matches config and inputs; else the first reason found.
    public mutating func staleness(of manifest: Manifest) -> Staleness? { reasons(of: manifest).first }

    /// Every reason the report no longer matches (empty when it is up to date): config, tool version,
    /// each input file added, removed or changed.
    public mutating func reasons(of manifest: Manifest) -> [Staleness] {
        var why: [Staleness] = []
        if manifest.config.sha256 != configSHA256 { why.append(.configChanged) }
        if manifest.tool.version != ToolInfo.version { why.append(.toolChanged(manifest.tool.version)) }
        guard let period = Period(manifest.period) else { return why.isEmpty ? [.configChanged] : why }
        var clock = LoadCost.now()
        defer { cost.compare += LoadCost.since(&clock) }
        let upTo = scans.periods().filter { $0 <= period }
        cost.compare += LoadCost.since(&clock)
        // Month by month (two at a time): each month's listing is folded into the running digest and, with remembered
        // hashes, a month before the report's year is summed up and its whole scan let go at once — a month compared
        // by digest needs nothing more of it (the scans of every month at once were the peak of a long history).
        let cache = fileHashes, codes = config.submitterCodes
        if let last = upTo.last {
            // A month of the report's year is kept reduced to what `indexFiles` takes of it (the report's own, whole).
            _ = scans.digest(last, retiring: { cache != nil && $0.year < period.year },
                             reducing: { cache != nil && $0.year == period.year && $0 != period }, summaries: cache,
                             summarize: { scan in cache?.periodHazards(scan, codes: codes) })
        }
        cost.scan += LoadCost.since(&clock)

        // The recorded files by month; months before the report's year whose digest equals their summary's are done.
        // (A manifest read from its side file has them grouped already, with their digests.)
        var recordedOf: [Period: [(path: String, sha256: String)]] = [:]
        var unplaced: [InputRecord] = []
        for f in manifest.inputs.files {
            if let q = Self.period(of: f.path), PriorMonths.isPrior(q, of: period) { recordedOf[q, default: []].append((f.path, f.sha256)) }
            else { unplaced.append(f) }
        }
        let prior = manifest.priorMonths
        func recordedDigest(_ q: Period) -> String {
            if let prior, recordedOf[q] == nil { return prior.digest(q) }
            return PeriodHazards.filesDigest(recordedOf[q] ?? [])
        }
        var byDigest: Set<Period> = []
        if fileHashes != nil {
            for q in upTo where PriorMonths.isPrior(q, of: period) {
                if let summary = summary(q), let digest = summary.filesDigest, digest == recordedDigest(q) { byDigest.insert(q) }
            }
        }
        // A month of the report's year: its hazards files (the summary's paths) as one digest as well; what else the
        // report read there (agreements lists, which the search may reach) is compared file by file.
        var verified: Set<String> = []
        var inYearByDigest = 0
        if fileHashes != nil {
            var recordedInYear: [Period: [(path: String, sha256: String)]] = [:]
            for f in unplaced {
                if let q = Self.period(of: f.path), q < period, q.year == period.year { recordedInYear[q, default: []].append((f.path, f.sha256)) }
            }
            for q in upTo where q < period && q.year == period.year {
                guard let summary = summary(q), let digest = summary.filesDigest else { continue }
                let hazardPaths = Set(summary.records.compactMap { $0?.path })
                let recorded = (recordedInYear[q] ?? []).filter { hazardPaths.contains($0.path) }
                if PeriodHazards.filesDigest(recorded) == digest { verified.formUnion(hazardPaths); inYearByDigest += 1 }
            }
        }
        // The report's own month: all its files as one digest (`MonthFiles`), believed by their stats; equal to the
        // digest of the report's recorded files of that month, it adds no reason (every file found is recorded with the
        // same SHA-256, and every recorded one is found and readable), so it is neither indexed nor compared file by
        // file. Any difference, or a month without a summary, is compared file by file as before.
        var ownByDigest = false
        if let cache = fileHashes {
            var clock = LoadCost.now()
            let own = scans.scan(period)
            var recordedOwn: [(path: String, sha256: String)] = []
            for f in unplaced where Self.period(of: f.path) == period { recordedOwn.append((f.path, f.sha256)) }
            if let digest = cache.months.filesDigest(own, codes: config.submitterCodes, hashes: cache),
               digest == PeriodHazards.filesDigest(recordedOwn) {
                verified.formUnion(recordedOwn.map(\.path))
                ownByDigest = true
                ownMonthsByDigest += 1
            }
            let t = LoadCost.since(&clock); cost.hash += t; cost.compare -= t
        }
        for q in byDigest { scans.retire(q) }  // (months checked earlier for a report of their own year were kept whole)
        monthsByDigest += byDigest.count + inYearByDigest
        monthsByFile += upTo.count - byDigest.count - inYearByDigest
        var files: [InputRecord] = verified.isEmpty ? unplaced : unplaced.filter { !verified.contains($0.path) }
        for (q, list) in recordedOf where !byDigest.contains(q) {
            files += list.map { InputRecord(path: $0.path, sha256: $0.sha256, bytes: 0) }
        }
        for q in prior?.months ?? [] where !byDigest.contains(q) && recordedOf[q] == nil { files += prior!.records(q) }
        for q in upTo where !byDigest.contains(q) && !(ownByDigest && q == period) { indexFiles(q, whole: q == period) }
        // Indexed, a month of the report's year needs no more than its hazards and agreements files (later reports read
        // no others there, and the build of a later month only its agreements): the rest of its scan goes.
        if fileHashes != nil { for q in upTo where !byDigest.contains(q) { scans.reduce(q) } }

        // The earliest agreements file each folder's report read this year: the search for the standing list
        // walks back from P and stops at the first file it can use, reading (and recording) each on the way.
        var earliestAgreements: [String: Period] = [:]
        for f in unplaced where Self.mayBeAgreements(f.path) {
            let parts = f.path.split(separator: "/").map(String.init)
            guard parts.count == 3, parts[2].lowercased() == FileKind.agreements.fileName, let q = Period(parts[0]),
                  q.year == period.year else { continue }
            earliestAgreements[parts[1]] = min(q, earliestAgreements[parts[1]] ?? q)
        }
        // Would the report read this file (P's four; earlier hazards; an earlier agreements list the search would reach)?
        func read(_ f: KnownFile) -> Bool {
            f.period == period || f.holds(.hazards)
                || (f.holds(.agreements) && f.period.year == period.year && (earliestAgreements[f.code].map { $0 < f.period } ?? true))
        }
        func scanned(_ path: String) -> Bool { known[path].map { $0.period <= period } ?? false }
        let recorded = Set(files.map(\.path))
        // Added: only files the report would read. Anything else new still changes the listing, reported without a
        // name below. The scan leaves permissions to the open (no access(2) per file): a file the user may not read
        // counts as not there, as when the scan refused it — never "added", and "removed" rather than "changed".
        var added: [String] = []
        for q in upTo where !byDigest.contains(q) {
            for path in filesOf[q] ?? [] where !verified.contains(path) && !recorded.contains(path) && read(known[path]!) {
                added.append(path)
            }
        }
        var reasons: [Staleness] = added.sorted().filter { opens($0) }.map { .fileAdded($0) }
        // One pass over the recorded inputs compared file by file; only what is named gets sorted.
        var refused: Set<String> = [], changed: [String] = []
        for file in files where scanned(file.path) {
            let digest = hash(file.path)
            if digest == "" && !opens(file.path) { refused.insert(file.path) } else if digest != file.sha256 { changed.append(file.path) }
        }
        reasons += recorded.filter { !scanned($0) || refused.contains($0) }.sorted().map { .fileRemoved($0) }
        reasons += changed.sorted().map { .fileChanged($0) }
        let listingSHA256 = scans.listingSHA256(through: period)
        if reasons.isEmpty && listingSHA256 != manifest.inputs.listingSHA256 {
            reasons.append(.filesAddedOrRemoved)
        }
        return why + reasons
    }

    /// The month `2026-09/…` names, read from its first seven bytes; nil for any other path.
    static func period(of path: String) -> Period? {
        var u = path.utf8.makeIterator()
        var year = 0, month = 0
        for i in 0..<8 {
            guard let b = u.next() else { return nil }
            if i == 4 { guard b == 0x2D else { return nil }; continue }
            if i == 7 { guard b == 0x2F else { return nil }; continue }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            if i < 4 { year = year * 10 + Int(b - 0x30) } else { month = month * 10 + Int(b - 0x30) }
        }
        return Period(year: year, month: month)
    }

    /// The summary of month `q`'s hazards files (made once per check), nil when there are no remembered hashes.
    private mutating func summary(_ q: Period) -> PeriodHazards? {
        if let known = summaries[q] { return known }
        if fileHashes != nil, let kept = scans.hazards(q) { summaries[q] = .some(kept); return kept }
        var clock = LoadCost.now()
        defer { let t = LoadCost.since(&clock); cost.hash += t; cost.compare -= t }
        let made = fileHashes.map { $0.periodHazards(scans.partial(q), codes: config.submitterCodes) }
        if let made { scans.keep(made) }
        summaries[q] = .some(made)
        return made
    }

    /// Indexes the files of `q` for the file-by-file comparison, once; without `whole`, only what a report of a later
    /// month may read or have recorded there (hazards and agreements files, and any workbook), the rest when a
    /// report of `q` itself needs it. A file left out would fail `read` and is never recorded by such a report, so
    /// the reasons found are the same either way.
    private mutating func indexFiles(_ q: Period, whole: Bool) {
        if whole ? indexedWhole.contains(q) : filesOf[q] != nil { return }
        if whole { indexedWhole.insert(q) }
        let scan = whole ? scans.scan(q) : scans.partial(q)
        var paths: [String] = filesOf[q] ?? []
        for (code, folder) in scan.folders {
            for (kind, file) in folder.files {
                if !whole && file.sheet == nil && (kind == .inspections || kind == .trainings) { continue }
                if known[file.relativePath] == nil {
                    known[file.relativePath] = KnownFile(period: q, code: code, kinds: KnownFile.bit(kind), stamp: file.stamp)
                    paths.append(file.relativePath)
                } else {
                    known[file.relativePath]!.kinds |= KnownFile.bit(kind)  // a whole workbook holding several datasets
                }
            }
        }
        filesOf[q] = paths
    }

    /// One report on its own.
    public static func staleness(of manifest: Manifest, config: PipelineConfig, configSHA256: String) -> Staleness? {
        var check = StaleCheck(config: config, configSHA256: configSHA256)
        return check.staleness(of: manifest)
    }

    /// False only when `path` cannot end in `/agreements.csv` in any case (ASCII letters folded; a path with other
    /// bytes in its last 15 is left to the exact test), so most paths skip splitting.
    static func mayBeAgreements(_ path: String) -> Bool {
        let suffix = "/agreements.csv".utf8
        let tail = path.utf8.suffix(suffix.count)
        guard tail.count == suffix.count else { return false }
        return zip(tail, suffix).allSatisfy { $0 >= 0x80 || $0 | 0x20 == $1 }
    }

    /// False when opening `inputs/<relativePath>` is refused for want of permission.
    private func opens(_ relativePath: String) -> Bool {
        let fd = open(config.inputs.appendingPathComponent(relativePath).path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd >= 0 { close(fd); return true }
        return errno != EACCES
    }

    /// SHA-256 of an input file, "" when it cannot be read (so it never matches a recorded hash).
    private mutating func hash(_ relativePath: String) -> String {
        if let known = hashes[relativePath] { return known }
        var clock = LoadCost.now()
        defer { let t = LoadCost.since(&clock); cost.hash += t; cost.compare -= t }
        let digest = fileHashes.map { $0.digest(relativePath, stamp: known[relativePath]?.stamp)?.sha256 ?? "" }
            ?? (try? SHA256.hexDigest(ofFileAt: config.inputs.appendingPathComponent(relativePath))) ?? ""
        hashes[relativePath] = digest
        return digest
    }
}
