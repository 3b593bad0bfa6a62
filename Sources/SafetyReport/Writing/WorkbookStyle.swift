// Formats, column widths and the table-sheet layout shared by the town and village workbooks.

import Foundation
import XlsxWriter

/// Every format a report workbook uses, created once per workbook and reused for every cell.
final class WorkbookStyle {
    let title: Format
    let subtitle: Format
    let header: Format
    let text: Format
    let wrap: Format
    let center: Format
    let int: Format
    let decimal: Format
    let percent: Format
    let date: Format
    let totalText: Format
    let totalInt: Format
    let totalPercent: Format
    /// Conditional formats: Excel's own "bad" (light red) and "neutral" (yellow) looks.
    let bad: Format
    let warn: Format
    let badText: Format
    let good: Format

    static let headerFill: RGB = 0xDDEBF7
    static let totalFill: RGB = 0xF2F2F2

    init(_ wb: Workbook) throws {
        func f(_ s: FormatSpec) throws -> Format { try wb.addFormat(s) }
        let font = "宋体"
        title = try f(FormatSpec(bold: true, fontSize: 16, fontName: font, align: .center))
        subtitle = try f(FormatSpec(fontSize: 10, fontColor: 0x595959, fontName: font, align: .left, valign: .top, wrap: true))
        header = try f(FormatSpec(bold: true, fontName: font, fill: Self.headerFill, border: true, align: .center, wrap: true))
        // Text cells carry the Text number format (@): libxlsxwriter 1.1.4 has no quote prefix, and a cell
        // formatted as Text keeps whatever is typed into it as text, so editing "=…" never makes a formula.
        let asText = "@"
        text = try f(FormatSpec(fontName: font, border: true, align: .left, numberFormat: asText))
        wrap = try f(FormatSpec(fontName: font, border: true, align: .left, wrap: true, numberFormat: asText))
        center = try f(FormatSpec(fontName: font, border: true, align: .center, numberFormat: asText))
        int = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "#,##0"))
        decimal = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "#,##0.0"))
        percent = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "0.0%"))
        date = try f(FormatSpec(fontName: font, border: true, align: .center, numberFormat: "yyyy-mm-dd"))
        totalText = try f(FormatSpec(bold: true, fontName: font, fill: Self.totalFill, border: true, align: .left, numberFormat: asText))
        totalInt = try f(FormatSpec(bold: true, fontName: font, fill: Self.totalFill, border: true, align: .right, numberFormat: "#,##0"))
        totalPercent = try f(FormatSpec(bold: true, fontName: font, fill: Self.totalFill, border: true, align: .right, numberFormat: "0.0%"))
        bad = try f(FormatSpec(fontColor: 0x9C0006, fill: 0xFFC7CE))
        warn = try f(FormatSpec(fontColor: 0x9C5700, fill: 0xFFEB9C))
        badText = try f(FormatSpec(bold: true, fontColor: 0xC00000))
        good = try f(FormatSpec(fontColor: 0x006100, fill: 0xC6EFCE))
    }
}

/// One value of a table cell.
enum Cell {
    case text(String)
    case int(Int)
    case number(Double)
    /// A rate shown as a percentage; nil (0/0) is left empty.
    case percent(Double?)
    case date(Day?)
    case blank
}

/// How a column is shown and how wide it may grow.
struct Column {
    enum Kind { case text, wrap, center, int, decimal, percent, date }
    var header: String
    var kind: Kind
    /// Widest the column may get (Excel character units); longer text wraps.
    var maxWidth: Double
    /// Narrowest the column may get, e.g. to give charts under the table room.
    var minWidth: Double

    init(_ header: String, _ kind: Kind = .text, max: Double? = nil, min: Double = 6) {
        self.header = header; self.kind = kind
        self.maxWidth = max ?? (kind == .wrap ? 40 : 30)
        self.minWidth = min
    }
}

/// Display width of text in Excel character units: CJK and full-width characters count 2.
/// Walks the UTF-8 bytes (a scalar's width needs only its value, and valid UTF-8 decodes without checks): measuring
/// every text cell twice through `unicodeScalars` was ~3 % of the town workbook's CPU.
func displayWidth(_ s: String) -> Int {
    var s = s
    return s.withUTF8 { bytes in
        var w = 0, i = 0
        let n = bytes.count
        while i < n {
            let b = UInt32(bytes[i])
            if b < 0x80 { w += 1; i += 1; continue }
            let v: UInt32
            if b < 0xE0 {
                v = (b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F); i += 2
            } else if b < 0xF0 {
                v = (b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F); i += 3
            } else {
                v = (b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                    | UInt32(bytes[i + 3] & 0x3F); i += 4
            }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || v >= 0x20000
            w += wide ? 2 : 1
        }
        return w
    }
}

/// How many digits `String(m)` has, without building it.
func decimalDigits(_ m: UInt) -> Int {
    var m = m, d = 1
    while m >= 10 { m /= 10; d += 1 }
    return d
}

/// Where a table landed on its sheet (zero-based rows).
struct TableLayout {
    var headerRow: Int
    var firstDataRow: Int
    /// Last data row; firstDataRow − 1 when there is no data.
    var lastDataRow: Int
    var lastCol: Int
    /// Column widths in Excel character units, as set.
    var widths: [Double] = []
    var isEmpty: Bool { lastDataRow < firstDataRow }
    /// The table's width in pixels, as Excel and libxlsxwriter place objects over it.
    var pixelWidth: Int { widths.reduce(0) { $0 + columnPixels($1) } }
}

/// Pixels of a column this many characters wide (Calibri 11: 7-pixel digits and 5 pixels of padding),
/// the conversion libxlsxwriter uses to place charts.
func columnPixels(_ width: Double) -> Int { width < 1 ? Int(width * 12 + 0.5) : Int(width * 7 + 0.5) + 5 }

/// Row height in points for this many lines of 11-point text. The CJK fonts LibreOffice falls back to need
/// about 16 points a line; less clips the last line of a wrapped cell.
func rowHeight(lines: Double) -> Double { lines * 16 + 4 }

/// Header and footer of every printed page: town and period on top, page numbers below.
struct PrintHeader {
    /// The header and footer texts, made once: every sheet of a workbook prints the same ones (made per sheet, they
    /// cost ~13,800 instructions a sheet, 1.9 % of the village workbooks'). Nothing else of town, period and title
    /// is kept: only these two texts are used.
    let header: String
    let footer: String

    init(town: String, period: Period, title: String) {
        // Excel (and libxlsxwriter, which refuses the sheet) allows 255 characters per header or footer: a very
        // long town name or title is shortened there, with "…", so the workbook is still written.
        header = Self.fitted { "&L\(Self.esc(Self.clip(town, $0)))&C\(Self.esc(Self.clip(title, $0)))&R\(period.chinese)" }
        footer = Self.fitted { "&L\(Self.esc(Self.clip(town, $0))) \(period.chinese)&C第&P页 共&N页" }
    }

    /// `&` starts a code in Excel headers, so a literal one is doubled.
    /// (Foundation's replace was ~1 % of the village workbooks' CPU, for strings that almost never hold a `&`.)
    private static func esc(_ s: String) -> String {
        s.utf8.contains(UInt8(ascii: "&")) ? s.replacingOccurrences(of: "&", with: "&&") : s
    }

    /// Excel's limit for a header or footer, in characters (libxlsxwriter counts code points).
    static let headerFooterLimit = 255

    /// `make(n)` with its texts clipped to n characters: the text itself when it fits, else the longest clip that does.
    static func fitted(_ make: (Int) -> String) -> String {
        for n in [Int.max, 100, 60, 30, 10] {
            let text = make(n)
            if text.unicodeScalars.count <= headerFooterLimit { return text }
        }
        return make(1)
    }

    /// `s` cut to at most `n` characters (Unicode scalars), the last one "…" when cut.
    static func clip(_ s: String, _ n: Int) -> String {
        guard s.unicodeScalars.count > n else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(max(0, n - 1)))) + "…"
    }

    func pageSetup(repeatRows: ClosedRange<Int>?) -> PageSetup {
        var p = PageSetup()
        p.landscape = true
        p.paper = 9
        p.fitWidth = 1
        p.fitHeight = 0
        p.repeatRows = repeatRows
        p.header = header
        p.footer = footer
        p.margins = (0.4, 0.4, 0.7, 0.6)
        return p
    }
}

extension Worksheet {
    /// Rows on one Excel worksheet (1,048,576): a table longer than that is cut, with a note saying so.
    static let excelRowLimit = 1_048_576

    /// Writes a titled table: a merged title row, an optional note row, a header row, the data rows and any
    /// rows after the filtered range (totals); then frozen headers, an autofilter over header and data, and
    /// print setup (repeating the header row unless `repeatHeader` is false). Two linear passes: the first
    /// measures each column (CJK characters count 2), the second writes with the final widths, so text too
    /// long for its column wraps and its row gets the height it needs (LibreOffice does not grow rows itself).
    /// `rowLimit` is Excel's except in tests, which show the cut on a small table.
    @discardableResult
    func writeTable(style s: WorkbookStyle, title: String, note: String?, columns: [Column], rows allRows: [[Cell]],
                    footerRows: [[Cell]] = [], print: PrintHeader, repeatHeader: Bool = true,
                    rowLimit: Int = Worksheet.excelRowLimit) throws -> TableLayout {
        try writeTable(style: s, title: title, note: note, columns: columns, rowCount: allRows.count, row: { allRows[$0] },
                       footerRows: footerRows, print: print, repeatHeader: repeatHeader, rowLimit: rowLimit)
    }

    /// The same table with its data rows made on demand: `row(i)` is called twice per row (once to measure,
    /// once to write) and its cells dropped at once, so a long table never holds all its cells in memory —
    /// with a constant-memory sheet, writing it costs one row whatever its length.
    @discardableResult
    func writeTable(style s: WorkbookStyle, title: String, note: String?, columns: [Column], rowCount: Int,
                    row makeRow: (Int) -> [Cell], footerRows: [[Cell]] = [], print: PrintHeader, repeatHeader: Bool = true,
                    rowLimit: Int = Worksheet.excelRowLimit) throws -> TableLayout {
        // A sheet cannot hold more rows than Excel's limit, and a month with a million trainings (a clerk's
        // pasting gone wrong) must not cost the town its report: list what fits and say what was left out.
        let firstDataGuess = 2 + (note == nil ? 0 : 1)
        let room = max(0, rowLimit - firstDataGuess - footerRows.count - 1)
        let shown = min(rowCount, room)
        let omitted = rowCount - shown
        let lastCol = max(columns.count - 1, 0)
        var measured = [Int](repeating: 0, count: columns.count)
        for i in 0..<shown { measure(makeRow(i), &measured) }
        for row in footerRows { measure(row, &measured) }
        let widths = columns.enumerated().map { c, col in
            min(max(Double(max(measured[c], min(displayWidth(col.header), 8))) + 2, col.minWidth), max(col.maxWidth, col.minWidth))
        }
        for (c, w) in widths.enumerated() { try setColumns(c, c, width: w) }
        let tableWidth = widths.reduce(0, +)

        // Where everything lands is known before writing: the filter and print rows refer to rows, and in
        // constant-memory mode libxlsxwriter refuses them once a later row has been written.
        let headerRow = 1 + (note == nil ? 0 : 1)
        let lastData = headerRow + shown
        freezePanes(row: headerRow + 1, col: 0)
        try autofilter(headerRow, 0, max(lastData, headerRow), lastCol)
        try setPageSetup(print.pageSetup(repeatRows: repeatHeader ? headerRow...headerRow : nil))

        var r = 0
        try merge(r, 0, r, lastCol, text: title, s.title)
        try setRow(r, height: 28)
        r += 1
        if let note {
            try merge(r, 0, r, lastCol, text: note, s.subtitle)
            // The merged note wraps at 10 points; give it the lines it needs across the table's width.
            try setRow(r, height: Self.lines(displayWidth(note), tableWidth / 0.9) * 15 + 4)
            r += 1
        }
        var headerLines = 1.0
        for (c, col) in columns.enumerated() {
            try write(r, c, text: col.header, s.header)
            headerLines = max(headerLines, Self.lines(displayWidth(col.header), widths[c]))
        }
        try setRow(r, height: rowHeight(lines: headerLines) + 2)
        r += 1
        let firstData = r
        for i in 0..<shown {
            try writeRow(r, makeRow(i), columns, widths, s, total: false)
            r += 1
        }
        if omitted > 0 {
            try merge(r, 0, r, lastCol, text: "……另有 \(omitted) 行未列出：本表超过 Excel 工作表 \(rowLimit) 行的上限，"
                      + "以上仅列出前 \(shown) 行；完整数据见本期输出的 CSV 文件（如 validation_issues.csv、hazard_ledger.csv）或各村居报送的原始文件。", s.subtitle)
            r += 1
        }
        for row in footerRows {
            try writeRow(r, row, columns, widths, s, total: true)
            r += 1
        }
        return TableLayout(headerRow: headerRow, firstDataRow: firstData, lastDataRow: lastData, lastCol: lastCol, widths: widths)
    }

    /// Lines a text of this display width takes in a column this wide (one unit kept for padding).
    private static func lines(_ textWidth: Int, _ columnWidth: Double) -> Double {
        max(1, (Double(textWidth) / max(columnWidth - 1, 1)).rounded(.up))
    }

    private func measure(_ row: [Cell], _ widths: inout [Int]) {
        for (c, cell) in row.enumerated() where c < widths.count {
            let w: Int
            switch cell {
            case .text(let t): w = displayWidth(t)
            case .int(let n): w = (n < 0 ? 1 : 0) + decimalDigits(n.magnitude) + decimalDigits(n.magnitude) / 3
            case .number(let x): let i = x.isFinite && x.magnitude < 9e18 ? Int(x) : Int.max; w = (i < 0 ? 1 : 0) + decimalDigits(i.magnitude) + 3
            case .percent: w = 6
            case .date: w = 10
            case .blank: w = 0
            }
            if w > widths[c] { widths[c] = w }
        }
    }

    private func writeRow(_ r: Int, _ row: [Cell], _ columns: [Column], _ widths: [Double], _ s: WorkbookStyle,
                          total: Bool) throws {
        var lines = 1.0
        for (c, cell) in row.enumerated() where c < columns.count {
            switch cell {
            case .text(let t):
                let need = Self.lines(displayWidth(t), widths[c])
                let f: Format
                if total { f = s.totalText }
                else if need > 1 { f = s.wrap }
                else { f = columns[c].kind == .center ? s.center : s.text }
                try write(r, c, text: t, f)
                lines = max(lines, need)
            case .int(let n):
                try write(r, c, number: Double(n), total ? s.totalInt : s.int)
            case .number(let x):
                try write(r, c, number: x, s.decimal)
            case .percent(let x):
                let f = total ? s.totalPercent : s.percent
                if let x { try write(r, c, number: x, f) } else { try writeBlank(r, c, f) }
            case .date(let d):
                if let d { try write(r, c, year: d.year, month: d.month, day: d.day, s.date) } else { try writeBlank(r, c, s.date) }
            case .blank:
                try writeBlank(r, c, total ? s.totalText : s.text)
            }
        }
        if lines > 1 { try setRow(r, height: rowHeight(lines: lines)) }
    }
}

extension Worksheet {
    /// Highlights the cells of one table column (data rows only) that satisfy `condition`, a formula about
    /// the column's first data cell, e.g. `{ "\($0)=\"未达标\"" }`; Excel applies it row by row.
    func highlight(_ t: TableLayout, column: Int, _ f: Format, when condition: (String) -> String) throws {
        guard !t.isEmpty else { return }
        let first = cellName(row: t.firstDataRow, col: column)
        try conditionalFormat(t.firstDataRow, column, t.lastDataRow, column, .formula("=" + condition(first)), f)
    }
}

/// The period's last day, 00:00 UTC, in seconds since 1970: the workbooks' fixed creation time, so a rerun
/// of the same period gives the same bytes.
func creationTime(of period: Period) -> Int { period.lastDay.ordinal * 86_400 }

/// 是 / 否
func yesNo(_ b: Bool) -> String { b ? "是" : "否" }
