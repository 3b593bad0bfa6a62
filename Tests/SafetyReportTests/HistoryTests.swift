// Corrections, rebuilds and never losing a report: stale warnings, changes.csv, history/, kills, locks, write failures.
import Foundation
import Testing
@testable import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

/// Every regular file under `folder` (relative path → bytes); the top manifest's build time is blanked,
/// the one field allowed to differ between two builds of the same inputs.
private func snapshot(_ folder: URL) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for path in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
        var isDirectory: ObjCBool = false
        let url = folder.appendingPathComponent(path)
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if !exists || isDirectory.boolValue { continue }
        var bytes = [UInt8](try Data(contentsOf: url))
        if path == "manifest.json", var m = Manifest.read(url) { m.builtAt = ""; bytes = m.json }
        files[path] = bytes
    }
    return files
}

/// Cells that differ between two versions of a summary CSV, as `scope code column old→new`.
private func differingCells(_ old: [[String: String]], _ new: [[String: String]], key: String, scope: String) -> Set<String> {
    var cells: Set<String> = []
    for row in new {
        guard let before = old.first(where: { $0[key] == row[key] }) else { cells.insert("new row \(row[key]!)"); continue }
        for (column, value) in row where before[column] != value {
            cells.insert("\(scope) \(row[key]!) \(column) \(before[column] ?? "")→\(value)")
        }
    }
    return cells
}

private func changeCells(_ rows: [[String: String]]) -> Set<String> {
    Set(rows.map { "\($0["scope"]!) \($0["village_code"]!) \($0["column"]!) \($0["old_value"]!)→\($0["new_value"]!)" })
}

@Suite(.serialized) struct HistoryTests {
    @Test func aCorrectedMonthWarnsIsRebuiltRecordedAndKeptOnce() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("inputs/2026-11/V2/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-11-03,培训,消防安全,20\n")
        #expect(try CLI.run(["run", "--period", "2026-09"], in: town.root).code == 0)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let october = town.root.appendingPathComponent("outputs/2026-10")
        let originalOctober = try snapshot(october)
        let originalID = try #require(Manifest.read(october.appendingPathComponent("manifest.json"))).buildID
        let never = try CLI.run(["status"], in: town.root)
        #expect(never.code == 0)
        #expect(never.out.contains("2026-09  up to date") && never.out.contains("2026-11  never built"), "\(never.out)")

        // September's ledger is corrected: H2 was rectified on 09-28. This month's run names the stale reports and the file.
        try town.correctSeptembersHazards()
        let warned = try CLI.run(["run", "--period", "2026-11"], in: town.root)
        #expect(warned.code == 0, "\(warned.err)")
        for p in ["2026-09", "2026-10"] {
            #expect(warned.err.contains("warning report \(p) is stale (inputs/2026-09/V1/hazards.csv changed)"), "\(warned.err)")
        }
        let status = try CLI.run(["status"], in: town.root)
        #expect(status.code == 0)
        #expect(status.out.contains("2026-10  stale        inputs/2026-09/V1/hazards.csv changed"), "\(status.out)")
        #expect(status.out.contains("2026-11  up to date"))

        let rebuilt = try CLI.run(["rebuild"], in: town.root)
        #expect(rebuilt.code == 0, "\(rebuilt.err)")
        #expect(rebuilt.err.contains("2026-11 is up to date") && rebuilt.err.contains("rebuild: 2 of 3 period(s) rebuilt"))

        // October, as the ledger dictates: H2 no longer open (nor major open), and counted rectified this year;
        // H1's rectification in October is unchanged, so hazards_rectified stays 1.
        let changes = try town.csv("outputs/2026-10/changes.csv")
        var expected: Set<String> = []
        for (scope, code) in [("village", "V1"), ("town", "T1")] {
            expected.formUnion(["\(scope) \(code) hazards_open 2→1", "\(scope) \(code) hazards_open_major 1→0",
                                "\(scope) \(code) hazards_rectified_ytd 1→2",
                                "\(scope) \(code) rectification_rate_ytd 0.3333→0.6667"])
        }
        #expect(changeCells(changes) == expected)
        #expect(changes.count == expected.count)
        #expect(changes.allSatisfy { $0["period"] == "2026-10" })
        // September: H2 rectified in September itself.
        let september = try town.csv("outputs/2026-09/changes.csv")
        #expect(september.contains { $0["village_code"] == "V1" && $0["column"] == "hazards_rectified" && $0["old_value"] == "0" && $0["new_value"] == "1" })

        // The superseded October is kept whole under history/<its build id>/, and changes.csv lists exactly
        // the cells that differ between it and the new one.
        let kept = october.appendingPathComponent("history/\(originalID)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: october.appendingPathComponent("history").path) == [originalID])
        #expect(try snapshot(kept) == originalOctober)
        let exact = differingCells(try town.csv("outputs/2026-10/history/\(originalID)/summary_villages.csv"),
                                   try town.csv("outputs/2026-10/summary_villages.csv"), key: "village_code", scope: "village")
            .union(differingCells(try town.csv("outputs/2026-10/history/\(originalID)/summary_town.csv"),
                                  try town.csv("outputs/2026-10/summary_town.csv"), key: "town_code", scope: "town"))
        #expect(changeCells(changes) == exact)
        // history/ is not part of the report: the manifest lists only the period's own outputs.
        let manifest = try #require(Manifest.read(october.appendingPathComponent("manifest.json")))
        #expect(!manifest.outputs.contains { $0.name.hasPrefix("history") })
        #expect(manifest.outputs.contains { $0.name == "changes.csv" })
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs/2026-11/history").path))

        // Nothing changed since: running and rebuilding again add no history and give the same bytes,
        // the record of the correction included.
        let afterRebuild = try snapshot(october)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        #expect(try snapshot(october) == afterRebuild)
        #expect(try CLI.run(["rebuild", "--all"], in: town.root).code == 0)
        #expect(try snapshot(october) == afterRebuild)
        #expect(try town.csv("outputs/2026-10/changes.csv").count == expected.count)
    }

    @Test func theSameInputsNeverMakeASecondCopy() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let original = try town.read("inputs/2026-09/V1/hazards.csv")
        let store = OutputStore(root: town.root.appendingPathComponent("outputs"))
        let p = Period("2026-10")!
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let originalID = try #require(Manifest.read(store.periodFolder(p).appendingPathComponent("manifest.json"))).buildID
        try town.correctSeptembersHazards()
        #expect(try CLI.run(["rebuild", "--to", "2026-10"], in: town.root).code == 0)
        let correctedID = try #require(Manifest.read(store.periodFolder(p).appendingPathComponent("manifest.json"))).buildID
        #expect(store.history(p) == [originalID])
        // The village withdraws its correction, then sends it again: two versions, two copies, never three.
        try town.writeBytes("inputs/2026-09/V1/hazards.csv", original)
        #expect(try CLI.run(["rebuild", "--to", "2026-10"], in: town.root).code == 0)
        #expect(store.history(p) == [originalID, correctedID].sorted())
        #expect(Manifest.read(store.periodFolder(p).appendingPathComponent("manifest.json"))?.buildID == originalID)
        try town.correctSeptembersHazards()
        let again = try CLI.run(["rebuild", "--to", "2026-10"], in: town.root)
        #expect(again.code == 0)
        #expect(!again.err.contains("2026-10/history"), "\(again.err)")
        #expect(store.history(p) == [originalID, correctedID].sorted())
    }

    @Test func runAndRebuildGiveTheSameBytes() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let october = town.root.appendingPathComponent("outputs/2026-10")
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let byRun = try snapshot(october)
        let r = try CLI.run(["rebuild", "--all", "--from", "2026-10"], in: town.root)
        #expect(r.code == 0 && r.err.contains("rebuild: 1 of 1 period(s) rebuilt"), "\(r.err)")
        #expect(try snapshot(october) == byRun)
        #expect(!FileManager.default.fileExists(atPath: october.appendingPathComponent("history").path))
        // Built from scratch elsewhere, the same inputs give the same bytes too.
        try FileManager.default.removeItem(at: october)
        #expect(try CLI.run(["rebuild", "--from", "2026-10", "--to", "2026-10"], in: town.root).code == 0)
        #expect(try snapshot(october) == byRun)
    }

    @Test func staleReportsNameEveryReason() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "c1", period: Period("2026-10")!)
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        var check = StaleCheck(config: config, configSHA256: "c1")
        #expect(check.reasons(of: manifest).isEmpty)
        let september = try town.read("inputs/2026-09/V1/hazards.csv"), trainings = try town.read("inputs/2026-10/T1/trainings.csv")
        // An earlier month's hazards are replayed, so a new hazards file is named.
        try town.write("inputs/2026-09/V2/hazards.csv", "隐患编号,发现日期,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态\n")
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("inputs/2026-10/T1/trainings.csv"))
        try town.correctSeptembersHazards()
        var after = StaleCheck(config: config, configSHA256: "c2")
        #expect(after.reasons(of: manifest) == [.configChanged, .fileAdded("2026-09/V2/hazards.csv"),
                                                .fileRemoved("2026-10/T1/trainings.csv"), .fileChanged("2026-09/V1/hazards.csv")])
        // Back as built, but with an earlier month's inspections added: not read for October, so it only changes
        // the listing — still stale (conservatively), without a file to name.
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("inputs/2026-09/V2/hazards.csv"))
        try town.writeBytes("inputs/2026-10/T1/trainings.csv", trainings)
        try town.writeBytes("inputs/2026-09/V1/hazards.csv", september)
        try town.write("inputs/2026-09/V2/inspections.csv", "排查日期,排查人,发现隐患数\n")
        // Nor is an August agreements list of V1: the search for October's list stops at September's.
        let agreements = "对象类型,对象编码,对象名称,是否签订,签订日期\n村民小组,V1-01,第一村民小组,是,2026-01-05\n"
        try town.write("inputs/2026-08/V1/agreements.csv", agreements)
        var third = StaleCheck(config: config, configSHA256: "c1")
        #expect(third.reasons(of: manifest) == [.filesAddedOrRemoved])
        // V2 never sent a list this year, so one sent for September would stand in October.
        try town.write("inputs/2026-09/V2/agreements.csv", agreements)
        var fourth = StaleCheck(config: config, configSHA256: "c1")
        #expect(fourth.reasons(of: manifest) == [.fileAdded("2026-09/V2/agreements.csv")])
    }

    @Test func quietLogsOnlyWarningsAndTheSummaryLine() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-09"], in: town.root).code == 0)
        try town.correctSeptembersHazards()
        let r = try CLI.run(["run", "--period", "2026-10", "--quiet"], in: town.root)
        #expect(r.code == 0)
        let lines = r.err.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(r.err)")
        #expect(lines[0].contains(" warning report 2026-09 is stale"))
        let summary = try #require(lines.last)
        let outputs = town.root.appendingPathComponent("outputs/2026-10").path
        // period, villages, files, rows read and rejected, where, how long.
        for part in [" done 2026-10: 2 villages, 4 files,", "7 rows read, 1 rejected", "written to \(outputs) in "] {
            #expect(summary.contains(part), "\(summary)")
        }
        #expect(summary.hasSuffix("s"))
    }
}

private struct SetupFailed: Error { var command: String; var stderr: String }

/// A large demo town built once, for the tests that interrupt a run.
private final class LargeTown {
    let root: URL
    let folder: URL
    init(villages: Int) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sr-large-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        folder = root.appendingPathComponent("outputs/2026-10")
        for args in [["demo", "--out", ".", "--villages", "\(villages)", "--months", "2", "--end", "2026-10", "--seed", "11"],
                     ["run", "--period", "2026-10"]] {
            let r = try CLI.run(args, in: root)
            guard r.code == 0 else { throw SetupFailed(command: args.joined(separator: " "), stderr: r.err) }
        }
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    /// Starts `run` for 2026-10 in the background (its output discarded).
    func start(_ args: [String] = []) throws -> Process {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["run", "--period", "2026-10"] + args
        p.currentDirectoryURL = root
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits (polling, no deadline asserted) until `ready` holds or the process ended; true when `ready` held.
    func wait(for process: Process, until ready: () -> Bool) -> Bool {
        while process.isRunning {
            if ready() { return true }
            usleep(1_000)
        }
        return false
    }

    func debris() -> [String] { OutputStore(root: root.appendingPathComponent("outputs")).debris() }
}

@Suite(.serialized) struct InterruptedRunTests {
    @Test func aKilledRunLeavesThePreviousOutputsWholeAndTheNextRunClearsTheDebris() throws {
        let town = try LargeTown(villages: 400)
        let before = try snapshot(town.folder)
        let run = try town.start()
        let staging = town.root.appendingPathComponent("outputs/.staging-2026-10-\(run.processIdentifier)")
        // Kill it while it writes the village workbooks: the staging folder holds some but not all of them.
        let midWrite = town.wait(for: run) {
            ((try? FileManager.default.contentsOfDirectory(atPath: staging.appendingPathComponent("villages").path)) ?? []).count >= 5
        }
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        try #require(midWrite, "the run ended before it could be killed mid-write")
        #expect(run.terminationReason == .uncaughtSignal)
        #expect(try snapshot(town.folder) == before)
        #expect(town.debris() == [staging.lastPathComponent])
        let status = try CLI.run(["status"], in: town.root)
        #expect(status.out.contains("debris  \(staging.path)"), "\(status.out)")
        // The dead run's lock does not block, and the next run sweeps its staging folder.
        let next = try CLI.run(["rebuild"], in: town.root)
        #expect(next.code == 0, "\(next.err)")
        #expect(town.debris().isEmpty)
        #expect(try snapshot(town.folder) == before)
    }

    @Test func aSecondRunExitsFourNamingTheHoldersPID() throws {
        let town = try LargeTown(villages: 60)
        let first = try town.start()
        let lock = town.root.appendingPathComponent("outputs/.lock")
        // Once the first run has recorded itself in the lock, stop it there so the second one surely meets it.
        let holding = town.wait(for: first) {
            (try? String(contentsOf: lock, encoding: .utf8))?.hasPrefix("pid \(first.processIdentifier),") == true
        }
        kill(first.processIdentifier, SIGSTOP)
        defer { kill(first.processIdentifier, SIGCONT); first.waitUntilExit() }
        try #require(holding, "the first run ended before it was seen holding the lock")
        let second = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(second.code == 4)
        #expect(second.err.contains("another safety-report run (pid \(first.processIdentifier), started 20"), "\(second.err)")
        kill(first.processIdentifier, SIGCONT)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
    }

    /// 4 blocks of 512 bytes fail on a summary CSV (our own write), 40 on the town workbook (libxlsxwriter's).
    /// Not under ThreadSanitizer (scripts/sanitize.sh sets TSAN_OPTIONS): its runtime dies of SIGBUS at start-up
    /// when the process may not write files, before any of our code runs.
    @Test(.disabled(if: ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil,
                    "ThreadSanitizer's runtime cannot start under a file-size limit"),
          arguments: [(4, true), (40, true), (40, false)])
    func aWriteFailureExitsOneSaysWhatAndWhereAndKeepsThePreviousOutputs(blocks: Int, signalIgnoredByTheShell: Bool) throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let folder = town.root.appendingPathComponent("outputs/2026-10")
        let before = try snapshot(folder)
        try town.correctSeptembersHazards()
        // Root ignores permissions, so the failure is a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so
        // write(2) fails with EFBIG): real writes failing part-way, as on a full disk.
        // Without the shell ignoring SIGXFSZ (`ulimit -f` in a cron job), the tool ignores it itself rather than be
        // killed mid-write (exit 153, its staging folder left behind).
        let (code, message) = try runUnderFileSizeLimit(blocks, ["run", "--period", "2026-10"], in: town.root,
                                                        signalIgnoredByTheShell: signalIgnoredByTheShell)
        #expect(code == 1, "\(message)")
        #expect(message.contains("cannot write"), "\(message)")
        #expect(message.contains(town.root.appendingPathComponent("outputs").path + "/"), "\(message)")
        #expect(message.contains("File too large"), "\(message)")
        #expect(message.contains("the previous outputs of 2026-10 are unchanged"))
        #expect(try snapshot(folder) == before)
        #expect(OutputStore(root: town.root.appendingPathComponent("outputs")).debris().isEmpty)
        // With room again, the same run succeeds.
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
    }
}

/// A killed run's side-file temporaries under outputs/.state are swept by the next run, those of live processes kept.
@Suite struct StateTemporariesSweepTests {
    @Test func temporariesOfProcessesThatAreGoneAreRemoved() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = root.appendingPathComponent(".state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let gone: pid_t = 2_000_000_000  // above any pid_max: no such process
        let names = [".manifest-2026-10.\(gone).tmp", ".ledger-2026-09.\(gone).tmp",  // a killed run's
                     ".manifest-2026-09.\(getpid()).tmp", ".listing-2026-08.1.tmp",  // this process's, init's (alive)
                     "manifest-2026-10.bin", ".manifest-2026-10.tmp", ".odd.name.x.tmp"]  // not temporaries of a pid
        for n in names { try Data("x".utf8).write(to: state.appendingPathComponent(n)) }
        OutputStore(root: root).sweepStaging()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: state.path))
        #expect(left == Set(names.dropFirst(2)))
    }
}
