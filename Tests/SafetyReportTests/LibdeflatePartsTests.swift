// A part minizip deflates is libdeflate's bytes up to 64 KB and zlib's past it, however it is fed; it inflates back.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter
#if canImport(CZlib)
import CZlib
#endif

@Suite struct LibdeflatePartsTests {
    /// `count` bytes of sheet-like XML with Chinese text (compressible), or of noise (deflate makes it longer).
    static func sample(_ count: Int, noise: Bool) -> [UInt8] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        if noise { return (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 200)
        var row = 1
        while bytes.count < count {
            bytes += Array("<row r=\"\(row)\"><c r=\"A\(row)\" t=\"s\"><v>\(next() % 5000)</v></c><c r=\"B\(row)\"><v>\(next() % 100_000)</v></c><c r=\"C\(row)\" t=\"inlineStr\"><is><t>青石村第\(next() % 12)组隐患</t></is></c></row>".utf8)
            row += 1
        }
        return Array(bytes.prefix(count))
    }

    /// Sizes around the 16 KB read buffer and the 64 KB limit, fed in libxlsxwriter's 16 KB pieces, in small ones
    /// and in one, into output buffers of 1 byte to minizip's 64 KB: always the one coder's whole-buffer bytes
    /// (libdeflate up to the limit, zlib past it, which is what makes the bytes depend on the part alone), and they
    /// inflate to the part. Past the limit this is the collected bytes handed to zlib ahead of the caller's next pieces.
    /// Fed as minizip feeds (again while input is left) and as zlib's manual allows (ZIPFoundation: again only while
    /// the output comes back full, Z_FINISH with the last piece), which needs zlib's contract kept throughout.
    @Test func everyWayOfFeedingAPartGivesTheSameBytes() throws {
        #if canImport(CZlib)
        let limit = Workbook.libdeflatePartLimit
        for size in [0, 1, 100, 16_383, 16_384, 16_385, limit - 1, limit, limit + 1, 200_000, 3_000_000] {
            for noise in [false, true] {
                let part = Self.sample(size, noise: noise)
                let expected = try #require(Workbook.deflatedForTests(part, level: 1, zlib: size > limit))
                for piece in [16_384, 1_000, 5_000_000] {
                    for room in [1, 7, 4_096, 65_536] where room > 1 || size <= 200_000 {
                        for strict in [false, true] {
                            let got = Workbook.deflatedLikeMinizipForTests(part, piece: piece, room: room, level: 1, strict: strict)
                            #expect(got == expected, "size \(size) noise \(noise) piece \(piece) room \(room) strict \(strict)")
                            if let got, room == 65_536 {
                                #expect(ZipLevelTests.inflated(got) == part, "size \(size) noise \(noise) piece \(piece)")
                            }
                        }
                    }
                }
            }
        }
        #endif
    }

    /// libdeflate is what deflates a small part (its bytes are not zlib's) and the parts come out smaller.
    @Test func aSmallPartIsLibdeflatesAndSmallerThanZlibs() throws {
        let part = Self.sample(50_000, noise: false)
        let ours = try #require(Workbook.deflatedLikeMinizipForTests(part, piece: 16_384, room: 65_536, level: 1))
        let zlib = try #require(Workbook.deflatedForTests(part, level: 1, zlib: true))
        #expect(ours != zlib)
        #expect(ours.count < zlib.count)
        #expect(ours == Workbook.deflatedForTests(part, level: 1, zlib: false))
    }

    /// A raw-deflate stream set up by anyone but minizip opening a part for libxlsxwriter (here: this test, through
    /// zlib's API, which reaches CMemoryParts' interposed functions in this binary) is zlib's own: zlib's bytes, and
    /// zlib's other functions (`deflateParams`, `deflateReset`) work on it.
    @Test func aStreamNotOpenedByMinizipIsZlibsOwn() throws {
        #if canImport(CZlib)
        let part = Self.sample(50_000, noise: false)
        var stream = z_stream()
        #expect(deflateInit2_(&stream, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                              Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        #expect(deflateParams(&stream, 1, Z_DEFAULT_STRATEGY) == Z_OK)
        #expect(deflateReset(&stream) == Z_OK)
        var input = part, output = [UInt8](repeating: 0, count: part.count + 1024)
        let status = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_SYNC_FLUSH) == Z_OK ? deflate(&stream, Z_FINISH) : Z_STREAM_ERROR
            }
        }
        #expect(status == Z_STREAM_END)
        let got = Array(output.prefix(Int(stream.total_out)))
        #expect(ZipLevelTests.inflated(got) == part)
        #expect(got != Workbook.deflatedForTests(part, level: 1, zlib: false), "libdeflate took a stream minizip did not open")
        #endif
    }

    /// Two threads deflating at once, each its own parts: each gets the bytes one thread alone gets.
    @Test func twoThreadsAtOnceGetTheBytesOfOne() {
        let parts = [Self.sample(50_000, noise: false), Self.sample(1_500_000, noise: false), Self.sample(9_000, noise: true)]
        let alone = parts.map { Workbook.deflatedLikeMinizipForTests($0, piece: 16_384, room: 65_536, level: 1) }
        let wrong = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            for round in 0..<6 {
                let i = (round + k) % parts.count
                if Workbook.deflatedLikeMinizipForTests(parts[i], piece: 16_384, room: 65_536, level: 1) != alone[i] {
                    wrong.withLock { $0 += 1 }
                }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
    }
}
