// Typed-cell parsing tables: every date form, integer form, boolean spelling, code and enum case.
import Testing
@testable import SafetyReport

private func day(_ y: Int, _ m: Int, _ d: Int) -> Day { Day(year: y, month: m, day: d)! }

@Suite struct ValidationCellTests {
    @Test(arguments: [
        ("2026-10-05", Parsed.value(day(2026, 10, 5))),
        ("2026/10/5", .value(day(2026, 10, 5))),
        ("2026.10.5", .value(day(2026, 10, 5))),
        ("2026-1-5", .value(day(2026, 1, 5))),
        ("2026年10月5日", .value(day(2026, 10, 5))),
        ("2026年1月05日", .value(day(2026, 1, 5))),
        ("20261005", .value(day(2026, 10, 5))),
        ("2026/10/5 0:00", .value(day(2026, 10, 5))),
        ("2026-10-05 08:30:00", .value(day(2026, 10, 5))),
        ("2026-10-05T08:30", .value(day(2026, 10, 5))),
        ("２０２６－１０－０５", .value(day(2026, 10, 5))),   // full-width, folded by the caller
        ("2024-02-29", .value(day(2024, 2, 29))),
        ("", .empty),
        ("2026-02-30", .invalid(rule: "date.invalid")),
        ("0026-10-05", .invalid(rule: "date.invalid")),   // a year typo is not a date (years 1900–9999)
        ("2025-02-29", .invalid(rule: "date.invalid")),
        ("2026-13-01", .invalid(rule: "date.invalid")),
        ("20260230", .invalid(rule: "date.invalid")),
        ("2026-10/05", .invalid(rule: "date.format")),      // mixed separators
        ("26-10-05", .invalid(rule: "date.format")),
        ("2026-100-5", .invalid(rule: "date.format")),
        ("2026-10-5x", .invalid(rule: "date.format")),
        ("2026/10/5 25:00", .invalid(rule: "date.format")),
        ("2026/10/5 上午", .invalid(rule: "date.format")),
        ("2026年10月5", .invalid(rule: "date.format")),
        ("2026105", .invalid(rule: "date.format")),
        ("10/05/2026", .invalid(rule: "date.format")),
        ("昨天", .invalid(rule: "date.format")),
    ])
    func dates(text: String, expected: Parsed<Day>) {
        #expect(CellParsers.date(CellParsers.fold(text)) == expected)
    }

    @Test(arguments: [
        ("12", Parsed.value(12)),
        ("0", .value(0)),
        ("+7", .value(7)),
        ("-3", .value(-3)),
        ("1,234", .value(1234)),
        ("12,345,678", .value(12_345_678)),
        ("１２", .value(12)),
        ("１，２３４", .value(1234)),
        ("  42\u{3000}", .value(42)),
        ("", .empty),
        ("1,23", .invalid(rule: "integer.format")),
        ("1234,567", .invalid(rule: "integer.format")),
        (",123", .invalid(rule: "integer.format")),
        ("1.5", .invalid(rule: "integer.format")),
        ("十二", .invalid(rule: "integer.format")),
        ("12人", .invalid(rule: "integer.format")),
        ("-", .invalid(rule: "integer.format")),
        ("1234567890123456", .invalid(rule: "integer.format")),
    ])
    func integers(text: String, expected: Parsed<Int>) {
        #expect(CellParsers.integer(CellParsers.fold(text)) == expected)
    }

    @Test(arguments: [
        ("1.5", Parsed.value(1.5)),
        ("2", .value(2.0)),
        (".5", .value(0.5)),
        ("1,234.25", .value(1234.25)),
        ("－0.5", .value(-0.5)),
        ("１．５", .value(1.5)),
        ("1,5", .invalid(rule: "decimal.format")),
        ("1.2.3", .invalid(rule: "decimal.format")),
        ("1e3", .invalid(rule: "decimal.format")),
        (".", .invalid(rule: "decimal.format")),
    ])
    func decimals(text: String, expected: Parsed<Double>) {
        #expect(CellParsers.decimal(CellParsers.fold(text)) == expected)
    }

    @Test(arguments: [
        ("是", Parsed.value(true)), ("否", .value(false)),
        ("Y", .value(true)), ("n", .value(false)),
        ("Yes", .value(true)), ("NO", .value(false)),
        ("true", .value(true)), ("False", .value(false)),
        ("1", .value(true)), ("0", .value(false)),
        ("√", .value(true)), ("×", .value(false)),
        ("Ｙ", .value(true)), ("ｆａｌｓｅ", .value(false)),
        ("", .empty),
        ("对", .invalid(rule: "boolean.format")),
        ("2", .invalid(rule: "boolean.format")),
        ("yess", .invalid(rule: "boolean.format")),
    ])
    func booleans(text: String, expected: Parsed<Bool>) {
        #expect(CellParsers.boolean(CellParsers.fold(text)) == expected)
    }

    @Test(arguments: [
        ("H001", true), ("330683105201-01", true), ("a_b-c", true), ("9", true),
        (String(repeating: "a", count: 32), true),
        (String(repeating: "a", count: 33), false),
        ("-H1", false), ("_H1", false), ("H 1", false), ("隐患1", false), ("H.1", false), ("", false),
    ])
    func codes(text: String, valid: Bool) {
        #expect(CellParsers.isCode(text) == valid)
    }

    @Test func fullWidthCodeIsFolded() {
        #expect(CellParsers.code(CellParsers.fold("Ｈ００１")) == .value("H001"))
        #expect(CellParsers.code(CellParsers.fold("h001")) == .value("h001"))   // case kept: codes are case-sensitive
    }

    @Test func enumsByLabelOrKeyInAnyCase() {
        #expect(CellParsers.enumeration("供用电", as: HazardCategory.self) == .value(.electricity))
        #expect(CellParsers.enumeration("Electricity", as: HazardCategory.self) == .value(.electricity))
        #expect(CellParsers.enumeration("IN_PROGRESS", as: HazardStatus.self) == .value(.inProgress))
        #expect(CellParsers.enumeration(CellParsers.fold("村（社区）"), as: PartyType.self) == .value(.village))
        #expect(CellParsers.enumeration("用电", as: HazardCategory.self) == .invalid(rule: "enum.unknown"))
    }

    @Test(arguments: [
        ("用电", HazardCategory.electricity.label as String?),   // substring of a label
        ("房屋安全", "房屋"),                                     // contains a label
        ("electricty", "供用电"),                                 // key misspelt by one letter
        ("hazardous chemicals", "危险化学品"),                     // key with a space
        ("重", "重大"),
        ("火灾", nil),                                            // nothing close: list instead
        ("其", "其他"),
    ])
    func enumSuggestions(text: String, expected: String?) {
        let choices = text == "重" ? EnumKind.hazardLevel.choices : EnumKind.hazardCategory.choices
        #expect(CellParsers.suggestion(text, in: choices) == expected)
    }

    @Test func ambiguousSuggestionIsWithheld() {
        // 村 is inside both 村(社区) and 村民小组: no single guess.
        #expect(CellParsers.suggestion("村", in: EnumKind.partyType.choices) == nil)
    }
}
