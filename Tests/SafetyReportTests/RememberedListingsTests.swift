// Folders' listings remembered by the folder's stat: every kind of change to an earlier month is still seen.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

@Suite struct RememberedListingsTests {
    /// A 4-month demo town (2026-07 … 2026-10) in a temporary folder, its files already older than the test margin.
    private func makeTown() throws -> DemoTownFixture {
        let town = try DemoTownFixture(villages: 4, months: 4, seed: 5, prefix: "sr-listings")
        usleep(200_000)
        return town
    }

    /// Listings believed when folders are 50 ms old (the tests wait longer than that after each change).
    private func listings(_ config: PipelineConfig, margin: Double = 0.05) -> RememberedListings {
        RememberedListings(outputs: config.outputs, margin: margin)
    }

    /// Every period scanned through `listings` and saved, as a run leaves them.
    private func remember(_ config: PipelineConfig, margin: Double = 0.05) -> RememberedListings.Counts {
        let l = listings(config, margin: margin)
        let scanner = InputScanner(config: config, listings: l)
        for p in scanner.periods() { _ = scanner.scan(p) }
        l.save()
        return l.counts
    }

    /// The scan through remembered listings equals a scan that lists every folder, found file by found file with the
    /// same stat (which `==` leaves out); returns how many folders were believed and listed.
    private func expectSameScans(_ config: PipelineConfig, margin: Double = 0.05,
                                 sourceLocation: SourceLocation = #_sourceLocation) -> RememberedListings.Counts {
        let l = listings(config, margin: margin)
        let remembered = InputScanner(config: config, listings: l), plain = InputScanner(config: config)
        for p in plain.periods() {
            let a = remembered.scan(p), b = plain.scan(p)
            #expect(a == b, "\(p): the scan differs", sourceLocation: sourceLocation)
            for (code, folder) in b.folders {
                for (kind, file) in folder.files {
                    #expect(a.folders[code]?.files[kind]?.stamp == file.stamp, "\(file.relativePath): another stat",
                            sourceLocation: sourceLocation)
                }
            }
        }
        return l.counts
    }

    private func stamp(_ path: String) -> stat {
        var st = stat()
        #expect(lstat(path, &st) == 0)
        return st
    }

    @Test func unchangedFoldersAreNotListedAgain() throws {
        let town = try makeTown()
        let config = try town.config
        let first = remember(config)
        #expect(first.believed == 0 && first.listed > 0)
        usleep(100_000)
        let again = expectSameScans(config)
        #expect(again.believed == first.listed, "every folder believed")
        #expect(again.listed == 0)
        // Racy: folders changed less than the margin before they were listed are listed again next time.
        let racy = expectSameScans(config, margin: 3600)
        #expect(racy.believed == 0 && racy.listed == first.listed)
    }

    /// `run` and `rebuild` write each period's listings as soon as it is scanned (not held to the end of the read
    /// stage, where they added megabytes to the peak); `status` (the default) writes none, even when saved.
    @Test func listingsAreWrittenAsEachPeriodIsScannedOnlyWhenAsked() throws {
        let town = try makeTown()
        let config = try town.config
        let quiet = RememberedListings(outputs: config.outputs, margin: 0.05)
        let quietScanner = InputScanner(config: config, listings: quiet)
        let periods = quietScanner.periods()
        #expect(periods.count == 4)
        for p in periods { _ = quietScanner.scan(p) }
        for p in periods { #expect(!FileManager.default.fileExists(atPath: quiet.url(p).path), "\(p) written by a scan") }

        let eager = RememberedListings(outputs: config.outputs, margin: 0.05, saveAsScanned: true)
        let eagerScanner = InputScanner(config: config, listings: eager)
        for (i, p) in periods.enumerated() {
            _ = eagerScanner.scan(p)
            for (j, q) in periods.enumerated() {
                #expect(FileManager.default.fileExists(atPath: eager.url(q).path) == (j <= i),
                        "after scanning \(p): \(q)'s listing \(j <= i ? "missing" : "already written")")
            }
        }
        usleep(100_000)
        // What was written as scanned is a whole memory: the next scan believes every folder and lists none.
        let again = expectSameScans(config)
        #expect(again.believed == eager.counts.listed && again.listed == 0)
    }

    /// Each kind of change in an earlier month's folder, made after its listing was remembered, is seen exactly as a
    /// plain scan sees it; only the changed folder is listed again.
    @Test(arguments: ["added", "removed", "renamed", "stray file added", "added, mtime put back", "edited in place",
                      "size and mtime changed", "folder replaced"])
    func everyChangeIsSeen(_ change: String) throws {
        let town = try makeTown()
        let config = try town.config
        let total = remember(config).listed
        usleep(100_000)
        let folder = town.path("2026-08/\(config.villages[1].code)")
        let hazards = folder + "/hazards.csv"
        #expect(FileManager.default.fileExists(atPath: hazards))
        let before = stamp(folder)
        switch change {
        case "added":
            try? FileManager.default.removeItem(atPath: folder + "/trainings.csv")
            _ = remember(config)
            usleep(100_000)
            try Data("活动日期,小组编码,活动形式,活动主题,参与人数\n".utf8).write(to: URL(fileURLWithPath: folder + "/trainings.csv"))
        case "removed":
            try FileManager.default.removeItem(atPath: hazards)
        case "renamed":
            try FileManager.default.moveItem(atPath: hazards, toPath: folder + "/Hazards-old.csv")
        case "stray file added":
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        case "added, mtime put back":
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
            var times = [before.st_atim, before.st_mtim]
            #expect(utimensat(AT_FDCWD, folder, &times, 0) == 0)
            let after = stamp(folder)
            #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        case "edited in place":
            try editInPlaceKeepingSizeAndMtime(hazards)
        case "size and mtime changed":
            let fd = open(hazards, O_WRONLY | O_APPEND)
            #expect(fd >= 0)
            _ = write(fd, "\n", 1)
            close(fd)
        case "folder replaced":
            // The same files copied into a new folder that takes the old one's place (rename(2) will not replace a
            // non-empty folder, so the old one is moved aside first).
            let copy = folder + ".new"
            try FileManager.default.copyItem(atPath: folder, toPath: copy)
            try FileManager.default.moveItem(atPath: folder, toPath: folder + ".old")
            try FileManager.default.moveItem(atPath: copy, toPath: folder)
            try FileManager.default.removeItem(atPath: folder + ".old")
        default:
            Issue.record("unknown change \(change)")
        }
        usleep(100_000)
        let counts = expectSameScans(config)
        let inPlace = change == "edited in place" || change == "size and mtime changed"
        // An edit in place changes no folder: the listing is believed, and the file's new stat comes from its own stat.
        #expect(counts.listed == (inPlace ? 0 : 1), "\(change): \(counts)")
        #expect(counts.believed == total - counts.listed)
        if inPlace {
            let scan = InputScanner(config: config, listings: listings(config)).scan(Period("2026-08")!)
            let found = try #require(scan.folders[config.villages[1].code]?.files[.hazards]?.stamp)
            #expect(found == FileStamp(stamp(hazards)))
        }
    }

    /// Through `run`'s order: 2026-09 built (which remembers every folder's listing), then an earlier month's files
    /// removed and renamed; the stale check through remembered listings names what a check without them names.
    @Test func theStaleCheckNamesChangesBehindRememberedListings() throws {
        let town = try makeTown()
        let config = try town.config
        sleep(3)  // the folders older than the default margin when they are listed, so their listings are believed later
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-09")!)
        let saved = try FileManager.default.contentsOfDirectory(atPath: config.outputs.appendingPathComponent(".state").path)
        #expect(saved.contains("listing-2026-07.bin") && saved.contains("listing-2026-09.bin"), "\(saved)")
        // Villages whose hazards file is named exactly `hazards.csv` (the demo varies names' case).
        func withHazards(_ month: String) throws -> String {
            try #require(config.villages.map(\.code).first { FileManager.default.fileExists(atPath: town.path("\(month)/\($0)/hazards.csv")) })
        }
        let julyCode = try withHazards("2026-07"), augustCode = try withHazards("2026-08")
        let july = town.path("2026-07/\(julyCode)"), august = town.path("2026-08/\(augustCode)")
        try FileManager.default.removeItem(atPath: july + "/hazards.csv")
        try FileManager.default.moveItem(atPath: august + "/hazards.csv", toPath: august + "/HAZARDS.csv")
        let manifest = try #require(Manifest.read(config.outputs.appendingPathComponent("2026-09/manifest.json")))
        let scans = InputScans(config: config, listings: RememberedListings(outputs: config.outputs))
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs), scans: scans)
        var plain = StaleCheck(config: config, configSHA256: "cfg")
        let reasons = check.reasons(of: manifest)
        #expect(reasons == plain.reasons(of: manifest))
        #expect(reasons.contains(.fileRemoved("2026-07/\(julyCode)/hazards.csv")), "\(reasons)")
        #expect(reasons.contains(.fileAdded("2026-08/\(augustCode)/HAZARDS.csv")), "\(reasons)")
        #expect(scans.scanner.listings!.counts.believed > 0, "unchanged folders believed")
    }

    /// A damaged or truncated file is no memory: every folder is listed again.
    @Test func aDamagedFileIsNoMemory() throws {
        let town = try makeTown()
        let config = try town.config
        let total = remember(config).listed
        let file = RememberedListings(outputs: config.outputs).url(Period("2026-08")!)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: file)
        try Data(bytes.prefix(bytes.count / 2)).write(to: RememberedListings(outputs: config.outputs).url(Period("2026-09")!))
        usleep(100_000)
        let counts = expectSameScans(config)
        let plain = InputScanner(config: config)
        let damaged = plain.scan(Period("2026-08")!).folders.count + plain.scan(Period("2026-09")!).folders.count
        #expect(counts.listed == damaged && counts.believed == total - damaged, "\(counts)")
    }

    /// A file crafted with a valid checksum and a string length near 2⁶³ (only someone who can write to
    /// outputs/.state can make one) is no memory either: it once overflowed `at + n` and stopped the command.
    @Test func aCraftedHugeLengthIsNoMemory() throws {
        func varint(_ x: UInt64) -> [UInt8] {
            var x = x, out: [UInt8] = []
            while x >= 0x80 { out.append(UInt8(x & 0x7F) | 0x80); x >>= 7 }
            return out + [UInt8(x)]
        }
        var reader = StateReader(bytes: varint(UInt64(Int.max - 4)) + Array("abc".utf8))
        #expect(reader.string() == nil)
        let town = try makeTown()
        let config = try town.config
        let total = remember(config).listed
        let august = Period("2026-08")!
        let payload = varint(7) + Array("2026-08".utf8) + varint(1) + varint(UInt64(Int.max - 4)) + Array("abc".utf8)
        let file = RememberedListings(outputs: config.outputs).url(august)
        try Data(Array((RememberedListings.magic + SHA256.hexDigest(of: payload) + "\n").utf8) + payload).write(to: file)
        usleep(100_000)
        let counts = expectSameScans(config)
        let inAugust = InputScanner(config: config).scan(august).folders.count
        #expect(counts.listed == inAugust && counts.believed == total - inAugust, "\(counts)")
    }
}

/// Months scanned for their listing, hazards and agreements only (no stat of their inspections and trainings files).
@Suite struct LightScanTests {
    private func makeTown() throws -> DemoTownFixture {
        try DemoTownFixture(villages: 4, months: 4, seed: 6, prefix: "sr-light")
    }

    /// A light scan is the whole scan (the same listing, files, issues), only without the stat of inspections and
    /// trainings files; hazards and agreements keep theirs.
    @Test func aLightScanIsTheWholeScanWithoutSomeStats() throws {
        let town = try makeTown()
        let scanner = InputScanner(config: try town.config)
        for p in scanner.periods() {
            let whole = scanner.scan(p), light = scanner.scan(p, hazardsAndAgreementsOnly: true)
            #expect(light == whole)
            #expect(light.listing == whole.listing && light.issues == whole.issues)
            var skipped = 0
            for (code, folder) in whole.folders {
                for (kind, file) in folder.files {
                    let other = try #require(light.folders[code]?.files[kind])
                    if kind == .inspections || kind == .trainings { if other.stamp == nil { skipped += 1 } }
                    else { #expect(other.stamp == file.stamp && other.stamp != nil) }
                }
            }
            #expect(skipped > 0)
        }
    }

    /// `run`'s order the other way round: 2026-09's report checked first (2026-08 then scanned light and reduced), then
    /// 2026-08's own report with the same scans: an in-place edit of 2026-08's trainings file (size and mtime kept) is
    /// named, as a check without remembered anything names it.
    @Test func aMonthScannedLightIsCheckedWholeForItsOwnReport() throws {
        let town = try makeTown()
        let config = try town.config
        for p in ["2026-08", "2026-09"] { _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period(p)!) }
        sleep(3)  // past the remembered hashes' margin
        let code = try #require(config.villages.map(\.code).first {
            FileManager.default.fileExists(atPath: town.root.appendingPathComponent("inputs/2026-08/\($0)/trainings.csv").path)
        })
        let rel = "2026-08/\(code)/trainings.csv"
        try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + rel).path)
        let scans = InputScans(config: config, listings: RememberedListings(outputs: config.outputs))
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs), scans: scans)
        #expect(check.reasons(of: try town.manifest("2026-09")).isEmpty, "2026-09 reads no trainings file of 2026-08")
        #expect(!scans.wholePeriods.contains(Period("2026-08")!))
        let reasons = check.reasons(of: try town.manifest("2026-08"))
        #expect(reasons == [.fileChanged(rel)], "\(reasons)")
        var plain = StaleCheck(config: config, configSHA256: "cfg")
        #expect(plain.reasons(of: try town.manifest("2026-08")) == reasons)
    }
}

@Suite struct MonthlyTimingLineTests {
    /// `run`'s order on a 4-month town with 2026-08 and 2026-09 built: the build's line counts the earlier months the
    /// stale check summed up, and those it made itself, and together they are every earlier month.
    @Test func theBuildsLineSaysWhoSummedUpEachEarlierMonth() throws {
        let root = try writeDemoTown(DemoOptions(villages: 3, months: 4, lastPeriod: Period("2026-10")!, seed: 8), prefix: "sr-line")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json"))
        for p in ["2026-08", "2026-09"] { _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period(p)!) }
        sleep(3)
        let scans = InputScans(config: config, listings: RememberedListings(outputs: config.outputs))
        let hashes = FileHashCache(outputs: config.outputs, inputs: config.inputs)
        var check = StaleCheck(config: config, configSHA256: "cfg", fileHashes: hashes, scans: scans)
        for p in ["2026-08", "2026-09"] {
            let m = try #require(Manifest.read(config.outputs.appendingPathComponent("\(p)/manifest.json")))
            #expect(check.reasons(of: m).isEmpty)
        }
        hashes.save()  // as `run` does after its check
        let outcome = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-10")!, scans: scans)
        // 2026-07 and 2026-08 summed up by the checks of the later reports; 2026-09, checked whole as its own report, by the build.
        #expect(outcome.inputSummary.contains("earlier months: 2 summed up by the stale check, 0 summary(ies) reused, 1 made"),
                "\(outcome.inputSummary)")
        let alone = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-10")!)
        #expect(alone.inputSummary.contains("earlier months: 3 summary(ies) reused, 0 made"), "\(alone.inputSummary)")
    }
}

/// A report's own month compared as one digest of all its files (`MonthFiles`), remembered by their stats.
@Suite struct OwnMonthDigestTests {
    @Test(arguments: ["unchanged", "edited in place", "removed", "added"])
    func theOwnMonthsChangesAreNamedAsAPlainCheckNamesThem(_ change: String) throws {
        let root = try writeDemoTown(DemoOptions(villages: 4, months: 3, lastPeriod: Period("2026-10")!, seed: 9), prefix: "sr-own")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json"))
        // A village whose trainings.csv has rows (the demo also sends empty and header-only files).
        let code = try #require(config.villages.map(\.code).first {
            ((try? Data(contentsOf: root.appendingPathComponent("inputs/2026-09/\($0)/trainings.csv")))?.count ?? 0) > 200
        })
        let rel = "2026-09/\(code)/trainings.csv"
        let path = root.appendingPathComponent("inputs/" + rel).path
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        if change == "added" { try FileManager.default.removeItem(atPath: path) }
        sleep(3)  // the files older than the remembered summaries' margin
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-09")!)
        let manifest = try #require(Manifest.read(config.outputs.appendingPathComponent("2026-09/manifest.json")))
        func check() -> (reasons: [Staleness], own: Int, counts: (believed: Int, made: Int)) {
            let hashes = FileHashCache(outputs: config.outputs, inputs: config.inputs)
            var check = StaleCheck(config: config, configSHA256: "cfg", fileHashes: hashes)
            let reasons = check.reasons(of: manifest)
            let counts = hashes.months.counts
            hashes.save()
            return (reasons, check.ownMonthsByDigest, counts)
        }
        let first = check()
        #expect(first.reasons.isEmpty && first.own == 1 && first.counts.made == 1, "\(first)")
        let second = check()
        #expect(second.reasons.isEmpty && second.own == 1 && second.counts.believed == 1 && second.counts.made == 0, "\(second)")
        var expected: [Staleness] = []
        switch change {
        case "edited in place": try editInPlaceKeepingSizeAndMtime(path); expected = [.fileChanged(rel)]
        case "removed": try FileManager.default.removeItem(atPath: path); expected = [.fileRemoved(rel)]
        case "added": try saved.write(to: URL(fileURLWithPath: path)); expected = [.fileAdded(rel)]
        default: break
        }
        let after = check()
        var plain = StaleCheck(config: config, configSHA256: "cfg")
        let plainReasons = plain.reasons(of: manifest)
        #expect(after.reasons == expected, "\(change): \(after.reasons)")
        #expect(plainReasons == expected, "\(change): plain \(plainReasons)")
        #expect(after.own == (change == "unchanged" ? 1 : 0), "\(change): compared file by file once changed")
    }
}
