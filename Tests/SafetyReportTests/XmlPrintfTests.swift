// The fast path for libxlsxwriter's printf formats writes exactly what glibc writes, and leaves every other format to it.

import Foundation
import Testing
import XlsxWriter
#if canImport(Glibc)
import Glibc
#endif

@Suite struct XmlPrintfTests {
    /// Arguments as libxlsxwriter passes them; strings become C strings alive for the call.
    enum Argument {
        case text(String), int(Int32), uint(UInt32), long(Int), ulong(UInt), double(Double), char(Int32)
    }

    /// glibc's own snprintf (vsnprintf is not interposed) and fprintf (vfprintf), beside the fast path's.
    static func compare(_ format: String, _ arguments: [Argument], sourceLocation: SourceLocation = #_sourceLocation) {
        let strings = arguments.compactMap { if case .text(let t) = $0 { return strdup(t)! } else { return nil } }
        defer { strings.forEach { free($0) } }
        var next = 0
        let values: [CVarArg] = arguments.map {
            switch $0 {
            case .text: next += 1; return strings[next - 1]
            case .int(let v): return v
            case .uint(let v): return v
            case .long(let v): return v
            case .ulong(let v): return v
            case .double(let v): return v
            case .char(let v): return v
            }
        }
        for size in [0, 1, 5, 256] {
            var buffer = [CChar](repeating: 0x7F, count: max(size, 1))
            let expected = withVaList(values) { vsnprintf(&buffer, size, format, $0) }
            let end = size == 0 ? 0 : buffer.firstIndex(of: 0) ?? buffer.count
            let text = String(decoding: buffer.prefix(end).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let ours = Workbook.xmlFormat(format, values, size: size)
            #expect(ours.text == text && ours.result == expected, "snprintf \(format) size \(size)", sourceLocation: sourceLocation)
        }
        var pointer: UnsafeMutablePointer<CChar>?
        var length = 0
        let file = open_memstream(&pointer, &length)!
        let expected = withVaList(values) { vfprintf(file, format, $0) }
        fclose(file)
        let text = String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        free(pointer)
        let ours = Workbook.xmlFprintf(format, values)
        #expect(ours.text == text && ours.result == expected, "fprintf \(format): \(ours.text) against \(text)",
                sourceLocation: sourceLocation)
    }

    @Test func libxlsxwritersFormatsAreWrittenAsGlibcWritesThem() {
        #expect(Workbook.xmlPrintfAvailable)
        for value in [0, -0.0, 1, -1, 42, 0.8571, 0.5, 1e14, 999_999_999_999_999, -999_999_999_999_999, 1e15, 1e16,
                      123_456_789.125, -2.5, .nan, -.nan, .infinity, -.infinity, 1e-5, 0.1 + 0.2, 1.0 / 3,
                      .greatestFiniteMagnitude, .leastNonzeroMagnitude, 46_326, 2_147_483_648, -2_147_483_649] {
            Self.compare("<c r=\"%s\" s=\"%d\"><v>%.16G</v></c>", [.text("AB12"), .int(7), .double(value)])
            Self.compare("%.16G", [.double(value)])
        }
        for value: Int32 in [0, 1, -1, 9, 10, -10, .max, .min] {
            Self.compare("%d", [.int(value)])
            Self.compare("<c r=\"%s\" s=\"%d\" t=\"s\"><v>%d</v></c>", [.text("XFD1048576"), .int(value), .int(value)])
        }
        for value: UInt32 in [0, 1, .max] { Self.compare("F%u", [.uint(value)]) }
        for value in [0, -1, Int.max, Int.min] { Self.compare("%ld|%zd", [.long(value), .long(value)]) }
        for value in [0, UInt.max] { Self.compare("%lu|%zu", [.ulong(value), .ulong(value)]) }
        Self.compare(" %s=\"%s\"", [.text("val"), .text("青石镇 &amp; 东湖村")])
        Self.compare("<%s", [.text("sheetData")])
        Self.compare("</%s>", [.text("worksheet")])
        Self.compare("<si>%s</si>", [.text("")])
        Self.compare("%s%s%s%s", [.text("a"), .text("bb"), .text(""), .text("ccc")])
        Self.compare("100%% %c%c", [.char(65), .char(0x7A)])
        Self.compare("plain text, no conversion", [])
        Self.compare("", [])
    }

    /// Every format the fast path does not take goes to glibc whole: widths, flags, other precisions and conversions.
    @Test func otherFormatsGoToGlibc() {
        Self.compare("%02d:%02d", [.int(7), .int(45)])
        Self.compare("%4d-%02d-%02dT%02d", [.int(2026), .int(10), .int(5), .int(3)])
        Self.compare("#%06x", [.uint(0xABC)])
        Self.compare("FF%06X", [.uint(0xABC)])
        Self.compare("%g and %.16g", [.double(0.8571), .double(1e20)])
        Self.compare("%.3f|%5s|%-5s|", [.double(2.0 / 3), .text("ab"), .text("cd")])
        Self.compare("%s %d %.16G %x", [.text("mixed"), .int(-3), .double(2.5), .uint(255)])
        Self.compare("100%", [])
    }
}
