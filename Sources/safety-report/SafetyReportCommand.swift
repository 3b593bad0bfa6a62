// The command-line shell: parses arguments, loads the config, calls the library, maps outcomes to exit codes.

import ArgumentParser
import Foundation
import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

@main
struct SafetyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-report",
        abstract: "Monthly safe-community (安全社区) reports from the villages' CSV submissions.",
        version: ToolInfo.version,
        subcommands: [Run.self, Rebuild.self, Status.self, Check.self, Templates.self, Demo.self, Inspect.self],
        defaultSubcommand: Run.self
    )

    /// ArgumentParser exits 64 on usage errors; the SPEC's contract is 2 for usage and configuration errors.
    static func main() {
        Allocator.pinMmapThreshold()  // before any thread allocates (peak memory; see Allocator)
        // A file-size limit (`ulimit -f`) would kill the process mid-write and leave its staging folder behind; with
        // SIGXFSZ ignored the write fails with EFBIG instead, and the run fails cleanly, naming the file.
        signal(SIGXFSZ, SIG_IGN)
        if let dropped = Timestamp.dropUnreadableTZ() {
            Console().warn("TZ=\"\(dropped)\" is not a time zone this system knows (no such file under "
                           + "/usr/share/zoneinfo, nor a rule like CST-8); using the system's zone instead. "
                           + "Fix the TZ setting, e.g. TZ=Asia/Shanghai")
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options every command takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path to pipeline.json.")
    var config: String = "pipeline.json"

    /// Loads and checks pipeline.json (exit 2 on any problem). `needsInputs`: the command reads inputs/, so a
    /// missing inputs folder is a configuration error — a mistyped path or an unmounted share must not
    /// publish a report in which nobody submitted anything, with exit 0.
    func load(needsInputs: Bool = false) throws -> (PipelineConfig, String) {
        let url = URL(fileURLWithPath: config)
        let cfg: PipelineConfig
        do { cfg = try ConfigLoader.load(from: url) } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
        if needsInputs {
            var isDirectory: ObjCBool = false
            let path = cfg.inputs.path
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                Console.error("\(url.relativePath): inputs: the folder \(path) does not exist; check the path "
                              + "(a relative path is taken from the folder that holds the config)")
                throw ExitCode(2)
            }
            if !isDirectory.boolValue {
                Console.error("\(url.relativePath): inputs: \(path) is a file, not a folder")
                throw ExitCode(2)
            }
        }
        let bytes = (try? InputLoader.readBytes(url.path)) ?? []
        return (cfg, SHA256.hexDigest(of: bytes))
    }
}

func parsePeriod(_ text: String?, option: String = "--period") throws -> Period {
    guard let text else { return Console.previousMonth() }
    guard let p = Period(text), p.isSupported else {
        let range = Period.supportedRange
        Console.error("\(option) must be a month YYYY-MM between \(range.lowerBound) and \(range.upperBound) (e.g. 2026-10), got \(text)")
        throw ExitCode(2)
    }
    return p
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the report of one period (default: the previous calendar month).")
    @OptionGroup var options: ConfigOption
    @Option(help: "Period YYYY-MM (default: the previous calendar month).") var period: String?
    @Flag(help: "Exit with code 3 when any row or file was rejected.") var strict = false
    @Flag(help: "Print how long each stage took (for benchmarks).") var timings = false
    @OptionGroup var log: LogOptions

    func run() throws {
        let p = try parsePeriod(period)
        let (config, configHash) = try options.load(needsInputs: true)
        let console = Console(quiet: log.quiet)
        let lock = try Console.acquireLock(config)
        defer { withExtendedLifetime(lock) {} }
        OutputStore(root: config.outputs).sweepStaging()
        for line in Console.misnamedPeriodLines(config) { console.warn(line) }
        // One scan of each period folder serves the stale check and the build.
        let scans = InputScans(config: config, listings: RememberedListings(outputs: config.outputs, saveAsScanned: true))
        let others = Console.staleOtherPeriods(config, configHash, besides: p, scans: scans)
        for (q, why) in others.stale {
            let reasons = why.map(\.description).joined(separator: "; ")
            console.warn("report \(q) is stale (\(reasons)); run `safety-report rebuild` to bring it up to date")
        }
        let outcome = try Console.build(config, configHash, p, console, scans: scans)
        if timings {
            for t in others.timings + outcome.timings { print(t.stage.padding(toLength: max(26, t.stage.count + 1), withPad: " ", startingAt: 0) + String(format: "%8.3f s", t.seconds)) }
            print(outcome.inputSummary)
        }
        // The run is over: everything is written, swapped in and reported. The process ends here with the report,
        // its input records, the config and the scans still alive: returned, they were freed object by object on one
        // core while the other idled (≈ 25–30 ms of `free` and destroys at 2,000 × 12, the last thing a run did).
        Console.exitNow(strict && outcome.rejectedAnything ? 3 : 0, releasing: lock, keeping: (outcome, scans, others, config))
    }
}

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild, in order, every built period whose inputs or config changed.")
    @OptionGroup var options: ConfigOption
    @Option(help: "First period to consider (YYYY-MM).") var from: String?
    @Option(help: "Last period to consider (YYYY-MM).") var to: String?
    @Flag(help: "Rebuild every period in range, stale or not.") var all = false
    @OptionGroup var log: LogOptions

    func run() throws {
        let lower = try from.map { try parsePeriod($0, option: "--from") }, upper = try to.map { try parsePeriod($0, option: "--to") }
        if let lower, let upper, lower > upper {
            Console.error("--from \(lower) is after --to \(upper); give the earlier month first")
            throw ExitCode(2)
        }
        let (config, configHash) = try options.load(needsInputs: true)
        let console = Console(quiet: log.quiet)
        let started = Date()
        let lock = try Console.acquireLock(config)
        defer { withExtendedLifetime(lock) {} }
        let store = OutputStore(root: config.outputs)
        store.sweepStaging()
        for line in Console.misnamedPeriodLines(config) { console.warn(line) }
        var candidates = Set(store.builtPeriods())
        // With an explicit range, periods with inputs but no report yet are built too.
        if lower != nil || upper != nil { candidates.formUnion(InputScanner(config: config).periods()) }
        let periods = candidates.filter { p in (lower.map { p >= $0 } ?? true) && (upper.map { p <= $0 } ?? true) }.sorted()
        var rebuilt = 0
        // Rebuilding changes no input; the hashes it reads are remembered for the next run.
        let hashes = FileHashCache(outputs: config.outputs, inputs: config.inputs)
        let scans = InputScans(config: config, listings: RememberedListings(outputs: config.outputs, saveAsScanned: true))
        defer { hashes.save(); scans.saveListings() }
        var check = StaleCheck(config: config, configSHA256: configHash, fileHashes: hashes, scans: scans)
        for p in periods {
            let manifest = ManifestIndex(outputs: config.outputs).read(p, save: true)
            let why = manifest.map { check.staleness(of: $0)?.description } ?? "not built yet"
            guard all || why != nil else { console.info("\(p) is up to date"); continue }
            console.info("rebuilding \(p) (\(why ?? "requested"))")
            _ = try Console.build(config, configHash, p, console, closing: false)
            rebuilt += 1
        }
        console.summary("rebuild: \(rebuilt) of \(periods.count) period(s) rebuilt in \(config.outputs.path) in "
                        + String(format: "%.1fs", Date().timeIntervalSince(started)))
    }
}

/// `--quiet`, for the commands cron runs.
struct LogOptions: ParsableArguments {
    @Flag(help: "Log only warnings, errors and the closing summary line.") var quiet = false
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every period with inputs or outputs: up to date, stale (and why) or never built. Writes nothing.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let (config, configHash) = try options.load()
        let all = PeriodStatus.all(config: config, configSHA256: configHash)
        for s in all { print(s.line) }
        for line in Console.misnamedPeriodLines(config) { print("not a period  " + line) }
        let store = OutputStore(root: config.outputs)
        for d in store.debris() {
            if let pid = store.liveRun(d) {
                print("in progress  \(config.outputs.appendingPathComponent(d).path) (run pid \(pid) is building it and holds the lock)")
            } else {
                print("debris  \(config.outputs.appendingPathComponent(d).path) (left by an interrupted run; the next run clears it)")
            }
        }
        let stale = all.filter { if case .stale = $0.state { true } else { false } }.count
        let current = all.filter { $0.state == .upToDate }.count, never = all.filter { $0.state == .neverBuilt }.count
        let incomplete = all.count - stale - current - never
        Console().summary("status: \(all.count) period(s): \(current) up to date, \(stale) stale, \(never) never built"
                          + (incomplete > 0 ? ", \(incomplete) incomplete" : ""))
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate one period's inputs and list every issue; write nothing.")
    @OptionGroup var options: ConfigOption
    @Option(help: "Period YYYY-MM (default: the previous calendar month).") var period: String?
    @Flag(help: "Exit with code 3 when any row or file was rejected.") var strict = false
    @Option(help: "Check one village's (or the town office's) files as a clerk would before sending; exit 3 when rows would be rejected. The period defaults to the current month.")
    var village: String?
    @Argument(help: "With --village: the clerk's files to check instead of the folder's (CSV or .xlsx, anywhere).")
    var files: [String] = []

    func run() throws {
        if let village { return try checkVillage(village) }
        if !files.isEmpty {
            Console.error("files can only be checked with --village CODE")
            throw ExitCode(2)
        }
        let p = try parsePeriod(period)
        let (config, _) = try options.load(needsInputs: true)
        let console = Console()
        for line in Console.misnamedPeriodLines(config) { console.warn(line) }
        let assembled = ReportAssembler.assemble(config: config, period: p, progress: console.progress)
        console.clearProgress()
        for issue in assembled.report.issues {
            let location = [config.inputs.lastPathComponent, p.description, issue.folder, issue.file]
                .filter { !$0.isEmpty }.joined(separator: "/")
            let line = issue.line.map { ":\($0)" } ?? ""
            let column = issue.column.isEmpty ? "" : ":\(issue.column)"
            print("\(location)\(line)\(column): \(issue.severity.rawValue): [\(issue.rule)] \(issue.message)")
        }
        let stats = assembled.report.fileStats
        let read = stats.reduce(0) { $0 + $1.rowsRead }, rejected = stats.reduce(0) { $0 + $1.rowsRejected }
        if let failure = assembled.report.issues.spillFailure {
            Console.error(failure)
            throw ExitCode(1)
        }
        let errors = assembled.report.issues.errorCount
        console.summary("check \(p): \(read) rows read, \(read - rejected) accepted, \(rejected) rejected; "
                        + "\(errors) errors, \(assembled.report.issues.count - errors) warnings")
        if strict && assembled.report.rejectedAnything { throw ExitCode(3) }
    }
}

extension Check {
    /// `check --village`: the clerk's view, in Chinese; exit 3 when rows (or files) would be rejected.
    func checkVillage(_ code: String) throws {
        // A clerk checks before the month ends, so the default is the current month, not the previous one.
        let p = try period.map { try parsePeriod($0) } ?? Console.previousMonth().next
        let (config, _) = try options.load(needsInputs: files.isEmpty)
        let result: VillageCheckResult
        do { result = try VillageCheck.run(config: config, period: p, code: code, files: files) } catch {
            // The first line is the log's (English); a Chinese line for the clerk follows it as it is.
            let lines = "\(error)".split(separator: "\n", maxSplits: 1).map(String.init)
            Console.error(lines[0])
            if lines.count > 1 { FileHandle.standardError.write(Data((lines[1] + "\n").utf8)) }
            if case .unreadable = error { throw ExitCode(1) }
            throw ExitCode(2)
        }
        print("检查 \(result.name)（\(result.code)）\(p.chinese)的报送：")
        for issue in result.issues { print(result.line(issue)) }
        // As `check`: the list is printed, but issues that could not be spilled (a full temp folder) fail it.
        if let failure = result.issues.spillFailure {
            Console.error(failure)
            throw ExitCode(1)
        }
        print(result.verdict)
        if result.wouldReject { throw ExitCode(3) }
    }
}

struct Templates: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write blank submission files for the town office and every village.")
    @OptionGroup var options: ConfigOption
    @Option(help: "Folder to write into (one sub-folder per village code, one .xlsx workbook per folder).") var out: String = "templates"
    @Option(help: "Only this village (or the town office) code.") var village: String?

    func run() throws {
        let (config, _) = try options.load()
        if let village, !config.submitterCodes.contains(village) {
            Console.error("--village \(village) is not a registered village or town code in \(options.config)")
            throw ExitCode(2)
        }
        let files: [(path: String, bytes: [UInt8])]
        do { files = try SafetyReport.Templates.submissionFiles(config, only: village) } catch {
            Console.error("cannot build the template workbooks: \(error)")
            throw ExitCode(1)
        }
        // Never blank out a file a clerk filled in (say `--out inputs/2026-10` by mistake); the same blank again is fine.
        try Console.writeFiles(files, under: URL(fileURLWithPath: out), command: "templates")
        Console().summary("templates: \(files.count) files for \(village == nil ? config.submitterCodes.count : 1) folders in \(out)")
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a realistic synthetic town (pipeline.json and inputs/); the same seed gives the same files.")
    @Option(help: "Folder to write the town into.") var out: String
    @Option(help: "Number of villages.") var villages: Int = 8
    @Option(help: "Number of months, ending with --end.") var months: Int = 3
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Last month generated, YYYY-MM (default: the previous calendar month).") var end: String?
    @Option(help: "Accepted like every command's; the demo writes its own pipeline.json into --out.") var config: String?
    @Flag(inversion: .prefixedNo, help: "Include deliberate errors of every kind.") var errors = true
    @Flag(inversion: .prefixedNo, help: "Vary encodings, headers, date and boolean forms.") var variations = true
    @Flag(help: "Every village re-sends its standing agreements list every month (the shape of issue 5's yardstick town).")
    var agreementsEveryMonth = false

    func validate() throws {
        guard villages >= 1, villages <= 100_000 else { throw ValidationError("--villages must be between 1 and 100000") }
        guard months >= 1, months <= 120 else { throw ValidationError("--months must be between 1 and 120") }
    }

    func run() throws {
        var options = DemoOptions(lastPeriod: try parsePeriod(end, option: "--end"))
        options.villages = villages; options.months = months; options.seed = seed
        options.errors = errors; options.variations = variations; options.agreementsEveryMonth = agreementsEveryMonth
        let files = DemoTown.generate(options)
        // Never over a real town (its pipeline.json, its inputs), nor mixed with another demo's leftovers.
        try Console.writeFiles(files, under: URL(fileURLWithPath: out), command: "demo", alsoOwn: ["inputs"])
        Console().summary("demo: \(villages) villages, \(months) months ending \(options.lastPeriod), \(files.count) files in \(out)")
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show how the reader sees one CSV file or .xlsx workbook.")
    @Argument(help: "The CSV file or .xlsx workbook.") var file: String
    @Flag(help: "Print every record as a JSON array of strings, one per line.") var json = false
    @Option(name: .long, help: "Unused; accepted for symmetry with the other commands.") var config: String?

    func run() throws {
        // A path that names no regular file is a usage error (2), said plainly; a file that cannot be read is 1.
        var st = stat()
        if stat(file, &st) != 0 {
            let failure = errno  // before logging: isatty and the log line may set errno
            Console.error(failure == ENOENT ? "\(file): no such file" : "\(file): \(String(cString: strerror(failure)))")
            // A symbolic-link loop or an over-long name names no file either (review: 1 for those was an accident).
            throw ExitCode([ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG].contains(failure) ? 2 : 1)
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            Console.error("\(file): is a folder, not a file; name one CSV file")
            throw ExitCode(2)
        default:
            Console.error("\(file): is not a regular file (a pipe, socket or device); name one CSV file")
            throw ExitCode(2)
        }
        let bytes: [UInt8]
        do { bytes = try InputLoader.readInput(file, limit: ReadLimits.standard.maxFileBytes) } catch {
            if case .tooLarge(let size) = error {
                let failure = ReadFailure.fileTooLarge(bytes: size, limit: ReadLimits.standard.maxFileBytes)
                print("File:          \(file)\nRejected whole (\(failure.rule)):\n  \(failure.message)")
            } else {
                Console.error("cannot read \(file): \(error.english)")
            }
            throw ExitCode(1)
        }
        // A workbook (by name, or by its zip signature under a .csv name) shows its sheets as the pipeline reads them.
        if file.lowercased().hasSuffix(".xlsx") || bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let book = WorkbookInspectReport(bytes: bytes, fileName: URL(fileURLWithPath: file).lastPathComponent)
            if json && book.failure == nil {
                FileHandle.standardOutput.write(Data(book.jsonLines.utf8))
            } else {
                print(book.text, terminator: "")
            }
            if book.rejectsSomething { throw ExitCode(1) }
            return
        }
        let report = InspectReport(bytes: bytes, fileName: URL(fileURLWithPath: file).lastPathComponent)
        if json, let parsed = report.parsed {
            FileHandle.standardOutput.write(Data(InspectReport.jsonLines(parsed).utf8))
        } else {
            print(report.text)
        }
        // A file rejected whole is a finding, not a crash: exit 1 so scripts notice (the text says why).
        if report.failure != nil { throw ExitCode(1) }
    }
}
