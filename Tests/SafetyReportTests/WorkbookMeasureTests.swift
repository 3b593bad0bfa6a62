// The workbook stage's fast paths agree with the plain definitions: widths, digit counts, the school prefilter, fresh threads.

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SafetyReport

@Suite struct WorkbookMeasureTests {
    /// The definition: every Unicode scalar counts 1, or 2 when East Asian wide or full-width.
    static func referenceWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || v >= 0x20000
            return w + (wide ? 2 : 1)
        }
    }

    @Test(arguments: [
        "", "abc", "东湖村", "第一村民小组（１）", "é and e\u{301}", "가", "한국어", "ｱｲｳ", "￥１２３", "emoji 😀👍🏽",
        "𠀀𪚥 (plane 2)", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}", "=cmd|' /C calc'!A0", "11·9消防日",
        "\u{2E7F}\u{2E80}\u{A4CF}\u{A4D0}\u{FE2F}\u{FE30}\u{FE4F}\u{FE50}\u{FF60}\u{FF61}\u{FFE0}\u{FFE6}\u{FFE7}\u{1FFFF}",
    ])
    func widthAgreesWithTheScalarDefinition(_ text: String) {
        #expect(displayWidth(text) == Self.referenceWidth(text))
    }

    @Test func aWidthOfABridgedOrSlicedStringIsTheSame() {
        let long = String(repeating: "青石镇 2026年10月 ", count: 50)
        let sliced = String(long.dropFirst(3).prefix(40))
        #expect(displayWidth(sliced) == Self.referenceWidth(sliced))
        #expect(displayWidth(long) == Self.referenceWidth(long))
    }

    @Test func digitsAgreeWithStringConversion() {
        for m: UInt in [0, 1, 9, 10, 99, 100, 999_999, 1_000_000, UInt(Int.max), UInt(Int.max) + 1, .max] {
            #expect(decimalDigits(m) == String(m).count, "\(m)")
        }
    }
}

@Suite struct CampaignTagTests {
    @Test(arguments: [
        ("消防安全培训", false), ("校园安全讲座", true), ("走进学校", true), ("学 校", true), ("", false),
        ("校", true), ("School safety", false), ("\u{F9}", false), ("兀\u{FA0C}", true), ("𠀀", true),
    ])
    func schoolPrefilterNeverHidesAMatch(_ text: String, _ expected: Bool) {
        #expect(TownWorkbook.mayHoldSchool(text) == expected)
        // Whatever the prefilter says, it never says no where a search would say yes.
        if text.contains("校园") || text.contains("学校") { #expect(TownWorkbook.mayHoldSchool(text)) }
    }
}

@Suite struct FreshThreadsTests {
    @Test func everyWorkerRunsOnceOnItsOwnThreadAndAllHaveEndedOnReturn() {
        let seen = Locked<[Int]>([])
        let threads = Locked<Set<pthread_t>>([])
        runOnFreshThreads(4) { worker in
            usleep(20_000)  // all four alive at once, so their thread ids are distinct
            threads.withLock { _ = $0.insert(pthread_self()) }
            seen.withLock { $0.append(worker) }
        }
        #expect(seen.withLock { $0 }.sorted() == [0, 1, 2, 3])
        #expect(threads.withLock { $0 }.count == 4)
        #expect(!threads.withLock { $0 }.contains(pthread_self()))
    }
}
