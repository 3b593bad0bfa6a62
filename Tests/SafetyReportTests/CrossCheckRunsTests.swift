// The inspections cross-check summed run by run from the rows' dates and counts, against the row-by-row sums it replaced.
import Foundation
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

/// The cross-check as it was (every row made, its date hashed into two dictionaries), kept here as the reference.
private func reference(inspections: FileResult<InspectionRow>, hazards: FileResult<HazardRow>, newIds: Set<String>,
                       _ ctx: ValidationContext) -> [ValidationIssue] {
    guard inspections.state == .read, hazards.state == .read else { return [] }
    var registered: [Day: Int] = [:]
    for h in hazards.rows where newIds.contains(h.hazardId) { registered[h.foundDate, default: 0] += 1 }
    var reported: [Day: Int] = [:], inspectionsOn: [Day: Int] = [:]
    for r in inspections.rows {
        reported[r.date, default: 0] += r.hazardsFound
        inspectionsOn[r.date, default: 0] += 1
    }
    var out: [ValidationIssue] = []
    for r in inspections.rows {
        let sum = reported[r.date]!, count = registered[r.date] ?? 0
        guard sum != count else { continue }
        let total = inspectionsOn[r.date]! > 1 ? "当日 \(inspectionsOn[r.date]!) 次排查合计发现隐患 \(sum) 处" : "发现隐患 \(sum) 处"
        out.append(ValidationIssue(.warning, period: ctx.period, folder: ctx.folder, file: inspections.fileName,
                                   line: r.line, column: "hazards_found", value: r.hazardsFoundText,
                                   rule: "inspection.hazards_found_mismatch",
                                   message: "\(r.date) 的排查记录\(total)，但隐患整改台账中发现日期为 \(r.date) 的新登记隐患有 \(count) 条，请核对两表是否一致。"))
    }
    return out
}

@Suite struct CrossCheckRunsTests {
    /// Inspections in date order, shuffled, and in runs that come back to a date; hazards new and updates; lists in
    /// memory and spilled (every row, every 7 rows, never); with every date agreeing and with some not: the same
    /// warnings, in the same order, as the reference; and `forEachDateAndHazardsFound` gives each row's date and
    /// count in order either way.
    @Test func runsGiveTheReferenceWarnings() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var random = SeededRandom(state: 0xc0c4)
        func next(_ k: Int) -> Int { Int(random.next() % UInt64(k)) }
        var checked = 0, warned = 0
        for round in 0..<60 {
            let days = (1...(1 + next(6))).map { _ in Day(year: 2026, month: 10, day: 1 + next(31))! }
            var rows: [InspectionRow] = (0..<(1 + next(120))).map { i in
                let found = next(4) == 0 ? next(3) : 0
                return InspectionRow(line: i + 2, date: days[next(days.count)], groupCode: next(3) == 0 ? "V1-01" : nil,
                                     inspector: ["张三", "李四🔥", ""][next(3)], scope: ["", "全村", "a,\"b\""][next(3)],
                                     hazardsFound: found, hazardsFoundText: next(2) == 0 ? "\(found)" : " \(found) ")
            }
            switch round % 3 {
            case 0: rows.sort { ($0.date, $0.line) < ($1.date, $1.line) }  // a clerk's order: runs of one date
            case 1: break  // shuffled
            default: rows.sort { ($0.date.day % 3, $0.line) < ($1.date.day % 3, $1.line) }  // runs coming back to a date
            }
            // Hazards registered to agree with every date's sum, then, every other round, one date put off by one.
            var sums: [Day: Int] = [:]
            for r in rows { sums[r.date, default: 0] += r.hazardsFound }
            var hazards: [HazardRow] = []
            var newIds: Set<String> = ["OLD"]
            hazards.append(ComputationFixtures.hazard("OLD", found: "2026-10-01", deadline: "2026-10-31"))
            for (day, sum) in sums.sorted(by: { $0.key < $1.key }) {
                var count = sum
                if round % 2 == 1, day == rows[0].date { count += next(2) == 0 ? 1 : (count > 0 ? -1 : 2) }
                for k in 0..<count {
                    let id = "H\(day.day)-\(k)"
                    newIds.insert(id)
                    hazards.append(HazardRow(line: 2, hazardId: id, foundDate: day, category: .other, level: .general,
                                             description: "x", responsible: "y", deadline: day, status: .open))
                }
            }
            let hazardFile = FileResult<HazardRow>(fileName: "hazards.csv", state: .read, rowsRead: hazards.count,
                                                   rows: AcceptedRows(hazards))
            for threshold in [0, 1, 7] {
                let spill = IssueSpill(directory: dir, rowThreshold: Swift.max(threshold, 1))
                var list = threshold == 0 ? AcceptedRows<InspectionRow>(rows) : AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
                if threshold > 0 { for r in rows { list.append(draft: InspectionDraft(r)) } }
                var seen: [(Day, Int)] = []
                list.forEachDateAndHazardsFound { seen.append(($0, $1)) }
                #expect(seen.map(\.0) == rows.map(\.date) && seen.map(\.1) == rows.map(\.hazardsFound))
                let file = FileResult<InspectionRow>(fileName: "inspections.csv", state: .read, rowsRead: rows.count, rows: list)
                let expected = reference(inspections: file, hazards: hazardFile, newIds: newIds, context)
                let got = Validator.crossCheck(inspections: file, hazards: hazardFile, newIds: newIds, context)
                #expect(got == expected, "round \(round), threshold \(threshold)")
                #expect(spill.failure == nil)
                checked += 1
                warned += expected.isEmpty ? 0 : 1
            }
        }
        // Both outcomes were compared: every date agreeing (no row walked again) and some not.
        #expect(checked == 180 && warned > 20 && warned < 160, "\(warned)")
    }
}

/// An accepted inspection handed to the list from its fields (`Validator.inspectionDraft(_:into:)`,
/// `takeInspection`) is what the draft path appends: the same rows, bytes and issues, spilled or in memory.
@Suite struct InspectionFieldsTests {
    @Test func fieldsAppendWhatTheDraftAppends() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = FileKind.inspections.schema.columns.map(\.key)
        let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
        let frame = RowCells.Frame(mapping: mapping, schema: FileKind.inspections.schema, context: context,
                                   fileName: "inspections.csv", byteLevel: true)
        let dates = ["2026-10-05", " 2026/10/5 ", "2026年10月5日", "2026-02-30", "", "昨天", "2026-09-30", "２０２６－１０－０５"]
        let groups = ["", "V1-01", " V1-01 ", "G99", "Ｖ1-01"]
        let texts = ["张三", "", " 李四🔥 ", "\u{3000}王五\u{3000}", "a,\"b\"", String(repeating: "长", count: 300)]
        let counts = ["0", "3", " ２ ", "-1", "1,234", "x", ""]
        var random = SeededRandom(state: 0x15e)
        func pick(_ list: [String]) -> String { list[Int(random.next() % UInt64(list.count))] }
        for threshold in [0, 1, 5] {
            let spill = IssueSpill(directory: dir, rowThreshold: Swift.max(threshold, 1))
            var fast = threshold == 0 ? AcceptedRows<InspectionRow>([InspectionRow]()) : AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
            var slow = threshold == 0 ? AcceptedRows<InspectionRow>([InspectionRow]()) : AcceptedRows<InspectionRow>(spill: spill, coder: .inspections)
            var accepted = 0
            for line in 2..<400 {
                // Every other row plain and valid but for its texts, so both outcomes come up often.
                let fields = line % 2 == 0 ? ["2026-10-0\(line % 9 + 1)", "", pick(texts), pick(texts), "\(line % 4)"]
                    : [pick(dates), pick(groups), pick(texts), pick(texts), pick(counts)]
                RawRecords([RawRecord(line: line, fields: fields)]).withRecordBytes(0) { record in
                    var a = RowCells(record: record, frame: frame), b = RowCells(record: record, frame: frame)
                    let before = fast.count
                    Validator.inspectionDraft(&a, into: &fast)
                    if let draft = Validator.inspectionDraft(&b) { slow.append(draft: draft) }
                    #expect(a.issues == b.issues, "\(fields)")
                    accepted += fast.count - before
                }
            }
            #expect(accepted > 20 && accepted < 398)
            #expect(fast.count == slow.count && Array(fast) == Array(slow))
            #expect(Array(fast.storage.pending) == Array(slow.storage.pending) && fast.storage.pendingRows == slow.storage.pendingRows)
            #expect(spill.failure == nil)
        }
    }
}
