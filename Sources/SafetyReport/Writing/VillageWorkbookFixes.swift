// The 如何更正 (how to fix) advice of the village feedback workbook, one sentence per validation rule key.

import Foundation

extension VillageWorkbook {
    /// Advice for this issue's rule, naming the place (`hazards.csv第3行「隐患类别」列`), or nil when the rule
    /// has none of its own and the generic sentence is as good.
    static func specificFix(_ i: ValidationIssue, place: String) -> String? {
        // What `String(format: "%04d-%02d-05", …)` gave, without Foundation's formatter (~0.6 % of the village
        // workbooks' CPU when made for every issue): periods run from 1970-01 to 9998-12.
        var example: String { zeroPadded(i.period.year, 4) + "-" + zeroPadded(i.period.month, 2) + "-05" }
        let resend = "，下次报送时一并重新报送该文件"
        switch i.rule {
        // Cells.
        case "date.format":
            return "将\(place)按 \(example) 格式（年-月-日，用短横线分隔）填写日期\(resend)"
        case "date.invalid":
            return "\(place)的日期不存在（如 9月31日），请填写实际日期，格式如 \(example)\(resend)"
        case "date.outside_period":
            return "核对\(place)的日期；属于其他月份的记录请放到该月的文件夹中报送"
        case "integer.format":
            return "\(place)只填整数（如 12），不要带单位、文字或小数点\(resend)"
        case "decimal.format":
            return "\(place)只填数字（如 1.5），不要带单位或文字\(resend)"
        case "integer.negative", "decimal.negative":
            return "\(place)填写 0 或正数\(resend)"
        case "boolean.format":
            return "\(place)只填「是」或「否」\(resend)"
        case "code.format":
            return "\(place)填写编码：字母、数字，可含「-」「_」，如 330683105201-01\(resend)"
        case "enum.unknown":
            if let choices = Self.choices(file: i.file, column: i.column) {
                return "\(place)从下拉清单中选择，允许值：" + choices.joined(separator: "、") + resend
            }
            return "\(place)从下拉清单（允许值）中选择，不要自行改写\(resend)"
        case "required.missing":
            return "在\(place)补填内容\(resend)"
        case "group.unregistered":
            return "\(place)改填本村已登记的小组编码（见「问题」中的清单）；新设小组请先报镇里登记"
        // Hazards.
        case "hazard.duplicate_id":
            return "删除重复行，或给其中一条隐患改用新的隐患编号\(resend)"
        case "hazard.found_date_conflict":
            return "将\(place)改为该隐患首次登记时的发现日期\(resend)"
        case "hazard.deadline_before_found":
            return "整改期限不能早于发现日期，请核对\(place)的两列日期\(resend)"
        case "hazard.escalated_to_required":
            return "已上报的隐患在「上报部门」列填写接收部门；未上报的请将「是否上报」改为「否」\(resend)"
        case "hazard.rectified_date_required":
            return "已整改的隐患请填写整改完成日期（格式如 \(example)）；尚未整改的请改正整改状态\(resend)"
        case "hazard.rectified_date_unexpected":
            return "尚未整改的隐患请清空整改完成日期，或将整改状态改为「已整改」\(resend)"
        case "hazard.rectified_date_range":
            return "整改完成日期应不早于发现日期、不晚于本月末，请核对\(place)\(resend)"
        case "hazard.not_updated":
            return "在本月隐患整改台账中列出该隐患并更新整改状态（已整改的填写完成日期）"
        case "hazard.late_registration":
            return "核对隐患编号是否与此前登记的一致；确属本月新登记的可不修改"
        case "inspection.hazards_found_mismatch":
            return "核对排查记录的「发现隐患数」与隐患台账中当日新登记的隐患条数，使两表一致"
        // Agreements and trainings.
        case "agreement.signed_date_required":
            return "已签订的请填写签订日期（格式如 \(example)）；尚未签订的请将「是否签订」改为「否」\(resend)"
        case "agreement.signed_date_unexpected":
            return "尚未签订的请清空签订日期，或将「是否签订」改为「是」\(resend)"
        case "agreement.signed_date_range":
            return "签订日期应在本年度内、不晚于本月末，请核对\(place)\(resend)"
        case "party.duplicate":
            return "删除重复的责任书对象行，每个对象只列一次\(resend)"
        case "participants.above_population":
            return "核对\(place)是否多填了数位；确认无误可不修改"
        // Rows, headers and files.
        case "row.extra_cells":
            return "删除该行表头以外多余的单元格；内容中的英文逗号请改为中文逗号（，）"
        case "row.file_rejected", "column.missing":
            return "按模板补上缺少的表头（列名）后重新报送整个文件"
        case "column.unknown":
            return "如是列名写错，将表头改为模板中的列名；不需要的列可删除（保留也不影响）"
        case "column.duplicate":
            return "删除重复的列，每个表头只保留一列后重新报送"
        case "file.encoding":
            return "在 Excel 中打开，「另存为」选择「CSV UTF-8（逗号分隔）」后重新报送"
        case "file.spreadsheet", "file.binary":
            return "Excel 工作簿请以 .xlsx 命名（如 hazards.xlsx）报送；否则在 Excel 中「另存为」选择「CSV UTF-8（逗号分隔）」，文件名按模板，重新报送"
        case "file.unterminated_quote":
            return "文件中有未配对的英文双引号（\"），请删除或改为中文引号后另存为「CSV UTF-8」重新报送"
        case "file.empty":
            return "按模板填写后重新报送（至少包含表头行）"
        case "file.duplicate":
            return "删除多余的一份，同一文件只报送一个"
        case "file.unexpected":
            return "报送文件夹中只放 " + FileKind.allCases.map(\.fileName).joined(separator: "、") + "；其他文件请移出"
        default:
            return nil
        }
    }

    /// The allowed labels of an enumeration column, e.g. the eight hazard categories.
    static func choices(file: String, column: String) -> [String]? {
        let lower = file.lowercased()
        guard let kind = FileKind.allCases.first(where: { $0.fileName == lower }),
              let spec = kind.schema.column(column), case .enumeration(let e) = spec.type else { return nil }
        return e.choices.map(\.label)
    }
}

/// `n` in decimal, zero-padded on the left to `width` digits, as printf's `%0<width>d` writes it.
func zeroPadded(_ n: Int, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let sign = n < 0 ? "-" : ""
    let pad = max(0, width - sign.count - digits.count)
    return sign + String(repeating: "0", count: pad) + digits
}
