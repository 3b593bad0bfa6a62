// Reads back a workbook libxlsxwriter has just written and refuses one with a part cut short.

import Foundation
import ZIPFoundation

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

    /// Workbooks larger than this are not read back (the check holds the file in memory); village workbooks are
    /// tens of kilobytes, and a town workbook of 10,000 villages a few tens of megabytes.
    static let largestChecked = 256 << 20

    /// Throws `Incomplete` when a part of the .xlsx file at `path` does not end by closing its root element.
    static func verify(path: String) throws {
        guard let bytes = readSmallFile(path) else { return }
        try verify(bytes: bytes)
    }

    static func verify(bytes: [UInt8]) throws {
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
            chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                if head.count < Self.keep { head.append(contentsOf: bytes.prefix(Self.keep - head.count)) }
                if bytes.count >= Self.keep {
                    tail = Array(bytes.suffix(Self.keep))
                } else {
                    tail.append(contentsOf: bytes)
                    if tail.count > Self.keep { tail.removeFirst(tail.count - Self.keep) }
                }
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
