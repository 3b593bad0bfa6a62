// Adversarial review of the commands as cron and the office use them: manifest hashes, missing folders, inspect on odd paths, logs.
import Foundation
import Testing
@testable import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct BehaviourCLITests {
    /// SHA-256 of "abc" is the FIPS 180-4 example; a manifest "hash" must be a 64-digit digest like it,
    /// not the file's bytes in hex (which grows with the file and makes manifest.json huge).
    @Test func manifestHashesAreSHA256Digests() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        #expect(manifest.config.sha256 == SHA256.hexDigest(of: try town.read("pipeline.json")))
        #expect(manifest.config.sha256.count == 64)
        #expect(manifest.inputs.listingSHA256.count == 64)
        let hazards = try #require(manifest.inputs.files.first { $0.path == "2026-10/V1/Hazards.CSV" })
        #expect(hazards.sha256 == SHA256.hexDigest(of: try town.read("inputs/2026-10/V1/Hazards.CSV")))
        for output in manifest.outputs {
            let bytes = try town.read("outputs/2026-10/" + output.name)
            #expect(output.sha256 == SHA256.hexDigest(of: bytes), "\(output.name)")
            #expect(output.bytes == bytes.count)
        }
        // And the report is not stale right after it was built.
        #expect(!(try CLI.run(["run", "--period", "2026-11"], in: town.root).err.contains("stale")))
    }

    /// A mistyped `inputs` path or an unmounted share must not publish "nobody submitted" with exit 0.
    @Test func aMissingInputsFolderIsAConfigurationErrorAndWritesNothing() throws {
        let town = try TownFixture()
        for args in [["run", "--period", "2026-10"], ["check", "--period", "2026-10"], ["rebuild"]] {
            let r = try CLI.run(args, in: town.root)
            #expect(r.code == 2, "\(args) \(r.err)")
            #expect(r.err.contains("inputs") && r.err.contains("does not exist"), "\(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
        // A file where the inputs folder should be is the same mistake.
        try town.write("inputs", "not a folder")
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 2)
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
        // An inputs folder without the period's folder is still only a warning.
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("inputs"))
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs"), withIntermediateDirectories: true)
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0 && r.err.contains("no inputs folder for 2026-10"), "\(r.err)")
    }

    /// `inspect` names what is wrong with a path it cannot read as a file, instead of a Foundation error code.
    @Test func inspectExplainsPathsThatAreNotFiles() throws {
        let town = try TownFixture()
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("folder.csv"), withIntermediateDirectories: true)
        let dir = try CLI.run(["inspect", "folder.csv"], in: town.root)
        #expect(dir.code == 2 && dir.err.contains("is a folder, not a file"), "\(dir.err)")
        let missing = try CLI.run(["inspect", "nowhere.csv"], in: town.root)
        #expect(missing.code == 2 && missing.err.contains("no such file"), "\(missing.err)")
        #expect(mkfifo(town.root.appendingPathComponent("pipe.csv").path, 0o644) == 0)
        let fifo = try CLI.run(["inspect", "pipe.csv"], in: town.root)
        #expect(fifo.code == 2 && fifo.err.contains("not a regular file"), "\(fifo.err)")
        #expect(!dir.err.contains("NSCocoaErrorDomain") && !fifo.err.contains("permission"))
        // A symbolic-link loop and a name too long for the system name no file: usage errors too.
        #expect(symlink("loop-b.csv", town.root.appendingPathComponent("loop-a.csv").path) == 0)
        #expect(symlink("loop-a.csv", town.root.appendingPathComponent("loop-b.csv").path) == 0)
        let loop = try CLI.run(["inspect", "loop-a.csv"], in: town.root)
        #expect(loop.code == 2, "\(loop.err)")
        let long = try CLI.run(["inspect", String(repeating: "长", count: 200) + ".csv"], in: town.root)
        #expect(long.code == 2, "\(long.err)")
    }

    /// Under cron every stderr line carries a timestamp, errors included, and a rebuild ends with one summary line.
    @Test func cronLogsAreTimestampedAndEndWithOneSummary() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-09"], in: town.root).code == 0)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        try town.write("inputs/2026-09/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-09-02,培训,用电安全,12\n")
        let r = try CLI.run(["rebuild"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        let lines = r.err.split(separator: "\n")
        #expect(lines.allSatisfy { $0.first?.isNumber == true }, "\(r.err)")
        #expect(lines.filter { $0.contains(" done ") }.count == 1, "\(r.err)")
        #expect(lines.last?.contains(" done rebuild: 2 of 2 period(s) rebuilt") == true, "\(r.err)")
        do {
            let held = try OutputLock(outputs: town.root.appendingPathComponent("outputs"))
            let locked = try CLI.run(["run", "--period", "2026-10"], in: town.root)
            #expect(locked.code == 4)
            let last = try #require(locked.err.split(separator: "\n").last)
            #expect(last.first?.isNumber == true && last.contains(" error another safety-report run (pid "), "\(locked.err)")
            withExtendedLifetime(held) {}
        }
    }

    /// Outputs on a full file system (a 200 KB tmpfs): exit 1, a message that says the disk is full,
    /// the previous outputs byte for byte, no staging left. Needs root for `mount`; skipped otherwise.
    @Test(.enabled(if: getuid() == 0)) func aFullDiskExitsOneAndKeepsThePreviousOutputs() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let outputs = town.root.appendingPathComponent("outputs")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=200k", "tmpfs", outputs.path]
        try mount.run(); mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { return } // no mount permission in this sandbox: nothing to test
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [outputs.path]
            try? umount.run(); umount.waitUntilExit()
        }
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let before = try town.read("outputs/2026-10/summary_villages.csv")
        let manifestBefore = try town.read("outputs/2026-10/manifest.json")
        // Fill the file system up to the last few KB, so the next build fails part-way.
        var st = statvfs()
        #expect(statvfs(outputs.path, &st) == 0)
        let free = Int(st.f_bavail) * Int(st.f_frsize)
        try Data(count: max(0, free - 8 * 1024)).write(to: outputs.appendingPathComponent("filler"))
        try town.write("inputs/2026-10/V2/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-10-02,培训,用电安全,12\n")
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 1, "\(r.err)")
        #expect(r.err.contains("No space left on device"), "\(r.err)")
        #expect(r.err.contains("previous outputs of 2026-10 are unchanged"))
        #expect(try town.read("outputs/2026-10/summary_villages.csv") == before)
        #expect(try town.read("outputs/2026-10/manifest.json") == manifestBefore)
        let names = try FileManager.default.contentsOfDirectory(atPath: outputs.path)
        #expect(names.filter { $0.hasPrefix(".staging") || $0.hasPrefix(".previous") }.isEmpty, "\(names)")
    }
}

@Suite(.serialized) struct BehaviourStaleTests {
    /// Correcting September and re-running only September leaves October built on the old ledger:
    /// the run says so, since hazards replay from every earlier month.
    @Test func rerunningAnEarlierMonthWarnsThatLaterReportsAreStale() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-09"], in: town.root).code == 0)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        try town.correctSeptembersHazards()
        let r = try CLI.run(["run", "--period", "2026-09"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("report 2026-10 is stale (inputs/2026-09/V1/hazards.csv changed)"), "\(r.err)")
        #expect(!r.err.contains("report 2026-09 is stale"))
    }
}

@Suite(.serialized) struct BehaviourTemplatesTests {
    /// `templates --out inputs/2026-10` by mistake must not blank out files clerks already filled in.
    @Test func templatesNeverOverwriteAFilledInFile() throws {
        let town = try TownFixture()
        let filled = "排查日期,排查人,发现隐患数\n2026-10-05,张三,0\n"
        try town.write("tpl/V1/inspections.csv", filled)
        let r = try CLI.run(["templates", "--out", "tpl"], in: town.root)
        #expect(r.code == 2, "\(r.err)")
        #expect(r.err.contains("tpl/V1/inspections.csv") && r.err.contains("already exists"), "\(r.err)")
        #expect(try town.read("tpl/V1/inspections.csv") == Array(filled.utf8))
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("tpl/V2").path))
        // Writing the same blanks again over themselves is harmless and allowed.
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("tpl"))
        #expect(try CLI.run(["templates", "--out", "tpl"], in: town.root).code == 0)
        #expect(try CLI.run(["templates", "--out", "tpl"], in: town.root).code == 0)
    }
}

@Suite(.serialized) struct BehaviourPeriodTests {
    /// 9999-12 has no next month and 0001-01 no previous one: a usage error, not a crash (exit 132).
    @Test func periodsAtTheCalendarsEdgeAreUsageErrors() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        for args in [["check", "--period", "9999-12"], ["run", "--period", "0001-01"], ["rebuild", "--to", "9999-12"]] {
            let r = try CLI.run(args, in: town.root)
            #expect(r.code == 2, "\(args) \(r.code) \(r.err.suffix(300))")
            #expect(r.err.contains("between 1970-01 and 9998-12"), "\(r.err.suffix(300))")
        }
        // A folder with such a name under inputs/ is not taken for a period.
        try town.write("inputs/9999-12/V1/trainings.csv", "activity_date,form,theme,participants\n")
        #expect(InputScanner(config: try town.config).periods().map(\.description) == ["2026-09", "2026-10"])
        #expect(try CLI.run(["rebuild", "--from", "2026-01"], in: town.root).code == 0)
    }
}
