// The summary CSV files (SPEC §5): RFC 4180, UTF-8 with BOM, CRLF, and formula injection neutralised per cell.

/// One output cell. Whether text is neutralised is an explicit choice per cell, because only
/// text the tool did not write itself can smuggle in a formula, and our own numbers
/// (`-1`) and keys must stay exactly as they are.
public enum CSVCell: Sendable, Equatable {
    /// Text copied from an input file (or any other text the tool did not produce, such as
    /// names from pipeline.json): neutralised when it starts like a formula.
    case text(String)
    /// The tool's own text — keys, codes, dates, Chinese labels it wrote: written as is.
    case raw(String)
    case int(Int)
    /// A rate as a decimal fraction with exactly 4 places (`0.8571`, `1.0000`); empty when nil (0/0).
    case rate(Double?)
    /// A decimal with a fixed number of places (`12.5` hours with 1 place); empty when nil.
    case decimal(Double?, places: Int)

    /// An empty cell.
    public static let empty = CSVCell.raw("")

    /// The cell's text before CSV quoting.
    public var rendered: String {
        switch self {
        case .text(let s): return CSVWriter.neutralised(s)
        case .raw(let s): return s
        case .int(let n): return String(n)
        case .rate(let x): return CSVWriter.fixed(x, places: 4)
        case .decimal(let x, let places): return CSVWriter.fixed(x, places: places)
        }
    }
}

/// A whole CSV file built in memory: a header of English keys, then rows of cells.
///
/// Output decisions (SPEC §5 leaves them open):
/// - CRLF after every record, the last one included, as RFC 4180 writes it; Excel, WPS and
///   pandas read CRLF and LF alike, and one fixed choice keeps reruns byte-identical.
/// - A UTF-8 BOM first, so Excel opens Chinese text correctly without an import dialog.
/// - Fields are quoted only when they must be (comma, quote, CR or LF inside); quotes are doubled.
/// - Rates always carry 4 decimals (`0.5000`, `1.0000`): "rounded to 4 places" is then visible,
///   every rate column has one width, and readers parse it as the same number as `0.5`.
public struct CSVTable: Sendable, Equatable {
    public let header: [String]
    public private(set) var rows: [[CSVCell]] = []

    public init(header: [String]) { self.header = header }

    /// Adds one record. A row whose width differs from the header is a programming error.
    public mutating func append(_ row: [CSVCell]) {
        precondition(row.count == header.count, "CSV row has \(row.count) cells, header has \(header.count)")
        rows.append(row)
    }

    /// The file's text, without the BOM.
    public var text: String {
        var out = CSVWriter.record(header)
        for row in rows { out += CSVWriter.record(row.map(\.rendered)) }
        return out
    }

    /// The file's bytes: BOM, then UTF-8.
    public var bytes: [UInt8] { CSVWriter.byteOrderMark + Array(text.utf8) }
}

/// A whole CSV file written a record at a time: the BOM and header first, then each record's bytes, handed to
/// `chunk` about `chunkBytes` at a time, so a long table is never held whole (as rows of cells or as its text).
/// The bytes are `CSVTable`'s for the same header and rows.
public final class CSVRecordStream {
    private var out: [UInt8]
    private let width: Int
    private let chunkBytes: Int
    private let chunk: ([UInt8]) -> Void

    public init(chunkBytes: Int = 1 << 16, chunk: @escaping ([UInt8]) -> Void, header: [String]) {
        width = header.count
        self.chunkBytes = max(1, chunkBytes)
        self.chunk = chunk
        out = CSVWriter.byteOrderMark
        out += CSVWriter.record(header).utf8
    }

    /// Adds one record. A row whose width differs from the header is a programming error.
    public func append(_ row: [CSVCell]) {
        precondition(row.count == width, "CSV row has \(row.count) cells, header has \(width)")
        out += CSVWriter.record(row.map(\.rendered)).utf8
        if out.count >= chunkBytes {
            chunk(out)
            out.removeAll(keepingCapacity: true)
        }
    }

    /// Hands over what is left (at least once, so an empty table still gets its BOM and header).
    public func finish() {
        chunk(out)
        out = []
    }
}

/// The formatting rules shared by every CSV the tool writes.
public enum CSVWriter {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    public static let lineEnding = "\r\n"

    /// The characters a spreadsheet may take as the start of a formula (or, for tab, CR and LF,
    /// that hide one), per SPEC §5 and OWASP's CSV injection advice.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "\n"]

    /// `text` with a `'` in front when it starts like a formula; otherwise unchanged.
    /// Only the first character matters: `a=b` is left alone.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaStarts.contains(first) else { return text }
        return "'" + text
    }

    /// One field, quoted when it holds a separator, a quote or a line break.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its line ending. A record of one empty field is written `""`, since an
    /// empty line would read as a blank row and be dropped.
    public static func record(_ fields: [String]) -> String {
        if fields == [""] { return "\"\"" + lineEnding }
        return fields.map(field).joined(separator: ",") + lineEnding
    }

    /// `x` rounded half away from zero to `places` decimals, always that many digits, without
    /// Foundation's locale-dependent formatting; empty for nil or a non-finite value.
    public static func fixed(_ x: Double?, places: Int) -> String {
        guard let x, x.isFinite else { return "" }
        let places = max(0, min(places, 9))
        var power = 1
        for _ in 0..<places { power *= 10 }
        let scaled = (x * Double(power)).rounded(.toNearestOrAwayFromZero)
        // Beyond 2^53 the digits are noise anyway; keep the plain description there.
        guard abs(scaled) < 9_007_199_254_740_992 else { return String(x) }
        let units = Int(scaled)
        let magnitude = units.magnitude
        let whole = magnitude / UInt(power), fraction = magnitude % UInt(power)
        var out = units < 0 ? "-" : ""
        out += String(whole)
        if places > 0 {
            let digits = String(fraction)
            out += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return out
    }
}
