// Header matching from the header record's bytes when every cell is spelled as the templates spell it (no String per cell).

/// What `HeaderMatcher.match` makes of the common spellings of a kind's column names, computed once by
/// `match`'s own normalization: a header whose every non-blank cell is one of them gets exactly `match`'s
/// mapping without a String, a fold and a lowercased copy per cell. Header matching was a tenth of `check`
/// on the demo town, whose files are small.
struct HeaderSpellings: Sendable {
    /// Standard schema of the kind, made once (`FileSchema.of` builds its list on every call).
    let schema: FileSchema
    /// Spelling as UTF-8 → the column key `match` maps it to.
    private let keys: [(bytes: [UInt8], key: String)]

    init(_ kind: FileKind) {
        schema = FileSchema.of(kind)
        let table = HeaderMatcher.NameTable(schema)
        var keys: [(bytes: [UInt8], key: String)] = []
        for c in schema.columns {
            for spelling in [c.header, c.key, c.key.uppercased()] {
                let n = HeaderMatcher.normalize(spelling)
                guard !n.isEmpty, let key = table.key(n), !keys.contains(where: { $0.bytes.elementsEqual(spelling.utf8) }) else { continue }
                keys.append((Array(spelling.utf8), key))
            }
        }
        self.keys = keys
    }

    static func of(_ kind: FileKind) -> HeaderSpellings {
        switch kind {
        case .inspections: all.0
        case .hazards: all.1
        case .agreements: all.2
        case .trainings: all.3
        }
    }
    private static let all = (HeaderSpellings(.inspections), HeaderSpellings(.hazards),
                              HeaderSpellings(.agreements), HeaderSpellings(.trainings))

    /// `HeaderMatcher.match(header:schema:)` of the record's cells, or nil when a cell is spelled otherwise.
    func match(_ header: RecordBytes) -> ColumnMapping? {
        var mapping = ColumnMapping(index: [:])
        for i in 0..<header.count {
            let cell = header.field(i)
            if RecordBytes.isBlankCell(cell) { continue }   // `normalize` makes it empty: no column
            guard let key = keys.first(where: { CellParsers.sameBytes(cell, $0.bytes) })?.key else { return nil }
            if mapping.index[key] != nil {
                mapping.duplicates.append((i, key, header.string(i)))
            } else {
                mapping.index[key] = i
            }
        }
        mapping.missingRequired = schema.columns.filter { $0.presence == .required && mapping.index[$0.key] == nil }
        return mapping
    }
}
