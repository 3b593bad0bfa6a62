// A monthly run's cost independent of history: remembered file hashes (never trusted wrongly) and the compacted ledger.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

/// A demo town written to a temporary folder.
private final class Town {
    let root: URL
    init(villages: Int, months: Int, end: String = "2026-10") throws {
        root = try writeDemoTown(DemoOptions(villages: villages, months: months, lastPeriod: Period(end)!, seed: 5),
                                 prefix: "sr-history")
    }
    /// A town holding a copy of `other`'s config and inputs (no outputs).
    init(copying other: Town) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sr-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for name in ["pipeline.json", "inputs"] {
            try FileManager.default.copyItem(at: other.root.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }
    func build(_ p: String) throws -> BuildOutcome {
        try ReportRun.build(config: try config, configSHA256: "cfg", period: Period(p)!)
    }
    /// Every output of P, path → bytes; the manifest without its build time.
    func outputs(_ p: String) throws -> [String: [UInt8]] { try builtOutputs(root.appendingPathComponent("outputs/\(p)")) }
    /// The first hazards.csv of `p` with at least one data row (relative to inputs/).
    func hazardsFile(in p: String) throws -> String {
        let dir = root.appendingPathComponent("inputs/\(p)")
        for code in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            let rel = "\(p)/\(code)/hazards.csv"
            if let data = try? Data(contentsOf: root.appendingPathComponent("inputs/" + rel)), data.count > 200 { return rel }
        }
        Issue.record("no hazards file in \(p)")
        return ""
    }
}

private func expectSameOutputs(_ a: [String: [UInt8]], _ b: [String: [UInt8]], _ what: String) {
    #expect(a.keys.sorted() == b.keys.sorted(), "\(what): different files")
    #expect(a.count > 5)
    for (name, bytes) in a { #expect(bytes == b[name], "\(what): \(name) differs") }
}

private func fileStat(_ path: String) -> stat {
    var st = stat()
    #expect(stat(path, &st) == 0)
    return st
}

/// Rewrites the file in place (same inode, same size: the first byte of a digit run is changed) and puts its
/// mtime back, as `touch -d` would: only the ctime, which user space cannot set, still tells. Returns the new bytes.
@discardableResult
func editInPlaceKeepingSizeAndMtime(_ path: String) throws -> [UInt8] {
    let before = fileStat(path)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let i = bytes.lastIndex { $0 >= 0x30 && $0 <= 0x38 } ?? bytes.count - 2
    bytes[i] = bytes[i] == 0x38 ? 0x37 : bytes[i] + 1
    usleep(30_000)  // past the kernel's coarse timestamp tick, so the new ctime differs
    let fd = open(path, O_WRONLY)
    #expect(fd >= 0)
    _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    close(fd)
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    let after = fileStat(path)
    #expect(after.st_ino == before.st_ino && after.st_size == before.st_size)
    #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
    return bytes
}

private func sha(_ path: String) throws -> String { SHA256.hexDigest(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }

@Suite struct FileHashCacheTests {
    /// A folder with inputs/2026-01/V1/hazards.csv and an outputs folder for the cache.
    private typealias Fixture = (root: URL, inputs: URL, outputs: URL, rel: String)

    private func fixture() throws -> Fixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sr-hashes-\(UUID().uuidString)")
        let inputs = root.appendingPathComponent("inputs"), outputs = root.appendingPathComponent("outputs")
        let rel = "2026-01/V1/hazards.csv"
        try FileManager.default.createDirectory(at: inputs.appendingPathComponent("2026-01/V1"), withIntermediateDirectories: true)
        try Data("hazard_id,found_date\nH1,2026-01-05\nH2,2026-01-06\n".utf8).write(to: inputs.appendingPathComponent(rel))
        return (root, inputs, outputs, rel)
    }

    /// A new cache of the fixture's folders, trusting entries of files 50 ms old (the tests wait 150 ms first).
    private func newCache(_ f: Fixture) -> FileHashCache { FileHashCache(outputs: f.outputs, inputs: f.inputs, margin: 0.05) }

    /// The fixture's file hashed, once it is older than the margin, by a cache that is then saved, as a run leaves it.
    private func hashedAndSaved(_ f: Fixture) {
        usleep(150_000)
        let c = newCache(f)
        _ = c.digest(f.rel)
        c.save()
    }

    @Test func anUnchangedOldFileIsNotReadAgainAndAnInPlaceEditWithTheMtimePutBackIsSeen() throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        let path = f.inputs.appendingPathComponent(f.rel).path
        usleep(150_000)  // older than the margin below when hashed
        let cache = newCache(f)
        #expect(cache.digest(f.rel)?.sha256 == (try sha(path)))
        #expect(cache.digest(f.rel)?.sha256 == (try sha(path)))
        #expect(cache.counts == FileHashCache.Counts(reused: 1, hashed: 1))
        cache.save()

        let reloaded = newCache(f)
        #expect(reloaded.digest(f.rel)?.sha256 == (try sha(path)))
        #expect(reloaded.counts == FileHashCache.Counts(reused: 1, hashed: 0), "the saved entry is used by the next run")

        let old = try sha(path)
        try editInPlaceKeepingSizeAndMtime(path)
        let again = newCache(f)
        let digest = again.digest(f.rel)
        #expect(digest?.sha256 == (try sha(path)))
        #expect(digest?.sha256 != old)
        #expect(again.counts == FileHashCache.Counts(reused: 0, hashed: 1), "a changed ctime forces a new hash")
    }

    @Test func aRacyEntryIsHashedAgain() throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        // Hashed right after it was written: within the margin, so a later change in the same tick could keep the stat.
        let cache = FileHashCache(outputs: f.outputs, inputs: f.inputs, margin: 2)
        _ = cache.digest(f.rel)
        _ = cache.digest(f.rel)
        #expect(cache.counts == FileHashCache.Counts(reused: 0, hashed: 2))
        cache.save()
        let next = FileHashCache(outputs: f.outputs, inputs: f.inputs, margin: 2)
        _ = next.digest(f.rel)
        #expect(next.counts == FileHashCache.Counts(reused: 0, hashed: 1))
    }

    @Test func aFileReplacedByARenameIsSeen() throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        let path = f.inputs.appendingPathComponent(f.rel).path
        hashedAndSaved(f)
        // Same size, same mtime, other bytes, renamed over the original.
        let before = fileStat(path)
        let temp = path + ".new"
        try Data("hazard_id,found_date\nH1,2026-01-05\nH3,2026-01-06\n".utf8).write(to: URL(fileURLWithPath: temp))
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, temp, &times, 0) == 0)
        #expect(rename(temp, path) == 0)
        let next = newCache(f)
        #expect(next.digest(f.rel)?.sha256 == (try sha(path)))
        #expect(next.counts.hashed == 1)
    }

    @Test(arguments: ["flip", "truncate", "garbage", "empty"])
    func aDamagedCacheIsNoCache(_ damage: String) throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        let path = f.inputs.appendingPathComponent(f.rel).path
        hashedAndSaved(f)
        let file = f.outputs.appendingPathComponent(".state/hashes-2026-01.bin")
        var bytes = [UInt8](try Data(contentsOf: file))
        switch damage {
        case "flip": bytes[bytes.count - 3] ^= 0x01
        case "truncate": bytes.removeLast(7)
        case "garbage": bytes = Array(repeating: 0xFF, count: 300)
        default: bytes = []
        }
        try Data(bytes).write(to: file)
        let next = newCache(f)
        #expect(next.digest(f.rel)?.sha256 == (try sha(path)))
        #expect(next.counts == FileHashCache.Counts(reused: 0, hashed: 1))
        next.save()  // and a whole one is written again
        let healed = newCache(f)
        _ = healed.digest(f.rel)
        #expect(healed.counts == FileHashCache.Counts(reused: 1, hashed: 0))
    }

    @Test func aFileThatIsNotARegularFileHasNoDigest() throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        let cache = newCache(f)
        #expect(cache.digest("2026-01/V1") == nil)
        #expect(cache.digest("2026-01/V1/missing.csv") == nil)
    }

    /// The pipeline on a multi-year demo town: with remembered hashes, after an in-place edit of an earlier
    /// hazards file, and against a town that never had a cache, every output is the same.
    @Test func monthlyRunsWithAndWithoutTheCacheGiveTheSameBytes() throws {
        let town = try Town(villages: 6, months: 15)
        let outputs = town.root.appendingPathComponent("outputs/2026-10")
        _ = try town.build("2026-09")
        sleep(3)  // the demo's files are now older than the cache's 2 s margin
        let first = try town.build("2026-10")  // hashes every earlier hazards file, and remembers each
        #expect(first.inputSummary.contains("saved state of 2026-09"))
        #expect(first.inputSummary.contains(" 0 hash(es) reused"), "\(first.inputSummary)")
        try FileManager.default.removeItem(at: outputs)
        let monthly = try town.build("2026-10")
        #expect(monthly.inputSummary.contains("saved state of 2026-09"))
        // Every earlier month's summary is believed: no earlier hazards file is even looked up.
        #expect(monthly.inputSummary.contains("earlier months: 14 summary(ies) reused, 0 made"), "\(monthly.inputSummary)")
        #expect(monthly.inputSummary.hasSuffix(" 0 read"), "\(monthly.inputSummary)")
        let fresh = try Town(copying: town)
        _ = try fresh.build("2026-10")
        expectSameOutputs(try town.outputs("2026-10"), try fresh.outputs("2026-10"), "cache against cold replay")

        // An earlier hazards file edited in place, same size, mtime put back: the saved state must not be used,
        // and the stale check names the file.
        let rel = try town.hazardsFile(in: "2025-11")
        try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + rel).path)
        let config = try town.config
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        #expect(check.reasons(of: manifest).contains(.fileChanged(rel)))
        try FileManager.default.removeItem(at: outputs)
        let rebuilt = try town.build("2026-10")
        #expect(rebuilt.inputSummary.contains("replayed"), "\(rebuilt.inputSummary)")
        let edited = try Town(copying: town)
        _ = try edited.build("2026-10")
        expectSameOutputs(try town.outputs("2026-10"), try edited.outputs("2026-10"), "after an in-place edit")
    }
}

@Suite struct LedgerCompactionTests {
    typealias F = ComputationFixtures

    /// A report of a later year with no inputs folder saves its state under the last month with inputs; that
    /// state must still serve that month's year: December's report from it equals a cold build's.
    @Test func aStateSavedByALaterYearsReportStillServesTheEarlierYear() throws {
        let town = try Town(villages: 5, months: 14, end: "2025-11")
        let cold = try Town(copying: town)
        _ = try town.build("2026-02")  // no inputs/2026-02: replayed, saved as the state after 2025-11
        let december = try town.build("2025-12")
        #expect(december.inputSummary.contains("saved state of 2025-11"), "\(december.inputSummary)")
        _ = try cold.build("2025-12")
        expectSameOutputs(try town.outputs("2025-12"), try cold.outputs("2025-12"), "state saved by 2026-02 against cold replay")
    }

    /// Two years of one village's hazards, with every case a later year can meet: closed and never mentioned
    /// again, closed in December, reopened in January and later, open across the new year, updated after closing.
    static let months: [(String, [String: [HazardRow]])] = {
        let v = F.v1
        func h(_ id: String, _ status: HazardStatus, found: String = "2024-02-03", deadline: String = "2024-12-20",
               level: HazardLevel = .general, group: String? = nil) -> HazardRow {
            F.hazard(id, found: found, deadline: deadline, status: status, level: level, group: group)
        }
        return [
            ("2024-02", [v: [h("A", .open), h("B", .open, level: .major), h("C", .inProgress, group: F.g1), h("D", .open)]]),
            ("2024-05", [v: [h("A", .rectified), h("B", .inProgress, level: .major)]]),
            ("2024-09", [v: [h("C", .rectified, group: F.g1), h("E", .open, found: "2024-09-01")]]),
            ("2024-12", [v: [h("D", .rectified), h("F", .rectified, found: "2024-12-02")]]),
            ("2025-01", [v: [h("D", .open, deadline: "2025-01-10"), h("G", .open, found: "2025-01-04", deadline: "2025-03-01")]]),
            ("2025-03", [v: [h("A", .inProgress, deadline: "2025-02-01", group: F.g2), h("B", .rectified, level: .major)]]),
            ("2025-04", [v: [h("A", .rectified, deadline: "2025-02-01", group: F.g2), h("F", .rectified, found: "2024-12-02")]]),
            ("2025-07", [v: [h("C", .open, deadline: "2025-08-01", group: F.g1), h("G", .rectified, found: "2025-01-04", deadline: "2025-03-01")]]),
            ("2025-10", [v: [h("E", .rectified, found: "2024-09-01")]]),
        ]
    }()

    /// Full replay; compacted once at the new year; compacted after every month as the saved state is (and
    /// written to disk and read back in between): every report of the later year is the same.
    @Test func everyReportOfTheLaterYearIsTheSameFromTheCompactedLedger() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sr-compact-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "b", count: 64))
        var full = HazardLedger(), once = HazardLedger(), saved = HazardLedger()
        var p = Period(year: 2024, month: 1)!
        var compactedClosed = 0
        while p <= Period(year: 2025, month: 12)! {
            let rows = Self.months.first { $0.0 == p.description }?.1[F.v1] ?? []
            if p == Period(year: 2025, month: 1)! {
                once = full.compacted(forReportsFrom: 2025)
                compactedClosed = once.allHazards.filter { $0.updates.isEmpty && $0.rectifiedSince != nil }.count
            }
            #expect(saved.knownFoundDates(owner: F.v1) == full.knownFoundDates(owner: F.v1), "\(p)")
            full.apply(period: p, owner: F.v1, rows: rows)
            saved.apply(period: p, owner: F.v1, rows: rows)
            if p.year == 2025 {
                once.apply(period: p, owner: F.v1, rows: rows)
                let folder = F.folder(F.v1, hazards: rows)
                let expected = F.build(p.description, folders: [folder], ledger: full)
                #expect(F.build(p.description, folders: [folder], ledger: once) == expected, "compacted once, \(p)")
                #expect(F.build(p.description, folders: [folder], ledger: saved) == expected, "saved state, \(p)")
            }
            store.save(saved, after: p, key: key)
            saved = try #require(store.load(after: p, key: key))
            #expect(saved == saved.compacted(forReportsFrom: p.year))
            p = p.next
        }
        #expect(compactedClosed == 4, "A, C, D and F were closed before 2025 and are kept as stubs")
        let stub = try #require(once.hazard(owner: F.v1, id: "A"))
        #expect(stub.registeredIn == Period(year: 2024, month: 2)! && stub.registeredFoundDate == F.day("2024-02-03"))
    }

    @Test func aClosedHazardOfAnEarlierYearKeepsNoRow() throws {
        var ledger = F.ledger(Array(Self.months.prefix(4)))
        ledger = ledger.compacted(forReportsFrom: 2025)
        let a = try #require(ledger.hazard(owner: F.v1, id: "A"))
        #expect(a.updates.isEmpty && a.rectifiedSince == Period(year: 2024, month: 5)!)
        #expect(a.isRectified(at: Period(year: 2025, month: 1)!) && !a.isOpen(at: Period(year: 2025, month: 1)!))
        let b = try #require(ledger.hazard(owner: F.v1, id: "B"))
        #expect(b.updates.map(\.period) == [Period(year: 2024, month: 5)!], "an open hazard keeps its last row")
    }
}

@Suite struct ChangedWhileReadTests {
    /// A clerk re-saves P's hazards file, same bytes, between the two readings: rejected as changed, and recorded
    /// not as its first reading's SHA-256 — which equals the file now — so the report is stale until a run reads it.
    @Test func aFileRejectedAsChangedWhileReadIsNotRecordedAsItsFirstReading() throws {
        let town = try Town(villages: 3, months: 2)
        let rel = try town.hazardsFile(in: "2026-10")
        let code = rel.split(separator: "/").map(String.init)[1]
        let path = town.root.appendingPathComponent("inputs/" + rel).path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let digest = SHA256.hexDigest(of: [UInt8](bytes))
        _ = try town.build("2026-10")
        let manifestURL = town.root.appendingPathComponent("outputs/2026-10/manifest.json")
        var manifest = try #require(Manifest.read(manifestURL))
        #expect(manifest.inputs.files.first { $0.path == rel }?.sha256 == digest)

        let probe = ReportAssembler.Probe(limits: ReadLimits(pieceBytes: 64)) { c in
            guard c == code else { return }
            try? bytes.write(to: URL(fileURLWithPath: path))  // the same bytes, saved again
            try? FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -100)], ofItemAtPath: path)
        }
        let state = LedgerStateUse(store: LedgerStateStore(outputs: try town.config.outputs), configSHA256: "cfg")
        let raced = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!, state: state, probe: probe)
        #expect(raced.report.issues.contains { $0.file == "hazards.csv" && $0.folder == code && $0.rule == "file.changed" })
        let record = try #require(raced.inputs.first { $0.path == rel })
        #expect(record.sha256 != digest && record.sha256 == InputLoader.unreadSHA256)
        #expect(LedgerStateKey.entry(owner: code, record: record, present: true)
                != LedgerStateKey.entry(owner: code, record: InputRecord(path: rel, sha256: digest, bytes: bytes.count), present: true))

        // The manifest that run writes (its inputs are the records above): stale, with or without remembered hashes.
        manifest.inputs.files = manifest.inputs.files.map { $0.path == rel ? record : $0 }
        let config = try town.config
        var plain = StaleCheck(config: config, configSHA256: "cfg")
        #expect(plain.reasons(of: manifest) == [.fileChanged(rel)])
        var cached = StaleCheck(config: config, configSHA256: "cfg",
                                fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
        #expect(cached.reasons(of: manifest) == [.fileChanged(rel)])
        try Data(manifest.json).write(to: manifestURL)

        // The state that run saved after 2026-10 lacks the file's hazards: its key must not match today's inputs.
        let next = try town.build("2026-11")
        #expect(next.inputSummary.contains("replayed"), "\(next.inputSummary)")
        let cold = try Town(copying: town)
        _ = try cold.build("2026-11")
        expectSameOutputs(try town.outputs("2026-11"), try cold.outputs("2026-11"), "after a state saved from a file changed while read")

        // The next run, the file unchanged, reads it whole and records its content: up to date again.
        let rebuilt = try town.build("2026-10")
        #expect(!rebuilt.report.issues.contains { $0.rule == "file.changed" })
        let after = try #require(Manifest.read(manifestURL))
        #expect(after.inputs.files.first { $0.path == rel }?.sha256 == digest)
        var check = StaleCheck(config: config, configSHA256: "cfg")
        #expect(check.reasons(of: after).isEmpty)
    }
}

/// The per-month summaries (`PeriodHazards`) decide only "nothing changed in this month": the stale check's reasons
/// and the saved state's use must be exactly those of the file-by-file comparison, whatever happened to the files.
@Suite struct PeriodSummaryTests {
    /// A 15-month town with 2026-09 and 2026-10 built (so every earlier month has a remembered summary), its files
    /// older than the 2 s margin; and 2026-10's manifest.
    private func builtTown() throws -> (Town, Manifest) {
        let town = try Town(villages: 6, months: 15)
        sleep(3)
        _ = try town.build("2026-09")
        _ = try town.build("2026-10")
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        return (town, manifest)
    }

    /// The reasons with remembered hashes and summaries, and without any (every file read and compared).
    private func reasons(_ town: Town, _ manifest: Manifest) throws -> (fast: [Staleness], exact: [Staleness], byDigest: Int) {
        let config = try town.config
        var fast = StaleCheck(config: config, configSHA256: "cfg", fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
        var exact = StaleCheck(config: config, configSHA256: "cfg")
        return (fast.reasons(of: manifest), exact.reasons(of: manifest), fast.monthsByDigest)
    }

    @Test func anUnchangedHistoryIsComparedMonthByMonth() throws {
        let (town, manifest) = try builtTown()
        let r = try reasons(town, manifest)
        #expect(r.fast.isEmpty && r.exact.isEmpty)
        #expect(r.byDigest == 14, "2025-08 … 2026-09: the hazards files of each earlier month as one digest")
    }

    /// An earlier month's hazards file edited in place, same size and mtime put back: the month's summary is not
    /// believed (its ctime changed), the file is named, and the saved state is not used.
    @Test func anInPlaceEditOfAnEarlierMonthIsNamed() throws {
        let (town, manifest) = try builtTown()
        let rel = try town.hazardsFile(in: "2025-11")
        try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + rel).path)
        let r = try reasons(town, manifest)
        #expect(r.fast == [.fileChanged(rel)])
        #expect(r.fast == r.exact)
        #expect(r.byDigest == 13)
        // The same from the side file, whose months before 2026 are one digest each (decoded only for 2025-11).
        let config = try town.config
        let index = ManifestIndex(outputs: config.outputs)
        _ = index.read(Period("2026-10")!, save: true)
        let side = try #require(index.read(Period("2026-10")!, save: false))
        #expect(side.priorMonths?.months.count == 5)
        #expect(side.inputs.files.count < manifest.inputs.files.count)
        #expect(side.recordedInputs.sorted { $0.path < $1.path } == manifest.inputs.files.sorted { $0.path < $1.path })
        #expect(side.buildID == manifest.buildID)
        var check = StaleCheck(config: config, configSHA256: "cfg", fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
        #expect(check.reasons(of: side) == r.exact)
        #expect(check.monthsByDigest == 13)
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("outputs/2026-10"))
        let rebuilt = try town.build("2026-10")
        #expect(rebuilt.inputSummary.contains("replayed"), "\(rebuilt.inputSummary)")
        let cold = try Town(copying: town)
        _ = try cold.build("2026-10")
        expectSameOutputs(try town.outputs("2026-10"), try cold.outputs("2026-10"), "after an in-place edit")
    }

    /// In the report's year: a hazards file edited in place (its month's digest differs) and an agreements file
    /// edited in place (compared file by file beside a month whose hazards digest is equal) are both named.
    @Test func editsInTheReportsYearAreNamed() throws {
        let (town, manifest) = try builtTown()
        let hazards = try town.hazardsFile(in: "2026-03")
        try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + hazards).path)
        let r = try reasons(town, manifest)
        #expect(r.fast == [.fileChanged(hazards)] && r.fast == r.exact)
        #expect(r.byDigest == 13)
        let agreements = try #require(manifest.inputs.files.map(\.path).first { $0.hasPrefix("2026-0") && $0.lowercased().hasSuffix("/agreements.csv") && !$0.hasPrefix("2026-03") })
        try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + agreements).path)
        let both = try reasons(town, manifest)
        #expect(both.fast == both.exact)
        #expect(both.fast.contains(.fileChanged(agreements)) && both.fast.contains(.fileChanged(hazards)))
    }

    @Test func aFileRemovedFromAnEarlierMonthIsNamed() throws {
        let (town, manifest) = try builtTown()
        let rel = try town.hazardsFile(in: "2025-12")
        try FileManager.default.removeItem(at: town.root.appendingPathComponent("inputs/" + rel))
        let r = try reasons(town, manifest)
        #expect(r.fast == [.fileRemoved(rel)])
        #expect(r.fast == r.exact)
    }

    /// A hazards file the report did not read (it was not there) put into an earlier month: named as added.
    @Test func aFileAddedToAnEarlierMonthIsNamed() throws {
        let town = try Town(villages: 6, months: 15)
        let rel = try town.hazardsFile(in: "2025-10")
        let path = town.root.appendingPathComponent("inputs/" + rel)
        let kept = try Data(contentsOf: path)
        try FileManager.default.removeItem(at: path)
        sleep(3)
        _ = try town.build("2026-09")
        _ = try town.build("2026-10")
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        #expect(try reasons(town, manifest).fast.isEmpty)
        try kept.write(to: path)
        let r = try reasons(town, manifest)
        #expect(r.fast == [.fileAdded(rel)])
        #expect(r.fast == r.exact)
        let next = try town.build("2026-10")
        #expect(next.inputSummary.contains("replayed"), "\(next.inputSummary)")
    }

    /// A recorded digest that differs while every file keeps its stat (a report built from other bytes): the month's
    /// digest differs, so it is compared file by file and the file is named.
    @Test func aRecordedDigestThatDiffersIsNamed() throws {
        let (town, manifest) = try builtTown()
        let rel = try town.hazardsFile(in: "2025-09")
        var edited = manifest
        edited.inputs.files = manifest.inputs.files.map { $0.path == rel ? InputRecord(path: rel, sha256: String(repeating: "0", count: 64), bytes: $0.bytes) : $0 }
        let r = try reasons(town, edited)
        #expect(r.fast == [.fileChanged(rel)] && r.fast == r.exact)
        // Recorded twice, once with the right digest and once with another: never equal to the month's summary.
        edited.inputs.files = manifest.inputs.files + [InputRecord(path: rel, sha256: String(repeating: "1", count: 64), bytes: 1)]
        let twice = try reasons(town, edited)
        #expect(twice.fast == twice.exact && twice.fast == [.fileChanged(rel)])
    }

    /// A summary made while its files were younger than the margin is remade, not believed; a damaged one is no summary.
    @Test func aRacyOrDamagedSummaryIsNotBelieved() throws {
        let town = try Town(villages: 4, months: 4)
        let config = try town.config
        let scans = InputScans(config: config)
        let q = Period("2026-08")!
        func summary(margin: Double) -> (PeriodHazards, FileHashCache.Counts) {
            let cache = FileHashCache(outputs: config.outputs, inputs: config.inputs, margin: margin)
            let s = cache.periodHazards(scans.scan(q), codes: config.submitterCodes)
            cache.save()
            return (s, cache.summaryCounts)
        }
        let (made, firstCounts) = summary(margin: 1000)  // every file is younger than 1,000 s
        #expect(firstCounts == FileHashCache.Counts(reused: 0, hashed: 1))
        let (racy, racyCounts) = summary(margin: 1000)
        #expect(racyCounts == FileHashCache.Counts(reused: 0, hashed: 1), "made within the margin: remade")
        #expect(racy == made)
        usleep(150_000)
        _ = summary(margin: 0.05)  // made again if the one on disk was made within 50 ms of the files' times
        let (believed, counts) = summary(margin: 0.05)
        #expect(counts == FileHashCache.Counts(reused: 1, hashed: 0))
        #expect(believed == made)
        let file = config.outputs.appendingPathComponent(".state/hazards-2026-08.bin")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 3] ^= 1
        try Data(bytes).write(to: file)
        let (_, damaged) = summary(margin: 0.05)
        #expect(damaged == FileHashCache.Counts(reused: 0, hashed: 1))
        // Its records are every submitter's hazards file, as the remembered hashes give them.
        let plain = FileHashCache(outputs: config.outputs, inputs: config.inputs)
        for (code, record) in zip(config.submitterCodes, made.records) {
            guard let file = scans.scan(q).folders[code]?.files[.hazards] else { #expect(record == nil); continue }
            let d = plain.digest(file.relativePath)
            #expect(record == InputRecord(path: file.relativePath, sha256: d!.sha256, bytes: d!.bytes))
        }
    }
}

/// One check of several reports indexes a month's inspections and trainings files only for that month's own report
/// (a later report never reads them): whatever order the reports are checked in, the reasons are each report's own.
@Suite struct StaleCheckIndexTests {
    @Test func reportsCheckedLaterFirstStillNameTheirOwnMonthsFiles() throws {
        let town = try Town(villages: 4, months: 4)
        sleep(3)
        _ = try town.build("2026-09")
        _ = try town.build("2026-10")
        let config = try town.config
        let inputs = town.root.appendingPathComponent("inputs")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: inputs.appendingPathComponent("2026-09").path)
            .sorted().first { FileManager.default.fileExists(atPath: inputs.appendingPathComponent("2026-09/\($0)/trainings.csv").path)
                && FileManager.default.fileExists(atPath: inputs.appendingPathComponent("2026-09/\($0)/inspections.csv").path) })
        let trainings = "2026-09/\(folder)/trainings.csv", inspections = "2026-09/\(folder)/inspections.csv"
        try editInPlaceKeepingSizeAndMtime(inputs.appendingPathComponent(trainings).path)
        try FileManager.default.removeItem(at: inputs.appendingPathComponent(inspections))
        let september = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-09/manifest.json")))
        let october = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        for cached in [false, true] {
            func check() -> StaleCheck {
                StaleCheck(config: config, configSHA256: "cfg",
                           fileHashes: cached ? FileHashCache(outputs: config.outputs, inputs: config.inputs) : nil)
            }
            var alone = check()
            let own = alone.reasons(of: september)
            #expect(own == [.fileRemoved(inspections), .fileChanged(trainings)], "cached: \(cached)")
            var later = check()
            #expect(later.reasons(of: october) == [.filesAddedOrRemoved], "2026-10 read neither file; its listing changed")
            #expect(later.reasons(of: september) == own, "2026-09 after 2026-10 in one check (cached: \(cached))")
            #expect(later.reasons(of: october) == [.filesAddedOrRemoved])
        }
    }
}

@Suite struct TimestampTests {
    /// The same text as ISO8601DateFormatter, in UTC and in the local zone, across years, leap days and the
    /// turn of a day.
    @Test func stampsAreTheFormattersText() {
        let utc = ISO8601DateFormatter()
        let local = ISO8601DateFormatter()
        local.timeZone = TimeZone.current
        for seconds in [0, 951_782_400, 1_709_164_799, 1_764_460_800, 1_798_761_599, 4_102_444_800, 1_780_000_001] {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(Timestamp.utc(seconds) == utc.string(from: date))
            #expect(Timestamp.local(seconds) == local.string(from: date))
            let c = Calendar.current.dateComponents([.year, .month], from: date)
            #expect(Timestamp.localYearMonth(seconds) == (c.year!, c.month!))
        }
        #expect(Timestamp.utc(1_764_460_805) == "2025-11-30T00:00:05Z")
        // A stamp is taken while logging an error, before errno is read for the exit code.
        errno = ENOENT
        _ = Timestamp.local()
        _ = Timestamp.utc()
        #expect(errno == ENOENT)
    }
}

@Suite struct TimeZoneSettingTests {
    /// What glibc reads as a zone: a TZif file (absolute or under the zone folder, ":" skipped) or a POSIX rule with
    /// an offset; an empty value, a missing or non-TZif file, a folder and a bare name are not.
    @Test func readableIsWhatTheCLibraryReads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sr-zones-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Asia/Shanghai").deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data("TZif2\0\0\0".utf8).write(to: folder.appendingPathComponent("Asia/Shanghai"))
        try Data("not a zone".utf8).write(to: folder.appendingPathComponent("Broken"))
        let zones = folder.path
        for yes in ["Asia/Shanghai", ":Asia/Shanghai", folder.appendingPathComponent("Asia/Shanghai").path,
                    "CST-8", ":CST-8", "UTC0", "EST5EDT", "<+08>-8", "JST-9", "abc+3",
                    "UTC", ":UTC", "Etc/UTC", "GMT"] {  // UTC by glibc's fallback even without tzdata
            #expect(Timestamp.readable(yes, zoneFolder: zones), "\(yes)")
        }
        for no in ["", ":", "Asia/Beijing", "Asia", "Broken", "Invalid/Zone", "foo", "UTCX", "ab-8", "<+8>", "CST", "CST-", "/nonexistent"] {
            #expect(!Timestamp.readable(no, zoneFolder: zones), "\(no)")
        }
    }
}

@Suite struct ManifestJSONTests {
    /// The bytes written directly are JSONEncoder's, for awkward strings, empty lists and a built town's manifest.
    @Test func theManifestIsWrittenAsJSONEncoderWritesIt() throws {
        let odd = "a\"b\\c/d\u{1}\u{7F}\n\t\r\u{8}\u{C}é中\u{2028}😀"
        var m = Manifest(tool: .init(name: "safety-report", version: odd), period: "2026-10", builtAt: "2026-11-30T00:00:00Z",
                         config: .init(path: odd, sha256: "ab"), inputs: .init(listingSHA256: "cd", files: []),
                         counts: .init(rowsRead: 0, rowsAccepted: -1, rowsRejected: Int.max, filesRejected: 3, errors: 4, warnings: 5),
                         files: [], outputs: [])
        #expect(m.json == m.encoderJSON)
        m.inputs.files = [InputRecord(path: odd, sha256: "x", bytes: 12), InputRecord(path: "2026-10/V1/hazards.csv", sha256: "y", bytes: 0),
                          // Records written without the encoder's member list: digests as 32 bytes and as text, any size.
                          InputRecord(path: "a", sha256: String(repeating: "0", count: 63) + "f", bytes: Int.max),
                          InputRecord(path: "b", sha256: String(repeating: "9a", count: 32), bytes: -1),
                          InputRecord(path: "c", sha256: String(repeating: "A", count: 64), bytes: Int.min),
                          InputRecord(path: "d", sha256: "", bytes: 1_000_000_007)]
        m.files = [Manifest.FileCount(folder: odd, file: "f", kind: "hazards", state: "read", rowsRead: 1, rowsAccepted: 2, rowsRejected: 3)]
        m.outputs = [Manifest.Output(name: "villages/\(odd).xlsx", sha256: "z", bytes: 99)]
        #expect(m.json == m.encoderJSON)
        let town = try Town(villages: 3, months: 3)
        _ = try town.build("2026-10")
        let url = town.root.appendingPathComponent("outputs/2026-10/manifest.json")
        let built = try #require(Manifest.read(url))
        #expect(built.json == built.encoderJSON)
        #expect(built.json == [UInt8](try Data(contentsOf: url)))
    }

    /// Strings are appended in clean runs between escapes: escapes first, last, adjacent, alone, every control byte.
    @Test func escapesAtEveryPositionAreJSONEncoders() {
        let controls = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        for text in ["", "\"", "\\", "\"\"", "x\n", "\nx", "\u{0}", controls, "a" + controls + "b", "中\\\"文", "plain/path.csv"] {
            let m = Manifest(tool: .init(name: text, version: "1"), period: "2026-10", builtAt: text,
                             config: .init(path: text, sha256: text), inputs: .init(listingSHA256: text, files: [
                                InputRecord(path: text, sha256: "x", bytes: 1)]),
                             counts: .init(rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, filesRejected: 0, errors: 0, warnings: 0),
                             files: [], outputs: [Manifest.Output(name: text, sha256: text, bytes: 0)])
            #expect(m.json == m.encoderJSON, "\(text.unicodeScalars.map(\.value))")
        }
    }
}
