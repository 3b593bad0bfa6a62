// The fourth memory pass's compact forms: digests as 32 bytes, the saved state decoded in pieces, ledger entries
// sharing the ledger's packed rows, and a roll-up that lets go of the ledger as it goes — each giving what the
// plain form gave.

import Foundation
import Testing
@testable import SafetyReport

@Suite struct CompactRunStateTests {
    typealias F = ComputationFixtures

    @Test func hexDigestsGiveBackTheirTextAndKeepOtherTextApart() throws {
        let digests = [SHA256.hexDigest(of: []), SHA256.hexDigest(of: Array("青石镇".utf8)),
                       String(repeating: "0", count: 64), String(repeating: "f", count: 64),
                       "0123456789abcdef" + String(repeating: "fedcba9876543210", count: 3)]
        for d in digests {
            let packed = HexDigest(d)
            guard case .bytes = packed else { Issue.record("\(d) not kept as bytes"); continue }
            #expect(packed.hex == d)
        }
        // Not 64 lowercase hex digits: kept as written, and never equal to a digest that is.
        let real = digests[1]
        let others = ["", InputLoader.unreadSHA256, real.uppercased(), String(real.dropLast()), real + "0",
                      String(real.dropLast()) + "g", String(real.dropLast(2)) + "é", "镇" + String(real.dropFirst(3)),
                      String(repeating: "a", count: 10_000)]
        for text in others {
            let packed = HexDigest(text)
            guard case .text = packed else { Issue.record("\(text.prefix(70)) taken for a digest"); continue }
            #expect(packed.hex == text && packed != HexDigest(real))
        }
        #expect(Set((digests + others).map(HexDigest.init)).count == digests.count + others.count)

        // An input record reads, writes and compares by that text, and encodes as before.
        var record = InputRecord(path: "2026-10/330683105201/hazards.csv", sha256: real, bytes: 620)
        #expect(record.sha256 == real && record == InputRecord(path: record.path, sha256: real, bytes: 620))
        record.sha256 = InputLoader.unreadSHA256
        #expect(record.sha256 == InputLoader.unreadSHA256 && record != InputRecord(path: record.path, sha256: real, bytes: 620))
        let json = #"{"bytes":620,"path":"2026-10\/V1\/隐患.csv","sha256":"\#(real)"}"#
        let decoded = try JSONDecoder().decode(InputRecord.self, from: Data(json.utf8))
        #expect(decoded == InputRecord(path: "2026-10/V1/隐患.csv", sha256: real, bytes: 620))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == json.replacingOccurrences(of: "\\/", with: "/"))
    }

    /// A ledger whose rows carry the texts a packed form finds hardest, over several months and owners.
    static func trickyLedger() -> HazardLedger {
        let texts = ["", "a", String(repeating: "x", count: 15), String(repeating: "x", count: 16), "😀👨‍👩‍👧‍👦🇨🇳",
                     "e\u{301}", "引号\"、逗号,、换行\n与\r回车", String(repeating: "长", count: 200),
                     String(repeating: "描述很长的单元格", count: 2_000)]
        func row(_ i: Int, _ status: HazardStatus) -> HazardRow {
            var h = F.hazard("H\(i)", found: "2025-11-0\(1 + i % 9)", deadline: "2026-12-01", status: status,
                             group: i % 3 == 0 ? nil : texts[i % texts.count], escalated: i % 2 == 0, line: 2 + i)
            h.description = texts[i % texts.count]
            h.location = texts[(i + 1) % texts.count]
            h.responsible = texts[(i + 2) % texts.count]
            h.escalatedTo = i % 2 == 0 ? texts[(i + 3) % texts.count] : ""
            return h
        }
        return F.ledger([
            ("2025-11", [F.v1: (0..<40).map { row($0, .open) }, F.v2: (0..<9).map { row($0, .inProgress) }]),
            ("2025-12", [F.v1: (0..<40).filter { $0 % 3 == 0 }.map { row($0, .rectified) }]),
            ("2026-02", [F.v1: (0..<40).filter { $0 % 2 == 0 }.map { row($0, .inProgress) }, F.v2: [row(4, .rectified)]]),
        ])
    }

    @Test func aSavedStateReadsBackTheSameInPiecesOfAnySize() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ledger = Self.trickyLedger()
        let store = LedgerStateStore(outputs: URL(fileURLWithPath: dir))
        let key = LedgerStateKey(configSHA256: String(repeating: "b", count: 64))
        let q = Period(year: 2026, month: 3)!
        store.save(ledger, after: q, key: key)
        let expected = ledger.compacted(forReportsFrom: q.year)
        // In memory, as the side files read it.
        var writer = StateWriter()
        writer.ledger(expected)
        var reader = StateReader(bytes: writer.bytes)
        #expect(reader.ledger() == expected)
        // 48,000-byte texts are longer than any piece but the default.
        for piece in [1, 2, 3, 7, 64, 4_096, StateWriter.piece] {
            let loaded = try #require(store.load(after: q, key: key, piece: piece), "piece \(piece)")
            #expect(loaded == expected, "piece \(piece)")
        }
        #expect(store.load(after: q, key: key) == expected)
        #expect(store.load(after: q, key: LedgerStateKey(configSHA256: String(repeating: "c", count: 64))) == nil)
        #expect(store.load(after: Period(year: 2026, month: 4)!, key: key) == nil)
    }

    @Test func aDamagedTruncatedOrLongerStateIsNotLoaded() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = LedgerStateStore(outputs: URL(fileURLWithPath: dir))
        let key = LedgerStateKey(configSHA256: String(repeating: "d", count: 64))
        let q = Period(year: 2026, month: 3)!
        store.save(Self.trickyLedger(), after: q, key: key)
        let whole = try [UInt8](Data(contentsOf: store.url(q)))
        let header = Array("SRLEDGER3\n\(key.hex)\n".utf8).count + 65
        func loads(_ bytes: [UInt8]) throws -> Bool {
            try Data(bytes).write(to: store.url(q))
            return [1, 5, 4_096, StateWriter.piece].allSatisfy { store.load(after: q, key: key, piece: $0) != nil }
        }
        func neverLoads(_ bytes: [UInt8]) throws -> Bool {
            try Data(bytes).write(to: store.url(q))
            return [1, 5, 4_096, StateWriter.piece].allSatisfy { store.load(after: q, key: key, piece: $0) == nil }
        }
        #expect(try loads(whole))
        var flipped = whole
        flipped[header + (whole.count - header) / 2] ^= 0x01
        #expect(try neverLoads(flipped))
        #expect(try neverLoads(Array(whole.dropLast())))
        #expect(try neverLoads(whole + [0]))
        #expect(try neverLoads(Array(whole.prefix(header))))
        #expect(try neverLoads(Array(whole.prefix(header - 1))))
        #expect(try neverLoads([]))

        // A payload whose digest matches but whose counts are nonsense: refused, without reserving for them.
        for counts in [[1 << 40], [-1], [1, 1 << 40]] {
            var w = StateWriter()
            w.int(counts[0])
            if counts.count > 1 {
                w.string(F.v1); w.string("H1"); w.int(2026); w.int(1); w.day(F.day("2026-01-05")); w.int(0)
                w.int(counts[1])
            }
            let bytes = Array("SRLEDGER3\n\(key.hex)\n\(SHA256.hexDigest(of: w.bytes))\n".utf8) + w.bytes
            #expect(try neverLoads(bytes), "counts \(counts)")
        }
        // Not a regular file.
        try FileManager.default.removeItem(at: store.url(q))
        try FileManager.default.createDirectory(at: store.url(q), withIntermediateDirectories: false)
        #expect(store.load(after: q, key: key) == nil)

        // A FIFO with no writer (review: the open blocked forever, holding the run's lock). Loaded on another
        // thread so that a regression fails here instead of hanging the suite.
        try FileManager.default.removeItem(at: store.url(q))
        #expect(mkfifo(store.url(q).path, 0o644) == 0)
        let done = DispatchSemaphore(value: 0)
        let refused = Locked<Bool?>(nil)
        Thread.detachNewThread {
            let ledger = store.load(after: q, key: key)
            refused.withLock { $0 = ledger == nil }
            done.signal()
        }
        let finished = done.wait(timeout: .now() + 30) == .success
        #expect(finished, "loading a FIFO as the saved state did not return")
        if finished { #expect(refused.withLock { $0 } == true) }
        else {
            // Unblock the stuck open so the thread can end.
            let fd = open(store.url(q).path, O_WRONLY | O_NONBLOCK); if fd >= 0 { close(fd) }
        }
    }

    @Test func ledgerEntriesAndStatesReadTheirRowFromThePackedOne() throws {
        let ledger = Self.trickyLedger()
        let q = Period(year: 2026, month: 2)!
        var checked = 0
        for owner in ledger.owners {
            for hazard in ledger.hazards(owner: owner, upTo: q) {
                guard let update = hazard.state(at: q), let state = HazardState(hazard, period: q) else { continue }
                let row = update.row
                #expect(PackedLedgerTests.sameBytes(state.packed.row, row))
                #expect(state.packed.hazardId == row.hazardId && state.packed.groupCode == row.groupCode)
                #expect(state.packed.category == row.category && state.packed.level == row.level)
                #expect(state.packed.escalated == row.escalated)
                let entry = state.entry(ownerName: "东湖村")
                #expect(PackedLedgerTests.sameBytes(entry.hazard, row) && entry.owner == owner)
                // The same entry made from the unpacked row.
                #expect(entry == LedgerEntry(owner: owner, ownerName: "东湖村", hazard: row, registeredIn: entry.registeredIn,
                                             lastUpdatedIn: entry.lastUpdatedIn, isOpen: entry.isOpen, isOverdue: entry.isOverdue,
                                             daysOverdue: entry.daysOverdue, isNew: entry.isNew, carriedOver: entry.carriedOver,
                                             rectifiedInPeriod: entry.rectifiedInPeriod))
                var changed = entry
                changed.hazard.description = "改过的描述"
                #expect(changed.hazard.description == "改过的描述" && changed.hazard.hazardId == row.hazardId && changed != entry)
                checked += 1
            }
        }
        #expect(checked > 40)
        // An empty group and no group stay apart.
        var none = F.hazard("H", found: "2026-01-01", deadline: "2026-01-31")
        #expect(PackedHazardRow(none).groupCode == nil)
        none.groupCode = ""
        #expect(PackedHazardRow(none).groupCode == "" && PackedHazardRow(none).hazardId == "H")
    }

    /// The roll-up counts the trend owner by owner as it lets go of the ledger: the same points as counted from the
    /// whole ledger, and the same report whether or not the caller keeps a copy of the ledger.
    @Test func theRollUpThatFreesTheLedgerCountsWhatTheWholeLedgerGives() {
        let ledger = Self.trickyLedger()
        let config = F.config()
        for p in ["2025-11", "2025-12", "2026-02", "2026-06"] {
            let q = F.period(p)
            let kept = ledger
            let report = ReportBuilder.build(config: config, period: q, folders: [], standing: [:], ledger: kept, extraIssues: [])
            #expect(report.trend == ReportBuilder.trend(config: config, period: q, ledger: ledger), "\(p)")
            #expect(report == F.build(p, ledger: ledger), "\(p)")
            #expect(ledger.allHazards.count == kept.allHazards.count)
        }
        let q = F.period("2026-02")
        let report = ReportBuilder.build(config: config, period: q, folders: [], standing: [:], ledger: ledger, extraIssues: [])
        #expect(report.trend.map(\.hazardsRectified).reduce(0, +) > 0 && report.ledger.count > 20)
    }

    /// Each owner's hazards as an array sorted by id: found, ordered and told apart as the dictionary did, whatever
    /// the order rows and saved hazards come in.
    @Test func theSortedLedgerFindsAndOrdersIdsAsTheDictionaryDid() {
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<3_000).map { "YH-\($0 * 7 % 3_001)" } + ["é", "Z", "a", "😀", ""]
        let shuffled = ids.shuffled(using: &generator)
        func row(_ id: String, _ status: HazardStatus = .open) -> HazardRow {
            F.hazard(id, found: "2026-01-05", deadline: "2026-03-01", status: status)
        }
        var ledger = HazardLedger()
        ledger.apply(period: F.period("2026-01"), owner: F.v1, rows: shuffled.map { row($0) })
        #expect(ledger.hazards(owner: F.v1, upTo: F.period("2026-01")).map(\.id) == ids.sorted())
        #expect(ledger.knownFoundDates(owner: F.v1).count == ids.count)
        // A later month: updates to known ids (one spelled with a combining accent, equal as a String), new ids
        // sorted in among them, and a second row for an id ignored.
        let later = [row("e\u{301}", .rectified), row("YH-7", .inProgress), row("YH-new"), row("YH-7", .rectified), row("0")]
        ledger.apply(period: F.period("2026-02"), owner: F.v1, rows: later)
        let all = ledger.hazards(owner: F.v1, upTo: F.period("2026-02"))
        #expect(all.map(\.id) == (ids + ["YH-new", "0"]).sorted())
        #expect(ledger.hazard(owner: F.v1, id: "é")?.updates.map(\.status) == [.open, .rectified])
        #expect(ledger.hazard(owner: F.v1, id: "YH-7")?.updates.map(\.status) == [.open, .inProgress])
        #expect(ledger.hazard(owner: F.v1, id: "YH-new")?.registeredIn == F.period("2026-02"))
        #expect(ledger.hazard(owner: F.v1, id: "YH-absent") == nil && ledger.hazard(owner: F.v2, id: "YH-7") == nil)
        #expect(ledger.hazards(owner: F.v1, upTo: F.period("2026-01")).count == ids.count)
        // Hazards inserted in any order (as a saved state may hold them) make the same ledger.
        let rebuilt = HazardLedger(hazards: Array(ledger.allHazards).shuffled(using: &generator))
        #expect(rebuilt == ledger && Array(rebuilt.allHazards).map(\.id) == Array(ledger.allHazards).map(\.id))
        var removed = ledger
        removed.remove(owner: F.v1)
        #expect(removed.owners.isEmpty && removed.hazard(owner: F.v1, id: "YH-7") == nil && ledger.owners == [F.v1])
    }
}
