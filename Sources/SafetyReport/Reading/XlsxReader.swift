// Reads the sheets of an .xlsx submission into the same raw records as a CSV file: ZIPFoundation unzips, Foundation's XMLParser reads.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// Why a workbook could not be read; each case says what a clerk should do.
public enum XlsxReadFailure: Error, Equatable, Sendable {
    /// Not a zip archive at all (a renamed CSV, a legacy .xls, a truncated download).
    case notWorkbook
    /// A zip, but without the parts every .xlsx has.
    case missingPart(String)
    /// A part that unpacks to more than the limit (a zip bomb, or far beyond any month's records).
    case tooLarge(part: String, limit: Int)
    /// A part whose XML is broken.
    case malformedXML(part: String, line: Int)

    public var rule: String {
        switch self {
        case .notWorkbook, .missingPart, .malformedXML: "file.xlsx_unreadable"
        case .tooLarge: "file.too_large"
        }
    }

    /// Chinese message for the file's issue.
    public func message(_ fileName: String) -> String {
        switch self {
        case .notWorkbook:
            return "「\(fileName)」不是有效的 Excel 工作簿（.xlsx），无法打开，按未报送处理。请在 Excel 或 WPS 中打开后「另存为」Excel 工作簿（*.xlsx）再报送；旧版 .xls 格式也请另存为 .xlsx。"
        case .missingPart(let part):
            return "「\(fileName)」缺少工作簿的组成部分（\(part)），文件可能已损坏，按未报送处理。请在 Excel 或 WPS 中重新保存为 .xlsx 后报送。"
        case .tooLarge(let part, let limit):
            return "「\(fileName)」中的 \(part) 解压后超过 \(limit / 1_048_576) MB，远超一个月的报送量，未读取。请只保留本月记录后重新保存报送。"
        case .malformedXML(let part, let line):
            return "「\(fileName)」的 \(part) 第 \(line) 行内容已损坏，无法读取，按未报送处理。请在 Excel 或 WPS 中重新保存为 .xlsx 后报送。"
        }
    }
}

/// One opened .xlsx: its sheets, and their cells as raw records on demand.
public struct XlsxWorkbook {
    public struct Sheet: Sendable, Equatable {
        public var name: String
        /// Path of the sheet's XML part inside the zip.
        public var part: String
        public var hidden: Bool
    }

    /// Caps on what unzipping may produce, so a small hostile file cannot exhaust memory.
    public struct Limits: Sendable {
        /// Largest uncompressed size of one part.
        public var partBytes: Int
        /// Largest uncompressed size of every part read, together.
        public var totalBytes: Int
        public static let standard = Limits(partBytes: 64 << 20, totalBytes: 160 << 20)
        public init(partBytes: Int, totalBytes: Int) { self.partBytes = partBytes; self.totalBytes = totalBytes }
    }

    public private(set) var sheets: [Sheet] = []
    /// The 1904 date system (old Mac Excel): serials count from 1904-01-01.
    public private(set) var date1904 = false
    private let archive: Archive
    /// The zip's bytes (shared with `archive`) and where each entry's data lies, in the archive's order.
    private let data: Data
    private let spans: [ZipBounds.Span]
    private var sharedStrings: [String] = []
    private var limits: Limits
    private var unpacked = 0

    public init(bytes: [UInt8], limits: Limits = .standard) throws(XlsxReadFailure) {
        guard bytes.starts(with: [0x50, 0x4B]) else { throw .notWorkbook }
        // A directory pointing outside the bytes would make ZIPFoundation trap, not throw (see ZipBounds).
        guard let spans = ZipBounds.spans(bytes) else { throw .notWorkbook }
        self.spans = spans
        data = Data(bytes)
        do { archive = try Archive(data: data, accessMode: .read, pathEncoding: nil) } catch { throw .notWorkbook }
        self.limits = limits
        guard let workbookXML = try part("xl/workbook.xml") else { throw .missingPart("xl/workbook.xml") }
        let book = try Self.parse(workbookXML, part: "xl/workbook.xml", WorkbookHandler())
        date1904 = book.date1904
        var rels: [String: String] = [:]
        if let data = try part("xl/_rels/workbook.xml.rels") {
            rels = try Self.parse(data, part: "xl/_rels/workbook.xml.rels", RelsHandler()).targets
        }
        for s in book.sheets {
            // Targets are relative to xl/ (`worksheets/sheet1.xml`) or absolute (`/xl/worksheets/sheet1.xml`).
            let target = rels[s.relId].map { $0.hasPrefix("/") ? String($0.dropFirst()) : "xl/" + $0 }
            sheets.append(Sheet(name: s.name, part: target ?? "", hidden: s.hidden))
        }
        if let data = try part("xl/sharedStrings.xml") {
            sharedStrings = try Self.parse(data, part: "xl/sharedStrings.xml", SharedStringsHandler()).strings
        }
    }

    /// The sheet's rows as raw records: line = the spreadsheet's row number, one field per column up to the
    /// row's last cell, gaps read as empty. `kind`'s date columns (found by header) turn numeric cells — Excel
    /// date serials — into `2026-10-05`. Rows whose first cell starts with 示例 (the template's worked example)
    /// are left out, so they count nowhere.
    public mutating func records(_ sheet: Sheet, kind: FileKind?) throws(XlsxReadFailure) -> [RawRecord] {
        guard let data = try part(sheet.part) else { throw .missingPart(sheet.part.isEmpty ? sheet.name : sheet.part) }
        let rows = try Self.parse(data, part: sheet.part, SheetHandler(strings: sharedStrings)).rows
        var records: [RawRecord] = []
        var dateColumns: Set<Int> = []
        var headerSeen = false
        for row in rows {
            var fields = Array(repeating: "", count: (row.cells.map(\.col).max() ?? -1) + 1)
            for c in row.cells { fields[c.col] = c.value.text }
            var record = RawRecord(line: row.number, fields: fields)
            if !headerSeen {
                if !record.isBlank {
                    headerSeen = true
                    if let kind {
                        let mapping = HeaderMatcher.match(header: fields, schema: kind.schema)
                        dateColumns = Set(kind.schema.columns.filter { $0.type == .date }.compactMap { mapping.index[$0.key] })
                    }
                }
                records.append(record)
                continue
            }
            if fields.first?.trimmedCell.hasPrefix(TemplateWorkbook.exampleMarker) == true { continue }
            for c in row.cells where dateColumns.contains(c.col) {
                if case .number(let n) = c.value, let day = Self.day(serial: n, date1904: date1904) { record.fields[c.col] = day }
            }
            records.append(record)
        }
        return records
    }

    /// The sheet holding `kind`'s rows: named 隐患整改台账 / hazards (any case, full-width folded).
    public func sheet(for kind: FileKind) -> Sheet? {
        sheets.first { Self.kind(ofSheetNamed: $0.name) == kind }
    }

    /// Every sheet named for `kind` (排查记录 and a copy named `Inspections`): more than one is a conflict.
    public func sheets(for kind: FileKind) -> [Sheet] {
        sheets.filter { Self.kind(ofSheetNamed: $0.name) == kind }
    }

    /// Which dataset a sheet name stands for, if any.
    public static func kind(ofSheetNamed name: String) -> FileKind? {
        let n = HeaderMatcher.normalize(name)
        return FileKind.allCases.first { n == HeaderMatcher.normalize($0.chinese) || n == $0.rawValue }
    }

    /// An Excel serial day as `2026-10-05` (1900 system, whose fictitious 1900-02-29 is serial 60; or 1904).
    static func day(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 1, serial < 2_958_466 else { return nil }  // 9999-12-31 is 2,958,465
        var days = Int(serial.rounded(.down))
        if date1904 { days += 1462 }
        if days == 60 { return "1900-02-29" }  // as Excel shows it; validation rejects the impossible date
        if days < 60 { days += 1 }
        let date = Date(timeIntervalSince1970: Double(days - 25569) * 86400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        guard let y = c.year, let m = c.month, let d = c.day else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// One part, unzipped within the limits; nil when the archive has no such entry.
    private mutating func part(_ path: String) throws(XlsxReadFailure) -> Data? {
        // The first entry of that name, as `archive[path]` finds it; its position says which span is its data.
        guard !path.isEmpty, let (index, entry) = archive.enumerated().first(where: { $0.element.path == path }) else { return nil }
        let cap = min(limits.partBytes, limits.totalBytes - unpacked)
        // The declared size may lie; the running count below is what holds.
        guard entry.uncompressedSize <= UInt64(max(cap, 0)) else { throw .tooLarge(part: path, limit: limits.partBytes) }
        var data = Data()
        struct Exceeded: Error {}
        struct Truncated: Error {}  // a damaged part
        let append: Consumer = { chunk in
            data.append(chunk)
            if data.count > cap { throw Exceeded() }
        }
        do {
            if entry.type == .file, index < spans.count {
                // Inflated here, not by archive.extract: ZIPFoundation's Linux inflate never stops on a stream that
                // ends early (see ZipBounds).
                try ZipBounds.unpack(self.data, spans[index], consumer: append)
                // What archive.extract(skipCRC32: false) checked: a damaged part (a bad download, a disk error) is
                // refused, never read as data — a flipped digit in a stored sheet inflates without complaint.
                guard data.crc32(checksum: 0) == entry.checksum else { throw Truncated() }
            } else {
                _ = try archive.extract(entry, skipCRC32: false, consumer: append)
            }
        } catch is Exceeded {
            throw .tooLarge(part: path, limit: limits.partBytes)
        } catch {
            throw .missingPart(path)
        }
        unpacked += data.count
        return data
    }

    private static func parse<H: NSObject & XMLParserDelegate>(_ data: Data, part: String, _ handler: H) throws(XlsxReadFailure) -> H {
        if let line = invalidUTF8Line(data) { throw .malformedXML(part: part, line: line) }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = handler
        // swift-corelibs' parse() can return true after a fatal error on some inputs; parserError is what holds.
        guard parser.parse(), parser.parserError == nil else { throw .malformedXML(part: part, line: max(parser.lineNumber, 1)) }
        return handler
    }

    /// The line of the first byte that is not UTF-8, in a part the XML parser will take as UTF-8; nil when the part
    /// is fine. swift-corelibs' XMLParser traps on an element name that is not valid UTF-8 (`<\u{E4}ine`, found by
    /// the SubmissionWorkbook fuzz target), so such a part is refused before it. OOXML parts are UTF-8 or UTF-16;
    /// UTF-16 (with a byte-order mark, or detected from `<?`) and a declared ISO-8859-1 are converted by libxml2 into
    /// valid UTF-8, so they are left to it. Any other declared encoding is checked as UTF-8 too: an unknown one
    /// (`encoding="UTFwu`, found next) reaches the parser's names unconverted.
    static func invalidUTF8Line(_ data: Data) -> Int? {
        let utf16Starts: [[UInt8]] = [[0xFF, 0xFE], [0xFE, 0xFF], [0x3C, 0x00, 0x3F, 0x00], [0x00, 0x3C, 0x00, 0x3F]]
        if utf16Starts.contains(where: { data.starts(with: $0) }) { return nil }
        let head = String(decoding: data.prefix(200), as: UTF8.self).lowercased()
        if head.hasPrefix("<?xml"), let declaration = head.split(separator: ">").first,
           let value = declaration.split(separator: "encoding=").dropFirst().first,
           let quote = value.first, quote == "\"" || quote == "'",
           let end = value.dropFirst().firstIndex(of: quote),
           ["iso-8859-1", "iso_8859-1", "latin1", "latin-1"].contains(String(value[value.index(after: value.startIndex)..<end])) {
            return nil
        }
        return data.withUnsafeBytes { raw in
            var decoder = UTF8(), bytes = raw.makeIterator(), line = 1
            while true {
                switch decoder.decode(&bytes) {
                case .scalarValue(let s): if s == "\n" { line += 1 }
                case .emptyInput: return nil
                case .error: return line
                }
            }
        }
    }
}

// MARK: - XML handlers (one per part kind)

// Each handler conforms to XMLParserDelegate itself: methods of a subclass would not be the protocol's
// witnesses if a shared base class declared the conformance.
/// The local name of an element or attribute (`x:sheet` → `sheet`), since writers differ in prefixes.
private func local(_ name: String) -> Substring {
    name.split(separator: ":").last ?? Substring(name)
}

private final class WorkbookHandler: NSObject, XMLParserDelegate {
    var sheets: [(name: String, relId: String, hidden: Bool)] = []
    var date1904 = false
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        switch local(elementName) {
        case "sheet":
            let relId = attributes.first { local($0.key) == "id" }?.value ?? ""
            let state = attributes["state"] ?? "visible"
            sheets.append((attributes["name"] ?? "", relId, state != "visible"))
        case "workbookPr":
            let v = attributes["date1904"]?.lowercased()
            date1904 = v == "1" || v == "true"
        default: break
        }
    }
}

private final class RelsHandler: NSObject, XMLParserDelegate {
    var targets: [String: String] = [:]
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        if local(elementName) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
    }
}

/// Text of `<t>` elements, skipping phonetic runs (`<rPh>`), which Excel shows nowhere.
private final class SharedStringsHandler: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = "", inText = false, phonetic = 0
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        switch local(elementName) {
        case "si": current = ""
        case "rPh": phonetic += 1
        case "t": inText = phonetic == 0
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch local(elementName) {
        case "si": strings.append(current)
        case "rPh": phonetic -= 1
        case "t": inText = false
        default: break
        }
    }
}

/// A cell's value as stored, before it becomes text.
enum XlsxValue: Equatable {
    case text(String)
    case number(Double)

    var text: String {
        switch self {
        case .text(let s): return s
        case .number(let n):
            // Whole numbers without ".0"; others in Swift's shortest round-trip form (0.1, not 0.1000000000000000055).
            if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
            return "\(n)"
        }
    }
}

private final class SheetHandler: NSObject, XMLParserDelegate {
    struct Row { var number: Int; var cells: [(col: Int, value: XlsxValue)] }
    var rows: [Row] = []
    private let strings: [String]
    private var row: Row?
    private var lastRow = 0, nextCol = 0
    private var cellCol = 0, cellType = "n"
    private var value = "", inline = "", inValue = false, inInlineText = false, phonetic = 0, hasValue = false

    init(strings: [String]) { self.strings = strings }

    /// Excel's last row.
    static let maxRow = 1_048_576

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        switch local(elementName) {
        case "row":
            // `r` is optional: a row without it follows the previous one.
            let number = attributes["r"].flatMap(Int.init) ?? lastRow + 1
            // Excel's rows are 1…1,048,576: a number outside is a broken sheet, not a row (and `r="9223372036854775807"`
            // followed by a row without `r` overflowed here).
            guard (1...Self.maxRow).contains(number) else { parser.abortParsing(); return }
            row = Row(number: number, cells: []); lastRow = number; nextCol = 0
        case "c":
            cellCol = attributes["r"].flatMap(Self.column(ofRef:)) ?? nextCol
            cellType = attributes["t"] ?? "n"
            value = ""; inline = ""; hasValue = false
        case "v": inValue = true; hasValue = true
        case "rPh": phonetic += 1
        case "t": inInlineText = phonetic == 0; hasValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string } else if inInlineText { inline += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch local(elementName) {
        case "v": inValue = false
        case "t": inInlineText = false
        case "rPh": phonetic -= 1
        case "c":
            nextCol = cellCol + 1
            guard hasValue else { return }
            let v: XlsxValue
            switch cellType {
            case "s": v = .text(Int(value.trimmingCharacters(in: .whitespaces)).flatMap { strings.indices.contains($0) ? strings[$0] : nil } ?? "")
            case "inlineStr": v = .text(inline)
            case "b": v = .text(value.trimmingCharacters(in: .whitespaces) == "1" ? "TRUE" : "FALSE")
            case "str", "e": v = .text(value)
            case "d": v = .text(String(value.prefix(10)))  // ISO 8601 date cells (strict OOXML)
            default: v = Double(value.trimmingCharacters(in: .whitespaces)).map(XlsxValue.number) ?? .text(value)
            }
            // Cells beyond Excel's 16,384 columns are not real cells; ignoring them keeps rows bounded.
            if cellCol < 16_384 { row?.cells.append((cellCol, v)) }
        case "row":
            if let row { rows.append(row) }
            row = nil
        default: break
        }
    }

    /// `AB12` → 27 (zero-based column).
    static func column(ofRef ref: String) -> Int? {
        var col = 0, letters = 0
        for u in ref.unicodeScalars {
            guard u.value >= 65 && u.value <= 90 else { break }
            col = col * 26 + Int(u.value - 64); letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : col - 1
    }
}
