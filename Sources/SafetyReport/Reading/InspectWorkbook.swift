// `safety-report inspect FILE.xlsx`: which sheets of a workbook stand for which dataset, each sheet's header mapping and records.

/// How the pipeline sees one .xlsx workbook: the sheets it reads (as `InspectReport`s), the sheets it ignores, and
/// why the workbook or a sheet cannot be read. Built from bytes and a file name; no I/O.
public struct WorkbookInspectReport: Sendable {
    public struct SheetView: Sendable {
        public var name: String
        public var hidden: Bool
        /// The dataset the sheet stands for; nil when the pipeline ignores the sheet.
        public var kind: FileKind?
        /// The sheet read as the pipeline reads it (nil for ignored sheets or when `failure` is set).
        public var report: InspectReport?
        public var failure: XlsxReadFailure?
        /// A second sheet for the same dataset: the pipeline reads neither (`file.conflict`).
        public var conflict = false
    }

    public var fileName: String
    public var failure: XlsxReadFailure?
    public var sheets: [SheetView] = []
    /// The file is a workbook but its name ends in .csv: the pipeline rejects it under this name.
    public var namedCSV: Bool

    /// `fileName` decides as in an inputs folder: `hazards.xlsx` (or `hazards.csv` holding a workbook) is one dataset,
    /// any other name a whole submission workbook whose sheets are named for their datasets.
    public init(bytes: [UInt8], fileName: String) {
        self.fileName = fileName
        let base = String(fileName.split(separator: "/").last ?? "").lowercased()
        namedCSV = base.hasSuffix(".csv")
        var book: XlsxWorkbook
        do { book = try XlsxWorkbook(bytes: bytes) } catch { failure = error; return }
        let single = FileKind.allCases.first { base == $0.workbookFileName || base == $0.fileName }
        var chosen: [String: FileKind] = [:]
        if let single {
            let named = book.sheets(for: single)
            let fallback = book.sheets.first { !$0.hidden && $0.name != TemplateWorkbook.instructionsSheet && XlsxWorkbook.kind(ofSheetNamed: $0.name) == nil }
            for s in (named.isEmpty ? fallback.map { [$0] } ?? [] : named) { chosen[s.name] = single }
        } else {
            for s in book.sheets { if let k = XlsxWorkbook.kind(ofSheetNamed: s.name) { chosen[s.name] = k } }
        }
        for s in book.sheets {
            var view = SheetView(name: s.name, hidden: s.hidden, kind: chosen[s.name])
            if let kind = view.kind {
                view.conflict = chosen.values.filter { $0 == kind }.count > 1
                do {
                    let records = try book.records(s, kind: kind)
                    let parsed = ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .none, records: records)
                    view.report = InspectReport(sheet: parsed, name: s.name, kind: kind)
                } catch { view.failure = error }
            }
            sheets.append(view)
        }
    }

    /// The text `inspect` prints (English; the Chinese messages are the clerk's).
    public var text: String {
        var out = "File:          \(fileName)\n"
        if let failure {
            return out + "Rejected whole (\(failure.rule)):\n  \(failure.message(fileName))\n"
        }
        out += "Format:        Excel workbook (.xlsx), \(sheets.count) sheet\(sheets.count == 1 ? "" : "s")\n"
        if namedCSV {
            out += "Note:          named .csv, so the pipeline rejects it (file.spreadsheet): rename it to .xlsx, e.g. "
                + "\(sheets.compactMap(\.kind).first?.workbookFileName ?? "hazards.xlsx")\n"
        }
        for s in sheets {
            let hidden = s.hidden ? ", hidden" : ""
            guard let kind = s.kind else {
                out += "\nSheet \"\(s.name)\"\(hidden): not a dataset sheet (ignored)\n"
                continue
            }
            out += "\nSheet \"\(s.name)\"\(hidden): \(kind.rawValue) (\(kind.chinese))\n"
            if s.conflict { out += "  Conflict:    another sheet is also \(kind.chinese); the pipeline reads neither (file.conflict)\n" }
            if let failure = s.failure { out += "  Unreadable (\(failure.rule)): \(failure.message(fileName))\n"; continue }
            guard let report = s.report else { continue }
            for line in report.columnsText.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                out += "  " + line.replacingOccurrences(of: "Header:        line", with: "Header:        row") + "\n"
            }
        }
        return out
    }

    /// `inspect --json` on a workbook: one JSON object per line and record of each dataset sheet,
    /// `{"sheet":"排查记录","row":1,"fields":["排查日期",…]}` (the sheet's row number, as issues name it).
    public var jsonLines: String {
        var out: [UInt8] = []
        for s in sheets {
            guard let parsed = s.report?.parsed else { continue }
            for record in parsed.records {
                out += Array(#"{"sheet":"#.utf8)
                JSONText.appendQuoted(s.name, to: &out)
                out += Array(#","row":\#(record.line),"fields":["#.utf8)
                for (i, field) in record.fields.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    JSONText.appendQuoted(field, to: &out)
                }
                out += Array("]}\n".utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Anything the pipeline would reject whole: the workbook, a dataset sheet, a conflict, the .csv name.
    public var rejectsSomething: Bool {
        failure != nil || namedCSV || sheets.contains { $0.failure != nil || $0.conflict }
    }
}
