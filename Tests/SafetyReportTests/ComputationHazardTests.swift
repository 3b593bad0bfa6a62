// Hazard figures at the end of P: new, rectified, open, overdue, escalated, year-to-date, and the ledger table.
import Testing
@testable import SafetyReport

@Suite struct ComputationHazardTests {
    typealias F = ComputationFixtures

    @Test func overdueIsJudgedAtTheLastDayOfThePeriod() {
        // October has 31 days.
        let rows = [
            F.hazard("A", found: "2026-10-02", deadline: "2026-10-31"),                       // due on the last day: not overdue
            F.hazard("B", found: "2026-10-02", deadline: "2026-10-30"),                       // 1 day overdue
            F.hazard("C", found: "2026-09-02", deadline: "2026-09-30", status: .inProgress),  // 31 days overdue
            F.hazard("D", found: "2026-09-02", deadline: "2026-10-01", status: .rectified),   // closed: never overdue
        ]
        let ledger = F.ledger([("2026-10", [F.v1: rows])])
        let r = F.build("2026-10", ledger: ledger)
        let f = r.summary(ofVillage: F.v1).figures
        #expect(f.hazardsOpen == 3)       // A B C
        #expect(f.hazardsOverdue == 2)    // B C
        let byId = Dictionary(uniqueKeysWithValues: r.ledger.map { ($0.hazard.hazardId, $0) })
        #expect(byId["A"]!.isOverdue == false && byId["A"]!.daysOverdue == 0)
        #expect(byId["B"]!.isOverdue && byId["B"]!.daysOverdue == 1)
        #expect(byId["C"]!.isOverdue && byId["C"]!.daysOverdue == 31)
        #expect(byId["D"]!.isOverdue == false && byId["D"]!.isOpen == false)
    }

    @Test func carriedOverHazardsStayOpenAndRaiseAWarning() {
        // Aug: H1 (major, escalated) and H2 registered. Sep: only H2 rectified. Oct: nothing sent.
        let ledger = F.ledger([
            ("2026-08", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-12-31", level: .major, escalated: true),
                                F.hazard("H2", found: "2026-08-04", deadline: "2026-08-31")]]),
            ("2026-09", [F.v1: [F.hazard("H2", found: "2026-08-04", deadline: "2026-08-31", status: .rectified)]]),
        ])
        let r = F.build("2026-10", ledger: ledger)
        let f = r.summary(ofVillage: F.v1).figures
        #expect(f.hazardsNew == 0)
        #expect(f.hazardsRectified == 0)        // H2 was rectified in September
        #expect(f.hazardsOpen == 1)             // H1
        #expect(f.hazardsOpenMajor == 1)
        #expect(f.hazardsEscalatedOpen == 1)
        #expect(f.hazardsOverdue == 0)          // deadline 12-31
        #expect(f.hazardsNewYTD == 2)           // both registered in August 2026
        #expect(f.hazardsRectifiedYTD == 1)     // H2
        #expect(f.rectificationRateYTD == 0.5)

        // Only H1 is listed (open); H2 was closed before October and not mentioned.
        #expect(r.ledger.map(\.hazard.hazardId) == ["H1"])
        let h1 = r.ledger[0]
        #expect(h1.carriedOver && !h1.isNew && h1.registeredIn == F.period("2026-08") && h1.lastUpdatedIn == F.period("2026-08"))

        let warning = ValidationIssue(.warning, period: F.period("2026-10"), folder: F.v1, file: "hazards.csv",
                                      column: "hazard_id", value: "H1", rule: "hazard.not_updated",
                                      message: "隐患「H1」仍未整改，本月台账未更新其状态，请在 hazards.csv 中填报最新整改进展")
        #expect(Array(r.issues) == [warning])
    }

    @Test func lateRegistrationCountsAsNewInThePeriodItIsSent() {
        // Found in July, first sent in October, major.
        let ledger = F.ledger([("2026-10", [F.v2: [F.hazard("H9", found: "2026-07-01", deadline: "2026-12-01", level: .major)]])])
        let f = F.build("2026-10", ledger: ledger).summary(ofVillage: F.v2).figures
        #expect(f.hazardsNew == 1)
        #expect(f.hazardsNewMajor == 1)
        #expect(f.hazardsNewYTD == 1)
        // Not new in any other month of the trend either: October only.
        let trend = F.build("2026-10", ledger: ledger).trend
        #expect(trend.map(\.hazardsNew) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func rectifiedCountsOnlyRectificationsReportedInP() {
        let ledger = F.ledger([
            ("2026-08", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-08-20")]]),
            ("2026-09", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-08-20", status: .rectified),
                                F.hazard("H2", found: "2026-09-03", deadline: "2026-09-20")]]),
            ("2026-10", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-08-20", status: .rectified), // again: already at P−1
                                F.hazard("H2", found: "2026-09-03", deadline: "2026-09-20", status: .rectified), // rectified in P
                                F.hazard("H3", found: "2026-10-03", deadline: "2026-10-20", status: .rectified)]]), // new and rectified
        ])
        let r = F.build("2026-10", ledger: ledger)
        let f = r.summary(ofVillage: F.v1).figures
        #expect(f.hazardsRectified == 2)   // H2 H3
        #expect(f.hazardsNew == 1)         // H3
        #expect(f.hazardsOpen == 0)
        #expect(f.hazardsRectifiedYTD == 3)
        // All three were mentioned in October, so all are listed, by id.
        #expect(r.ledger.map(\.hazard.hazardId) == ["H1", "H2", "H3"])
        #expect(r.ledger.map(\.rectifiedInPeriod) == [false, true, true])
        #expect(r.issues.isEmpty)
        // Trend: Aug +1 new; Sep +1 new, H1 rectified; Oct +1 new, H2 and H3 rectified.
        #expect(r.trend.map(\.hazardsNew) == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
        #expect(r.trend.map(\.hazardsRectified) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 2])
    }

    @Test func anUpdateReopeningARectifiedHazardMakesItOpenAgain() {
        let ledger = F.ledger([
            ("2026-09", [F.v1: [F.hazard("H1", found: "2026-09-03", deadline: "2026-09-20", status: .rectified)]]),
            ("2026-10", [F.v1: [F.hazard("H1", found: "2026-09-03", deadline: "2026-10-10", status: .open)]]),
        ])
        let f = F.build("2026-10", ledger: ledger).summary(ofVillage: F.v1).figures
        #expect(f.hazardsOpen == 1)
        #expect(f.hazardsOverdue == 1)        // new deadline 10-10 < 10-31
        #expect(f.hazardsRectified == 0)
        #expect(f.hazardsRectifiedYTD == 0)
        #expect(f.hazardsNewYTD == 1)
    }

    @Test func yearToDateResetsAtANewYearWhileTheLedgerDoesNot() {
        let ledger = F.ledger([
            ("2025-11", [F.v1: [F.hazard("OLD", found: "2025-11-03", deadline: "2026-03-01")]]),
            ("2026-01", [F.v1: [F.hazard("NEW", found: "2026-01-05", deadline: "2026-01-20", status: .rectified)]]),
        ])
        let dec = F.build("2025-12", ledger: ledger).summary(ofVillage: F.v1).figures
        #expect(dec.hazardsNewYTD == 1 && dec.hazardsOpen == 1)

        let r = F.build("2026-01", ledger: ledger)
        let jan = r.summary(ofVillage: F.v1).figures
        #expect(jan.hazardsOpen == 1)           // OLD still open across the year
        #expect(jan.hazardsNewYTD == 1)         // NEW only
        #expect(jan.hazardsRectifiedYTD == 1)
        #expect(jan.hazardsNew == 1 && jan.hazardsRectified == 1)
        #expect(r.trend == [TrendPoint(period: F.period("2026-01"), hazardsNew: 1, hazardsRectified: 1)])
        #expect(r.issues.map(\.value) == ["OLD"])   // carried over, not updated
    }

    @Test func categoriesCountEveryFolderAndCategory() {
        let ledger = F.ledger([
            ("2026-09", [F.townCode: [F.hazard("T1", found: "2026-09-01", deadline: "2026-09-15", category: .fireworks)]]),
            ("2026-10", [F.v1: [F.hazard("E1", found: "2026-10-01", deadline: "2026-11-01", category: .electricity),
                                F.hazard("E2", found: "2026-10-02", deadline: "2026-10-03", status: .rectified, category: .electricity)]]),
        ])
        let r = F.build("2026-10", ledger: ledger)
        // 3 folders × 8 categories, town first.
        #expect(r.categories.count == 24)
        #expect(r.categories.first?.folder == F.townCode)
        #expect(r.categories.map(\.folder)[8] == F.v1)
        let fireworks = r.categories.first { $0.folder == F.townCode && $0.category == .fireworks }!
        #expect((fireworks.hazardsNew, fireworks.hazardsOpen, fireworks.hazardsOverdue, fireworks.hazardsNewYTD) == (0, 1, 1, 1))
        let electricity = r.categories.first { $0.folder == F.v1 && $0.category == .electricity }!
        #expect((electricity.hazardsNew, electricity.hazardsRectified, electricity.hazardsOpen, electricity.hazardsOverdue)
                == (2, 1, 1, 0))
        #expect(r.categories.filter { $0.hazardsNewYTD > 0 }.count == 2)
        // Ledger table: town's own first, then villages.
        #expect(r.ledger.map(\.owner) == [F.townCode, F.v1, F.v1])
        #expect(r.ledger.first?.ownerName == "青石镇")
    }
}
