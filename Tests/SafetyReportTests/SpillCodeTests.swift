// The spill's codes for a training's form and audience, by switch, against their places in `allCases`; and a spilling
// list's pending chunk written in place, against the coders' bytes.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct SpillCodeTests {
    /// Each form's and audience's code is its place in `allCases` (the code before the switches, which the
    /// spill files written so far hold), and each code gives back its case; codes past either end give none.
    @Test func codesAreThePlacesInAllCases() {
        for (k, form) in TrainingForm.allCases.enumerated() {
            #expect(form.ordinal == TrainingForm.allCases.firstIndex(of: form))
            #expect(form.ordinal == k)
            #expect(TrainingForm(ordinal: k) == form)
        }
        for (k, audience) in Audience.allCases.enumerated() {
            #expect(audience.ordinal == Audience.allCases.firstIndex(of: audience))
            #expect(audience.ordinal == k)
            #expect(Audience(ordinal: k) == audience)
        }
        #expect(Set(TrainingForm.allCases.map(\.ordinal)).count == TrainingForm.allCases.count)
        #expect(Set(Audience.allCases.map(\.ordinal)).count == Audience.allCases.count)
        for bad in [-1, TrainingForm.allCases.count, 255] { #expect(TrainingForm(ordinal: bad) == nil) }
        for bad in [-1, Audience.allCases.count, 255] { #expect(Audience(ordinal: bad) == nil) }
    }

    /// A training row of every form and audience (none included) comes back from the spill's coder as it went
    /// in, with its form and audience bytes where the decoder reads them.
    @Test func everyFormAndAudienceRoundTripsThroughTheCoder() throws {
        let audiences: [Audience?] = [nil] + Audience.allCases.map { $0 }
        var bytes: [UInt8] = []
        var rows: [TrainingRow] = []
        for (k, form) in TrainingForm.allCases.enumerated() {
            for (a, audience) in audiences.enumerated() {
                let row = TrainingRow(line: 2 + k * 7 + a, date: try #require(Day(year: 2026, month: 10, day: 1 + a)),
                                      groupCode: a % 2 == 0 ? nil : "G0\(a)", form: form, theme: "主题\(k)",
                                      audience: audience, participants: k * 10 + a, hours: a == 3 ? 1.5 : nil,
                                      materials: a == 4 ? 20 : nil)
                let start = bytes.count
                RowCoder.trainings.encode(row, &bytes)
                // The row ends with the form's code, then the audience's plus one (0 for none).
                #expect(bytes[bytes.count - 2] == UInt8(k))
                #expect(bytes[bytes.count - 1] == UInt8(a))
                #expect(bytes.count > start)
                rows.append(row)
            }
        }
        var p = 0
        for row in rows { #expect(RowCoder.trainings.decode(bytes, &p) == row) }
        #expect(p == bytes.count)
    }
}

/// A spilling list's pending chunk is written in place by the row writers (`Storage.writePending`); before, it was
/// an array appended to. The lists fed the fast ways (`takeTraining` from the fields, `append(draft:)`, lent bytes
/// and owned Strings mixed) must hold exactly what lists fed row by row through the coders hold.
@Suite struct PendingBytesTests {
    typealias F = ComputationFixtures

    static func trainings(_ n: Int, seed: UInt64) -> [TrainingRow] {
        var random = SeededRandom(state: seed)
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        let themes = ["x", "", "安全用电进万家", "👩‍🚒 e\u{301} \"q\",\r\n=1", String(repeating: "消防🔥", count: 700)]
        return (0..<n).map { i in
            TrainingRow(line: i + 2, date: F.day("2026-10-\(next(28) + 1)"), groupCode: next(3) == 0 ? nil : "G\(next(30))",
                        form: TrainingForm.allCases[next(TrainingForm.allCases.count)], theme: themes[next(themes.count)],
                        audience: next(5) == 0 ? nil : Audience.allCases[next(Audience.allCases.count)],
                        participants: next(3) == 0 ? Int.max - next(9) : next(100_000),
                        hours: next(2) == 0 ? nil : Double(next(100)) / 8, materials: next(2) == 0 ? nil : next(1_000_000))
        }
    }

    /// The bytes the coder writes for `rows`, one after the other.
    static func coded<Row>(_ rows: [Row], _ coder: RowCoder<Row>) -> [UInt8] {
        var out: [UInt8] = []
        for r in rows { coder.encode(r, &out) }
        return out
    }

    @Test(arguments: [1, 3, 64, 1_000_000])
    func trainingsWrittenInPlaceAreTheCodersBytes(threshold: Int) throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Self.trainings(700, seed: 0x9e7 &+ UInt64(threshold))
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        var fast = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        var slow = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        for (i, r) in rows.enumerated() {
            slow.append(r)
            // Lent bytes, an owned String, and a whole draft, in turn.
            var theme = r.theme
            theme.withUTF8 { bytes in
                switch i % 3 {
                case 0: fast.takeTraining(line: r.line, participants: r.participants, groupCode: r.groupCode, theme: .bytes(bytes),
                                          hours: r.hours, materials: r.materials, date: r.date, form: r.form, audience: r.audience)
                case 1: fast.takeTraining(line: r.line, participants: r.participants, groupCode: r.groupCode, theme: .string(r.theme),
                                          hours: r.hours, materials: r.materials, date: r.date, form: r.form, audience: r.audience)
                default: fast.append(draft: TrainingDraft(r))
                }
            }
        }
        #expect(spill.failure == nil)
        #expect(fast.count == rows.count && Array(fast) == rows && Array(slow) == rows)
        #expect(Array(fast.storage.pending) == Array(slow.storage.pending))
        #expect(fast.storage.pendingRows == slow.storage.pendingRows)
        #expect(fast.storage.segments.map(\.bytes) == slow.storage.segments.map(\.bytes))
        // The pending chunk holds the coder's bytes of the rows not yet written.
        let unwritten = Array(rows.suffix(fast.storage.pendingRows))
        #expect(Array(fast.storage.pending) == Self.coded(unwritten, .trainings))
        var fields: [RollUpFields] = []
        fast.forEachRollUpFields { fields.append($0) }
        #expect(fields == rows.map(\.rollUpFields))
        // A copy appended to (its pending bytes copied) leaves the original as it was.
        var copy = fast
        copy.takeTraining(line: 1, participants: 1, groupCode: nil, theme: .string("新"), hours: nil, materials: nil,
                          date: F.day("2026-10-01"), form: .drill, audience: nil)
        #expect(Array(fast) == rows && Array(copy).count == rows.count + 1 && Array(copy).prefix(rows.count).elementsEqual(rows))
    }

    @Test(arguments: [1, 5, 1_000_000])
    func inspectionsWrittenInPlaceAreTheCodersBytes(threshold: Int) throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var random = SeededRandom(state: 0x1a5 &+ UInt64(threshold))
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        let names = ["张三", "", "李四🔥", String(repeating: "王", count: 3_000), "a,\"b\"\n"]
        let rows = (0..<500).map { i in
            InspectionRow(line: i + 2, date: F.day("2026-10-\(next(28) + 1)"), groupCode: next(2) == 0 ? nil : "V1-0\(next(9))",
                          inspector: names[next(names.count)], scope: names[next(names.count)], hazardsFound: next(50),
                          hazardsFoundText: ["0", "１２", "1,234", "7"][next(4)])
        }
        let spill = IssueSpill(directory: dir, rowThreshold: threshold)
        var fast = AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
        var slow = AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
        for r in rows { fast.append(draft: InspectionDraft(r)); slow.append(r) }
        #expect(spill.failure == nil)
        #expect(Array(fast) == rows && Array(slow) == rows)
        #expect(Array(fast.storage.pending) == Self.coded(Array(rows.suffix(fast.storage.pendingRows)), .inspections))
        #expect(Array(fast.storage.pending) == Array(slow.storage.pending))
    }
}
