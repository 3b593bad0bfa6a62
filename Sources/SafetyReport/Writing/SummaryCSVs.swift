// The summary CSVs of SPEC §5: one table per grain, English keys as headers, in the SPEC's column order.

/// Builds every CSV output of a month's report, by file name.
public enum SummaryCSVs {
    /// The §4 columns after the identifying ones (files_submitted … training_participants).
    static let figureKeys = [
        "rows_read", "rows_rejected", "inspections", "inspections_first_half", "inspections_second_half",
        "hazards_new", "hazards_new_major", "hazards_rectified", "hazards_open", "hazards_open_major",
        "hazards_overdue", "hazards_escalated_open", "hazards_new_ytd", "hazards_rectified_ytd",
        "rectification_rate_ytd", "agreements_required", "agreements_signed", "signing_rate",
        "trainings", "training_participants",
    ]

    static func figureCells(_ f: Figures) -> [CSVCell] {
        [.int(f.rowsRead), .int(f.rowsRejected), .int(f.inspections), .int(f.inspectionsFirstHalf),
         .int(f.inspectionsSecondHalf), .int(f.hazardsNew), .int(f.hazardsNewMajor), .int(f.hazardsRectified),
         .int(f.hazardsOpen), .int(f.hazardsOpenMajor), .int(f.hazardsOverdue), .int(f.hazardsEscalatedOpen),
         .int(f.hazardsNewYTD), .int(f.hazardsRectifiedYTD), .rate(f.rectificationRateYTD),
         .int(f.agreementsRequired), .int(f.agreementsSigned), .rate(f.signingRate),
         .int(f.trainings), .int(f.trainingParticipants)]
    }

    /// Group rows have no file counts: those columns are dropped.
    static let groupFigureKeys = Array(figureKeys.dropFirst(2))

    public static func all(_ r: MonthReport) -> [(name: String, bytes: [UInt8])] {
        tables(r) + [("validation_issues.csv", issues(r))]
    }

    /// Every CSV but validation_issues.csv, which a run writes streamed (see `issues(_:chunk:)`).
    public static func tables(_ r: MonthReport) -> [(name: String, bytes: [UInt8])] {
        tableBuilders.map { ($0.name, $0.build(r)) }
    }

    /// The tables of `tables(_:)`, each built when asked: a run builds the two summaries the change log
    /// compares first, and the others on a worker beside the workbooks.
    public static let tableBuilders: [(name: String, build: @Sendable (MonthReport) -> [UInt8])] = [
        ("summary_town.csv", town), ("summary_villages.csv", villages), ("summary_groups.csv", groups),
        ("summary_categories.csv", categories), ("hazard_ledger.csv", ledger),
    ]

    /// The long tables (a row per group, per village and category, per listed hazard), written a record at a time
    /// (`CSVRecordStream`): a run writes them straight to their files, never holding one whole. Their bytes are
    /// `tableBuilders`' for the same names.
    public static let tableStreams: [(name: String, write: @Sendable (MonthReport, _ chunkBytes: Int,
                                                                       _ chunk: @escaping ([UInt8]) -> Void) -> Void)] = [
        ("summary_groups.csv", groups), ("summary_categories.csv", categories), ("hazard_ledger.csv", ledger),
    ]

    /// A streamed table's bytes collected into one array.
    private static func collected(_ r: MonthReport,
                                  _ write: (MonthReport, Int, @escaping ([UInt8]) -> Void) -> Void) -> [UInt8] {
        final class Bytes { var all: [UInt8] = [] }
        let bytes = Bytes()
        write(r, 1 << 16) { bytes.all += $0 }
        return bytes.all
    }

    public static func town(_ r: MonthReport) -> [UInt8] {
        var t = CSVTable(header: ["period", "town_code", "town_name", "villages_submitted", "villages_compliant"] + figureKeys)
        t.append([.raw(r.period.description), .text(r.config.town.code), .text(r.config.town.name),
                  .int(r.town.villagesSubmitted), .int(r.town.villagesCompliant)] + figureCells(r.town.figures))
        return t.bytes
    }

    public static func villages(_ r: MonthReport) -> [UInt8] {
        var t = CSVTable(header: ["period", "village_code", "village_name", "files_submitted"] + figureKeys + ["compliant", "shortfalls"])
        for v in r.villages {
            t.append([.raw(r.period.description), .text(v.village.code), .text(v.village.name), .int(v.figures.filesSubmitted)]
                     + figureCells(v.figures) + [.int(v.compliant ? 1 : 0), .raw(v.shortfallsText)])
        }
        return t.bytes
    }

    public static func groups(_ r: MonthReport) -> [UInt8] { collected(r, groups) }

    public static func groups(_ r: MonthReport, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        let t = CSVRecordStream(chunkBytes: chunkBytes, chunk: chunk,
                                header: ["period", "village_code", "village_name", "group_code", "group_name"] + groupFigureKeys)
        for g in r.groups {
            t.append([.raw(r.period.description), .text(g.villageCode), .text(g.villageName), .text(g.group.code),
                      .text(g.group.name)] + Array(figureCells(g.figures).dropFirst(2)))
        }
        t.finish()
    }

    public static func categories(_ r: MonthReport) -> [UInt8] { collected(r, categories) }

    public static func categories(_ r: MonthReport, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        let t = CSVRecordStream(chunkBytes: chunkBytes, chunk: chunk,
                                header: ["period", "village_code", "village_name", "category", "category_name", "hazards_new",
                                         "hazards_rectified", "hazards_open", "hazards_overdue", "hazards_new_ytd"])
        for c in r.categories {
            t.append([.raw(r.period.description), .text(c.folder), .text(c.folderName), .raw(c.category.key),
                      .raw(c.category.label), .int(c.hazardsNew), .int(c.hazardsRectified), .int(c.hazardsOpen),
                      .int(c.hazardsOverdue), .int(c.hazardsNewYTD)])
        }
        t.finish()
    }

    public static func ledger(_ r: MonthReport) -> [UInt8] { collected(r, ledger) }

    public static func ledger(_ r: MonthReport, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        let t = CSVRecordStream(chunkBytes: chunkBytes, chunk: chunk,
                                header: ["period", "village_code", "village_name", "hazard_id", "registered_period",
                                         "last_updated_period", "found_date", "group_code", "category", "level", "description",
                                         "location", "responsible", "deadline", "status", "rectified_date", "escalated",
                                         "escalated_to", "is_new", "rectified_in_period", "carried_over", "overdue", "days_overdue"])
        for e in r.ledger {
            let h = e.hazard
            t.append([.raw(r.period.description), .text(e.owner), .text(e.ownerName), .text(h.hazardId),
                      .raw(e.registeredIn.description), .raw(e.lastUpdatedIn.description), .raw(h.foundDate.description),
                      .text(h.groupCode ?? ""), .raw(h.category.label), .raw(h.level.label), .text(h.description),
                      .text(h.location), .text(h.responsible), .raw(h.deadline.description), .raw(h.status.label),
                      .raw(h.rectifiedDate?.description ?? ""), .int(h.escalated ? 1 : 0), .text(h.escalatedTo),
                      .int(e.isNew ? 1 : 0), .int(e.rectifiedInPeriod ? 1 : 0), .int(e.carriedOver ? 1 : 0),
                      .int(e.isOverdue ? 1 : 0), .int(e.daysOverdue)])
        }
        t.finish()
    }

    public static func issues(_ r: MonthReport) -> [UInt8] {
        var out: [UInt8] = []
        issues(r) { out += $0 }
        return out
    }

    /// validation_issues.csv's bytes handed to `chunk` about a megabyte at a time, so a million issues
    /// are never held as one table.
    public static func issues<E: Error>(_ r: MonthReport, chunkBytes: Int = 1 << 20, chunk: ([UInt8]) throws(E) -> Void) throws(E) {
        var out = CSVWriter.byteOrderMark
        out += Array(CSVWriter.record(["period", "village_code", "village_name", "file", "line", "column", "value",
                                       "severity", "rule", "message"]).utf8)
        for i in r.issues {
            let cells: [CSVCell] = [.raw(i.period.description), .text(i.folder), .text(r.config.name(ofFolder: i.folder)), .text(i.file),
                                    .raw(i.line.map(String.init) ?? ""), .raw(i.column), .text(i.value), .raw(i.severity.rawValue),
                                    .raw(i.rule), .text(i.message)]
            CSVWriter.appendRecord(cells, to: &out)
            if out.count >= chunkBytes { try chunk(out); out.removeAll(keepingCapacity: true) }
        }
        try chunk(out)
    }
}
