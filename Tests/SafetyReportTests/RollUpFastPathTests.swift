// The roll-up's fast paths against the ways they replace: spilled rows' counted fields read from their bytes
// against the rows decoded whole, and the ledger's registered found_dates by bisection against a dictionary.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct RollUpFastPathTests {
    typealias F = ComputationFixtures

    /// Text cells a clerk's file can leave in a row: empty, quotes, commas, line breaks, BOM, combining marks,
    /// emoji, GB18030-only characters, formula-like text, and lengths around the varint's one-byte bound.
    static let texts = ["", "x", " ", "\u{FEFF}主题", "\"引号\",逗号", "多\r\n行", "e\u{301}", "👩‍🚒🔥", "𠀀㐀", "=1+2", "\t",
                        String(repeating: "a", count: 127), String(repeating: "b", count: 128), String(repeating: "安", count: 43),
                        String(repeating: "全", count: 5_000)]
    static let groups: [String?] = [nil, "", "V1-01", "330683105201-01", "G", String(repeating: "g", count: 32), "组１"]

    static func randomDay(_ r: inout SeededRandom) -> Day {
        Day(year: [1900, 2025, 2026, 9999][Int(r.next() % 4)], month: Int(r.next() % 12) + 1, day: Int(r.next() % 28) + 1)!
    }

    static func randomInt(_ r: inout SeededRandom) -> Int {
        switch r.next() % 5 {
        case 0: return 0
        case 1: return Int.max
        case 2: return Int.min
        case 3: return Int(r.next() % 200)
        default: return Int(truncatingIfNeeded: r.next())
        }
    }

    static func trainings(_ n: Int, seed: UInt64) -> [TrainingRow] {
        var r = SeededRandom(state: seed)
        return (0..<n).map { i in
            TrainingRow(line: i % 7 == 0 ? Int.max : i + 2, date: randomDay(&r), groupCode: groups[Int(r.next() % UInt64(groups.count))],
                        form: TrainingForm.allCases[Int(r.next() % UInt64(TrainingForm.allCases.count))],
                        theme: texts[Int(r.next() % UInt64(texts.count))],
                        audience: r.next() % 3 == 0 ? nil : Audience.allCases[Int(r.next() % UInt64(Audience.allCases.count))],
                        participants: randomInt(&r), hours: r.next() % 2 == 0 ? nil : Double(bitPattern: r.next()),
                        materials: r.next() % 2 == 0 ? nil : randomInt(&r))
        }
    }

    static func inspections(_ n: Int, seed: UInt64) -> [InspectionRow] {
        var r = SeededRandom(state: seed)
        return (0..<n).map { i in
            InspectionRow(line: i + 2, date: randomDay(&r), groupCode: groups[Int(r.next() % UInt64(groups.count))],
                          inspector: texts[Int(r.next() % UInt64(texts.count))], scope: texts[Int(r.next() % UInt64(texts.count))],
                          hazardsFound: randomInt(&r), hazardsFoundText: texts[Int(r.next() % UInt64(texts.count))])
        }
    }

    /// The fields read from the bytes, the fields of the rows read back whole, and of the rows in memory.
    static func fieldsBothWays<Row: RollUpReadable & Sendable & Equatable>(_ rows: [Row], coder: RowCoder<Row>, threshold: Int)
        throws -> (bytes: [RollUpFields], decoded: [RollUpFields], memory: [RollUpFields]) {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        var list = AcceptedRows<Row>(spill: spill, coder: coder)
        for row in rows { list.append(row) }
        #expect(list.spills && spill.failure == nil)
        var fromBytes: [RollUpFields] = []
        list.forEachRollUpFields { fromBytes.append($0) }
        var fromMemory: [RollUpFields] = []
        AcceptedRows(rows).forEachRollUpFields { fromMemory.append($0) }
        return (fromBytes, Array(list).map(\.rollUpFields), fromMemory)
    }

    @Test(arguments: [1, 3, 1_000])
    func spilledTrainingsGiveTheFieldsOfTheirDecodedRows(threshold: Int) throws {
        let rows = Self.trainings(2_000, seed: UInt64(threshold))
        let (bytes, decoded, memory) = try Self.fieldsBothWays(rows, coder: .trainings, threshold: threshold)
        #expect(bytes.count == rows.count)
        #expect(bytes == decoded)
        #expect(bytes == memory)
        #expect(bytes.map(\.participants) == rows.map(\.participants) && bytes.map(\.groupCode) == rows.map(\.groupCode))
    }

    @Test(arguments: [1, 4, 1_000])
    func spilledInspectionsGiveTheFieldsOfTheirDecodedRows(threshold: Int) throws {
        let rows = Self.inspections(2_000, seed: 100 + UInt64(threshold))
        let (bytes, decoded, memory) = try Self.fieldsBothWays(rows, coder: .inspections, threshold: threshold)
        #expect(bytes.count == rows.count)
        #expect(bytes == decoded)
        #expect(bytes == memory)
        #expect(bytes.map(\.day) == rows.map(\.date.day) && bytes.allSatisfy { $0.participants == 0 })
    }

    @Test func theFiguresOfSpilledRowsEqualThoseOfRowsInMemory() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, rowThreshold: 2)
        let trainings = (0..<40).map { F.training("2026-10-\(String(format: "%02d", $0 % 31 + 1))", participants: $0 * 3,
                                                  group: $0 % 3 == 0 ? "V1-01" : nil, line: $0 + 2) }
        let inspections = (0..<40).map { F.inspection("2026-10-\(String(format: "%02d", $0 % 31 + 1))",
                                                      group: $0 % 4 == 0 ? "V1-01" : nil, line: $0 + 2) }
        var spilledT = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        var spilledI = AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
        for t in trainings { spilledT.append(t) }
        for i in inspections { spilledI.append(i) }
        var fast = Figures(), slow = Figures()
        spilledT.forEachRollUpFields { fast.countTraining($0) }
        spilledI.forEachRollUpFields { fast.countInspection($0) }
        for t in trainings { slow.count(t) }
        for i in inspections { slow.count(i) }
        #expect(fast == slow)
        #expect(fast.trainings == 40 && fast.trainingParticipants == (0..<40).reduce(0) { $0 + $1 * 3 })
        #expect(fast.inspectionsFirstHalf + fast.inspectionsSecondHalf == 40 && fast.inspectionsFirstHalf > 0)
    }

    @Test func registeredFoundDatesByBisectionAnswerAsTheDictionaryDid() {
        var r = SeededRandom(state: 7)
        // Ids that sort close together, differ in case, or are equal only canonically (é, e + U+0301).
        let pool = ["H1", "H10", "H2", "h1", "H-1", "H_1", "é", "e\u{301}", "Ｈ1", "隐患1", "隐患10", ""] + (0..<300).map { "H\($0 * 7)" }
        var ledger = HazardLedger()
        var expected: [String: Day] = [:]
        for month in 1...6 {
            let period = Period(year: 2026, month: month)!
            var rows: [HazardRow] = []
            var inFile = Set<String>()
            for _ in 0..<40 {
                let id = pool[Int(r.next() % UInt64(pool.count))]
                guard !id.isEmpty, inFile.insert(id).inserted else { continue }
                let found = Day(year: 2026, month: month, day: Int(r.next() % 28) + 1)!
                rows.append(HazardRow(line: rows.count + 2, hazardId: id, foundDate: found, groupCode: nil, category: .other,
                                      level: .general, description: "d", responsible: "r", deadline: found, status: .open,
                                      rectifiedDate: nil, escalated: false, escalatedTo: ""))
                if expected[id] == nil { expected[id] = found }
            }
            ledger.apply(period: period, owner: F.v1, rows: rows)
        }
        let known = ledger.knownFoundDates(owner: F.v1)
        #expect(known.dictionary == expected)
        #expect(known.count == expected.count && known.count > 100)
        for id in pool + ["H", "H100000", "隐患", "E\u{301}", "\u{E9}"] {
            #expect(known[id] == expected[id], "\(id)")
        }
        #expect(ledger.knownFoundDates(owner: F.v2).isEmpty && ledger.knownFoundDates(owner: F.v2)["H1"] == nil)
        #expect(KnownFoundDates(expected)["é"] == expected["é"])
    }
}
