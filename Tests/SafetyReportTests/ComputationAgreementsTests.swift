// Agreements: required parties from the registry, the standing list carried forward, reset at a new year.
import Testing
@testable import SafetyReport

@Suite struct ComputationAgreementsTests {
    typealias F = ComputationFixtures

    @Test func listFromAnEarlierMonthStandsAndRegistryPartiesLeftOutCountUnsigned() {
        // Sent in March: G1 signed, a school signed, G2 left out of the list.
        let standing = StandingAgreements(sentIn: F.period("2026-03"), rows: [
            F.agreement(.school, name: "青石小学", signed: true, line: 2),
            F.agreement(.group, code: F.g1, name: "第一组", signed: true, line: 3),
        ])
        let r = F.build("2026-10", standing: [F.v1: standing])
        let v1 = r.summary(ofVillage: F.v1)
        #expect(v1.figures.agreementsRequired == 3)   // G1 G2 school
        #expect(v1.figures.agreementsSigned == 2)     // G1 school
        #expect(v1.figures.signingRate == 2.0 / 3.0)

        let rows = r.agreements.filter { $0.folder == F.v1 }
        // Registry parties first (registry order, registry names), then the file's others in file order.
        #expect(rows.map(\.partyName) == ["第一村民小组", "第二村民小组", "青石小学"])
        #expect(rows.map(\.state) == [.signed, .missingFromFile, .signed])
        #expect(rows.map(\.sentIn) == [F.period("2026-03"), F.period("2026-03"), F.period("2026-03")])
        #expect(rows[0].signedDate == F.day("2026-03-10"))
        // The list stands, so agreements are not missing from the submission.
        #expect(!v1.shortfalls.contains { if case .incompleteSubmission(let m) = $0 { m.contains(.agreements) } else { false } })
    }

    @Test func noStandingListMeansEveryRegistryPartyUnsigned() {
        let r = F.build("2026-10")
        let v1 = r.summary(ofVillage: F.v1)
        #expect(v1.figures.agreementsRequired == 2 && v1.figures.agreementsSigned == 0)
        let rows = r.agreements.filter { $0.folder == F.v1 }
        #expect(rows.map(\.state) == [.missingFromFile, .missingFromFile])
        #expect(rows.allSatisfy { $0.sentIn == nil })
        // 西山社区 has no groups: nothing to sign, rate empty, not a signing shortfall.
        let v2 = r.summary(ofVillage: F.v2)
        #expect(v2.figures.agreementsRequired == 0 && v2.figures.signingRate == nil)
        #expect(v2.shortfalls.contains(.incompleteSubmission(missing: [.inspections, .hazards, .agreements, .trainings])))
        #expect(!v2.shortfalls.contains { if case .signingRate = $0 { true } else { false } })
    }

    @Test func aListFromTheYearBeforeDoesNotStand() {
        let december = StandingAgreements(sentIn: F.period("2025-12"), rows: [
            F.agreement(.group, code: F.g1, name: "第一组", signed: true),
            F.agreement(.group, code: F.g2, name: "第二组", signed: true, line: 3),
        ])
        let dec = F.build("2025-12", standing: [F.v1: december]).summary(ofVillage: F.v1).figures
        #expect(dec.agreementsSigned == 2)
        let jan = F.build("2026-01", standing: [F.v1: december])
        #expect(jan.summary(ofVillage: F.v1).figures.agreementsSigned == 0)
        #expect(jan.agreements.filter { $0.folder == F.v1 }.allSatisfy { $0.state == .missingFromFile && $0.sentIn == nil })
    }

    @Test func aRejectedRowLeavesItsPartyUnsignedAndStillRequired() {
        // G2's row was rejected; a hospital's row was rejected too (listed only there).
        let hospital = PartyKey(type: .hospital, code: nil, name: "青石卫生院")
        let standing = StandingAgreements(sentIn: F.period("2026-10"), rows: [
            F.agreement(.group, code: F.g1, name: "第一组", signed: true),
        ], rejectedParties: [PartyKey(type: .group, code: F.g2, name: "第二组"), hospital])
        let r = F.build("2026-10", standing: [F.v1: standing])
        #expect(r.summary(ofVillage: F.v1).figures.agreementsRequired == 3)
        #expect(r.summary(ofVillage: F.v1).figures.agreementsSigned == 1)
        let rows = r.agreements.filter { $0.folder == F.v1 }
        #expect(rows.map(\.state) == [.signed, .rejected, .rejected])
        #expect(rows.map(\.partyName) == ["第一村民小组", "第二村民小组", "青石卫生院"])
    }

    @Test func anUnsignedRowIsRequiredAndUnsigned() {
        let standing = StandingAgreements(sentIn: F.period("2026-10"), rows: [
            F.agreement(.group, code: F.g1, name: "第一组", signed: false),
            F.agreement(.residentUnit, name: "青石派出所", signed: false, line: 3),
        ])
        let r = F.build("2026-10", standing: [F.v1: standing])
        #expect(r.agreements.filter { $0.folder == F.v1 }.map(\.state) == [.unsigned, .missingFromFile, .unsigned])
        #expect(r.summary(ofVillage: F.v1).figures.agreementsRequired == 3)
        #expect(r.summary(ofVillage: F.v1).figures.signingRate == 0)
    }

    @Test func theTownSignsWithEveryVillageAndKeyUnit() {
        let standing = StandingAgreements(sentIn: F.period("2026-02"), rows: [
            F.agreement(.keyUnit, code: "KU001", name: "青石化工", signed: true),
            F.agreement(.village, code: F.v1, name: "东湖村", signed: true, line: 3),
        ])
        let r = F.build("2026-10", standing: [F.townCode: standing])
        #expect(r.town.ownFolder.agreementsRequired == 3)   // 东湖村 西山社区 KU001
        #expect(r.town.ownFolder.agreementsSigned == 2)
        let town = r.agreements.filter { $0.folder == F.townCode }
        #expect(town.map(\.party.id) == [F.v1, F.v2, "KU001"])
        #expect(town.map(\.state) == [.signed, .missingFromFile, .signed])
        // The agreements table lists the town's own first: 3 town parties, then 东湖村's two groups.
        #expect(r.agreements.map(\.folder) == [F.townCode, F.townCode, F.townCode, F.v1, F.v1])
        // Town total: town 3 required + 东湖村 2 + 西山社区 0.
        #expect(r.town.figures.agreementsRequired == 5 && r.town.figures.agreementsSigned == 2)
    }

    @Test func eachGroupHasItsOwnAgreementWithItsVillage() {
        let standing = StandingAgreements(sentIn: F.period("2026-10"), rows: [
            F.agreement(.group, code: F.g2, name: "第二组", signed: true),
        ])
        let r = F.build("2026-10", standing: [F.v1: standing])
        let g1 = r.summary(ofGroup: F.g1).figures, g2 = r.summary(ofGroup: F.g2).figures
        #expect((g1.agreementsRequired, g1.agreementsSigned) == (1, 0))
        #expect((g2.agreementsRequired, g2.agreementsSigned) == (1, 1))
    }

    @Test func standingListIsCarriedForwardWithinTheYear() {
        let march = F.file(.agreements, [F.agreement(.group, code: F.g1, name: "第一组", signed: true)])
        let missing = FileResult<AgreementRow>.missing(.agreements)
        let rejectedWhole = FileResult<AgreementRow>(fileName: "agreements.csv", state: .rejected, rowsRead: 4)
        // Mar sent → Apr nothing → May rejected whole → Jan next year nothing.
        let mar = StandingAgreements.standing(after: nil, file: march, period: F.period("2026-03"))
        let apr = StandingAgreements.standing(after: mar, file: missing, period: F.period("2026-04"))
        let may = StandingAgreements.standing(after: apr, file: rejectedWhole, period: F.period("2026-05"))
        let jan = StandingAgreements.standing(after: may, file: missing, period: F.period("2027-01"))
        #expect(mar?.sentIn == F.period("2026-03") && mar?.rows == march.rows.elements)
        #expect(apr == mar)
        #expect(may == mar)
        #expect(jan == nil)
    }

    @Test func aFileReadInPStandsEvenWhenNoListWasPassed() {
        let folder = F.folder(F.v1, agreements: [F.agreement(.group, code: F.g1, name: "第一组", signed: true)])
        let older = StandingAgreements(sentIn: F.period("2026-02"), rows: [])
        let r = F.build("2026-10", folders: [folder], standing: [F.v1: older])
        #expect(r.summary(ofVillage: F.v1).figures.agreementsSigned == 1)
        #expect(r.agreements.filter { $0.folder == F.v1 }.map(\.sentIn) == [F.period("2026-10"), F.period("2026-10")])
    }
}
