// Days and periods: parsing, month lengths, ordinals.
import Testing
@testable import SafetyReport

@Suite struct CalendarTests {
    @Test func impossibleDatesAreRejected() {
        #expect(Day(year: 2026, month: 2, day: 30) == nil)
        #expect(Day(year: 2024, month: 2, day: 29) != nil)
        #expect(Day(year: 2100, month: 2, day: 29) == nil)
    }
    @Test func periodParsesOnlyYYYYMM() {
        #expect(Period("2026-10")?.description == "2026-10")
        #expect(Period("2026-1") == nil)
        #expect(Period("2026-13") == nil)
        #expect(Period("2026-10")!.lastDay.day == 31)
        #expect(Period("2026-01")!.previous.description == "2025-12")
        #expect(Period("0001-01") == nil && Day(year: 26, month: 10, day: 5) == nil)
        #expect(Period("1900-01")!.previous == Period("1900-01")! && Period("9999-12")!.next == Period("9999-12")!)
    }
    @Test func ordinalCountsDays() {
        #expect(Day(year: 1970, month: 1, day: 1)!.ordinal == 0)
        #expect(Day(year: 2026, month: 10, day: 31)!.ordinal - Day(year: 2026, month: 10, day: 1)!.ordinal == 30)
        #expect(Day(year: 2025, month: 3, day: 1)!.ordinal - Day(year: 2025, month: 2, day: 28)!.ordinal == 1)
    }
}
