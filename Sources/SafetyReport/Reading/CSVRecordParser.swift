// The RFC 4180 reader of CSVParser as a state machine fed text in pieces of any size, one record out at a time.
//
// It follows CSVParser.parse rule for rule (the departures from RFC 4180 listed there, the limits, the
// physical line numbers, the line-ending summary); `StreamingReaderTests` checks that both give the same
// records and failures for every split of the test corpus. Memory: the record being read, never more —
// once a record is longer than `maxRecordBytes` it is certain to fail when its current field ends, so its
// bytes are only counted from then on.

/// Incremental CSV parser: `feed` pieces of valid UTF-8 text, then `finish`.
struct CSVRecordParser {
    private enum State { case recordStart, fieldStart, unquoted, quoted, quoteInQuoted, tail, afterCR }
    private static let quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    private let sep: UInt8
    private let limits: ReadLimits
    private var state = State.recordStart
    private var line = 1, recordLine = 1, fieldLine = 1, quoteLine = 1
    /// Text bytes of the record so far, quotes and separators included (CSVParser's `i - recordStart`).
    private var recordBytes = 0
    private var fieldCount = 0
    /// The record's field bytes back to back, and where each field ends.
    private var text: [UInt8] = []
    private let fieldEnds = FieldEnds()
    private var fieldStart = 0
    /// Lending: the record started in the piece being fed and has had only unquoted fields, so it is lent
    /// from the piece itself (fields `piece[lendBase...]` with one separator byte between them, `fieldEnds`
    /// relative to `lendBase`) instead of copied into `text`. A quote, the end of the piece, or a record
    /// about to pass `maxRecordBytes` copies what was lent into `text` and goes on as before (`materialize`).
    private var lending = false
    private var lendBase = 0, lentFieldStart = 0
    /// Set once the record is over `maxRecordBytes`: bytes are then counted, not kept.
    private var discarding = false
    private var discardedBytes = 0, discardedScalars = 0
    /// Inside quotes: the previous byte was a CR (so a LF after it ends no extra line).
    private var previousCR = false
    private var sawCRLF = false, sawLF = false, sawCR = false

    /// The separator byte in every byte of a word, for `fieldEnd`.
    private let sepWords: UInt64

    init(separator: Separator, limits: ReadLimits) {
        sep = separator == .tab ? 0x09 : 0x2C
        sepWords = UInt64(sep) &* 0x0101_0101_0101_0101
        self.limits = limits
    }

    /// The first position at or after `i` holding the separator, LF or CR (`buf.count` when none): eight bytes at
    /// a time, then byte by byte. A word's byte is one of them exactly when `word ^ that byte in every byte` has a
    /// zero byte there, which `~(((x & 0x7F…) + 0x7F…) | x) & 0x80…` flags without carries between bytes (as
    /// `Surveyor.countLineFeeds` counts LFs). Chinese text is three bytes a character: its cells were the byte
    /// loop's longest runs on the demo town, where the parser was an eighth of validating.
    @inline(__always)
    static func fieldEnd(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, separatorWords: UInt64) -> Int {
        let n = buf.count
        var i = start
        if let base = buf.baseAddress {
            let raw = UnsafeRawPointer(base)
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
            @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low) &+ low) | x) & high }
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                let hits = zeroBytes(w ^ separatorWords) | zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D)
                if hits != 0 { return i + hits.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        let sep = UInt8(truncatingIfNeeded: separatorWords)
        while i < n { let b = buf[i]; if b == sep || b == lf || b == cr { break }; i += 1 }
        return i
    }

    /// How the records seen so far ended (CSVParser's summary).
    var lineEndings: LineEndings {
        switch (sawCRLF, sawLF, sawCR) {
        case (false, false, false): .none
        case (true, false, false): .crlf
        case (false, true, false): .lf
        case (false, false, true): .cr
        default: .mixed
        }
    }

    /// Parses `piece`, handing every record it completes to `emit`.
    mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, _ emit: (RawRecord) -> Void) throws(ReadFailure) {
        try feed(buf) { (r: RecordBytes) in emit(r.rawRecord()) }
    }

    /// The end of the text, records as Strings.
    mutating func finish(_ emit: (RawRecord) -> Void) throws(ReadFailure) {
        try finish { (r: RecordBytes) in emit(r.rawRecord()) }
    }

    /// Parses `piece`, lending every record it completes to `emit` as bytes (no String per field).
    mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, _ emit: (RecordBytes) -> Void) throws(ReadFailure) {
        let n = buf.count
        var i = 0
        while i < n {
            switch state {
            case .recordStart:
                beginRecord(at: i)
                state = .fieldStart
            case .fieldStart:
                if buf[i] != Self.quote { beginField(at: i); state = .unquoted; continue }
                // A quoted field: the record is copied from here on.
                fieldLine = line; discardedBytes = 0; discardedScalars = 0
                if lending { materialize(buf) }
                fieldStart = text.count; lentFieldStart = i
                quoteLine = line; previousCR = false
                i += 1; recordBytes += 1
                state = .quoted
            case .unquoted, .tail:
                if lending { i = try lentRecords(buf, from: i, emit); continue }
                // A copied record's unquoted field (after a quote, or once lending stopped): one field per turn
                // of the state machine; the record after it is lent again (`.recordStart`).
                let start = i
                i = Self.fieldEnd(buf, from: i, separatorWords: sepWords)
                keep(buf, start, i)
                guard i < n else { break }
                try endField()
                let b = buf[i]
                i += 1
                if b == sep {
                    recordBytes += 1
                    state = .fieldStart
                    break
                }
                line += 1
                record(emit)
                if b == Self.lf { sawLF = true; state = .recordStart } else { state = .afterCR }
            case .quoted:
                let start = i
                while i < n {
                    let b = buf[i]
                    if b == Self.quote { break }
                    if b == Self.cr { line += 1 } else if b == Self.lf && !previousCR { line += 1 }
                    previousCR = b == Self.cr
                    i += 1
                }
                keep(buf, start, i)
                if i < n { i += 1; recordBytes += 1; state = .quoteInQuoted }
            case .quoteInQuoted:
                if buf[i] == Self.quote {
                    // A doubled quote: one is kept.
                    keep(buf, i, i + 1)
                    i += 1; previousCR = false
                    state = .quoted
                } else {
                    state = .tail
                }
            case .afterCR:
                if buf[i] == Self.lf { sawCRLF = true; i += 1 } else { sawCR = true }
                state = .recordStart
            }
        }
        // The piece is about to go: a record still open keeps its fields so far.
        if lending { materialize(buf) }
    }

    /// The lent records from `buf[i]`, an unquoted field of a lent record (`.unquoted` while `lending`), and the
    /// records after it, in one loop: going round the state machine for every field and record took an indirect
    /// jump each time, mostly mispredicted (over a third of the parser's own time on a big file of short rows).
    /// Returns where the state machine goes on, with `state` set; each step is the one the state machine would
    /// take (`beginRecord`, `beginField`, `endField` for a lent field, the cases).
    ///
    /// The separators, LFs and CRs are found by `StopScanner`, which reads each word of the piece once and hands
    /// its stops out one by one (a scan from each field's start loaded a new unaligned word per field: five words
    /// for a 20-byte row of four fields). The record's counts live in locals and are written back to the struct
    /// only where something else reads them (an exit, a limit's check, a copy): its byte count is the distance
    /// from its start (`base`), since a lent record's fields are one separator apart; its field count is the
    /// field ends' count; and a record started inside the loop is written back only if the loop leaves while it
    /// is open (`openRecord`), not once per record as `beginRecord` did (twelfth session).
    @inline(__always)
    private mutating func lentRecords(_ buf: UnsafeBufferPointer<UInt8>, from i0: Int,
                                      _ emit: (RecordBytes) -> Void) throws(ReadFailure) -> Int {
        let n = buf.count
        // `i0 < n`: the state machine calls this at a byte of the piece.
        let p = buf.baseAddress!
        let maxRecordBytes = limits.maxRecordBytes, maxFieldCharacters = limits.maxFieldCharacters
        let maxColumns = limits.maxColumns
        let sep = self.sep
        var start = i0, base = lendBase
        var line = self.line, recordLine = self.recordLine
        // A stop at or past `limit` ends the lending: the end of the piece, or a record past `maxRecordBytes`. Below
        // `quiet` no field can be longer than `maxFieldCharacters` bytes either (it starts at or after `base`), so one
        // compare a field clears both checks; at or past it, `slowStop` decides them.
        @inline(__always) func limit(_ base: Int) -> Int { n &- base > maxRecordBytes ? base &+ maxRecordBytes &+ 1 : n }
        @inline(__always) func quiet(_ limit: Int, _ base: Int) -> Int { limit &- base > maxFieldCharacters ? base &+ maxFieldCharacters &+ 1 : limit }
        var stopLimit = limit(base)
        var quietLimit = quiet(stopLimit, base)
        // The field ends' count and memory in locals too (written back to `fieldEnds` before anything reads it):
        // `FieldEnds.append` stored the count and loaded it again for the next field, a fifth of the parser's samples
        // on a big file of short rows (store-to-load again, under the loop's hottest branch). Below `roomy` there is
        // room for one more end and the record is within `maxColumns` after it: one compare for both.
        let ends = fieldEnds
        var endCount = ends.count, endBase = ends.base
        var roomy = Swift.min(ends.capacity, maxColumns)
        var scan = StopScanner(p, count: n, from: i0, separatorWords: sepWords)
        while true {
            let i = scan.next()
            if i >= quietLimit {
                if i >= stopLimit {
                    // The record is copied from here on: the copied path reads this field again from its start.
                    return copyOpenRecord(buf, line: line, recordLine: recordLine, base: base, start: start, fields: endCount)
                }
                if i &- start > maxFieldCharacters {
                    try checkLentField(buf, line: line, recordLine: recordLine, base: base, start: start, end: i, fields: endCount)
                }
            }
            if endCount >= roomy {
                if endCount == ends.capacity {
                    ends.count = endCount
                    ends.grow()
                    endBase = ends.base
                    roomy = Swift.min(ends.capacity, maxColumns)
                }
                if endCount &+ 1 > maxColumns {
                    // The record's bytes are within `maxRecordBytes` (`stopLimit`): only the columns are too many.
                    try tooManyColumns(line: line, recordLine: recordLine, base: base, bytes: i &- base, fields: endCount &+ 1)
                }
            }
            endBase[endCount] = UInt32(truncatingIfNeeded: i &- base)
            endCount &+= 1
            let b = p[i]
            var next = i &+ 1
            if b == sep {
                // The next field starts unquoted inside this piece: `.fieldStart`'s unquoted branch.
                guard next < n, p[next] != Self.quote else {
                    openRecord(line: line, recordLine: recordLine, base: base, bytes: next &- base, fields: endCount)
                    state = .fieldStart
                    return next
                }
                start = next
                continue
            }
            line &+= 1
            emit(RecordBytes(line: recordLine, text: UnsafeBufferPointer(start: p + base, count: i &- base),
                             ends: UnsafeBufferPointer(start: endBase, count: endCount), firstStart: 0, gap: 1))
            if b == Self.lf {
                sawLF = true
            } else {
                // `.afterCR`, decided here when the byte after the CR is in this piece and is a LF.
                guard next < n, p[next] == Self.lf else { return recordDone(line: line, endCount: endCount, next, .afterCR) }
                sawCRLF = true
                next &+= 1
                // That LF is the scanner's next stop: taken.
                _ = scan.next()
            }
            // The next record starts with an unquoted field inside this piece: `.recordStart`, then
            // `.fieldStart`'s unquoted branch.
            guard next < n, p[next] != Self.quote else { return recordDone(line: line, endCount: endCount, next, .recordStart) }
            recordLine = line; base = next; start = next; endCount = 0
            stopLimit = limit(base)
            quietLimit = quiet(stopLimit, base)
        }
    }

    /// The struct as `beginRecord` and the lent loop would have left it for an open lent record (`lentRecords`,
    /// which keeps these in locals until it leaves or a check reads them).
    @inline(__always)
    private mutating func openRecord(line: Int, recordLine: Int, base: Int, bytes: Int, fields: Int) {
        self.line = line; self.recordLine = recordLine; lendBase = base
        recordBytes = bytes; fieldCount = fields; fieldEnds.count = fields
        lending = true
    }

    /// The lent loop leaving at a field that ends past the piece or takes the record past `maxRecordBytes`: the open
    /// record is copied from here on, and the copied path reads the field again from `start`. Out of line, as the
    /// loop's other rare exits (a smaller loop is one the compiler inlines the row's validation into).
    @inline(never)
    private mutating func copyOpenRecord(_ buf: UnsafeBufferPointer<UInt8>, line: Int, recordLine: Int, base: Int,
                                         start: Int, fields: Int) -> Int {
        openRecord(line: line, recordLine: recordLine, base: base, bytes: start - base, fields: fields)
        beginField(at: start)
        materialize(buf)
        return start
    }

    /// `endField`'s field-length check for the lent field `buf[start..<end]` (which may pass it).
    @inline(never)
    private mutating func checkLentField(_ buf: UnsafeBufferPointer<UInt8>, line: Int, recordLine: Int, base: Int,
                                         start: Int, end: Int, fields: Int) throws(ReadFailure) {
        openRecord(line: line, recordLine: recordLine, base: base, bytes: end - base, fields: fields)
        beginField(at: start)
        try checkLentFieldCharacters(buf, end)
    }

    /// `endField`'s columns check failing for a lent record.
    @inline(never)
    private mutating func tooManyColumns(line: Int, recordLine: Int, base: Int, bytes: Int, fields: Int) throws(ReadFailure) {
        openRecord(line: line, recordLine: recordLine, base: base, bytes: bytes, fields: fields)
        try checkRecordLimits()
    }

    /// The struct after a lent record was handed on (`lend`), the loop leaving at `i` in `next` state.
    @inline(__always)
    private mutating func recordDone(line: Int, endCount: Int, _ i: Int, _ next: State) -> Int {
        self.line = line; fieldEnds.count = endCount
        lending = false
        state = next
        return i
    }

    /// A record starts at `buf[i]` (the `.recordStart` state): lent from the piece until something needs a copy.
    @inline(__always)
    private mutating func beginRecord(at i: Int) {
        recordLine = line; recordBytes = 0; fieldCount = 0; discarding = false
        if !text.isEmpty { text.removeAll(keepingCapacity: true) }
        fieldEnds.count = 0
        lending = true; lendBase = i
    }

    /// An unquoted field starts at `buf[i]` (`.fieldStart` when the byte is no quote).
    @inline(__always)
    private mutating func beginField(at i: Int) {
        fieldLine = line; discardedBytes = 0; discardedScalars = 0
        fieldStart = text.count; lentFieldStart = i
    }

    /// Copies the lent fields of the open record into `text` (packed, as `keep` stores them); lending ends.
    private mutating func materialize(_ buf: UnsafeBufferPointer<UInt8>) {
        lending = false
        var start = lendBase
        for k in 0..<fieldEnds.count {
            let end = lendBase + Int(fieldEnds[k])
            text.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<end]))
            fieldEnds[k] = UInt32(truncatingIfNeeded: text.count)
            start = end + 1
        }
        // The open field, if any, starts after them.
        fieldStart = text.count
    }

    /// `endField`'s field-length check for a lent field, `buf[lentFieldStart..<end]` (never discarding: lending
    /// stops before the record passes `maxRecordBytes`); out of line, as the rare checks that can fail are.
    @inline(never)
    private func checkLentFieldCharacters(_ buf: UnsafeBufferPointer<UInt8>, _ end: Int) throws(ReadFailure) {
        var scalars = 0
        for b in buf[lentFieldStart..<end] where b & 0xC0 != 0x80 { scalars += 1 }
        if scalars > limits.maxFieldCharacters {
            throw .fieldTooLong(line: fieldLine, column: fieldCount + 1, limit: limits.maxFieldCharacters)
        }
    }

    /// The two record limits, columns first (as `endField` checks them).
    @inline(never)
    private func checkRecordLimits() throws(ReadFailure) {
        if fieldCount > limits.maxColumns { throw .tooManyColumns(line: recordLine, limit: limits.maxColumns) }
        if recordBytes > limits.maxRecordBytes { throw .recordTooLong(line: recordLine, limit: limits.maxRecordBytes) }
    }

    /// The end of the text: the last record, if one is open, or the failure of an unclosed quote.
    mutating func finish(_ emit: (RecordBytes) -> Void) throws(ReadFailure) {
        switch state {
        case .recordStart:
            return
        case .afterCR:
            sawCR = true
        case .quoted:
            throw .unterminatedQuote(line: quoteLine)
        case .fieldStart:
            // After a separator at the end of the text: one more, empty, field.
            fieldLine = line; fieldStart = text.count; discardedBytes = 0; discardedScalars = 0
            try endField()
            record(emit)
        case .unquoted, .tail, .quoteInQuoted:
            try endField()
            record(emit)
        }
        state = .recordStart
    }

    /// Adds `buf[start..<end]` to the current field (counting it toward the record either way).
    private mutating func keep(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        guard end > start else { return }
        let piece = UnsafeBufferPointer(rebasing: buf[start..<end])
        recordBytes += end - start
        if discarding {
            discardedBytes += piece.count
            for b in piece where b & 0xC0 != 0x80 { discardedScalars += 1 }
        } else {
            text.append(contentsOf: piece)
            if recordBytes > limits.maxRecordBytes { discarding = true }
        }
    }

    private mutating func endField() throws(ReadFailure) {
        let stored = text.count - fieldStart
        if stored + discardedBytes > limits.maxFieldCharacters {
            var scalars = discardedScalars
            for b in text[fieldStart...] where b & 0xC0 != 0x80 { scalars += 1 }
            if scalars > limits.maxFieldCharacters {
                throw .fieldTooLong(line: fieldLine, column: fieldCount + 1, limit: limits.maxFieldCharacters)
            }
        }
        // `maxRecordBytes` keeps the kept text far below 4 GB.
        fieldEnds.append(UInt32(truncatingIfNeeded: text.count))
        fieldCount += 1
        if fieldCount > limits.maxColumns { throw .tooManyColumns(line: recordLine, limit: limits.maxColumns) }
        if recordBytes > limits.maxRecordBytes { throw .recordTooLong(line: recordLine, limit: limits.maxRecordBytes) }
    }

    /// Lends the record just completed to `emit`.
    private func record(_ emit: (RecordBytes) -> Void) {
        text.withUnsafeBufferPointer { t in
            emit(RecordBytes(line: recordLine, text: t, ends: fieldEnds.buffer, firstStart: 0, gap: 0))
        }
    }
}

/// Where each field of the open record ends: a buffer grown by doubling and reused for every record. An
/// array appended to per field checked its uniqueness and capacity each time (the parser's second cost after
/// its byte loop on a big file). Owned by one parser, which is never copied while in use.
final class FieldEnds {
    /// The ends' memory and its room, read by `CSVRecordParser.lentRecords` to append in a loop of its own.
    private(set) var base: UnsafeMutablePointer<UInt32>
    private(set) var capacity = 16
    /// Fields so far; set to 0 for the next record.
    var count = 0

    init() { base = .allocate(capacity: capacity) }
    deinit { base.deallocate() }

    @inline(__always)
    func append(_ end: UInt32) {
        if count == capacity { grow() }
        base[count] = end
        count += 1
    }

    @inline(never)
    func grow() {
        let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity * 2)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    subscript(k: Int) -> UInt32 {
        get { precondition(k >= 0 && k < count); return base[k] }
        set { precondition(k >= 0 && k < count); base[k] = newValue }
    }

    /// The ends so far, valid until the next append.
    var buffer: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: base, count: count) }
}

/// The separators, LFs and CRs of a piece from a position on, in order, each word of the piece read once: a word's
/// stops are flagged at once (0x80 in each byte that is one, exactly: `~(((x & 0x7F…) + 0x7F…) | x) & 0x80…` has no
/// carries between bytes, as in `CSVRecordParser.fieldEnd`) and handed out lowest first. The last, partial word is
/// read padded with zero bytes, which are none of the three (twelfth session; `ReadingTwelfthPassTests`).
struct StopScanner {
    private let p: UnsafePointer<UInt8>
    private let n: Int
    private let separatorWords: UInt64
    /// The word being handed out starts here.
    private var wordStart: Int
    /// Its stops not yet handed out.
    private var stops: UInt64

    @inline(__always)
    init(_ p: UnsafePointer<UInt8>, count n: Int, from i: Int, separatorWords: UInt64) {
        self.p = p; self.n = n; self.separatorWords = separatorWords
        wordStart = i
        stops = 0
        stops = flagged(at: i)
    }

    /// The stops of the word at `at` (`at < n`).
    @inline(__always)
    private func flagged(at: Int) -> UInt64 {
        let w = at &+ 8 <= n ? UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(fromByteOffset: at, as: UInt64.self))
                             : Self.partialWord(p + at, n &- at)
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low) &+ low) | x) & high }
        return zeroBytes(w ^ separatorWords) | zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D)
    }

    /// The last word's `count` (< 8) bytes, padded with zero bytes.
    @inline(never)
    private static func partialWord(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var w: UInt64 = 0
        for k in 0..<count { w |= UInt64(p[k]) << (8 * UInt64(k)) }
        return w
    }

    /// The next stop (taken), or `n` when there is none left.
    @inline(__always)
    mutating func next() -> Int {
        while stops == 0 {
            wordStart &+= 8
            guard wordStart < n else { wordStart = n; return n }
            stops = flagged(at: wordStart)
        }
        let at = wordStart &+ stops.trailingZeroBitCount &>> 3
        stops &= stops &- 1
        return at
    }
}

/// CSVParser.detectSeparator fed in pieces: decided by the first line with content.
struct SeparatorDetector {
    private var commas = 0, tabs = 0, hasContent = false, inQuotes = false
    private(set) var decided: Separator?

    mutating func feed(_ buf: UnsafeBufferPointer<UInt8>) {
        guard decided == nil else { return }
        for b in buf {
            if inQuotes {
                if b == 0x22 { inQuotes = false } else if b != 0x20 && b != 0x09 && b != 0x0D && b != 0x0A { hasContent = true }
                continue
            }
            switch b {
            case 0x22: inQuotes = true
            case 0x2C: commas += 1
            case 0x09: tabs += 1
            case 0x20: break
            case 0x0D, 0x0A:
                if hasContent { decided = tabs > 0 && commas == 0 ? .tab : .comma; return }
                commas = 0; tabs = 0
            default: hasContent = true
            }
        }
    }

    /// The separator, once all the text has been fed if the first content line has not ended.
    var separator: Separator { decided ?? (hasContent && tabs > 0 && commas == 0 ? .tab : .comma) }
}

/// Drops every byte-order mark at the start of a text fed in pieces (a BOM is never part of a field).
struct LeadingBOMDropper {
    private var pending: [UInt8] = []
    private var done = false
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Passes on the text after the leading BOMs; bytes that might still be one are held back.
    mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if done { body(buf); return }
        // Nearly every text starts with no BOM: it goes on whole (the parser and the detector take any split).
        if pending.isEmpty, let first = buf.first, first != Self.bom[0] { done = true; body(buf); return }
        var i = 0
        while i < buf.count {
            pending.append(buf[i]); i += 1
            if pending == Self.bom { pending.removeAll(); continue }
            if !Self.bom.starts(with: pending) {
                done = true
                let held = pending
                pending = []
                held.withUnsafeBufferPointer { body($0) }
                body(UnsafeBufferPointer(rebasing: buf[i...]))
                return
            }
        }
    }

    /// The end of the text: a partial BOM held back is text after all.
    mutating func finish(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if !pending.isEmpty { let held = pending; pending = []; held.withUnsafeBufferPointer { body($0) } }
        done = true
    }
}
