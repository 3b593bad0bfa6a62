// Turns a file's bytes into UTF-8 by fixed rules (SPEC §3.1): BOM, else strict UTF-8, else strict GB18030.

/// Why a file was rejected whole before any row could be read.
public enum ReadFailure: Error, Equatable, Sendable {
    /// No bytes, or nothing but blank lines: there is no header.
    case empty
    /// Neither valid UTF-8 nor valid GB18030; `line` is where GB18030 decoding first failed.
    case undecodable(line: Int)
    /// The file starts with a byte-order mark but its bytes are not valid in that encoding.
    case invalidForBOM(DetectedEncoding, line: Int)
    /// NUL bytes in a file that is not UTF-16: not a text file.
    case binary
    /// An Excel workbook (.xlsx zip or legacy .xls) rather than a CSV file.
    case spreadsheetFile
    /// A zip (an .xlsx workbook) under a CSV name: workbooks are accepted, but only named .xlsx.
    case workbookNamedCSV
    /// A quoted field opened on `line` is never closed before the end of the file.
    case unterminatedQuote(line: Int)
    /// The file is larger than `ReadLimits.maxFileBytes`; it is not read at all.
    case fileTooLarge(bytes: Int, limit: Int)
    /// A cell starting on `line`, in 1-based `column`, holds more than `limit` characters.
    case fieldTooLong(line: Int, column: Int, limit: Int)
    /// The record starting on `line` has more than `limit` cells.
    case tooManyColumns(line: Int, limit: Int)
    /// The record starting on `line` is longer than `limit` bytes of text.
    case recordTooLong(line: Int, limit: Int)
    /// The file changed between the two readings of a streamed file (a clerk still saving it, a copy
    /// still arriving): nothing read from it is used.
    case changedWhileRead
    /// The system refused the second reading (`errno` text: EACCES, EMFILE, EIO, …): nothing read is used.
    case unreadable(String)

    /// Stable rule key for validation_issues.csv.
    public var rule: String {
        switch self {
        case .empty: "file.empty"
        case .undecodable, .invalidForBOM: "file.encoding"
        case .binary: "file.binary"
        case .spreadsheetFile, .workbookNamedCSV: "file.spreadsheet"
        case .unterminatedQuote: "file.unterminated_quote"
        case .fileTooLarge: "file.too_large"
        case .fieldTooLong: "file.field_too_long"
        case .tooManyColumns: "file.too_many_columns"
        case .recordTooLong: "file.record_too_long"
        case .changedWhileRead: "file.changed"
        case .unreadable: "file.unreadable"
        }
    }

    /// The physical line the problem was found on, when there is one.
    public var line: Int? {
        switch self {
        case .undecodable(let line), .invalidForBOM(_, let line), .unterminatedQuote(let line),
             .fieldTooLong(let line, _, _), .tooManyColumns(let line, _), .recordTooLong(let line, _): line
        case .empty, .binary, .spreadsheetFile, .workbookNamedCSV, .fileTooLarge, .changedWhileRead, .unreadable: nil
        }
    }

    /// What is wrong and how to fix it, for the village clerk.
    public var message: String {
        switch self {
        case .empty:
            return "文件为空（没有表头行），整个文件未被读取；请按模板填写表头后重新提交，无数据时也请保留表头行。"
        case .undecodable(let line):
            return "文件编码无法识别（第 \(line) 行起）：既不是 UTF-8 也不是 GB18030，整个文件未被读取；请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后重新提交。"
        case .invalidForBOM(let encoding, let line):
            return "文件开头标明为 \(encoding.rawValue) 编码，但第 \(line) 行含有该编码下无效的字节，整个文件未被读取；文件可能已损坏，请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后重新提交。"
        case .binary:
            return "文件含有空字节，不是文本 CSV 文件（可能是其他格式的文件改了扩展名），整个文件未被读取；请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后重新提交。"
        case .workbookNamedCSV:
            return "这是 Excel 工作簿（.xlsx），文件名却是 .csv，整个文件未被读取。Excel 工作簿可以直接报送：请把文件扩展名改为 .xlsx（如 hazards.xlsx）后重新报送；或在 Excel 中「另存为」选择「CSV UTF-8（逗号分隔）」。"
        case .spreadsheetFile:
            return "这是 Excel 工作簿文件，不是 CSV 文本文件，整个文件未被读取；请在 Excel 中用「另存为」选择「CSV UTF-8（逗号分隔）」格式后重新提交。"
        case .unterminatedQuote(let line):
            return "第 \(line) 行开始的带引号单元格没有结束引号，整个文件未被读取；请检查该行的英文双引号 \" 是否成对，或在 Excel 中另存为 CSV 后重新提交。"
        case .fileTooLarge(let bytes, let limit):
            return "文件大小为 \(Self.megabytes(bytes))，超过上限 \(Self.megabytes(limit))，整个文件未被读取；一个月的报送文件通常不到 1 MB，请检查是否误存了大量空行、图片或其他文件的内容，删除后重新提交。"
        case .fieldTooLong(let line, let column, let limit):
            return "第 \(line) 行第 \(column) 列的单元格超过 \(limit) 个字符（Excel 单元格的上限），整个文件未被读取；多半是英文双引号 \" 不成对，把后面许多行并进了一个单元格，请检查该行附近的引号，或在 Excel 中另存为 CSV 后重新提交。"
        case .tooManyColumns(let line, let limit):
            return "第 \(line) 行超过 \(limit) 列（Excel 工作表的列数上限），整个文件未被读取；请检查分隔符是否正确、是否误粘贴了整行数据，删除多余的列后重新提交。"
        case .recordTooLong(let line, let limit):
            return "第 \(line) 行开始的一行数据超过 \(Self.megabytes(limit))，整个文件未被读取；一行报送数据通常只有几百个字，请检查该行是否误粘贴了大量内容或引号不成对，改正后重新提交。"
        case .changedWhileRead:
            return "读取过程中文件被改动（前后两次读到的内容不一致，可能正在保存或复制），整个文件未被读取；请等文件保存完毕后重新报送，内容无需修改。"
        case .unreadable(let why):
            return "文件无法读取（\(why)），整个文件未被读取，按未报送处理。请重新保存后报送。"
        }
    }

    /// `33554432` → `32 MB`, `52428800` → `50 MB`, `1572864` → `1.5 MB`: one unit, one decimal, for
    /// every size in a message (a size under 0.1 MB shows as `0.1 MB`, which is all a clerk needs).
    static func megabytes(_ bytes: Int) -> String {
        let tenths = max(1, (bytes * 10 + 524_288) / 1_048_576)
        return tenths % 10 == 0 ? "\(tenths / 10) MB" : "\(tenths / 10).\(tenths % 10) MB"
    }
}

/// The reader's resource limits. Each one is far above anything Excel or WPS can save, so only a
/// broken or hostile file reaches one; it is then rejected whole with an issue naming the line,
/// and memory stays bounded whatever a clerk sends.
public struct ReadLimits: Sendable, Equatable {
    /// A file larger than this is not read at all (checked before reading, on the open file).
    public var maxFileBytes: Int
    /// Excel's own cell limit: 32,767 characters (Unicode scalars).
    public var maxFieldCharacters: Int
    /// Excel's own column limit: 16,384 (XFD).
    public var maxColumns: Int
    /// One record (all its physical lines), in bytes of UTF-8 text.
    public var maxRecordBytes: Int
    /// A CSV file is read in pieces of this many bytes (not a limit on the file: tests make it tiny so
    /// records, characters and BOMs fall across piece boundaries).
    public var pieceBytes: Int

    public init(maxFileBytes: Int = 32 << 20, maxFieldCharacters: Int = 32_767, maxColumns: Int = 16_384,
                maxRecordBytes: Int = 1 << 20, pieceBytes: Int = 256 << 10) {
        self.maxFileBytes = maxFileBytes; self.maxFieldCharacters = maxFieldCharacters
        self.maxColumns = maxColumns; self.maxRecordBytes = maxRecordBytes; self.pieceBytes = max(1, pieceBytes)
    }

    /// The limits every command uses.
    public static let standard = ReadLimits()
}

/// A file's text as UTF-8 bytes (no BOM), and the encoding it was read in.
public struct DecodedText: Sendable, Equatable {
    public var encoding: DetectedEncoding
    /// Valid UTF-8, without a leading BOM, with no NUL.
    public var utf8: [UInt8]
}

/// The fixed decoding rules. Nothing is guessed from statistics and nothing is ever replaced:
/// a file either decodes exactly or is rejected whole.
public enum TextDecoding {
    /// Decodes `bytes` by the rules, in order:
    /// 1. a zip (`PK\3\4`, i.e. .xlsx) or OLE2 (legacy .xls) signature → `.spreadsheetFile`;
    /// 2. UTF-16 LE/BE BOM → UTF-16, strictly;
    /// 3. NUL anywhere → `.binary` (a text file in UTF-8 or GB18030 never holds one);
    /// 4. UTF-8 BOM → UTF-8, strictly;
    /// 5. valid UTF-8 → UTF-8 (tried before GB18030 because pure ASCII is valid in both);
    /// 6. valid GB18030 → GB18030 (glibc iconv, strict);
    /// 7. else `.undecodable`.
    /// Empty input decodes to empty text; deciding that an empty file has no header is the caller's job.
    public static func decode(_ bytes: [UInt8]) throws(ReadFailure) -> DecodedText {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { throw .workbookNamedCSV }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { throw .spreadsheetFile }
        if bytes.starts(with: [0xFF, 0xFE]) { return try utf16(bytes, encoding: .utf16LE, iconvName: "UTF-16LE") }
        if bytes.starts(with: [0xFE, 0xFF]) { return try utf16(bytes, encoding: .utf16BE, iconvName: "UTF-16BE") }
        if bytes.contains(0) { throw .binary }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = Array(bytes[3...])
            if let bad = firstInvalidUTF8(body) { throw .invalidForBOM(.utf8BOM, line: lineOf(offset: bad, in: body)) }
            return DecodedText(encoding: .utf8BOM, utf8: droppingLeadingBOMs(body))
        }
        guard let badUTF8 = firstInvalidUTF8(bytes) else { return DecodedText(encoding: .utf8, utf8: bytes) }
        do {
            return DecodedText(encoding: .gb18030, utf8: try Iconv.convert(bytes, from: "GB18030", to: "UTF-8"))
        } catch {
            // Both GB18030 lead and trail bytes are ≥ 0x30, so counting LF bytes up to the
            // failing offset gives the right physical line. The line named is where the file stops
            // being readable in the encoding that got further: a UTF-8 file with one bad byte on
            // line 30 is reported at line 30, not at line 1 where GB18030 gave up on its header.
            switch error {
            case .invalidSequence(let offset), .truncatedSequence(let offset):
                throw .undecodable(line: lineOf(offset: max(offset, badUTF8), in: bytes))
            case .unsupported:
                throw .undecodable(line: 1)
            }
        }
    }

    private static func utf16(_ bytes: [UInt8], encoding: DetectedEncoding, iconvName: String) throws(ReadFailure) -> DecodedText {
        let body = Array(bytes[2...])
        let utf8: [UInt8]
        do {
            // Converted without iconv (`IconvStream`'s UTF-16 path: the same bytes, the same error at the same offset).
            let stream = try IconvStream(from: iconvName, to: "UTF-8")
            var text: [UInt8] = []
            text.reserveCapacity(body.count / 2 * 3)
            try body.withUnsafeBufferPointer { (b) throws(IconvError) in try stream.feed(b) { text.append(contentsOf: $0) } }
            try stream.finish()
            utf8 = text
        } catch {
            let offset: Int
            switch error {
            case .invalidSequence(let o), .truncatedSequence(let o): offset = o
            case .unsupported: offset = 0
            }
            // Count line feeds among the UTF-16 code units before the failure.
            var line = 1
            var i = 0
            while i + 1 < offset {
                let unit = encoding == .utf16LE ? UInt16(body[i]) | UInt16(body[i + 1]) << 8 : UInt16(body[i]) << 8 | UInt16(body[i + 1])
                if unit == 0x0A { line += 1 }
                i += 2
            }
            throw .invalidForBOM(encoding, line: line)
        }
        // A U+0000 character is no more text in UTF-16 than a NUL byte is elsewhere.
        if utf8.contains(0) { throw .binary }
        return DecodedText(encoding: encoding, utf8: droppingLeadingBOMs(utf8))
    }

    /// A tool that adds a BOM to a file that already has one leaves two; a BOM is never part
    /// of a field, so every leading one goes.
    private static func droppingLeadingBOMs(_ text: [UInt8]) -> [UInt8] {
        var start = 0
        while text[start...].starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        return start == 0 ? text : Array(text[start...])
    }

    /// 1-based line of a byte offset: one more than the number of LF bytes before it.
    static func lineOf(offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for b in bytes[..<min(offset, bytes.count)] where b == 0x0A { line += 1 }
        return line
    }

    /// Offset of the first byte that is not part of a well-formed UTF-8 sequence (Unicode
    /// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or nil when valid.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buf -> Int? in
            let n = buf.count
            var i = 0
            while i < n {
                let b0 = buf[i]
                if b0 < 0x80 { i += 1; continue }
                func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
                    j < n && buf[j] >= lo && buf[j] <= hi
                }
                switch b0 {
                case 0xC2...0xDF:
                    guard cont(i + 1) else { return i }
                    i += 2
                case 0xE0:
                    guard cont(i + 1, 0xA0), cont(i + 2) else { return i }
                    i += 3
                case 0xE1...0xEC, 0xEE, 0xEF:
                    guard cont(i + 1), cont(i + 2) else { return i }
                    i += 3
                case 0xED:
                    guard cont(i + 1, 0x80, 0x9F), cont(i + 2) else { return i }
                    i += 3
                case 0xF0:
                    guard cont(i + 1, 0x90), cont(i + 2), cont(i + 3) else { return i }
                    i += 4
                case 0xF1...0xF3:
                    guard cont(i + 1), cont(i + 2), cont(i + 3) else { return i }
                    i += 4
                case 0xF4:
                    guard cont(i + 1, 0x80, 0x8F), cont(i + 2), cont(i + 3) else { return i }
                    i += 4
                default:
                    return i
                }
            }
            return nil
        }
    }
}
