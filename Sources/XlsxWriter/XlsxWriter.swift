// A small Swift wrapper over libxlsxwriter: workbooks, sheets, formats and charts, with every C type kept private.

import CMemoryParts
import CXlsxWriter
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libxlsxwriter call, with where it happened.
public struct XlsxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The libxlsxwriter call that failed, e.g. `worksheet_write_string`.
    public var operation: String
    /// libxlsxwriter's message (`lxw_strerror`), or our own when the call returned no code.
    public var message: String
    /// Sheet name, when the call was about a sheet.
    public var sheet: String?
    /// A1-style cell or range, when the call was about cells.
    public var cell: String?

    public init(operation: String, message: String, sheet: String? = nil, cell: String? = nil) {
        self.operation = operation; self.message = message; self.sheet = sheet; self.cell = cell
    }

    public var description: String {
        var place = ""
        if let sheet { place += "「\(sheet)」" }
        if let cell { place += "!\(cell)" }
        return "\(operation)\(place.isEmpty ? "" : " " + place): \(message)"
    }
}

/// A1-style name of a zero-based cell: (0, 0) → A1.
public func cellName(row: Int, col: Int) -> String {
    var n = col + 1
    var letters = ""
    while n > 0 {
        let r = (n - 1) % 26
        letters = String(UnicodeScalar(UInt8(65 + r))) + letters
        n = (n - 1) / 26
    }
    return letters + String(row + 1)
}

/// Turns an `lxw_error` into a thrown `XlsxError`.
private func check(_ err: lxw_error, _ operation: String, sheet: String? = nil, cell: String? = nil) throws {
    guard err != LXW_NO_ERROR else { return }
    throw XlsxError(operation: operation, message: String(cString: lxw_strerror(err)), sheet: sheet, cell: cell)
}

/// A 24-bit RGB colour, e.g. 0xC00000.
public typealias RGB = UInt32

// MARK: - Workbook

/// Document properties written to docProps/core.xml and app.xml.
public struct DocumentProperties: Sendable, Equatable {
    public var title = ""
    public var subject = ""
    public var author = ""
    public var company = ""
    /// Creation (and modification) time, in seconds since 1970-01-01 UTC. Fixed by the caller so that the same
    /// inputs give the same bytes: libxlsxwriter would otherwise stamp the current time into core.xml.
    public var created: Int
    public init(title: String = "", subject: String = "", author: String = "", company: String = "", created: Int) {
        self.title = title; self.subject = subject; self.author = author; self.company = company; self.created = created
    }
}

/// An .xlsx file being built. Nothing is written until `close()`; dropping it unclosed writes nothing.
public final class Workbook {
    private var handle: UnsafeMutablePointer<lxw_workbook>?
    /// libxlsxwriter keeps the tmpdir pointer, so it must live as long as the workbook.
    private var tmpdir: UnsafeMutablePointer<CChar>?
    public let path: String
    private var sheetNames: Set<String> = []

    /// Sheets added from now on default to this mode (see `addWorksheet(_:constantMemory:)`).
    public let constantMemory: Bool
    /// Whether libxlsxwriter's temporary parts go through `CMemoryParts`, which counts their failed writes.
    private var partsChecked = false
    /// Set by a successful `close`: every temporary part stayed in memory (none moved to a file in the temporary
    /// folder) and no write, read or seek of one failed. Such a workbook's parts reached minizip whole, and every
    /// write of the zip itself is checked by minizip and libxlsxwriter (a full disk fails `close`).
    public private(set) var partsStayedInMemory = false

    /// Creates the workbook at `path` (written on close). `tmpdir`: where libxlsxwriter keeps its temporary
    /// files (nil: the system default). `constantMemory`: libxlsxwriter's `constant_memory` mode for every
    /// sheet unless `addWorksheet` says otherwise — each row goes to a temporary file as soon as a later row
    /// is started, so a sheet costs one row of memory instead of all its cells, but rows must be written in
    /// order (see `Worksheet.isConstantMemory`). Off by default, so cells may be written in any order.
    ///
    /// `partsInMemory`: libxlsxwriter's temporary parts (each XML part before it is zipped, and a constant-memory
    /// sheet's rows) are kept in memory while under 1 MB each, and move to a temporary file in `tmpdir` beyond
    /// that — no file is created, written, read back and unlinked for a small part (see `memoryPartsAvailable`).
    /// The bytes of the workbook do not depend on it.
    public init(path: String, tmpdir: String? = nil, constantMemory: Bool = false, partsInMemory: Bool = false) throws {
        self.path = path
        self.constantMemory = constantMemory
        var options = lxw_workbook_options()
        options.constant_memory = constantMemory ? 1 : 0
        options.use_zip64 = 0
        if partsInMemory && Self.memoryPartsAvailable {
            self.tmpdir = memory_parts_tmpdir(tmpdir)
            options.tmpdir = self.tmpdir
            partsChecked = true
            memory_parts_reset()
        } else if let tmpdir {
            self.tmpdir = strdup(tmpdir)
            options.tmpdir = self.tmpdir
        }
        handle = workbook_new_opt(path, &options)
        if handle == nil {
            free(self.tmpdir)
            throw XlsxError(operation: "workbook_new_opt", message: "无法创建工作簿文件 \(path)")
        }
    }

    deinit {
        if let handle { lxw_workbook_free(handle) }
        free(tmpdir)
    }

    /// True when `partsInMemory` takes effect: libxlsxwriter's calls for a temporary file reach this process's
    /// own `lxw_tmpfile` (the executable exports it). Otherwise every part goes to a temporary file, as always.
    /// Asked once per process (two `dlsym` lookups: ~0.5 % of the village workbooks' CPU when asked per workbook).
    public static let memoryPartsAvailable: Bool = memory_parts_active() != 0

    /// True when libxlsxwriter's XML attributes are made by CMemoryParts' xml_attributes.c (the same attributes
    /// without zero-filling two 2,080-byte buffers each); otherwise by libxlsxwriter, with the same XML.
    public static var attributesInterposed: Bool { memory_parts_attributes_active() != 0 }

    /// True when libxlsxwriter's lxw_worksheet_free reaches CMemoryParts' sheet_free.c, which frees a constant-memory
    /// sheet's row of 16,384 cell slots without a call per empty slot; otherwise libxlsxwriter frees it, slot by slot.
    public static var sheetFreeInterposed: Bool { memory_parts_sheet_free_active() != 0 }

    /// How many constant-memory sheets of this thread's workbooks had their cell slots freed by sheet_free.c (tests).
    public static var sheetArraysFreed: Int { Int(memory_parts_sheet_arrays_freed()) }

    /// For tests: while `on`, no constant-memory sheet's cell array is kept for the thread's next one.
    public static func disableSheetArrayPool(_ on: Bool) { memory_parts_sheet_array_pool_disable(on ? 1 : 0) }

    /// How many constant-memory sheets on this thread got the cell array kept from the one before (tests).
    public static var sheetArraysReused: Int { Int(memory_parts_sheet_arrays_reused()) }

    /// True when libxlsxwriter's number and shared-string cells and its cell names (`lxw_rowcol_to_cell`) are written
    /// by CMemoryParts' cell_writers.c (the same XML without fprintf or snprintf); otherwise by libxlsxwriter.
    public static var cellWritersInterposed: Bool { memory_parts_cells_active() != 0 }

    /// For tests: while `on`, this thread's cells are written by libxlsxwriter's own functions.
    public static func disableCellWriters(_ on: Bool) { memory_parts_cells_disable(on ? 1 : 0) }

    /// How many cells of this thread's workbooks cell_writers.c wrote (tests).
    public static var cellsWritten: Int { Int(memory_parts_cells_written()) }

    /// True when libxlsxwriter's hash tables' keys (formats, fonts, fills, borders) are hashed by CMemoryParts'
    /// hash_key.c (eight bytes a step; where a key lands does not change the XML); otherwise by libxlsxwriter.
    public static var hashInterposed: Bool { memory_parts_hash_active() != 0 }

    /// For tests: while `on`, the hash tables of workbooks made on this thread use libxlsxwriter's own hash. Switch it
    /// only between workbooks.
    public static func disableHashInterposition(_ on: Bool) { memory_parts_hash_disable(on ? 1 : 0) }

    /// How many hash keys of this thread's workbooks hash_key.c hashed (tests).
    public static var keysHashed: Int { Int(memory_parts_keys_hashed()) }

    /// True when libxlsxwriter's shared strings part (xl/sharedStrings.xml) is written by CMemoryParts'
    /// shared_strings.c (every plain string escaped in one pass, without a copy of each); otherwise by libxlsxwriter.
    public static var sharedStringsInterposed: Bool { memory_parts_shared_strings_active() != 0 }

    /// For tests: while `on`, this thread's shared strings parts are written by libxlsxwriter's own function.
    public static func disableSharedStringsWriter(_ on: Bool) { memory_parts_shared_strings_disable(on ? 1 : 0) }

    /// How many shared strings of this thread's workbooks shared_strings.c wrote (tests).
    public static var sharedStringsWritten: Int { Int(memory_parts_shared_strings_written()) }

    /// True when calloc is CMemoryParts' small_calloc.c (a small block malloc'd through glibc's per-thread cache,
    /// then zeroed); otherwise glibc's own.
    public static var callocInterposed: Bool { memory_parts_calloc_active() != 0 }

    /// How many blocks this thread's calls to calloc got from malloc (tests).
    public static var smallCallocs: Int { Int(memory_parts_small_callocs()) }

    /// For tests: CMemoryParts' lxw_utf8_strlen against libxlsxwriter's own on random and edge-case strings; how many
    /// counts differed, or -1 when it is not interposed.
    public static var utf8LengthsDifferingForTests: Int { Int(memory_parts_utf8_strlen_check_for_tests()) }

    /// True when CMemoryParts' constant_parts.c writes the theme from one copy of its constant XML, and a
    /// relationships or content types part whose inputs the thread met before from the text made then.
    public static var themeInterposed: Bool { memory_parts_theme_active() != 0 }

    /// For tests: while `on`, this thread's theme, relationships and content types parts are made by libxlsxwriter.
    public static func disableThemeInterposition(_ on: Bool) { memory_parts_theme_disable(on ? 1 : 0) }

    /// How many themes constant_parts.c wrote from its copy on this thread (tests).
    public static var themesCopied: Int { Int(memory_parts_themes_copied()) }

    /// How many relationships and content types parts constant_parts.c wrote from memory on this thread (tests).
    public static var constantPartsReused: Int { Int(memory_parts_constant_parts_reused()) }

    /// For tests: relationships and content types parts of 40 shapes, libxlsxwriter's against constant_parts.c's
    /// (made, then from memory): how many differed (-1: could not be run).
    public static var constantPartsDifferingForTests: Int { Int(memory_parts_constant_parts_check_for_tests()) }

    /// How many styles parts constant_parts.c wrote from memory on this thread (tests).
    public static var stylesReused: Int { Int(memory_parts_styles_reused()) }

    /// For tests: styles parts of 48 shapes, libxlsxwriter's against constant_parts.c's (made, then from memory):
    /// how many texts differed (-1: could not be run).
    public static var stylesDifferingForTests: Int { Int(memory_parts_styles_check_for_tests()) }

    /// How many cell names (such as "B12") of this thread's workbooks cell_writers.c wrote (tests).
    public static var cellsNamed: Int { Int(memory_parts_cells_named()) }

    /// For tests: the name of the cell at zero-based `row`, `column` as libxlsxwriter's own `lxw_rowcol_to_cell`
    /// (`libraryOwn`) or CMemoryParts' writes it.
    public static func cellNameForTests(row: UInt32, column: UInt16, libraryOwn: Bool) -> String {
        var out = [CChar](repeating: 0, count: 32)
        memory_parts_cell_name_for_tests(libraryOwn ? 1 : 0, row, column, &out)
        return String(cString: out)
    }

    /// For tests: while `on`, this thread's XML attributes are made by libxlsxwriter's own functions.
    public static func disableAttributeInterposition(_ on: Bool) { memory_parts_attributes_disable(on ? 1 : 0) }

    /// How many XML attributes of this thread's workbooks xml_attributes.c made (tests).
    public static var attributesMade: Int { Int(memory_parts_attributes_made()) }

    /// How many XML elements with data (shared strings, document properties) xml_attributes.c wrote on this thread
    /// (tests).
    public static var dataElementsWritten: Int { Int(memory_parts_data_elements_written()) }

    /// How many XML attributes' blocks xml_attributes.c took back for reuse on this thread, once their tag was written
    /// (tests).
    public static var attributesRecycled: Int { Int(memory_parts_attributes_recycled()) }

    /// One XML attribute's value in an attribute libxlsxwriter would write.
    public enum AttributeValue: Sendable { case text(String), number(UInt32), real(Double) }

    /// For tests: the (key, value) that libxlsxwriter's own `lxw_new_attribute_*` (`libraryOwn`) or CMemoryParts'
    /// makes of `key` and `value`; nil when the function is missing (off glibc).
    public static func attributeForTests(key: String, _ value: AttributeValue, libraryOwn: Bool) -> (String, String)? {
        let limit = 2080
        var keyOut = [CChar](repeating: 0, count: limit), valueOut = [CChar](repeating: 0, count: limit)
        let made: Int32 = key.withCString { k in
            switch value {
            case .text(let t):
                return t.withCString { memory_parts_attribute_for_tests(0, libraryOwn ? 1 : 0, k, $0, 0, 0, &keyOut, &valueOut) }
            case .number(let n):
                return memory_parts_attribute_for_tests(1, libraryOwn ? 1 : 0, k, nil, n, 0, &keyOut, &valueOut)
            case .real(let x):
                return memory_parts_attribute_for_tests(2, libraryOwn ? 1 : 0, k, nil, 0, x, &keyOut, &valueOut)
            }
        }
        guard made != 0 else { return nil }
        return (String(cString: keyOut), String(cString: valueOut))
    }

    /// The XML writers CMemoryParts replaces, for `tagForTests`.
    public enum TagKind: Int32, Sendable, CaseIterable { case start = 0, empty, end, dataElement }

    /// For tests: the XML that libxlsxwriter's own writer (`libraryOwn`) or CMemoryParts' writes for `tag` with
    /// `count` attributes `key`="`value`" (or, for `.dataElement`, `value` as its data); nil off glibc.
    public static func tagForTests(_ kind: TagKind, tag: String, key: String, value: String, count: Int,
                                   libraryOwn: Bool) -> String? {
        let room = 1 << 20
        var out = [CChar](repeating: 0, count: room)
        let written = memory_parts_tag_for_tests(libraryOwn ? 1 : 0, kind.rawValue, tag, key, value, count, &out, room)
        return written < 0 ? nil : String(cString: out)
    }

    /// For tests: while `on`, a temporary part of this thread's workbooks that outgrows memory cannot move to a file
    /// (ENOSPC), as in a full temporary folder.
    public static func simulateFullTemporaryFolder(_ on: Bool) { memory_parts_simulate_full_folder(on ? 1 : 0) }

    private func live(_ op: String) throws -> UnsafeMutablePointer<lxw_workbook> {
        guard let handle else { throw XlsxError(operation: op, message: "工作簿已关闭") }
        return handle
    }

    /// Sets title, subject, author, company and the (fixed) creation time.
    public func setProperties(_ p: DocumentProperties) throws {
        let wb = try live("workbook_set_properties")
        // libxlsxwriter copies every string, so temporary C strings are enough.
        try p.title.withCString { title in
            try p.subject.withCString { subject in
                try p.author.withCString { author in
                    try p.company.withCString { company in
                        var props = lxw_doc_properties()
                        props.title = UnsafeMutablePointer(mutating: title)
                        props.subject = UnsafeMutablePointer(mutating: subject)
                        props.author = UnsafeMutablePointer(mutating: author)
                        props.company = UnsafeMutablePointer(mutating: company)
                        props.created = time_t(p.created)
                        try check(workbook_set_properties(wb, &props), "workbook_set_properties")
                    }
                }
            }
        }
    }

    /// Adds a sheet; the name must be unique, at most 31 characters, without []:*?/\.
    /// `constantMemory` overrides the workbook's mode for this sheet: a sheet whose cells a chart reads
    /// should stay in normal mode, since libxlsxwriter can only cache chart values from cells it still holds.
    public func addWorksheet(_ name: String, constantMemory: Bool? = nil) throws -> Worksheet {
        let wb = try live("workbook_add_worksheet")
        try check(workbook_validate_sheet_name(wb, name), "workbook_add_worksheet", sheet: name)
        // libxlsxwriter reads the workbook's option once, when a sheet is created (worksheet->optimize), and
        // nowhere else, so setting it around the call gives each sheet its own mode.
        let optimize = constantMemory ?? self.constantMemory
        let saved = wb.pointee.options.constant_memory
        wb.pointee.options.constant_memory = optimize ? 1 : 0
        let created = workbook_add_worksheet(wb, name)
        wb.pointee.options.constant_memory = saved
        guard let ws = created else {
            throw XlsxError(operation: "workbook_add_worksheet", message: "无法添加工作表", sheet: name)
        }
        sheetNames.insert(name)
        return Worksheet(ws, name: name, constantMemory: optimize)
    }

    /// A new cell format. Create each distinct format once per workbook and reuse it.
    public func addFormat(_ spec: FormatSpec) throws -> Format {
        let wb = try live("workbook_add_format")
        guard let f = workbook_add_format(wb) else {
            throw XlsxError(operation: "workbook_add_format", message: "内存不足")
        }
        spec.apply(to: f)
        return Format(f, spec: spec)
    }

    /// A new chart, to be filled with series and inserted into one sheet.
    public func addChart(_ kind: Chart.Kind) throws -> Chart {
        let wb = try live("workbook_add_chart")
        let type: lxw_chart_type
        switch kind {
        case .column: type = LXW_CHART_COLUMN
        case .bar: type = LXW_CHART_BAR
        case .line: type = LXW_CHART_LINE
        }
        guard let c = workbook_add_chart(wb, UInt8(type.rawValue)) else {
            throw XlsxError(operation: "workbook_add_chart", message: "无法创建图表")
        }
        return Chart(c, kind: kind)
    }

    /// Writes the file and frees the workbook. Called once; later calls throw.
    public func close() throws {
        let wb = try live("workbook_close")
        handle = nil
        // Parts up to 64 KB are deflated by libdeflate, small ones once per distinct content and thread (CMemoryParts'
        // deflate_reuse.c); begin and end forget a part a failed close on this thread left half-deflated.
        memory_parts_deflate_begin()
        // The zip itself kept in memory while minizip writes it, then written in one go (CMemoryParts'
        // zip_memory.c): its bytes stay for `takeWrittenZip`, so the run checks and hashes them without a read.
        // Called for every workbook (nil: not kept), so bytes an earlier close on this thread left untaken are let
        // go and never handed over for this one's file.
        memory_zip_begin(partsChecked ? path : nil)
        let err = workbook_close(wb)
        memory_zip_end()
        memory_parts_deflate_end()
        free(tmpdir); tmpdir = nil
        try check(err, "workbook_close", cell: path)
        // libxlsxwriter ignores a failed write to a temporary part (a full temporary folder): it would zip the
        // part short, or a constant-memory sheet with rows missing and its end intact. With parts in memory
        // every such failure is counted (on this thread: a workbook is written on one thread), so none passes.
        var error: Int32 = 0
        if partsChecked && memory_parts_failures(&error) > 0 {
            memory_zip_begin(nil)  // the zip's bytes are not the workbook's: never handed over
            memory_zip_end()
            throw XlsxError(operation: "workbook_close", message: "a temporary part could not be written (\(String(cString: strerror(error)))): the workbook would miss data; is the temporary folder full?", cell: path)
        }
        partsStayedInMemory = partsChecked && memory_parts_spills() == 0
    }

    /// True when minizip's calls to zlib's deflate reach `CMemoryParts` (see `close`), so parts up to
    /// `libdeflatePartLimit` bytes are deflated whole by libdeflate and longer ones by libdeflate in pieces; otherwise every part is deflated by zlib as minizip asks (other bytes, the same parts).
    public static var deflateReuseAvailable: Bool { memory_parts_deflate_active() != 0 }

    /// The zlib level every part of every workbook is deflated at (libxlsxwriter asks for zlib's default, 6; see
    /// CMemoryParts' zip_level.c): level 1 deflates the town workbook's 34 MB of XML in ≈ 0.1 CPU-s instead of 0.4,
    /// for outputs 6.6 % larger in all at 2,000 × 12 — village workbooks ≈ 6 %, the town workbook ≈ 34 % (3.0 → 4.0
    /// MB), a village sheet of thousands of rows to correct up to ≈ 70 % (docs/performance-log.md, *Output side,
    /// fifth pass*). The cells, sheets and formats are the same.
    public static let zipLevel = Int(MEMORY_PARTS_ZIP_LEVEL)

    /// True when libxlsxwriter's calls to minizip reach `CMemoryParts`, so parts are deflated at `zipLevel`.
    public static var zipLevelApplies: Bool { memory_parts_zip_level_active() != 0 }

    /// The bytes of the workbook last closed on this thread, when it had `partsInMemory` and was written to `path`
    /// with its zip kept in memory (CMemoryParts' zip_memory.c): the file's bytes, every one of them written (a
    /// failed write fails `close`). Taken once; nil otherwise (no interposition, a zip over 1 MB, another path).
    public static func takeWrittenZip(_ path: String) -> [UInt8]? {
        var pointer: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard memory_zip_take(path, &pointer, &size) != 0 else { return nil }
        defer { free(pointer) }
        guard let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: size))
    }

    /// True when minizip's calls to zlib's crc32 reach `CMemoryParts` (zip_crc.c: libdeflate's CRC-32, the same value).
    public static var crc32Replaced: Bool { memory_parts_crc32_active() != 0 }

    /// For tests: while `on`, this thread's CRC-32s are zlib's own.
    public static func disableCRC32Replacement(_ on: Bool) { memory_parts_crc32_disable(on ? 1 : 0) }

    /// Bytes this thread's CRC-32s summed through libdeflate (tests).
    public static var crc32BytesSummed: UInt64 { UInt64(memory_parts_crc32_bytes()) }

    /// For tests: libdeflate's CRC-32 against zlib's on random and edge-case inputs; how many differed, or -1.
    public static func crc32CheckForTests() -> Int { Int(memory_parts_crc32_check_for_tests()) }

    /// True when minizip's fopen64 reaches `CMemoryParts`, so a workbook with `partsInMemory` keeps its zip in memory.
    public static var zipInMemoryAvailable: Bool { memory_zip_active() != 0 }

    /// How many zips this thread kept in memory (tests).
    public static var zipsKeptInMemory: Int { Int(memory_zip_count()) }

    /// For tests: a zip kept in memory on this thread moves to its file past `bytes` (nil: 1 MB, the real limit).
    public static func zipMemoryLimitForTests(_ bytes: Int?) { memory_zip_limit_for_tests(bytes ?? 0) }

    /// For tests: while `on`, writing a zip kept in memory to its file fails with ENOSPC, as on a full disk.
    public static func simulateFailedZipWrite(_ on: Bool) { memory_zip_simulate_short_write(on ? 1 : 0) }

    /// For tests: while `on`, no part of this thread's workbooks comes from the cache: each is deflated afresh.
    public static func disableDeflateReuse(_ on: Bool) { memory_parts_deflate_disable(on ? 1 : 0) }

    /// Parts up to this many bytes are deflated whole by libdeflate, longer ones by libdeflate in
    /// `libdeflatePieceSize` pieces (CMemoryParts' deflate_reuse.c).
    public static let libdeflatePartLimit = Int(MEMORY_PARTS_LIBDEFLATE_LIMIT)

    /// The pieces a part longer than `libdeflatePartLimit` is deflated in, each independently of the ones before it.
    public static let libdeflatePieceSize = Int(MEMORY_PARTS_PIECE_SIZE)

    /// For tests: libdeflate's raw deflate of `bytes` at `level` in pieces of `piece` bytes, each independent of the
    /// ones before it, every one but the last ending with an empty stored block; nil on failure.
    public static func deflatedInPiecesForTests(_ bytes: [UInt8], piece: Int, level: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: bytes.count + bytes.count / 8 + 6 * (bytes.count / max(piece, 1)) + 1024)
        let n = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                memory_parts_libdeflate_pieces_for_tests(input.baseAddress, input.count, piece, Int32(level),
                                                         out.baseAddress, out.count)
            }
        }
        return n == 0 ? nil : Array(output.prefix(n))
    }

    /// For tests: `bytes` deflated as minizip deflates a part (raw, at `level`; `piece` bytes per call, an output
    /// buffer of `room` bytes emptied whenever full, then Z_FINISH), or with `strict` as zlib's manual allows
    /// (ZIPFoundation's way: called again only while the output comes back full, Z_FINISH with the last piece),
    /// through CMemoryParts' deflate; nil on failure (also: input left untaken with output room to spare).
    public static func deflatedLikeMinizipForTests(_ bytes: [UInt8], piece: Int, room: Int, level: Int,
                                                   strict: Bool = false) -> [UInt8]? {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = bytes.withUnsafeBufferPointer {
            memory_parts_deflate_pieces_for_tests($0.baseAddress, $0.count, piece, room, Int32(level), strict ? 1 : 0,
                                                  &output, &size)
        }
        guard status == 0 else { return nil }
        defer { free(output) }
        return output.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// For tests: libdeflate's (`zlib` false) or zlib's own raw deflate of `bytes` at `level`; nil on failure.
    public static func deflatedForTests(_ bytes: [UInt8], level: Int, zlib: Bool) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: bytes.count + bytes.count / 8 + 1024)
        let n = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                zlib ? memory_parts_zlib_for_tests(input.baseAddress, input.count, Int32(level), out.baseAddress, out.count)
                    : memory_parts_libdeflate_for_tests(input.baseAddress, input.count, Int32(level), out.baseAddress, out.count)
            }
        }
        return n == 0 ? nil : Array(output.prefix(n))
    }

    /// Parts of this thread's workbooks taken from its cache (`reused`) and deflated by libdeflate (`deflated`).
    public static var deflateCounts: (reused: Int, deflated: Int) {
        var hits: UInt = 0, misses: UInt = 0
        memory_parts_deflate_counts(&hits, &misses)
        return (Int(hits), Int(misses))
    }
}

// MARK: - Format

/// How a format looks; turned into one `lxw_format` by `Workbook.addFormat`.
public struct FormatSpec: Sendable, Equatable, Hashable {
    public enum Align: Sendable, Equatable, Hashable { case general, left, center, right }
    public enum VAlign: Sendable, Equatable, Hashable { case top, center, bottom }

    public var bold = false
    public var fontSize: Double? = nil
    public var fontColor: RGB? = nil
    public var fontName: String? = nil
    public var fill: RGB? = nil
    /// Thin border on all four sides.
    public var border = false
    public var borderColor: RGB? = nil
    public var align: Align = .general
    public var valign: VAlign = .center
    public var wrap = false
    /// Excel number format, e.g. `0.0%`, `yyyy-mm-dd`, `#,##0`.
    public var numberFormat: String? = nil

    public init(bold: Bool = false, fontSize: Double? = nil, fontColor: RGB? = nil, fontName: String? = nil,
                fill: RGB? = nil, border: Bool = false, borderColor: RGB? = nil, align: Align = .general,
                valign: VAlign = .center, wrap: Bool = false, numberFormat: String? = nil) {
        self.bold = bold; self.fontSize = fontSize; self.fontColor = fontColor; self.fontName = fontName
        self.fill = fill; self.border = border; self.borderColor = borderColor; self.align = align
        self.valign = valign; self.wrap = wrap; self.numberFormat = numberFormat
    }

    fileprivate func apply(to f: UnsafeMutablePointer<lxw_format>) {
        if bold { format_set_bold(f) }
        if let fontSize { format_set_font_size(f, fontSize) }
        if let fontColor { format_set_font_color(f, lxw_color_t(fontColor)) }
        if let fontName { format_set_font_name(f, fontName) }
        if let fill {
            format_set_pattern(f, UInt8(LXW_PATTERN_SOLID.rawValue))
            format_set_bg_color(f, lxw_color_t(fill))
        }
        if border {
            format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue))
            if let borderColor { format_set_border_color(f, lxw_color_t(borderColor)) }
        }
        switch align {
        case .general: break
        case .left: format_set_align(f, UInt8(LXW_ALIGN_LEFT.rawValue))
        case .center: format_set_align(f, UInt8(LXW_ALIGN_CENTER.rawValue))
        case .right: format_set_align(f, UInt8(LXW_ALIGN_RIGHT.rawValue))
        }
        switch valign {
        case .top: format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
        case .center: format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
        case .bottom: format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_BOTTOM.rawValue))
        }
        if wrap { format_set_text_wrap(f) }
        // "@" (Text) is Excel's built-in format 49; using the index keeps it recognised as Text everywhere.
        if numberFormat == "@" { format_set_num_format_index(f, 49) }
        else if let numberFormat { format_set_num_format(f, numberFormat) }
    }
}

/// A cell format owned by one workbook.
public final class Format {
    fileprivate let handle: UnsafeMutablePointer<lxw_format>
    public let spec: FormatSpec

    fileprivate init(_ handle: UnsafeMutablePointer<lxw_format>, spec: FormatSpec) {
        self.handle = handle; self.spec = spec
    }
}

// MARK: - Worksheet

/// Page setup for printing.
public struct PageSetup: Sendable, Equatable {
    public var landscape = true
    /// Excel paper code: 9 = A4.
    public var paper: Int = 9
    /// Fit to this many pages wide and tall; 0 tall = as many as needed.
    public var fitWidth = 1
    public var fitHeight = 0
    /// Zero-based rows repeated at the top of every printed page.
    public var repeatRows: ClosedRange<Int>? = nil
    /// Excel header/footer codes, e.g. `&L青石镇&C2026年10月&R第&P页 共&N页`.
    public var header = ""
    public var footer = ""
    /// Margins in inches: left, right, top, bottom.
    public var margins: (left: Double, right: Double, top: Double, bottom: Double) = (0.4, 0.4, 0.6, 0.6)
    public var hideGridlines = false
    public var centerHorizontally = true

    public init() {}

    public static func == (a: PageSetup, b: PageSetup) -> Bool {
        a.landscape == b.landscape && a.paper == b.paper && a.fitWidth == b.fitWidth && a.fitHeight == b.fitHeight
            && a.repeatRows == b.repeatRows && a.header == b.header && a.footer == b.footer
            && a.margins == b.margins && a.hideGridlines == b.hideGridlines
            && a.centerHorizontally == b.centerHorizontally
    }
}

/// A conditional-format rule.
public enum ConditionalRule: Sendable, Equatable {
    public enum Criterion: Sendable, Equatable { case equal, notEqual, greater, greaterOrEqual, less, lessOrEqual }
    /// The cell's own value compared with a number (blank cells count as 0 in Excel).
    case cell(Criterion, Double)
    /// The cell's own value equal to a text.
    case cellText(String)
    /// A formula written for the range's top-left cell, e.g. `=AND(ISNUMBER(H4),H4<1)`.
    case formula(String)
}

/// One sheet of a workbook. Cell positions are zero-based (row, column).
public final class Worksheet {
    private let handle: UnsafeMutablePointer<lxw_worksheet>
    public let name: String
    /// In libxlsxwriter's constant-memory mode a row is flushed to disk once a later row is touched, and
    /// anything aimed at an earlier row would be lost; this wrapper throws instead (`rowOrder`).
    public let isConstantMemory: Bool
    /// The latest row written to or sized, for the constant-memory order check.
    private var currentRow = 0

    fileprivate init(_ handle: UnsafeMutablePointer<lxw_worksheet>, name: String, constantMemory: Bool = false) {
        self.handle = handle; self.name = name; self.isConstantMemory = constantMemory
    }

    /// In constant-memory mode, refuses a row before the current one (libxlsxwriter would drop it).
    private func rowOrder(_ row: Int, _ op: String, _ col: Int = 0) throws {
        guard isConstantMemory else { return }
        if row < currentRow {
            throw XlsxError(operation: op, message: "constant_memory 模式下只能按行顺序写入（当前已写到第 \(currentRow + 1) 行）",
                            sheet: name, cell: cellName(row: row, col: col))
        }
        currentRow = row
    }

    /// The cell's name is built only on failure: it was ~3 % of the town workbook's CPU when built for every call.
    @inline(__always)
    private func fail(_ err: lxw_error, _ op: String, _ row: Int, _ col: Int) throws {
        guard err != LXW_NO_ERROR else { return }
        try check(err, op, sheet: name, cell: cellName(row: row, col: col))
    }

    /// Excel's limit for the text of one cell, in UTF-16 code units.
    public static let cellTextLimit = 32_767

    /// `text` as it fits in one cell: unchanged when it fits, else its head (whole characters) and a note.
    public static func fittedToCell(_ text: String) -> String {
        if text.utf8.count <= cellTextLimit || text.utf16.count <= cellTextLimit { return text }
        let note = "…（超过 Excel 单元格 \(cellTextLimit) 个字符的上限，以下已截断）"
        let budget = cellTextLimit - note.utf16.count
        var head = "", used = 0
        for ch in text {
            let n = ch.utf16.count
            if used + n > budget { break }
            head.append(ch)
            used += n
        }
        return head + note
    }

    private static func row(_ r: Int) -> lxw_row_t { lxw_row_t(clamping: r) }
    private static func col(_ c: Int) -> lxw_col_t { lxw_col_t(clamping: c) }

    /// Writes text as a string cell (shared, or inline in constant-memory mode), never as a formula, so text beginning with = + - @ is shown as
    /// written and never evaluated. (libxlsxwriter 1.1.4 has no `format_set_quote_prefix`; it came in 1.1.5.)
    /// Text longer than a cell can hold (Excel: 32,767 characters, counted in UTF-16 units, so an emoji counts
    /// two) is cut, with a note saying so: a clerk's over-long value, or a message quoting it, must not fail the
    /// whole workbook, and libxlsxwriter's own check counts code points, which lets emoji through too long.
    public func write(_ row: Int, _ col: Int, text: String, _ format: Format? = nil) throws {
        try rowOrder(row, "worksheet_write_string", col)
        let f = format
        let text = Self.fittedToCell(text)
        if text.isEmpty {
            try fail(worksheet_write_blank(handle, Self.row(row), Self.col(col), f?.handle), "worksheet_write_blank", row, col)
            return
        }
        // The implicit String-to-pointer conversion goes through `utf8CString` (a new array per cell, ~1.8 % of the
        // village workbooks' instructions); `withCString` was tried and dropped: the same outputs, but the peak RSS of
        // a cold 2,000 × 12 run rose by 2.5–3 MB (docs/performance-log.md, *Workbook writing CPU, tenth session*).
        try fail(worksheet_write_string(handle, Self.row(row), Self.col(col), text, f?.handle),
                 "worksheet_write_string", row, col)
    }

    /// Writes a number.
    public func write(_ row: Int, _ col: Int, number: Double, _ format: Format? = nil) throws {
        try rowOrder(row, "worksheet_write_number", col)
        try fail(worksheet_write_number(handle, Self.row(row), Self.col(col), number, format?.handle),
                 "worksheet_write_number", row, col)
    }

    /// Writes an empty cell that still carries a format (borders, fill).
    public func writeBlank(_ row: Int, _ col: Int, _ format: Format?) throws {
        guard let format else { return }
        try rowOrder(row, "worksheet_write_blank", col)
        try fail(worksheet_write_blank(handle, Self.row(row), Self.col(col), format.handle), "worksheet_write_blank", row, col)
    }

    /// Writes a calendar day as a real Excel date (serial number in the 1900 system); give it a date format.
    public func write(_ row: Int, _ col: Int, year: Int, month: Int, day: Int, _ format: Format?) throws {
        try write(row, col, number: Double(excelSerial(year: year, month: month, day: day)), format)
    }

    /// Column widths in Excel character units, for columns first...last.
    public func setColumns(_ first: Int, _ last: Int, width: Double, _ format: Format? = nil) throws {
        try fail(worksheet_set_column(handle, Self.col(first), Self.col(last), width, format?.handle),
                 "worksheet_set_column", 0, first)
    }

    /// Row height in points.
    public func setRow(_ row: Int, height: Double, _ format: Format? = nil) throws {
        try rowOrder(row, "worksheet_set_row")
        try fail(worksheet_set_row(handle, Self.row(row), height, format?.handle), "worksheet_set_row", row, 0)
    }

    /// Merges a range and writes text into it (as a string).
    /// In constant-memory mode only a one-row range can be merged (libxlsxwriter writes its blanks row by row).
    public func merge(_ firstRow: Int, _ firstCol: Int, _ lastRow: Int, _ lastCol: Int, text: String, _ format: Format?) throws {
        try rowOrder(firstRow, "worksheet_merge_range", firstCol)
        if isConstantMemory && lastRow != firstRow {
            throw XlsxError(operation: "worksheet_merge_range", message: "constant_memory 模式下只能合并同一行的单元格",
                            sheet: name, cell: cellName(row: firstRow, col: firstCol))
        }
        try fail(worksheet_merge_range(handle, Self.row(firstRow), Self.col(firstCol), Self.row(lastRow),
                                       Self.col(lastCol), "", format?.handle), "worksheet_merge_range", firstRow, firstCol)
        try write(firstRow, firstCol, text: text, format)
    }

    /// Freezes the rows above `row` and the columns left of `col`.
    public func freezePanes(row: Int, col: Int) {
        worksheet_freeze_panes(handle, Self.row(row), Self.col(col))
    }

    /// An autofilter over the header row firstRow and its data.
    public func autofilter(_ firstRow: Int, _ firstCol: Int, _ lastRow: Int, _ lastCol: Int) throws {
        try fail(worksheet_autofilter(handle, Self.row(firstRow), Self.col(firstCol), Self.row(lastRow), Self.col(lastCol)),
                 "worksheet_autofilter", firstRow, firstCol)
    }

    /// Applies a conditional format to a range.
    public func conditionalFormat(_ firstRow: Int, _ firstCol: Int, _ lastRow: Int, _ lastCol: Int,
                                  _ rule: ConditionalRule, _ format: Format) throws {
        var cf = lxw_conditional_format()
        cf.format = format.handle
        func run() throws {
            try fail(worksheet_conditional_format_range(handle, Self.row(firstRow), Self.col(firstCol),
                                                        Self.row(lastRow), Self.col(lastCol), &cf),
                     "worksheet_conditional_format_range", firstRow, firstCol)
        }
        switch rule {
        case .cell(let criterion, let value):
            cf.type = UInt8(LXW_CONDITIONAL_TYPE_CELL.rawValue)
            let c: lxw_conditional_criteria
            switch criterion {
            case .equal: c = LXW_CONDITIONAL_CRITERIA_EQUAL_TO
            case .notEqual: c = LXW_CONDITIONAL_CRITERIA_NOT_EQUAL_TO
            case .greater: c = LXW_CONDITIONAL_CRITERIA_GREATER_THAN
            case .greaterOrEqual: c = LXW_CONDITIONAL_CRITERIA_GREATER_THAN_OR_EQUAL_TO
            case .less: c = LXW_CONDITIONAL_CRITERIA_LESS_THAN
            case .lessOrEqual: c = LXW_CONDITIONAL_CRITERIA_LESS_THAN_OR_EQUAL_TO
            }
            cf.criteria = UInt8(c.rawValue)
            cf.value = value
            try run()
        case .cellText(let text):
            cf.type = UInt8(LXW_CONDITIONAL_TYPE_CELL.rawValue)
            cf.criteria = UInt8(LXW_CONDITIONAL_CRITERIA_EQUAL_TO.rawValue)
            // A quoted string literal in the rule's formula; inner quotes doubled.
            let literal = "\"" + text.replacingAll("\"", with: "\"\"") + "\""
            try literal.withCString { p in
                cf.value_string = UnsafeMutablePointer(mutating: p)
                try run()
            }
        case .formula(let formula):
            cf.type = UInt8(LXW_CONDITIONAL_TYPE_FORMULA.rawValue)
            try formula.withCString { p in
                cf.value_string = UnsafeMutablePointer(mutating: p)
                try run()
            }
        }
    }

    /// Print setup: paper, orientation, fit to pages, repeated rows, header/footer, margins, gridlines.
    public func setPageSetup(_ p: PageSetup) throws {
        if p.landscape { worksheet_set_landscape(handle) } else { worksheet_set_portrait(handle) }
        worksheet_set_paper(handle, UInt8(clamping: p.paper))
        worksheet_fit_to_pages(handle, UInt16(clamping: p.fitWidth), UInt16(clamping: p.fitHeight))
        if let rows = p.repeatRows {
            try fail(worksheet_repeat_rows(handle, Self.row(rows.lowerBound), Self.row(rows.upperBound)),
                     "worksheet_repeat_rows", rows.lowerBound, 0)
        }
        worksheet_set_margins(handle, p.margins.left, p.margins.right, p.margins.top, p.margins.bottom)
        if !p.header.isEmpty { try check(worksheet_set_header(handle, p.header), "worksheet_set_header", sheet: name) }
        if !p.footer.isEmpty { try check(worksheet_set_footer(handle, p.footer), "worksheet_set_footer", sheet: name) }
        if p.hideGridlines { worksheet_gridlines(handle, UInt8(LXW_HIDE_ALL_GRIDLINES.rawValue)) }
        if p.centerHorizontally { worksheet_center_horizontally(handle) }
    }

    /// Manual page breaks above each of these zero-based rows.
    public func setPageBreaks(beforeRows rows: [Int]) throws {
        // libxlsxwriter takes a zero-terminated array; row 0 cannot take a break anyway.
        var breaks = rows.filter { $0 > 0 }.map { lxw_row_t(clamping: $0) } + [0]
        try check(worksheet_set_h_pagebreaks(handle, &breaks), "worksheet_set_h_pagebreaks", sheet: name)
    }

    /// Makes this the sheet shown when the file opens.
    public func activate() { worksheet_activate(handle) }

    /// Places a chart with its top-left corner at (row, col) plus an offset in pixels, scaled from the default
    /// 480×288 pixels. The offset lets two charts sit side by side at exact pixel positions, whatever the widths
    /// of the columns under them.
    public func insertChart(_ row: Int, _ col: Int, _ chart: Chart, xScale: Double = 1, yScale: Double = 1,
                            xOffset: Int = 0, yOffset: Int = 0) throws {
        var opt = lxw_chart_options()
        opt.x_scale = xScale
        opt.y_scale = yScale
        opt.x_offset = Int32(clamping: xOffset)
        opt.y_offset = Int32(clamping: yOffset)
        try fail(worksheet_insert_chart_opt(handle, Self.row(row), Self.col(col), chart.handle, &opt),
                 "worksheet_insert_chart", row, col)
    }
}

/// Excel's 1900-system serial day number, as libxlsxwriter itself converts dates (1900-03-01 onwards, where
/// Excel's fictitious 1900-02-29 no longer matters).
public func excelSerial(year: Int, month: Int, day: Int) -> Int {
    var date = lxw_datetime(year: Int32(year), month: Int32(month), day: Int32(day), hour: 0, min: 0, sec: 0)
    return Int(lxw_datetime_to_excel_datetime(&date))
}

// MARK: - Chart

/// A zero-based cell range on a named sheet, used for chart data.
public struct CellRange: Sendable, Equatable {
    public var sheet: String
    public var firstRow: Int, firstCol: Int, lastRow: Int, lastCol: Int
    public init(sheet: String, _ firstRow: Int, _ firstCol: Int, _ lastRow: Int, _ lastCol: Int) {
        self.sheet = sheet; self.firstRow = firstRow; self.firstCol = firstCol; self.lastRow = lastRow; self.lastCol = lastCol
    }
}

/// A chart: series over sheet ranges, titles, axes, labels. Insert it into exactly one sheet.
public final class Chart {
    public enum Kind: Sendable { case column, bar, line }
    fileprivate let handle: UnsafeMutablePointer<lxw_chart>
    public let kind: Kind

    fileprivate init(_ handle: UnsafeMutablePointer<lxw_chart>, kind: Kind) { self.handle = handle; self.kind = kind }

    /// The category and value axes. libxlsxwriter's x axis is the horizontal one, so a bar chart's categories
    /// are on its y axis.
    private var categoryAxis: UnsafeMutablePointer<lxw_chart_axis>? {
        chart_axis_get(handle, kind == .bar ? LXW_CHART_AXIS_TYPE_Y : LXW_CHART_AXIS_TYPE_X)
    }
    private var valueAxis: UnsafeMutablePointer<lxw_chart_axis>? {
        chart_axis_get(handle, kind == .bar ? LXW_CHART_AXIS_TYPE_X : LXW_CHART_AXIS_TYPE_Y)
    }

    /// Lists the categories of a bar chart from the top down, in the order of the data (Excel draws the first
    /// category at the bottom otherwise), keeping the value axis labels below the bars.
    public func categoriesTopDown() {
        guard let axis = categoryAxis else { return }
        chart_axis_set_reverse(axis)
        chart_axis_set_crossing_max(axis)
    }

    /// How one series looks.
    public struct SeriesStyle: Sendable, Equatable {
        public var color: RGB? = nil
        /// Line charts: draw no line (markers only), or a dashed line.
        public var noLine = false
        public var dashed = false
        public var lineWidth: Double? = nil
        /// Line charts: hide the markers.
        public var noMarkers = false
        public var dataLabels = false
        /// Number format of the data labels, e.g. `0%`.
        public var labelFormat: String? = nil
        public init(color: RGB? = nil, noLine: Bool = false, dashed: Bool = false, lineWidth: Double? = nil,
                    noMarkers: Bool = false, dataLabels: Bool = false, labelFormat: String? = nil) {
            self.color = color; self.noLine = noLine; self.dashed = dashed; self.lineWidth = lineWidth
            self.noMarkers = noMarkers; self.dataLabels = dataLabels; self.labelFormat = labelFormat
        }
    }

    /// Adds a series: values (one column or row), optional categories, a name shown in the legend.
    public func addSeries(name: String, categories: CellRange?, values: CellRange, style: SeriesStyle = SeriesStyle()) throws {
        guard let s = chart_add_series(handle, nil, nil) else {
            throw XlsxError(operation: "chart_add_series", message: "无法添加图表系列", sheet: values.sheet)
        }
        if let c = categories {
            chart_series_set_categories(s, c.sheet, Self.r(c.firstRow), Self.c(c.firstCol), Self.r(c.lastRow), Self.c(c.lastCol))
        }
        chart_series_set_values(s, values.sheet, Self.r(values.firstRow), Self.c(values.firstCol),
                                Self.r(values.lastRow), Self.c(values.lastCol))
        chart_series_set_name(s, name)
        if style.color != nil || style.noLine || style.dashed || style.lineWidth != nil {
            var line = lxw_chart_line()
            if let color = style.color { line.color = lxw_color_t(color) }
            line.none = style.noLine ? 1 : 0
            if style.dashed { line.dash_type = UInt8(LXW_CHART_LINE_DASH_DASH.rawValue) }
            if let w = style.lineWidth { line.width = Float(w) }
            chart_series_set_line(s, &line)
        }
        if let color = style.color {
            var fill = lxw_chart_fill()
            fill.color = lxw_color_t(color)
            chart_series_set_fill(s, &fill)
            if !style.noMarkers {
                chart_series_set_marker_fill(s, &fill)
                var ml = lxw_chart_line()
                ml.color = lxw_color_t(color)
                chart_series_set_marker_line(s, &ml)
            }
        }
        if style.noMarkers { chart_series_set_marker_type(s, UInt8(LXW_CHART_MARKER_NONE.rawValue)) }
        else if style.noLine {
            chart_series_set_marker_type(s, UInt8(LXW_CHART_MARKER_CIRCLE.rawValue))
            chart_series_set_marker_size(s, 7)
        }
        if style.dataLabels {
            chart_series_set_labels(s)
            if let f = style.labelFormat { chart_series_set_labels_num_format(s, f) }
        }
    }

    public func setTitle(_ title: String, size: Double = 12) {
        chart_title_set_name(handle, title)
        var font = lxw_chart_font()
        font.size = size
        font.bold = 1
        chart_title_set_name_font(handle, &font)
    }

    /// Names and limits of the axes: x is the category axis and y the value axis for every kind, bar charts
    /// included (where the category axis is drawn vertically).
    public func setAxes(xName: String? = nil, yName: String? = nil, yMin: Double? = nil, yMax: Double? = nil,
                        yNumberFormat: String? = nil, xLabelRotation: Int? = nil) {
        if let x = categoryAxis {
            if let xName { chart_axis_set_name(x, xName) }
            if let rot = xLabelRotation {
                var font = lxw_chart_font()
                font.rotation = Int32(rot)
                font.size = 9
                chart_axis_set_num_font(x, &font)
            }
        }
        if let y = valueAxis {
            if let yName { chart_axis_set_name(y, yName) }
            if let yMin { chart_axis_set_min(y, yMin) }
            if let yMax { chart_axis_set_max(y, yMax) }
            if let f = yNumberFormat { chart_axis_set_num_format(y, f) }
        }
    }

    public enum LegendPosition: Sendable { case bottom, right, top, none }
    public func setLegend(_ position: LegendPosition) {
        switch position {
        case .bottom: chart_legend_set_position(handle, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
        case .right: chart_legend_set_position(handle, UInt8(LXW_CHART_LEGEND_RIGHT.rawValue))
        case .top: chart_legend_set_position(handle, UInt8(LXW_CHART_LEGEND_TOP.rawValue))
        case .none: chart_legend_set_position(handle, UInt8(LXW_CHART_LEGEND_NONE.rawValue))
        }
    }

    /// Space between groups of columns/bars, in percent of a bar's width (default 150).
    public func setGap(_ gap: Int) { chart_set_series_gap(handle, UInt16(clamping: gap)) }

    private static func r(_ r: Int) -> lxw_row_t { lxw_row_t(clamping: r) }
    private static func c(_ c: Int) -> lxw_col_t { lxw_col_t(clamping: c) }
}

extension String {
    /// Foundation-free replacement of every occurrence (this target does not import Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}

// MARK: - Data validation

/// A data-validation rule (Excel's 数据验证): a drop-down list or a number/date criterion, with the prompt shown
/// when a cell is selected and the message shown when a value breaks the rule.
public struct DataValidation: Sendable, Equatable {
    /// A calendar day for date criteria.
    public struct Day: Sendable, Equatable {
        public var year: Int, month: Int, day: Int
        public init(_ year: Int, _ month: Int, _ day: Int) { self.year = year; self.month = month; self.day = day }
    }
    public enum Rule: Sendable, Equatable {
        /// A drop-down of these values, written into the rule itself (Excel allows 255 characters in all).
        case list([String])
        /// A drop-down whose values are a cell range, e.g. `='选项'!$A$2:$A$9` (for long or per-village lists).
        case listRange(String)
        /// Whole numbers within the bounds given (nil: unbounded on that side).
        case integer(min: Double?, max: Double?)
        /// Numbers within the bounds given.
        case decimal(min: Double?, max: Double?)
        /// Dates between the two days, inclusive.
        case date(from: Day, to: Day)
        /// Any value: only the input prompt is shown.
        case any
    }
    /// What Excel does with a value that breaks the rule: refuse it, or only warn / inform.
    public enum ErrorStyle: Sendable, Equatable { case stop, warning, information }

    public var rule: Rule
    /// Prompt shown when the cell is selected (title at most 32 characters, message at most 255).
    public var inputTitle = ""
    public var inputMessage = ""
    /// Shown when a value breaks the rule (same limits).
    public var errorTitle = ""
    public var errorMessage = ""
    public var errorStyle: ErrorStyle = .stop
    public init(_ rule: Rule, inputTitle: String = "", inputMessage: String = "", errorTitle: String = "",
                errorMessage: String = "", errorStyle: ErrorStyle = .stop) {
        self.rule = rule; self.inputTitle = inputTitle; self.inputMessage = inputMessage
        self.errorTitle = errorTitle; self.errorMessage = errorMessage; self.errorStyle = errorStyle
    }
}

extension Worksheet {
    /// Applies a data-validation rule to a range (zero-based, inclusive). Blank cells are always allowed.
    public func dataValidation(_ firstRow: Int, _ firstCol: Int, _ lastRow: Int, _ lastCol: Int,
                               _ v: DataValidation) throws {
        var dv = lxw_data_validation()
        dv.ignore_blank = UInt8(LXW_VALIDATION_ON.rawValue)
        switch v.errorStyle {
        case .stop: dv.error_type = UInt8(LXW_VALIDATION_ERROR_TYPE_STOP.rawValue)
        case .warning: dv.error_type = UInt8(LXW_VALIDATION_ERROR_TYPE_WARNING.rawValue)
        case .information: dv.error_type = UInt8(LXW_VALIDATION_ERROR_TYPE_INFORMATION.rawValue)
        }
        func bounds(_ min: Double?, _ max: Double?) {
            switch (min, max) {
            case let (lo?, hi?):
                dv.criteria = UInt8(LXW_VALIDATION_CRITERIA_BETWEEN.rawValue); dv.minimum_number = lo; dv.maximum_number = hi
            case let (lo?, nil):
                dv.criteria = UInt8(LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO.rawValue); dv.value_number = lo
            case let (nil, hi?):
                dv.criteria = UInt8(LXW_VALIDATION_CRITERIA_LESS_THAN_OR_EQUAL_TO.rawValue); dv.value_number = hi
            case (nil, nil):
                dv.criteria = UInt8(LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO.rawValue); dv.value_number = -1e300
            }
        }
        func lxwDay(_ d: DataValidation.Day) -> lxw_datetime {
            lxw_datetime(year: Int32(d.year), month: Int32(d.month), day: Int32(d.day), hour: 0, min: 0, sec: 0)
        }
        // Every string is copied by libxlsxwriter during the call, so C strings scoped to it are enough.
        var owned: [UnsafeMutablePointer<CChar>?] = []
        defer { owned.forEach { free($0) } }
        func c(_ s: String) -> UnsafeMutablePointer<CChar>? {
            guard !s.isEmpty else { return nil }
            let p = strdup(s); owned.append(p); return p
        }
        var list: [UnsafeMutablePointer<CChar>?] = []
        switch v.rule {
        case .list(let values):
            dv.validate = UInt8(LXW_VALIDATION_TYPE_LIST.rawValue)
            list = values.map { p in let q = strdup(p); owned.append(q); return q } + [nil]
        case .listRange(let formula):
            dv.validate = UInt8(LXW_VALIDATION_TYPE_LIST_FORMULA.rawValue)
            dv.value_formula = c(formula)
        case .integer(let lo, let hi):
            dv.validate = UInt8(LXW_VALIDATION_TYPE_INTEGER.rawValue); bounds(lo, hi)
        case .decimal(let lo, let hi):
            dv.validate = UInt8(LXW_VALIDATION_TYPE_DECIMAL.rawValue); bounds(lo, hi)
        case .date(let from, let to):
            dv.validate = UInt8(LXW_VALIDATION_TYPE_DATE.rawValue)
            dv.criteria = UInt8(LXW_VALIDATION_CRITERIA_BETWEEN.rawValue)
            dv.minimum_datetime = lxwDay(from); dv.maximum_datetime = lxwDay(to)
        case .any:
            dv.validate = UInt8(LXW_VALIDATION_TYPE_ANY.rawValue)
        }
        dv.input_title = c(v.inputTitle); dv.input_message = c(v.inputMessage)
        dv.error_title = c(v.errorTitle); dv.error_message = c(v.errorMessage)
        let err: lxw_error = list.withUnsafeMutableBufferPointer { buffer in
            if !buffer.isEmpty { dv.value_list = buffer.baseAddress }
            return worksheet_data_validation_range(handle, lxw_row_t(clamping: firstRow), lxw_col_t(clamping: firstCol),
                                                   lxw_row_t(clamping: lastRow), lxw_col_t(clamping: lastCol), &dv)
        }
        try check(err, "worksheet_data_validation_range", sheet: name,
                  cell: cellName(row: firstRow, col: firstCol) + ":" + cellName(row: lastRow, col: lastCol))
    }

    /// Hides the sheet (e.g. one that only holds drop-down lists). The active sheet cannot be hidden.
    public func hide() { worksheet_hide(handle) }
}
