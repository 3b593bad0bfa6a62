// One data row under validation: reads its cells by column key and collects every issue it finds.

/// The cells of one record, read through the header's column mapping. Every typed accessor reports
/// its own problems (so a row lists all its bad cells, not just the first) and returns nil for them.
struct RowCells {
    /// Borrowed from the reader for the row's validation only (see `RecordBytes`).
    private(set) var record: RecordBytes
    /// What every row of a file shares, made once per file: copying a ValidationContext (the whole
    /// config) and a ColumnMapping into each row's cells was a fifth of validation's time.
    final class Frame: @unchecked Sendable {
        /// The header's mapping (made from `found` when asked: only tests and tools ask).
        var mapping: ColumnMapping {
            var m = HeaderPositions(found: found, unknown: [], duplicates: [], missingRequired: []).mapping(schema)
            for e in extra { m.index[e.key] = e.index }
            return m
        }
        /// For each of the schema's columns, in its order: its field, or -1.
        private let found: [Int]
        private let extra: [(key: String, index: Int)]
        let schema: FileSchema
        let fileName: String
        /// The context's parts read for every row, kept apart so reading one never copies the whole context.
        let period: Period, folder: String, submitter: Submitter
        /// The keys' representations (a String's two words), mapped columns first, then the schema's columns
        /// the header lacks (index -1): callers pass the same literals the schema holds, and equal words are
        /// the same String, so a hit — also on an absent column, which used to miss here and compare every
        /// key as a String — costs two integer compares. A plain buffer, immutable after init (hence
        /// `@unchecked Sendable`): reading an array property retained and released it for every cell.
        private let keyWords: UnsafeMutableBufferPointer<(w0: UInt64, w1: UInt64, index: Int)>
        /// The same entries by slot (`slot`), so a row's lookup is not a scan: scanning `keyWords` for each of a
        /// training row's eight keys was a third of the training validator's own samples.
        private let keySlots: UnsafeMutableBufferPointer<(w0: UInt64, w1: UInt64, index: Int)>
        /// A village's groups (none for the town), checked for every row without copying the Village; searched,
        /// not hashed: a village has a handful, and hashing them cost more than the search for every small file.
        let groups: [Group]
        /// The exact names of a training's form and audience (`RowCells.plainTraining`), read from the frame: read from
        /// their static lets, each was a `swift_once` call per row.
        let trainingForms = ExactNames.trainingForms, audiences = ExactNames.audiences
        /// The period's year's digits and its number of days, for the plain paths' dates (`CellParsers.plainDate(_:in:…)`).
        let periodYearDigits: UInt32, periodDays: Int
        /// Typed cells parsed from their bytes where that is certain to decide as the String path does
        /// (false: always the String path, which tests compare against).
        let byteLevel: Bool
        /// A frame for a header mapped as `mapping` says (tests and callers with a mapping; its keys outside the
        /// schema are found too).
        convenience init(mapping: ColumnMapping, schema: FileSchema, context: ValidationContext, fileName: String, byteLevel: Bool = true) {
            let keys = Set(schema.columns.map(\.key))
            self.init(found: schema.columns.map { mapping.index[$0.key] ?? -1 }, schema: schema, context: context,
                      fileName: fileName, byteLevel: byteLevel,
                      extra: mapping.index.filter { !keys.contains($0.key) }.map { (key: $0.key, index: $0.value) })
        }

        /// A frame for a header matched by position (`HeaderSpellings.positions`): no dictionary is made or read.
        /// `extra`: columns outside the schema (tests).
        init(found: [Int], schema: FileSchema, context: ValidationContext, fileName: String, byteLevel: Bool = true,
             extra: [(key: String, index: Int)] = []) {
            // The context itself is not kept (nothing read it): copying it into every file's frame and
            // releasing it again, the config's references one by one, was ~3 % of validating the town's small files.
            self.found = found; self.schema = schema; self.fileName = fileName
            self.byteLevel = byteLevel
            period = context.period; folder = context.folder; submitter = context.submitter
            periodYearDigits = CellParsers.yearDigits(context.period)
            periodDays = Day.daysIn(year: context.period.year, month: context.period.month)
            let columns = schema.columns
            self.extra = extra
            let table = UnsafeMutableBufferPointer<(w0: UInt64, w1: UInt64, index: Int)>.allocate(capacity: columns.count + extra.count)
            var n = 0
            func add(_ key: String, _ index: Int) {
                let words = unsafeBitCast(key, to: (UInt64, UInt64).self)
                table[n] = (w0: words.0, w1: words.1, index: index); n += 1
            }
            // The header's columns first (what rows ask for most), then the ones it lacks (index -1).
            for (c, column) in columns.enumerated() where found[c] >= 0 { add(column.key, found[c]) }
            for (c, column) in columns.enumerated() where found[c] < 0 { add(column.key, -1) }
            for e in extra { add(e.key, e.index) }
            keyWords = table
            // Each entry also in its slot, unless an earlier one holds it: the first of equal keys wins, as in the
            // scan, and a key whose slot holds another is still found by the scan.
            let slots = UnsafeMutableBufferPointer<(w0: UInt64, w1: UInt64, index: Int)>.allocate(capacity: Self.slotCount)
            // Empty slots hold words (0, 0), which no String has (even "" has its discriminator's bits set).
            slots.initialize(repeating: (w0: 0, w1: 0, index: -1))
            for c in table.prefix(n) {
                let s = Self.slot(c.w0, c.w1)
                if slots[s].w0 == 0 && slots[s].w1 == 0 { slots[s] = c }
            }
            keySlots = slots
            // Room for the longest plain path's places (the trainings' eight) whatever the schema, the rest absent.
            let fields = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(8, found.count))
            fields.initialize(repeating: -1, count: Swift.max(8, found.count))
            for c in found.indices { fields[c] = found[c] }
            columnFields = fields
            groups = if case .village(let v) = context.submitter { v.groups } else { [] }
        }
        deinit { keyWords.deallocate(); keySlots.deallocate(); columnFields.deallocate() }
        /// `found` as plain memory: the field of the schema's column at each place of `schema.columns`, or -1 when the
        /// header lacks it. The plain paths read their columns by place (`RowCells.bytes(column:)`): one load, where a
        /// key's lookup was two loads and compares of its words, a test of the index and a compare with the count
        /// (eight columns a training row; thirteenth session).
        private let columnFields: UnsafeMutablePointer<Int>
        @inline(__always)
        func field(ofColumn c: Int) -> Int { columnFields[c] }
        /// Inlined into the accessors, which are inlined into the validators, so the literal key's words, and its
        /// slot, are constants there: one load and two compares. Anything not in its slot goes to `scanIndex`.
        @inline(__always)
        func index(_ key: String) -> Int? {
            let words = unsafeBitCast(key, to: (UInt64, UInt64).self)
            let c = keySlots[Self.slot(words.0, words.1)]
            if c.w0 == words.0 && c.w1 == words.1 { return c.index < 0 ? nil : c.index }
            return scanIndex(key)
        }
        /// The entries in order, then the schema by String: what `index` answered before the slots.
        @inline(never)
        func scanIndex(_ key: String) -> Int? {
            let words = unsafeBitCast(key, to: (UInt64, UInt64).self)
            for c in keyWords where c.w0 == words.0 && c.w1 == words.1 { return c.index < 0 ? nil : c.index }
            return slowIndex(key)
        }
        /// The key words' slot among `slotCount`. The multiplier gives each of the four schemas' keys (all small
        /// ASCII strings, whose words are their bytes) a slot of its own (`ReadingEighthPassTests`); a key sharing
        /// a slot with another would still be found, by the scan.
        @inline(__always)
        static func slot(_ w0: UInt64, _ w1: UInt64) -> Int { Int(truncatingIfNeeded: ((w0 ^ w1) &* 0x4501_a216_028c_0261) >> 59) }
        static let slotCount = 32
        /// Whether `key` is found in its slot (tests: every schema key should be).
        func isInItsSlot(_ key: String) -> Bool {
            let words = unsafeBitCast(key, to: (UInt64, UInt64).self)
            let c = keySlots[Self.slot(words.0, words.1)]
            return c.w0 == words.0 && c.w1 == words.1
        }
        @inline(never)
        private func slowIndex(_ key: String) -> Int? {
            for (c, column) in schema.columns.enumerated() where column.key == key { return found[c] < 0 ? nil : found[c] }
            for e in extra where e.key == key { return e.index }
            return nil
        }
    }
    let frame: Frame
    var mapping: ColumnMapping { frame.mapping }
    var schema: FileSchema { frame.schema }
    var fileName: String { frame.fileName }
    private(set) var issues: [ValidationIssue] = []
    /// True once any error was recorded: the row is rejected.
    private(set) var hasError = false

    init(record: RecordBytes, frame: Frame) { self.record = record; self.frame = frame }

    /// The cells of the file's next record, as a new `RowCells(record:frame:)` with this frame would be (the
    /// last row's issues dropped: take them first, `takeIssues`).
    @inline(__always)
    mutating func begin(_ record: RecordBytes) {
        self.record = record; hasError = false
        if !issues.isEmpty { issues = [] }
    }

    /// The row's issues, leaving none.
    mutating func takeIssues() -> [ValidationIssue] {
        let taken = issues
        issues = []
        return taken
    }

    var line: Int { record.line }

    /// The cell's bytes exactly as written; empty when the column is absent or the row is short.
    @inline(__always)
    func bytes(_ key: String) -> UnsafeBufferPointer<UInt8> {
        guard let i = frame.index(key), i < record.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        return record.field(i)
    }

    /// `bytes(key)` of the schema's column at place `c` of `schema.columns` (`TrainingColumn`, `InspectionColumn`).
    @inline(__always)
    func bytes(column c: Int) -> UnsafeBufferPointer<UInt8> {
        let i = frame.field(ofColumn: c)
        // An absent column's -1 is above every count as an unsigned number: one compare for both.
        guard UInt(bitPattern: i) < UInt(bitPattern: record.count) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return record.field(i)
    }

    /// The cell exactly as written; "" when the column is absent or the row is short.
    func raw(_ key: String) -> String { String(decoding: bytes(key), as: UTF8.self) }

    /// Free text: trimmed only, never folded.
    func text(_ key: String) -> String { raw(key).trimmedCell }

    /// Free text as `text(key)` has it, as the record's bytes where trimming is certain from them (no
    /// String made: a row encoded straight into the spill copies them), else the String.
    @inline(__always)
    func textCell(_ key: String) -> CellText {
        let b = bytes(key)
        // The usual cell, with no cell space at either end (or empty), decided where the accessor is inlined, as
        // `trimmedCellIfCertain` decides it first: its call and `textCell`'s were most of a theme's cost.
        if frame.byteLevel, RecordBytes.isUntrimmed(b) { return .bytes(b) }
        return textCell(key, cell: b)
    }

    @inline(never)
    private func textCell(_ key: String, cell: UnsafeBufferPointer<UInt8>) -> CellText {
        if frame.byteLevel, let b = RecordBytes.trimmedCellIfCertain(cell) { return .bytes(b) }
        return .string(text(key))
    }

    /// Required free text as a `CellText`; nil (with an error) when empty, as `requiredText`.
    @inline(__always)
    mutating func requiredTextCell(_ key: String) -> CellText? {
        let t = textCell(key)
        if t.isEmpty { requireValue(key); return nil }
        return t
    }

    /// `requiredTextCell` without the optional: the cell, empty with the error recorded when it is empty, so the
    /// caller decides by `hasError`. Bound out of an optional in the validator, the cell was copied and destroyed
    /// again through outlined value functions (a `swift_bridgeObjectRetain` and two releases) for every row.
    @inline(__always)
    mutating func requiredTextCellOrError(_ key: String) -> CellText {
        let t = textCell(key)
        if t.isEmpty { requireValue(key) }
        return t
    }

    /// A typed cell's comparable form: trimmed and full-width folded.
    func folded(_ key: String) -> String {
        if let b = asciiFolded(key) { return String(decoding: b, as: UTF8.self) }
        return CellParsers.fold(raw(key))
    }

    /// The cell's folded form as bytes when it is plain ASCII (`CellParsers.fold` of such a cell only trims
    /// spaces and tabs: no full-width form, no U+3000, every Character one byte); nil for anything else,
    /// left to the String path: non-ASCII bytes, and CR or LF (CR LF is one Character, no cell space).
    @inline(__always)
    func asciiFolded(_ key: String) -> UnsafeBufferPointer<UInt8>? { asciiFolded(cell: bytes(key)) }

    /// `asciiFolded` of bytes already looked up.
    @inline(__always)
    func asciiFolded(cell b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard frame.byteLevel else { return nil }
        guard let p = b.baseAddress else { return b }
        var start = 0, end = b.count
        for i in 0..<end { let c = p[i]; if c >= 0x80 || c == 0x0D || c == 0x0A { return nil } }
        while start < end, p[start] == 0x20 || p[start] == 0x09 { start += 1 }
        while end > start, p[end - 1] == 0x20 || p[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(start: p + start, count: end - start)
    }

    /// The column's Chinese header, as clerks know it.
    func header(_ key: String) -> String { frame.schema.column(key)?.header ?? key }

    mutating func error(_ key: String, _ rule: String, _ message: String, value: String? = nil) {
        hasError = true
        issues.append(issue(.error, key, rule, message, value: value))
    }

    mutating func warning(_ key: String, _ rule: String, _ message: String, value: String? = nil) {
        issues.append(issue(.warning, key, rule, message, value: value))
    }

    private func issue(_ severity: Severity, _ key: String, _ rule: String, _ message: String, value: String?) -> ValidationIssue {
        ValidationIssue(severity, period: frame.period, folder: frame.folder, file: frame.fileName, line: line,
                        column: key, value: value ?? raw(key), rule: rule, message: message)
    }

    // MARK: Required and typed cells

    @inline(never)
    mutating func requireValue(_ key: String) {
        error(key, "required.missing", "\(header(key))为必填项，不能为空，请填写。")
    }

    /// Required free text; nil (with an error) when empty.
    mutating func requiredText(_ key: String) -> String? {
        let t = text(key)
        if t.isEmpty { requireValue(key); return nil }
        return t
    }

    // The typed accessors below are inlined into the validators as far as an empty cell (an absent column, a
    // short row, an optional cell left blank: `.empty` with no issue, as each String parser gives for "", the
    // fold of an empty cell), with the column looked up once; the rest is out of line. Called for every column
    // of every row, an empty cell used to cost a call, a lookup per use and a parser call (about a tenth of a
    // big trainings file's `check`, where four of the eight columns are absent).

    /// A date cell; an error for a bad or impossible date, `.empty` left to the caller.
    @inline(__always)
    mutating func date(_ key: String) -> Parsed<Day> {
        let b = bytes(key)
        if b.isEmpty { return .empty }
        // A plain date read where the accessor is inlined, as the counts are: the call and the frame of the
        // out-of-line function (which holds the messages' String work) cost as much as the read.
        if frame.byteLevel, let d = CellParsers.plainDate(b) { return .value(d) }
        return date(key, cell: b)
    }

    @inline(never)
    private mutating func date(_ key: String, cell: UnsafeBufferPointer<UInt8>) -> Parsed<Day> {
        let result = if let b = asciiFolded(cell: cell) {
            CellParsers.date(ascii: b)
        } else if frame.byteLevel, let d = CellParsers.chineseDate(cell) {
            d
        } else {
            CellParsers.date(folded(key))
        }
        if case .invalid(let rule) = result {
            if rule == "date.invalid" {
                error(key, rule, "\(header(key))「\(text(key))」日期不存在，请核对月份和日期（如 2 月没有 30 日）。")
            } else {
                error(key, rule, "\(header(key))「\(text(key))」不是可识别的日期，请写成 2026-10-05、2026/10/5 或 2026年10月5日 的形式。")
            }
        }
        return result
    }

    @inline(__always)
    mutating func requiredDate(_ key: String) -> Day? {
        let result = date(key)
        if result == .empty { requireValue(key) }
        return result.value
    }

    /// An integer cell that must not be negative.
    @inline(__always)
    mutating func count(_ key: String) -> Parsed<Int> {
        let b = bytes(key)
        if b.isEmpty { return .empty }
        // Digits alone, read where the accessor is inlined: the out-of-line call and its frame were a third of it.
        if frame.byteLevel, let n = CellParsers.plainCount(b) { return .value(n) }
        return count(key, cell: b)
    }

    @inline(never)
    private mutating func count(_ key: String, cell: UnsafeBufferPointer<UInt8>) -> Parsed<Int> {
        let result = if let b = asciiFolded(cell: cell) { CellParsers.integer(ascii: b) } else { CellParsers.integer(folded(key)) }
        switch result {
        case .invalid(let rule):
            error(key, rule, "\(header(key))「\(text(key))」不是整数，请只填写数字，如 12 或 1,234。")
        case .value(let n) where n < 0:
            error(key, "integer.negative", "\(header(key))「\(text(key))」不能为负数，请填写 0 或正整数。")
            return .invalid(rule: "integer.negative")
        default: break
        }
        return result
    }

    @inline(__always)
    mutating func requiredCount(_ key: String) -> Int? {
        let result = count(key)
        if result == .empty { requireValue(key) }
        return result.value
    }

    /// A decimal cell that must not be negative.
    @inline(__always)
    mutating func amount(_ key: String) -> Parsed<Double> {
        let b = bytes(key)
        return b.isEmpty ? .empty : amount(key, cell: b)
    }

    @inline(never)
    private mutating func amount(_ key: String, cell: UnsafeBufferPointer<UInt8>) -> Parsed<Double> {
        let result = if let b = asciiFolded(cell: cell) { CellParsers.decimal(ascii: b) } else { CellParsers.decimal(folded(key)) }
        switch result {
        case .invalid(let rule):
            error(key, rule, "\(header(key))「\(text(key))」不是数字，请填写如 1.5 的数字（用小数点）。")
        case .value(let v) where v < 0:
            error(key, "decimal.negative", "\(header(key))「\(text(key))」不能为负数，请填写 0 或正数。")
            return .invalid(rule: "decimal.negative")
        default: break
        }
        return result
    }

    @inline(__always)
    mutating func boolean(_ key: String) -> Parsed<Bool> {
        let b = bytes(key)
        return b.isEmpty ? .empty : boolean(key, cell: b)
    }

    @inline(never)
    private mutating func boolean(_ key: String, cell b: UnsafeBufferPointer<UInt8>) -> Parsed<Bool> {
        // 是/否/√/× written exactly so (what clerks type) are their own folded, lowercased forms: the String
        // path below would give the same value. A String and a fold per cell were a twentieth of a hazard row.
        if frame.byteLevel {
            let words = Self.booleanWords
            if CellParsers.sameBytes(b, words.yes) || CellParsers.sameBytes(b, words.tick) { return .value(true) }
            if CellParsers.sameBytes(b, words.no) || CellParsers.sameBytes(b, words.cross) { return .value(false) }
        }
        let result = if let f = asciiFolded(cell: b) { CellParsers.boolean(ascii: f) } else { CellParsers.boolean(folded(key)) }
        if case .invalid(let rule) = result {
            error(key, rule, "\(header(key))「\(text(key))」无法识别，请填写“是”或“否”。")
        }
        return result
    }

    private static let booleanWords = (yes: Array("是".utf8), no: Array("否".utf8), tick: Array("√".utf8), cross: Array("×".utf8))

    @inline(__always)
    mutating func code(_ key: String) -> Parsed<String> {
        let b = bytes(key)
        return b.isEmpty ? .empty : code(key, cell: b)
    }

    @inline(never)
    private mutating func code(_ key: String, cell: UnsafeBufferPointer<UInt8>) -> Parsed<String> {
        let result = if let b = asciiFolded(cell: cell) { CellParsers.code(ascii: b) } else { CellParsers.code(folded(key)) }
        if case .invalid(let rule) = result {
            error(key, rule, "\(header(key))「\(text(key))」格式不正确：编码只能由字母、数字、下划线或连字符组成，以字母或数字开头，不超过 32 位。")
        }
        return result
    }

    @inline(__always)
    mutating func enumeration<E: LabeledEnum>(_ key: String, as type: E.Type, kind: EnumKind) -> Parsed<E> {
        let b = bytes(key)
        return b.isEmpty ? .empty : enumeration(key, cell: b, as: type, kind: kind)
    }

    @inline(never)
    private mutating func enumeration<E: LabeledEnum>(_ key: String, cell b: UnsafeBufferPointer<UInt8>, as type: E.Type,
                                                      kind: EnumKind) -> Parsed<E> {
        // A cell written exactly as a label or key is that value: every label and key is its own folded
        // form (`CellParsersByteTests`), so the String path would find the same first match.
        if frame.byteLevel {
            let names = kind.namesAsBytes
            for (i, e) in E.allCases.enumerated() where i < names.count {
                if CellParsers.sameBytes(b, names[i].label) || CellParsers.sameBytes(b, names[i].key) { return .value(e) }
            }
            // A plain ASCII cell (`asciiFolded`: its folded form is the trimmed bytes) written as a key in another
            // letter case or with spaces around it: `CellParsers.enumeration` compares the keys, which are lowercase
            // ASCII, with the cell lowercased, and no label is ASCII (`CellParsersByteTests`). Clerks' `Rectified`
            // or `Hazardous_Chemicals` used to take the String path's fold and lowercasing (a twentieth of
            // validating the demo town's hazards files).
            if let f = asciiFolded(cell: b) {
                if f.isEmpty { return .empty }
                for (i, e) in E.allCases.enumerated() where i < names.count {
                    if CellParsers.sameBytesIgnoringASCIICase(f, lowercase: names[i].key) { return .value(e) }
                }
            }
        }
        let f = folded(key)
        let result = CellParsers.enumeration(f, as: type)
        if case .invalid(let rule) = result {
            let choices = kind.choices
            if let label = CellParsers.suggestion(f, in: choices) {
                error(key, rule, "\(header(key))「\(text(key))」不在清单中，是否为「\(label)」？")
            } else {
                let list = choices.map(\.label).joined(separator: "、")
                error(key, rule, "\(header(key))「\(text(key))」不在清单中，请填写以下之一：\(list)。")
            }
        }
        return result
    }

    @inline(__always)
    mutating func requiredEnumeration<E: LabeledEnum>(_ key: String, as type: E.Type, kind: EnumKind) -> E? {
        let result = enumeration(key, as: type, kind: kind)
        if result == .empty { requireValue(key) }
        return result.value
    }

    // MARK: Shared rules

    /// A date that must fall inside the period.
    @inline(__always)
    mutating func requiredDateInPeriod(_ key: String) -> Day? {
        guard let d = requiredDate(key) else { return nil }
        guard frame.period.contains(d) else { outsidePeriod(key); return nil }
        return d
    }

    @inline(never)
    private mutating func outsidePeriod(_ key: String) {
        let p = frame.period
        error(key, "date.outside_period",
              "\(header(key))「\(text(key))」不在本期（\(p.chinese)）内，应在 \(p.firstDay) 至 \(p.lastDay) 之间；其他月份的记录请在对应月份报送。")
    }

    /// Optional group code: must be a group of this village; the town office fills none.
    /// Returns .some(nil) when empty, nil when wrong.
    @inline(__always)
    mutating func groupCode(_ key: String = "group_code") -> String?? {
        bytes(key).isEmpty ? .some(nil) : registeredGroupCode(key)
    }

    /// `groupCode` flattened: nil for an empty cell, and nil for a wrong one, its error recorded (`hasError` tells
    /// them apart). The `String??` bound in the validator was copied and destroyed through outlined value functions
    /// for every row, as the text cell above.
    @inline(__always)
    mutating func groupCodeOrError(_ key: String = "group_code") -> String? {
        bytes(key).isEmpty ? nil : registeredGroupCodeOrError(key)
    }

    @inline(never)
    private mutating func registeredGroupCodeOrError(_ key: String) -> String? { registeredGroupCode(key) ?? nil }

    @inline(never)
    private mutating func registeredGroupCode(_ key: String) -> String?? {
        switch code(key) {
        case .empty: return .some(nil)
        case .invalid: return nil
        case .value(let g):
            if frame.groups.contains(where: { $0.code == g }) { return .some(g) }
            switch frame.submitter {
            case .town:
                error(key, "group.unregistered", "镇级报送不应填写小组编码，请清空「\(text(key))」。")
                return nil
            case .village(let v):
                guard v.groups.contains(where: { $0.code == g }) else {
                    let known = v.groups.map(\.code)
                    let hint = known.isEmpty ? "\(v.selfReference)未登记任何小组，请清空此格" : "\(v.selfReference)的小组编码为：\(known.joined(separator: "、"))"
                    error(key, "group.unregistered", "小组编码「\(g)」不是\(v.name)登记的小组，\(hint)。")
                    return nil
                }
                return .some(g)
            }
        }
    }
}

extension RowCells {
    /// A plain date inside the frame's period (`CellParsers.plainDate(_:in:yearDigits:days:)`), else nil.
    @_transparent
    func plainDateInPeriod(_ b: UnsafeBufferPointer<UInt8>) -> Day? {
        CellParsers.plainDate(b, in: frame.period, yearDigits: frame.periodYearDigits, days: frame.periodDays)
    }

    /// A training row read whole from its cells' bytes when every cell is plain, so that the general path
    /// (`Validator.trainingDraft`) would accept it with no issue and the same values: a plain date inside the period
    /// (`CellParsers.plainDate`), no group code, a form written exactly as a label or key, a theme with nothing to
    /// trim, an audience empty or written exactly, participants and materials of plain digits (`plainCount`, not above
    /// the population: that row takes the general path for its warning), no hours. Anything else is nil, and the row
    /// goes the general way, which finds its issues as before. Only trivial values are made, nothing to retain or
    /// release, and no `Parsed`, `CellText` or optional String to destroy (`PlainTrainingTests` holds it to the
    /// general path).
    @inline(__always)
    func plainTraining(population: Int?) -> PlainTraining? {
        typealias C = TrainingColumn
        guard frame.byteLevel, bytes(column: C.groupCode).isEmpty, bytes(column: C.hours).isEmpty,
              let date = plainDateInPeriod(bytes(column: C.activityDate)) else { return nil }
        let theme = bytes(column: C.theme)
        guard !theme.isEmpty, RecordBytes.isUntrimmed(theme),
              let participants = CellParsers.plainCount(bytes(column: C.participants)) else { return nil }
        if let population, participants > population { return nil }
        let m = bytes(column: C.materials)
        var materials: Int?
        if !m.isEmpty {
            guard let v = CellParsers.plainCount(m) else { return nil }
            materials = v
        }
        guard let form = frame.trainingForms.ordinal(bytes(column: C.form)) else { return nil }
        let a = bytes(column: C.audience)
        var audience: UInt8 = 0
        if !a.isEmpty {
            guard let o = frame.audiences.ordinal(a) else { return nil }
            audience = UInt8(o + 1)
        }
        return PlainTraining(line: line, date: date, form: UInt8(form), audience: audience, theme: theme,
                             participants: participants, materials: materials)
    }
}

extension RowCells {
    /// An inspection row read whole from its cells' bytes when every cell is plain (as `plainTraining`): a plain date
    /// inside the period, no group code, an inspector with nothing to trim, a scope empty or with nothing to trim,
    /// hazards found of plain digits. Anything else is nil and goes the general way (`Validator.inspectionDraft`).
    @inline(__always)
    func plainInspection() -> PlainInspection? {
        typealias C = InspectionColumn
        guard frame.byteLevel, bytes(column: C.groupCode).isEmpty,
              let date = plainDateInPeriod(bytes(column: C.inspectionDate)) else { return nil }
        let inspector = bytes(column: C.inspector), scope = bytes(column: C.scope), found = bytes(column: C.hazardsFound)
        guard !inspector.isEmpty, RecordBytes.isUntrimmed(inspector), RecordBytes.isUntrimmed(scope),
              let hazardsFound = CellParsers.plainCount(found) else { return nil }
        return PlainInspection(line: line, date: date, inspector: inspector, scope: scope, hazardsFoundText: found,
                               hazardsFound: hazardsFound)
    }
}

/// The places of the trainings schema's columns in `FileSchema.of(.trainings).columns`, for `RowCells.bytes(column:)`
/// (`ReadingThirteenthPassTests` holds them to the schema's keys).
enum TrainingColumn {
    static let activityDate = 0, groupCode = 1, form = 2, theme = 3, audience = 4, participants = 5, hours = 6, materials = 7
}

/// The places of the inspections schema's columns, as `TrainingColumn`.
enum InspectionColumn {
    static let inspectionDate = 0, groupCode = 1, inspector = 2, scope = 3, hazardsFound = 4
}

/// A kind's labels and keys of at most 16 bytes as their length and two words, to tell a cell written exactly as one
/// of them with a few integer compares (no `memcmp` call, no `allCases` array). The words of `n` bytes are loads that
/// overlap inside them (`words`), so equal lengths and words are equal bytes. Immutable after init, never freed.
struct ExactNames: @unchecked Sendable {
    /// Entry `2 * i` is choice `i`'s label, `2 * i + 1` its key (`EnumKind.choices`' order, which is `allCases`');
    /// a name longer than 16 bytes has count -1 and is never matched here (its cell takes the general path).
    private let entries: UnsafeBufferPointer<(count: Int, w0: UInt64, w1: UInt64)>
    /// The same names by slot (`slot`), each with its ordinal, so a cell is one compare instead of a scan (the scan
    /// walked nine entries for 培训, ~70 instructions a row of a big trainings file, twelfth session). A name whose slot
    /// an earlier name holds is left to the scan (`collided`): the first of equal names keeps its slot, as in the scan.
    private let slots: UnsafeBufferPointer<(count: Int, w0: UInt64, w1: UInt64, ordinal: Int)>
    /// Some name is not in its slot: a cell missing its slot is then also looked for by the scan.
    let collided: Bool
    static let slotCount = 32

    /// A name's slot among `slotCount`. The multiplier gives every label and key of the training forms and the
    /// audiences a slot of its own (`ExactNamesSlotTests`); the second word is turned first, as for a name of eight
    /// bytes it equals the first.
    @inline(__always)
    static func slot(_ n: Int, _ w0: UInt64, _ w1: UInt64) -> Int {
        let h = (w0 ^ (w1 << 31 | w1 >> 33)) &+ UInt64(truncatingIfNeeded: n)
        return Int(truncatingIfNeeded: (h &* 0x23cc_438d_2222_40eb) >> 59)
    }

    init(_ kind: EnumKind) {
        let names = kind.namesAsBytes
        let table = UnsafeMutableBufferPointer<(count: Int, w0: UInt64, w1: UInt64)>.allocate(capacity: 2 * names.count)
        for (i, name) in names.enumerated() {
            for (k, bytes) in [name.label, name.key].enumerated() {
                table[2 * i + k] = bytes.withUnsafeBufferPointer { b in
                    guard let p = b.baseAddress, b.count <= 16 else { return (count: -1, w0: 0, w1: 0) }
                    let w = Self.words(p, b.count)
                    return (count: b.count, w0: w.0, w1: w.1)
                }
            }
        }
        entries = UnsafeBufferPointer(table)
        let slotTable = UnsafeMutableBufferPointer<(count: Int, w0: UInt64, w1: UInt64, ordinal: Int)>.allocate(capacity: Self.slotCount)
        slotTable.initialize(repeating: (count: -1, w0: 0, w1: 0, ordinal: -1))
        var collided = false
        for (k, e) in table.enumerated() where e.count > 0 {
            let s = Self.slot(e.count, e.w0, e.w1)
            if slotTable[s].count < 0 {
                slotTable[s] = (count: e.count, w0: e.w0, w1: e.w1, ordinal: k >> 1)
            } else if !(slotTable[s].count == e.count && slotTable[s].w0 == e.w0 && slotTable[s].w1 == e.w1) {
                collided = true
            }
        }
        slots = UnsafeBufferPointer(slotTable)
        self.collided = collided
    }

    static let trainingForms = ExactNames(.trainingForm)
    static let audiences = ExactNames(.audience)

    /// The place in `allCases` of the choice whose label or key is exactly `b`, as the general path's first loop finds
    /// it (`RowCells.enumeration`); nil for anything else (left to the general path).
    @inline(__always)
    func ordinal(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = b.count
        guard n > 0, n <= 16, let p = b.baseAddress else { return nil }
        let (w0, w1) = Self.words(p, n)
        let e = slots[Self.slot(n, w0, w1)]
        if e.count == n && e.w0 == w0 && e.w1 == w1 { return e.ordinal }
        return collided ? scannedOrdinal(n, w0, w1) : nil
    }

    /// `ordinal` by the scan of every entry in order (what it answered before the slots; tests compare the two).
    func scannedOrdinal(_ n: Int, _ w0: UInt64, _ w1: UInt64) -> Int? {
        for k in 0..<entries.count {
            let e = entries[k]
            if e.count == n && e.w0 == w0 && e.w1 == w1 { return k >> 1 }
        }
        return nil
    }

    /// `n` (1–16) bytes at `p` as two words, reading only inside them: 8–16 bytes as the first eight and the last eight,
    /// 4–7 as the first four and the last four, fewer byte by byte.
    @inline(__always)
    static func words(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        if n >= 4 {
            let head = UInt64(raw.loadUnaligned(as: UInt32.self)), tail = UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return (head | tail << 32, 0)
        }
        var w: UInt64 = 0
        for i in 0..<n { w |= UInt64(p[i]) << (8 * UInt64(i)) }
        return (w, 0)
    }
}

extension EnumKind {
    /// `choices` as UTF-8 bytes, made once: a cell is compared with them for every row.
    var namesAsBytes: [(key: [UInt8], label: [UInt8])] {
        switch self {
        case .hazardCategory: Self.bytes.0
        case .hazardLevel: Self.bytes.1
        case .hazardStatus: Self.bytes.2
        case .partyType: Self.bytes.3
        case .trainingForm: Self.bytes.4
        case .audience: Self.bytes.5
        }
    }

    private static let bytes = (names(.hazardCategory), names(.hazardLevel), names(.hazardStatus),
                                names(.partyType), names(.trainingForm), names(.audience))
    private static func names(_ kind: EnumKind) -> [(key: [UInt8], label: [UInt8])] {
        kind.choices.map { (key: Array($0.key.utf8), label: Array($0.label.utf8)) }
    }
}

