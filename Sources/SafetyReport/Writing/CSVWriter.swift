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

    /// The file's bytes: BOM, then UTF-8 (`text`'s, written cell by cell as bytes: `CSVWriter.appendRecord`).
    public var bytes: [UInt8] {
        var out = CSVWriter.byteOrderMark
        out += CSVWriter.record(header).utf8
        for row in rows { CSVWriter.appendRecord(row, to: &out) }
        return out
    }
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
        CSVWriter.appendRecord(row, to: &out)
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

    /// `text` with a `'` in front when it starts like a formula; otherwise unchanged.
    /// Only the first character matters: `a=b` is left alone.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.utf8.first, isFormulaStart(first) else { return text }
        return "'" + text
    }

    /// One field, quoted when it holds a separator, a quote or a line break (`appendField`'s bytes).
    public static func field(_ text: String) -> String {
        var out: [UInt8] = []
        appendField(text, neutralise: false, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// One record with its line ending. A record of one empty field is written `""`, since an
    /// empty line would read as a blank row and be dropped.
    public static func record(_ fields: [String]) -> String {
        if fields == [""] { return "\"\"" + lineEnding }
        return fields.map(field).joined(separator: ",") + lineEnding
    }

    /// Appends `record(cells.map(\.rendered))`'s UTF-8 bytes to `out`, written from each cell's bytes: no String per
    /// cell, per field or per record. The long tables' rows went through three Strings a cell and a grapheme walk of
    /// every field (`field`'s `contains(where:)` over Characters): ≈ 3 % of a cold 2,000 × 12 run's CPU samples under
    /// `CSVRecordStream.append`. `CSVWriterTests` compares the two on edge cases and random rows.
    public static func appendRecord(_ cells: [CSVCell], to out: inout [UInt8]) {
        // A record of one empty field is `""` (see `record`); one-column tables are rare: the String path.
        guard cells.count != 1 else { out += record(cells.map(\.rendered)).utf8; return }
        for (i, cell) in cells.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch cell {
            case .text(let s): appendField(s, neutralise: true, to: &out)
            case .raw(let s): appendField(s, neutralise: false, to: &out)
            case .int(let n): appendInt(n, to: &out)
            case .rate, .decimal: appendField(cell.rendered, neutralise: false, to: &out)
            }
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// `field(neutralise ? neutralised(text) : text)`'s bytes appended to `out`. A formula start is one of the ASCII
    /// bytes `= + - @ TAB CR LF` first (the first scalar, when ASCII, is the first byte). A field is quoted when it
    /// holds a comma or a quote byte, or a line break: LF, VT, FF, CR (bytes 0A–0D), NEL (C2 85), LS or PS (E2 80
    /// A8/A9), as `Character.isNewline` counts them; every quote byte is doubled.
    ///
    /// Bytes, not Characters, decide, as every CSV reader reads: the earlier String path asked Characters, so a comma
    /// or a quote followed by a combining mark (`,\u{301}` is one grapheme) was neither quoted nor doubled, and the
    /// record read back with a column too many.
    @inline(__always)
    static func appendField(_ text: String, neutralise: Bool, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let formula = neutralise && !bytes.isEmpty && isFormulaStart(bytes[0])
            var quote = false
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || (b >= 0x0A && b <= 0x0D) { quote = true; break }
                if b == 0xC2, i + 1 < n, bytes[i + 1] == 0x85 { quote = true; break }
                if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 { quote = true; break }
                i += 1
            }
            if quote { out.append(UInt8(ascii: "\"")) }
            if formula { out.append(UInt8(ascii: "'")) }
            if quote {
                for b in bytes {
                    out.append(b)
                    if b == UInt8(ascii: "\"") { out.append(b) }
                }
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: bytes)
            }
        }
    }

    /// Whether a text's first byte makes a spreadsheet take it as the start of a formula (or, for tab, CR and LF,
    /// hide one), per SPEC §5 and OWASP's CSV injection advice: `= + - @ TAB CR LF`, all ASCII, so the first byte
    /// is the first scalar.
    @inline(__always)
    private static func isFormulaStart(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "=") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "@")
            || b == 0x09 || b == 0x0D || b == 0x0A
    }

    /// `String(n)`'s bytes appended to `out`.
    static func appendInt(_ n: Int, to out: inout [UInt8]) {
        var magnitude = n.magnitude
        if n < 0 { out.append(UInt8(ascii: "-")) }
        if magnitude < 10 { out.append(UInt8(ascii: "0") &+ UInt8(magnitude)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 20 digits at most (UInt64.max), 24 bytes of room
        withUnsafeMutableBytes(of: &digits) { room in
            var k = room.count
            while magnitude > 0 {
                k -= 1
                room[k] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: room[k...])
        }
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
