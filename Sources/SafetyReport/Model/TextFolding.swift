// Full-width → ASCII folding for headers, codes, numbers, dates, booleans and enum values (SPEC §3.1).

extension String {
    /// Full-width forms (U+FF01–U+FF5E: ０–９, Ａ–Ｚ, －, ．, （）…) as their ASCII forms, and the
    /// ideographic space U+3000 as a space. Free text is never folded; only the typed cells are.
    public var foldedToASCII: String {
        guard unicodeScalars.contains(where: { $0.value >= 0xFF01 && $0.value <= 0xFF5E || $0.value == 0x3000 }) else {
            return self
        }
        var out = String.UnicodeScalarView()
        for s in unicodeScalars {
            if s.value >= 0xFF01 && s.value <= 0xFF5E {
                out.append(Unicode.Scalar(s.value - 0xFEE0)!)
            } else if s.value == 0x3000 {
                out.append(" ")
            } else {
                out.append(s)
            }
        }
        return String(out)
    }
}

/// Matches a header row to a file kind's columns.
public enum HeaderMatcher {
    /// A header cell as compared: trimmed (spaces, U+3000, BOM), full-width folded, lower-cased.
    public static func normalize(_ cell: String) -> String {
        let folded = cell.trimmedCell.foldedToASCII.trimmedCell
        // lowercased() allocates even when nothing changes; Chinese headers have no upper-case letters.
        if !folded.utf8.contains(where: { (0x41...0x5A).contains($0) || $0 >= 0x80 }) { return folded }
        return folded.lowercased()
    }

    /// Maps each header cell to a column by its Chinese header or its English key; the first
    /// occurrence of a column wins, later ones are duplicates; unmatched cells are unknown.
    /// Empty header cells are neither (a trailing comma is not a column).
    public static func match(header: [String], schema: FileSchema) -> ColumnMapping {
        let standard = FileSchema.of(schema.kind)
        let table = standard.columns == schema.columns ? standardTables[schema.kind]! : NameTable(schema)
        var mapping = ColumnMapping(index: [:])
        for (i, cell) in header.enumerated() {
            let n = normalize(cell)
            if n.isEmpty { continue }
            guard let key = table.key(n) else { mapping.unknown.append((i, cell)); continue }
            if mapping.index[key] != nil { mapping.duplicates.append((i, key, cell)) } else { mapping.index[key] = i }
        }
        mapping.missingRequired = schema.columns.filter { $0.presence == .required && mapping.index[$0.key] == nil }
        return mapping
    }

    /// Normalized column name → key, built once per file kind rather than once per file. Looked up
    /// by UTF-8 bytes first: equal bytes are equal strings, and hashing bytes skips the Unicode
    /// normalization a String key needs for Chinese text; only a miss asks the String table, so a
    /// header in another normalization form still matches exactly as before.
    struct NameTable: Sendable {
        var byString: [String: String] = [:]
        var byBytes: [[UInt8]: String] = [:]
        init(_ schema: FileSchema) {
            for c in schema.columns {
                byString[normalize(c.key)] = c.key
                byString[normalize(c.header)] = c.key
            }
            for (name, key) in byString { byBytes[Array(name.utf8)] = key }
        }
        func key(_ normalized: String) -> String? {
            if let key = byBytes[Array(normalized.utf8)] { return key }
            return byString[normalized]
        }
    }
    static let standardTables: [FileKind: NameTable] =
        Dictionary(uniqueKeysWithValues: FileKind.allCases.map { ($0, NameTable(FileSchema.of($0))) })

    /// The file kind whose columns a header matches best (for `inspect` on a file of any name).
    public static func bestKind(for header: [String]) -> FileKind? {
        var best: (FileKind, Int)?
        for kind in FileKind.allCases {
            let m = match(header: header, schema: kind.schema)
            if m.index.count > (best?.1 ?? 0) { best = (kind, m.index.count) }
        }
        return best?.0
    }
}
