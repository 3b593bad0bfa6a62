// libFuzzer target: any bytes as each of the four submission files through validation; every row accounted for.

private let village = Village(code: "V1", name: "东湖村", population: 10,
                              groups: [Group(code: "V1-01", name: "一组")])
private let config = PipelineConfig(town: Town(code: "T1", name: "青石镇"), villages: [village],
                                    keyUnits: [KeyUnit(code: "KU1", name: "青石化工", village: "V1")])
private let contexts = [
    ValidationContext(period: Period("2026-10")!, folder: "V1", submitter: .village(village), config: config),
    ValidationContext(period: Period("2026-10")!, folder: "T1", submitter: .town, config: config),
]

/// Every data row is read once and ends accepted or rejected; a rejected row has an error on its
/// line, an accepted one has none.
private func check<Row>(_ r: FileResult<Row>, _ input: FileInput, lines: (Row) -> Int) {
    let errorLines = Set(r.issues.filter { $0.severity == .error }.compactMap(\.line))
    precondition(r.rowsRead == r.rows.count + r.rowsRejected)
    precondition(r.rowsRejected >= 0)
    for row in r.rows { precondition(!errorLines.contains(lines(row)), "an accepted row has an error") }
    guard case .parsed(_, let csv) = input else { return }
    let data = SourceReader.dataRecords(of: csv).filter { !$0.isBlank }
    precondition(r.rowsRead == data.count, "every non-blank data row is read")
    let accepted = Set(r.rows.map(lines))
    for record in data where !accepted.contains(record.line) {
        precondition(errorLines.contains(record.line), "a rejected row has no error on its line")
    }
    for issue in r.issues { precondition(!issue.message.isEmpty && !issue.rule.isEmpty) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubmissionFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let input: FileInput
    do { input = .parsed(fileName: "f.csv", try SourceReader.read(bytes)) } catch { return 0 }
    for ctx in contexts {
        let known = ["H1": Day(year: 2026, month: 9, day: 1)!]
        let inspections = Validator.inspections(input, ctx)
        check(inspections, input) { $0.line }
        let hazards = Validator.hazards(input, ctx, known: known)
        check(hazards, input) { $0.line }
        check(Validator.agreements(input, ctx), input) { $0.line }
        check(Validator.trainings(input, ctx), input) { $0.line }
        _ = Validator.crossCheck(inspections: inspections, hazards: hazards,
                                 newIds: Set(hazards.rows.map(\.hazardId)), ctx)
    }
    return 0
}
