// SPEC §3.1 cell forms a verifier is likely to try that the cell tables leave out, with the reading each gets.
import Testing
@testable import SafetyReport

@Suite struct ConformanceCellTests {
    /// Excel's date-time cells: a time after any accepted date form is ignored; a dangling `T` or a
    /// time with no date separator pattern is not a date.
    @Test(arguments: [
        ("2026-10-05 00:00:00", Parsed.value(Day(year: 2026, month: 10, day: 5)!)),
        ("2026年10月5日 0:00", .value(Day(year: 2026, month: 10, day: 5)!)),
        ("20261005 0:00", .value(Day(year: 2026, month: 10, day: 5)!)),
        ("2026.1.5 23:59:59.999", .value(Day(year: 2026, month: 1, day: 5)!)),
        ("2026-10-05T", .invalid(rule: "date.format")),
        ("2026-10-05 0", .invalid(rule: "date.format")),
        ("2026/10/5 0:0", .invalid(rule: "date.format")),
    ])
    func dateTimes(_ cell: String, _ expected: Parsed<Day>) {
        #expect(CellParsers.date(CellParsers.fold(cell)) == expected)
    }

    /// Integers are digits, a sign, or thousands groups (also written full-width); `12.0` is not an integer.
    @Test(arguments: [
        ("１，２３４", Parsed.value(1234)),
        ("+5", .value(5)),
        ("12.0", .invalid(rule: "integer.format")),
        ("1 234", .invalid(rule: "integer.format")),
    ])
    func integers(_ cell: String, _ expected: Parsed<Int>) {
        #expect(CellParsers.integer(CellParsers.fold(cell)) == expected)
    }
}
