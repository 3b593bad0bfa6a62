// The .xlsx submission workbook of one folder: instructions, the four dataset sheets with drop-downs, checks and prompts, a worked example row.

import Foundation
import XlsxWriter

/// Writes the submission workbook a village (or the town office) fills in and sends back as it is.
public enum TemplateWorkbook {
    /// The first cell of a worked example row starts with this; the workbook reader skips such rows.
    public static let exampleMarker = "示例"
    public static let instructionsSheet = "填写说明"
    /// Hidden sheet holding the drop-down lists (enumerations, the folder's codes).
    public static let listsSheet = "选项"
    /// Excel row (1-based) of the example; data starts on the next row.
    public static let exampleRow = 2
    /// Last Excel row (1-based) that carries the drop-downs and checks.
    public static let lastValidatedRow = 5000

    /// `330683105201_东湖村_提交表.xlsx` — written next to the CSV folders, not inside them, so copying a
    /// template folder into inputs/ never puts a CSV and a workbook for the same dataset side by side.
    public static func fileName(_ config: PipelineConfig, code: String) -> String {
        let name = code == config.town.code ? config.town.name : (config.village(code)?.name ?? "")
        var safe = String(name.map { "/\\:*?\"<>|\0".contains($0) ? "_" : $0 })
        // Linux allows 255 bytes per file name: a very long name is shortened (the code still names the folder).
        if "\(code)_\(safe)_提交表.xlsx".utf8.count > 200 {
            var kept = Substring(safe)
            while !kept.isEmpty, "\(code)_\(kept)…_提交表.xlsx".utf8.count > 200 { kept = kept.dropLast() }
            safe = kept + "…"
        }
        return "\(code)_\(safe)_提交表.xlsx"
    }

    /// The workbook's bytes (built in the system temp folder, which is left clean). The same config gives the
    /// same bytes, so `templates` can tell an untouched template from a filled-in one.
    public static func bytes(_ config: PipelineConfig, code: String) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("safety-report-template-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(config, code: code, to: path)
        return try InputLoader.readBytes(path)
    }

    public static func write(_ config: PipelineConfig, code: String, to path: String) throws {
        let wb = try Workbook(path: path)
        let folderName = code == config.town.code ? config.town.name : (config.village(code)?.name ?? code)
        // A fixed creation time (2026-01-01 UTC) keeps the bytes reproducible.
        try wb.setProperties(DocumentProperties(title: "\(folderName)安全社区月度报送表", subject: "安全社区月度报送",
                                                author: "镇安委办", company: config.town.name, created: 1_767_225_600))
        let s = try Styles(wb)
        let info = try wb.addWorksheet(instructionsSheet)
        var sheets: [(FileKind, Worksheet)] = []
        for kind in FileKind.allCases { sheets.append((kind, try wb.addWorksheet(kind.chinese))) }
        let lists = try wb.addWorksheet(listsSheet)
        let sources = try writeLists(lists, config, code, s)
        lists.hide()
        info.activate()
        try writeInstructions(info, config, code, folderName, s)
        for (kind, ws) in sheets { try writeDataset(ws, kind, config, code, sources, s) }
        try wb.close()
    }

    // MARK: Formats

    final class Styles {
        let title, text, wrap, bold, required, optional, example, cellText, cellDate, cellInt, cellDecimal: Format
        init(_ wb: Workbook) throws {
            let font = "宋体"
            title = try wb.addFormat(FormatSpec(bold: true, fontSize: 16, fontName: font, align: .left))
            text = try wb.addFormat(FormatSpec(fontName: font, align: .left, valign: .top, wrap: true))
            wrap = try wb.addFormat(FormatSpec(fontName: font, border: true, align: .left, valign: .top, wrap: true))
            bold = try wb.addFormat(FormatSpec(bold: true, fontName: font, fill: 0xDDEBF7, border: true, align: .center))
            required = try wb.addFormat(FormatSpec(bold: true, fontName: font, fill: 0xFCE4D6, border: true, align: .center, wrap: true))
            optional = try wb.addFormat(FormatSpec(bold: true, fontName: font, fill: 0xDDEBF7, border: true, align: .center, wrap: true))
            example = try wb.addFormat(FormatSpec(fontColor: 0x7F7F7F, fontName: font, fill: 0xF2F2F2, border: true, align: .left, numberFormat: "@"))
            cellText = try wb.addFormat(FormatSpec(fontName: font, numberFormat: "@"))
            cellDate = try wb.addFormat(FormatSpec(fontName: font, align: .center, numberFormat: "yyyy-mm-dd"))
            cellInt = try wb.addFormat(FormatSpec(fontName: font, numberFormat: "0"))
            cellDecimal = try wb.addFormat(FormatSpec(fontName: font, numberFormat: "General"))
        }
    }

    // MARK: Lists

    /// Where each drop-down takes its values: list name → `='选项'!$A$2:$A$9`.
    struct ListSources { var byName: [String: String] = [:] }

    /// The folder's own codes for `group_code` (a village's groups; none for the town office).
    static func groupCodes(_ config: PipelineConfig, _ code: String) -> [String] {
        config.village(code)?.groups.map(\.code) ?? []
    }

    static func listColumns(_ config: PipelineConfig, _ code: String) -> [(name: String, values: [String])] {
        let enums: [(String, EnumKind)] = [("隐患类别", .hazardCategory), ("隐患等级", .hazardLevel), ("整改状态", .hazardStatus),
                                           ("对象类型", .partyType), ("活动形式", .trainingForm), ("参与对象", .audience)]
        var out = enums.map { (name: $0.0, values: $0.1.choices.map(\.label)) }
        out.append((name: "小组编码", values: groupCodes(config, code)))
        out.append((name: "对象编码", values: Templates.parties(config, code).map(\.code)))
        return out
    }

    static func writeLists(_ ws: Worksheet, _ config: PipelineConfig, _ code: String, _ s: Styles) throws -> ListSources {
        var sources = ListSources()
        for (col, list) in listColumns(config, code).enumerated() {
            try ws.write(0, col, text: list.name, s.bold)
            try ws.setColumns(col, col, width: 20)
            for (i, v) in list.values.enumerated() { try ws.write(i + 1, col, text: v, s.cellText) }
            guard !list.values.isEmpty else { continue }
            let letter = String(cellName(row: 0, col: col).dropLast())
            sources.byName[list.name] = "='\(listsSheet)'!$\(letter)$2:$\(letter)$\(list.values.count + 1)"
        }
        return sources
    }

    // MARK: Instructions

    static func writeInstructions(_ ws: Worksheet, _ config: PipelineConfig, _ code: String, _ folderName: String, _ s: Styles) throws {
        try ws.setColumns(0, 0, width: 16)
        try ws.setColumns(1, 1, width: 16)
        try ws.setColumns(2, 2, width: 12)
        try ws.setColumns(3, 3, width: 72)
        try ws.write(0, 0, text: "\(folderName)（\(code)）安全社区月度报送表 · 填写说明", s.title)
        let datasets = FileKind.allCases.map(\.chinese).joined(separator: "、")
        let general = [
            "1. 本工作簿共四张表：\(datasets)。每月报送一次，每行一条记录。",
            "2. 报送期限：每月最后一天前报送当月记录（例如 10 月的记录在 10 月 31 日前报送），镇安委办次月初汇总通报。",
            "3. 各表第 \(exampleRow) 行灰色的「\(exampleMarker)」行只作参考，读取时自动忽略，可以保留；请从第 \(exampleRow + 1) 行起填写。",
            "4. 不要修改工作表名称和第 1 行的表头，不要合并单元格。带下拉箭头的列请从列表中选择；日期按 2026-10-05 的格式输入；数量填整数。橙色表头为必填列。",
            "5. 某张表本月没有内容时，保留表头、不填数据行即可，表示「本月无记录」；整张表删除则视为未报送。",
            "6. 保存：在 Excel 或 WPS 中直接「保存」，保持 .xlsx 格式（不要另存为 .xls 或 .et），文件名可自取，如「提交表.xlsx」，交镇安委办放入 inputs/月份/\(code)/ 文件夹。也可把每张表分别另存为 CSV（UTF-8）报送，但同一张表不要同时报送两种格式。",
            "7. 报送前可先检查：safety-report check --village \(code) --period 月份 提交表.xlsx，会逐行列出需要改正的问题。",
            "8. 「\(FileKind.agreements.chinese)」表已预填应签订的对象，请填写是否签订和签订日期；当年签订情况有变化时报送全年完整名单。",
        ]
        var row = 2
        for line in general {
            try ws.merge(row, 0, row, 3, text: line, s.text)
            try ws.setRow(row, height: line.count > 60 ? 36 : 20)
            row += 1
        }
        row += 1
        for kind in FileKind.allCases {
            for (col, h) in ["工作表", "列名", "是否必填", "填写要求"].enumerated() { try ws.write(row, col, text: h, s.bold) }
            row += 1
            for column in kind.schema.columns {
                try ws.write(row, 0, text: kind.chinese, s.wrap)
                try ws.write(row, 1, text: column.header, s.wrap)
                try ws.write(row, 2, text: presenceLabel(column), s.wrap)
                try ws.write(row, 3, text: note(column, kind, config, code), s.wrap)
                row += 1
            }
            row += 1
        }
        var page = PageSetup()
        page.landscape = false
        page.header = PrintHeader.fitted { "&C\(PrintHeader.clip(folderName, $0).replacingOccurrences(of: "&", with: "&&"))安全社区月度报送表" }
        page.footer = "&C第 &P 页，共 &N 页"
        try ws.setPageSetup(page)
    }

    static func presenceLabel(_ c: ColumnSpec) -> String {
        switch c.presence {
        case .required: "必填"
        case .optional: "选填"
        case .conditional: "按条件必填"
        }
    }

    /// What a clerk must write in a column: shown in the instructions and as the cell's input prompt.
    static func note(_ c: ColumnSpec, _ kind: FileKind, _ config: PipelineConfig, _ code: String) -> String {
        let isTown = code == config.town.code
        let specific: String
        switch c.key {
        case "inspection_date": specific = "排查当天的日期，须在报送月份之内。"
        case "group_code":
            specific = isTown ? "镇级报送不填小组编码。" : "从下拉列表选择本村居的小组编码；不属于某个小组的留空。"
        case "inspector": specific = "排查人姓名，多人用顿号分开。"
        case "scope": specific = "排查的地点或范围。"
        case "hazards_found": specific = "本次排查发现的隐患数（整数，没有填 0），应与隐患台账中同日登记的隐患数一致。"
        case "hazard_id": specific = "自编的隐患编号，如 YH202610-01；同一隐患以后每月沿用同一编号，本表内不得重复。"
        case "found_date": specific = "发现隐患的日期，不晚于报送月份的最后一天。"
        case "description": specific = "隐患的具体情况。"
        case "location": specific = "隐患所在地点。"
        case "responsible": specific = "整改责任人姓名。"
        case "deadline": specific = "整改期限，不早于发现日期。"
        case "rectified_date": specific = "整改状态为「已整改」时必填，其他状态留空；在发现日期与报送月份月底之间。"
        case "escalated": specific = "本村居无法整改、已上报镇里的选「是」，否则选「否」或留空。"
        case "escalated_to": specific = "是否上报为「是」时必填，如「镇安监办」。"
        case "party_type":
            specific = isTown ? "签订对象的类型；镇级填村(社区)、重点生产经营单位等，不填村民小组。"
                : "签订对象的类型；村居填村民小组、驻地单位、学校、医院等，不填村(社区)和重点生产经营单位。"
        case "party_code": specific = "村(社区)、村民小组、重点生产经营单位必须填登记的编码（可从下拉列表选择）；其他对象可留空。"
        case "party_name": specific = "签订对象的名称。"
        case "signed": specific = "已签订选「是」，未签订选「否」。"
        case "signed_date": specific = "已签订时必填，须是当年的日期，不晚于报送月份月底。"
        case "activity_date": specific = "活动日期，须在报送月份之内。"
        case "theme": specific = "活动主题，如「安全生产月」「11·9 消防日」。"
        case "participants": specific = "参与人数（整数）。"
        case "hours": specific = "活动时长，单位小时，可填小数，如 1.5。"
        case "materials": specific = "发放的宣传资料份数（整数）。"
        default: specific = ""
        }
        if case .enumeration(let e) = c.type {
            return specific + "从下拉列表选择：" + e.choices.map(\.label).joined(separator: "、") + "。"
        }
        return specific
    }

    // MARK: Dataset sheets

    static func example(_ kind: FileKind, _ config: PipelineConfig, _ code: String) -> [String] {
        let group = groupCodes(config, code).first ?? ""
        switch kind {
        case .inspections: return ["2026-10-05", group, "张三", "沿街店铺、出租房", "1"]
        case .hazards: return ["YH202610-01", "2026-10-05", group, "供用电", "一般", "店铺电线私拉乱接", "东湖路 12 号", "李四",
                               "2026-10-20", "已整改", "2026-10-12", "否", ""]
        case .agreements:
            if let party = Templates.parties(config, code).first {
                return [party.type.label, party.code, party.name, "是", "2026-03-01"]
            }
            return ["学校", "", "东湖小学", "是", "2026-03-01"]
        case .trainings: return ["2026-10-18", group, "应急演练", "消防疏散演练", "居民", "45", "1.5", "100"]
        }
    }

    static func width(_ c: ColumnSpec) -> Double {
        switch c.key {
        case "description", "theme", "scope", "party_name": return 28
        case "hazard_id", "group_code", "party_code", "location": return 18
        default:
            if case .enumeration = c.type { return 16 }
            return max(12, Double(c.header.count) * 2.2 + 2)
        }
    }

    static func writeDataset(_ ws: Worksheet, _ kind: FileKind, _ config: PipelineConfig, _ code: String,
                             _ sources: ListSources, _ s: Styles) throws {
        let columns = kind.schema.columns
        let first = exampleRow, last = lastValidatedRow - 1  // zero-based rows of the data area
        for (col, c) in columns.enumerated() {
            let format: Format
            switch c.type {
            case .date: format = s.cellDate
            case .integer: format = s.cellInt
            case .decimal: format = s.cellDecimal
            default: format = s.cellText
            }
            try ws.setColumns(col, col, width: width(c), format)
            try ws.write(0, col, text: c.header, c.presence == .required ? s.required : s.optional)
            try ws.dataValidation(first, col, last, col, validation(c, kind, config, code, sources))
        }
        try ws.setRow(0, height: 30)
        let ex = example(kind, config, code)
        for (col, value) in ex.enumerated() {
            try ws.write(exampleRow - 1, col, text: col == 0 ? exampleMarker + "：" + value : value, s.example)
        }
        if kind == .agreements {
            for (i, party) in Templates.parties(config, code).enumerated() {
                try ws.write(exampleRow + i, 0, text: party.type.label, s.cellText)
                try ws.write(exampleRow + i, 1, text: party.code, s.cellText)
                try ws.write(exampleRow + i, 2, text: party.name, s.cellText)
            }
        }
        ws.freezePanes(row: 1, col: 0)
        var page = PageSetup()
        page.repeatRows = 0...0
        page.header = "&C&A"
        page.footer = "&C第 &P 页，共 &N 页"
        try ws.setPageSetup(page)
    }

    /// The check, drop-down and prompt of one column. Titles stay within Excel's 32 characters.
    static func validation(_ c: ColumnSpec, _ kind: FileKind, _ config: PipelineConfig, _ code: String,
                           _ sources: ListSources) -> DataValidation {
        let prompt = String((presenceLabel(c) + "。" + note(c, kind, config, code)).prefix(250))
        func v(_ rule: DataValidation.Rule, _ error: String, style: DataValidation.ErrorStyle = .stop) -> DataValidation {
            DataValidation(rule, inputTitle: c.header, inputMessage: prompt, errorTitle: "「\(c.header)」填写有误",
                           errorMessage: error, errorStyle: style)
        }
        switch c.type {
        case .date:
            return v(.date(from: .init(1900, 1, 1), to: .init(9999, 12, 31)), "请输入日期，格式如 2026-10-05。")
        case .integer:
            return v(.integer(min: 0, max: nil), "请输入不小于 0 的整数。")
        case .decimal:
            return v(.decimal(min: 0, max: nil), "请输入不小于 0 的数字，如 1.5。")
        case .boolean:
            return v(.list(["是", "否"]), "请从下拉列表选择「是」或「否」。")
        case .enumeration(let e):
            let name = c.header
            let labels = e.choices.map(\.label).joined(separator: "、")
            if let source = sources.byName[name] { return v(.listRange(source), "请从下拉列表选择：\(labels)。") }
            return v(.list(e.choices.map(\.label)), "请从下拉列表选择：\(labels)。")
        case .code where c.key == "group_code":
            guard let source = sources.byName["小组编码"] else { return v(.any, "") }
            return v(.listRange(source), "不是本村居登记的小组编码，请从下拉列表选择；不属于某个小组的留空。")
        case .code where c.key == "party_code":
            guard let source = sources.byName["对象编码"] else { return v(.any, "") }
            // Other parties (schools, resident units) may carry codes of their own: warn, do not refuse.
            return v(.listRange(source), "不是登记的编码。村(社区)、村民小组、重点生产经营单位须填登记编码；其他对象可留空。", style: .warning)
        default:
            return v(.any, "")
        }
    }
}

extension Templates {
    /// The CSV templates of `files`, plus one submission workbook per folder (`<code>_<name>_提交表.xlsx` at the
    /// top of the output folder). `only`: one folder's code (nil: the town office and every village).
    public static func submissionFiles(_ config: PipelineConfig, only: String? = nil) throws -> [(path: String, bytes: [UInt8])] {
        let codes = only.map { [$0] } ?? config.submitterCodes
        var out = files(config).filter { f in codes.contains { f.path.hasPrefix($0 + "/") } }
        for code in codes { out.append((TemplateWorkbook.fileName(config, code: code), try TemplateWorkbook.bytes(config, code: code))) }
        return out
    }
}
