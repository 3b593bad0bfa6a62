// A build with no saved state to try (a cold run, `check`) reads the earlier months' hazards and agreements files only:
// it scans them light, and a consumer that asks for a whole scan of such a month still gets every stat.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct BuildLightScanTests {
    private func makeTown() throws -> DemoTownFixture {
        try DemoTownFixture(villages: 4, months: 4, seed: 6, prefix: "sr-buildlight")
    }

    /// Months prefetched light are held apart: `light` and `partial` give them (the whole scan without the inspections
    /// and trainings stats), `scan` never does (it lists the month again, with every stat, as the stale check of that
    /// month's own report needs), and the listing digests folded from them are those of whole scans.
    @Test func lightScansHeldForABuildAreNeverTakenForWholeOnes() throws {
        let town = try makeTown()
        let config = try town.config
        let plain = InputScanner(config: config)
        let periods = plain.periods()
        let last = try #require(periods.last)
        let earlier = periods.filter { $0 < last }
        let scans = InputScans(config: config)
        scans.prefetch(periods, light: { $0 < last })
        #expect(scans.lightPeriods == earlier && scans.wholePeriods == [last])
        var skipped = 0
        for q in earlier {
            let whole = plain.scan(q)
            for light in [scans.light(q), scans.partial(q)] {
                #expect(light == whole && light.listing == whole.listing && light.issues == whole.issues)
                for (code, folder) in whole.folders {
                    for (kind, file) in folder.files {
                        let held = try #require(light.folders[code]?.files[kind])
                        if kind == .inspections || kind == .trainings { if held.stamp == nil { skipped += 1 } }
                        else { #expect(held.stamp == file.stamp && held.stamp != nil) }
                    }
                }
            }
            // Asked for whole, the month is listed again: every kind file carries its stat.
            let asked = scans.scan(q)
            #expect(asked == whole)
            for (code, folder) in whole.folders {
                for (kind, file) in folder.files {
                    #expect(asked.folders[code]?.files[kind]?.stamp == file.stamp && file.stamp != nil, "\(q) \(code) \(kind)")
                }
            }
        }
        #expect(skipped > 0)
        // Folded from the held light scans (and the whole ones `scan` took since), the same digests as from fresh scans.
        let fresh = InputScans(config: config)
        #expect(scans.listingSHA256(through: last) == fresh.listingSHA256(through: last))
        for q in earlier { #expect(scans.digest(q).listingSHA256 == fresh.digest(q).listingSHA256) }
    }

    /// A digest over months held light folds them without scanning them again, to the same digests, and a reduced
    /// month is cut from its light scan (it holds every hazards and agreements file with its stat).
    @Test func digestsFoldHeldLightScansAndReduceThem() throws {
        let town = try makeTown()
        let config = try town.config
        let periods = InputScanner(config: config).periods()
        let last = try #require(periods.last)
        let scans = InputScans(config: config)
        scans.prefetch(periods, light: { $0 < last })
        let d = scans.digest(last, reducing: { $0 < last })
        let fresh = InputScans(config: config)
        #expect(d.listingSHA256 == fresh.digest(last).listingSHA256)
        #expect(scans.listingSHA256(through: last) == fresh.listingSHA256(through: last))
        #expect(scans.lightPeriods.isEmpty && scans.wholePeriods == [last])
        let plain = InputScanner(config: config)
        for q in periods where q < last {
            let reduced = scans.partial(q), whole = plain.scan(q)
            for (code, folder) in whole.folders {
                for kind in [FileKind.hazards, .agreements] {
                    #expect(reduced.folders[code]?.files[kind]?.stamp == folder.files[kind]?.stamp)
                }
                #expect(reduced.folders[code]?.files[.inspections] == nil && reduced.folders[code]?.files[.trainings] == nil)
            }
        }
    }

    /// A cold build (no saved state: the earlier months scanned light) reads and records exactly what a build from
    /// whole scans of every month does, to the same listing hash and the same tables.
    @Test func aColdBuildFromLightScansIsTheBuildFromWholeOnes() throws {
        let town = try makeTown()
        let config = try town.config
        let periods = InputScanner(config: config).periods()
        let last = try #require(periods.last)
        let lightScans = InputScans(config: config)
        let light = ReportAssembler.assemble(config: config, period: last, scans: lightScans)
        let wholeScans = InputScans(config: config)
        wholeScans.prefetch(periods)
        #expect(wholeScans.wholePeriods == periods)
        let whole = ReportAssembler.assemble(config: config, period: last, scans: wholeScans)
        #expect(light.listingSHA256 == whole.listingSHA256)
        #expect(light.inputs == whole.inputs && !light.inputs.isEmpty)
        let tables = { (r: MonthReport) in SummaryCSVs.all(r).map { $0.name + "\n" + String(decoding: $0.bytes, as: UTF8.self) } }
        #expect(tables(light.report) == tables(whole.report))
    }
}
