// The one validation issue type used by every stage: where, what, and a message a clerk can act on.

public enum Severity: String, Sendable, Hashable, Comparable {
    case error, warning
    /// 错误 / 警告
    public var chinese: String { self == .error ? "错误" : "警告" }
    public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
}

/// A rejected row, a rejected file, or a warning. Every problem the tool finds is one of these.
public struct ValidationIssue: Sendable, Equatable, Hashable {
    public var severity: Severity
    /// The period the problem was found in.
    public var period: Period
    /// The submitting folder: a village code, the town code, or an unregistered folder's name.
    public var folder: String
    /// File name as found (e.g. `Hazards.CSV`), or "" for a folder-level issue.
    public var file: String
    /// Physical line where the record starts (header = 1 when first); nil for file- or folder-level issues.
    public var line: Int?
    /// English column key (e.g. `category`), or "" when not about one column.
    public var column: String
    /// The value as written in the file (untrimmed cell text), or "".
    public var value: String
    /// Stable rule key, e.g. `enum.unknown`, `date.outside_period`, `hazard.duplicate_id`.
    public var rule: String
    /// Chinese message a clerk can act on: what is wrong and how to fix it.
    public var message: String

    public init(_ severity: Severity, period: Period, folder: String, file: String = "", line: Int? = nil,
                column: String = "", value: String = "", rule: String, message: String) {
        self.severity = severity; self.period = period; self.folder = folder; self.file = file
        self.line = line; self.column = column; self.value = value; self.rule = rule; self.message = message
    }
}
