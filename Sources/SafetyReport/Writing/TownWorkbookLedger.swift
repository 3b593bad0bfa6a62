// The hazard ledger table, shared by the town workbook (every hazard) and the village ones (their open hazards):
// the columns a clerk works from, with the carried-over, escalated, new, rectified and overdue flags in one column.

import Foundation
import XlsxWriter

/// The ledger's columns and highlights for one workbook layout.
struct LedgerSheet {
    enum Layout {
        /// The office's ledger: the owner's name first, the rectification date kept.
        case town
        /// A village's open hazards: no owner (it is the village's own workbook), no rectification date (none is
        /// rectified).
        case villageOpen
    }

    /// The explanation of the highlights, for the sheet's note.
    static let legend = "逾期隐患整行标红，重大隐患的等级标红加粗；「标记」列：逾期＝过了整改期限仍未整改，已上报＝已上报上级部门，"
        + "结转未更新（标黄）＝以前登记、本月台账未更新，本月新增＝本月登记，本月整改＝本月完成整改"

    let layout: Layout
    /// Group code → group name, for the 小组 column; codes not in the registry are shown as written.
    let groupNames: [String: String]

    /// Group names of these villages, keyed by group code.
    static func groupNames(_ villages: [Village]) -> [String: String] {
        var names: [String: String] = [:]
        for v in villages { for g in v.groups { names[g.code] = g.name } }
        return names
    }

    private var hasOwner: Bool { layout == .town }
    private var hasRectifiedDate: Bool { layout == .town }

    var columns: [Column] {
        var c: [Column] = []
        if hasOwner { c.append(Column("单位名称", max: 12)) }
        c += [Column("隐患编号", max: 16), Column("发现日期", .date), Column("小组", .wrap, max: 14),
              Column("隐患类别", max: 14), Column("等级", .center, max: 6), Column("隐患描述", .wrap, max: 30),
              Column("地点", .wrap, max: 22), Column("责任人", .wrap, max: 12), Column("整改期限", .date),
              Column("状态", .center, max: 8)]
        if hasRectifiedDate { c.append(Column("整改完成日期", .date)) }
        c += [Column("上报部门", .wrap, max: 14), Column("逾期天数", .int, max: 6), Column("标记", .wrap, max: 20)]
        return c
    }

    /// Zero-based positions of the columns the highlights read.
    var levelCol: Int { hasOwner ? 5 : 4 }
    var flagsCol: Int { columns.count - 1 }

    func cells(_ e: LedgerEntry) -> [Cell] {
        let h = e.hazard
        var c: [Cell] = []
        if hasOwner { c.append(.text(e.ownerName)) }
        let group = h.groupCode.map { groupNames[$0] ?? $0 } ?? ""
        c += [.text(h.hazardId), .date(h.foundDate), .text(group), .text(h.category.label), .text(h.level.label),
              .text(h.description), .text(h.location), .text(h.responsible), .date(h.deadline), .text(h.status.label)]
        if hasRectifiedDate { c.append(.date(h.rectifiedDate)) }
        c += [.text(h.escalated ? h.escalatedTo : ""), e.isOverdue ? .int(e.daysOverdue) : .blank, .text(Self.flags(e))]
        return c
    }

    /// The entry's flags in one cell, most urgent first, e.g. 逾期、已上报、结转未更新.
    static func flags(_ e: LedgerEntry) -> String {
        var words: [String] = []
        if e.isOverdue { words.append("逾期") }
        if e.hazard.escalated { words.append("已上报") }
        if e.carriedOver { words.append("结转未更新") }
        if e.isNew { words.append("本月新增") }
        if e.rectifiedInPeriod { words.append("本月整改") }
        return words.joined(separator: "、")
    }

    /// Overdue rows red, major levels bold red, carried-over flags yellow (red wins on an overdue row).
    func highlight(_ ws: Worksheet, _ t: TableLayout, _ s: WorkbookStyle) throws {
        guard !t.isEmpty else { return }
        let flags = cellName(row: t.firstDataRow, col: flagsCol)
        let rowFlags = absColumn(flagsCol) + String(t.firstDataRow + 1)
        try ws.conditionalFormat(t.firstDataRow, 0, t.lastDataRow, t.lastCol,
                                 .formula("=ISNUMBER(SEARCH(\"逾期\",\(rowFlags)))"), s.bad)
        try ws.conditionalFormat(t.firstDataRow, levelCol, t.lastDataRow, levelCol,
                                 .formula("=\(cellName(row: t.firstDataRow, col: levelCol))=\"重大\""), s.badText)
        try ws.conditionalFormat(t.firstDataRow, flagsCol, t.lastDataRow, flagsCol,
                                 .formula("=ISNUMBER(SEARCH(\"结转未更新\",\(flags)))"), s.warn)
    }
}
