// A byte-level RFC 4180 parser over decoded UTF-8 text, keeping the physical line of every record.
//
// Where this parser departs from RFC 4180, on purpose (each is what Excel, WPS and Python's csv
// module do, so a clerk's file reads the way it looks in a spreadsheet):
// - Records may end in CRLF, LF or a lone CR (old Mac Excel); a file may mix them.
// - The separator is a comma, or a tab when the header row decides so (`detectSeparator`).
// - A quote inside an unquoted field is an ordinary character: `12"3` reads as `12"3`.
// - Text after a closing quote, up to the next separator, is appended as written:
//   `"ab"c` reads as `abc`, and `"ab"c"d"` as `abc"d"` (quotes there are ordinary too).
// - Spaces before an opening quote make the field unquoted: ` "a,b"` is two fields ` "a` and `b"`.
// - Records may have different numbers of fields; validation decides what that means.
// - An entirely empty line is a record of one empty field (the RFC grammar's reading:
//   a field may be empty). It is blank, so validation skips it without counting it.
// - A line break after the last record does not start another record.
// - A quoted field still open at the end of the file rejects the whole file: everything
//   after its opening quote would otherwise be swallowed into one cell.
// - Limits (`ReadLimits`): a cell over 32,767 characters, a record over 16,384 cells or over
//   1 MB rejects the whole file, naming the line; Excel cannot save such a file, so only a
//   broken one (usually an unpaired quote) or a hostile one gets there.
// Splitting works on bytes: separators, quotes, CR and LF are ASCII and never occur inside a
// multi-byte UTF-8 sequence, so each field's String is built once from its byte slice.

/// The RFC 4180 reader of SPEC §3.1, working on valid UTF-8 bytes.
public enum CSVParser {
    static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// "The header row decides": when the first line with any content holds, outside quotes,
    /// a tab and no comma, the file is tab-separated; otherwise it is comma-separated.
    public static func detectSeparator(_ text: [UInt8]) -> Separator {
        text.withUnsafeBufferPointer { buf in
            var commas = 0, tabs = 0, hasContent = false, inQuotes = false
            var i = 0
            while i < buf.count {
                let b = buf[i]
                i += 1
                if inQuotes {
                    if b == quote { inQuotes = false } else if b != 0x20 && b != tab && b != cr && b != lf { hasContent = true }
                    continue
                }
                switch b {
                case quote: inQuotes = true
                case comma: commas += 1
                case tab: tabs += 1
                case 0x20: break
                case cr, lf:
                    if hasContent { return tabs > 0 && commas == 0 ? .tab : .comma }
                    commas = 0; tabs = 0
                default: hasContent = true
                }
            }
            return hasContent && tabs > 0 && commas == 0 ? .tab : .comma
        }
    }

    /// Splits `text` (valid UTF-8, no BOM) into records, each with the physical 1-based line it
    /// starts on (CRLF, LF and lone CR each end one physical line, inside quotes too). Line endings
    /// are those that end records; breaks inside quoted cells (Excel writes LF there even in CRLF
    /// files) are data, not the file's line-ending style.
    public static func parse(_ text: [UInt8], separator: Separator,
                             limits: ReadLimits = .standard) throws(ReadFailure) -> (records: RawRecords, lineEndings: LineEndings) {
        let sep: UInt8 = separator == .tab ? tab : comma
        var records = RawRecords()
        records.reserveText(text.count)
        var sawCRLF = false, sawLF = false, sawCR = false
        var failure: ReadFailure?
        text.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = 0
            var line = 1
            var scratch: [UInt8] = []
            // More characters than the limit: only counted when the bytes alone could exceed it.
            func overLimit(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
                guard field.count > limits.maxFieldCharacters else { return false }
                var scalars = 0
                for b in field where b & 0xC0 != 0x80 { scalars += 1 }
                return scalars > limits.maxFieldCharacters
            }
            while i < n {
                let recordLine = line
                let recordStart = i
                records.startRecord(line: recordLine)
                var fieldCount = 0
                while true {
                    let fieldLine = line
                    if i < n && buf[i] == quote {
                        let quoteLine = line
                        i += 1
                        let contentStart = i
                        var segmentStart = i
                        var doubled = false
                        scratch.removeAll(keepingCapacity: true)
                        while true {
                            guard i < n else { failure = .unterminatedQuote(line: quoteLine); return }
                            let b = buf[i]
                            if b == quote {
                                if i + 1 < n && buf[i + 1] == quote {
                                    // Keep one quote of the pair: copy up to and including the first.
                                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segmentStart...i]))
                                    doubled = true
                                    i += 2
                                    segmentStart = i
                                    continue
                                }
                                break
                            }
                            if b == lf || (b == cr && !(i + 1 < n && buf[i + 1] == lf)) { line += 1 }
                            i += 1
                        }
                        let contentEnd = i
                        i += 1 // the closing quote
                        let tailStart = i
                        while i < n, buf[i] != sep, buf[i] != lf, buf[i] != cr { i += 1 }
                        if !doubled && tailStart == i {
                            let field = UnsafeBufferPointer(rebasing: buf[contentStart..<contentEnd])
                            if overLimit(field) { failure = .fieldTooLong(line: fieldLine, column: fieldCount + 1, limit: limits.maxFieldCharacters); return }
                            records.appendField(field)
                        } else {
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segmentStart..<contentEnd]))
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[tailStart..<i]))
                            let tooLong = scratch.withUnsafeBufferPointer { overLimit($0) }
                            if tooLong { failure = .fieldTooLong(line: fieldLine, column: fieldCount + 1, limit: limits.maxFieldCharacters); return }
                            scratch.withUnsafeBufferPointer { records.appendField($0) }
                        }
                    } else {
                        let start = i
                        while i < n, buf[i] != sep, buf[i] != lf, buf[i] != cr { i += 1 }
                        let field = UnsafeBufferPointer(rebasing: buf[start..<i])
                        if overLimit(field) { failure = .fieldTooLong(line: fieldLine, column: fieldCount + 1, limit: limits.maxFieldCharacters); return }
                        records.appendField(field)
                    }
                    fieldCount += 1
                    if fieldCount > limits.maxColumns { failure = .tooManyColumns(line: recordLine, limit: limits.maxColumns); return }
                    if i - recordStart > limits.maxRecordBytes { failure = .recordTooLong(line: recordLine, limit: limits.maxRecordBytes); return }
                    if i < n && buf[i] == sep { i += 1; continue }
                    break
                }
                if i < n {
                    if buf[i] == cr {
                        if i + 1 < n && buf[i + 1] == lf { sawCRLF = true; i += 2 } else { sawCR = true; i += 1 }
                    } else {
                        sawLF = true
                        i += 1
                    }
                    line += 1
                }
            }
        }
        if let failure { throw failure }
        records.shrink()
        let endings: LineEndings
        switch (sawCRLF, sawLF, sawCR) {
        case (false, false, false): endings = .none
        case (true, false, false): endings = .crlf
        case (false, true, false): endings = .lf
        case (false, false, true): endings = .cr
        default: endings = .mixed
        }
        return (records, endings)
    }
}

/// The reading stage's entry point: bytes in, records out, or the reason the file is rejected whole.
public enum SourceReader {
    /// Decodes (see `TextDecoding.decode`), picks the separator, and parses. A file with no
    /// bytes, or only blank records, has no header and is rejected whole as `.empty`; a file
    /// beyond one of `limits` is rejected whole with the line where it was found.
    /// `bytes` is consumed: the file's bytes are released once decoded (or parsed, for UTF-8, where the
    /// decoded text is the same buffer), so at most the file, its text and its records are held at once.
    public static func read(_ bytes: consuming [UInt8], limits: ReadLimits = .standard) throws(ReadFailure) -> ParsedCSV {
        if bytes.count > limits.maxFileBytes { throw .fileTooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        var text = try TextDecoding.decode(bytes)
        _ = consume bytes
        let separator = CSVParser.detectSeparator(text.utf8)
        let (records, endings) = try CSVParser.parse(text.utf8, separator: separator, limits: limits)
        let encoding = text.encoding
        text.utf8 = []
        let parsed = ParsedCSV(encoding: encoding, separator: separator, lineEndings: endings, records: records)
        guard header(of: parsed) != nil else { throw .empty }
        return parsed
    }

    /// The header: the first non-blank record (SPEC §3.1), or nil when every record is blank.
    public static func header(of parsed: ParsedCSV) -> RawRecord? {
        parsed.records.first { !$0.isBlank }
    }

    /// The records after the header, blank ones included (callers skip `isBlank` ones).
    public static func dataRecords(of parsed: ParsedCSV) -> Slice<RawRecords> {
        guard let index = parsed.records.firstIndex(where: { !$0.isBlank }) else { return parsed.records[0..<0] }
        return parsed.records[(index + 1)...]
    }
}
