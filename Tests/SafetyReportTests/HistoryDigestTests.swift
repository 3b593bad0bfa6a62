// Earlier months held as digests (listing, running listing hash, hazards summary) instead of whole scans.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

@Suite struct HistoryDigestTests {
    /// A 15-month demo town (2025-08 … 2026-10) in a temporary folder.
    private func makeTown() throws -> DemoTownFixture {
        try DemoTownFixture(villages: 5, months: 15, seed: 11, prefix: "sr-digest")
    }

    /// The summary CSVs of a report, as bytes: what two builds must agree on.
    private func summaries(_ r: AssembledReport) -> [UInt8] { SummaryCSVs.tables(r.report).flatMap { Array($0.name.utf8) + $0.bytes } }

    private func state(_ config: PipelineConfig) -> LedgerStateUse {
        LedgerStateUse(store: LedgerStateStore(outputs: config.outputs), configSHA256: "cfg",
                       hashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
    }

    /// Each month's digests are those of its whole listing, and the running one that of every listing up to it; a
    /// retired month is let go and, asked for again, listed again to the same scan.
    @Test func digestsAreTheWholeListingsHashes() throws {
        let town = try makeTown()
        let config = try town.config
        let scanner = InputScanner(config: config)
        let periods = scanner.periods()
        #expect(periods.count == 15)
        let scans = InputScans(config: config)
        _ = scans.digest(periods.last!, retiring: { $0.year < 2026 })
        #expect(scans.wholePeriods == periods.filter { $0.year == 2026 }, "months before 2026 let go once folded")
        for (i, q) in periods.enumerated() {
            let whole = scanner.scan(q)
            #expect(!whole.listing.isEmpty)
            #expect(scans.digest(q).listingSHA256 == Manifest.listingHash(whole.listing))
            #expect(scans.digest(q).exists)
            let upTo = periods[...i].map { scanner.scan($0).listing }
            #expect(scans.listingSHA256(through: q) == Manifest.listingHash(periods: Array(upTo)))
        }
        #expect(scans.listingSHA256(through: Period("2030-01")!) == scans.listingSHA256(through: periods.last!))
        #expect(scans.listingSHA256(through: Period("2020-01")!) == Manifest.listingHash([]))
        let again = scans.scan(periods[0])
        #expect(again == scanner.scan(periods[0]))
        #expect(scans.wholePeriods.contains(periods[0]))
    }

    /// As `run` does it: the stale check of 2026-09's report, then the build of 2026-10 from the same scans. Months
    /// before 2026 are held only as digests after the check; the build uses the saved state, and its report, input
    /// list and listing hash are those of a build that scanned everything itself and replayed every month.
    @Test func theStaleCheckAndTheBuildGoMonthByMonth() throws {
        let town = try makeTown()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-09")!)
        sleep(3)  // older than the remembered hashes' margin, so the summaries are believed
        let scans = InputScans(config: config)
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs), scans: scans)
        #expect(check.reasons(of: try town.manifest("2026-09")).isEmpty)
        #expect(check.monthsByDigest >= 5, "2025-08 … 2025-12 compared as digests")
        #expect(scans.wholePeriods.isEmpty, "every month let go or reduced: \(scans.wholePeriods)")
        // 2026's months are kept reduced (hazards and agreements), and never handed out as a whole scan.
        let march = Period("2026-03")!
        let reduced = scans.partial(march)
        #expect(!reduced.folders.isEmpty && reduced.folders.values.allSatisfy { $0.files[.inspections] == nil && $0.files[.trainings] == nil })
        #expect(reduced.folders.values.contains { $0.files[.hazards] != nil })
        #expect(scans.wholePeriods.isEmpty)
        let whole = InputScanner(config: config).scan(march)
        #expect(whole.folders.values.contains { $0.files[.inspections] != nil })
        #expect(scans.scan(march) == whole)
        scans.reduce(march)  // as it was
        let shared = ReportAssembler.assemble(config: config, period: Period("2026-10")!, state: state(config), scans: scans)
        #expect(shared.cost.ledgerSource.contains("saved state of 2026-09"), "\(shared.cost.ledgerSource)")
        let cold = ReportAssembler.assemble(config: config, period: Period("2026-10")!)
        #expect(cold.cost.ledgerSource.contains("replayed"))
        #expect(shared.listingSHA256 == cold.listingSHA256)
        #expect(shared.inputs == cold.inputs)
        #expect(summaries(shared) == summaries(cold))
        // And the build alone (its own scans, digests taken by itself) gives the same.
        let own = ReportAssembler.assemble(config: config, period: Period("2026-10")!, state: state(config))
        #expect(own.cost.ledgerSource.contains("saved state"))
        #expect(own.listingSHA256 == cold.listingSHA256 && own.inputs == cold.inputs && summaries(own) == summaries(cold))
    }

    /// The monthly build of 2026-10 (2026-09 built first, so the earlier months come from the saved state and the
    /// months' summaries, and their per-submitter records are let go before the roll-up) writes into manifest.json
    /// the input list, in read order, and the build id of a cold assembly that replayed every month.
    @Test func monthlyManifestInputsAndBuildIDAreThoseOfAColdBuild() throws {
        let town = try makeTown()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-09")!)
        let monthly = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-10")!)
        #expect(monthly.inputSummary.contains("saved state of 2026-09"), "\(monthly.inputSummary)")
        let manifest = try town.manifest("2026-10")
        let cold = ReportAssembler.assemble(config: config, period: Period("2026-10")!)
        #expect(cold.cost.ledgerSource.contains("replayed"))
        #expect(cold.inputs.contains { $0.path.hasPrefix("2025-08/") } && cold.inputs.contains { $0.path.hasPrefix("2026-10/") })
        #expect(manifest.inputs.files == cold.inputs)
        #expect(manifest.inputs.listingSHA256 == cold.listingSHA256)
        #expect(manifest.buildID == Manifest.buildID(toolVersion: ToolInfo.version, configSHA256: "cfg",
                                                     listingSHA256: cold.listingSHA256, files: cold.inputs))
    }

    /// January's run: the report of December (its own month checked whole, so it has no summary from the check) is
    /// checked, then January is built from the same scans: December is summed up from its scan, the saved state is
    /// used, and the report equals a cold replay.
    @Test func januaryAfterDecembersReportIsCheckedEqualsAColdBuild() throws {
        let town = try makeTown()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2025-12")!)
        sleep(3)
        let scans = InputScans(config: config)
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs), scans: scans)
        #expect(check.reasons(of: try town.manifest("2025-12")).isEmpty)
        #expect(scans.hazards(Period("2025-12")!) == nil)
        let shared = ReportAssembler.assemble(config: config, period: Period("2026-01")!, state: state(config), scans: scans)
        #expect(shared.cost.ledgerSource.contains("saved state of 2025-12"), "\(shared.cost.ledgerSource)")
        let cold = ReportAssembler.assemble(config: config, period: Period("2026-01")!)
        #expect(shared.listingSHA256 == cold.listingSHA256)
        #expect(shared.inputs == cold.inputs)
        #expect(summaries(shared) == summaries(cold))
    }

    /// An earlier month corrected in place (same size, mtime put back) after its digests were remembered: the stale
    /// check names the file, and the build from the same scans does not use the saved state but lists the let-go
    /// months again and replays them, to the report of a cold build.
    @Test func aCorrectionOfAnEarlierMonthIsNamedAndReplayed() throws {
        let town = try makeTown()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "cfg", period: Period("2026-09")!)
        sleep(3)
        // The first check remembers every month's summary.
        var first = StaleCheck(config: config, configSHA256: "cfg", fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
        #expect(first.reasons(of: try town.manifest("2026-09")).isEmpty)
        first.fileHashes?.save()
        let dir = town.root.appendingPathComponent("inputs/2025-11")
        let rel = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { "2025-11/\($0)/hazards.csv" }
            .first { (try? Data(contentsOf: town.root.appendingPathComponent("inputs/" + $0)))?.count ?? 0 > 200 })
        let bytes = try editInPlaceKeepingSizeAndMtime(town.root.appendingPathComponent("inputs/" + rel).path)

        let scans = InputScans(config: config)
        var check = StaleCheck(config: config, configSHA256: "cfg",
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs), scans: scans)
        #expect(check.reasons(of: try town.manifest("2026-09")) == [.fileChanged(rel)])
        let shared = ReportAssembler.assemble(config: config, period: Period("2026-10")!, state: state(config), scans: scans)
        #expect(shared.cost.ledgerSource.contains("replayed"), "\(shared.cost.ledgerSource)")
        let cold = ReportAssembler.assemble(config: config, period: Period("2026-10")!)
        #expect(shared.listingSHA256 == cold.listingSHA256)
        #expect(shared.inputs == cold.inputs)
        #expect(summaries(shared) == summaries(cold))
        #expect(shared.inputs.contains { $0.path == rel && $0.sha256 == SHA256.hexDigest(of: bytes) })
    }
}
