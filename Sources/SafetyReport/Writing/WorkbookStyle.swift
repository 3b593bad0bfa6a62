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
        text = try f(FormatSpec(fontName: font, border: true, align: .left))
        wrap = try f(FormatSpec(fontName: font, border: true, align: .left, wrap: true))
        center = try f(FormatSpec(fontName: font, border: true, align: .center))
        int = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "#,##0"))
        decimal = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "#,##0.0"))
        percent = try f(FormatSpec(fontName: font, border: true, align: .right, numberFormat: "0.0%"))
        date = try f(FormatSpec(fontName: font, border: true, align: .center, numberFormat: "yyyy-mm-dd"))
        totalText = try f(FormatSpec(bold: true, fontName: font, fill: Self.totalFill, border: true, align: .left))
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

    init(_ header: String, _ kind: Kind = .text, max: Double? = nil) {
        self.header = header; self.kind = kind
        self.maxWidth = max ?? (kind == .wrap ? 40 : 30)
    }
}

/// Display width of text in Excel character units: CJK and full-width characters count 2.
func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || v >= 0x20000
        w += wide ? 2 : 1
    }
    return w
}

/// Where a table landed on its sheet (zero-based rows).
struct TableLayout {
    var headerRow: Int
    var firstDataRow: Int
    /// Last data row; firstDataRow − 1 when there is no data.
    var lastDataRow: Int
    var lastCol: Int
    var isEmpty: Bool { lastDataRow < firstDataRow }
}

/// Header and footer of every printed page: town and period on top, page numbers below.
struct PrintHeader {
    var town: String
    var period: Period
    var title: String

    /// `&` starts a code in Excel headers, so a literal one is doubled.
    private static func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&&") }

    func pageSetup(repeatRows: ClosedRange<Int>?) -> PageSetup {
        var p = PageSetup()
        p.landscape = true
        p.paper = 9
        p.fitWidth = 1
        p.fitHeight = 0
        p.repeatRows = repeatRows
        p.header = "&L\(Self.esc(town))&C\(Self.esc(title))&R\(period.chinese)"
        p.footer = "&L\(Self.esc(town)) \(period.chinese)&C第&P页 共&N页"
        p.margins = (0.4, 0.4, 0.7, 0.6)
        return p
    }
}

extension Worksheet {
    /// Writes a titled table: a merged title row, an optional note row, a header row, the data rows and any
    /// rows after the filtered range (totals); then widths fitted to the text, frozen headers, an autofilter
    /// over header and data, and print setup repeating the header row. Widths are measured as rows are
    /// written, so the cost stays linear in the table's size.
    @discardableResult
    func writeTable(style s: WorkbookStyle, title: String, note: String?, columns: [Column], rows: [[Cell]],
                    footerRows: [[Cell]] = [], print: PrintHeader, startRow: Int = 0) throws -> TableLayout {
        let lastCol = max(columns.count - 1, 0)
        var r = startRow
        try merge(r, 0, r, lastCol, text: title, s.title)
        try setRow(r, height: 28)
        r += 1
        if let note {
            try merge(r, 0, r, lastCol, text: note, s.subtitle)
            r += 1
        }
        let headerRow = r
        var widths = columns.map { Double(min(displayWidth($0.header), 16)) }
        for (c, col) in columns.enumerated() { try write(r, c, text: col.header, s.header) }
        let longestHeader = columns.map { displayWidth($0.header) }.max() ?? 0
        try setRow(r, height: longestHeader > 16 ? 30 : 20)
        r += 1
        let firstData = r
        for row in rows {
            try writeRow(r, row, columns, s, total: false, widths: &widths)
            r += 1
        }
        let lastData = r - 1
        for row in footerRows {
            try writeRow(r, row, columns, s, total: true, widths: &widths)
            r += 1
        }
        var tableWidth = 0.0
        for (c, col) in columns.enumerated() {
            let w = min(max(widths[c] + 2, 6), col.maxWidth)
            tableWidth += w
            try setColumns(c, c, width: w)
        }
        if let note {
            // The merged note wraps; give it as many 10-point lines as it needs across the table's width.
            let lines = (Double(displayWidth(note)) * 0.9 / max(tableWidth, 1)).rounded(.up)
            try setRow(headerRow - 1, height: max(1, lines) * 14 + 4)
        }
        freezePanes(row: headerRow + 1, col: 0)
        try autofilter(headerRow, 0, max(lastData, headerRow), lastCol)
        try setPageSetup(print.pageSetup(repeatRows: headerRow...headerRow))
        return TableLayout(headerRow: headerRow, firstDataRow: firstData, lastDataRow: lastData, lastCol: lastCol)
    }

    private func writeRow(_ r: Int, _ row: [Cell], _ columns: [Column], _ s: WorkbookStyle, total: Bool,
                          widths: inout [Double]) throws {
        for (c, cell) in row.enumerated() where c < columns.count {
            let kind = columns[c].kind
            var w = 0
            switch cell {
            case .text(let t):
                let f: Format = total ? s.totalText : (kind == .wrap ? s.wrap : kind == .center ? s.center : s.text)
                try write(r, c, text: t, f)
                w = displayWidth(t)
            case .int(let n):
                try write(r, c, number: Double(n), total ? s.totalInt : s.int)
                w = String(n).count + n.magnitude.description.count / 3
            case .number(let x):
                try write(r, c, number: x, s.decimal)
                w = String(Int(x)).count + 3
            case .percent(let x):
                let f = total ? s.totalPercent : s.percent
                if let x { try write(r, c, number: x, f) } else { try writeBlank(r, c, f) }
                w = 6
            case .date(let d):
                if let d { try write(r, c, year: d.year, month: d.month, day: d.day, s.date) } else { try writeBlank(r, c, s.date) }
                w = 10
            case .blank:
                try writeBlank(r, c, total ? s.totalText : s.text)
            }
            if Double(w) > widths[c] { widths[c] = Double(w) }
        }
    }
}

/// The period's last day, 00:00 UTC, in seconds since 1970: the workbooks' fixed creation time, so a rerun
/// of the same period gives the same bytes.
func creationTime(of period: Period) -> Int { period.lastDay.ordinal * 86_400 }

/// 是 / 否
func yesNo(_ b: Bool) -> String { b ? "是" : "否" }
