// The one order every listing of validation issues follows, so that re-runs print them identically.

/// Orders issues by folder (the town's own first, villages in registry order, unregistered folders
/// last by name), then file (the four kinds in SPEC order, other names after them by name),
/// then line (folder- and file-level issues first), then column (schema order), then rule.
/// Issues equal on all of these keep the order they were given in.
///
/// The report never sorts an array of issues: `IssueList` and `ReportIssues` keep this order while
/// spilling and merging (see them). `sorted` is the order's plain statement, which tests hold them to.
enum IssueOrder {
    /// The file kind an issue's file name stands for (any case), nil for other names.
    static func fileKind(_ file: String) -> FileKind? {
        FileKind.allCases.first { $0.fileName == file.lowercased() }
    }

    /// The four kinds in SPEC order, other names after them.
    static func fileRank(_ kind: FileKind?) -> Int {
        kind.map { FileKind.allCases.firstIndex(of: $0)! } ?? FileKind.allCases.count
    }

    /// -1 for no column, the schema position for a column of a known file, else after every schema column.
    static func columnRank(_ column: String, _ kind: FileKind?) -> Int {
        if column.isEmpty { return -1 }
        if let kind, let i = kind.schema.columns.firstIndex(where: { $0.key == column }) { return i }
        return Int.max
    }

    static func sorted(_ issues: [ValidationIssue], config: PipelineConfig) -> [ValidationIssue] {
        var folderRank: [String: Int] = [:]
        for (i, code) in config.submitterCodes.enumerated() where folderRank[code] == nil { folderRank[code] = i }
        let unregistered = config.submitterCodes.count

        struct Key {
            let folderRank: Int, folder: String
            let fileRank: Int, file: String
            let line: Int
            let columnRank: Int, column: String
            let rule: String
            let index: Int
        }
        func key(_ issue: ValidationIssue, _ index: Int) -> Key {
            let kind = fileKind(issue.file)
            return Key(folderRank: folderRank[issue.folder] ?? unregistered, folder: issue.folder,
                       fileRank: fileRank(kind), file: issue.file, line: issue.line ?? -1,
                       columnRank: columnRank(issue.column, kind), column: issue.column, rule: issue.rule, index: index)
        }
        let keyed = issues.enumerated().map { (key($0.element, $0.offset), $0.element) }
        return keyed.sorted { a, b in
            let x = a.0, y = b.0
            return (x.folderRank, x.folder, x.fileRank, x.file, x.line)
                < (y.folderRank, y.folder, y.fileRank, y.file, y.line)
                || (x.folderRank, x.folder, x.fileRank, x.file, x.line)
                == (y.folderRank, y.folder, y.fileRank, y.file, y.line)
                && (x.columnRank, x.column, x.rule, x.index) < (y.columnRank, y.column, y.rule, y.index)
        }.map(\.1)
    }
}
