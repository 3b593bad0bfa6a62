// Shared by the submission fuzz targets: the validation contexts they use and the invariant that every row is accounted for.

@testable import SafetyReport

private let village = Village(code: "V1", name: "东湖村", population: 10,
                              groups: [Group(code: "V1-01", name: "一组")])
private let config = PipelineConfig(town: Town(code: "T1", name: "青石镇"), villages: [village],
                                    keyUnits: [KeyUnit(code: "KU1", name: "青石化工", village: "V1")])
/// A village's folder and the town's own: the rules differ (groups vs villages and key units as parties).
let fuzzContexts = [
    ValidationContext(period: Period("2026-10")!, folder: "V1", submitter: .village(village), config: config),
    ValidationContext(period: Period("2026-10")!, folder: "T1", submitter: .town, config: config),
]

/// Every data row is read once and ends accepted or rejected; a rejected row has an error on its
/// line, an accepted one has none. (Line checks only where lines are unique: a hand-made sheet may
/// repeat a row number, which no spreadsheet program writes.)
func checkAccounting<Row>(_ r: FileResult<Row>, _ input: FileInput, lines: (Row) -> Int) {
    precondition(r.rowsRead == r.rows.count + r.rowsRejected)
    precondition(r.rowsRejected >= 0)
    for issue in r.issues { precondition(!issue.message.isEmpty && !issue.rule.isEmpty) }
    guard case .parsed(_, let csv) = input else { return }
    let data = SourceReader.dataRecords(of: csv).filter { !$0.isBlank }
    precondition(r.rowsRead == data.count, "every non-blank data row is read")
    guard Set(data.map(\.line)).count == data.count else { return }
    let errorLines = Set(r.issues.filter { $0.severity == .error }.compactMap(\.line))
    for row in r.rows { precondition(!errorLines.contains(lines(row)), "an accepted row has an error") }
    let accepted = Set(r.rows.map(lines))
    for record in data where !accepted.contains(record.line) {
        precondition(errorLines.contains(record.line), "a rejected row has no error on its line")
    }
}

/// A folder's four inputs through validation, for a village and for the town, each checked as above; the
/// cross-check between inspections and hazards included.
func validateFolder(_ inputs: [FileKind: FileInput]) {
    func input(_ kind: FileKind) -> FileInput { inputs[kind] ?? .missing }
    for ctx in fuzzContexts {
        let known = ["H1": Day(year: 2026, month: 9, day: 1)!]
        let inspections = Validator.inspections(input(.inspections), ctx)
        checkAccounting(inspections, input(.inspections)) { $0.line }
        let hazards = Validator.hazards(input(.hazards), ctx, known: known)
        checkAccounting(hazards, input(.hazards)) { $0.line }
        checkAccounting(Validator.agreements(input(.agreements), ctx), input(.agreements)) { $0.line }
        checkAccounting(Validator.trainings(input(.trainings), ctx), input(.trainings)) { $0.line }
        _ = Validator.crossCheck(inspections: inspections, hazards: hazards,
                                 newIds: Set(hazards.rows.map(\.hazardId)), ctx)
    }
}
