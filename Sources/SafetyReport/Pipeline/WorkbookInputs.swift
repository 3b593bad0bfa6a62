// Excel submissions in a village folder: `hazards.xlsx` (one dataset) or a whole template workbook, found, checked for clashes with CSVs, and read.

import Foundation

extension FileKind {
    /// `hazards.xlsx`: one dataset as a workbook, in place of `hazards.csv`.
    public var workbookFileName: String {
        switch self {   // literals, as `fileName`
        case .inspections: "inspections.xlsx"
        case .hazards: "hazards.xlsx"
        case .agreements: "agreements.xlsx"
        case .trainings: "trainings.xlsx"
        }
    }
}

extension InputScanner {
    /// The name of a file already found for `kind` in the other format (CSV vs workbook), if any.
    static func otherFormat(_ folder: ScannedFolder, _ kind: FileKind, _ name: String) -> String? {
        guard let found = folder.files[kind] else { return nil }
        let isWorkbook = name.lowercased().hasSuffix(".xlsx")
        let foundIsWorkbook = found.name.lowercased().hasSuffix(".xlsx")
        return isWorkbook != foundIsWorkbook || found.sheet != nil ? found.name : nil
    }

    /// Two submissions of one dataset: neither is read (no guessing which one the clerk meant); an error says so.
    static func markConflict(_ folder: inout ScannedFolder, _ kind: FileKind, period: Period, names: [String]) {
        folder.files[kind] = nil
        let list = names.map { "「\($0)」" }.joined(separator: "和")
        folder.unreadable[kind] = ValidationIssue(.error, period: period, folder: folder.code, file: names.joined(separator: "、"),
            rule: "file.conflict",
            message: "\(kind.chinese)同时在\(list)中报送，无法确定以哪一份为准，本表按未报送处理。请只保留其中一份（CSV 或 Excel 工作簿）后重新报送。")
    }

    /// Two sheets of one workbook for the same dataset: neither is read, as for a CSV and a workbook.
    static func sheetConflict(_ kind: FileKind, file: String, sheets: [String], period: Period, folder: String) -> ValidationIssue {
        let list = sheets.map { "「\($0)」" }.joined(separator: "和")
        return ValidationIssue(.error, period: period, folder: folder, file: sheets.map { "\(file)（\($0)）" }.joined(separator: "、"),
            rule: "file.conflict",
            message: "工作簿「\(file)」中的工作表\(list)都是\(kind.chinese)，无法确定以哪一张为准，本表按未报送处理。请删除多余的工作表（只保留一张）后重新报送。")
    }

    /// A whole submission workbook (any other `.xlsx` name): each sheet named for a dataset (排查记录 … or
    /// inspections …) stands for that dataset. Reads the workbook's directory only, not its rows.
    static func addWorkbook(_ folder: inout ScannedFolder, _ file: FoundFile, period: Period) {
        let book: XlsxWorkbook
        do {
            // Read as every clerk's file is read: under the size cap, never blocking on a FIFO.
            let limit = ReadLimits.standard.maxFileBytes
            book = try XlsxWorkbook(bytes: try InputLoader.readInput(file.path, limit: limit))
        } catch let failure as XlsxReadFailure {
            folder.issues.append(ValidationIssue(.error, period: period, folder: folder.code, file: file.name,
                                                 rule: failure.rule, message: failure.message(file.name)))
            return
        } catch InputReadError.tooLarge(let size) {
            let failure = ReadFailure.fileTooLarge(bytes: size, limit: ReadLimits.standard.maxFileBytes)
            folder.issues.append(ValidationIssue(.error, period: period, folder: folder.code, file: file.name,
                                                 rule: failure.rule, message: failure.message))
            return
        } catch {
            let why = (error as? InputReadError)?.chinese ?? error.localizedDescription
            folder.issues.append(ValidationIssue(.error, period: period, folder: folder.code, file: file.name, rule: "file.unreadable",
                message: "「\(file.name)」无法读取（\(why)），未读取。请重新保存后报送。"))
            return
        }
        var any = false
        for kind in FileKind.allCases {
            let named = book.sheets(for: kind)
            guard let sheet = named.first else { continue }
            any = true
            if named.count > 1 {
                folder.files[kind] = nil
                folder.unreadable[kind] = sheetConflict(kind, file: file.name, sheets: named.map(\.name), period: period, folder: folder.code)
                continue
            }
            if let other = folder.files[kind]?.name ?? folder.unreadable[kind]?.file {
                markConflict(&folder, kind, period: period, names: [other, file.name])
                continue
            }
            var found = file
            found.sheet = sheet.name
            folder.files[kind] = found
        }
        if !any {
            let names = FileKind.allCases.map { "「\($0.chinese)」" }.joined(separator: "、")
            folder.issues.append(ValidationIssue(.error, period: period, folder: folder.code, file: file.name, rule: "file.xlsx_no_sheets",
                message: "工作簿「\(file.name)」中没有名为\(names)的工作表，未读取。请使用报送模板填写，不要修改工作表名称；或把文件命名为 hazards.xlsx 等单表名称。"))
        }
    }
}

extension InputLoader {
    /// How issues name a dataset inside a whole workbook: `提交表.xlsx（隐患整改台账）`.
    public static func displayName(_ file: FoundFile) -> String {
        file.sheet.map { "\(file.name)（\($0)）" } ?? file.name
    }

    /// One dataset of a workbook as validation sees it: the sheet named for the dataset (for `hazards.xlsx`, else
    /// its first visible sheet other than the instructions and lists), as raw records whose lines are row numbers.
    static func workbookInput(_ bytes: [UInt8], _ file: FoundFile, _ kind: FileKind, period: Period, folder: String) -> FileInput {
        let name = displayName(file)
        func failed(_ rule: String, _ message: String) -> FileInput {
            .unreadable(fileName: name, issue: ValidationIssue(.error, period: period, folder: folder, file: name, rule: rule, message: message))
        }
        do {
            var book = try XlsxWorkbook(bytes: bytes)
            let named = book.sheets(for: kind)
            if file.sheet == nil, named.count > 1 {
                return .unreadable(fileName: name, issue: InputScanner.sheetConflict(kind, file: file.name, sheets: named.map(\.name),
                                                                                    period: period, folder: folder))
            }
            let sheet = file.sheet.flatMap { s in book.sheets.first { $0.name == s } }
                ?? book.sheet(for: kind)
                ?? book.sheets.first { !$0.hidden && $0.name != TemplateWorkbook.instructionsSheet && XlsxWorkbook.kind(ofSheetNamed: $0.name) == nil }
            guard let sheet else {
                return failed("file.xlsx_no_sheets", "工作簿「\(file.name)」中没有可读取的「\(kind.chinese)」工作表，按未报送处理。请使用报送模板填写后重新报送。")
            }
            let records = try book.records(sheet, kind: kind)
            return .parsed(fileName: name, ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .none, records: records))
        } catch {
            return failed(error.rule, error.message(file.name))
        }
    }
}
