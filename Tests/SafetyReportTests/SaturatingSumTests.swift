// Count cells hold at most 15 digits, but a sum of thousands of them passes Int.max: it used to trap (SIGILL).
import Foundation
import Testing
@testable import SafetyReport

@Suite struct SaturatingSumTests {
    @Test func addsExactlyBelowTheLimitAndHoldsAtIt() {
        #expect(40.saturatingAdding(2) == 42)
        #expect((Int.max - 1).saturatingAdding(1) == Int.max)
        #expect((Int.max - 1).saturatingAdding(2) == Int.max)
        #expect(Int.max.saturatingAdding(999_999_999_999_999) == Int.max)
        #expect((Int.min + 1).saturatingAdding(-5) == Int.min)
        #expect(Int.max.saturatingAdding(-1) == Int.max - 1)
    }

    @Test func figuresOfManyHugeCountsHoldAtIntMax() {
        var f = Figures()
        let huge = RollUpFields(day: 5, groupCode: nil, participants: 999_999_999_999_999)
        for _ in 0..<9_224 { f.countTraining(huge) }
        #expect(f.trainings == 9_224)
        #expect(f.trainingParticipants == Int.max)
        var g = Figures()
        for _ in 0..<9_223 { g.countTraining(huge) }
        #expect(g.trainingParticipants == 9_223 * 999_999_999_999_999)  // exact while it fits
        var town = Figures()
        town += g
        town += f
        #expect(town.trainingParticipants == Int.max)
    }

    /// The reviewer's reproducer, end to end: 9,224 training rows and 9,224 inspection rows of 15 nines in one
    /// village. `check` and `run` finish (they trapped), the run writes its report, and the total stands at Int.max.
    @Test(.serialized, arguments: ["check", "run"]) func aVillageOfHugeCountsIsReportedNotACrash(_ command: String) throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let nines = "999999999999999"
        try town.write("inputs/2026-10/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n"
            + String(repeating: "2026-10-12,专题讲座,消防安全,\(nines)\n", count: 9_224))
        try town.write("inputs/2026-10/V1/inspections.csv", "排查日期,排查人,发现隐患数\n"
            + String(repeating: "2026-10-05,张三,\(nines)\n", count: 9_224))
        let r = try CLI.run([command, "--period", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        if command == "check" {
            #expect(r.out.contains("inspection.hazards_found_mismatch"))
        } else {
            let villages = try String(contentsOf: town.root.appendingPathComponent("outputs/2026-10/summary_villages.csv"), encoding: .utf8)
            #expect(villages.contains(String(Int.max)))
        }
    }
}
