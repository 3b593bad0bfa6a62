// Header matching: Chinese or English, any order, case, spaces, U+3000, BOM, full-width forms.
import Testing
@testable import SafetyReport

@Suite struct HeaderMatcherTests {
    @Test func matchesChineseAndEnglishInAnyOrder() {
        let m = HeaderMatcher.match(header: ["\u{FEFF}Hazards_Found", " 排查人\u{3000}", "INSPECTION_DATE", "备注", "排查日期"],
                                    schema: FileKind.inspections.schema)
        #expect(m.index == ["hazards_found": 0, "inspector": 1, "inspection_date": 2])
        #expect(m.unknown.map(\.header) == ["备注"])
        #expect(m.duplicates.map(\.key) == ["inspection_date"])
        #expect(m.missingRequired.isEmpty)
    }
    @Test func fullWidthHeaderIsFolded() {
        let m = HeaderMatcher.match(header: ["时长（小时）", "ａｃｔｉｖｉｔｙ＿ｄａｔｅ"], schema: FileKind.trainings.schema)
        #expect(m.index["hours"] == 0)
        #expect(m.index["activity_date"] == 1)
        #expect(m.missingRequired.map(\.key) == ["form", "theme", "participants"])
    }
    @Test func bestKindGuessesFromColumns() {
        #expect(HeaderMatcher.bestKind(for: ["隐患编号", "发现日期", "status"]) == .hazards)
        #expect(HeaderMatcher.bestKind(for: ["a", "b"]) == nil)
    }
}
