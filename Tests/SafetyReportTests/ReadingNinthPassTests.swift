// The ninth reading pass's fast paths against the ways they replace: the lent loop's field ends kept in locals (records
// wider than the ends' first room, so it grows inside the loop), the roll-up's varint and date skips against the
// full readers, the record's blank check by its first byte, and rows appended
// through the borrowed storage while copies of the list share it.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ReadingNinthPassTests {
    /// Wide records (1–90 unquoted fields, past the field ends' first 16 and their doublings, a narrow record between
    /// wide ones, now and then a quoted field): the lent loop grows the ends from its locals and writes the count back
    /// before the record is lent or copied; records and failures equal the whole-text parser's, whole and in pieces.
    @Test func wideRecordsParseAsTheWholeTextParserDoes() {
        var random = SeededRandom(state: 0x9a55)
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        let cells = ["", "x", "2026-10-3", "培训", "1", "安全用电", "🔥"]
        let narrowColumns = ReadLimits(maxFileBytes: 1 << 20, maxColumns: 40)
        var sawTooMany = false, widest = 0
        for round in 0..<60 {
            var text = ""
            for _ in 0..<(1 + next(6)) {
                let width = next(3) == 0 ? 1 + next(3) : 1 + next(90)
                widest = Swift.max(widest, width)
                let fields = (0..<width).map { _ in next(25) == 0 ? "\"q,\"\"\"" : cells[next(cells.count)] }
                text += fields.joined(separator: ",") + ["\n", "\r\n", "\r"][next(3)]
            }
            let bytes = Array(text.utf8)
            for limits in [ReadLimits.standard, narrowColumns] {
                let expected = parsedWhole(bytes, .comma, limits)
                if case .tooManyColumns? = expected.failure { sawTooMany = true }
                for piece in [0, 1, 7, 64, 300] {
                    #expect(parsedInPieces(bytes, .comma, limits, piece: piece) == expected, "round \(round), pieces of \(piece)")
                }
            }
        }
        #expect(widest > 64 && sawTooMany)
    }

    /// `skipVarint` and `readDayOfMonth` move as `readVarint` and `readDay` do and give the day's day of the month;
    /// `readOptionalStringOrNil` gives `readOptionalString`'s answer and position.
    @Test func theRollUpsSkipsReadAsTheFullReaders() {
        var random = SeededRandom(state: 0x5c1)
        var bytes: [UInt8] = []
        var values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, UInt64.max, UInt64(Int.max)]
        for _ in 0..<200 { values.append(random.next() >> (random.next() % 64)) }
        var days: [Day] = []
        for year in [1900, 2025, 2026, 9999] {
            for month in 1...12 { days.append(Day(year: year, month: month, day: Day.daysIn(year: year, month: month))!) }
            days.append(Day(year: year, month: 2, day: 1)!)
        }
        let strings: [String?] = [nil, "", "V1-01", "330683105201-01", "组１", String(repeating: "g", count: 200)]
        RowCoding.write(&bytes, room: 16_000) { w in
            for v in values { w.varint(v) }
            for d in days { w.day(d) }
        }
        for s in strings {
            if var s { s.withUTF8 { b in RowCoding.write(&bytes, room: b.count + 10) { $0.optionalBytes(b) } } }
            else { RowCoding.write(&bytes, room: 1) { $0.byte(0) } }
        }
        bytes.withUnsafeBufferPointer { b in
            var p = 0, q = 0
            for v in values {
                #expect(RowCoding.readVarint(b, &p) == v)
                RowCoding.skipVarint(b, &q)
                #expect(p == q)
            }
            for d in days {
                #expect(RowCoding.readDay(b, &p) == d)
                #expect(RowCoding.readDayOfMonth(b, &q) == d.day)
                #expect(p == q)
            }
            for s in strings {
                var r = p
                #expect(RowCoding.readOptionalString(b, &p) == s)
                #expect(RowCoding.readOptionalStringOrNil(b, &r) == s)
                #expect(p == r)
            }
            #expect(p == b.count)
        }
    }

    /// `isBlank`'s first-byte answer against every cell checked (`everyCellBlank`) on records of cell spaces, near
    /// misses (E3 or EF or C2 not followed by a space's bytes), empty cells, Chinese, digits and letters, lent with
    /// separators between fields and packed back to back.
    @Test func isBlankAnswersAsEveryCellChecked() {
        var random = SeededRandom(state: 0xb1a)
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        let cells = ["", " ", "\t", "\u{3000}", "\u{FEFF}", "\u{00A0}", "\r", "\n", "\r\n", " \u{3000} ", "x", "1", "培训",
                     "\u{3001}", "\u{FEFE}", "\u{00A1}", "ｘ", " x", "\u{3000}a", "\u{00A0}\u{00A0}", "2026-10-3", "\r\n "]
        var blanks = 0, decidedFirst = 0
        for _ in 0..<3_000 {
            let fields = (0..<(1 + next(5))).map { _ in cells[next(cells.count)] }
            let expected = RawRecord(line: 1, fields: fields).isBlank
            for gap in [0, 1] {
                var text: [UInt8] = [], ends: [UInt32] = []
                for (k, f) in fields.enumerated() {
                    if k > 0 && gap == 1 { text.append(0x2C) }
                    text += Array(f.utf8); ends.append(UInt32(text.count))
                }
                text.withUnsafeBufferPointer { t in
                    ends.withUnsafeBufferPointer { e in
                        let r = RecordBytes(line: 1, text: t, ends: e, firstStart: 0, gap: gap)
                        #expect(r.isBlank == expected, "\(fields)")
                        #expect(r.everyCellBlank == expected, "\(fields)")
                        if let b = r.field(0).first, !RecordBytes.mayStartCellSpace(b) { decidedFirst += 1 }
                    }
                }
            }
            if expected { blanks += 1 }
        }
        #expect(blanks > 100 && decidedFirst > 1_000)
    }

    /// Rows taken through the borrowed storage, with copies of the list made between them (so the storage is copied
    /// first, and the copies keep their rows): every list reads back the rows it was given, spilled and in memory.
    @Test(arguments: [1, 3, 4_096])
    func rowsTakenWhileCopiesShareTheStorageStayTheirLists(threshold: Int) throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        let rows = RollUpFastPathTests.trainings(300, seed: UInt64(threshold))
        func take(_ list: inout AcceptedRows<TrainingRow>, _ r: TrainingRow) {
            var theme = r.theme
            theme.withUTF8 { t in
                list.takeTraining(line: r.line, participants: r.participants, groupCode: r.groupCode, theme: .bytes(t),
                                  hours: r.hours, materials: r.materials, date: r.date, form: r.form, audience: r.audience)
            }
        }
        var list = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        var copies: [(AcceptedRows<TrainingRow>, Int)] = []
        for (k, r) in rows.enumerated() {
            if k % 37 == 0 { copies.append((list, k)) }
            take(&list, r)
        }
        #expect(Array(list) == rows)
        for (copy, n) in copies { #expect(Array(copy) == Array(rows.prefix(n))) }
        var inMemory = AcceptedRows<TrainingRow>(spill: nil, coder: nil)
        for r in rows { take(&inMemory, r) }
        #expect(inMemory.elements == rows)
        #expect(spill.failure == nil)
    }
}
