// The hand-offs between stages: what reading gives validation, and what validation gives computation.

// MARK: Reading → validation

/// How the reader decoded a file (SPEC §3.1).
public enum DetectedEncoding: String, Sendable, Equatable {
    case utf8 = "UTF-8"
    case utf8BOM = "UTF-8 (BOM)"
    case gb18030 = "GB18030"
    case utf16LE = "UTF-16LE (BOM)"
    case utf16BE = "UTF-16BE (BOM)"
}

public enum Separator: String, Sendable, Equatable {
    case comma = ",", tab = "\t"
    public var name: String { self == .comma ? "comma" : "tab" }
}

public enum LineEndings: String, Sendable, Equatable {
    case crlf = "CRLF", lf = "LF", cr = "CR", mixed = "mixed", none = "none"
}

/// One CSV record as parsed: fields exactly as written (decoded, unquoted, untrimmed),
/// and the physical line where the record starts (1-based).
public struct RawRecord: Sendable, Equatable {
    public var line: Int
    public var fields: [String]
    public init(line: Int, fields: [String]) { self.line = line; self.fields = fields }
    /// Every cell empty after trimming (e.g. `,,,,`): skipped and not counted.
    public var isBlank: Bool { fields.allSatisfy { $0.trimmedCell.isEmpty } }
}

/// A whole file as the reader sees it, before header matching or validation.
public struct ParsedCSV: Sendable, Equatable {
    public var encoding: DetectedEncoding
    public var separator: Separator
    public var lineEndings: LineEndings
    /// Every record, header included, blank ones included, in file order.
    public var records: RawRecords
    public init(encoding: DetectedEncoding, separator: Separator, lineEndings: LineEndings, records: RawRecords) {
        self.encoding = encoding; self.separator = separator; self.lineEndings = lineEndings; self.records = records
    }
    public init(encoding: DetectedEncoding, separator: Separator, lineEndings: LineEndings, records: [RawRecord]) {
        self.init(encoding: encoding, separator: separator, lineEndings: lineEndings, records: RawRecords(records))
    }
}

/// A file's records, stored compactly: every field's UTF-8 bytes back to back, where each field ends, where
/// each record's fields start and the line it starts on. A `RawRecord` (a String per field) is made only
/// when one is read, so a file of 1.5 million short records costs about its own size plus 4 bytes a field
/// and 8 a record, instead of an array and a String per field (about 6× that).
public struct RawRecords: RandomAccessCollection, Sendable, Equatable {
    private var text: [UInt8] = []
    private var fieldEnds: [UInt32] = []
    /// Index in `fieldEnds` of each record's first field, plus the end.
    private var recordStarts: [UInt32] = [0]
    private var lines: [UInt32] = []

    public init() {}
    public init(_ records: [RawRecord]) {
        for r in records { append(line: r.line, fields: r.fields) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { lines.count }

    public subscript(i: Int) -> RawRecord {
        RawRecord(line: Int(lines[i]), fields: fields(i))
    }

    /// The fields of record `i`.
    public func fields(_ i: Int) -> [String] {
        let first = Int(recordStarts[i]), end = Int(recordStarts[i + 1])
        var out: [String] = []
        out.reserveCapacity(end - first)
        text.withUnsafeBufferPointer { buf in
            var start = first == 0 ? 0 : Int(fieldEnds[first - 1])
            for f in first..<end {
                let stop = Int(fieldEnds[f])
                out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<stop]), as: UTF8.self))
                start = stop
            }
        }
        return out
    }

    /// The storage lent as is, for `withRecordBytes` (records read without a String per field).
    func withStorage<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt32>, [UInt32], [UInt32]) -> R) -> R {
        text.withUnsafeBufferPointer { t in fieldEnds.withUnsafeBufferPointer { e in body(t, e, recordStarts, lines) } }
    }

    /// Starts a record on physical line `line`; its fields follow with `appendField`.
    mutating func startRecord(line: Int) {
        lines.append(UInt32(clamping: line))
        recordStarts.append(recordStarts.last!)
    }

    /// Adds a field (valid UTF-8) to the record last started.
    mutating func appendField(_ bytes: UnsafeBufferPointer<UInt8>) {
        text.append(contentsOf: bytes)
        // The reader's 32 MB cap (and the workbook reader's) keep every offset far below 4 GB.
        fieldEnds.append(UInt32(text.count))
        recordStarts[recordStarts.count - 1] += 1
    }

    mutating func append(line: Int, fields: [String]) {
        startRecord(line: line)
        for f in fields {
            var f = f
            f.withUTF8 { appendField($0) }
        }
    }

    /// Room for this many bytes of field text (a file's fields never hold more bytes than the file).
    mutating func reserveText(_ bytes: Int) { text.reserveCapacity(bytes) }

    /// Gives back the spare capacity the arrays grew into while the file was read.
    mutating func shrink() {
        func exact<T>(_ a: [T]) -> [T] { a.capacity > a.count + a.count / 8 ? a.withUnsafeBufferPointer { Array($0) } : a }
        text = exact(text); fieldEnds = exact(fieldEnds); recordStarts = exact(recordStarts); lines = exact(lines)
    }

    public static func == (a: RawRecords, b: RawRecords) -> Bool { a.elementsEqual(b) }
}

/// How a header row maps onto a file kind's columns (SPEC §3.1: by Chinese header or
/// English key, any order, ignoring case, surrounding spaces incl. U+3000, and a BOM).
public struct ColumnMapping: Sendable, Equatable {
    /// Column key → index in the record's fields (the first occurrence).
    public var index: [String: Int]
    /// Header cells that match no column: (field index, header as written).
    public var unknown: [(index: Int, header: String)]
    /// Second and later occurrences of a column: (field index, key, header as written).
    public var duplicates: [(index: Int, key: String, header: String)]
    /// Required columns absent from the header.
    public var missingRequired: [ColumnSpec]

    public init(index: [String: Int], unknown: [(index: Int, header: String)] = [],
                duplicates: [(index: Int, key: String, header: String)] = [], missingRequired: [ColumnSpec] = []) {
        self.index = index; self.unknown = unknown; self.duplicates = duplicates; self.missingRequired = missingRequired
    }
    public static func == (a: ColumnMapping, b: ColumnMapping) -> Bool {
        a.index == b.index && a.missingRequired == b.missingRequired
            && a.unknown.map { "\($0.index)|\($0.header)" } == b.unknown.map { "\($0.index)|\($0.header)" }
            && a.duplicates.map { "\($0.index)|\($0.key)|\($0.header)" } == b.duplicates.map { "\($0.index)|\($0.key)|\($0.header)" }
    }
}

/// One of a folder's four files, as handed to validation.
public enum FileInput: Sendable, Equatable {
    /// Not in the folder: not submitted.
    case missing
    /// Present but rejected whole before any row could be read (cannot be opened, cannot be
    /// decoded, empty without a header, …). The issue says why; no rows count.
    case unreadable(fileName: String, issue: ValidationIssue)
    /// Read and parsed; header matching and row validation are still to come.
    case parsed(fileName: String, ParsedCSV)
    /// Checked and hashed (pass 1), to be read again record by record while it is validated, so a big
    /// file is never held whole; it may still be rejected whole then (a parsing limit, an undecodable line).
    case streamed(fileName: String, CSVStream)
}

// MARK: Validation → computation

/// What validation made of one file: accepted rows, counts, and every issue found.
public struct FileResult<Row: Sendable & Equatable>: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Not submitted.
        case missing
        /// Rejected whole (undecodable, empty, a required column missing): does not count as submitted.
        case rejected
        /// Read; its rows were each accepted or rejected.
        case read
    }
    public var fileName: String
    public var state: State
    /// Data rows read (blank rows excluded). For a file rejected for a missing required column,
    /// every row is read and rejected; for an undecodable file, 0.
    public var rowsRead: Int
    /// Accepted rows, in file order (trainings and inspections spilled to a temporary file, see `AcceptedRows`).
    public var rows: AcceptedRows<Row>
    /// Issues of this file (errors for rejected rows and for the file, and warnings), in listing order;
    /// beyond a few thousand they are spilled to a temporary file (see `IssueList`).
    public var issues: IssueList
    /// Agreements only: parties named by rejected rows that still count as required and unsigned
    /// (SPEC §4: "a rejected row leaves its party unsigned").
    public var rejectedParties: [PartyKey]

    public init(fileName: String, state: State, rowsRead: Int = 0, rows: AcceptedRows<Row> = [],
                issues: IssueList = [], rejectedParties: [PartyKey] = []) {
        self.fileName = fileName; self.state = state; self.rowsRead = rowsRead; self.rows = rows
        self.issues = issues; self.rejectedParties = rejectedParties
    }
    public static func missing(_ kind: FileKind) -> FileResult { FileResult(fileName: kind.fileName, state: .missing) }

    public var rowsRejected: Int { rowsRead - rows.count }
    /// Present and readable: counts toward files_submitted.
    public var isSubmitted: Bool { state == .read }
}

/// Who a folder belongs to.
public enum Submitter: Sendable, Equatable {
    case town
    case village(Village)
}

/// One folder's validated files for one period.
public struct FolderPeriod: Sendable, Equatable {
    public var code: String
    public var submitter: Submitter
    public var inspections: FileResult<InspectionRow>
    public var hazards: FileResult<HazardRow>
    public var agreements: FileResult<AgreementRow>
    public var trainings: FileResult<TrainingRow>
    /// Folder-level issues (files that are not one of the four, unreadable entries) and cross-file warnings.
    public var otherIssues: IssueList

    public init(code: String, submitter: Submitter,
                inspections: FileResult<InspectionRow> = .missing(.inspections),
                hazards: FileResult<HazardRow> = .missing(.hazards),
                agreements: FileResult<AgreementRow> = .missing(.agreements),
                trainings: FileResult<TrainingRow> = .missing(.trainings),
                otherIssues: [ValidationIssue] = []) {
        self.code = code; self.submitter = submitter; self.inspections = inspections; self.hazards = hazards
        self.agreements = agreements; self.trainings = trainings; self.otherIssues = IssueList(otherIssues)
    }

    /// Every issue of the folder, for validation_issues.csv: its lists, in the order they are listed among equals.
    public var issueLists: [IssueList] {
        [inspections.issues, hazards.issues, agreements.issues, trainings.issues, otherIssues]
    }
}

/// The agreements list standing for a folder at the end of P: the latest readable agreements
/// file of P's year up to P (SPEC §4).
public struct StandingAgreements: Sendable, Equatable {
    /// The period whose file stands (P itself, or an earlier month carried forward).
    public var sentIn: Period
    public var rows: [AgreementRow]
    public var rejectedParties: [PartyKey]
    public init(sentIn: Period, rows: [AgreementRow], rejectedParties: [PartyKey] = []) {
        self.sentIn = sentIn; self.rows = rows; self.rejectedParties = rejectedParties
    }
}

extension String {
    /// Cell trimming (SPEC §3.1): ASCII whitespace, the full-width space U+3000, and a stray BOM.
    public var trimmedCell: String {
        // Most cells have nothing to trim: when neither end byte can start a cell space, the
        // Character walk below would return the string unchanged, so skip it (it is hot: every cell).
        guard let first = utf8.first, let last = utf8.last else { return self }  // empty: blank rows are all empty cells
        if !first.mayStartCellSpace, !last.mayEndCellSpace { return self }
        // Closer: does a cell space's whole UTF-8 form sit at either end? (No other scalars are canonically
        // equivalent to one, so otherwise neither end Character is one.) Chinese text often ends in 0x80.
        if utf8.withContiguousStorageIfAvailable({ !$0.startsWithCellSpace && !$0.endsWithCellSpace }) == true { return self }
        var s = Substring(self)
        while let c = s.first, c.isCellSpace { s = s.dropFirst() }
        while let c = s.last, c.isCellSpace { s = s.dropLast() }
        return String(s)
    }
}

extension UInt8 {
    /// The first byte of a cell space's UTF-8 form: space, tab, CR, LF, U+3000 (E3), U+FEFF (EF), U+00A0 (C2).
    fileprivate var mayStartCellSpace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0D || self == 0x0A || self == 0xE3 || self == 0xEF || self == 0xC2
    }
    /// The last byte of a cell space's UTF-8 form: ASCII ones, or a continuation byte (U+3000 ends 80, U+FEFF BF, U+00A0 A0).
    fileprivate var mayEndCellSpace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0D || self == 0x0A || self == 0x80 || self == 0xBF || self == 0xA0
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Starts with the UTF-8 form of a cell space: space, tab, CR, LF, U+3000, U+FEFF, U+00A0.
    fileprivate var startsWithCellSpace: Bool {
        guard let b = first else { return false }
        if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { return true }
        if count >= 3, (b == 0xE3 && self[1] == 0x80 && self[2] == 0x80) || (b == 0xEF && self[1] == 0xBB && self[2] == 0xBF) { return true }
        return count >= 2 && b == 0xC2 && self[1] == 0xA0
    }
    /// Ends with the UTF-8 form of a cell space.
    fileprivate var endsWithCellSpace: Bool {
        guard let b = last else { return false }
        if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { return true }
        let n = count
        if n >= 3, (b == 0x80 && self[n - 2] == 0x80 && self[n - 3] == 0xE3) || (b == 0xBF && self[n - 2] == 0xBB && self[n - 3] == 0xEF) { return true }
        return n >= 2 && b == 0xA0 && self[n - 2] == 0xC2
    }
}

extension Character {
    var isCellSpace: Bool {
        self == " " || self == "\t" || self == "\r" || self == "\n" || self == "\u{3000}" || self == "\u{FEFF}" || self == "\u{00A0}"
    }
}
