// A part minizip deflates is libdeflate's bytes, whole up to 64 KB and in 128 KB pieces past it, however it is fed;
// it inflates back.

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

    /// Sizes around the 16 KB read buffer, the 64 KB limit and the 128 KB pieces, fed in libxlsxwriter's 16 KB pieces,
    /// in small ones and in one, into output buffers of 1 byte to minizip's 64 KB: always the same bytes (libdeflate's
    /// of the whole part up to the limit, of its 128 KB pieces one after the other past it, which is what makes the
    /// bytes depend on the part alone), and they inflate to the part.
    /// Fed as minizip feeds (again while input is left) and as zlib's manual allows (ZIPFoundation: again only while
    /// the output comes back full, Z_FINISH with the last piece), which needs zlib's contract kept throughout.
    @Test func everyWayOfFeedingAPartGivesTheSameBytes() throws {
        #if canImport(CZlib)
        let limit = Workbook.libdeflatePartLimit
        let piece = Workbook.libdeflatePieceSize
        for size in [0, 1, 100, 16_383, 16_384, 16_385, limit - 1, limit, limit + 1, piece - 1, piece, piece + 1, 200_000,
                     2 * piece, 2 * piece + 1, 3_000_000] {
            for noise in [false, true] {
                let part = Self.sample(size, noise: noise)
                let expected = try #require(size > limit ? Workbook.deflatedInPiecesForTests(part, piece: piece, level: 1)
                                                         : Workbook.deflatedForTests(part, level: 1, zlib: false))
                if size > limit && size <= piece {  // one piece: libdeflate's whole-part bytes
                    #expect(expected == Workbook.deflatedForTests(part, level: 1, zlib: false), "size \(size)")
                }
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

    /// A long part's pieces against zlib's one stream (the path these parts took before): the same bytes inflated,
    /// fewer deflated for sheet-like XML (128 KB pieces lose little to starting afresh), and within libdeflate's
    /// bound for noise. Fed as minizip feeds it, with libxlsxwriter's 16 KB pieces and minizip's 64 KB buffer.
    @Test func aLongPartInPiecesInflatesAsZlibsStreamDoes() throws {
        #if canImport(CZlib)
        for size in [Workbook.libdeflatePartLimit + 1, 300_000, 1_000_000, 4_000_000] {
            for noise in [false, true] {
                let part = Self.sample(size, noise: noise)
                let ours = try #require(Workbook.deflatedLikeMinizipForTests(part, piece: 16_384, room: 65_536, level: 1))
                let zlib = try #require(Workbook.deflatedForTests(part, level: 1, zlib: true))
                #expect(ours != zlib)
                let inflated = try #require(ZipLevelTests.inflated(ours), "size \(size) noise \(noise)")
                #expect(inflated == ZipLevelTests.inflated(zlib))
                #expect(inflated == part)
                if noise {
                    let pieces = (size + Workbook.libdeflatePieceSize - 1) / Workbook.libdeflatePieceSize
                    // libdeflate's own bound (5 bytes per 5,000, its shortest block) per piece, + the empty blocks.
                    #expect(ours.count <= size + 5 * (size / 5_000 + pieces) + 5 * pieces, "size \(size)")
                } else {
                    #expect(ours.count < zlib.count, "size \(size): \(ours.count) bytes against zlib's \(zlib.count)")
                }
            }
        }
        #endif
    }

    /// libdeflate_deflate_compress_piece (added to the vendored libdeflate): pieces of every size from 1 byte (stored
    /// blocks below libdeflate's pass-through size) to 5,000, at levels 0, 1 and 6, of XML and of noise, one after the
    /// other are one raw deflate stream that zlib inflates to the whole input, using all of it: every piece but the last
    /// ends on a byte with no final block, whatever bit the last block ended on; and a piece followed by another is the
    /// piece's own deflate with no final block and an empty stored block after it.
    @Test func piecesOneAfterTheOtherAreOneDeflateStream() throws {
        #if canImport(CZlib)
        let xml = Self.sample(60_000, noise: false), noise = Self.sample(20_000, noise: true)
        var sizes = Array(1...64) + [100, 255, 256, 1_000, 4_097, 5_000]
        sizes += stride(from: 101, to: 3_000, by: 97).map { $0 }
        for level in [0, 1, 6] {
            for (name, input) in [("xml", xml), ("noise", noise)] {
                for piece in sizes where piece * 400 >= input.count || level == 1 {
                    let stream = try #require(Workbook.deflatedInPiecesForTests(input, piece: piece, level: level),
                                              "\(name) level \(level) piece \(piece)")
                    #expect(ZipLevelTests.inflated(stream) == input, "\(name) level \(level) piece \(piece)")
                }
                let first = Array(input.prefix(5_000))
                let alone = try #require(Workbook.deflatedInPiecesForTests(first, piece: 5_000, level: level))
                let two = try #require(Workbook.deflatedInPiecesForTests(Array(input.prefix(10_000)), piece: 5_000,
                                                                         level: level))
                // The first of two pieces: the piece alone's blocks, none final, then (above level 0, whose stored
                // blocks end on a byte) the empty stored block: 4 or 5 bytes more, ending in LEN 0 and NLEN 0xFFFF.
                let second = try #require(Workbook.deflatedInPiecesForTests(Array(input[5_000..<10_000]), piece: 5_000,
                                                                            level: level))
                #expect(two.suffix(second.count).elementsEqual(second), "\(name) level \(level)")
                let nonFinal = two.count - second.count
                if level == 0 {
                    #expect(nonFinal == alone.count, "\(name)")
                } else {
                    #expect(nonFinal == alone.count + 4 || nonFinal == alone.count + 5, "\(name) level \(level)")
                    #expect(Array(two.prefix(nonFinal).suffix(4)) == [0, 0, 0xFF, 0xFF], "\(name) level \(level)")
                }
            }
        }
        #endif
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
