// Links planted in outputs/ (the lock, staging, leftovers, a period, its history) never make a run write or delete outside it.
import Foundation
import Testing
@testable import SafetyReport
#if canImport(Glibc)
import Glibc
#endif

/// Every file under `dir` with its bytes, to show that nothing outside outputs/ changed.
private func contents(_ dir: URL) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for path in try FileManager.default.subpathsOfDirectory(atPath: dir.path) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(path).path, isDirectory: &isDirectory),
              !isDirectory.boolValue else { continue }
        files[path] = [UInt8](try Data(contentsOf: dir.appendingPathComponent(path)))
    }
    return files
}

@Suite(.serialized) struct OutputLinksTests {
    @Test func aLockFileThatIsASymlinkIsRefusedAndItsTargetUntouched() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("victim.txt", "victim\n")
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("outputs"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: town.root.appendingPathComponent("outputs/.lock").path,
                                                   withDestinationPath: town.root.appendingPathComponent("victim.txt").path)
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 1)
        #expect(r.err.contains("outputs/.lock") && r.err.contains("symbolic link"), "\(r.err)")
        #expect(try town.read("victim.txt") == Array("victim\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs/2026-10").path))
    }

    @Test func aLockFileHardLinkedToAnotherFileOrAFolderIsRefused() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("victim.txt", "victim\n")
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("outputs"), withIntermediateDirectories: true)
        let lock = town.root.appendingPathComponent("outputs/.lock").path
        #expect(link(town.root.appendingPathComponent("victim.txt").path, lock) == 0)
        let hard = try CLI.run(["rebuild", "--all"], in: town.root)
        #expect(hard.code == 1)
        #expect(hard.err.contains("hard links"), "\(hard.err)")
        #expect(try town.read("victim.txt") == Array("victim\n".utf8))

        #expect(unlink(lock) == 0)
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)
        let folder = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(folder.code == 1)
        #expect(folder.err.contains("not a regular file") || folder.err.contains("directory"), "\(folder.err)")
    }

    @Test func linksPlantedAsStagingLeftoversPeriodOrHistoryAreNeverFollowed() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        // Outside outputs/: folders the links point at, each holding a file.
        for name in ["outside-staging", "outside-previous", "outside-history", "outside-period"] {
            try town.write("\(name)/keep.txt", name)
            try town.write("\(name)/villages/V1.xlsx", name)
        }
        try town.correctSeptembersHazards()
        let outputs = town.root.appendingPathComponent("outputs")
        let before = try contents(town.root).filter { !$0.key.hasPrefix("outputs/") }
        func plant(_ name: String, _ target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: outputs.appendingPathComponent(name).path,
                                                       withDestinationPath: town.root.appendingPathComponent(target).path)
        }
        try plant(".staging-2026-10-1", "outside-staging")
        try plant(".previous-2026-08-1", "outside-previous")
        try plant("2026-10/history", "outside-history")
        try plant("2026-09", "outside-period")
        let r = try CLI.run(["rebuild", "--from", "2026-09", "--to", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        let after = try contents(town.root).filter { !$0.key.hasPrefix("outputs/") }
        #expect(after == before, "\(after.keys.filter { after[$0] != before[$0] }.sorted()) \(before.keys.filter { after[$0] == nil }.sorted())")
        // The leftovers were removed as links; the linked-in history was not carried.
        for name in [".staging-2026-10-1", ".previous-2026-08-1", "2026-08"] {
            var st = stat()
            #expect(lstat(outputs.appendingPathComponent(name).path, &st) != 0, "\(name)")
        }
        #expect(OutputStore.isRealDirectory(outputs.appendingPathComponent("2026-09").path))
        #expect(!FileManager.default.fileExists(atPath: outputs.appendingPathComponent("2026-10/history/keep.txt").path))
    }
}
