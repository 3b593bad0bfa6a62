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
        let start = i == 0 ? firstStart : Int(ends[i - 1]) + gap
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
    var isBlank: Bool {
        for i in 0..<count where !Self.isBlankCell(field(i)) { return false }
        return true
    }

    /// `String(cell).trimmedCell.isEmpty`. Decided from the bytes when they must: a non-space ASCII byte
    /// belongs to a Character that is no cell space, and spaces and tabs alone trim away. Anything else
    /// (line breaks, which may pair as CR LF, or non-ASCII) asks the String.
    static func isBlankCell(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        var undecided = false
        for b in cell {
            if b == 0x20 || b == 0x09 { continue }
            if b >= 0x80 || b == 0x0D || b == 0x0A { undecided = true; continue }
            return false
        }
        return undecided ? String(decoding: cell, as: UTF8.self).trimmedCell.isEmpty : true
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
