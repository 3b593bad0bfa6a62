// The one order every listing of validation issues follows, so that re-runs print them identically.

/// Orders issues by folder (the town's own first, villages in registry order, unregistered folders
/// last by name), then file (the four kinds in SPEC order, other names after them by name),
/// then line (folder- and file-level issues first), then column (schema order), then rule.
/// Issues equal on all of these keep the order they were given in.
enum IssueOrder {
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
            let kind = FileKind.allCases.first { $0.fileName == issue.file.lowercased() }
            let columnRank: Int
            if issue.column.isEmpty {
                columnRank = -1
            } else if let kind, let i = kind.schema.columns.firstIndex(where: { $0.key == issue.column }) {
                columnRank = i
            } else {
                columnRank = Int.max
            }
            return Key(folderRank: folderRank[issue.folder] ?? unregistered, folder: issue.folder,
                       fileRank: kind.map { FileKind.allCases.firstIndex(of: $0)! } ?? FileKind.allCases.count,
                       file: issue.file, line: issue.line ?? -1,
                       columnRank: columnRank, column: issue.column, rule: issue.rule, index: index)
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
