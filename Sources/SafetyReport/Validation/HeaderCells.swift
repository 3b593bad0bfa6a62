// Header matching from the header record's bytes when every cell is spelled as the templates spell it (no String per cell).

/// A header matched to a schema by position: `ColumnMapping` without its dictionary.
struct HeaderPositions {
    /// For each of the schema's columns, in its order: the field holding it (the first occurrence), or -1.
    var found: [Int]
    var unknown: [(index: Int, header: String)]
    var duplicates: [(index: Int, key: String, header: String)]
    var missingRequired: [ColumnSpec]

    /// The same as a `ColumnMapping` (`HeaderMatcher.match`'s result).
    func mapping(_ schema: FileSchema) -> ColumnMapping {
        var index: [String: Int] = Dictionary(minimumCapacity: found.count)
        for (c, i) in found.enumerated() where i >= 0 { index[schema.columns[c].key] = i }
        return ColumnMapping(index: index, unknown: unknown, duplicates: duplicates, missingRequired: missingRequired)
    }
}

/// What `HeaderMatcher.match` makes of the common spellings of a kind's column names, computed once by
/// `match`'s own normalization: a header whose every non-blank cell is one of them, between cell spaces, gets
/// exactly `match`'s mapping without a String, a fold and a lowercased copy per cell. Header matching was a
/// tenth of `check` on the demo town, whose files are small. A class (immutable, made once per kind): handed out
/// for every file, a struct of four arrays was copied and released field by field.
final class HeaderSpellings: Sendable {
    /// Standard schema of the kind, made once (`FileSchema.of` builds its list on every call).
    let schema: FileSchema
    /// Non-ASCII spellings (Chinese headers, with ASCII or full-width brackets) as UTF-8 → the key `match` gives.
    private let spellings: [(bytes: [UInt8], column: Int)]
    /// Every ASCII name of the kind's table as `normalize` makes it (lower case) → its key.
    private let asciiNames: [(bytes: [UInt8], column: Int)]
    /// `match`'s own table, for a cell spelled otherwise.
    private let table: HeaderMatcher.NameTable

    init(_ kind: FileKind) {
        schema = FileSchema.of(kind)
        let table = HeaderMatcher.NameTable(schema)
        var spellings: [(bytes: [UInt8], column: Int)] = []
        let columns = schema.columns
        func column(_ key: String) -> Int { columns.firstIndex { $0.key == key }! }
        for c in schema.columns {
            let wide = c.header.replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            for spelling in [c.header, wide] where spelling.utf8.contains(where: { $0 >= 0x80 }) {
                let n = HeaderMatcher.normalize(spelling)
                guard !n.isEmpty, let key = table.key(n), !spellings.contains(where: { $0.bytes.elementsEqual(spelling.utf8) }) else { continue }
                spellings.append((Array(spelling.utf8), column(key)))
            }
        }
        self.spellings = spellings
        self.table = table
        asciiNames = table.byString.filter { !$0.key.isEmpty && $0.key.utf8.allSatisfy { $0 < 0x80 } }
            .map { (bytes: Array($0.key.utf8), column: column($0.value)) }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
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

    /// `HeaderMatcher.match(header:schema:)` of the record's cells. `match` decides each cell on its own (its
    /// column, or unknown), so a cell spelled otherwise than the templates (a 备注 column, full-width letters) is
    /// decided by `match`'s own String normalization and table, and the others from their bytes; the whole
    /// header used to go the String way for one such cell (a sixth of the demo town's files).
    func match(_ header: RecordBytes) -> ColumnMapping { positions(header).mapping(schema) }

    /// `match` as positions, without the mapping's dictionary: validation's frame reads the columns by position
    /// (filling and hashing the dictionary was a quarter of a small file's header).
    func positions(_ header: RecordBytes) -> HeaderPositions {
        let columns = schema.columns
        // Where each column was found, kept by position.
        var found = [Int](repeating: -1, count: columns.count)
        var duplicates: [(index: Int, key: String, header: String)] = []
        var unknown: [(index: Int, header: String)] = []
        for i in 0..<header.count {
            let cell = header.field(i)
            if RecordBytes.isBlankCell(cell) { continue }   // `normalize` makes it empty: no column
            var c = column(Self.core(cell))
            if c == nil {
                let written = header.string(i)
                let n = HeaderMatcher.normalize(written)
                if n.isEmpty { continue }
                guard let key = table.key(n) else { unknown.append((i, written)); continue }
                c = columns.firstIndex { $0.key == key }
            }
            guard let c else { continue }   // the table holds only this schema's keys
            if found[c] >= 0 {
                duplicates.append((i, columns[c].key, header.string(i)))
            } else {
                found[c] = i
            }
        }
        var missing: [ColumnSpec] = []
        for (c, i) in found.enumerated() where i < 0 && columns[c].presence == .required { missing.append(columns[c]) }
        return HeaderPositions(found: found, unknown: unknown, duplicates: duplicates, missingRequired: missing)
    }

    /// The column (position in the schema) of a cell with its edge spaces taken off; nil when it is no known spelling. An ASCII cell
    /// normalizes to its lower case (nothing to fold, no Character of more than one byte, CR LF aside,
    /// which never equals a name); any other must be a spelling byte for byte.
    private func column(_ core: UnsafeBufferPointer<UInt8>) -> Int? {
        if core.allSatisfy({ $0 < 0x80 }) {
            return asciiNames.first(where: { name in
                name.bytes.count == core.count && zip(name.bytes, core).allSatisfy { n, c in
                    n == (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c + 32 : c)
                }
            })?.column
        }
        return spellings.first(where: { CellParsers.sameBytes(core, $0.bytes) })?.column
    }

    /// The cell without the cell spaces `trimmedCell` takes off its ends, CR and LF aside (CR LF is one
    /// Character, no cell space): space, tab, U+3000, U+FEFF, U+00A0. Whatever remains must then be a
    /// known spelling, which starts and ends with a letter or a Han character, so every space taken off
    /// was a Character of its own, as `trimmedCell` sees it.
    static func core(_ cell: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = cell.count
        func spaceAt(_ i: Int) -> Int {   // length of the cell space starting at i, 0 if none
            let b = cell[i]
            if b == 0x20 || b == 0x09 { return 1 }
            if b == 0xE3, i + 2 < end, cell[i + 1] == 0x80, cell[i + 2] == 0x80 { return 3 }
            if b == 0xEF, i + 2 < end, cell[i + 1] == 0xBB, cell[i + 2] == 0xBF { return 3 }
            if b == 0xC2, i + 1 < end, cell[i + 1] == 0xA0 { return 2 }
            return 0
        }
        func spaceBefore(_ j: Int) -> Int {   // length of the cell space ending at j, 0 if none
            let b = cell[j - 1]
            if b == 0x20 || b == 0x09 { return 1 }
            if j - 3 >= start, b == 0x80, cell[j - 2] == 0x80, cell[j - 3] == 0xE3 { return 3 }
            if j - 3 >= start, b == 0xBF, cell[j - 2] == 0xBB, cell[j - 3] == 0xEF { return 3 }
            if j - 2 >= start, b == 0xA0, cell[j - 2] == 0xC2 { return 2 }
            return 0
        }
        while start < end { let n = spaceAt(start); if n == 0 { break }; start += n }
        while end > start { let n = spaceBefore(end); if n == 0 { break }; end -= n }
        return UnsafeBufferPointer(rebasing: cell[start..<end])
    }
}
