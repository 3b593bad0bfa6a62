// One report build, end to end: assemble, write every output into staging, compare, swap in atomically.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's malloc_trim(0), looked up at run time (Swift's Glibc module does not export malloc.h); a no-op elsewhere.
func releaseFreedMemory() {
    #if canImport(Glibc)
    typealias MallocTrim = @convention(c) (Int) -> Int32
    guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "malloc_trim") else { return }
    _ = unsafeBitCast(sym, to: MallocTrim.self)(0)
    #endif
}

/// What a build produced, for the CLI's summary line and exit code.
public struct BuildOutcome: Sendable {
    public var report: MonthReport
    public var folder: URL
    /// Differences against the report this build replaced (empty on a first build).
    public var changes: [FigureChange]
    public var replacedEarlierBuild: Bool
    public var periodFolderExists: Bool
    /// The build id under which the replaced version was newly kept in `history/` (nil when nothing was kept).
    public var keptInHistory: String?
    /// Wall-clock seconds per stage (read+validate+compute, CSVs, town workbook, village workbooks, commit).
    public var timings: [(stage: String, seconds: Double)]
    /// `changes` is the record carried over from the replaced build of the same inputs: this build changed nothing.
    public var changesCarried = false
    /// Bytes read, where the earlier months' ledger came from, and the reading throughput (for --timings).
    public var inputSummary: String = ""
    /// Something was rejected — a row, a whole file, or an unregistered folder's files (for --strict).
    public var rejectedAnything: Bool { report.rejectedAnything }
}

public enum ReportRun {
    /// The town workbook's file name for P.
    public static func workbookName(_ config: PipelineConfig, _ p: Period) -> String {
        let name = config.report.fill(config.report.workbookName, town: config.town, period: p)
        let safe = name.map { "/\\:*?\"<>|\0".contains($0) ? "_" : $0 }
        return String(safe) + ".xlsx"
    }

    /// Builds P and swaps it into outputs/P. The caller holds the outputs lock. `scans`: the period folders as this
    /// command already scanned them (`run`'s stale check), so they are not listed twice.
    public static func build(config: PipelineConfig, configSHA256: String, period: Period, scans: InputScans? = nil,
                             log: (String) -> Void = { _ in }) throws(OutputError) -> BuildOutcome {
        var timings: [(stage: String, seconds: Double)] = []
        var clock = Date()
        func lap(_ stage: String) { timings.append((stage, Date().timeIntervalSince(clock))); clock = Date() }
        let hashes = FileHashCache(outputs: config.outputs, inputs: config.inputs)
        let state = LedgerStateUse(store: LedgerStateStore(outputs: config.outputs), configSHA256: configSHA256, hashes: hashes)
        // Folders' listings remembered by their stat (written under the lock, as the hashes are).
        let scans = scans ?? InputScans(config: config, listings: RememberedListings(outputs: config.outputs, saveAsScanned: true))
        // Earlier months already summed up by `run`'s stale check (the build takes them as they are, uncounted below).
        let summedByCheck = scans.periods().filter { $0 < period && scans.hazards($0) != nil }.count
        let assembled = ReportAssembler.assemble(config: config, period: period, state: state, scans: scans, progress: log)
        hashes.save()
        scans.saveListings()
        lap("read, validate, compute")
        timings += assembled.stageSeconds.filter { $0.seconds > 0 }
        let c = assembled.cost
        let perCore = c.load.read + c.load.hash + c.load.parse + c.validate
        let inputSummary = "input \(assembled.inputs.count) files, " + String(format: "%.1f MB read", Double(c.load.bytes) / 1e6)
            + "; ledger: \(c.ledgerSource); read+hash+decode+parse+validate "
            + String(format: "%.1f MB/s per core", perCore > 0 ? Double(c.load.bytes) / 1e6 / perCore : 0)
            + "; earlier months: " + (summedByCheck > 0 ? "\(summedByCheck) summed up by the stale check, " : "")
            + "\(hashes.summaryCounts.reused) summary(ies) reused, \(hashes.summaryCounts.hashed) made"
            + "; earlier hazards files: \(hashes.counts.reused) hash(es) reused, \(hashes.counts.hashed) read"
        let report = assembled.report
        // Issues that could not be spilled (a full temp folder) fail the run before anything is written.
        if let failure = report.issues.spillFailure { throw .io(failure) }
        let store = OutputStore(root: config.outputs)
        let staging = try store.makeStaging(period)
        var pendingSide: ManifestIndex.PendingSide?
        var stagedManifest: StagedManifest?
        do throws(OutputError) {
            var outputs: [Manifest.Output] = []
            func put(_ name: String, _ bytes: [UInt8]) throws(OutputError) {
                outputs.append(try stageFile(name, bytes, staging: staging))
            }
            log("writing summary CSVs")
            // The two summaries the change log compares are built here (the town workbook needs the changes);
            // the other CSVs are written by a worker beside the workbooks (`otherCSVs`).
            var csvs: [(name: String, bytes: [UInt8])] = []
            for (name, build) in SummaryCSVs.tableBuilders where changeLogTables.contains(name) {
                let bytes = build(report)
                try put(name, bytes)
                csvs.append((name, bytes))
            }

            // What changed against the build being replaced. The same inputs built again are the same version:
            // it keeps that version's record of what its correction changed, so the outputs stay byte-identical.
            let previous = store.periodFolder(period)
            var changes: [FigureChange] = []
            var changesCarried = false
            // Its build id and outputs, from the side file when it vouches for manifest.json (not the JSON decoded whole).
            let previousManifest = ManifestIndex(outputs: config.outputs).built(period)
            let replaced = previousManifest != nil
            // Made beside the roll-up by the assembly (it had the same config hash: `state` above).
            let buildID = assembled.buildID ?? Manifest.buildID(toolVersion: ToolInfo.version, configSHA256: configSHA256,
                                                                listingSHA256: assembled.listingSHA256, files: assembled.inputs)
            if previousManifest?.buildID == buildID,
               let bytes = try? InputLoader.readBytes(previous.appendingPathComponent("changes.csv").path),
               let carried = ChangeLog.read(bytes) {
                changes = carried
                changesCarried = true
            } else if replaced {
                for (file, key, name, scope) in [("summary_town.csv", "town_code", "town_name", "town"),
                                                 ("summary_villages.csv", "village_code", "village_name", "village")] {
                    guard let old = try? InputLoader.readBytes(previous.appendingPathComponent(file).path),
                          let new = csvs.first(where: { $0.name == file })?.bytes else { continue }
                    changes += ChangeLog.diff(old: old, new: new, keyColumn: key, nameColumn: name, scope: scope)
                }
            }
            try put("changes.csv", ChangeLog.csv(changes, period: period))
            lap("summary CSVs")

            csvs = []
            // Hand the pages freed since reading began (files, records, replayed months, CSVs) back to the
            // system before the workbook threads allocate theirs: glibc would keep them in this thread's arena.
            releaseFreedMemory()
            // manifest.json's head (all but its outputs: 7 MB of the text at 2,000 × 12) written on a pool thread beside
            // the workbooks; its tail once the outputs are known (see `StagedManifest`). Started after the memory above
            // is handed back, not beside the summary CSVs: the run's peak is there, at the end of the roll-up, and the
            // head's allocations added to it (monthly 2,000 × 12: +1.5–2 MB of peak RSS).
            let staged = StagedManifest(assembled, configSHA256: configSHA256, to: staging.appendingPathComponent("manifest.json"))
            stagedManifest = staged
            log("writing the town workbook and \(report.villages.count) village workbooks")
            let workbooks = try writeWorkbooks(report, changes: changes, townName: workbookName(config, period), staging: staging)
            defer { _ = try? workbooks.flushing.finish() }  // its threads end whatever fails before the swap
            outputs += workbooks.outputs
            lap("workbooks and other CSVs (both cores)")
            timings.append(("  town workbook (thread cpu)", workbooks.townSeconds))
            timings.append(("  village workbooks (thread cpu)", workbooks.villageSeconds))
            timings.append(("  check and hash workbooks (thread cpu)", workbooks.describeSeconds))
            timings.append(("  other CSVs (thread cpu)", workbooks.csvSeconds))
            // The workbook threads' freed pages too: the manifest is built next, on this thread, and would add to them.
            releaseFreedMemory()

            // Every staged file durable before the swap (see `OutputStore.stage`): on a pool thread while manifest.json
            // is encoded on this one (the fsyncs wait on the disk, the encoding on the CPU: one after the other, a core
            // idled for both), the workbooks' background flush is waited for and the other outputs flushed at once;
            // then manifest.json.
            let stagingPath = staging.path
            let workbookFlush = workbooks.flushing
            let otherPaths = outputs.map { stagingPath + "/" + $0.name }
            let othersFlushed = flushBeside { () throws(OutputError) in
                let flushedAlready = try workbookFlush.finish()  // the workbooks, flushed while the others were written
                try OutputStore.flushAll(otherPaths.filter { !flushedAlready.contains($0) })
            }
            var manifest = staged.head()
            manifest.outputs = outputs.sorted { $0.name < $1.name }
            // Written as it is encoded, hashed on the way (its 7 MB of text were the run's peak, with the side file).
            let manifestFile: Manifest.Output
            do throws(OutputError) {
                manifestFile = try staged.finish(manifest)
            } catch {
                _ = othersFlushed.wait()
                throw error
            }
            // Its side file (so next month's stale check does not decode this manifest) written beside the flush and
            // the swap, put in place after the swap (best effort).
            pendingSide = ManifestIndex(outputs: config.outputs).prepare(
                period, manifest, stagedJSON: staging.appendingPathComponent("manifest.json").path,
                jsonBytes: manifestFile.bytes, jsonSHA256: manifestFile.sha256, buildID: buildID)
            let flushStart = Date()
            let manifestFlushed = Result { () throws(OutputError) in try OutputStore.flushAll([stagingPath + "/manifest.json"]) }
            let (othersResult, othersSeconds) = othersFlushed.wait()
            try othersResult.get()
            try manifestFlushed.get()
            let flushSeconds = othersSeconds + Date().timeIntervalSince(flushStart)
            // The version being replaced goes to history/ when its content differs and no copy of it is kept yet.
            var superseded: String? = nil
            if let old = previousManifest, old.buildID != buildID,
               Set(old.outputs.map { [$0.name, $0.sha256] }) != Set(manifest.outputs.map { [$0.name, $0.sha256] }) {
                superseded = old.buildID
            }
            let keptAlready = superseded.map { store.history(period).contains($0) } ?? true
            // Every listing read the spilled issues back whole, or the run fails here, before the swap.
            if let failure = report.issues.spillFailure { throw OutputError.io(failure) }
            try store.carryHistory(into: staging, period: period, keepSupersededAs: superseded)
            try store.commit(staging: staging, period: period)
            pendingSide?.commit()
            lap("manifest and commit")
            timings.append(("  fsync of \(outputs.count + 1) outputs", flushSeconds))
            return BuildOutcome(report: report, folder: store.periodFolder(period), changes: changes,
                                replacedEarlierBuild: replaced, periodFolderExists: assembled.periodFolderExists,
                                keptInHistory: keptAlready ? nil : superseded, timings: timings, changesCarried: changesCarried,
                                inputSummary: inputSummary)
        } catch {
            pendingSide?.discard()
            stagedManifest?.abandon()  // its thread done writing into staging before staging goes
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// manifest.json written in two parts (`ManifestJSON.encodeHead`, `encodeTail`): the head — every key before
    /// "outputs", known once the report is computed — on a pool thread beside the workbooks; the tail (the outputs, period and tool: ≈ 300 KB at 2,000 villages)
    /// once the outputs are written. Encoded whole after the workbooks, the text kept one core busy and the other
    /// idle at the end of every run (docs/performance-log.md, *The run's single-core ends, thirteenth session*).
    /// The same bytes either way (`ManifestJSONTests`); written, hashed and failing as `writeStreamed` does.
    /// The pool thread alone touches the fields until `head()` or `abandon()` has waited for it; the caller's thread
    /// alone after.
    final class StagedManifest: @unchecked Sendable {
        private let file: StreamedOutput
        private var started: Background<Manifest>!

        init(_ assembled: AssembledReport, configSHA256: String, to url: URL) {
            file = StreamedOutput(url)
            started = Background { [file] in
                var manifest = ReportRun.makeManifest(assembled, configSHA256: configSHA256, outputs: [])
                if file.failure == nil { ManifestJSON.encodeHead(manifest, chunkBytes: 1 << 16) { file.append($0) } }
                // The per-file counts are in the head; nothing after it reads them (the side file does not keep
                // them), so they are not held through the workbooks (8,000 records at 2,000 villages).
                manifest.files = []
                return manifest
            }
        }

        /// The manifest the head was written from (`outputs` and `files` empty), once the head is written.
        func head() -> Manifest { started.wait() }

        /// Writes the tail of `manifest` (the head's, with its outputs), closes the file and describes it.
        func finish(_ manifest: Manifest) throws(OutputError) -> Manifest.Output {
            _ = started.wait()
            if file.failure == nil { ManifestJSON.encodeTail(manifest, chunkBytes: 1 << 16) { self.file.append($0) } }
            return try file.finish("manifest.json")
        }

        /// The build failed: waits for the head's thread and closes the file (staging is removed after).
        func abandon() {
            _ = started.wait()
            file.close()
        }
    }

    /// One output written into staging chunk by chunk, hashed and counted on the way. The first failure (the open, or
    /// a write) is kept: later chunks are dropped and `finish` throws it. One thread at a time uses it.
    final class StreamedOutput: @unchecked Sendable {
        let url: URL
        private var fd: Int32
        private var hash = SHA256()
        private var size = 0
        private(set) var failure: OutputError?

        init(_ url: URL) {
            self.url = url
            fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
            if fd < 0 { failure = .io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        }

        func append(_ bytes: [UInt8]) {
            guard failure == nil else { return }
            hash.update(bytes)
            size += bytes.count
            do throws(OutputError) { try OutputStore.writeAll(bytes, fd: fd, url: url) } catch { failure = error }
        }

        /// Closes the file and describes it as `name`, or throws the first failure.
        func finish(_ name: String) throws(OutputError) -> Manifest.Output {
            defer { close() }
            if let failure { throw failure }
            OutputStore.startWriteback(fd)  // flushed with the other outputs before the swap
            return Manifest.Output(name: name, sha256: hash.hexDigest(), bytes: size)
        }

        func close() {
            if fd >= 0 { Glibc.close(fd); fd = -1 }
        }
    }

    /// A flush (`OutputStore.flushAll` and the like) started on a pool thread; `wait` gives its result and how long it took.
    private static func flushBeside(_ flush: @escaping @Sendable () throws(OutputError) -> Void)
        -> Background<(Result<Void, OutputError>, Double)> {
        Background {
            let start = Date()
            let flushed = Result { () throws(OutputError) in try flush() }
            return (flushed, Date().timeIntervalSince(start))
        }
    }

    /// The CSVs built before the workbooks, on the main thread: the change log compares them with the
    /// build being replaced, and the town workbook shows the changes.
    static let changeLogTables: Set<String> = ["summary_town.csv", "summary_villages.csv"]

    /// The town workbook, the CSVs not in `changeLogTables`, and one workbook per village, written on every
    /// core: each is independent. Workers take the next job from a shared counter, the town workbook (the
    /// largest) first, then the CSVs, so one core writes the town workbook while the other writes the CSVs and
    /// starts on the villages. Each file's bytes depend only on the report, so the order in which they are
    /// written changes nothing.
    private static func writeWorkbooks(_ report: MonthReport, changes: [FigureChange], townName: String, staging: URL)
        throws(OutputError) -> (outputs: [Manifest.Output], townSeconds: Double, villageSeconds: Double,
                                describeSeconds: Double, csvSeconds: Double, flushing: OutputStore.BackgroundFlush) {
        let villages = report.villages
        let shared = VillageWorkbook.Shared(report)
        let villageTmp = WorkbookTempFolder.forVillageWorkbooks()
        // Parts in memory: a village workbook's are a few KB each and cost no temporary file at all; and a failed
        // write to any part (libxlsxwriter ignores it) fails the workbook (see `Workbook.close`).
        let inMemory = VillageWorkbook.partsInMemoryAvailable
        let stagingPath = staging.path
        let firstVillage = 2
        let jobs = villages.count + firstVillage
        let results = Locked<[Result<[Manifest.Output], OutputError>?]>(Array(repeating: nil, count: jobs))
        let seconds = Locked<(town: Double, villages: Double, describe: Double, csvs: Double)>((0, 0, 0, 0))
        let next = Locked(0)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, jobs))
        // Each workbook flushed while the others are written (the run flushes the rest before the swap).
        let flushing = OutputStore.BackgroundFlush()
        // Threads of their own, each with a fresh malloc arena (see `runOnFreshThreads`).
        runOnFreshThreads(workers) { _ in
            while true {
                let i = next.next()
                if i >= jobs { break }
                var start = threadCPUSeconds()
                if i == 1 {
                    let result: Result<[Manifest.Output], OutputError>
                    do throws(OutputError) { result = .success(try otherCSVs(report, staging: staging)) }
                    catch { result = .failure(error) }
                    let took = threadCPUSeconds() - start
                    seconds.withLock { $0.csvs += took }
                    results.withLock { $0[i] = result }
                    continue
                }
                var described = 0.0
                let name = i == 0 ? townName : "villages/\(villages[i - firstVillage].village.code).xlsx"
                let result: Result<[Manifest.Output], OutputError>
                do {
                    let output = try writeWorkbook(stagingPath + "/" + name) { path in
                        // Read back before it counts as written: libxlsxwriter zips a part cut short by a full
                        // temporary folder without a word (see WrittenWorkbookCheck). The same read hashes it.
                        // `inMemory`: no part went through a temporary file and none failed, so the parts'
                        // ends need no inflating (`WrittenWorkbookCheck.verifyStructure`).
                        func readBack(_ inMemory: Bool) throws -> Manifest.Output {
                            let clock = threadCPUSeconds()
                            defer { described += threadCPUSeconds() - clock }
                            // The zip's bytes as written, kept in memory while minizip wrote it: no read back.
                            if let bytes = WrittenWorkbookCheck.takeWrittenZip(path) {
                                return try describeWritten(bytes, name: name, partsStayedInMemory: inMemory)
                            }
                            return try checkAndDescribe(path, name: name, partsStayedInMemory: inMemory)
                        }
                        if i == 0 {
                            // Parts in memory (those over 1 MB in the default temporary folder) so that a failed
                            // write to them is seen: libxlsxwriter ignores it (see `Workbook.close`).
                            return try readBack(TownWorkbook.write(report, changes: changes, to: path,
                                                                   partsInMemory: inMemory))
                        }
                        let village = villages[i - firstVillage]
                        do {
                            return try readBack(VillageWorkbook.write(report, village: village, shared: shared, to: path,
                                                                      tmpdir: villageTmp, partsInMemory: inMemory))
                        } catch where villageTmp != nil {
                            // The tmpfs filled up or went away: the default temp folder, as without it (parts still
                            // in memory when they can be, so a failed write is seen). Without a tmpfs the second
                            // try would be the first again, so there is none.
                            return try readBack(VillageWorkbook.write(report, village: village, shared: shared, to: path,
                                                                      partsInMemory: inMemory))
                        }
                    }
                    result = .success([output])
                    flushing.add(stagingPath + "/" + name)
                    start += described
                } catch let error as OutputError { result = .failure(error) }
                catch { result = .failure(.io("\(error)")) }
                let took = threadCPUSeconds() - start
                seconds.withLock { if i == 0 { $0.town += took } else { $0.villages += took }; $0.describe += described }
                results.withLock { $0[i] = result }
            }
        }
        var outputs: [Manifest.Output] = []
        for result in results.withLock({ $0 }) {
            do throws(OutputError) { outputs += try result!.get() } catch {
                _ = try? flushing.finish()  // its threads end before the run fails
                throw error
            }
        }
        let s = seconds.withLock { $0 }
        return (outputs, s.town, s.villages, s.describe, s.csvs, flushing)
    }

    /// The CSVs not in `changeLogTables`, validation_issues.csv included, one at a time, each written to its file a
    /// record at a time (`SummaryCSVs.tableStreams`): built whole, hazard_ledger.csv's rows of cells and text took
    /// ~10 MB at 2,000 villages, at the run's peak (the start of the workbooks).
    private static func otherCSVs(_ report: MonthReport, staging: URL) throws(OutputError) -> [Manifest.Output] {
        var outputs: [Manifest.Output] = []
        let streamed = Set(SummaryCSVs.tableStreams.map(\.name))
        for (name, build) in SummaryCSVs.tableBuilders where !changeLogTables.contains(name) && !streamed.contains(name) {
            outputs.append(try stageFile(name, build(report), staging: staging))
        }
        for (name, write) in SummaryCSVs.tableStreams where !changeLogTables.contains(name) {
            outputs.append(try writeStreamed(name, to: staging.appendingPathComponent(name)) { chunk in
                write(report, 1 << 16, chunk)
            })
        }
        outputs.append(try writeIssuesCSV(report, to: staging.appendingPathComponent("validation_issues.csv")))
        return outputs
    }

    /// One output (a CSV, manifest.json) written to its file as `produce` hands its bytes over, hashed as written;
    /// the first failed write fails it (later chunks are dropped).
    private static func writeStreamed(_ name: String, to url: URL,
                                      _ produce: (_ chunk: @escaping ([UInt8]) -> Void) -> Void)
        throws(OutputError) -> Manifest.Output {
        let file = StreamedOutput(url)
        if let failure = file.failure { throw failure }
        produce { file.append($0) }
        return try file.finish(name)
    }

    /// Writes one output into staging (flushed later with every other, see `OutputStore.stage`) and describes it.
    private static func stageFile(_ name: String, _ bytes: [UInt8], staging: URL) throws(OutputError) -> Manifest.Output {
        try OutputStore.stage(bytes, to: staging.appendingPathComponent(name))
        return Manifest.Output(name: name, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count)
    }

    /// CPU seconds of the calling thread (per-task costs that other processes on a busy machine do not inflate).
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// `path`: a file in staging, as a plain string (URL's appendingPathComponent stats the file system each time).
    private static func writeWorkbook<T>(_ path: String, _ body: (String) throws -> T) throws(OutputError) -> T {
        do { return try body(path) } catch let error as OutputError {
            throw error  // reading it back failed: already says what
        } catch {
            // libxlsxwriter reports a full disk only as "ZIP_ERRNO"; say what the maintainer must fix.
            let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            let full = OutputStore.isNearlyFull(folder) ? " (No space left on device)" : ""
            throw .io("cannot write workbook \(path)\(full): \(error)")
        }
    }

    /// validation_issues.csv written a chunk at a time (a million issues are never one array), hashed as written.
    private static func writeIssuesCSV(_ report: MonthReport, to url: URL) throws(OutputError) -> Manifest.Output {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 { throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hash = SHA256()
        var size = 0
        try SummaryCSVs.issues(report) { (bytes: [UInt8]) throws(OutputError) in
            hash.update(bytes)
            size += bytes.count
            try OutputStore.writeAll(bytes, fd: fd, url: url)
        }
        OutputStore.startWriteback(fd)  // flushed with the other outputs before the swap
        return Manifest.Output(name: "validation_issues.csv", sha256: hash.hexDigest(), bytes: size)
    }

    /// `checkAndDescribe` for a workbook whose zip was kept in memory and written to its file in one go (see
    /// `Workbook.takeWrittenZip`): the same check and hash, of the bytes that were written, with no read; its
    /// writeback was started as it was written.
    private static func describeWritten(_ bytes: [UInt8], name: String, partsStayedInMemory: Bool) throws -> Manifest.Output {
        if partsStayedInMemory {
            try WrittenWorkbookCheck.verifyStructure(bytes: bytes)
        } else {
            try WrittenWorkbookCheck.verify(bytes: bytes)
        }
        return Manifest.Output(name: name, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count)
    }

    /// Reads a workbook just written, once, while it is still in the page cache: checks it (`WrittenWorkbookCheck`),
    /// hashes it and starts its writeback (it is flushed with every other output before the swap). A workbook
    /// larger than `WrittenWorkbookCheck.largestChecked` is hashed as it is read, unchecked, as before.
    /// `partsStayedInMemory`: its parts never went through a temporary file (`WrittenWorkbookCheck.verifyStructure`).
    private static func checkAndDescribe(_ path: String, name: String, partsStayedInMemory: Bool) throws -> Manifest.Output {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw OutputError.io("workbook \(name) was not written: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size <= WrittenWorkbookCheck.largestChecked else {
            return try describe(fd, path: path, name: name)
        }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw OutputError.io("cannot read back workbook \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            filled += n
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }  // shrunk meanwhile: checked as it is
        if partsStayedInMemory {
            try WrittenWorkbookCheck.verifyStructure(bytes: bytes)
        } else {
            try WrittenWorkbookCheck.verify(bytes: bytes)
        }
        OutputStore.startWriteback(fd)
        return Manifest.Output(name: name, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count)
    }

    /// Hashes a written workbook while it is still in the page cache, and starts its writeback (it is flushed
    /// with every other output before the swap). One open for the size, the hash and the writeback.
    private static func describe(_ fd: Int32, path: String, name: String) throws(OutputError) -> Manifest.Output {
        // Streamed: a long town workbook is not read back into memory just to be hashed.
        var hash = SHA256()
        var size = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read back workbook \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            size += n
        }
        OutputStore.startWriteback(fd)
        return Manifest.Output(name: name, sha256: hash.hexDigest(), bytes: size)
    }

    static func makeManifest(_ a: AssembledReport, configSHA256: String, outputs: [Manifest.Output]) -> Manifest {
        let stats = a.report.fileStats
        let files = stats.map {
            Manifest.FileCount(folder: $0.folder, file: $0.fileName, kind: $0.kind.rawValue, state: $0.state,
                               rowsRead: $0.rowsRead, rowsAccepted: $0.rowsAccepted, rowsRejected: $0.rowsRejected)
        }
        let counts = Manifest.Counts(
            rowsRead: stats.reduce(0) { $0 + $1.rowsRead }, rowsAccepted: stats.reduce(0) { $0 + $1.rowsAccepted },
            rowsRejected: stats.reduce(0) { $0 + $1.rowsRejected }, filesRejected: stats.filter { $0.state == "rejected" }.count,
            errors: a.report.issues.errorCount, warnings: a.report.issues.warningCount)
        return Manifest(tool: .init(name: ToolInfo.name, version: ToolInfo.version), period: a.report.period.description,
                        builtAt: Timestamp.utc(),
                        config: .init(path: a.report.config.fileName, sha256: configSHA256),
                        inputs: .init(listingSHA256: a.listingSHA256, files: a.inputs),
                        counts: counts, files: files, outputs: outputs)
    }
}
