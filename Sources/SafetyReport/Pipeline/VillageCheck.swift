// `check --village`: what a clerk runs before sending — one folder's files validated exactly as the office's run will, with a verdict.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One village's files for one period as the office's run will judge them.
public struct VillageCheckResult: Sendable {
    public var period: Period
    public var code: String
    public var name: String
    /// The folder's issues, in the report's order.
    public var issues: ReportIssues
    /// The folder's files (missing ones included).
    public var stats: [FileStat]
    /// Issue file name → the path to show the clerk (their own file when given on the command line).
    public var paths: [String: String]

    public var rowsRead: Int { stats.reduce(0) { $0 + $1.rowsRead } }
    public var rowsRejected: Int { stats.reduce(0) { $0 + $1.rowsRejected } }
    public var filesRejected: Int { stats.filter { $0.state == "rejected" }.count }
    public var errors: Int { issues.errorCount }
    public var missing: [FileKind] { stats.filter { $0.state == "missing" }.map(\.kind) }
    /// Something would be rejected (a row, a file, a workbook): exit 3.
    public var wouldReject: Bool { errors > 0 }

    /// `path 第 4 行「隐患类别」：错误：…（enum.unknown）`
    public func line(_ issue: ValidationIssue) -> String {
        let path = paths[issue.file] ?? issue.file
        var place = path.isEmpty ? "（文件夹）" : path
        if let line = issue.line { place += " 第 \(line) 行" }
        if !issue.column.isEmpty {
            let header = FileKind.allCases.lazy.compactMap { $0.schema.column(issue.column)?.header }.first ?? issue.column
            place += "「\(header)」"
        }
        return "\(place)：\(issue.severity.chinese)：\(issue.message)（\(issue.rule)）"
    }

    /// Where the folder's files are expected (`inputs/2026-10/V1/`), for the verdict when none was found.
    public var folder: String = ""
    /// Nothing at all to check: every file missing and nothing rejected.
    public var nothingSubmitted: Bool { !wouldReject && !stats.isEmpty && stats.allSatisfy { $0.state == "missing" } }

    /// The one-line verdict.
    public var verdict: String {
        if nothingSubmitted {
            let names = FileKind.allCases.map(\.fileName).joined(separator: "、")
            return "结论：未找到任何报送文件，没有可检查的内容。\(name)（\(code)）\(period) 的\(names)（或 .xlsx、报送模板工作簿）都不在 \(folder) 中；"
                + "请放入后再检查，或在命令后给出要检查的文件。"
        }
        let warnings = issues.count - errors
        let missingText = missing.isEmpty ? "" : "；未报送：" + missing.map(\.chinese).joined(separator: "、")
        if !wouldReject {
            return "结论：可以报送。\(name)（\(code)）\(period) 共 \(rowsRead) 行，全部可以采用"
                + (warnings > 0 ? "；另有 \(warnings) 条提醒，请核对" : "") + missingText + "。"
        }
        return "结论：暂不能报送。\(name)（\(code)）\(period) 共 \(rowsRead) 行，其中 \(rowsRejected) 行将被退回"
            + (filesRejected > 0 ? "，\(filesRejected) 个文件整体不能读入" : "") + missingText
            + "；请按以上 \(errors) 条错误改正后再检查。"
    }
}

public enum VillageCheckError: Error, Equatable, CustomStringConvertible {
    case notRegistered(String)
    case unreadable(String, String)
    case sameDataset(FileKind, String, String)
    case unclassified(String)
    /// A FILE argument that is missing, a folder, not a regular file or unreadable (exit 2): English, then Chinese.
    case badFile(path: String, english: String, chinese: String)

    public var description: String {
        switch self {
        case .notRegistered(let code): "--village \(code) is not a registered village or town code"
        case .unreadable(let path, let why): "\(path): \(why)"
        case .sameDataset(let kind, let a, let b): "\(a) and \(b) are both \(kind.fileName); give one file per dataset"
        case .unclassified(let path):
            "\(path): cannot tell which dataset this is\n" + Self.unclassifiedChinese(path)
        case .badFile(let path, let english, let chinese): "\(path): \(english)\n\(chinese)"
        }
    }

    /// What a clerk reads for a file that is none of the four: the names and the required headers expected.
    static func unclassifiedChinese(_ path: String) -> String {
        let headers = FileKind.allCases.map { kind in
            "\(kind.fileName)（\(kind.chinese)）：" + kind.schema.columns.filter { $0.presence == .required }.map(\.header).joined(separator: "、")
        }.joined(separator: "；")
        return "无法判断「\(path)」是哪一张报送表。请把文件命名为 inspections.csv、hazards.csv、agreements.csv、trainings.csv"
            + "（或对应的 .xlsx，或使用报送模板工作簿），或保留模板的表头——各表必须有的列：\(headers)。"
    }

    /// Checks a FILE argument before anything is copied: it must be a regular file this process can read.
    static func checkUsable(_ path: String) throws(VillageCheckError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw errno == ENOENT || errno == ENOTDIR
                ? .badFile(path: path, english: "no such file", chinese: "找不到文件「\(path)」，请检查路径和文件名。")
                : .badFile(path: path, english: String(cString: strerror(errno)), chinese: "无法访问「\(path)」，请检查路径和权限。")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else {
                throw .badFile(path: path, english: "cannot be read: \(String(cString: strerror(errno)))",
                               chinese: "「\(path)」无法读取（没有读取权限或已被占用），请关闭 Excel/WPS 后复制一份再检查。")
            }
            close(fd)
        case S_IFDIR:
            throw .badFile(path: path, english: "is a folder, not a file",
                           chinese: "「\(path)」是文件夹，不是文件。请指定要检查的报送文件（.csv 或 .xlsx），或不给文件，检查 inputs 下本村的文件夹。")
        default:
            throw .badFile(path: path, english: "is not a regular file", chinese: "「\(path)」不是普通文件，请指定要检查的报送文件（.csv 或 .xlsx）。")
        }
    }
}

public enum VillageCheck {
    /// Validates folder `code` for `period` with the office's rules, the office's history under inputs/ included
    /// (earlier months' hazards, the agreements list standing). `files`: the clerk's own files, outside inputs/,
    /// used instead of the folder's files for `period`; each is classified by name (`hazards.csv`, `hazards.xlsx`,
    /// any other `.xlsx` as a whole workbook) or else by its header. They are copied into a temporary inputs
    /// folder beside the folder's history, so the very same scanner, reader and validator run; nothing else is written.
    public static func run(config: PipelineConfig, period: Period, code: String,
                           files: [String] = []) throws(VillageCheckError) -> VillageCheckResult {
        guard config.submitterCodes.contains(code) else { throw .notRegistered(code) }
        for path in files { try VillageCheckError.checkUsable(path) }
        let name = code == config.town.code ? config.town.name : (config.village(code)?.name ?? code)
        var paths: [String: String] = [:]
        var effective = config
        var temp: URL?
        defer { if let temp { try? FileManager.default.removeItem(at: temp) } }
        if !files.isEmpty {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("safety-report-check-\(UUID().uuidString)")
            temp = root
            let inputs = root.appendingPathComponent("inputs")
            do {
                try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
                // The office's history for this folder: earlier months only.
                for q in InputScanner(config: config).periods() where q < period {
                    let source = config.inputs.appendingPathComponent("\(q)/\(code)")
                    guard FileManager.default.fileExists(atPath: source.path) else { continue }
                    let dest = inputs.appendingPathComponent(q.description)
                    try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(at: source, to: dest.appendingPathComponent(code))
                }
            } catch {
                throw .unreadable(config.inputs.path, error.localizedDescription)
            }
            let folder = inputs.appendingPathComponent("\(period)/\(code)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var claimed: [String: String] = [:]
            for path in files {
                let target = try targetName(path)
                if let other = claimed[target.lowercased()] {
                    throw .sameDataset(FileKind.allCases.first { target.lowercased().hasPrefix($0.rawValue) } ?? .hazards, other, path)
                }
                claimed[target.lowercased()] = path
                do {
                    try FileManager.default.copyItem(at: URL(fileURLWithPath: path), to: folder.appendingPathComponent(target))
                } catch {
                    throw .unreadable(path, error.localizedDescription)
                }
                paths[target] = path
            }
            effective.inputs = inputs
        }
        let report = ReportAssembler.assemble(config: effective, period: period).report
        let issues = report.issues.folder(code)
        if files.isEmpty {
            for issue in issues where !issue.file.isEmpty {
                paths[issue.file] = "\(config.inputs.lastPathComponent)/\(period)/\(code)/\(issue.file)"
            }
        } else {
            // A sheet of a whole workbook is named `提交表.xlsx（隐患整改台账）`: show the clerk's path with the sheet.
            for issue in issues where paths[issue.file] == nil {
                if let (copied, original) = paths.first(where: { issue.file.hasPrefix($0.key + "（") }) {
                    paths[issue.file] = original + issue.file.dropFirst(copied.count)
                }
            }
        }
        return VillageCheckResult(period: period, code: code, name: name, issues: issues,
                                  stats: report.fileStats.filter { $0.folder == code }, paths: paths,
                                  folder: "\(config.inputs.lastPathComponent)/\(period)/\(code)/")
    }

    /// The name a clerk's file takes in the folder: its own when it is one of the expected names or a workbook;
    /// otherwise the dataset its header matches best.
    static func targetName(_ path: String) throws(VillageCheckError) -> String {
        let base = URL(fileURLWithPath: path).lastPathComponent
        let lower = base.lowercased()
        if FileKind.allCases.contains(where: { $0.fileName == lower || $0.workbookFileName == lower }) || lower.hasSuffix(".xlsx") {
            return base
        }
        let bytes: [UInt8]
        // Under the same cap as the office's run (only the header is needed to classify the file).
        do { bytes = try InputLoader.readInput(path, limit: ReadLimits.standard.maxFileBytes) } catch { throw .unreadable(path, error.chinese) }
        guard let parsed = try? SourceReader.read(bytes), let header = SourceReader.header(of: parsed),
              let kind = HeaderMatcher.bestKind(for: header.fields) else {
            throw .unclassified(path)
        }
        return kind.fileName
    }
}
