// Civil dates and reporting periods, with no time zone: a clerk's "2026-10-05" is a day, not an instant.

/// A calendar day (proleptic Gregorian), compared and printed without any time zone.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Four bytes instead of three Ints: every row carries one to four days, and a month's rows and the
    // hazard ledger are what the run's memory is made of.
    private let y: UInt16
    private let m: UInt8
    private let d: UInt8
    public var year: Int { Int(y) }
    public var month: Int { Int(m) }
    public var day: Int { Int(d) }

    /// Years a date may have: a clerk's 0026 or 20260 is a typo, not a date.
    public static let years = 1900...9999
    /// The earliest day there is.
    public static let earliest = Day(year: 1900, month: 1, day: 1)!

    /// Returns nil for impossible dates such as 2026-02-30, and for years outside `years`.
    public init?(year: Int, month: Int, day: Int) {
        guard Day.years.contains(year), (1...12).contains(month),
              day >= 1, day <= Day.daysIn(year: year, month: month) else { return nil }
        y = UInt16(year); m = UInt8(month); d = UInt8(day)
    }

    /// A day its caller knows to exist (`CellParsers.plainDate(_:in:yearDigits:days:)` has checked it against its
    /// period's length): no checks.
    @inline(__always)
    init(knownYear year: Int, month: Int, day: Int) { y = UInt16(truncatingIfNeeded: year); m = UInt8(truncatingIfNeeded: month); d = UInt8(truncatingIfNeeded: day) }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }

    public var period: Period { Period(year: year, month: month)! }

    /// Days since 1970-01-01 (civil-from-days algorithm by H. Hinnant).
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `2026-10-05`
    public var description: String {
        "\(Day.pad(year, 4))-\(Day.pad(month, 2))-\(Day.pad(day, 2))"
    }

    public static func < (a: Day, b: Day) -> Bool { (a.y, a.m, a.d) < (b.y, b.m, b.d) }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A reporting period: one calendar month, written `YYYY-MM`.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Four bytes instead of two Ints, as for `Day`: every update of every hazard in the ledger carries one.
    private let y: UInt16
    private let m: UInt8
    public var year: Int { Int(y) }
    public var month: Int { Int(m) }

    public init?(year: Int, month: Int) {
        guard Day.years.contains(year), (1...12).contains(month) else { return nil }
        y = UInt16(year); m = UInt8(month)
    }

    /// Parses exactly `YYYY-MM`.
    public init?(_ text: String) {
        let u = Array(text.utf8)
        guard u.count == 7, u[4] == UInt8(ascii: "-"),
              u.enumerated().allSatisfy({ $0.offset == 4 || (48...57).contains($0.element) }),
              let y = Int(text.prefix(4)), let m = Int(text.suffix(2)) else { return nil }
        self.init(year: y, month: m)
    }

    public var firstDay: Day { Day(year: year, month: month, day: 1)! }
    public var lastDay: Day { Day(year: year, month: month, day: Day.daysIn(year: year, month: month))! }
    /// The month before (1900-01 is its own floor, so no period arithmetic can fail).
    public var previous: Period { month == 1 ? Period(year: year - 1, month: 12) ?? self : Period(year: year, month: month - 1)! }
    /// The month after (9999-12 is its own ceiling).
    public var next: Period { month == 12 ? Period(year: year + 1, month: 1) ?? self : Period(year: year, month: month + 1)! }
    public func contains(_ d: Day) -> Bool { d.year == year && d.month == month }

    /// `2026-10`
    public var description: String { "\(Day.pad(year, 4))-\(Day.pad(month, 2))" }
    /// `2026年10月`
    public var chinese: String { "\(year)年\(month)月" }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
