// One record's fields as the reader holds them (UTF-8 bytes back to back), lent to validation without a String per field.

/// A record's fields as UTF-8 bytes, borrowed from the reader's buffer: valid only inside the call that
/// hands it over (never stored). Field `i` is `text[start(i)..<ends[i]]`, where a field starts `gap` bytes
/// after the previous one ends (0: fields back to back; 1: lent from the text as read, a separator between
/// fields); a `RawRecord` is made only where Strings are wanted (the header, tests).
struct RecordBytes {
    /// Physical line where the record starts (1-based).
    let line: Int
    let text: UnsafeBufferPointer<UInt8>
    /// Offsets in `text` where each field ends; the first field starts at `firstStart`.
    let ends: UnsafeBufferPointer<UInt32>
    let firstStart: Int
    let gap: Int

    var count: Int { ends.count }

    /// The bytes of field `i` (valid UTF-8: fields are split at ASCII bytes of valid text).
    @inline(__always)
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        // `&-`, `&+`: `i` is a field's index (≥ 0) and an end is a UInt32 offset; the range keeps its check.
        let start = i == 0 ? firstStart : Int(ends[i &- 1]) &+ gap
        return UnsafeBufferPointer(rebasing: text[start..<Int(ends[i])])
    }

    func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    /// The record with a String per field.
    func rawRecord() -> RawRecord {
        var fields: [String] = []
        fields.reserveCapacity(count)
        for i in 0..<count { fields.append(string(i)) }
        return RawRecord(line: line, fields: fields)
    }

    /// Every cell empty after trimming (`RawRecord.isBlank`, without making Strings).
    @inline(__always)
    var isBlank: Bool {
        // Nearly every record's first cell starts with a byte no cell space's UTF-8 form starts with (a digit, a
        // letter, most Chinese lead bytes): `isBlankCell` answers false at that byte, so the record is not blank,
        // decided here without the two calls (~65 instructions a row of a big file).
        if count > 0, let first = field(0).first, !Self.mayStartCellSpace(first) { return false }
        return everyCellBlank
    }

    /// `isBlank` cell by cell (what it answers when the first byte does not decide).
    var everyCellBlank: Bool {
        for i in 0..<count where !Self.isBlankCell(field(i)) { return false }
        return true
    }

    /// Whether `b` is the first byte of a cell space's UTF-8 form: space, tab, LF, CR, U+3000 (E3), U+FEFF (EF) or
    /// U+00A0 (C2). Any other first byte makes `isBlankCell` false.
    @inline(__always)
    static func mayStartCellSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0xE3 || b == 0xEF || b == 0xC2
    }

    /// `String(cell).trimmedCell.isEmpty`, from the bytes. Trimming takes off Characters that are cell
    /// spaces (space, tab, CR, LF, U+3000, U+FEFF, U+00A0), so a cell is blank exactly when every Character
    /// is one. Each of those scalars is a Character of its own (none extends another; U+FEFF, CR and LF are
    /// Control, which breaks on both sides) except CR LF, one Character that is no cell space; and a Character
    /// holding any other scalar is none either. So: blank when the bytes are only those scalars' UTF-8 forms,
    /// not when any other scalar appears; a CR LF pair is left to the String (rare). Checking Chinese header
    /// cells through a String and a Character walk was a third of the header's cost on the demo town.
    static func isBlankCell(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = cell.baseAddress else { return true }
        let n = cell.count
        var i = 0
        while i < n {
            let b = p[i]
            switch b {
            case 0x20, 0x09, 0x0A:
                i += 1
            case 0x0D:
                if i + 1 < n, p[i + 1] == 0x0A { return String(decoding: cell, as: UTF8.self).trimmedCell.isEmpty }
                i += 1
            case 0xE3 where i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80,   // U+3000
                 0xEF where i + 2 < n && p[i + 1] == 0xBB && p[i + 2] == 0xBF:   // U+FEFF
                i += 3
            case 0xC2 where i + 1 < n && p[i + 1] == 0xA0:                       // U+00A0
                i += 2
            default:
                return false   // any other scalar (fields are valid UTF-8, and `i` is always at a scalar's start)
            }
        }
        return true
    }

    /// `String(cell).trimmedCell`'s bytes where they are certain from the bytes alone, else nil (left to the
    /// String). Certain when no cell space's whole UTF-8 form sits at either end (then `trimmedCell` returns
    /// the cell unchanged: its own fast check, byte for byte), or when the cell is ASCII without CR or LF
    /// (every byte its own Character; only spaces and tabs can be trimmed).
    static func trimmedCellIfCertain(_ cell: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let p = cell.baseAddress, cell.count > 0 else { return cell }
        let n = cell.count
        if !startsWithCellSpace(p, n) && !endsWithCellSpace(p, n) { return cell }
        var start = 0, end = n
        for i in 0..<n { let c = p[i]; if c >= 0x80 || c == 0x0D || c == 0x0A { return nil } }
        while start < end, p[start] == 0x20 || p[start] == 0x09 { start += 1 }
        while end > start, p[end - 1] == 0x20 || p[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(start: p + start, count: end - start)
    }

    /// Whether `trimmedCellIfCertain` returns the cell itself by its first check: the cell is empty, or no cell
    /// space's UTF-8 form sits at either end (`trimmedCell` leaves such a cell unchanged). `@_transparent`: with
    /// `@inline(__always)` the plain paths still called it (~35 instructions a row, eleventh session).
    @_transparent
    static func isUntrimmed(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = cell.baseAddress, cell.count > 0 else { return true }
        return !startsWithCellSpace(p, cell.count) && !endsWithCellSpace(p, cell.count)
    }

    /// Starts with the UTF-8 form of a cell space: space, tab, CR, LF, U+3000, U+FEFF, U+00A0.
    @inline(__always)
    private static func startsWithCellSpace(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let b = p[0]
        if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { return true }
        if n >= 3, (b == 0xE3 && p[1] == 0x80 && p[2] == 0x80) || (b == 0xEF && p[1] == 0xBB && p[2] == 0xBF) { return true }
        return n >= 2 && b == 0xC2 && p[1] == 0xA0
    }

    /// Ends with the UTF-8 form of a cell space.
    @inline(__always)
    private static func endsWithCellSpace(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let b = p[n - 1]
        if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { return true }
        if n >= 3, (b == 0x80 && p[n - 2] == 0x80 && p[n - 3] == 0xE3) || (b == 0xBF && p[n - 2] == 0xBB && p[n - 3] == 0xEF) { return true }
        return n >= 2 && b == 0xA0 && p[n - 2] == 0xC2
    }
}

extension RawRecords {
    /// Record `i` lent as bytes, without a String per field.
    func withRecordBytes<R>(_ i: Int, _ body: (RecordBytes) -> R) -> R {
        withStorage { text, fieldEnds, recordStarts, lines in
            let first = Int(recordStarts[i]), end = Int(recordStarts[i + 1])
            let start = first == 0 ? 0 : Int(fieldEnds[first - 1])
            return body(RecordBytes(line: Int(lines[i]), text: text,
                                    ends: UnsafeBufferPointer(rebasing: fieldEnds[first..<end]), firstStart: start, gap: 0))
        }
    }
}
