// Drives the stages for one period: scan and read inputs ≤ P, validate, replay the ledger, compute the report.

import Foundation

/// A computed report and what it was computed from.
public struct AssembledReport: Sendable {
    public var report: MonthReport
    /// Every input file read, in read order.
    public var inputs: [InputRecord]
    /// `Manifest.listingHash` of every entry seen under inputs/<q>/ for each period q ≤ P (so added or removed files
    /// are noticed), hashed as the scans are taken: the entries themselves (74,000 Strings at 2,000 × 12, 218,000 at
    /// 2,000 × 36) are not kept to the end of the run.
    public var listingSHA256: String
    /// False when inputs/<P>/ does not exist (reported as a warning).
    public var periodFolderExists: Bool
    /// `Manifest.buildID` of this build (made beside the roll-up when a state was saved; nil: the caller makes it).
    public var buildID: String? = nil
    /// Where the time went, for `run --timings`.
    public var cost = AssemblyCost()
}

/// Where the hazard ledger of the earlier months came from, and the key of the ledger after P.
public struct LedgerStateUse: Sendable {
    /// Saved states to reuse and to save into; nil replays every earlier month and saves nothing.
    public var store: LedgerStateStore
    public var configSHA256: String
    /// Where the earlier hazards files' hashes for the key come from without re-reading unchanged files (nil: read them).
    public var hashes: FileHashCache?
    public init(store: LedgerStateStore, configSHA256: String, hashes: FileHashCache? = nil) {
        self.store = store; self.configSHA256 = configSHA256; self.hashes = hashes
    }
}

extension AssembledReport {
    /// Per-stage seconds of the assembly (summed over both cores where the work ran in parallel).
    public var stageSeconds: [(stage: String, seconds: Double)] { cost.stages }
}

/// Time spent per stage, and how the earlier months' ledger was obtained.
public struct AssemblyCost: Sendable {
    public var load = LoadCost()
    public var scan = 0.0, validate = 0.0, ledger = 0.0, stateLoad = 0.0, stateSave = 0.0, compute = 0.0
    /// "replayed N months", "saved state of 2026-09 (N months)" …
    public var ledgerSource = "no earlier months"
    public var stages: [(stage: String, seconds: Double)] {
        [("  scan input folders", scan), ("  read files", load.read), ("  SHA-256 of inputs", load.hash),
         ("  decode + parse (cpu)", load.parse), ("  validate (cpu)", validate), ("  ledger replay (cpu)", ledger),
         ("  saved ledger state: load", stateLoad), ("  saved ledger state: save", stateSave), ("  roll-up", compute)]
    }
}

public enum ReportAssembler {
    /// Builds report(P) from pipeline.json and the inputs of periods ≤ P (SPEC §4).
    ///
    /// Folders are independent until the roll-up (hazard ids belong to their folder), so each
    /// submitter's files are read, validated and replayed on whichever core is free, and the results
    /// are put back in registry order: the report does not depend on which core did what.
    /// With `state`, the ledger after the earlier months is taken from a saved state whose key (see
    /// `LedgerStateKey`) equals the one computed from today's inputs, and the ledger after P is saved.
    /// P's issues spill into `issueSpill` (nil: kept in memory; tests compare the two).
    /// `scans`: period folders already scanned in this command (by `run`'s stale check), used instead of listing them again.
    public static func assemble(config: PipelineConfig, period: Period, state: LedgerStateUse? = nil,
                                issueSpill: IssueSpill? = IssueSpill(), scans: InputScans? = nil,
                                progress: (String) -> Void = { _ in }) -> AssembledReport {
        assemble(config: config, period: period, state: state, issueSpill: issueSpill, probe: nil, inputScans: scans,
                 progress: progress)
    }

    /// A test seam: P's files read with `limits` (small pieces: every file is read twice), and `betweenPasses`
    /// called with each submitter's code once its files of P are through pass 1, before pass 2.
    struct Probe: Sendable {
        var limits: ReadLimits
        var betweenPasses: @Sendable (String) -> Void
    }

    static func assemble(config: PipelineConfig, period: Period, state: LedgerStateUse? = nil,
                         issueSpill: IssueSpill? = IssueSpill(), probe: Probe?, inputScans: InputScans? = nil,
                         progress: (String) -> Void = { _ in }) -> AssembledReport {
        var cost = AssemblyCost()
        var clock = LoadCost.now()
        let scanner = inputScans ?? InputScans(config: config)
        let history = scanner.periods().filter { $0 < period }
        let codes = config.submitterCodes
        progress("scanning \(history.count + 1) period folder(s)")
        // With remembered hashes and a saved state to try, a month before P's year is needed only as its digests (its
        // listing's and its hazards files' summary), taken month by month and its whole scan let go at once (see
        // InputScans); it is scanned again only if the state does not match and it must be replayed.
        let stateFile = state.flatMap { s in history.last.map { s.store.url($0).path } }
        let digestOnly = state?.hashes != nil && stateFile.map { FileManager.default.fileExists(atPath: $0) } == true
        let summarize: (ScannedPeriod) -> PeriodHazards? = { [codes] scan in state?.hashes?.periodHazards(scan, codes: codes) }
        // Every month is held whole when no state can stand in for the replay: all of them, P's included, listed in
        // one go on both cores (by `digest`, two at a time with a fold on one core between, and P's alone after them,
        // one core idled for about a third of the scan: docs/performance-log.md, *Single-core gaps, eighth session*).
        // Otherwise P's folder is listed on a pool thread while the earlier months are folded.
        var periodScan: Background<Void>?
        // The earlier months are read for their hazards and agreements files only: scanned light (no stat of their
        // inspections and trainings files: 41,748 of a cold 2,000 × 12 run's 126,851 stats).
        if !digestOnly {
            scanner.prefetch(history + [period], light: { $0 < period })
        } else {
            periodScan = Background { _ = scanner.scan(period) }
        }
        if let last = history.last {
            _ = scanner.digest(last, retiring: { digestOnly && $0.year < period.year }, reducing: { _ in digestOnly },
                               summaries: state?.hashes, summarize: summarize)
        }
        // (A month of P's year is then needed only for its hazards summary and P's agreements fallback: its reduced form
        // serves, see InputScans.reduce; the replay takes whole scans again.)
        var scans = parallelMap(history) { q in
            !digestOnly ? scanner.light(q)
                : q.year < period.year ? ScannedPeriod(period: q, exists: scanner.digest(q).exists, folders: [:], issues: [], listing: [])
                : scanner.partial(q)
        }
        periodScan?.wait()
        let scan = scanner.scan(period)
        var listingSHA256 = scanner.listingSHA256(through: period)
        let listingDigests = history.map { scanner.digest($0).listingSHA256 }
        var droppedScans = digestOnly  // months held as digests or reduced: the replay lists them again
        // What P's agreements may fall back on, per earlier month, once that month's scan is let go.
        var fallback: [AgreementsFallback] = []
        cost.scan = LoadCost.since(&clock)

        // 1. The ledger after every earlier period: from a saved state whose key matches, else replayed.
        var ledger = HazardLedger()
        var key = state.map { LedgerStateKey(configSHA256: $0.configSHA256) }
        var historyRecords: [[InputRecord?]] = []  // per submitter, per earlier period
        var compactedFor: Int?  // the year `ledger` was compacted for (nil: not compacted)
        if let state, let last = history.last, FileManager.default.fileExists(atPath: state.store.url(last).path) {
            progress("hashing earlier months' hazards files")
            let hashed: [(records: [InputRecord?], entries: [String], cost: LoadCost)]
            var k = LedgerStateKey(configSHA256: state.configSHA256)
            if let cache = state.hashes {
                // One summary per earlier month, believed by its files' stats (see PeriodHazards).
                var clock = LoadCost.now()
                // Made already by the stale check or the digests above (a month of P's year may still need making).
                let months = parallelMap(Array(history.indices)) { [scans] i in
                    if let kept = scanner.hazards(history[i]) { return kept }
                    // A month before P's year digested without its summary (a report of its own month, checked whole,
                    // gets none): its scan, still held or listed again.
                    let placeholder = digestOnly && history[i].year < period.year
                    return cache.periodHazards(placeholder ? scanner.light(history[i]) : scans[i], codes: codes)
                }
                for (i, q) in history.enumerated() { k.add(period: q, listingSHA256: listingDigests[i], hazardsDigest: months[i].entriesDigest) }
                var hashCost = LoadCost()
                hashCost.hash = LoadCost.since(&clock)
                hashed = codes.indices.map { c in (months.map { $0.records[c] }, [], c == 0 ? hashCost : LoadCost()) }
            } else {
                hashed = parallelMap(codes) { [scans] code in hashHistory(code, history: history, scans: scans) }
                for (i, q) in history.enumerated() { k.add(period: q, listingSHA256: listingDigests[i],
                                                             hazardsDigest: LedgerStateKey.entriesDigest(hashed.map { $0.entries[i] })) }
            }
            // The months before P's year are not looked at again unless they must be replayed (no state matches):
            // their scans go before the state is loaded (the peak of a long history), and are taken again if needed.
            // Of the months of P's year, only what P's agreements may fall back on is kept (all of them were a fifth of
            // the peak at 36 months); they are scanned again too if the state does not match.
            fallback = scans.map { AgreementsFallback($0, year: period.year, codes: codes, inputs: config.inputs) }
            for i in scans.indices {
                scans[i] = ScannedPeriod(period: scans[i].period, exists: scans[i].exists, folders: [:], issues: [], listing: [])
                droppedScans = true
            }
            scanner.release()
            // What the stale check and the scans held is free now; returned before the state and P's rows take their place.
            releaseFreedMemory()
            clock = LoadCost.now()
            if let saved = state.store.load(after: last, key: k) {
                ledger = saved
                key = k
                compactedFor = last.year
                historyRecords = hashed.map(\.records)
                cost.load = hashed.reduce(LoadCost()) { $0 + $1.cost }
                cost.ledgerSource = "saved state of \(last) (\(history.count) earlier month(s) hashed, not replayed)"
            }
            cost.stateLoad = LoadCost.since(&clock)
        }
        scanner.release()  // the build holds its own; kept longer, they would add to the peak
        if historyRecords.isEmpty && !history.isEmpty {
            if droppedScans {
                scans = parallelMap(history) { scanner.scanner.scan($0, hazardsAndAgreementsOnly: true) }
                listingSHA256 = Manifest.listingHash(periods: scans.map(\.listing) + [scan.listing])
            }
            progress("replaying hazard ledger: \(history.first!) to \(history.last!)")
            // Compacted no further than for the year of the month the state is saved under (P, or the last
            // earlier month when P has no folder): a state saved after q must answer every report of q on.
            let savedAfter = scan.exists ? period : history.last!
            compactedFor = savedAfter.year
            // Period by period, every submitter on whichever core is free, so each month's scan is let go
            // once every submitter is through it (all of them at once were the largest part of the peak).
            let replays = codes.map { SubmitterReplay(code: $0, months: history.count, config: config) }
            fallback = []
            for (i, q) in history.enumerated() {
                let scanned = scans[i]
                let entries = parallelMap(Array(replays.indices)) { j in
                    replays[j].advance(config, period: q, folder: scanned.folders[replays[j].code])
                }
                if var k = key { k.add(period: q, listing: scanned.listing, hazards: entries); key = k }
                fallback.append(AgreementsFallback(scanned, year: period.year, codes: codes, inputs: config.inputs))
                scans[i] = ScannedPeriod(period: q, exists: scanned.exists, folders: [:], issues: [], listing: [])
            }
            // Only what reports of `savedAfter` on can ask of the earlier months is kept (see HazardLedger.compacted);
            // each submitter's full ledger goes as soon as its compacted one is made.
            _ = parallelMap(Array(replays.indices)) { j in replays[j].compact(forReportsFrom: savedAfter.year) }
            for r in replays {
                ledger.merge(r.ledger)
                r.ledger = HazardLedger()
                cost.load = cost.load + r.loader.cost; cost.validate += r.validate; cost.ledger += r.apply
            }
            historyRecords = replays.map(\.records)
            cost.ledgerSource = "replayed \(history.count) earlier month(s)"
        } else {
            // The saved state stood in for the replay (its branch above made the fallback already, unless there is no
            // earlier month): of the earlier scans, only what P's agreements may fall back on.
            if fallback.count != scans.count { fallback = scans.map { AgreementsFallback($0, year: period.year, codes: codes, inputs: config.inputs) } }
            scans = []
        }

        // 2. Period P: validate all four files of every registered submitter, and find its standing agreements.
        progress("validating \(period)")
        // P's issues beyond a few thousand per file go to one unlinked temporary file (see IssueList).
        let spill = issueSpill
        // The copy the workers read goes before P's rows are applied: alive, it would make each owner's table be
        // copied by `apply`, and keep the ledger from being freed owner by owner in the roll-up.
        let current = { [ledger, fallback] in
            parallelMap(Array(codes.indices)) { c in
                validatePeriod(config, period, codes[c], index: c, folder: scan.folders[codes[c]], ledger: ledger,
                               history: history, fallback: fallback, spill: spill, probe: probe)
            }
        }()
        clock = LoadCost.now()
        var folders: [FolderPeriod] = []
        var standing: [String: StandingAgreements] = [:]
        var hazardEntries: [String] = []
        for c in current {
            ledger.apply(period: period, owner: c.folder.code, rows: c.folder.hazards.rows.elements)
            folders.append(c.folder)
            if let s = c.standing { standing[c.folder.code] = s }
            cost.load = cost.load + c.load
            cost.validate += c.validate
            hazardEntries.append(c.hazardEntry)
        }
        cost.ledger += LoadCost.since(&clock)
        scans = []
        fallback = []  // P's agreements fallback is not needed past here
        // Read order, as a single-threaded run reads: earlier months (period by period, registry order),
        // then P's files (registry order), then earlier agreements files carried forward.
        var inputs: [InputRecord] = []  // sized once: 28,906 records at 2,000 × 12, held to the end of the run
        inputs.reserveCapacity(historyRecords.reduce(0) { $0 + $1.count { $0 != nil } }
                               + current.reduce(0) { $0 + $1.records.count + $1.fallbackRecords.count })
        for i in history.indices { for owner in historyRecords { if let r = owner[i] { inputs.append(r) } } }
        // Copied into `inputs` now: the per-submitter arrays (4.6 MB at 2,000 × 36) went on living through the
        // roll-up, the run's peak, unless let go here.
        historyRecords = []
        inputs += current.flatMap(\.records) + current.flatMap(\.fallbackRecords)

        var extra = scan.issues
        if !scan.exists {
            extra.append(ValidationIssue(.warning, period: period, folder: config.town.code, rule: "period.no_inputs",
                message: "没有 \(period) 的报送目录（inputs/\(period)/），按全部未报送处理。"))
        }
        // 3. Save the ledger after P for next month's report, keyed by everything it was computed from, on a pool
        // thread beside the roll-up: both only read the ledger, and one after the other they left a core idle for
        // ≈ 0.07 s (docs/performance-log.md, *Single-core gaps, eighth session*).
        var saving: Background<(seconds: Double, then: String?)>?
        if let state, var k = key {
            if scan.exists { k.add(period: period, listing: scan.listing, hazards: hazardEntries) }
            // Then the build id (the input list is complete): the roll-up is the longer of the two.
            let identity: @Sendable () -> String? = { [inputs, listingSHA256] in
                Manifest.buildID(toolVersion: ToolInfo.version, configSHA256: state.configSHA256, listingSHA256: listingSHA256,
                                 files: inputs)
            }
            saving = Self.saveInBackground(ledger, store: state.store, after: scan.exists ? period : (history.last ?? period),
                                           key: k, compactedFor: compactedFor, then: identity)
        }
        progress("computing figures")
        let report = ReportBuilder.build(config: config, period: period, folders: folders, standing: standing,
                                         ledger: consume ledger, extraIssues: extra)
        cost.compute = LoadCost.since(&clock)
        var buildID: String?
        if let saving { (cost.stateSave, buildID) = saving.wait() }

        return AssembledReport(report: report, inputs: inputs, listingSHA256: listingSHA256, periodFolderExists: scan.exists,
                               buildID: buildID, cost: cost)
    }

    /// One submitter's hazards of the earlier months, validated against its own ledger and replayed one month
    /// at a time (`advance`). A class so each worker mutates its submitter's ledger in place; a submitter is
    /// advanced by one worker at a time, and `parallelMap` returns only when every worker is done.
    private final class SubmitterReplay: @unchecked Sendable {
        let code: String
        /// Who `code` is, looked up once for every month replayed (`context` looked the village up per month).
        let submitter: Submitter
        var loader = InputLoader()
        var ledger = HazardLedger()
        var records: [InputRecord?] = []
        var validate = 0.0, apply = 0.0
        init(code: String, months: Int, config: PipelineConfig) {
            self.code = code
            submitter = ReportAssembler.submitter(config, code)
            records.reserveCapacity(months)
        }

        /// Replays the submitter's hazards file of `q`; returns its entry of the saved state's key for `q`.
        func advance(_ config: PipelineConfig, period q: Period, folder: ScannedFolder?) -> String {
            let before = loader.records.count
            let input = loader.load(folder, .hazards, period: q)
            if folder != nil {
                // The earlier months' issues are not listed; spilled here, they are freed with this month's result.
                let spill = IssueSpill()
                var clock = LoadCost.now()
                let result = Validator.hazards(input, context(config, q, code, submitter: submitter, spill: spill), known: ledger.knownFoundDates(owner: code))
                validate += LoadCost.since(&clock)
                loader.settle(folder, .hazards, input, result)  // before the record enters the state's key
                ledger.apply(period: q, owner: code, rows: result.rows.elements)
                apply += LoadCost.since(&clock)
            }
            records.append(loader.records.count > before ? loader.records.last : nil)
            return LedgerStateKey.entry(owner: code, record: records.last!,
                                        present: folder?.files[.hazards] != nil || folder?.unreadable[.hazards] != nil)
        }

        func compact(forReportsFrom year: Int) { ledger = ledger.compacted(forReportsFrom: year) }
    }

    /// What `validatePeriod` may still ask of an earlier month's scan once its hazards are replayed: the
    /// agreements files of P's year (a folder without a list of P's own falls back on them), each folder's one entry
    /// as `InputLoader.load(_:.agreements, period:)` reads it. The rest of the scan (every other found file) is let go.
    /// Held compactly, per registered folder in registry order: the file's name, sheet and stat, its folder path and
    /// relative path made again as the scan made them. A `ScannedFolder` per kept file (a box with four file slots)
    /// was 480 bytes and its two path strings 128 more: a town whose villages send their list every month (issue 5's
    /// yardstick) kept 17,605 of them, 8.45 MB of the run's heap peak (1.5 MB now).
    struct AgreementsFallback: Sendable {
        private struct Entry: Sendable {
            var name: String
            var sheet: String?
            var stamp: FileStamp?
        }
        private var period: Period
        /// `inputs/<period>` as `InputScanner.scan` spells the folder's path.
        private var root: String
        /// Per registered folder (registry order); nil: no agreements entry, or one held below.
        private var entries: [Entry?] = []
        /// A file whose paths are not the ones made again (none the scanner makes today), kept as found.
        private var found: [Int: FoundFile] = [:]
        private var unreadable: [Int: ValidationIssue] = [:]

        /// Only folders with an agreements file (or one that cannot be read): for any other, `validatePeriod`'s search
        /// loads `.missing` and goes on to the month before, exactly as for a folder not found. Nothing for a month
        /// of another year than P's.
        init(_ scanned: ScannedPeriod, year: Int, codes: [String], inputs: URL) {
            period = scanned.period
            root = inputs.appendingPathComponent(scanned.period.description).path
            guard scanned.period.year == year else { return }
            entries.reserveCapacity(codes.count)
            for (c, code) in codes.enumerated() {
                let folder = scanned.folders[code]
                if let issue = folder?.unreadable[.agreements] { unreadable[c] = issue }
                guard let file = folder?.files[.agreements] else { entries.append(nil); continue }
                if file == made(code, file.name, sheet: file.sheet) {
                    entries.append(Entry(name: file.name, sheet: file.sheet, stamp: file.stamp))
                } else {
                    entries.append(nil)
                    found[c] = file
                }
            }
        }

        private func made(_ code: String, _ name: String, sheet: String?, stamp: FileStamp? = nil) -> FoundFile {
            FoundFile(name: name, directory: root + "/" + code, relativePath: "\(period)/\(code)/\(name)", sheet: sheet, stamp: stamp)
        }

        /// The folder of `codes[c]` as far as its agreements go (the scan's entry for them); nil: none that month.
        func folder(_ c: Int, code: String) -> ScannedFolder? {
            let file = c < entries.count ? entries[c].map { made(code, $0.name, sheet: $0.sheet, stamp: $0.stamp) } : nil
            let kept = file ?? found[c], issue = unreadable[c]
            guard kept != nil || issue != nil else { return nil }
            var folder = ScannedFolder(code: code)
            folder.files[.agreements] = kept
            folder.unreadable[.agreements] = issue
            return folder
        }
    }

    /// One submitter's hazards files of every earlier month, hashed only (for the saved state's key) when there are
    /// no remembered hashes; with them, each month is summed up once (`FileHashCache.periodHazards`).
    private static func hashHistory(_ code: String, history: [Period], scans: [ScannedPeriod], cache: FileHashCache? = nil)
        -> (records: [InputRecord?], entries: [String], cost: LoadCost) {
        var records: [InputRecord?] = []
        var entries: [String] = []
        var cost = LoadCost()
        let limit = ReadLimits.standard.maxFileBytes
        for (i, _) in history.enumerated() {
            let folder = scans[i].folders[code]
            var record: InputRecord?
            if let cache, let file = folder?.files[.hazards], folder?.unreadable[.hazards] == nil {
                // The same record as below (the SHA-256 of every byte, and the size), unless the file cannot be opened.
                var clock = LoadCost.now()
                record = cache.digest(file.relativePath, stamp: file.stamp).map { InputRecord(path: file.relativePath, sha256: $0.sha256, bytes: $0.bytes) }
                cost.hash += LoadCost.since(&clock)
            } else if let file = folder?.files[.hazards], folder?.unreadable[.hazards] == nil {
                // As InputLoader.load records it: the bytes' hash, or a too-large file's streamed hash.
                var clock = LoadCost.now()
                do {
                    let bytes = try InputLoader.readInput(file.path, limit: limit)
                    cost.read += LoadCost.since(&clock)
                    cost.bytes += bytes.count
                    record = InputRecord(path: file.relativePath, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count)
                } catch {
                    if case .tooLarge(let size) = error {
                        let digest = (try? SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: file.path))) ?? ""
                        record = InputRecord(path: file.relativePath, sha256: digest, bytes: size)
                    }
                }
                cost.hash += LoadCost.since(&clock)
            }
            records.append(record)
            entries.append(LedgerStateKey.entry(owner: code, record: record,
                                                present: folder?.files[.hazards] != nil || folder?.unreadable[.hazards] != nil))
        }
        return (records, entries, cost)
    }

    private struct CurrentFolder: Sendable {
        var folder: FolderPeriod
        var standing: StandingAgreements?
        var records: [InputRecord]
        var fallbackRecords: [InputRecord]
        var hazardEntry: String
        var load: LoadCost
        var validate: Double
    }

    /// One submitter's four files of P, and the agreements standing for it at P's end: P's own readable
    /// file, else the latest readable one of the year.
    /// `index`: the submitter's place in the registry (`fallback`'s order).
    private static func validatePeriod(_ config: PipelineConfig, _ period: Period, _ code: String, index: Int, folder: ScannedFolder?,
                                       ledger: HazardLedger, history: [Period], fallback: [AgreementsFallback],
                                       spill: IssueSpill? = nil, probe: Probe? = nil) -> CurrentFolder {
        var loader = InputLoader(limits: probe?.limits ?? .standard)
        let ctx = context(config, period, code, spill: spill)
        let known = ledger.knownFoundDates(owner: code)
        let inspectionsInput = loader.load(folder, .inspections, period: period)
        let before = loader.records.count
        let hazardsInput = loader.load(folder, .hazards, period: period)
        let hazardsRecord = loader.records.count > before ? loader.records.count - 1 : nil
        let agreementsInput = loader.load(folder, .agreements, period: period)
        let trainingsInput = loader.load(folder, .trainings, period: period)
        probe?.betweenPasses(code)
        var clock = LoadCost.now()
        let inspections = Validator.inspections(inspectionsInput, ctx)
        let hazards = Validator.hazards(hazardsInput, ctx, known: known)
        let agreements = Validator.agreements(agreementsInput, ctx)
        let trainings = Validator.trainings(trainingsInput, ctx)
        loader.settle(folder, .inspections, inspectionsInput, inspections)
        loader.settle(folder, .hazards, hazardsInput, hazards)
        loader.settle(folder, .agreements, agreementsInput, agreements)
        loader.settle(folder, .trainings, trainingsInput, trainings)
        let hazardEntry = LedgerStateKey.entry(owner: code, record: hazardsRecord.map { loader.records[$0] },
                                               present: folder?.files[.hazards] != nil || folder?.unreadable[.hazards] != nil)
        let newIds = Set(hazards.rows.map(\.hazardId).filter { known[$0] == nil })
        // The cross-check warns at most once per accepted inspection row: spilled like the files' issues.
        var other = IssueList(spill: spill)
        other.append(contentsOf: folder?.issues ?? [])
        Validator.crossCheck(inspections: inspections, hazards: hazards, newIds: newIds, ctx) { other.append($0) }
        other.seal()
        var validate = LoadCost.since(&clock)
        var result = FolderPeriod(code: code, submitter: ctx.submitter, inspections: inspections, hazards: hazards,
                                  agreements: agreements, trainings: trainings)
        result.otherIssues = other
        let records = loader.records
        var standing: StandingAgreements?
        if agreements.isSubmitted {
            standing = StandingAgreements(sentIn: period, rows: agreements.rows.elements, rejectedParties: agreements.rejectedParties)
        } else {
            for (i, q) in history.enumerated().reversed() where q.year == period.year {
                guard let found = fallback[i].folder(index, code: code) else { continue }
                let input = loader.load(found, .agreements, period: q)
                clock = LoadCost.now()
                let result = Validator.agreements(input, context(config, q, code, spill: spill))
                validate += LoadCost.since(&clock)
                loader.settle(found, .agreements, input, result)
                if result.isSubmitted {
                    standing = StandingAgreements(sentIn: q, rows: result.rows.elements, rejectedParties: result.rejectedParties)
                    break
                }
            }
        }
        return CurrentFolder(folder: result, standing: standing, records: records,
                             fallbackRecords: Array(loader.records.dropFirst(records.count)), hazardEntry: hazardEntry,
                             load: loader.cost, validate: validate)
    }

    /// `LedgerStateStore.save` on a pool thread (one of `parallelMap`'s, with its malloc arena: no new arena's pages);
    /// `wait` gives the seconds the save took and what `then` made after it.
    /// An owner's hazards are freed once both the save (owners sorted) and the roll-up (registry order) have let go of
    /// them: the save's copy is handed over whole and consumed owner by owner. (Holding it to the save's end raised a
    /// cold 2,000 × 12 run's heap peak by 4.2 MB, heaptrack; the ledger is ≈ 19 MB at 36 months.)
    static func saveInBackground(_ ledger: HazardLedger, store: LedgerStateStore, after q: Period, key: LedgerStateKey,
                                 compactedFor: Int?, then: @escaping @Sendable () -> String? = { nil })
        -> Background<(seconds: Double, then: String?)> {
        let handed = Locked<HazardLedger?>(ledger)
        return Background {
            var clock = LoadCost.now()
            store.save(handed.withLock { held in defer { held = nil }; return held! }, after: q, key: key,
                       compactedFor: compactedFor)
            let took = LoadCost.since(&clock)
            return (took, then())
        }
    }

    /// `transform` applied to every element on every core; results in the elements' order.
    static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        guard items.count > 1 else { return items.map(transform) }
        let results = Locked<[R?]>(Array(repeating: nil, count: items.count))
        let next = Locked(0)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, items.count)
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { _ in
            while true {
                let i = next.next()
                if i >= items.count { break }
                let r = transform(items[i])
                results.withLock { $0[i] = r }
            }
        }
        return results.withLock { $0.map { $0! } }
    }

    static func context(_ config: PipelineConfig, _ period: Period, _ code: String, spill: IssueSpill? = nil) -> ValidationContext {
        context(config, period, code, submitter: submitter(config, code), spill: spill)
    }

    /// The town for the town's code, else the village of that code (every folder code given is registered).
    static func submitter(_ config: PipelineConfig, _ code: String) -> Submitter {
        code == config.town.code ? .town : .village(config.village(code)!)
    }

    static func context(_ config: PipelineConfig, _ period: Period, _ code: String, submitter: Submitter,
                        spill: IssueSpill? = nil) -> ValidationContext {
        var ctx = ValidationContext(period: period, folder: code, submitter: submitter, config: config)
        ctx.issueSpill = spill
        return ctx
    }
}
