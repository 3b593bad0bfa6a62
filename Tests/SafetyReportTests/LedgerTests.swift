// The hazard ledger on its own: registration, updates, carry-over, reopening, state at the end of any period.
import Testing
@testable import SafetyReport

@Suite struct LedgerTests {
    typealias F = ComputationFixtures

    @Test func openHazardIsCarriedOverUnchangedUntilUpdated() {
        // Aug: H1 registered open. Sep: not mentioned. Oct: updated to in_progress with a new deadline.
        let aug = F.hazard("H1", found: "2026-08-03", deadline: "2026-08-20")
        let oct = F.hazard("H1", found: "2026-08-03", deadline: "2026-11-15", status: .inProgress)
        let ledger = F.ledger([("2026-08", [F.v1: [aug]]), ("2026-09", [F.v1: []]), ("2026-10", [F.v1: [oct]])])
        let h = ledger.hazard(owner: F.v1, id: "H1")!

        #expect(h.registeredIn == F.period("2026-08"))
        #expect(h.state(at: F.period("2026-07")) == nil)                 // not yet registered
        #expect(h.state(at: F.period("2026-09"))?.row == aug)            // carried over unchanged
        #expect(h.state(at: F.period("2026-09"))?.period == F.period("2026-08"))
        #expect(h.isOpen(at: F.period("2026-09")))
        #expect(!h.isMentioned(in: F.period("2026-09")))
        #expect(h.state(at: F.period("2026-10"))?.row == oct)
        #expect(h.state(at: F.period("2027-03"))?.row == oct)            // and on, across the new year
    }

    @Test func hazardIdsBelongToTheirFolder() {
        let ledger = F.ledger([("2026-10", [F.v1: [F.hazard("H1", found: "2026-10-02", deadline: "2026-10-30")],
                                            F.v2: [F.hazard("H1", found: "2026-09-28", deadline: "2026-10-30")]])])
        #expect(ledger.knownFoundDates(owner: F.v1) == ["H1": F.day("2026-10-02")])
        #expect(ledger.knownFoundDates(owner: F.v2) == ["H1": F.day("2026-09-28")])
        #expect(ledger.knownFoundDates(owner: F.townCode) == [:])
        #expect(ledger.owners == [F.v1, F.v2])
    }

    @Test func lateRegistrationRegistersInThePeriodItWasFirstSent() {
        // Found in July, first sent in October: registered in October.
        let ledger = F.ledger([("2026-10", [F.v1: [F.hazard("H9", found: "2026-07-01", deadline: "2026-12-01")]])])
        let h = ledger.hazard(owner: F.v1, id: "H9")!
        #expect(h.registeredIn == F.period("2026-10"))
        #expect(h.registeredFoundDate == F.day("2026-07-01"))
        #expect(ledger.hazards(owner: F.v1, upTo: F.period("2026-09")).isEmpty)
        #expect(ledger.hazards(owner: F.v1, upTo: F.period("2026-10")).map(\.id) == ["H9"])
    }

    @Test func anUpdateMayReopenARectifiedHazard() {
        let ledger = F.ledger([
            ("2026-08", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-08-20", status: .rectified)]]),
            ("2026-09", [F.v1: [F.hazard("H1", found: "2026-08-03", deadline: "2026-09-30", status: .open)]]),
        ])
        let h = ledger.hazard(owner: F.v1, id: "H1")!
        #expect(h.isRectified(at: F.period("2026-08")))
        #expect(!h.isOpen(at: F.period("2026-08")))
        #expect(h.isOpen(at: F.period("2026-09")))
        #expect(h.state(at: F.period("2026-09"))?.row.deadline == F.day("2026-09-30"))   // every field replaced
    }

    @Test func firstRowOfAnIdClaimsItAndReapplyingAPeriodReplacesIt() {
        var ledger = HazardLedger()
        let first = F.hazard("H1", found: "2026-10-02", deadline: "2026-10-30", line: 2)
        let dup = F.hazard("H1", found: "2026-10-05", deadline: "2026-10-30", line: 3)
        ledger.apply(period: F.period("2026-10"), owner: F.v1, rows: [first, dup])
        #expect(ledger.hazard(owner: F.v1, id: "H1")?.updates.map(\.row) == [first])

        let again = F.hazard("H1", found: "2026-10-02", deadline: "2026-10-30", status: .rectified)
        ledger.apply(period: F.period("2026-10"), owner: F.v1, rows: [again])
        #expect(ledger.hazard(owner: F.v1, id: "H1")?.updates.map(\.row) == [again])
    }
}
