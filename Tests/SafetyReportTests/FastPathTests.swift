// The fast paths (saved ledger state, work on both cores) change no byte of any output.
import Foundation
import Testing
@testable import SafetyReport

/// A demo town on disk whose history crosses a year boundary, so the saved state is compacted.
private final class DemoFixture {
    let root: URL
    init(villages: Int = 12, months: Int = 5, end: String = "2026-02") throws {
        root = try writeDemoTown(DemoOptions(villages: villages, months: months, lastPeriod: Period(end)!, seed: 3),
                                 prefix: "sr-fast")
    }
    deinit { try? FileManager.default.removeItem(at: root) }
    var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }

    func build(_ p: String) throws -> BuildOutcome {
        try ReportRun.build(config: try config, configSHA256: "cfg", period: Period(p)!)
    }

    /// Every output of P, path → bytes; the manifest without its build time.
    func outputs(_ p: String) throws -> [String: [UInt8]] { try builtOutputs(root.appendingPathComponent("outputs/\(p)")) }

    /// Copies pipeline.json and inputs/ (not outputs/) into a fresh fixture-like folder.
    func copyInputs(to other: DemoFixture) throws {
        try? FileManager.default.removeItem(at: other.root)
        try FileManager.default.createDirectory(at: other.root, withIntermediateDirectories: true)
        for name in ["pipeline.json", "inputs"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(name), to: other.root.appendingPathComponent(name))
        }
    }

    /// The first UTF-8 hazards file of `p` with at least two data rows, its last row dropped.
    func dropLastHazardRow(in p: String) throws -> String {
        let dir = root.appendingPathComponent("inputs/\(p)")
        for code in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            let url = dir.appendingPathComponent("\(code)/hazards.csv")
            guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8),
                  !text.hasPrefix("\u{FEFF}") else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            guard lines.count >= 3 else { continue }
            lines.removeLast()
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
            return "\(p)/\(code)/hazards.csv"
        }
        Issue.record("no UTF-8 hazards file with two rows in \(p)")
        return ""
    }
}

@Suite struct FastPathTests {
    @Test func savedLedgerStateGivesTheSameBytesAsAFullReplay() throws {
        let cached = try DemoFixture()
        _ = try cached.build("2026-01")
        #expect(FileManager.default.fileExists(atPath: cached.root.appendingPathComponent("outputs/.state/ledger-2026-01.bin").path))
        let outcome = try cached.build("2026-02")
        #expect(outcome.inputSummary.contains("saved state of 2026-01"))

        let fresh = try DemoFixture(villages: 1, months: 1)
        try cached.copyInputs(to: fresh)
        let replayed = try fresh.build("2026-02")
        #expect(replayed.inputSummary.contains("replayed 4 earlier month(s)"))
        let a = try cached.outputs("2026-02"), b = try fresh.outputs("2026-02")
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, bytes) in a { #expect(bytes == b[name], "\(name) differs between saved state and replay") }
    }

    @Test func changingAnEarlierMonthInvalidatesTheSavedState() throws {
        let cached = try DemoFixture()
        _ = try cached.build("2026-01")
        let changed = try cached.dropLastHazardRow(in: "2025-11")
        #expect(!changed.isEmpty)
        let outcome = try cached.build("2026-02")
        #expect(outcome.inputSummary.contains("replayed 4 earlier month(s)"), "a changed 2025-11 file must not reuse the state")

        let fresh = try DemoFixture(villages: 1, months: 1)
        try cached.copyInputs(to: fresh)
        _ = try fresh.build("2026-02")
        let a = try cached.outputs("2026-02"), b = try fresh.outputs("2026-02")
        for (name, bytes) in a { #expect(bytes == b[name], "\(name) differs after an earlier month changed") }
    }

    @Test func aDamagedStateIsIgnored() throws {
        let town = try DemoFixture()
        _ = try town.build("2026-01")
        let reference = try town.build("2026-02")
        #expect(reference.inputSummary.contains("saved state"))
        let expected = try town.outputs("2026-02")
        let state = town.root.appendingPathComponent("outputs/.state/ledger-2026-01.bin")
        var bytes = [UInt8](try Data(contentsOf: state))
        bytes[bytes.count - 10] ^= 0xFF
        try Data(bytes).write(to: state)
        let outcome = try town.build("2026-02")
        #expect(outcome.inputSummary.contains("replayed"))
        let got = try town.outputs("2026-02")
        for (name, bytes) in expected { #expect(bytes == got[name], "\(name) differs after the state was damaged") }
    }

    /// The saved state's closed part (see `ClosedPart`) across a year: written by the first build of 2026, read and left
    /// as it was by the monthly builds after it; the outputs equal a cold build's. A damaged or missing part, or an
    /// earlier year's hazards file edited, means a replay with the same outputs as a cold build.
    @Test func theClosedPartServesMonthlyBuildsAndADamagedMissingOrStaleOneMeansAReplay() throws {
        let town = try DemoFixture(villages: 12, months: 16, end: "2026-03")
        let state = town.root.appendingPathComponent("outputs/.state")
        func parts() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? []).filter { $0.hasPrefix("closed-") }.sorted()
        }
        func cold(_ p: String) throws -> [String: [UInt8]] {
            let fresh = try DemoFixture(villages: 1, months: 1)
            try town.copyInputs(to: fresh)
            _ = try fresh.build(p)
            return try fresh.outputs(p)
        }
        func expectSame(_ a: [String: [UInt8]], _ b: [String: [UInt8]], _ what: String) {
            #expect(a.keys.sorted() == b.keys.sorted() && a.count > 12, "\(what)")
            for (name, bytes) in a { #expect(bytes == b[name], "\(what): \(name) differs") }
        }
        #expect(try town.build("2026-01").inputSummary.contains("replayed"))
        let written = parts()
        #expect(written.count == 1 && written[0].hasPrefix("closed-2026-"), "\(written)")
        let partURL = state.appendingPathComponent(written[0])
        let partBytes = [UInt8](try Data(contentsOf: partURL))
        for p in ["2026-02", "2026-03"] {
            #expect(try town.build(p).inputSummary.contains("saved state of \(Period(p)!.previous)"), "\(p)")
            let now = [UInt8](try Data(contentsOf: partURL))
            #expect(parts() == written && now == partBytes, "\(p): the part is left as it was")
        }
        let expected = try cold("2026-03")
        expectSame(try town.outputs("2026-03"), expected, "monthly through the part")

        var flipped = partBytes
        flipped[flipped.count / 2] ^= 0x20
        try Data(flipped).write(to: partURL)
        #expect(try town.build("2026-03").inputSummary.contains("replayed"), "a damaged part")
        expectSame(try town.outputs("2026-03"), expected, "damaged part")
        try FileManager.default.removeItem(at: partURL)
        #expect(try town.build("2026-03").inputSummary.contains("replayed"), "a missing part")
        expectSame(try town.outputs("2026-03"), expected, "missing part")
        try Data(partBytes).write(to: partURL)
        #expect(try town.build("2026-03").inputSummary.contains("saved state of 2026-02"), "the part put back")

        // An edit of 2025's hazards: the key changes, the ledger is replayed, and the outputs are a cold build's.
        let edited = try town.dropLastHazardRow(in: "2025-06")
        #expect(!edited.isEmpty)
        #expect(try town.build("2026-03").inputSummary.contains("replayed"), "an earlier year edited")
        expectSame(try town.outputs("2026-03"), try cold("2026-03"), "after an earlier year's edit")
    }

    @Test func twoBuildsOnBothCoresAreByteIdentical() throws {
        let first = try DemoFixture(villages: 40, months: 3, end: "2026-10")
        let second = try DemoFixture(villages: 1, months: 1)
        try first.copyInputs(to: second)
        _ = try first.build("2026-10")
        _ = try second.build("2026-10")
        let a = try first.outputs("2026-10"), b = try second.outputs("2026-10")
        #expect(a.count == b.count && a.count > 40)
        for (name, bytes) in a { #expect(bytes == b[name], "\(name) differs between two builds") }
    }

    @Test func compactionKeepsEveryAnswerAReportOfTheYearAsks() {
        func row(_ id: String, _ status: HazardStatus) -> HazardRow {
            HazardRow(line: 2, hazardId: id, foundDate: Day(year: 2025, month: 3, day: 1)!, category: .housing, level: .general,
                      description: "d", responsible: "r", deadline: Day(year: 2025, month: 6, day: 1)!, status: status,
                      rectifiedDate: status == .rectified ? Day(year: 2025, month: 9, day: 1)! : nil)
        }
        var ledger = HazardLedger()
        for (m, status) in [(3, HazardStatus.open), (5, .inProgress), (9, .rectified)] {
            ledger.apply(period: Period(year: 2025, month: m)!, owner: "V1", rows: [row("H1", status)])
        }
        ledger.apply(period: Period(year: 2026, month: 2)!, owner: "V1", rows: [row("H1", .open)])
        let compact = ledger.compacted(forReportsFrom: 2026)
        let full = ledger.hazard(owner: "V1", id: "H1")!, small = compact.hazard(owner: "V1", id: "H1")!
        // Closed in 2025-09 and reopened in 2026-02: only the reopening row is kept, and that it was rectified before.
        #expect(small.updates.map(\.period.month) == [2])
        #expect(small.rectifiedSince == Period(year: 2025, month: 9)!)
        #expect(small.registeredIn == full.registeredIn && small.registeredFoundDate == full.registeredFoundDate)
        var q = Period(year: 2025, month: 12)!
        while q <= Period(year: 2026, month: 12)! {
            #expect(small.isRectified(at: q) == full.isRectified(at: q) && small.isOpen(at: q) == full.isOpen(at: q))
            // A row is only asked of a hazard that is open or mentioned (HazardState); those rows are kept.
            if full.isOpen(at: q) || full.isMentioned(in: q) { #expect(small.state(at: q) == full.state(at: q)) }
            #expect(small.isMentioned(in: q) == full.isMentioned(in: q))
            q = q.next
        }
    }
}
