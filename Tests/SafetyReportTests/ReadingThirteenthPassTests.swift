// The thirteenth session's reading pass: the roll-up's counts taken in the walk of the spilled rows
// (`AcceptedRows.forEachRollUp`), and the UTF-8 check staying in a run of three-byte sequences, held to the ways
// they replace (`forEachRollUpFields` with the per-row counts; the whole-text check `TextDecoding.firstInvalidUTF8`).
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ReadingThirteenthPassTests {
    /// The tally and the grouped rows of a list, and what the per-row roll-up gives for the same rows: every row's
    /// fields counted in order, and the fields of the rows with a group code, in order.
    static func bothWays<Row: RollUpReadable & Sendable & Equatable>(_ list: AcceptedRows<Row>)
        -> (tally: RollUpTally, grouped: [RollUpFields], expectedTally: RollUpTally, expectedGrouped: [RollUpFields]) {
        var tally = RollUpTally()
        var grouped: [RollUpFields] = []
        list.forEachRollUp(&tally) { grouped.append($0) }
        var expected = RollUpTally()
        var expectedGrouped: [RollUpFields] = []
        list.forEachRollUpFields { f in
            expected.rows += 1
            expected.participants = expected.participants.saturatingAdding(f.participants)
            if f.day <= 15 { expected.firstHalf += 1 }
            if f.groupCode != nil { expectedGrouped.append(f) }
        }
        return (tally, grouped, expected, expectedGrouped)
    }

    @Test(arguments: [1, 3, 1_000])
    func trainingsTallyAsTheirFieldsCountedRowByRow(threshold: Int) throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Random rows: every kind of group code (none, empty, long, full-width), participants of both signs and at
        // the ends of Int (the saturating sum must be taken in the same order), hours and materials or not.
        let rows = RollUpFastPathTests.trainings(3_000, seed: 13 + UInt64(threshold))
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        var spilled = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        for row in rows { spilled.append(row) }
        #expect(spilled.spills && spill.failure == nil)
        for list in [spilled, AcceptedRows(rows)] {
            let (tally, grouped, expectedTally, expectedGrouped) = Self.bothWays(list)
            #expect(tally == expectedTally)
            #expect(grouped == expectedGrouped)
            #expect(tally.rows == rows.count && grouped.count == rows.filter { $0.groupCode != nil }.count)
        }
    }

    @Test(arguments: [1, 4, 1_000])
    func inspectionsTallyAsTheirFieldsCountedRowByRow(threshold: Int) throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = RollUpFastPathTests.inspections(3_000, seed: 130 + UInt64(threshold))
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        var spilled = AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
        for row in rows { spilled.append(row) }
        #expect(spilled.spills && spill.failure == nil)
        for list in [spilled, AcceptedRows(rows)] {
            let (tally, grouped, expectedTally, expectedGrouped) = Self.bothWays(list)
            #expect(tally == expectedTally)
            #expect(grouped == expectedGrouped)
            #expect(tally.firstHalf == rows.filter { $0.date.day <= 15 }.count && tally.participants == 0)
        }
    }

    /// The figures the roll-up makes from the tally are those of counting each row, for a village with groups: rows
    /// with and without group codes, dates in both halves, spilled and in memory.
    @Test func figuresFromTheTallyAreThoseOfRowByRowCounts() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, rowThreshold: 3)
        let trainings = (0..<50).map { ComputationFixtures.training("2026-10-\(String(format: "%02d", $0 % 31 + 1))",
                                                                    participants: $0 * 7, group: $0 % 4 == 0 ? "V1-01" : nil, line: $0 + 2) }
        let inspections = (0..<50).map { ComputationFixtures.inspection("2026-10-\(String(format: "%02d", $0 % 31 + 1))",
                                                                        group: $0 % 5 == 0 ? "V1-01" : nil, line: $0 + 2) }
        var spilledT = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        var spilledI = AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
        for t in trainings { spilledT.append(t) }
        for i in inspections { spilledI.append(i) }
        for (t, i) in [(spilledT, spilledI), (AcceptedRows(trainings), AcceptedRows(inspections))] {
            var fast = Figures(), slow = Figures()
            var group = Figures(), slowGroup = Figures()
            var tt = RollUpTally(), ti = RollUpTally()
            t.forEachRollUp(&tt) { group.countTraining($0) }
            i.forEachRollUp(&ti) { group.countInspection($0) }
            fast.countTrainings(tt)
            fast.countInspections(ti)
            for r in trainings { slow.count(r); if r.groupCode != nil { slowGroup.count(r) } }
            for r in inspections { slow.count(r); if r.groupCode != nil { slowGroup.count(r) } }
            #expect(fast == slow)
            #expect(group == slowGroup)
            #expect(fast.trainings == 50 && fast.inspectionsFirstHalf > 0 && fast.inspectionsSecondHalf > 0)
            #expect(group.trainings == 13 && group.inspections == 10)
        }
    }

    /// `isCommonThreeByteSequence` against the table's rule for every lead and continuation pair around the bounds.
    @Test func commonThreeByteSequencesAreExactlyTheTablesOnes() {
        let around: [UInt8] = [0x00, 0x3F, 0x40, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xDF, 0xE0, 0xEF, 0xF0, 0xFF]
        for lead in 0...255 {
            for b1 in around {
                for b2 in around {
                    for b3 in [UInt8(0x41), 0xE5, 0x80] {
                        let w = UInt32(lead) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
                        let bytes: [UInt8] = [UInt8(lead), b1, b2]
                        // Table 3-7: a lead E1–EC, EE or EF and two continuations is a valid sequence of three bytes.
                        let expected = ((0xE1...0xEC).contains(lead) || lead == 0xEE || lead == 0xEF)
                            && TextDecoding.firstInvalidUTF8(bytes) == nil
                        #expect(UTF8Validator.isCommonThreeByteSequence(w) == expected, "\(bytes)")
                    }
                }
            }
        }
    }

    /// Runs of Chinese characters with one byte spoiled at every offset (a continuation made ASCII, a lead, C0, or
    /// cut short; an E0 or ED lead with a second byte just inside and outside its range), between ASCII runs of every
    /// length: the streamed check finds the first ill-formed byte where the whole-text check does, for pieces of every
    /// size from 1 to 9 and whole.
    @Test func utf8RunsOfThreeByteSequencesAreCheckedExactly() {
        let run = Array("安全生产月报排查隐患整改".utf8)   // 12 three-byte sequences (36 bytes)
        let spoilers: [UInt8] = [0x41, 0x0A, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xE5, 0xED, 0xEF, 0xF0, 0xF4, 0xFF]
        let odd: [[UInt8]] = [[0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
                              [0xEF, 0xBF, 0xBD], [0xF0, 0x9F, 0x98, 0x80], [0xC3, 0xA9], [0xE5, 0xAE]]
        var checked = 0
        for prefix in 0..<9 {
            let ascii = Array(repeating: UInt8(0x61), count: prefix)
            var texts: [[UInt8]] = [ascii + run, ascii + run + ascii, run + [0x2C] + run]
            for at in 0..<run.count {
                for s in spoilers { var t = run; t[at] = s; texts.append(ascii + t + Array("x,1\n".utf8)) }
                texts.append(ascii + Array(run[..<at]))   // cut short (the end of the text)
            }
            for o in odd {
                for at in stride(from: 0, through: run.count, by: 3) {
                    texts.append(ascii + Array(run[..<at]) + o + Array(run[at...]))
                }
            }
            for text in texts {
                let expected = TextDecoding.firstInvalidUTF8(text)
                for piece in [1, 2, 3, 4, 5, 7, 8, 9, text.count + 1] {
                    #expect(firstInvalidUTF8(text, inPiecesOf: piece) == expected, "\(text), pieces of \(piece)")
                    checked += 1
                }
            }
        }
        #expect(checked > 30_000)
    }

    /// The plain paths' column places are the schemas' places of those keys.
    @Test func columnPlacesAreTheSchemasOnes() {
        let t = FileKind.trainings.schema.columns.map(\.key)
        typealias T = TrainingColumn
        #expect([t[T.activityDate], t[T.groupCode], t[T.form], t[T.theme], t[T.audience], t[T.participants], t[T.hours], t[T.materials]]
                == ["activity_date", "group_code", "form", "theme", "audience", "participants", "hours", "materials"])
        let i = FileKind.inspections.schema.columns.map(\.key)
        typealias I = InspectionColumn
        #expect([i[I.inspectionDate], i[I.groupCode], i[I.inspector], i[I.scope], i[I.hazardsFound]]
                == ["inspection_date", "group_code", "inspector", "scope", "hazards_found"])
    }

    /// `bytes(column:)` gives what `bytes(key)` gives for every column of every schema, for headers in several orders
    /// with columns missing, and rows shorter and longer than the header (by position and by mapping).
    @Test func cellsByPlaceAreCellsByKey() {
        var random = SeededRandom(state: 0x13)
        var compared = 0
        for kind in FileKind.allCases {
            let keys = kind.schema.columns.map(\.key)
            for round in 0..<40 {
                // A header of some of the keys, shuffled, maybe with an unknown column in it.
                var header = keys.filter { _ in random.next() % 4 != 0 }
                header.shuffle(using: &random)
                if round % 3 == 0 { header.insert("x_unknown", at: Int(random.next() % UInt64(header.count + 1))) }
                let found = keys.map { header.firstIndex(of: $0) ?? -1 }
                let frame = RowCells.Frame(found: found, schema: kind.schema, context: ByteCellFixture.context, fileName: kind.fileName)
                for width in 0...(header.count + 2) {
                    let fields = (0..<width).map { "c\($0)-\(round)" }
                    RawRecords([RawRecord(line: 3, fields: fields)]).withRecordBytes(0) { record in
                        let cells = RowCells(record: record, frame: frame)
                        for (c, key) in keys.enumerated() {
                            #expect(Array(cells.bytes(column: c)) == Array(cells.bytes(key)), "\(kind) \(header) \(width) \(key)")
                            compared += 1
                        }
                    }
                }
            }
        }
        #expect(compared > 1_000)
    }

    /// The unrolled varint of up to three bytes writes what the checked writer's loop writes, around every byte
    /// count's bounds and for random values, and the reader reads each back.
    @Test func uncheckedVarintsAreTheCheckedOnes() {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 0x81, 0x3FFF, 0x4000, 0x4001, 0x1F_FFFF, 0x20_0000, 0x20_0001,
                                0xFFF_FFFF, 0x1000_0000, UInt64(Int.max), UInt64.max, UInt64.max - 1]
        var random = SeededRandom(state: 0x713)
        for _ in 0..<2_000 { values.append(random.next() >> (random.next() % 64)) }
        for v in values {
            func written(_ body: (inout RowCoding.ByteCursor) -> Void) -> [UInt8] {
                var out: [UInt8] = []
                out.write(room: 16, body)
                return out
            }
            let checked = written { $0.varint(v) }
            let unchecked = written { $0.uncheckedVarint(v) }
            #expect(unchecked == checked, "\(v)")
            unchecked.withUnsafeBufferPointer { b in
                var p = 0
                #expect(RowCoding.readVarint(b, &p) == v && p == b.count, "\(v)")
                p = 0
                RowCoding.skipVarint(b, &p)
                #expect(p == b.count)
            }
        }
    }
}
