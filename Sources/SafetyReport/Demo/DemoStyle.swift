// How one village's clerk writes files (SPEC §3.1 variations), and the CSV writer that applies it.

/// One submission file before it is written: cells in the schema's column order.
struct DemoTable {
    let kind: FileKind
    var rows: [[String]] = []
    /// Columns left out of the header and rows (the "required column missing" error).
    var dropped: Set<String> = []
    init(_ kind: FileKind) { self.kind = kind }
}

/// The habits of one clerk: encoding, line ends, header language, date and boolean spellings …
struct DemoStyle {
    enum Encoding: CaseIterable { case utf8, utf8BOM, gb18030, utf16LE }
    enum HeaderForm: CaseIterable { case chinese, english, englishMixedCase, chineseWide, mixed }
    enum DateForm: CaseIterable { case iso, slash, dot, chinese, compact, slashWithTime }
    enum BoolForm: CaseIterable { case chinese, yn, yesNo, trueFalse, oneZero, tick }
    enum EnumForm: CaseIterable { case label, key, keyCapitalized }

    var encoding: Encoding = .utf8
    var crlf = false
    var header: HeaderForm = .chinese
    /// When set, columns come in an order shuffled by this value (fixed per village).
    var columnOrderSeed: UInt64?
    var remarkColumn = false
    var dateForm: DateForm = .iso
    /// Some rows type digits in numbers and dates with a Chinese input method (０–９).
    var fullWidthDigits = false
    var boolForm: BoolForm = .chinese
    var enumForm: EnumForm = .label
    var blankRows = false
    var oddFileNames = false
    /// Descriptions with ASCII commas, quotes and line breaks, which need RFC 4180 quoting.
    var punctuatedText = false

    /// Plain UTF-8, LF, Chinese headers in the SPEC's order, ISO dates, 是/否, Chinese labels.
    static let plain = DemoStyle()

    /// The town office saves from Excel on Windows: UTF-8 with BOM, CRLF, otherwise plain.
    static let office: DemoStyle = {
        var s = DemoStyle()
        s.encoding = .utf8BOM
        s.crlf = true
        return s
    }()

    /// Village `index`'s habits. Every dimension rotates with a stride coprime to its number of
    /// values, so any run of a few villages shows every value, and village 0 is plain.
    static func forVillage(_ index: Int, seed: UInt64) -> DemoStyle {
        func rotate<T: CaseIterable>(_: T.Type, stride: Int) -> T {
            let all = Array(T.allCases)
            return all[(index * stride) % all.count]
        }
        var s = DemoStyle()
        s.encoding = rotate(Encoding.self, stride: 1)
        s.crlf = s.encoding == .utf16LE || index % 3 == 1 || s.encoding == .gb18030
        s.header = rotate(HeaderForm.self, stride: 2)
        s.columnOrderSeed = index % 3 == 2 ? DemoRandom.mix(seed ^ UInt64(index)) : nil
        s.remarkColumn = index % 10 == 3
        s.dateForm = rotate(DateForm.self, stride: 5)
        s.fullWidthDigits = index % 7 == 5
        s.boolForm = rotate(BoolForm.self, stride: 1)
        s.enumForm = rotate(EnumForm.self, stride: 1)
        s.blankRows = index % 3 == 1
        s.oddFileNames = index % 4 == 2
        s.punctuatedText = index % 2 == 1
        return s
    }

    // MARK: Values

    func date(_ d: Day) -> String { dateText(d.year, d.month, d.day) }

    /// Any year, month and day, possible or not (for the impossible-date error).
    func dateText(_ y: Int, _ m: Int, _ d: Int) -> String {
        switch dateForm {
        case .iso: return "\(Day.pad(y, 4))-\(Day.pad(m, 2))-\(Day.pad(d, 2))"
        case .slash: return "\(y)/\(m)/\(d)"
        case .dot: return "\(y).\(m).\(d)"
        case .chinese: return "\(y)年\(m)月\(d)日"
        case .compact: return "\(Day.pad(y, 4))\(Day.pad(m, 2))\(Day.pad(d, 2))"
        case .slashWithTime: return "\(y)/\(m)/\(d) 0:00"
        }
    }

    func bool(_ b: Bool) -> String {
        switch boolForm {
        case .chinese: return b ? "是" : "否"
        case .yn: return b ? "Y" : "N"
        case .yesNo: return b ? "yes" : "no"
        case .trueFalse: return b ? "TRUE" : "false"
        case .oneZero: return b ? "1" : "0"
        case .tick: return b ? "√" : "×"
        }
    }

    func value<E: LabeledEnum>(_ e: E) -> String {
        switch enumForm {
        case .label: return e.label
        case .key: return e.key
        case .keyCapitalized: return e.key.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "_")
        }
    }

    func fileName(_ kind: FileKind) -> String {
        guard oddFileNames else { return kind.fileName }
        switch kind {
        case .inspections: return "Inspections.csv"
        case .hazards: return "Hazards.CSV"
        case .agreements: return "AGREEMENTS.csv"
        case .trainings: return "Trainings.Csv"
        }
    }

    // MARK: Writing

    private func headerCell(_ column: ColumnSpec, position: Int) -> String {
        switch header {
        case .chinese: return column.header
        case .english: return column.key
        case .englishMixedCase:
            let word = column.key.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "_")
            return position % 2 == 0 ? " " + word : word + "  "
        case .chineseWide:
            let wide = column.header.replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            return position % 2 == 0 ? "\u{3000}" + wide : wide + "\u{3000}"
        case .mixed: return position % 2 == 0 ? column.header : column.key.uppercased()
        }
    }

    /// The file's bytes: header, rows, blank rows, quoting, line ends and encoding as this clerk does.
    func render(_ table: DemoTable) -> [UInt8] {
        let schema = table.kind.schema
        var columns = Array(schema.columns.indices.filter { !table.dropped.contains(schema.columns[$0].key) })
        if let orderSeed = columnOrderSeed {
            var rng = DemoRandom(seed: orderSeed, UInt64(table.kind.demoIndex))
            columns = rng.shuffled(columns)
        }
        let separator: Character = encoding == .utf16LE ? "\t" : ","
        let newline = crlf ? "\r\n" : "\n"
        let width = columns.count + (remarkColumn ? 1 : 0)
        var text = ""
        func line(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                if i > 0 { text.append(separator) }
                text += quoted(cell, separator: separator)
            }
            text += newline
        }
        var head = columns.enumerated().map { headerCell(schema.columns[$0.element], position: $0.offset) }
        if remarkColumn { head.append("备注") }
        line(head)
        for (r, row) in table.rows.enumerated() {
            let wide = fullWidthDigits && r % 3 == 1
            var cells = columns.map { c -> String in
                let cell = c < row.count ? row[c] : ""
                switch schema.columns[c].type {
                case .date, .integer, .decimal: return wide ? DemoStyle.widen(cell) : cell
                default: return cell
                }
            }
            if remarkColumn { cells.append(DemoNames.remarks[(r * 5 + table.kind.demoIndex) % DemoNames.remarks.count]) }
            line(cells)
            if blankRows && r == 0 && table.rows.count > 1 {
                text += String(repeating: String(separator), count: width - 1) + newline
            }
        }
        if blankRows && !table.rows.isEmpty {
            text += String(repeating: String(separator), count: width - 1) + newline
        }
        return encode(text)
    }

    private func quoted(_ cell: String, separator: Character) -> String {
        guard cell.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return cell
        }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func encode(_ text: String) -> [UInt8] {
        switch encoding {
        case .utf8: return Array(text.utf8)
        case .utf8BOM: return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        case .gb18030:
            // Every scalar has a GB18030 form, so this cannot fail; UTF-8 is only a formal fallback.
            return (try? Iconv.convert(Array(text.utf8), from: "UTF-8", to: "GB18030")) ?? Array(text.utf8)
        case .utf16LE:
            var bytes: [UInt8] = [0xFF, 0xFE]
            bytes.reserveCapacity(2 + text.utf16.count * 2)
            for unit in text.utf16 { bytes.append(UInt8(unit & 0xFF)); bytes.append(UInt8(unit >> 8)) }
            return bytes
        }
    }

    /// ASCII digits and date punctuation as their full-width forms (０–９, －, ．, ／, ：).
    static func widen(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "0"..."9", "-", ".", "/", ":": out.append(Unicode.Scalar(u.value + 0xFEE0)!)
            default: out.append(u)
            }
        }
        return String(out)
    }
}

extension FileKind {
    /// Position in `allCases`, used to vary layouts per file without hashing.
    var demoIndex: Int { FileKind.allCases.firstIndex(of: self)! }
}
