// Rows encoded straight from the cell bytes (TrainingDraft, InspectionDraft, RowCells.textCell) against the String path and the row coders.
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

/// Pieces of text cells: every cell space, CR LF, combining marks after a space, Chinese whose UTF-8 ends
/// in 0x80 (一) or starts with E3 (「), quotes, emoji, and plain ASCII.
private let textPieces: [String] = [
    "x", "a b", " ", "\t", "\r\n", "\r", "\n", "\u{3000}", "\u{FEFF}", "\u{00A0}", "\u{0301}", "一", "「", "」", "安全用电",
    "\"", ",", "🔥", "👩‍🚒", "e\u{301}", "Ｇ", "=1+2", "\u{2028}", "\u{00C2}", "\u{2000}",
]

private struct Generator {
    var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(state: seed) }
    mutating func next(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    mutating func pick(_ list: [String]) -> String { list[next(list.count)] }
    mutating func text() -> String { (0..<next(6)).map { _ in pick(textPieces) }.joined() }
}

/// A record of `fields` lent as bytes, the way the reader lends it.
private func withRecord<R>(_ fields: [String], _ body: (RecordBytes) -> R) -> R {
    RawRecords([RawRecord(line: 7, fields: fields)]).withRecordBytes(0, body)
}

private func frame(_ kind: FileKind, byteLevel: Bool) -> RowCells.Frame {
    let keys = kind.schema.columns.map(\.key)
    let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
    return RowCells.Frame(mapping: mapping, schema: kind.schema, context: context, fileName: kind.fileName, byteLevel: byteLevel)
}

/// Validates `fields` as a `kind` row on the byte path and on the String path: the issues and rows must be equal,
/// and the byte path's draft must encode into exactly the bytes `coder` writes for the String path's row, which
/// decode back to it. True when the row was accepted.
private func bothPathsAgree<D: RowDraft>(_ kind: FileKind, _ fields: [String], coder: RowCoder<D.Row>,
                                         draft: (inout RowCells) -> D?) -> Bool where D.Row: Equatable {
    withRecord(fields) { record in
        var fast = RowCells(record: record, frame: frame(kind, byteLevel: true))
        var slow = RowCells(record: record, frame: frame(kind, byteLevel: false))
        let a = draft(&fast), b = draft(&slow)
        #expect(fast.issues == slow.issues, "\(fields)")
        #expect(a?.row == b?.row, "\(fields)")
        guard let a, let b else { return false }
        var encoded: [UInt8] = [], expected: [UInt8] = []
        a.encode(&encoded)
        coder.encode(b.row, &expected)
        #expect(encoded == expected, "\(fields)")
        var p = 0
        #expect(coder.decode(encoded, &p) == b.row && p == encoded.count, "\(fields)")
        return true
    }
}

@Suite struct RowDraftTests {
    /// `textCell` and `requiredTextCell` give what `text` and `requiredText` give, issues included, on every
    /// piece alone and on random joins of them; and the byte path is taken for plain cells.
    @Test func textCellsAreTheTrimmedText() {
        var g = Generator(seed: 0x7e47)
        let cells = [""] + textPieces + textPieces.flatMap { p in [" \(p) ", "\u{3000}\(p)", "\(p)\u{00A0}", "x\(p)", "\(p)x"] }
            + (0..<3000).map { _ in g.text() }
        let f = frame(.trainings, byteLevel: true)
        var mismatches: [String] = []
        for cell in cells {
            withRecord(["", "", "", cell]) { record in
                var c = RowCells(record: record, frame: f)
                var d = RowCells(record: record, frame: f)
                let slow = c.requiredText("theme"), fast = d.requiredTextCell("theme")
                if c.textCell("theme").string != c.text("theme") || fast?.string != slow || c.issues != d.issues {
                    mismatches.append(cell)
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.debugDescription))")
        withRecord(["", "", "", "安全用电一", "", ""]) { record in
            let c = RowCells(record: record, frame: f)
            #expect(c.textCell("theme").isLent, "a plain Chinese cell took the String path")
            #expect(c.textCell("audience").isLent, "an empty cell took the String path")
        }
    }

    /// Random training rows: the draft from the bytes makes the row, and the issues, that the String path
    /// makes, and encodes into exactly the bytes the row coder writes for that row, which decode back to it.
    @Test func trainingDraftsEncodeAsTheStringPathsRows() {
        var g = Generator(seed: 0x7a1)
        let dates = ["2026-10-05", " 2026/10/5 ", "２０２６－１０－０５", "2026-11-01", "bad", ""]
        let groups = ["", "G01", " G01 ", "Ｇ０１", "330683105201-01", "G99", "a b"]
        let forms = ["培训", " training ", "讲座", "应急演练", "DRILL", ""]
        let audiences = ["", "居民", " students", "x", "其他"]
        let counts = ["3", "１２", "-1", "", "1,234", "99999", "x"]
        let hours = ["", "1.5", "x", "-2", "０．５"]
        var accepted = 0
        for _ in 0..<3000 {
            let fields = [g.pick(dates), g.pick(groups), g.pick(forms), g.text(), g.pick(audiences), g.pick(counts),
                          g.pick(hours), g.pick(counts)]
            if bothPathsAgree(.trainings, fields, coder: .trainings, draft: {
                Validator.trainingDraft(&$0, population: 2310)
            }) { accepted += 1 }
        }
        #expect(accepted > 100)
    }

    /// The same for inspection rows (inspector and scope from the bytes).
    @Test func inspectionDraftsEncodeAsTheStringPathsRows() {
        var g = Generator(seed: 0x1457)
        let dates = ["2026-10-05", "2026/10/31 0:00", "2026年10月5日", "2026-09-30", ""]
        let groups = ["", "G01", "\u{3000}G01", "G02"]
        let counts = ["0", "１２", "-1", "", "1,234", " 7 "]
        var accepted = 0
        for _ in 0..<3000 {
            let fields = [g.pick(dates), g.pick(groups), g.text(), g.text(), g.pick(counts)]
            if bothPathsAgree(.inspections, fields, coder: .inspections, draft: { Validator.inspectionDraft(&$0) }) {
                accepted += 1
            }
        }
        #expect(accepted > 100)
    }

    /// A row far larger than the scratch of a usual row (a 300 KB theme) is written whole.
    @Test func aLongThemeIsEncodedWhole() {
        let theme = String(repeating: "安全用电进万家🔥", count: 12_000)
        let row = TrainingRow(line: Int.max, date: Day(year: 2026, month: 10, day: 31)!, groupCode: String(repeating: "g", count: 40),
                              form: .drill, theme: theme, audience: .other, participants: Int.min, hours: -1e300, materials: Int.max)
        var out: [UInt8] = [1, 2, 3]
        TrainingDraft(row).encode(&out)
        var p = 3
        #expect(RowCoder.trainings.decode(out, &p) == row && p == out.count)
    }
}
