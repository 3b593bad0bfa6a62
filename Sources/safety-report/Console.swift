// Terminal and cron output: progress on a TTY, timestamped plain lines otherwise; and the CLI's shared steps.

import ArgumentParser
import Foundation
import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

final class Console: @unchecked Sendable {
    let isTTY = isatty(STDERR_FILENO) == 1
    /// `--quiet`: only warnings, errors and the closing summary line (for cron mail that should stay short).
    let quiet: Bool
    private var progressShown = false

    init(quiet: Bool = false) { self.quiet = quiet }

    private static func stamp() -> String { Timestamp.local() }

    private func emit(_ level: String, _ text: String) {
        clearProgress()
        let line = isTTY ? (level == "info" ? text : "\(level): \(text)") : "\(Console.stamp()) \(level) \(text)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func info(_ text: String) { if !quiet { emit("info", text) } }
    func warn(_ text: String) { emit("warning", text) }
    /// An error line: timestamped like every other line when not on a terminal, so cron logs stay uniform.
    static func error(_ text: String) {
        let line = isatty(STDERR_FILENO) == 1 ? "error: \(text)" : "\(stamp()) error \(text)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The one closing line: on stdout for a terminal user, timestamped on stderr for cron.
    func summary(_ text: String) {
        clearProgress()
        if isTTY { print(text) } else { FileHandle.standardError.write(Data("\(Console.stamp()) done \(text)\n".utf8)) }
    }

    /// A transient status line on a TTY; a plain log line otherwise.
    func progress(_ text: String) {
        if quiet { return }
        if isTTY {
            FileHandle.standardError.write(Data("\r\u{1B}[K… \(text)".utf8))
            progressShown = true
        } else {
            info(text)
        }
    }

    func clearProgress() {
        if progressShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); progressShown = false }
    }

    /// The previous calendar month in local time, so a monthly cron line needs no date arithmetic.
    static func previousMonth() -> Period {
        let now = Timestamp.localYearMonth()
        return Period(year: now.year, month: now.month)!.previous
    }

    /// Ends the process with `code` once a command's work is done, without tearing down what `keeping` holds (freeing a
    /// big report one object at a time only costs time): the outputs lock is let go as its deinit would (holder line
    /// truncated, unlocked), output streams flushed, then `exit`. Nothing else is pending: every file was written, flushed and
    /// renamed into place before this, and every other resource is memory or a descriptor the kernel closes.
    static func exitNow<T>(_ code: Int32, releasing lock: OutputLock, keeping: T) -> Never {
        withExtendedLifetime(keeping) {
            lock.release()
            fflush(nil)  // every output stream (exit would too)
            exit(code)
        }
    }

    static func acquireLock(_ config: PipelineConfig) throws -> OutputLock {
        do { return try OutputLock(outputs: config.outputs) } catch {
            Console.error("\(error)")
            if case .locked = error { throw ExitCode(4) }
            throw ExitCode(1)
        }
    }

    /// What a folder under inputs/ that is not named YYYY-MM is: one line for `status`, and the run's warning.
    static func misnamedPeriodLines(_ config: PipelineConfig) -> [String] {
        InputScanner(config: config).misnamedPeriodFolders().map { entry in
            let path = config.inputs.appendingPathComponent(entry.name).path
            return "\(path) is not a period folder, so nothing in it is read: period folders are named YYYY-MM"
                + (entry.meant.map { " (rename it to \($0) if it holds that month)" } ?? " (e.g. 2026-06)")
        }
    }

    /// Built reports other than P's that no longer match config and inputs: earlier ones, and later ones too,
    /// since a later report replays the hazards of every month before it.
    /// `scans`: kept for the build that follows, so each period folder is scanned once per run.
    /// `timings`: where the check's time went, for `run --timings`.
    static func staleOtherPeriods(_ config: PipelineConfig, _ hash: String, besides p: Period,
                                  scans: InputScans? = nil) -> (stale: [(Period, [Staleness])], timings: [(stage: String, seconds: Double)]) {
        let started = Date()
        let store = OutputStore(root: config.outputs)
        let hashes = FileHashCache(outputs: config.outputs, inputs: config.inputs)
        var check = StaleCheck(config: config, configSHA256: hash, fileHashes: hashes, scans: scans)
        var stale: [(Period, [Staleness])] = []
        var reading = 0.0
        for q in store.builtPeriods() where q != p {
            let clock = Date()
            let manifest = ManifestIndex(outputs: config.outputs).read(q, save: true)  // the caller holds the lock
            reading += Date().timeIntervalSince(clock)
            guard let m = manifest else { continue }
            let why = check.reasons(of: m)
            if !why.isEmpty { stale.append((q, why)) }
        }
        hashes.save()  // the caller holds the outputs lock
        check.scans.saveListings()
        let c = check.cost
        return (stale, [("stale check of other reports", Date().timeIntervalSince(started)),
                        ("  read manifests", reading), ("  scan input folders (kept for the build)", c.scan),
                        ("  SHA-256 of inputs (remembered or read)", c.hash), ("  compare", c.compare)])
    }

    /// Builds one period and reports it; I/O failures exit 1 with the previous outputs intact.
    /// `closing` is false inside a rebuild, whose own line closes the log: each period's line is then an info line.
    static func build(_ config: PipelineConfig, _ hash: String, _ p: Period, _ console: Console,
                      closing: Bool = true, scans: InputScans? = nil) throws -> BuildOutcome {
        let started = Date()
        let outcome: BuildOutcome
        do {
            outcome = try ReportRun.build(config: config, configSHA256: hash, period: p, scans: scans, log: console.progress)
        } catch {
            console.clearProgress()
            Console.error("\(error) — the previous outputs of \(p) are unchanged")
            throw ExitCode(1)
        }
        let r = outcome.report
        if !outcome.periodFolderExists { console.warn("no inputs folder for \(p): reported as nothing submitted") }
        // A rebuild of the same inputs carries the last correction's record in changes.csv; it changed nothing itself.
        let changed = outcome.changesCarried ? [] : outcome.changes
        for c in changed.prefix(50) {
            console.info("changed \(c.scope) \(c.code) \(c.name) \(c.column): \(c.old.isEmpty ? "∅" : c.old) → \(c.new.isEmpty ? "∅" : c.new)")
        }
        if changed.count > 50 { console.info("… \(changed.count - 50) more changes in changes.csv") }
        if let id = outcome.keptInHistory {
            console.info("the replaced report of \(p) is kept in \(outcome.folder.appendingPathComponent(OutputStore.historyFolder).path)/\(id)")
        }
        let read = r.fileStats.reduce(0) { $0 + $1.rowsRead }, rejected = r.fileStats.reduce(0) { $0 + $1.rowsRejected }
        let errors = r.issues.errorCount
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        let line = "\(p): \(r.villages.count) villages, \(r.fileStats.filter { $0.state != "missing" }.count) files, \(r.town.villagesSubmitted) complete, \(r.town.villagesCompliant) compliant; "
            + "\(read) rows read, \(rejected) rejected; \(errors) errors, \(r.issues.count - errors) warnings; "
            + (outcome.replacedEarlierBuild ? "\(changed.count) figures changed; " : "")
            + "written to \(outcome.folder.path) in \(seconds)s"
        if closing { console.summary(line) } else { console.info("built " + line) }
        return outcome
    }

    /// Writes generated files, but never over a file with other content (a clerk's filled-in submission, a
    /// real town's pipeline.json): then nothing is written and the command exits 2. Writing the same bytes
    /// again is fine. `alsoOwn`: folders (relative to root) the files must own whole — any other file found
    /// under them counts as a clash too, so a regenerated town never mixes with leftovers.
    static func writeFiles(_ files: [(path: String, bytes: [UInt8])], under root: URL, command: String,
                           alsoOwn folders: [String] = []) throws {
        var clashes = files.filter { f in
            let path = root.appendingPathComponent(f.path).path
            return FileManager.default.fileExists(atPath: path) && (try? InputLoader.readBytes(path)) != f.bytes
        }.map(\.path)
        let written = Set(files.map(\.path))
        for folder in folders {
            let dir = root.appendingPathComponent(folder)
            for sub in (try? FileManager.default.subpathsOfDirectory(atPath: dir.path)) ?? [] {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: dir.appendingPathComponent(sub).path, isDirectory: &isDirectory)
                if exists && !isDirectory.boolValue && !written.contains(folder + "/" + sub) { clashes.append(folder + "/" + sub) }
            }
        }
        if let first = clashes.sorted().first {
            Console.error("\((root.relativePath as NSString).appendingPathComponent(first)) already exists"
                          + (clashes.count > 1 ? " (and \(clashes.count - 1) more)" : "")
                          + "; \(command) never overwrites files — choose an empty folder with --out")
            throw ExitCode(2)
        }
        do {
            for f in files {
                let url = root.appendingPathComponent(f.path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(f.bytes).write(to: url)
            }
        } catch {
            Console.error("cannot write under \(root.path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}
