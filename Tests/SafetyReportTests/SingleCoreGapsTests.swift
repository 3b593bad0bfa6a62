// Work moved beside other work so both cores stay busy (the saved ledger state written beside the roll-up): same results.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct SingleCoreGapsTests {
    private func state(_ config: PipelineConfig) -> LedgerStateUse {
        LedgerStateUse(store: LedgerStateStore(outputs: config.outputs), configSHA256: "cfg",
                       hashes: FileHashCache(outputs: config.outputs, inputs: config.inputs))
    }

    private func summaries(_ r: AssembledReport) -> [UInt8] {
        SummaryCSVs.tables(r.report).flatMap { Array($0.name.utf8) + $0.bytes }
    }

    /// The state saved on a pool thread while the roll-up consumes the ledger is the whole ledger after P: its
    /// bytes are what saving the ledger it holds gives, one thread after the other, and next month's report built
    /// from it equals one that replays every month.
    @Test func theStateSavedBesideTheRollUpIsTheWholeLedger() throws {
        let town = try DemoTownFixture(villages: 9, months: 5, seed: 8, prefix: "sr-gaps")
        let config = try town.config
        let september = Period("2026-09")!, october = Period("2026-10")!
        let built = ReportAssembler.assemble(config: config, period: september, state: state(config))
        #expect(built.cost.ledgerSource.hasPrefix("replayed"))
        let store = LedgerStateStore(outputs: config.outputs)
        let saved = try [UInt8](Data(contentsOf: store.url(september)))
        #expect(saved.count > 1000)

        // The same ledger, saved again on this thread alone, under the key the file names.
        let keyHex = String(decoding: saved.split(separator: 0x0A, maxSplits: 2)[1], as: UTF8.self)
        #expect(keyHex.utf8.count == 64)
        let key = LedgerStateKey(hex: keyHex)
        let ledger = try #require(store.load(after: september, key: key))
        #expect(ledger.allHazards.count > 20)
        let again = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: again) }
        let other = LedgerStateStore(outputs: URL(fileURLWithPath: again))
        other.save(ledger, after: september, key: key)
        #expect(try [UInt8](Data(contentsOf: other.url(september))) == saved)

        // Next month from the saved state, against a build that replays everything.
        let fromState = ReportAssembler.assemble(config: config, period: october, state: state(config))
        #expect(fromState.cost.ledgerSource.hasPrefix("saved state of 2026-09"))
        let replayed = ReportAssembler.assemble(config: config, period: october)
        #expect(summaries(fromState) == summaries(replayed))
        #expect(fromState.report.ledger == replayed.report.ledger)
        #expect(fromState.report.trend == replayed.report.trend)
    }
}
