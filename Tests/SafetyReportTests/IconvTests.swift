// glibc iconv wrapper: round trips, four-byte GB18030, and strictness.
import Testing
@testable import SafetyReport

@Suite struct IconvTests {
    @Test func gb18030RoundTripIncludingFourByteSequences() throws {
        let text = "青石镇隐患€😀" // € and 😀 need GB18030's four-byte form
        let gb = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: "GB18030")
        #expect(gb.count > text.utf8.count - 8)
        let back = try Iconv.convert(gb, from: "GB18030", to: "UTF-8")
        #expect(String(decoding: back, as: UTF8.self) == text)
    }
    @Test func invalidBytesThrowInsteadOfReplacing() {
        #expect(throws: IconvError.self) { try Iconv.convert([0x41, 0xFF, 0xFF, 0x41], from: "UTF-8", to: "UTF-16LE") }
        #expect(throws: IconvError.truncatedSequence(offset: 1)) { try Iconv.convert([0x41, 0xC7], from: "GB18030", to: "UTF-8") }
    }
    @Test func largeInputGrowsTheBuffer() throws {
        let text = String(repeating: "镇", count: 10_000)
        let u16 = try Iconv.convert(Array(text.utf8), from: "UTF-8", to: "UTF-16LE")
        #expect(u16.count == 20_000)
    }
}
