// What the maintainer reads: change lines only for real changes, live runs not called debris, misnamed period folders, bad ranges.
import Foundation
import Testing
@testable import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct OperatorMessagesTests {
    @Test func rerunningAnUnchangedMonthLogsNoChangesThoughChangesCsvKeepsTheLastCorrection() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        try town.correctSeptembersHazards()
        let corrected = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(corrected.err.contains("changed village V1"), "\(corrected.err)")
        let figures = try town.csv("outputs/2026-10/changes.csv").count
        #expect(figures > 0)
        #expect(corrected.err.contains("\(figures) figures changed"), "\(corrected.err)")

        let again = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(again.code == 0)
        #expect(!again.err.contains("changed village"), "\(again.err)")
        #expect(again.err.contains("0 figures changed"), "\(again.err)")
        #expect(try town.csv("outputs/2026-10/changes.csv").count == figures)
        let rebuilt = try CLI.run(["rebuild", "--all"], in: town.root)
        #expect(!rebuilt.err.contains("changed village"), "\(rebuilt.err)")
    }

    @Test func statusCallsTheStagingFolderOfALiveRunInProgressAndADeadOnesDebris() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        // A live holder: this test process, named in the lock as a run names itself.
        let me = getpid()
        try town.write("outputs/.lock", "pid \(me), started 2026-11-01T02:05:00+08:00\n")
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("outputs/.staging-2026-10-\(me)"),
                                                withIntermediateDirectories: true)
        // A dead one: a process that has exited.
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run(); done.waitUntilExit()
        let dead = done.processIdentifier
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("outputs/.staging-2026-09-\(dead)"),
                                                withIntermediateDirectories: true)
        let status = try CLI.run(["status"], in: town.root)
        #expect(status.code == 0)
        let lines = status.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("in progress") && $0.contains(".staging-2026-10-\(me)") && $0.contains("pid \(me)") },
                "\(status.out)")
        #expect(lines.contains { $0.hasPrefix("debris") && $0.contains(".staging-2026-09-\(dead)") }, "\(status.out)")
        #expect(!lines.contains { $0.hasPrefix("debris") && $0.contains(".staging-2026-10-\(me)") }, "\(status.out)")
    }

    @Test func misnamedPeriodFoldersAreNamedByRunCheckAndStatus() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("inputs/2026-6/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-06-12,培训,消防,10\n")
        try town.write("inputs/2026-10 (copy)/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n")
        try town.write("inputs/old/notes.txt", "x")
        let run = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(run.code == 0)
        for line in [run.err, try CLI.run(["check", "--period", "2026-10"], in: town.root).err] {
            #expect(line.contains("inputs/2026-6 is not a period folder") && line.contains("rename it to 2026-06"), "\(line)")
            #expect(line.contains("inputs/2026-10 (copy) is not a period folder") && line.contains("rename it to 2026-10"), "\(line)")
            #expect(line.contains("inputs/old is not a period folder") && line.contains("YYYY-MM (e.g. 2026-06)"), "\(line)")
            #expect(line.contains("warning"))
        }
        let status = try CLI.run(["status"], in: town.root)
        #expect(status.out.split(separator: "\n").filter { $0.hasPrefix("not a period") }.count == 3, "\(status.out)")
        #expect(InputScanner.meantPeriod("2026年6月") == Period(year: 2026, month: 6))
        #expect(InputScanner.meantPeriod("202606") == Period(year: 2026, month: 6))
        #expect(InputScanner.meantPeriod("2026-13") == nil)
    }

    @Test func rebuildWithFromAfterToIsAUsageError() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["rebuild", "--from", "2026-10", "--to", "2026-08"], in: town.root)
        #expect(r.code == 2)
        #expect(r.err.contains("--from 2026-10 is after --to 2026-08"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
        #expect(try CLI.run(["rebuild", "--from", "2026-10", "--to", "2026-10"], in: town.root).code == 0)
    }
}
