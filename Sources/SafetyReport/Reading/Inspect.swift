// `safety-report inspect FILE [--json]` (SPEC §6): what the reader sees in one CSV file.

/// How the reader sees one file: encoding, separator, line endings, header mapping and counts,
/// or why the file is rejected whole. Built from bytes and a file name; no I/O.
public struct InspectReport: Sendable, Equatable {
    /// How the file kind was chosen.
    public enum KindSource: String, Sendable, Equatable {
        /// The file is named inspections/hazards/agreements/trainings.csv (any case).
        case fileName = "from the file name"
        /// Any other name: the kind whose columns the header matches best.
        case header = "guessed from the header"
        /// A workbook's sheet named 排查记录 / inspections …, or the one sheet of `hazards.xlsx`.
        case sheet = "from the sheet's name"
    }

    /// What one header cell maps to.
    public enum CellMapping: Sendable, Equatable {
        case column(key: String)
        case duplicate(key: String)
        case unknown
        /// An empty header cell (e.g. a trailing comma) is no column at all.
        case empty
    }

    public struct HeaderCell: Sendable, Equatable {
        /// 0-based field index.
        public var index: Int
        /// The cell as written (untrimmed).
        public var header: String
        public var mapping: CellMapping
    }

    public var fileName: String
    /// Set when the file is rejected whole; everything below is then empty.
    public var failure: ReadFailure?
    public var parsed: ParsedCSV?
    public var kind: FileKind?
    public var kindSource: KindSource?
    /// Physical line of the header (the first non-blank record).
    public var headerLine: Int?
    public var headerCells: [HeaderCell]
    /// Required columns of `kind` absent from the header: the file would be rejected whole.
    public var missingRequired: [ColumnSpec]
    /// Non-blank records after the header: the data rows validation will read.
    public var dataRecords: Int
    /// Blank records (every cell empty after trimming), skipped and not counted.
    public var blankRecords: Int
    /// Every record, header and blank ones included.
    public var totalRecords: Int
    /// Data records with fewer cells than the header (the missing ones read as empty).
    public var shortRecords: Int
    /// Data records with non-empty cells beyond the header (ignored with a warning).
    public var longRecords: Int

    /// Reads `bytes` as the pipeline would; `fileName` (a path is fine) picks the file kind.
    public init(bytes: [UInt8], fileName: String) {
        self.fileName = fileName
        headerCells = []; missingRequired = []
        dataRecords = 0; blankRecords = 0; totalRecords = 0; shortRecords = 0; longRecords = 0
        let parsed: ParsedCSV
        do { parsed = try SourceReader.read(bytes) } catch { failure = error; return }
        analyze(parsed, fileName: fileName, kind: nil)
    }

    /// One sheet of a workbook, already read into records; `kind` is the dataset the sheet stands for.
    public init(sheet parsed: ParsedCSV, name: String, kind: FileKind) {
        self.fileName = name
        headerCells = []; missingRequired = []
        dataRecords = 0; blankRecords = 0; totalRecords = 0; shortRecords = 0; longRecords = 0
        analyze(parsed, fileName: name, kind: kind)
    }

    private mutating func analyze(_ parsed: ParsedCSV, fileName: String, kind fixed: FileKind?) {
        self.parsed = parsed
        totalRecords = parsed.records.count
        blankRecords = parsed.records.count { $0.isBlank }
        guard let header = SourceReader.header(of: parsed) else { return }
        headerLine = header.line

        let baseName = String(fileName.split(separator: "/", omittingEmptySubsequences: false).last ?? "").lowercased()
        if let fixed {
            kind = fixed; kindSource = .sheet
        } else if let byName = FileKind.allCases.first(where: { $0.fileName == baseName }) {
            kind = byName; kindSource = .fileName
        } else if let guessed = HeaderMatcher.bestKind(for: header.fields) {
            kind = guessed; kindSource = .header
        }

        if let kind {
            let m = HeaderMatcher.match(header: header.fields, schema: kind.schema)
            let keyAt = Dictionary(uniqueKeysWithValues: m.index.map { ($0.value, $0.key) })
            let duplicateAt = Dictionary(m.duplicates.map { ($0.index, $0.key) }, uniquingKeysWith: { a, _ in a })
            headerCells = header.fields.enumerated().map { i, cell in
                let mapping: CellMapping
                if let key = keyAt[i] { mapping = .column(key: key) }
                else if let key = duplicateAt[i] { mapping = .duplicate(key: key) }
                else if HeaderMatcher.normalize(cell).isEmpty { mapping = .empty }
                else { mapping = .unknown }
                return HeaderCell(index: i, header: cell, mapping: mapping)
            }
            missingRequired = m.missingRequired
        } else {
            headerCells = header.fields.enumerated().map { i, cell in
                HeaderCell(index: i, header: cell, mapping: HeaderMatcher.normalize(cell).isEmpty ? .empty : .unknown)
            }
        }

        let width = header.fields.count
        for record in SourceReader.dataRecords(of: parsed) where !record.isBlank {
            dataRecords += 1
            if record.fields.count < width { shortRecords += 1 }
            if record.fields.dropFirst(width).contains(where: { !$0.trimmedCell.isEmpty }) { longRecords += 1 }
        }
    }

    /// The human-readable report printed by `inspect` (English, like the rest of the CLI text;
    /// rejection messages stay in Chinese as they are shown to clerks).
    public var text: String {
        var out = "File:          \(fileName)\n"
        if let failure {
            out += "Rejected whole (\(failure.rule)):\n  \(failure.message)\n"
            return out
        }
        guard let parsed else { return out }
        out += "Encoding:      \(parsed.encoding.rawValue)\n"
        out += "Separator:     \(parsed.separator.name)\n"
        out += "Line endings:  \(parsed.lineEndings.rawValue)\n"
        return out + columnsText
    }

    /// From the file kind on: what a CSV file and a workbook's sheet share.
    public var columnsText: String {
        var out = ""
        if let kind, let kindSource {
            out += "File kind:     \(kind.rawValue) (\(kind.chinese)), \(kindSource.rawValue)\n"
        } else {
            out += "File kind:     unknown (the header matches no file's columns)\n"
        }
        out += "Header:        line \(headerLine ?? 0), \(headerCells.count) cells\n"
        let shown = headerCells.map { Self.shown($0.header) }
        let pad = shown.map(Self.displayWidth).max() ?? 0
        for (cell, text) in zip(headerCells, shown) {
            let target: String
            switch cell.mapping {
            case .column(let key): target = key
            case .duplicate(let key): target = "(second \(key): ignored)"
            case .unknown: target = "(unknown column: ignored)"
            case .empty: target = "(empty header cell)"
            }
            let number = String(cell.index + 1)
            out += String(repeating: " ", count: max(0, 4 - number.count)) + number + "  "
                + text + String(repeating: " ", count: pad - Self.displayWidth(text)) + "  -> " + target + "\n"
        }
        if !missingRequired.isEmpty {
            out += "Missing required columns: "
                + missingRequired.map { "\($0.key) (\($0.header))" }.joined(separator: ", ")
                + " -- the file would be rejected whole\n"
        }
        out += "Records:       \(dataRecords) data, \(blankRecords) blank (skipped), \(totalRecords) in total with the header\n"
        if shortRecords > 0 { out += "               \(shortRecords) with fewer cells than the header (missing cells read as empty)\n" }
        if longRecords > 0 { out += "               \(longRecords) with non-empty cells beyond the header (ignored)\n" }
        return out
    }

    /// Terminal columns a string takes: CJK and full-width characters take two, so Chinese
    /// headers line up.
    private static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { width, c in
            switch c.value {
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
                 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x20000...0x3FFFD: width + 2
            default: width + 1
            }
        }
    }

    /// A header cell as shown in the text report: quoted, with control characters escaped.
    private static func shown(_ cell: String) -> String { cell.quotedForLog }

    /// `inspect --json`: every record, header and blank ones included, as one JSON array of
    /// strings per line, exactly as parsed (decoded, unquoted, untrimmed). Each line ends in "\n".
    /// Only `"`, `\` and control characters are escaped; everything else is written as UTF-8.
    public static func jsonLines(_ parsed: ParsedCSV) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(parsed.records.count * 64)
        for record in parsed.records {
            out.append(UInt8(ascii: "["))
            for (i, field) in record.fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(field, to: &out)
            }
            out += [UInt8(ascii: "]"), 0x0A]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
