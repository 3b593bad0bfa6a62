// What a rebuild changed: old and new value per village (or the town) and column, from the summary CSVs.

/// One figure that differs between the replaced report and the new one.
public struct FigureChange: Sendable, Equatable {
    /// `town` or `village`.
    public var scope: String
    public var code: String
    public var name: String
    public var column: String
    public var old: String
    public var new: String
}

public enum ChangeLog {
    /// Compares two versions of a summary CSV keyed by `keyColumn`; rows that appear or vanish
    /// show every column against an empty value.
    public static func diff(old: [UInt8], new: [UInt8], keyColumn: String, nameColumn: String, scope: String) -> [FigureChange] {
        guard let o = table(old, keyColumn), let n = table(new, keyColumn) else { return [] }
        var changes: [FigureChange] = []
        let columns = n.header.filter { $0 != keyColumn && $0 != nameColumn && $0 != "period" }
        var keys = n.order
        for k in o.order where n.rows[k] == nil { keys.append(k) }
        for key in keys {
            let a = o.rows[key] ?? [:], b = n.rows[key] ?? [:]
            let name = b[nameColumn] ?? a[nameColumn] ?? ""
            for c in columns where (a[c] ?? "") != (b[c] ?? "") {
                changes.append(FigureChange(scope: scope, code: key, name: name, column: c, old: a[c] ?? "", new: b[c] ?? ""))
            }
        }
        return changes
    }

    /// changes.csv: one row per changed cell — which unit (`scope` town or village, its code and name),
    /// which column, the old value and the new one.
    public static func csv(_ changes: [FigureChange], period: Period) -> [UInt8] {
        var t = CSVTable(header: header)
        for c in changes {
            t.append([.raw(period.description), .raw(c.scope), .text(c.code), .text(c.name), .raw(c.column), .text(c.old), .text(c.new)])
        }
        return t.bytes
    }

    static let header = ["period", "scope", "village_code", "village_name", "column", "old_value", "new_value"]

    /// A changes.csv read back (nil when it is not one), so that building the same inputs again keeps the
    /// record of what the last correction changed instead of replacing it with "nothing changed".
    public static func read(_ bytes: [UInt8]) -> [FigureChange]? {
        guard let parsed = try? SourceReader.read(bytes), parsed.records.first?.fields == header else { return nil }
        return parsed.records.dropFirst().filter { !$0.isBlank }.map { r in
            func f(_ i: Int) -> String { i < r.fields.count ? r.fields[i] : "" }
            return FigureChange(scope: f(1), code: f(2), name: f(3), column: f(4), old: f(5), new: f(6))
        }
    }

    /// Our own CSV read back with our own reader (the BOM is dropped by decoding).
    private static func table(_ bytes: [UInt8], _ keyColumn: String) -> (header: [String], order: [String], rows: [String: [String: String]])? {
        guard let parsed = try? SourceReader.read(bytes), let header = parsed.records.first?.fields,
              header.contains(keyColumn) else { return nil }
        var order: [String] = [], rows: [String: [String: String]] = [:]
        for rec in parsed.records.dropFirst() where !rec.isBlank {
            var row: [String: String] = [:]
            for (i, h) in header.enumerated() { row[h] = i < rec.fields.count ? rec.fields[i] : "" }
            let key = row[keyColumn] ?? ""
            order.append(key); rows[key] = row
        }
        return (header, order, rows)
    }
}
