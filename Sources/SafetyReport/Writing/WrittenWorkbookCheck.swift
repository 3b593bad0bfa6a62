// Reads back a workbook libxlsxwriter has just written and refuses one with a part cut short.

import Foundation
import XlsxWriter
import ZIPFoundation
#if canImport(CZlib)
import CZlib  // ZIPFoundation's zlib module: the direct path below inflates with it
#endif

/// libxlsxwriter 1.1.4 writes each XML part of a workbook to a temporary file and then zips that file, but it
/// checks neither its writes nor the final flush: when the temporary folder fills up (a RAM-backed /dev/shm
/// shared with other processes, a full /tmp), the part is zipped as far as it got — often as 0 bytes — and
/// `workbook_close` still reports success. Found by review: with /dev/shm filled during a run, every village
/// workbook came out as a 1,540-byte zip of empty parts, the run exited 0 and the manifest recorded them.
///
/// Every part libxlsxwriter writes is one XML document whose root element is closed at its very end, so a part
/// cut short anywhere lacks that closing tag. This inflates each part (keeping only its first and last bytes)
/// and checks that it ends with `</root>` for the root element it opens with.
enum WrittenWorkbookCheck {
    /// Why a written workbook is refused.
    struct Incomplete: Error, CustomStringConvertible {
        let part: String
        var description: String {
            "part \(part) is cut short (libxlsxwriter does not report a failed write to its temporary files: "
                + "is the temporary folder full?)"
        }
    }

    /// The bytes of the workbook just closed on this thread at `path`, when its zip was kept in memory and written
    /// in one go (`Workbook.takeWrittenZip`): they are checked and hashed instead of read back.
    static func takeWrittenZip(_ path: String) -> [UInt8]? { Workbook.takeWrittenZip(path) }

    /// Workbooks larger than this are not read back (the check holds the file in memory); village workbooks are
    /// tens of kilobytes, and a town workbook of 10,000 villages a few tens of megabytes.
    static let largestChecked = 256 << 20

    /// Throws `Incomplete` when a part of the .xlsx file at `path` does not end by closing its root element.
    static func verify(path: String) throws {
        guard let bytes = readSmallFile(path) else { return }
        try verify(bytes: bytes)
    }

    static func verify(bytes: [UInt8]) throws {
        // Our own zips are read directly (one walk of the directory, one inflate stream reused for every part);
        // anything that walk does not expect goes the general way through ZIPFoundation, which decides.
        switch directVerdict(bytes) {
        case .complete?: return
        case .cutShort(let part)?: throw Incomplete(part: part)
        case nil: try verifyThroughArchive(bytes)
        }
    }

    /// The check for a workbook whose temporary parts all stayed in memory with no failed write
    /// (`Workbook.partsStayedInMemory`): the zip's directory and every local header and data span are walked as
    /// in `verify`, but the deflated parts are not inflated. What the inflate finds — a part cut short by a failed
    /// write to its temporary file — cannot happen there: no part went through a temporary file, every failed
    /// write, read or seek of a part in memory fails `Workbook.close`, and minizip and libxlsxwriter check every
    /// write of the zip itself (a full disk fails `close` too). A zip this walk does not expect is checked in full.
    static func verifyStructure(bytes: [UInt8]) throws {
        switch directVerdict(bytes, inflating: false) {
        case .complete?: return
        case .cutShort(let part)?: throw Incomplete(part: part)
        case nil: try verifyThroughArchive(bytes)
        }
    }

    /// What the direct path found: every part complete, or the first one cut short.
    enum Verdict: Equatable {
        case complete
        case cutShort(String)
    }

    /// The verdict from the zip's own directory, for the zips libxlsxwriter writes (no ZIP64, no encryption,
    /// stored or deflated parts whose data lies inside the file); nil for anything else, or when zlib is not at hand.
    /// `inflating: false` walks the same directory and headers but leaves deflated parts as they are.
    static func directVerdict(_ bytes: [UInt8], inflating: Bool = true) -> Verdict? {
        #if canImport(CZlib)
        let count = bytes.count
        func u16(_ at: Int) -> Int? { at >= 0 && at + 2 <= count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : nil }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(at), let hi = u16(at + 2) else { return nil }
            return lo | hi << 16
        }
        // The end record: the last signature, scanning back over at most a 64 KB comment.
        var end = count - 22
        while end >= 0 && end >= count - 22 - 0xFFFF && u32(end) != 0x0605_4B50 { end -= 1 }
        guard end >= 0, u32(end) == 0x0605_4B50, let entries = u16(end + 10), entries != 0xFFFF,
              let start = u32(end + 16), start != 0xFFFF_FFFF else { return nil }
        var inflater = Inflater()
        defer { inflater.end() }
        var at = start
        for _ in 0..<entries {
            guard u32(at) == 0x0201_4B50, let flags = u16(at + 8), let method = u16(at + 10),
                  let compressed = u32(at + 20), let nameLength = u16(at + 28), let extraLength = u16(at + 30),
                  let commentLength = u16(at + 32), let header = u32(at + 42), at + 46 + nameLength <= count,
                  flags & 0x1 == 0, compressed != 0xFFFF_FFFF, header != 0xFFFF_FFFF else { return nil }
            let name = bytes[(at + 46)..<(at + 46 + nameLength)]
            at += 46 + nameLength + extraLength + commentLength
            guard name.last != UInt8(ascii: "/"),
                  name.reversed().starts(with: "lmx.".utf8) || name.reversed().starts(with: "sler.".utf8) else { continue }
            guard u32(header) == 0x0403_4B50, let localName = u16(header + 26), let localExtra = u16(header + 28) else { return nil }
            let data = header + 30 + localName + localExtra
            guard data + compressed <= count else { return nil }
            let path = String(decoding: name, as: UTF8.self)
            var ends = PartEnds()
            switch method {
            case 0: bytes.withUnsafeBufferPointer { ends.add(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[data..<(data + compressed)]))) }
            case 8 where !inflating: continue
            case 8:
                guard let whole = inflater.inflate(bytes, data..<(data + compressed), into: &ends) else { return nil }
                if !whole { return .cutShort(path) }
            default: return nil
            }
            if !ends.closesItsRoot { return .cutShort(path) }
        }
        return .complete
        #else
        return nil
        #endif
    }

    #if canImport(CZlib)
    /// One raw-inflate stream and output buffer for all the parts of a workbook (`inflateReset` between them).
    private struct Inflater {
        private var stream = z_stream()
        private var ready = false
        private var buffer = [UInt8](repeating: 0, count: 1 << 15)

        /// Inflates `range` of `bytes` into `ends`: true when the stream ended within it, false when it was cut
        /// short or damaged, nil when zlib could not start.
        mutating func inflate(_ bytes: [UInt8], _ range: Range<Int>, into ends: inout PartEnds) -> Bool? {
            if ready {
                guard inflateReset(&stream) == Z_OK else { return nil }
            } else {
                guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
                ready = true
            }
            return bytes.withUnsafeBufferPointer { input in
                buffer.withUnsafeMutableBufferPointer { output in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + range.lowerBound)
                    stream.avail_in = uInt(range.count)
                    while true {
                        stream.next_out = output.baseAddress
                        stream.avail_out = uInt(output.count)
                        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        let produced = output.count - Int(stream.avail_out)
                        ends.add(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: output[..<produced])))
                        if status == Z_STREAM_END { return true }
                        // Z_BUF_ERROR: no progress possible — the input ran out before the end of the stream.
                        if status != Z_OK || (produced == 0 && stream.avail_in == 0) { return false }
                    }
                }
            }
        }

        mutating func end() { if ready { inflateEnd(&stream); ready = false } }
    }
    #endif

    /// The general path: ZIPFoundation's directory, and each part inflated from where ZipBounds says it lies.
    static func verifyThroughArchive(_ bytes: [UInt8]) throws {
        let data = Data(bytes)
        guard let spans = ZipBounds.spans(bytes), !spans.isEmpty,
              let archive = try? Archive(data: data, accessMode: .read, pathEncoding: nil)
        else { throw Incomplete(part: "(zip directory)") }
        for (index, entry) in archive.enumerated()
        where entry.type == .file && (entry.path.hasSuffix(".xml") || entry.path.hasSuffix(".rels")) {
            guard index < spans.count else { throw Incomplete(part: entry.path) }
            var ends = PartEnds()
            do { try ZipBounds.unpack(data, spans[index]) { ends.add($0) } } catch { throw Incomplete(part: entry.path) }
            guard ends.closesItsRoot else { throw Incomplete(part: entry.path) }
        }
    }

    /// The first and last bytes of a part, collected as it is inflated.
    struct PartEnds {
        private(set) var head: [UInt8] = []
        private(set) var tail: [UInt8] = []
        private static let keep = 512

        /// Copies only the bytes it keeps, through the chunk's buffer (Data's generic slicing per byte cost more
        /// than the inflate).
        mutating func add(_ chunk: Data) {
            chunk.withUnsafeBytes { add($0) }
        }

        mutating func add(_ raw: UnsafeRawBufferPointer) {
            let bytes = raw.bindMemory(to: UInt8.self)
            if head.count < Self.keep { head.append(contentsOf: bytes.prefix(Self.keep - head.count)) }
            if bytes.count >= Self.keep {
                tail = Array(bytes.suffix(Self.keep))
            } else {
                tail.append(contentsOf: bytes)
                if tail.count > Self.keep { tail.removeFirst(tail.count - Self.keep) }
            }
        }

        /// The root element's name: the first element after the XML declaration and any comments.
        var rootName: [UInt8]? {
            var i = 0
            while i < head.count {
                guard let lt = head[i...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
                let next = lt + 1 < head.count ? head[lt + 1] : 0
                if next == UInt8(ascii: "?") || next == UInt8(ascii: "!") { i = lt + 1; continue }
                let name = head[(lt + 1)...].prefix { !" \t\r\n/>".utf8.contains($0) }
                return name.isEmpty ? nil : Array(name)
            }
            return nil
        }

        /// The part, trailing white space aside, ends with `</root>`.
        var closesItsRoot: Bool {
            guard let name = rootName else { return false }
            var end = tail[...]
            while let last = end.last, last == 0x20 || last == 0x0A || last == 0x0D || last == 0x09 { end = end.dropLast() }
            let closing = [UInt8]("</".utf8) + name + [UInt8(ascii: ">")]
            return end.count >= closing.count && end.suffix(closing.count).elementsEqual(closing)
        }
    }

    /// The file's bytes, or nil when it is larger than `largestChecked` or cannot be read (describing the output
    /// afterwards reports that).
    private static func readSmallFile(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size <= UInt64(largestChecked) else { return nil }
        try? handle.seek(toOffset: 0)
        guard let data = try? handle.readToEnd() else { return nil }
        return [UInt8](data)
    }
}
