// The ledger's closed hazards kept apart (`HazardLedger.ClosedHazard`): compacted, saved and read back, reopened,
// named again with another found_date — every report and every validation answer equal to a full replay's.

import Foundation
import Testing
@testable import SafetyReport

@Suite struct ClosedHazardsTests {
    typealias F = ComputationFixtures

    /// Two years of rows for two villages: hazards closed in 2025 and never named again, closed in December, reopened
    /// in 2026 (and closed again), open across the new year, and 2026's own.
    static func months() -> [(String, [String: [HazardRow]])] {
        func h(_ id: String, _ found: String, _ status: HazardStatus, line: Int = 2) -> HazardRow {
            F.hazard(id, found: found, deadline: "2026-03-31", status: status, line: line)
        }
        var out: [(String, [String: [HazardRow]])] = []
        // 2025-03: forty hazards per village, open.
        var march: [String: [HazardRow]] = [:]
        for owner in [F.v1, F.v2] {
            march[owner] = (0..<40).map { h("YH-\(String(format: "%02d", $0))", "2025-03-0\(1 + $0 % 9)", .open, line: 2 + $0) }
        }
        out.append(("2025-03", march))
        // 2025-06: most closed (never named again); a few in progress (open across the year).
        var june: [String: [HazardRow]] = [:]
        for owner in [F.v1, F.v2] {
            june[owner] = (0..<40).map { h("YH-\(String(format: "%02d", $0))", "2025-03-0\(1 + $0 % 9)",
                                            $0 % 10 == 0 ? .inProgress : .rectified, line: 2 + $0) }
        }
        out.append(("2025-06", june))
        // 2025-12: one closed in December, one registered and closed the same month.
        out.append(("2025-12", [F.v1: [h("YH-00", "2025-03-01", .rectified), h("YH-DEC", "2025-12-02", .rectified, line: 3)]]))
        // 2026-01: closed ids named again: YH-05 reopened, YH-06 named as if new with another found_date (a duplicate
        // registration: validation must see its 2025 found_date), YH-DEC reopened; and a new one.
        out.append(("2026-01", [F.v1: [h("YH-05", "2025-03-06", .open), h("YH-06", "2026-01-03", .open, line: 3),
                                       h("YH-DEC", "2025-12-02", .inProgress, line: 4), h("YH-N1", "2026-01-04", .open, line: 5)],
                                F.v2: [h("YH-11", "2025-03-03", .inProgress)]]))
        out.append(("2026-02", [F.v1: [h("YH-05", "2025-03-06", .rectified), h("YH-N1", "2026-01-04", .rectified, line: 3)]]))
        out.append(("2026-03", [F.v2: [h("YH-11", "2025-03-03", .rectified), h("YH-39", "2025-03-04", .open, line: 3)]]))
        return out
    }

    /// Replays `months` up to and including `last`, compacting for a new year as the orchestrator does (or not);
    /// `only` replays one owner's rows (the cold run replays each submitter on its own and merges them).
    static func replay(upTo last: String, compacting: Bool, only: String? = nil) -> HazardLedger {
        var ledger = HazardLedger()
        var year: Int?
        for (p, owners) in months() where F.period(p) <= F.period(last) {
            let q = F.period(p)
            if compacting, year != q.year { ledger = ledger.compacted(forReportsFrom: q.year) }
            year = q.year
            for owner in owners.keys.sorted() where only == nil || owner == only {
                ledger.apply(period: q, owner: owner, rows: owners[owner]!)
            }
        }
        return ledger
    }

    /// `merge` adds the owners it does not hold (live and closed tables alike) and keeps its own table for one it
    /// holds: the cold run's merge of per-submitter ledgers equals one replay of everything.
    @Test func mergingPerOwnerLedgersEqualsOneReplayAndKeepsWhatIsHeld() {
        for last in ["2025-12", "2026-03"] {
            let whole = Self.replay(upTo: last, compacting: true)
            var merged = HazardLedger()
            for owner in [F.v2, F.v1] { merged.merge(Self.replay(upTo: last, compacting: true, only: owner)) }
            #expect(merged.owners == whole.owners)
            #expect(merged.allHazards == whole.allHazards)
            #expect(merged.allHazards.count == whole.allHazards.count)

            // An owner held already (here with closed hazards only, after 2025's compaction) keeps its own tables.
            var other = HazardLedger()
            other.apply(period: F.period(last), owner: F.v1,
                        rows: [F.hazard("YH-OTHER", found: "2026-01-05", deadline: "2026-03-31")])
            var again = merged
            again.merge(other)
            #expect(again.allHazards == whole.allHazards)
        }
    }

    @Test func closedHazardsAreKeptApartAndEveryReportAndAnswerEqualsAFullReplay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("closed-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = LedgerStateStore(outputs: URL(fileURLWithPath: dir))
        let key = LedgerStateKey(configSHA256: String(repeating: "a", count: 64))
        let ids = (0..<40).map { "YH-\(String(format: "%02d", $0))" } + ["YH-DEC", "YH-N1", "YH-absent"]
        for p in ["2026-01", "2026-02", "2026-03", "2026-04"] {
            let full = Self.replay(upTo: p, compacting: false)
            let compacted = Self.replay(upTo: p, compacting: true)
            // Saved after the month before and read back, then P's rows applied: the monthly run's path.
            let previous = F.period(p).previous
            store.save(Self.replay(upTo: previous.description, compacting: true), after: previous, key: key)
            var loaded = try #require(store.load(after: previous, key: key), "\(p)")
            for (q, owners) in Self.months() where q == p {
                for owner in owners.keys.sorted() { loaded.apply(period: F.period(q), owner: owner, rows: owners[owner]!) }
            }
            for (which, ledger) in [("compacted", compacted), ("loaded", loaded)] {
                #expect(F.build(p, ledger: ledger) == F.build(p, ledger: full), "\(p)")
                #expect(ReportBuilder.trend(config: F.config(), period: F.period(p), ledger: ledger)
                        == ReportBuilder.trend(config: F.config(), period: F.period(p), ledger: full), "\(p)")
                for owner in [F.v1, F.v2] {
                    let known = ledger.knownFoundDates(owner: owner), all = full.knownFoundDates(owner: owner)
                    for id in ids {
                        #expect(known[id] == all[id], "\(p) \(owner) \(id)")
                        #expect(ledger.hazard(owner: owner, id: id)?.registeredIn == full.hazard(owner: owner, id: id)?.registeredIn)
                        #expect(ledger.hazard(owner: owner, id: id)?.isRectified(at: F.period(p))
                                == full.hazard(owner: owner, id: id)?.isRectified(at: F.period(p)), "\(p) \(owner) \(id)")
                    }
                    #expect(known.count == all.count && known == all)
                    #expect(ledger.hazards(owner: owner, upTo: F.period(p)).map(\.id)
                            == full.hazards(owner: owner, upTo: F.period(p)).map(\.id))
                    // The closed ones are apart: the roll-up's walk omits them (it would not, were they kept whole).
                    let working = ledger.workingHazards(owner: owner, upTo: F.period(p))
                    // (A state saved after December was compacted for December's year: its closed ones come in January's save.)
                    if which == "compacted" || previous.year == 2026 {
                        #expect(working.count < ledger.hazards(owner: owner, upTo: F.period(p)).count, "\(which) \(p) \(owner)")
                    }
                    #expect(working.allSatisfy { !$0.updates.isEmpty })
                }
            }
            // The loaded ledger and the compacted replay are the same ledger, hazard for hazard, and save alike.
            if previous.year == 2026 { #expect(loaded == compacted, "\(p)") }
            var a = StateWriter(), b = StateWriter()
            a.ledger(loaded, compactedFrom: 2026)
            b.ledger(compacted, compactedFrom: 2026)
            #expect(a.bytes == b.bytes)
        }
        // Reopened and re-closed ids are working hazards again, with their 2025 registration.
        let last = Self.replay(upTo: "2026-03", compacting: true)
        let reopened = try #require(last.hazard(owner: F.v1, id: "YH-05"))
        #expect(reopened.registeredIn == F.period("2025-03") && reopened.updates.map(\.status) == [.open, .rectified])
        #expect(last.hazard(owner: F.v1, id: "YH-06")?.registeredFoundDate == F.day("2025-03-07"))
        #expect(last.hazard(owner: F.v1, id: "YH-07")?.updates.isEmpty == true
                && last.hazard(owner: F.v1, id: "YH-07")?.rectifiedSince == F.period("2025-06"))
    }

    /// A saved state read back owner by owner (`adopt`) gives the ledger that inserting its hazards one at a time in
    /// any order gives; one written with an owner's hazards out of order, twice, or split, reads as `insert` makes it.
    @Test func aStateReadOwnerByOwnerEqualsOneBuiltByInsert() throws {
        let ledger = Self.replay(upTo: "2026-03", compacting: true)
        var generator = SystemRandomNumberGenerator()
        let hazards = Array(ledger.allHazards)
        #expect(HazardLedger(hazards: hazards.shuffled(using: &generator)) == ledger)
        var writer = StateWriter()
        writer.ledger(ledger)
        var reader = StateReader(bytes: writer.bytes)
        #expect(reader.ledger() == ledger)
        // Written by hand: owners split in runs, ids out of order, one hazard twice (the last one read stands) —
        // the reader's fallback to `insert` one hazard at a time.
        let reversed = hazards.reversed() + [hazards[0]]
        var odd = StateWriter()
        odd.int(reversed.count)
        for h in reversed { odd.hazard(h, compactedFrom: nil) }
        var oddReader = StateReader(bytes: odd.bytes)
        #expect(oddReader.ledger() == ledger)
        // The same hazards in saving order read back through the adopting path, whole and in small pieces.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("closed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "b", count: 64))
        store.save(ledger, after: F.period("2026-03"), key: key)
        for piece in [1, 7, 4_096] {
            #expect(store.load(after: F.period("2026-03"), key: key, piece: piece) == ledger, "piece \(piece)")
        }
    }
}

/// The state readers' fields read from bytes: a digest field gives what `HexDigest(string)` gives, and a text field
/// what `String(validating:)` gives (nil for invalid UTF-8), in memory and from a file read a few bytes at a time.
@Suite struct StateFieldBytesTests {
    @Test func digestAndTextFieldsEqualTheStringPaths() throws {
        let real = SHA256.hexDigest(of: Array("青石镇".utf8))
        let strings: [String] = [real, real.uppercased(), String(real.dropLast()), real + "0", String(real.dropLast()) + "g",
                                 String(real.dropLast(2)) + "é", "", InputLoader.unreadSHA256,
                                 String(repeating: "0", count: 64), String(repeating: "f", count: 64), "e\u{301}引号"]
        var texts: [[UInt8]] = strings.map { Array($0.utf8) }
        let cut: [UInt8] = Array(real.utf8.dropLast())
        texts.append(cut + [0xFF])
        texts.append([0xC3])
        texts.append([0xE5, 0xBC])
        texts.append([UInt8](repeating: 0x80, count: 64))
        var writer = StateWriter()
        for t in texts { writer.int(t.count); writer.bytes += t; writer.int(t.count); writer.bytes += t }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fields-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(writer.bytes).write(to: dir)
        var memory = StateReader(bytes: writer.bytes)
        var file = try #require(StreamedStateReader(path: dir.path, piece: 3))
        for t in texts {
            let expected = String(validating: t, as: UTF8.self)
            let d1 = memory.digest(), s1 = memory.string()
            let d2 = file.digest(), s2 = file.string()
            #expect(d1 == expected.map(HexDigest.init) && d2 == d1, "\(t)")
            #expect(s1 == expected && s2 == expected, "\(t)")
            if let d1, t.count == 64, expected == real { #expect(d1.hex == real && d1 == HexDigest(real)) }
        }
        #expect(memory.remaining == 0 && file.finished())
    }
}

/// The saved state's closed part (`ClosedPart`): written once a year, left alone by the year's monthly saves, read as
/// bytes — every report and validation answer of the monthly chain equal to a full replay's; a damaged or missing part
/// is never used.
@Suite struct ClosedPartTests {
    typealias F = ComputationFixtures

    /// `ClosedHazardsTests.months()` and a month more: a closed id named again with another found_date, a closed id
    /// named again while still 已整改, both after 2026's part was written.
    static func months() -> [(String, [String: [HazardRow]])] {
        ClosedHazardsTests.months() + [("2026-04", [
            F.v1: [F.hazard("YH-07", found: "2026-04-02", deadline: "2026-05-31", status: .open)],
            F.v2: [F.hazard("YH-21", found: "2025-03-04", deadline: "2026-03-31", status: .rectified)],
        ])]
    }

    static func rows(_ p: Period) -> [String: [HazardRow]] { months().first { $0.0 == p.description }?.1 ?? [:] }

    static func fullReplay(upTo last: Period) -> HazardLedger {
        var ledger = HazardLedger()
        for (p, owners) in months() where F.period(p) <= last {
            for owner in owners.keys.sorted() { ledger.apply(period: F.period(p), owner: owner, rows: owners[owner]!) }
        }
        return ledger
    }

    static func parts(_ store: LedgerStateStore) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: store.folder.path)) ?? []).filter { $0.hasPrefix("closed-") }.sorted()
    }

    static func ids() -> [String] { (0..<40).map { "YH-\(String(format: "%02d", $0))" } + ["YH-DEC", "YH-N1", "YH-absent"] }

    /// Every answer a report of `p` and validation ask of `ledger`, against the full replay's.
    static func expectSameAnswers(_ ledger: HazardLedger, _ full: HazardLedger, _ p: Period) {
        #expect(F.build(p.description, ledger: ledger) == F.build(p.description, ledger: full), "\(p)")
        #expect(ReportBuilder.trend(config: F.config(), period: p, ledger: ledger)
                == ReportBuilder.trend(config: F.config(), period: p, ledger: full), "\(p)")
        for owner in [F.v1, F.v2] {
            let known = ledger.knownFoundDates(owner: owner), all = full.knownFoundDates(owner: owner)
            for id in ids() {
                #expect(known[id] == all[id], "\(p) \(owner) \(id)")
                let a = ledger.hazard(owner: owner, id: id), b = full.hazard(owner: owner, id: id)
                #expect(a?.registeredIn == b?.registeredIn && a?.registeredFoundDate == b?.registeredFoundDate, "\(p) \(owner) \(id)")
                #expect(a?.isRectified(at: p) == b?.isRectified(at: p) && a?.isOpen(at: p) == b?.isOpen(at: p), "\(p) \(owner) \(id)")
            }
            #expect(known == all, "\(p) \(owner)")
            #expect(ledger.hazards(owner: owner, upTo: p).map(\.id) == full.hazards(owner: owner, upTo: p).map(\.id))
        }
    }

    /// The monthly chain from 2025-06 to 2026-04: each month the state after the month before is read back, the
    /// month's rows applied, and saved. 2026-01's save writes the part; later saves of 2026 name it and leave it as it
    /// was (one file, the same bytes and inode); their states hold only the working hazards, and the closed ones of the
    /// owners that named one again since (the part's records for them are not used).
    @Test func theMonthlyChainThroughThePartEqualsAFullReplay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("part-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "d", count: 64))
        var p = F.period("2025-06")
        store.save(ClosedHazardsTests.replay(upTo: "2025-06", compacting: true), after: p, key: key)
        var namedSince = Set<String>()
        var partInode: UInt64?
        var partBytes: [UInt8]?
        while p < F.period("2026-04") {
            let previous = p
            p = p.next
            var ledger = try #require(store.load(after: previous, key: key), "\(p)")
            #expect(ledger == Self.fullReplay(upTo: previous).compacted(forReportsFrom: previous.year), "\(previous)")
            if previous.year == 2026 {
                #expect(ledger.closedPart != nil, "\(previous): read with its part")
                Self.expectSameAnswers(ledger, Self.fullReplay(upTo: previous), p)  // validation of P asks before P's rows
            }
            for (owner, rows) in Self.rows(p).sorted(by: { $0.key < $1.key }) { ledger.apply(period: p, owner: owner, rows: rows) }
            Self.expectSameAnswers(ledger, Self.fullReplay(upTo: p), p)
            store.save(ledger, after: p, key: key)
            let parts = Self.parts(store)
            if p.year == 2025 {
                #expect(parts.isEmpty, "nothing closed before 2025")
            } else {
                #expect(parts.count == 1 && parts[0].hasPrefix("closed-2026-"), "\(p): \(parts)")
                let url = dir.appendingPathComponent(".state/\(parts[0])")
                let inode = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? UInt64)
                let bytes = [UInt8](try Data(contentsOf: url))
                if let partInode { #expect(inode == partInode && bytes == partBytes, "\(p): the part was written again") }
                partInode = inode; partBytes = bytes
                // The state holds the working hazards only, and the closed ones of owners that named one since.
                let state = [UInt8](try Data(contentsOf: store.url(p)))
                var reader = StateReader(bytes: state)
                reader.at = "SRLEDGER3\n".utf8.count + 130
                let count = reader.int()
                let saved = try #require(count)
                let compacted = ledger.compacted(forReportsFrom: 2026)
                let working = [F.v1, F.v2].reduce(0) { $0 + compacted.workingHazards(owner: $1, upTo: p).count }
                // Owners that named an id of the part (written by 2026-01's save) since: 2026-03 v2's YH-39, 2026-04
                // v1's YH-07 and v2's YH-21. Their closed hazards are in the state; the others' are left to the part.
                if p > F.period("2026-01") {
                    let before = Self.fullReplay(upTo: previous).compacted(forReportsFrom: 2026)
                    for o in [F.v1, F.v2] where Self.rows(p)[o]?.contains(where: {
                        before.hazard(owner: o, id: $0.hazardId)?.updates.isEmpty == true  // closed, so in the part
                    }) ?? false {
                        namedSince.insert(o)
                    }
                }
                let closedInState = namedSince.reduce(0) { n, o in
                    n + compacted.hazards(owner: o, upTo: p).count - compacted.workingHazards(owner: o, upTo: p).count
                }
                #expect(saved == working + closedInState, "\(p)")
                #expect(p >= F.period("2026-04") || saved < compacted.allHazards.count, "\(p)")
            }
        }
        // 2026-03 named v2's YH-39 and 2026-04 v1's YH-07 and v2's YH-21, all three in the part: read from the state.
        let last = try #require(store.load(after: p, key: key))
        #expect(last == Self.fullReplay(upTo: p).compacted(forReportsFrom: 2026))
        #expect(last.hazard(owner: F.v1, id: "YH-07")?.registeredFoundDate == F.day("2025-03-08"))
        #expect(last.knownFoundDates(owner: F.v1)["YH-07"] == F.day("2025-03-08"))
        #expect(last.hazard(owner: F.v2, id: "YH-21")?.updates.count == 1
                && last.hazard(owner: F.v2, id: "YH-21")?.rectifiedSince == F.period("2025-06"))
        // A ledger replayed (no part) and saved after 2026-01 again writes the same part: the same name, the same bytes.
        store.save(Self.fullReplay(upTo: F.period("2026-01")).compacted(forReportsFrom: 2026), after: F.period("2026-01"), key: key)
        #expect(Self.parts(store).count == 1)
        let again = [UInt8](try Data(contentsOf: dir.appendingPathComponent(".state/\(Self.parts(store)[0])")))
        #expect(again == partBytes)
    }

    /// A part flipped, cut short, lengthened, replaced by another part's bytes or removed: the state naming it is not
    /// loaded (the run replays); put back, it is.
    @Test func aDamagedReplacedOrMissingPartIsNotUsed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("part-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "e", count: 64))
        let q = F.period("2026-02")
        let expected = Self.fullReplay(upTo: q).compacted(forReportsFrom: 2026)
        store.save(expected, after: F.period("2026-01"), key: key)  // another part (2026-01's closed set is the same: one)
        store.save(Self.fullReplay(upTo: F.period("2026-03")).compacted(forReportsFrom: 2026), after: F.period("2026-03"), key: key)
        store.save(expected, after: q, key: key)
        #expect(Self.parts(store).count == 2)
        let name = try #require(try Self.partNamed(by: store.url(q)))
        let url = store.folder.appendingPathComponent(name)
        let good = [UInt8](try Data(contentsOf: url))
        let other = try #require(Self.parts(store).first { $0 != name })
        let otherBytes = [UInt8](try Data(contentsOf: store.folder.appendingPathComponent(other)))
        #expect(store.load(after: q, key: key) == expected)
        for (what, bytes) in [("flip", { var b = good; b[b.count - 3] ^= 0x01; return b }()), ("short", Array(good.dropLast())),
                              ("longer", good + [0]), ("another part", otherBytes), ("header only", Array(good.prefix(75)))] {
            try Data(bytes).write(to: url)
            #expect(store.load(after: q, key: key) == nil, "\(what)")
        }
        try FileManager.default.removeItem(at: url)
        #expect(store.load(after: q, key: key) == nil, "missing")
        try Data(good).write(to: url)
        #expect(store.load(after: q, key: key) == expected)
        // A state naming a path out of .state is refused whatever is there.
        #expect(!LedgerStateStore.isPartName("../closed-2026-0123456789abcdef.bin") && LedgerStateStore.isPartName(name))
    }

    /// The roll-up and the save let go of the part's bytes before they start (`dropClosedTables`, `leaveRunsToPart`):
    /// the part is freed once both have, and neither needs the closed tables after — the report and trend equal a
    /// full replay's (which has no closed tables at all), and the state saved after equals the one saved without
    /// letting go first (the same ledger read back).
    @Test func theRollUpAndTheSaveLetGoOfThePartBeforeTheyStart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("part-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "a", count: 64))
        store.save(Self.fullReplay(upTo: F.period("2026-02")).compacted(forReportsFrom: 2026), after: F.period("2026-02"), key: key)
        let p = F.period("2026-03")
        var loaded = try #require(store.load(after: F.period("2026-02"), key: key))
        for (owner, rows) in Self.rows(p).sorted(by: { $0.key < $1.key }) { loaded.apply(period: p, owner: owner, rows: rows) }
        weak let part = loaded.closedPart
        #expect(part != nil)
        var forSave = loaded
        var forRollUp = loaded
        loaded = HazardLedger()
        forRollUp.dropClosedTables()
        let full = Self.fullReplay(upTo: p)
        #expect(F.build(p.description, ledger: forRollUp) == F.build(p.description, ledger: full))
        #expect(ReportBuilder.trend(config: F.config(), period: p, ledger: forRollUp)
                == ReportBuilder.trend(config: F.config(), period: p, ledger: full))
        #expect(part != nil, "the save's copy still holds it")
        let leaving = forSave.leaveRunsToPart(compactedFrom: 2026)
        let left = try #require(leaving)
        #expect(part == nil, "neither copy holds the part's bytes")
        // 2026-03 named v2's YH-39 (in the part): v2's run was taken out by `apply`, v1's is left to the part.
        #expect(left.runs == [F.v1] && left.part.owners.contains(F.v2))
        // The save does the same to the ledger it is given (read back again: the one above is now partial) and
        // writes a state that reads back as the whole ledger, the part left as it was.
        var again = try #require(store.load(after: F.period("2026-02"), key: key))
        for (owner, rows) in Self.rows(p).sorted(by: { $0.key < $1.key }) { again.apply(period: p, owner: owner, rows: rows) }
        store.save(again, after: p, key: key)
        #expect(store.load(after: p, key: key) == full.compacted(forReportsFrom: 2026))
        #expect(Self.parts(store).count == 1, "the part left as it was")
    }

    /// A part no state names any more (the only state naming it written again, naming another) is deleted once that
    /// state is in place; a part some other state still names is kept, and nothing is deleted while a state cannot
    /// be read.
    @Test func aPartNoStateNamesIsDeletedAndANamedOneKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("part-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LedgerStateStore(outputs: dir)
        let key = LedgerStateKey(configSHA256: String(repeating: "b", count: 64))
        func ledger(_ p: String) -> HazardLedger { Self.fullReplay(upTo: F.period(p)).compacted(forReportsFrom: 2026) }
        func named(_ q: String) -> String? { LedgerStateStore.partNamed(byStateAt: store.url(F.period(q)).path).name }
        store.save(ledger("2026-02"), after: F.period("2026-01"), key: key)
        store.save(ledger("2026-03"), after: F.period("2026-03"), key: key)
        let a = try #require(named("2026-01")), b = try #require(named("2026-03"))
        #expect(a != b && Self.parts(store) == [a, b].sorted())
        #expect(try Self.partNamed(by: store.url(F.period("2026-03"))) == b)
        // 2026-03's state written again from another ledger (as after a correction): b is named by no state.
        store.save(ledger("2026-04"), after: F.period("2026-03"), key: key)
        let c = try #require(named("2026-03"))
        #expect(c != a && c != b)
        #expect(Self.parts(store) == [a, c].sorted(), "b deleted, a (2026-01's) kept")
        #expect(store.load(after: F.period("2026-01"), key: key) == ledger("2026-02"))
        #expect(store.load(after: F.period("2026-03"), key: key) == ledger("2026-04"))
        // A state that cannot be read: what it names is not known, so nothing is deleted.
        let odd = store.url(F.period("2026-02"))
        try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: false)
        store.save(ledger("2026-03"), after: F.period("2026-03"), key: key)
        #expect(Self.parts(store) == [a, b, c].sorted(), "c kept while a state cannot be read")
        try FileManager.default.removeItem(at: odd)
        store.save(ledger("2026-03"), after: F.period("2026-03"), key: key)
        #expect(Self.parts(store) == [a, b].sorted())
    }

    /// The part a saved state names (found by its name's pattern).
    static func partNamed(by state: URL) throws -> String? {
        let text = String(decoding: try Data(contentsOf: state), as: UTF8.self)
        guard let r = text.range(of: #"closed-[0-9]{4}-[0-9a-f]{16}\.bin"#, options: .regularExpression) else { return nil }
        return String(text[r])
    }
}
