// Every part of every workbook is deflated at the project's fixed level, by libdeflate: whole up to 64 KB, in 128 KB pieces past it.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter
#if canImport(CZlib)
import CZlib
#endif

@Suite struct ZipLevelTests {
    /// One stored part of a zip: its name, general-purpose flags and deflated bytes.
    struct Entry {
        let name: String
        let flags: Int
        let method: Int
        let data: [UInt8]
    }

    /// The parts of a zip as its central directory lists them (libxlsxwriter's zips: no ZIP64, no comment).
    static func entries(_ bytes: [UInt8]) -> [Entry] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let end = bytes.count - 22
        guard end >= 0, u32(end) == 0x0605_4B50 else { return [] }
        var at = u32(end + 16)
        var found: [Entry] = []
        for _ in 0..<u16(end + 10) {
            guard u32(at) == 0x0201_4B50 else { return [] }
            let nameLength = u16(at + 28), size = u32(at + 20), local = u32(at + 42)
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            found.append(Entry(name: name, flags: u16(at + 8), method: u16(at + 10), data: Array(bytes[start..<(start + size)])))
            at += 46 + nameLength + u16(at + 30) + u16(at + 32)
        }
        return found
    }

    #if canImport(CZlib)
    /// Raw inflate of one part.
    static func inflated(_ data: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = data, output: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16), status = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output += outBuf[0..<(outBuf.count - Int(stream.avail_out))]
                }
            } while status == Z_OK
        }
        return status == Z_STREAM_END ? output : nil
    }

    #endif

    /// The level is not zlib's default, and libxlsxwriter's calls reach the interposition in this binary too.
    @Test func theLevelIsSetAndApplies() {
        #expect(Workbook.zipLevel != 6 && Workbook.zipLevel != -1)
        #expect(Workbook.zipLevelApplies)
    }

    /// The town workbook, village workbooks with parts in memory (twice, so the second finds its constant parts in
    /// the cache) and with temporary files, a workbook with a long sheet, and a submission template: every part
    /// holds exactly libdeflate's bytes at `Workbook.zipLevel` (past `Workbook.libdeflatePartLimit`, the long sheets, its
    /// bytes in `Workbook.libdeflatePieceSize` pieces, smaller than zlib's stream of the same XML), which differ
    /// from the default level's for some parts, and minizip marks level 1 in the flags (bits 1 and 2).
    @Test func everyPartIsDeflatedAtTheLevel() throws {
        #if canImport(CZlib)
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        try TownWorkbook.write(report, to: dir + "/town.xlsx", partsInMemory: true)
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/v1.xlsx", partsInMemory: true)
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/v2.xlsx", partsInMemory: true)
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/files.xlsx", tmpdir: dir)
        try TemplateWorkbook.write(report.config, code: v.village.code, to: dir + "/template.xlsx")
        try OutputWritingTests.writeLongWorkbook(dir + "/long.xlsx", tmpdir: dir, inMemory: true)
        var longParts = 0
        for file in ["town", "v1", "v2", "files", "template", "long"] {
            let parts = Self.entries([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/\(file).xlsx"))))
            #expect(parts.count >= 9, "\(file)")
            var differFromDefault = 0
            for part in parts {
                #expect(part.method == 8, "\(file) \(part.name) is not deflated")
                if Workbook.zipLevel == 1 { #expect(part.flags & 6 == 6, "\(file) \(part.name): flags \(part.flags)") }
                let xml = try #require(Self.inflated(part.data), "\(file) \(part.name)")
                let long = xml.count > Workbook.libdeflatePartLimit
                if long { longParts += 1 }
                let coder = long ? "libdeflate in pieces" : "libdeflate"
                func deflated(_ level: Int) -> [UInt8]? {
                    long ? Workbook.deflatedInPiecesForTests(xml, piece: Workbook.libdeflatePieceSize, level: level)
                        : Workbook.deflatedForTests(xml, level: level, zlib: false)
                }
                let atLevel = part.data == deflated(Workbook.zipLevel)  // (not the bytes in a failure)
                #expect(atLevel, "\(file) \(part.name) is not \(coder)'s level-\(Workbook.zipLevel) deflate of its XML")
                if part.data != deflated(6) { differFromDefault += 1 }
                if long, let zlib = Workbook.deflatedForTests(xml, level: Workbook.zipLevel, zlib: true) {
                    #expect(part.data.count < zlib.count, "\(file) \(part.name): \(part.data.count) bytes, zlib's \(zlib.count)")
                }
            }
            #expect(differFromDefault > 0, "\(file): every part is also the default level's bytes")
        }
        #expect(longParts >= 1, "no long part: the pieces were not seen")
        #endif
    }
}
