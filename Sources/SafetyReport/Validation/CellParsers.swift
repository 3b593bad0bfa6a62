// Typed-cell parsing (SPEC §3.1) on trimmed, full-width-folded text, by hand: no regex, no DateFormatter.
#if canImport(Glibc)
import Glibc
#endif

/// What a typed cell turned out to be. `.invalid` carries the reason as a stable rule key.
enum Parsed<T: Sendable & Equatable>: Sendable, Equatable {
    case empty
    case value(T)
    case invalid(rule: String)

    var value: T? { if case .value(let v) = self { v } else { nil } }
}

enum CellParsers {
    /// A typed cell as compared: trimmed, full-width forms folded to ASCII, trimmed again
    /// (a folded U+3000 inside the cell edges becomes an ASCII space).
    static func fold(_ raw: String) -> String {
        raw.trimmedCell.foldedToASCII.trimmedCell
    }

    // MARK: Dates

    /// `2026-10-05`, `2026/10/5`, `2026.10.5`, `2026年10月5日`, `20261005`, each optionally followed by
    /// a time of day (`0:00`, `08:30:00`), which is ignored. `date.format` when the shape is wrong,
    /// `date.invalid` when the shape is right but the day does not exist (2026-02-30).
    static func date(_ folded: String) -> Parsed<Day> {
        if folded.isEmpty { return .empty }
        let s = Array(folded.unicodeScalars)
        var i = 0
        func digits(max: Int) -> Int? {
            var n = 0, count = 0
            while i < s.count, count < max, let d = digit(s[i]) { n = n * 10 + d; count += 1; i += 1 }
            return count == 0 ? nil : n
        }
        // Year: exactly four digits, unless the whole date is the compact eight-digit form.
        let start = i
        guard let first = digits(max: 8) else { return .invalid(rule: "date.format") }
        let ymd: (Int, Int, Int)
        switch i - start {
        case 8:
            ymd = (first / 10000, first / 100 % 100, first % 100)
        case 4:
            guard i < s.count else { return .invalid(rule: "date.format") }
            let sep = s[i]
            switch sep {
            case "-", "/", ".":
                i += 1
                guard let m = digits(max: 2), i < s.count, s[i] == sep else { return .invalid(rule: "date.format") }
                i += 1
                guard let d = digits(max: 2) else { return .invalid(rule: "date.format") }
                ymd = (first, m, d)
            case "年":
                i += 1
                guard let m = digits(max: 2), i < s.count, s[i] == "月" else { return .invalid(rule: "date.format") }
                i += 1
                guard let d = digits(max: 2), i < s.count, s[i] == "日" || s[i] == "号" else { return .invalid(rule: "date.format") }
                i += 1
                ymd = (first, m, d)
            default:
                return .invalid(rule: "date.format")
            }
        default:
            return .invalid(rule: "date.format")
        }
        // What follows, if anything, must be a time of day after a space or a `T`.
        if i < s.count {
            guard s[i] == " " || s[i] == "T" else { return .invalid(rule: "date.format") }
            while i < s.count, s[i] == " " { i += 1 }
            if s[i] == "T" { i += 1 }
            guard isTime(s[i...]) else { return .invalid(rule: "date.format") }
        }
        guard let day = Day(year: ymd.0, month: ymd.1, day: ymd.2) else { return .invalid(rule: "date.invalid") }
        return .value(day)
    }

    /// `H:MM`, `HH:MM:SS`, optionally with fractional seconds, as Excel writes date-time cells.
    private static func isTime(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return false }
        guard let h = number(parts[0], maxDigits: 2), h <= 23,
              parts[1].count == 2, let m = number(parts[1], maxDigits: 2), m <= 59 else { return false }
        if parts.count == 3 {
            let sec = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard sec[0].count == 2, let v = number(sec[0], maxDigits: 2), v <= 59 else { return false }
            if sec.count == 2, number(sec[1], maxDigits: 9) == nil { return false }
        }
        return true
    }

    private static func number(_ s: ArraySlice<Unicode.Scalar>, maxDigits: Int) -> Int? {
        guard !s.isEmpty, s.count <= maxDigits else { return nil }
        var n = 0
        for c in s { guard let d = digit(c) else { return nil }; n = n * 10 + d }
        return n
    }

    private static func digit(_ c: Unicode.Scalar) -> Int? {
        c.value >= 48 && c.value <= 57 ? Int(c.value - 48) : nil
    }

    // MARK: Numbers

    /// Digits with an optional sign, or with correctly grouped thousands separators (`1,234`,
    /// `12,345,678`; not `1,23`). At most 15 digits (what Excel keeps exactly); sums of many are saturating
    /// (`Int.saturatingAdding`), since 9,224 cells of 15 nines pass `Int.max`.
    static func integer(_ folded: String) -> Parsed<Int> {
        if folded.isEmpty { return .empty }
        guard let (negative, digits) = signedDigits(Substring(folded)), !digits.isEmpty, digits.count <= 15 else {
            return .invalid(rule: "integer.format")
        }
        var n = 0
        for c in digits { n = n * 10 + Int(c.value - 48) }
        return .value(negative ? -n : n)
    }

    /// A decimal with a point (`1.5`, `2`, `0.25`, `1,234.5`); no exponent, no comma as decimal mark.
    static func decimal(_ folded: String) -> Parsed<Double> {
        if folded.isEmpty { return .empty }
        let parts = folded.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let (negative, intDigits) = signedDigits(parts[0]) else { return .invalid(rule: "decimal.format") }
        var fraction = ""
        if parts.count == 2 {
            guard parts[1].unicodeScalars.allSatisfy({ digit($0) != nil }) else { return .invalid(rule: "decimal.format") }
            fraction = String(parts[1])
        }
        guard !(intDigits.isEmpty && fraction.isEmpty), intDigits.count <= 15 else { return .invalid(rule: "decimal.format") }
        var text = String(String.UnicodeScalarView(intDigits))
        if text.isEmpty { text = "0" }
        if !fraction.isEmpty { text += "." + fraction }
        guard let v = Double(text) else { return .invalid(rule: "decimal.format") }
        return .value(negative ? -v : v)
    }

    /// Sign and the digits with thousands separators removed; nil when the shape is wrong.
    /// Empty digits are returned as such (the caller decides whether that is allowed).
    private static func signedDigits(_ s: Substring) -> (Bool, [Unicode.Scalar])? {
        var scalars = Array(s.unicodeScalars)
        var negative = false
        if let f = scalars.first, f == "-" || f == "+" {
            negative = f == "-"
            scalars.removeFirst()
        }
        guard scalars.contains(",") else {
            return scalars.allSatisfy({ digit($0) != nil }) ? (negative, scalars) : nil
        }
        // Thousands grouping: 1–3 digits, then groups of exactly three.
        let groups = scalars.split(separator: ",", omittingEmptySubsequences: false)
        guard let head = groups.first, (1...3).contains(head.count),
              groups.dropFirst().allSatisfy({ $0.count == 3 }),
              groups.allSatisfy({ $0.allSatisfy { digit($0) != nil } }) else { return nil }
        return (negative, scalars.filter { $0 != "," })
    }

    // MARK: Booleans

    /// 是/否, Y/N, yes/no, true/false, 1/0, √/× (English in any case).
    static func boolean(_ folded: String) -> Parsed<Bool> {
        if folded.isEmpty { return .empty }
        switch folded.lowercased() {
        case "是", "y", "yes", "true", "1", "√": return .value(true)
        case "否", "n", "no", "false", "0", "×": return .value(false)
        default: return .invalid(rule: "boolean.format")
        }
    }

    // MARK: Codes

    /// `^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$`, case-sensitive.
    static func isCode(_ folded: String) -> Bool {
        let u = folded.utf8
        guard (1...32).contains(u.count) else { return false }
        for (i, c) in u.enumerated() {
            let alnum = (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c)
            guard alnum || (i > 0 && (c == UInt8(ascii: "_") || c == UInt8(ascii: "-"))) else { return false }
        }
        return true
    }

    static func code(_ folded: String) -> Parsed<String> {
        if folded.isEmpty { return .empty }
        return isCode(folded) ? .value(folded) : .invalid(rule: "code.format")
    }

    // MARK: Enumerations

    /// The Chinese label exactly, or the English key in any case.
    static func enumeration<E: LabeledEnum>(_ folded: String, as _: E.Type) -> Parsed<E> {
        if folded.isEmpty { return .empty }
        // Most cells are a label or a key exactly as listed: found by their bytes, without the Unicode-aware
        // comparison and lowercasing below (which then only see near misses, other cases and other forms).
        for e in E.allCases where sameBytes(e.label, folded) || sameBytes(e.key, folded) { return .value(e) }
        let lower = folded.lowercased()
        for e in E.allCases where e.label == folded || e.key == lower { return .value(e) }
        return .invalid(rule: "enum.unknown")
    }

    /// Byte-for-byte equality (no Unicode normalization): a fast first test, never the last word.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in pa.count == 0 || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 }
        }
        return (fast ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    /// The allowed label a near miss most likely meant, only when clearly one: the value and a
    /// label contain one another, or one edit away from a label or key (two for long keys).
    static func suggestion(_ folded: String, in choices: [(key: String, label: String)]) -> String? {
        guard !folded.isEmpty else { return nil }
        let lower = folded.lowercased()
        let bySubstring = choices.filter { $0.label.contains(folded) || folded.contains($0.label) }
        if bySubstring.count == 1 { return bySubstring[0].label }
        if bySubstring.count > 1 { return nil }
        let keyNormalized = lower.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        var best: [(label: String, distance: Int)] = []
        for c in choices {
            let byLabel = editDistance(folded, c.label)
            let byKey = editDistance(keyNormalized, c.key)
            let labelOK = byLabel <= 1 && c.label.count >= 2
            let keyOK = byKey <= (c.key.count >= 8 ? 2 : 1)
            guard labelOK || keyOK else { continue }
            best.append((c.label, min(labelOK ? byLabel : .max, keyOK ? byKey : .max)))
        }
        guard let minimum = best.map(\.distance).min() else { return nil }
        let closest = best.filter { $0.distance == minimum }
        return closest.count == 1 ? closest[0].label : nil
    }

    /// Levenshtein distance over Characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = Array(repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}

// MARK: The same parsers on a folded ASCII cell's bytes

/// What `RowCells` uses for a plain ASCII cell (see `RowCells.asciiFolded`): the String parsers above
/// rule for rule, without making a String, an array of scalars or a lowercased copy. Each must decide
/// exactly as its String counterpart does on the same text (`CellParsersByteTests` compares them).
extension CellParsers {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always)
    private static func digit(_ c: UInt8) -> Int? { c >= 48 && c <= 57 ? Int(c &- 48) : nil }

    /// The day of a cell written exactly `YYYY-M-D` (`-`, `/` or `.` twice; month and day of one or two digits; nothing
    /// around it) when that day exists; nil for anything else, left to `date(ascii:)` and the String path. Such a cell is
    /// its own fold, and `date(ascii:)` reads it so; most clerks' dates are written so, and went through the fold's
    /// scan of every byte and the general parser's loops.
    @inline(__always)
    static func plainDate(_ b: Bytes) -> Day? {
        let n = b.count
        guard n >= 8, n <= 10, let p = b.baseAddress else { return nil }
        @inline(__always) func d(_ i: Int) -> Int? { let v = Int(p[i]) &- 48; return v >= 0 && v <= 9 ? v : nil }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3) else { return nil }
        let sep = p[4]
        guard sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else { return nil }
        guard let m0 = d(5) else { return nil }
        var i = 6, month = m0
        if let m1 = d(6) { month = month * 10 + m1; i = 7 }
        guard i < n, p[i] == sep, i + 1 < n, let d0 = d(i + 1) else { return nil }
        var day = d0
        i += 2
        if i < n, let d1 = d(i) { day = day * 10 + d1; i += 1 }
        guard i == n else { return nil }
        return Day(year: ((y0 * 10 + y1) * 10 + y2) * 10 + y3, month: month, day: day)
    }

    /// `plainDate(b)` when that day is in `period`, else nil: what the plain paths ask (`RowCells.plainTraining`,
    /// `plainInspection`), answered with the period's own year and month. A plain date's year is exactly four digits
    /// and the period's year is in `Day.years`, so the year matches exactly when the cell's first four bytes are the
    /// period's year's digits (`yearDigits`, one compare); the month must then be the period's, and the day is a day of
    /// it exactly when it is 1…`days` (the period's length): no `Day.init` with its checks, and no call. `@_transparent`
    /// because `@inline(__always)` left `plainDate` a call in the training validator (~84 instructions a row with
    /// `Day.init`'s 29, eleventh session). `CellParsersTwelfthPassTests` holds it to `plainDate` and `contains`.
    @_transparent
    static func plainDate(_ b: Bytes, in period: Period, yearDigits: UInt32, days: Int) -> Day? {
        let n = b.count
        guard n >= 8, n <= 10, let p = b.baseAddress,
              UnsafeRawPointer(p).loadUnaligned(as: UInt32.self) == yearDigits else { return nil }
        let sep = p[4]
        guard sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else { return nil }
        let m0 = Int(p[5]) &- 48, m1 = Int(p[6]) &- 48
        guard UInt(bitPattern: m0) <= 9 else { return nil }
        var i = 6, month = m0
        if UInt(bitPattern: m1) <= 9 { month = m0 &* 10 &+ m1; i = 7 }
        guard month == period.month, p[i] == sep, i + 1 < n else { return nil }
        let d0 = Int(p[i + 1]) &- 48
        guard UInt(bitPattern: d0) <= 9 else { return nil }
        var day = d0
        i += 2
        if i < n {
            let d1 = Int(p[i]) &- 48
            if UInt(bitPattern: d1) <= 9 { day = d0 &* 10 &+ d1; i += 1 }
        }
        guard i == n, day >= 1, day <= days else { return nil }
        return Day(knownYear: period.year, month: month, day: day)
    }

    /// The four ASCII digits of `period`'s year as `plainDate(_:in:yearDigits:days:)` loads a cell's first four bytes.
    static func yearDigits(_ period: Period) -> UInt32 {
        let digits = Array(String(period.year).utf8)
        precondition(digits.count == 4)
        return digits.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    /// `date(_:)` for ASCII text (so only the `-`, `/`, `.` and eight-digit forms; 年月日 is not ASCII).
    static func date(ascii s: Bytes) -> Parsed<Day> {
        if s.isEmpty { return .empty }
        let n = s.count
        var i = 0
        func digits(max: Int) -> Int? {
            var v = 0, count = 0
            while i < n, count < max, let d = digit(s[i]) { v = v * 10 + d; count += 1; i += 1 }
            return count == 0 ? nil : v
        }
        guard let first = digits(max: 8) else { return .invalid(rule: "date.format") }
        let ymd: (Int, Int, Int)
        switch i {
        case 8:
            ymd = (first / 10000, first / 100 % 100, first % 100)
        case 4:
            guard i < n else { return .invalid(rule: "date.format") }
            let sep = s[i]
            guard sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else { return .invalid(rule: "date.format") }
            i += 1
            guard let m = digits(max: 2), i < n, s[i] == sep else { return .invalid(rule: "date.format") }
            i += 1
            guard let d = digits(max: 2) else { return .invalid(rule: "date.format") }
            ymd = (first, m, d)
        default:
            return .invalid(rule: "date.format")
        }
        if i < n {
            guard s[i] == 0x20 || s[i] == UInt8(ascii: "T") else { return .invalid(rule: "date.format") }
            while i < n, s[i] == 0x20 { i += 1 }
            // A folded cell never ends in a space, so `i < n` here, as the String parser assumes.
            guard i < n else { return .invalid(rule: "date.format") }
            if s[i] == UInt8(ascii: "T") { i += 1 }
            guard isTime(ascii: UnsafeBufferPointer(rebasing: s[i...])) else { return .invalid(rule: "date.format") }
        }
        guard let day = Day(year: ymd.0, month: ymd.1, day: ymd.2) else { return .invalid(rule: "date.invalid") }
        return .value(day)
    }

    /// `date(_:)` of a cell written exactly `YYYY年M月D日` (or `号`; month and day of one or two ASCII digits), with
    /// only ASCII spaces and tabs around it; nil for any other cell, left to the String path. Such a cell's fold
    /// only trims those spaces (年, 月, 日 and 号 are no full-width form and no cell space, and each is a Character
    /// of its own between ASCII bytes), and the String parser reads it as this does. Clerks' dates of this form
    /// went through a String, a fold and an array of scalars each (a sixth of validating the demo town's hazards).
    static func chineseDate(_ cell: Bytes) -> Parsed<Day>? {
        var i = 0, n = cell.count
        while i < n, cell[i] == 0x20 || cell[i] == 0x09 { i += 1 }
        while n > i, cell[n - 1] == 0x20 || cell[n - 1] == 0x09 { n -= 1 }
        func digits(_ minimum: Int, _ maximum: Int) -> Int? {
            var v = 0, count = 0
            while i < n, count < maximum, let d = digit(cell[i]) { v = v * 10 + d; count += 1; i += 1 }
            return count >= minimum ? v : nil
        }
        func ideograph(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> Bool {
            guard i + 3 <= n, cell[i] == b0, cell[i + 1] == b1, cell[i + 2] == b2 else { return false }
            i += 3
            return true
        }
        guard let year = digits(4, 4), ideograph(0xE5, 0xB9, 0xB4),   // 年
              let month = digits(1, 2), ideograph(0xE6, 0x9C, 0x88),  // 月
              let day = digits(1, 2), ideograph(0xE6, 0x97, 0xA5) || ideograph(0xE5, 0x8F, 0xB7),   // 日, 号
              i == n else { return nil }
        guard let d = Day(year: year, month: month, day: day) else { return .invalid(rule: "date.invalid") }
        return .value(d)
    }

    private static func isTime(ascii s: Bytes) -> Bool {
        // Split at ':' keeping empty parts, as `isTime(_:)` does.
        var parts: (Bytes, Bytes, Bytes) = (Bytes(start: nil, count: 0), Bytes(start: nil, count: 0), Bytes(start: nil, count: 0))
        var count = 0, start = 0
        for j in 0...s.count where j == s.count || s[j] == UInt8(ascii: ":") {
            let part = UnsafeBufferPointer(rebasing: s[start..<j])
            switch count { case 0: parts.0 = part; case 1: parts.1 = part; case 2: parts.2 = part; default: return false }
            count += 1; start = j + 1
        }
        guard count == 2 || count == 3 else { return false }
        guard let h = number(ascii: parts.0, maxDigits: 2), h <= 23,
              parts.1.count == 2, let m = number(ascii: parts.1, maxDigits: 2), m <= 59 else { return false }
        if count == 3 {
            let sec = parts.2
            let dot = sec.firstIndex(of: UInt8(ascii: ".")) ?? sec.count
            let whole = UnsafeBufferPointer(rebasing: sec[0..<dot])
            guard whole.count == 2, let v = number(ascii: whole, maxDigits: 2), v <= 59 else { return false }
            if dot < sec.count, number(ascii: UnsafeBufferPointer(rebasing: sec[(dot + 1)...]), maxDigits: 9) == nil { return false }
        }
        return true
    }

    private static func number(ascii s: Bytes, maxDigits: Int) -> Int? {
        guard !s.isEmpty, s.count <= maxDigits else { return nil }
        var v = 0
        for c in s { guard let d = digit(c) else { return nil }; v = v * 10 + d }
        return v
    }

    /// The value of a count cell written as 1–15 ASCII digits and nothing else (no sign, no grouping comma, no space
    /// around it); nil for anything else, left to `integer(ascii:)` and the String path. Such a cell is its own fold,
    /// and `integer(ascii:)` reads it as this does, never negative: most clerks' counts are written so, and each went
    /// through the fold's three scans, the sign and grouping checks and a second digit loop (~170 instructions for
    /// a `1`, a sixteenth of a big trainings file's `check`).
    @inline(__always)
    static func plainCount(_ b: Bytes) -> Int? {
        let n = b.count
        guard n >= 1, n <= 15, let p = b.baseAddress else { return nil }
        var v = 0
        for i in 0..<n {
            let d = Int(p[i]) &- 48
            guard d >= 0, d <= 9 else { return nil }
            v = v &* 10 &+ d
        }
        return v
    }

    /// `integer(_:)` for ASCII text.
    static func integer(ascii s: Bytes) -> Parsed<Int> {
        if s.isEmpty { return .empty }
        guard let (negative, body) = signedDigits(ascii: s) else { return .invalid(rule: "integer.format") }
        var v = 0, count = 0
        // Wrapping: a cell of more than 15 digits is refused below, not trapped on here.
        for c in body where c != UInt8(ascii: ",") { v = v &* 10 &+ Int(c &- 48); count += 1 }
        guard count > 0, count <= 15 else { return .invalid(rule: "integer.format") }
        return .value(negative ? -v : v)
    }

    /// `decimal(_:)` for ASCII text.
    static func decimal(ascii s: Bytes) -> Parsed<Double> {
        if s.isEmpty { return .empty }
        let dot = s.firstIndex(of: UInt8(ascii: ".")) ?? s.count
        guard let (negative, body) = signedDigits(ascii: UnsafeBufferPointer(rebasing: s[0..<dot])) else { return .invalid(rule: "decimal.format") }
        var text = ""
        for c in body where c != UInt8(ascii: ",") { text.unicodeScalars.append(Unicode.Scalar(c)) }
        let intCount = text.utf8.count
        var fraction = Bytes(start: nil, count: 0)
        if dot < s.count {
            fraction = UnsafeBufferPointer(rebasing: s[(dot + 1)...])
            guard fraction.allSatisfy({ digit($0) != nil }) else { return .invalid(rule: "decimal.format") }
        }
        guard !(intCount == 0 && fraction.isEmpty), intCount <= 15 else { return .invalid(rule: "decimal.format") }
        if text.isEmpty { text = "0" }
        if !fraction.isEmpty { text += "." + String(decoding: fraction, as: UTF8.self) }
        guard let v = Double(text) else { return .invalid(rule: "decimal.format") }
        return .value(negative ? -v : v)
    }

    /// `signedDigits(_:)` for ASCII text: the sign, and the digits still holding their (correctly
    /// grouped) thousands separators, which the caller skips.
    private static func signedDigits(ascii s: Bytes) -> (Bool, Bytes)? {
        var body = s
        var negative = false
        if let f = body.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            body = UnsafeBufferPointer(rebasing: body[1...])
        }
        guard body.contains(UInt8(ascii: ",")) else {
            return body.allSatisfy({ digit($0) != nil }) ? (negative, body) : nil
        }
        // Thousands grouping: 1–3 digits, then groups of exactly three.
        var group = 0, first = true
        for c in body {
            if c == UInt8(ascii: ",") {
                guard first ? (1...3).contains(group) : group == 3 else { return nil }
                first = false; group = 0
            } else {
                guard digit(c) != nil else { return nil }
                group += 1
            }
        }
        guard group == 3 else { return nil }
        return (negative, body)
    }

    /// `boolean(_:)` for ASCII text (是/否, √/× are not ASCII).
    static func boolean(ascii s: Bytes) -> Parsed<Bool> {
        if s.isEmpty { return .empty }
        func isWord(_ w: StaticString) -> Bool {
            guard w.utf8CodeUnitCount == s.count else { return false }
            let p = w.utf8Start
            for j in 0..<s.count {
                var c = s[j]
                if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c += 32 }
                if c != p[j] { return false }
            }
            return true
        }
        if isWord("y") || isWord("yes") || isWord("true") || isWord("1") { return .value(true) }
        if isWord("n") || isWord("no") || isWord("false") || isWord("0") { return .value(false) }
        return .invalid(rule: "boolean.format")
    }

    /// `code(_:)` for ASCII text.
    static func code(ascii s: Bytes) -> Parsed<String> {
        if s.isEmpty { return .empty }
        guard (1...32).contains(s.count) else { return .invalid(rule: "code.format") }
        for (i, c) in s.enumerated() {
            let alnum = (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c)
            guard alnum || (i > 0 && (c == UInt8(ascii: "_") || c == UInt8(ascii: "-"))) else { return .invalid(rule: "code.format") }
        }
        return .value(String(decoding: s, as: UTF8.self))
    }

    /// Whether the ASCII-lowercased cell equals `lowercase` (lowercase ASCII already): `String.lowercased()`
    /// followed by `==`, for a cell of ASCII bytes.
    @inline(__always)
    static func sameBytesIgnoringASCIICase(_ cell: Bytes, lowercase: [UInt8]) -> Bool {
        guard lowercase.count == cell.count else { return false }
        for (k, c) in cell.enumerated() {
            let lower = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            if lower != lowercase[k] { return false }
        }
        return true
    }

    /// Byte-for-byte equality of a cell and bytes.
    @inline(__always)
    static func sameBytes(_ cell: Bytes, _ other: [UInt8]) -> Bool {
        guard other.count == cell.count else { return false }
        if cell.isEmpty { return true }
        return other.withUnsafeBufferPointer { memcmp($0.baseAddress!, cell.baseAddress!, cell.count) == 0 }
    }
}
