// Targets: complete submission, inspections per half month, signing rate, trainings, overdue hazards.
import Testing
@testable import SafetyReport

@Suite struct ComputationComplianceTests {
    typealias F = ComputationFixtures

    /// 东湖村 meeting every target: all files, one inspection in each half, one training, both groups signed.
    static func goodVillage() -> (FolderPeriod, StandingAgreements) {
        let folder = F.folder(F.v1, inspections: [F.inspection("2026-10-15"), F.inspection("2026-10-16")], hazards: [],
                              trainings: [F.training("2026-10-11", participants: 25)])
        let standing = StandingAgreements(sentIn: F.period("2026-04"), rows: [
            F.agreement(.group, code: F.g1, name: "第一组", signed: true),
            F.agreement(.group, code: F.g2, name: "第二组", signed: true, line: 3),
        ])
        return (folder, standing)
    }

    @Test func aVillageMeetingEveryTargetIsCompliant() {
        let (folder, standing) = Self.goodVillage()
        let r = F.build("2026-10", folders: [folder], standing: [F.v1: standing])
        let v1 = r.summary(ofVillage: F.v1)
        #expect(v1.complete && v1.compliant)
        #expect(v1.shortfallsText == "")
        #expect(r.town.villagesSubmitted == 1)   // 西山社区 sent nothing
        #expect(r.town.villagesCompliant == 1)
    }

    @Test func everyShortfallInOrderWithItsText() {
        // Inspections only in the first half, trainings not sent, no agreements list, one overdue hazard.
        let folder = F.folder(F.v1, inspections: [F.inspection("2026-10-03")], hazards: [])
        let ledger = F.ledger([("2026-10", [F.v1: [F.hazard("H1", found: "2026-10-01", deadline: "2026-10-10")]])])
        let v1 = F.build("2026-10", folders: [folder], ledger: ledger).summary(ofVillage: F.v1)
        #expect(!v1.complete && !v1.compliant)
        #expect(v1.shortfalls == [
            .incompleteSubmission(missing: [.agreements, .trainings]),
            .inspectionsSecondHalf(actual: 0, target: 1),
            .signingRate(actual: 0, target: 1),
            .trainings(actual: 0, target: 1),
            .overdueHazards(actual: 1, limit: 0),
        ])
        #expect(v1.shortfallsText
                == "报送不完整（缺「责任书签订」、「宣传教育培训」）；下半月排查0次（应≥1次）；责任书签订率0%（应≥100%）；宣传培训0次（应≥1次）；逾期未整改隐患1项（应≤0项）")
    }

    @Test func aFileRejectedWholeMakesTheSubmissionIncomplete() {
        var (folder, standing) = Self.goodVillage()
        folder.hazards = FileResult(fileName: "hazards.csv", state: .rejected, rowsRead: 2)
        let v1 = F.build("2026-10", folders: [folder], standing: [F.v1: standing]).summary(ofVillage: F.v1)
        #expect(v1.shortfalls == [.incompleteSubmission(missing: [.hazards])])
        #expect(v1.shortfallsText == "报送不完整（缺「隐患整改台账」）")
    }

    @Test func signingRateIsComparedExactlyNotRounded() {
        // 1 of 3 parties unsigned: 2/3 = 0.6666…, below a target of 0.6667 though it rounds to it.
        let (folder, _) = Self.goodVillage()
        let standing = StandingAgreements(sentIn: F.period("2026-10"), rows: [
            F.agreement(.group, code: F.g1, name: "第一组", signed: true),
            F.agreement(.group, code: F.g2, name: "第二组", signed: true, line: 3),
            F.agreement(.school, name: "青石小学", signed: false, line: 4),
        ])
        let strict = Targets(signingRate: 0.6667)
        let v1 = F.build("2026-10", folders: [folder], standing: [F.v1: standing], targets: strict).summary(ofVillage: F.v1)
        #expect(v1.shortfalls == [.signingRate(actual: 2.0 / 3.0, target: 0.6667)])
        #expect(v1.shortfallsText == "责任书签订率66.7%（应≥66.7%）")
        let lenient = Targets(signingRate: 2.0 / 3.0)
        #expect(F.build("2026-10", folders: [folder], standing: [F.v1: standing], targets: lenient).summary(ofVillage: F.v1).compliant)
    }

    @Test func targetsComeFromTheConfig() {
        // Two inspections per half, two trainings, one overdue hazard allowed.
        let (folder, standing) = Self.goodVillage()
        let ledger = F.ledger([("2026-10", [F.v1: [F.hazard("H1", found: "2026-10-01", deadline: "2026-10-10")]])])
        let targets = Targets(inspectionsPerHalfMonth: 2, trainingsPerMonth: 2, maxOverdueHazards: 1)
        let v1 = F.build("2026-10", folders: [folder], standing: [F.v1: standing], ledger: ledger, targets: targets)
            .summary(ofVillage: F.v1)
        #expect(v1.complete)
        #expect(v1.shortfallsText == "上半月排查1次（应≥2次）；下半月排查1次（应≥2次）；宣传培训1次（应≥2次）")
    }
}
