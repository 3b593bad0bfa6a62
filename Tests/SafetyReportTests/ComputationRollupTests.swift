// Tiers: rows counted for their group, their village, and the town total with the town's own folder.
import Testing
@testable import SafetyReport

@Suite struct ComputationRollupTests {
    typealias F = ComputationFixtures

    @Test func inspectionsSplitAtTheFifteenth() {
        let folder = F.folder(F.v2, inspections: [F.inspection("2026-10-01"), F.inspection("2026-10-15"),
                                                  F.inspection("2026-10-16"), F.inspection("2026-10-31")])
        let f = F.build("2026-10", folders: [folder]).summary(ofVillage: F.v2).figures
        #expect((f.inspections, f.inspectionsFirstHalf, f.inspectionsSecondHalf) == (4, 2, 2))
    }

    @Test func filesAndRowsCountPerVillage() {
        // Inspections read (2 accepted, 1 rejected), hazards read with no rows, trainings rejected whole
        // (3 rows read and rejected), agreements missing.
        var folder = F.folder(F.v2, inspections: [F.inspection("2026-10-01"), F.inspection("2026-10-20")], hazards: [])
        folder.inspections.rowsRead = 3
        folder.trainings = FileResult(fileName: "Trainings.CSV", state: .rejected, rowsRead: 3)
        let r = F.build("2026-10", folders: [folder])
        let f = r.summary(ofVillage: F.v2).figures
        #expect(f.filesSubmitted == 2)
        #expect(f.rowsRead == 6)
        #expect(f.rowsRejected == 4)
        let stats = r.fileStats.filter { $0.folder == F.v2 }
        #expect(stats.map(\.kind) == [.inspections, .hazards, .agreements, .trainings])
        #expect(stats.map(\.state) == ["read", "read", "missing", "rejected"])
        #expect(stats.map(\.rowsAccepted) == [2, 0, 0, 0])
        #expect(stats.map(\.rowsRejected) == [1, 0, 0, 3])
        #expect(stats.last?.fileName == "Trainings.CSV")
        // Every registered folder has its four stats, town first, even when nothing was passed for it.
        #expect(r.fileStats.count == 12 && r.fileStats.first?.folder == F.townCode)
    }

    @Test func townTotalIncludesTheTownsOwnFolder() {
        let town = F.folder(F.townCode, inspections: [F.inspection("2026-10-09")],
                            trainings: [F.training("2026-10-09", participants: 40)])
        let v1 = F.folder(F.v1, inspections: [F.inspection("2026-10-02"), F.inspection("2026-10-18")],
                          trainings: [F.training("2026-10-11", participants: 25)])
        let ledger = F.ledger([("2026-10", [F.townCode: [F.hazard("T1", found: "2026-10-09", deadline: "2026-10-20")],
                                            F.v1: [F.hazard("V1", found: "2026-10-02", deadline: "2026-11-20")]])])
        let r = F.build("2026-10", folders: [v1, town], ledger: ledger)
        #expect(r.town.ownFolder.inspections == 1)
        #expect(r.town.ownFolder.hazardsOverdue == 1)
        #expect(r.town.figures.inspections == 3)             // 1 + 2 + 0
        #expect(r.town.figures.inspectionsSecondHalf == 1)
        #expect(r.town.figures.trainings == 2)
        #expect(r.town.figures.trainingParticipants == 65)   // 40 + 25
        #expect(r.town.figures.hazardsOpen == 2 && r.town.figures.hazardsOverdue == 1)
        #expect(r.town.figures.filesSubmitted == 4)          // town 2 + 东湖村 2
        // Trainings table: town's own first.
        #expect(r.trainings.map(\.folder) == [F.townCode, F.v1])
    }

    @Test func zeroOverZeroRatesAreEmpty() {
        let f = F.build("2026-10").summary(ofVillage: F.v2).figures
        #expect(f.hazardsNewYTD == 0 && f.rectificationRateYTD == nil)
        #expect(f.agreementsRequired == 0 && f.signingRate == nil)
    }

    @Test func groupsCountRowsCarryingTheirCode() {
        let v1 = F.folder(F.v1, inspections: [F.inspection("2026-10-02", group: F.g1), F.inspection("2026-10-20", group: F.g1),
                                              F.inspection("2026-10-21")],
                          trainings: [F.training("2026-10-11", participants: 25, group: F.g2),
                                      F.training("2026-10-12", participants: 10)])
        // H1 moved from G1 to G2 in October: it counts for G2, by its latest row.
        let ledger = F.ledger([
            ("2026-09", [F.v1: [F.hazard("H1", found: "2026-09-02", deadline: "2026-09-20", group: F.g1),
                                F.hazard("H2", found: "2026-09-02", deadline: "2026-12-20", group: F.g1)]]),
            ("2026-10", [F.v1: [F.hazard("H1", found: "2026-09-02", deadline: "2026-09-20", group: F.g2),
                                F.hazard("H3", found: "2026-10-02", deadline: "2026-12-20")]]),
        ])
        let r = F.build("2026-10", folders: [v1], ledger: ledger)
        let g1 = r.summary(ofGroup: F.g1).figures, g2 = r.summary(ofGroup: F.g2).figures
        #expect((g1.inspections, g1.inspectionsFirstHalf, g1.inspectionsSecondHalf) == (2, 1, 1))
        #expect((g2.inspections, g2.trainings, g2.trainingParticipants) == (0, 1, 25))
        #expect((g1.hazardsOpen, g1.hazardsOverdue) == (1, 0))   // H2
        #expect((g2.hazardsOpen, g2.hazardsOverdue) == (1, 1))   // H1
        #expect((g1.rowsRead, g1.filesSubmitted) == (0, 0))
        // The village counts every row, with or without a group.
        let v = r.summary(ofVillage: F.v1).figures
        #expect((v.inspections, v.trainings, v.trainingParticipants, v.hazardsOpen, v.hazardsNew) == (3, 2, 35, 3, 1))
        #expect(r.groups.map(\.group.code) == [F.g1, F.g2])
        #expect(r.groups.first?.villageName == "东湖村")
    }
}
