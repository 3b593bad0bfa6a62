// Walks a zip's directory as ZIPFoundation will, refusing one that would make it trap or hang, and says where each entry's data lies.

import Foundation
import ZIPFoundation

/// ZIPFoundation 0.9.20 reads an in-memory archive through a `MemoryFile` whose read traps ("Range requires
/// lowerBound <= upperBound") when a seek has gone past the end of the data, and converts 64-bit sizes and
/// offsets with `Int64(_:)`, which traps above `Int64.max`. A zip's directory is the clerk's bytes, so a damaged
/// or hostile .xlsx could crash the run (found by the SubmissionWorkbook fuzz target; upstream
/// weichsel/ZIPFoundation#394 is still open). This walks the directory exactly as `Archive` will — the same end
/// record, ZIP64 record, central-directory walk and ZIP64 extra fields — and says whether every position it
/// would seek to lies inside the data. A valid zip always passes; it only ever rejects a broken one.
///
/// It also records where each entry's data lies, in ZIPFoundation's iteration order, because its Linux inflate loop
/// never ends on a deflate stream that runs out before its end marker (it ignores the entry's size and keeps reading
/// empty chunks at the end of the file: a hang, found by the same target). The reader inflates from these spans
/// itself, with a provider that stops at the entry's compressed size.
enum ZipBounds {
    /// Where one entry's data lies in the zip, and how it is stored (from its local header, as ZIPFoundation reads it).
    struct Span: Equatable {
        var dataOffset: Int
        var compressedSize: Int
        var uncompressedSize: UInt64
        var method: UInt64
    }

    /// Hands one entry's data to `consumer` in pieces: copied when stored, inflated when deflated, by a provider
    /// that stops at the entry's compressed size (ZIPFoundation's own Linux inflate would never stop on a stream
    /// that ends early). Throws on another method or a stream cut short; the CRC is the caller's to check.
    static func unpack(_ data: Data, _ span: Span, consumer: Consumer) throws {
        struct Truncated: Error {}
        let end = min(span.dataOffset + (span.method == 0 ? Int(min(span.uncompressedSize, UInt64(Int.max))) : span.compressedSize),
                      data.count)
        switch span.method {
        case 0: try consumer(data.subdata(in: min(span.dataOffset, end)..<end))
        case 8:
            _ = try Data.decompress(size: Int64(end - span.dataOffset), bufferSize: defaultReadChunkSize, skipCRC32: true,
                                    provider: { position, size in
                let start = span.dataOffset + Int(position)
                guard start < end else { throw Truncated() }
                return data.subdata(in: start..<min(start + size, end))
            }, consumer: consumer)
        default: throw Truncated()  // ZIPFoundation knows no other method either
        }
    }

    /// True when ZIPFoundation can walk every entry of `bytes` without seeking past the end.
    static func safe(_ bytes: [UInt8]) -> Bool { spans(bytes) != nil }

    /// Every entry's data, in ZIPFoundation's iteration order; nil when walking the directory would trap.
    /// (Empty when there is no end record: `Archive(data:)` throws by itself then.)
    static func spans(_ bytes: [UInt8]) -> [Span]? {
        var spans: [Span] = []
        let length = UInt64(bytes.count)
        func u16(_ at: UInt64) -> UInt64? { at + 2 <= length ? UInt64(bytes[Int(at)]) | UInt64(bytes[Int(at) + 1]) << 8 : nil }
        func u32(_ at: UInt64) -> UInt64? {
            guard let lo = u16(at), let hi = u16(at + 2) else { return nil }
            return lo | hi << 16
        }
        func u64(_ at: UInt64) -> UInt64? {
            guard let lo = u32(at), let hi = u32(at + 4) else { return nil }
            return lo | hi << 32
        }

        // End record: the last signature scanning back from 22 bytes before the end (Archive.scanForEndOfCentralDirectoryRecord).
        guard length >= 22 else { return spans }  // no end record: Archive(data:) throws by itself
        var eocd: UInt64?
        var back: UInt64 = 22
        while back <= length {
            if u32(length - back) == 0x0605_4B50 { eocd = length - back; break }
            back += 1
        }
        guard let eocd, let commentLength = u16(eocd + 20), eocd + 22 + commentLength <= length,
              let entries16 = u16(eocd + 10), let offset32 = u32(eocd + 16) else { return spans }
        var entries = entries16, directory = offset32
        // A ZIP64 end record just before its locator overrides both (scanForZIP64EndOfCentralDirectory).
        if eocd > 20, eocd - 20 > 56 {
            let locator = eocd - 20, record = locator - 56
            if u32(locator) == 0x0706_4B50, u32(record) == 0x0606_4B50, let needed = u16(record + 14), needed >= 45,
               let count = u64(record + 32), let offset = u64(record + 48) {
                entries = count; directory = offset
            }
        }

        // The central directory, entry by entry (Archive.makeIterator); a structure that cannot be read whole ends
        // the walk there, as it ends ZIPFoundation's.
        var index: UInt64 = 0
        while index < entries {
            guard directory <= length else { return nil }
            guard u32(directory) == 0x0201_4B50, let needed = u16(directory + 6), let flags = u16(directory + 8),
                  let method = u16(directory + 10), let compressed32 = u32(directory + 20),
                  let uncompressed32 = u32(directory + 24), let nameLength = u16(directory + 28),
                  let extraLength = u16(directory + 30), let commentLength = u16(directory + 32),
                  let disk16 = u16(directory + 34), let offset32 = u32(directory + 42),
                  directory + 46 + nameLength + extraLength + commentLength <= length else { return spans }
            let extra = directory + 46 + nameLength
            let zip64 = zip64Fields(bytes, from: extra, length: extraLength, compressed: compressed32,
                                    uncompressed: uncompressed32, offset: offset32, disk: disk16)
            let isZIP64 = needed & 0xFF >= 45 || zip64 != nil
            func effective(_ small: UInt64, _ big: UInt64?) -> UInt64 { isZIP64 ? (big.flatMap { $0 > 0 ? $0 : nil } ?? small) : small }
            let header = effective(offset32, zip64?.offset)
            let compressed = effective(compressed32, zip64?.compressed)
            let uncompressed = effective(uncompressed32, zip64?.uncompressed)
            // Sizes ZIPFoundation turns into Int64 when extracting; data always lies inside the file.
            guard header <= length, compressed <= length, method != 0 || uncompressed <= length else { return nil }
            guard u32(header) == 0x0403_4B50, let localMethod = u16(header + 8), let localName = u16(header + 26),
                  let localExtra = u16(header + 28), header + 30 + localName + localExtra <= length else { return spans }
            if flags & 0x8 != 0 {
                // The data descriptor after the data.
                let size = method != 0 ? compressed : uncompressed
                guard header + 30 + localName + localExtra + size <= length else { return nil }
            }
            spans.append(Span(dataOffset: Int(header + 30 + localName + localExtra), compressedSize: Int(compressed),
                              uncompressedSize: uncompressed, method: localMethod))
            directory += 46 + nameLength + extraLength + commentLength
            index += 1
        }
        return spans
    }

    /// The ZIP64 extended information of a central-directory entry, read as ZIPFoundation reads it
    /// (Entry.ZIP64ExtendedInformation.scanForZIP64Field): only the fields whose 32-bit value is saturated are
    /// present, in order, and the field's size must match them exactly.
    private static func zip64Fields(_ bytes: [UInt8], from start: UInt64, length: UInt64, compressed: UInt64,
                                    uncompressed: UInt64, offset: UInt64, disk: UInt64)
        -> (uncompressed: UInt64?, compressed: UInt64?, offset: UInt64?)? {
        func u16(_ at: UInt64) -> UInt64 { UInt64(bytes[Int(at)]) | UInt64(bytes[Int(at) + 1]) << 8 }
        func u64(_ at: UInt64) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[Int(at) + $1]) << (8 * UInt64($1)) } }
        guard length > 0 else { return nil }
        var at: UInt64 = 0
        while Int(at) < Int(length) - 4 {
            let id = u16(start + at), size = u16(start + at + 2)
            let next = at + 4 + size
            guard next <= length else { return nil }
            if id == 0x0001 {
                let saturated32: UInt64 = 0xFFFF_FFFF
                let present = [uncompressed == saturated32, compressed == saturated32, offset == saturated32]
                let expected = UInt64(present.filter { $0 }.count * 8 + (disk == 0xFFFF ? 4 : 0))
                guard size == expected else { return nil }
                var field = start + at + 4
                func take(_ isPresent: Bool) -> UInt64? {
                    guard isPresent else { return nil }
                    defer { field += 8 }
                    return u64(field)
                }
                let u = take(present[0]), c = take(present[1]), o = take(present[2])
                return (u ?? 0, c ?? 0, o ?? 0)
            }
            at = next
        }
        return nil
    }
}
