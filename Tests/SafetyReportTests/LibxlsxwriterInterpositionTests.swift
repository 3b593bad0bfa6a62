// libxlsxwriter's XML attributes, cells and constant-memory sheets' frees, done by CMemoryParts: the same bytes, less work.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct LibxlsxwriterInterpositionTests {
    /// The test binary, like `safety-report`, defines lxw_new_attribute_* and lxw_worksheet_free, so libxlsxwriter's
    /// calls through its PLT reach CMemoryParts; writing a village workbook goes through both.
    @Test func bothInterpositionsTakeEffect() throws {
        #expect(Workbook.attributesInterposed)
        #expect(Workbook.sheetFreeInterposed)
        #expect(Workbook.cellWritersInterposed)
        #expect(Workbook.hashInterposed)
        #expect(Workbook.themeInterposed)
        #expect(Workbook.sharedStringsInterposed)
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let attributes = Workbook.attributesMade, arrays = Workbook.sheetArraysFreed, cells = Workbook.cellsWritten
        let named = Workbook.cellsNamed, recycled = Workbook.attributesRecycled, data = Workbook.dataElementsWritten
        let hashed = Workbook.keysHashed, themes = Workbook.themesCopied, strings = Workbook.sharedStringsWritten
        try VillageWorkbook.write(report, village: report.villages[0], shared: VillageWorkbook.Shared(report),
                                  to: dir + "/v.xlsx", partsInMemory: true)
        // Hundreds of attributes; one constant-memory sheet (需更正数据); its numbers and strings.
        #expect(Workbook.attributesMade - attributes > 300)
        #expect(Workbook.sheetArraysFreed - arrays == 1)
        #expect(Workbook.cellsWritten - cells > 50)
        #expect(Workbook.cellsNamed - named > 50)
        // Most attributes go back to the pool once their tag is written (a few go through lxw_xml_data_element).
        #expect(Workbook.attributesRecycled - recycled > (Workbook.attributesMade - attributes) / 2)
        // The document properties (the shared strings are written by shared_strings.c).
        #expect(Workbook.dataElementsWritten - data > 3)
        #expect(Workbook.sharedStringsWritten - strings > 20)
        // Each format's key, looked up and inserted when first used, and the styles part's fonts, fills and borders.
        #expect(Workbook.keysHashed - hashed > 20)
        // The theme, from the one copy of its constant XML.
        #expect(Workbook.themesCopied - themes == 1)
    }

    /// "%.16G" reals made on one thread again and again: integral ones written as digits, the others' remembered text
    /// (256 slots, so 1,000 values evict one another) is what libxlsxwriter's own lxw_new_attribute_dbl writes, every time.
    @Test func rememberedRealsAreTheLibrarysOwn() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [8.43, 8.43, 12.5, 0.7, 0.75, 1, 0.3, 0.1 + 0.2, -0.0, 0, 1e300, .infinity, .nan]
        for _ in 0..<500 {
            values.append(Double(bitPattern: generator.next()))
            values.append(Double(Int.random(in: 0..<100_000)) / 10_000)
            values.append(Double(Int.random(in: -2_000_000_000_000_000...2_000_000_000_000_000)))
        }
        values += [1e15 - 1, 1e15, -(1e15 - 1), -1e15, 11, 12.0, -3, 4503599627370496, 9.5, 1e16]
        for _ in 0..<3 {
            for x in values {
                let library = try #require(Workbook.attributeForTests(key: "w", .real(x), libraryOwn: true))
                let ours = try #require(Workbook.attributeForTests(key: "w", .real(x), libraryOwn: false))
                if ours != library { Issue.record("\(x.bitPattern): \(ours.1) against \(library.1)") }
            }
        }
    }

    /// Cell names as libxlsxwriter's lxw_rowcol_to_cell writes them: every column (one, two and three letters, the
    /// carries at Z, AZ, ZZ and the last, XFD) and rows at every digit count up to the last, 1,048,576; past the
    /// sheet's limits the call is libxlsxwriter's own, whatever it writes.
    @Test func cellNamesAreTheLibrarysOwn() {
        var checked = 0
        for column in UInt16(0)..<UInt16(16_384) {
            for row: UInt32 in [0, 8, 9, 99, 12_345, 1_048_575] where column % 7 == 0 || row == 0 {
                let ours = Workbook.cellNameForTests(row: row, column: column, libraryOwn: false)
                let library = Workbook.cellNameForTests(row: row, column: column, libraryOwn: true)
                if ours != library { Issue.record("row \(row), column \(column): \(ours) against \(library)") }
                checked += 1
            }
        }
        #expect(checked > 16_384)
        #expect(Workbook.cellNameForTests(row: 0, column: 0, libraryOwn: false) == "A1")
        #expect(Workbook.cellNameForTests(row: 1_048_575, column: 16_383, libraryOwn: false) == "XFD1048576")
        #expect(Workbook.cellNameForTests(row: 11, column: 27, libraryOwn: false) == "AB12")
        for (row, column) in [(UInt32(1_048_576), UInt16(0)), (0, 16_384), (4_000_000_000, 65_535)] {
            #expect(Workbook.cellNameForTests(row: row, column: column, libraryOwn: false)
                    == Workbook.cellNameForTests(row: row, column: column, libraryOwn: true))
        }
    }

    static let attributeCases: [(String, Workbook.AttributeValue)] = [
        ("r", .text("A1")), ("t", .text("")), ("s", .text("青石镇 & <东湖村> \"引号\"")),
        ("k", .text(String(repeating: "x", count: 2078))), ("k", .text(String(repeating: "x", count: 2079))),
        ("k", .text(String(repeating: "y", count: 2080))), ("k", .text(String(repeating: "z", count: 5000))),
        (String(repeating: "键", count: 900), .text("v")),
        ("s", .number(0)), ("s", .number(7)), ("ht", .number(10)), ("n", .number(1_048_575)),
        ("n", .number(2_147_483_647)), ("n", .number(2_147_483_648)), ("n", .number(4_294_967_295)),
        ("w", .real(0)), ("w", .real(8.43)), ("w", .real(-0.5)), ("w", .real(1e20)), ("w", .real(1.0 / 3)),
        ("w", .real(123_456_789_012_345_678)),
        // The same reals again (their text is remembered per thread), and values that share a slot's neighbourhood.
        ("w", .real(8.43)), ("w", .real(1.0 / 3)), ("w", .real(-0.0)), ("w", .real(0.1 + 0.2)), ("w", .real(0.3)),
        ("w", .real(.infinity)), ("w", .real(-.infinity)), ("w", .real(.nan)), ("w", .real(5e-324)), ("w", .real(8.43)),
    ]

    /// Each kind of attribute as libxlsxwriter's own functions make it: text up to and past its 2,079-byte limit
    /// (cut at the same byte), CJK text, numbers as "%d" of the uint32_t (2^31 and above come out negative, as in
    /// libxlsxwriter), and "%.16G" reals. (Cases by index, so that the log does not print 5,000-character values.)
    @Test(arguments: attributeCases.indices)
    func attributesAreTheLibrarysOwn(index: Int) throws {
        let (key, value) = Self.attributeCases[index]
        let library = try #require(Workbook.attributeForTests(key: key, value, libraryOwn: true))
        let ours = try #require(Workbook.attributeForTests(key: key, value, libraryOwn: false))
        #expect(ours.0 == library.0)
        #expect(ours.1 == library.1)
    }

    /// Tags written through CMemoryParts' 1 KB buffer (a tag's pieces handed to the FILE at once) are the bytes
    /// libxlsxwriter's own writers make: tags with no attribute up to forty, values that need escaping, and tags and
    /// data longer than the buffer, whole or cut at one of its edges.
    @Test func tagsAreTheLibrarysOwn() throws {
        let values = ["", "1", "a&b<c>d\"e\nf", "青石镇东湖村", String(repeating: "x", count: 1_000),
                      String(repeating: "&", count: 300), String(repeating: "y", count: 2_079), String(repeating: "长", count: 3_000)]
        var checked = 0
        for kind in Workbook.TagKind.allCases {
            for tag in ["c", "worksheet", String(repeating: "t", count: 1_030)] {
                for value in values {
                    for count in [0, 1, 3, 40] {
                        guard let library = Workbook.tagForTests(kind, tag: tag, key: "k", value: value, count: count,
                                                                 libraryOwn: true) else { return }  // off glibc
                        let ours = Workbook.tagForTests(kind, tag: tag, key: "k", value: value, count: count, libraryOwn: false)
                        if ours != library {
                            Issue.record("\(kind) <\(tag.prefix(10))> \(count) × \(value.prefix(10)) (\(value.utf8.count) bytes)")
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 4 * 3 * values.count * 4)
        #expect(Workbook.tagForTests(.empty, tag: "c", key: "r", value: "A&1", count: 2, libraryOwn: false)
                == "<c r=\"A&amp;1\" r=\"A&amp;1\"/>")
        #expect(Workbook.tagForTests(.dataElement, tag: "t", key: "k", value: "<a>", count: 0, libraryOwn: false)
                == "<t>&lt;a&gt;</t>")
    }

    /// Cells of every kind, in a constant-memory sheet (inline strings, written by libxlsxwriter itself) and a normal
    /// one (shared strings), with and without a format, and attributes that need escaping: the same workbook as
    /// libxlsxwriter's own writers (fprintf) make.
    @Test func cellsAreTheLibrarysOwn() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let texts = ["a", " 前后空格 ", "\t制表", "换行\n", "x\r", "&<>\"'", "a&b<c>d", "&", "<", ">>", "青石镇东湖村",
                     "&amp;", "]]>", "<t>", "a>b&", ">",
                     "=SUM(A1)", "𠀋 emoji 😀", String(repeating: "长", count: 3000), "end "]
        let numbers: [Double] = [0, -0.0, 1, -1, 7, 42.5, 0.1, 1.0 / 3, -2.5e-7, 123_456_789_012_345, 999_999_999_999_999,
                                 1e15, 1e16, -1e15, 4.5e15, 1e300, .infinity, -.infinity, 2_147_483_648, -9_007_199_254_740_993]
        func write(_ name: String) throws {
            let wb = try Workbook(path: dir + "/" + name, partsInMemory: true)
            // A fixed creation time: left to libxlsxwriter, core.xml carries the clock's second, and the two files
            // differed whenever their writes straddled one (a flaky failure in CI, twelfth session).
            try wb.setProperties(DocumentProperties(created: 1_790_000_000))
            let format = try wb.addFormat(FormatSpec(bold: true, numberFormat: "0.00"))
            // Attribute values that need escaping: a sheet name, data-validation prompts and a list.
            let named = try wb.addWorksheet("R&D <\"表\">")
            try named.dataValidation(0, 0, 9, 0, DataValidation(.list(["甲&乙", "<丙>", "\"丁\""]), inputTitle: "A & B",
                                                                inputMessage: "第一行\n第二行 \"引号\" <尖括号> & 和",
                                                                errorTitle: "错误>", errorMessage: "只能选 \"甲&乙\"\n或其他"))
            for constant in [true, false] {
                let ws = try wb.addWorksheet(constant ? "常量内存" : "普通", constantMemory: constant)
                for (r, t) in texts.enumerated() {
                    try ws.write(r, 0, text: t)
                    try ws.write(r, 1, text: t, format)
                }
                for (r, x) in numbers.enumerated() {
                    try ws.write(texts.count + r, 0, number: x)
                    try ws.write(texts.count + r, 2, number: x, format)
                    try ws.write(texts.count + r, 16_383, number: x)
                }
            }
            try wb.close()
        }
        let cells = Workbook.cellsWritten
        try write("ours.xlsx")
        // The normal sheet's shared strings and both sheets' numbers; not the constant-memory sheet's inline strings.
        #expect(Workbook.cellsWritten - cells == 2 * texts.count + 2 * 3 * numbers.count)
        // Every writer of CMemoryParts off: cells, cell names, attributes, tags and data elements (shared strings).
        Workbook.disableCellWriters(true)
        Workbook.disableAttributeInterposition(true)
        Workbook.disableHashInterposition(true)
        Workbook.disableThemeInterposition(true)
        Workbook.disableSharedStringsWriter(true)
        defer {
            Workbook.disableCellWriters(false); Workbook.disableAttributeInterposition(false)
            Workbook.disableHashInterposition(false); Workbook.disableThemeInterposition(false)
            Workbook.disableSharedStringsWriter(false)
        }
        try write("library.xlsx")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/ours.xlsx")) == Data(contentsOf: URL(fileURLWithPath: dir + "/library.xlsx")))
        let ours = try XlsxParts(path: dir + "/ours.xlsx"), library = try XlsxParts(path: dir + "/library.xlsx")
        #expect(ours.sheet("常量内存") == library.sheet("常量内存"))
        #expect(ours["xl/workbook.xml"].contains("name=\"R&amp;D &lt;&quot;表&quot;&gt;\""))
        #expect(ours.sheet("R&D <\"表\">").contains("prompt=\"第一行&#xA;第二行 &quot;引号&quot; &lt;尖括号&gt; &amp; 和\""))
        #expect(ours.sheet("普通") == library.sheet("普通"))
        #expect(ours.sheet("常量内存").contains("xml:space=\"preserve\">前后空格") == false)
        #expect(ours.sheet("常量内存").contains("<t xml:space=\"preserve\"> 前后空格 </t>"))
    }

    /// Whole workbooks: a village workbook and the town workbook are the same bytes whether their attributes and
    /// cells are made here or by libxlsxwriter.
    @Test func workbooksAreTheSameBytesEitherWay() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        for interposed in [true, false] {
            Workbook.disableAttributeInterposition(!interposed)
            Workbook.disableCellWriters(!interposed)
            Workbook.disableHashInterposition(!interposed)
            Workbook.disableThemeInterposition(!interposed)
            Workbook.disableSheetArrayPool(!interposed)
            Workbook.disableSharedStringsWriter(!interposed)
            defer {
                Workbook.disableAttributeInterposition(false); Workbook.disableCellWriters(false)
                Workbook.disableHashInterposition(false); Workbook.disableThemeInterposition(false)
                Workbook.disableSheetArrayPool(false); Workbook.disableSharedStringsWriter(false)
            }
            let strings = Workbook.sharedStringsWritten
            let made = Workbook.attributesMade, themes = Workbook.themesCopied, reused = Workbook.constantPartsReused
            let kept = Workbook.sheetArraysReused
            try TownWorkbook.write(report, to: dir + "/town-\(interposed).xlsx", partsInMemory: true)
            for v in report.villages {
                try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-\(interposed).xlsx",
                                          partsInMemory: true)
            }
            #expect((Workbook.attributesMade > made) == interposed)
            #expect((Workbook.themesCopied > themes) == interposed)
            #expect((Workbook.sharedStringsWritten > strings) == interposed)
            // From the second village workbook on, its relationships and content types parts come from memory.
            let reusedHere = Workbook.constantPartsReused - reused
            #expect(interposed ? reusedHere >= 3 * (report.villages.count - 1) : reusedHere == 0)
            // Every village workbook's constant-memory sheet (需更正数据) after the first takes the array kept from the
            // workbook before.
            let keptHere = Workbook.sheetArraysReused - kept
            #expect(interposed ? keptHere >= report.villages.count - 1 : keptHere == 0)
        }
        #expect(try bytes(dir + "/town-true.xlsx") == bytes(dir + "/town-false.xlsx"))
        for v in report.villages {
            let code = v.village.code
            #expect(try bytes(dir + "/\(code)-true.xlsx") == bytes(dir + "/\(code)-false.xlsx"), "\(code)")
        }
    }

    /// The shared strings part as libxlsxwriter 1.1.4's own _write_sst_strings writes it (with its own tags, data
    /// elements and attributes too): every control character 0x01–0x1F but the tab and the line feed as `_xHHHH_`,
    /// & < > as entities (" and ' as they are), `xml:space="preserve"` when the text, its control characters escaped,
    /// starts or ends with a space, tab, line feed or carriage return (isspace), CJK and non-BMP text as its UTF-8,
    /// and strings longer than the writer's 16 KB buffer, escaped or not, across its edges.
    @Test func sharedStringsAreTheLibrarysOwn() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var texts = ["a", " lead", "trail ", " both ", "\tTab", "tab\t", "\nline", "line\n", "\rcr", "cr\r", "mid\r\ncr",
                     "\u{01}start", "end\u{1F}", "\u{0B}\u{0C}\u{0D}", "a\u{08}b\u{0E}c\u{1B}d", " \u{07}", "\u{07} ", "\u{7F}del",
                     "&<>\"'", "a&b<c>d", "&amp;", "_x0041_", "]]>", "\u{3000}全角空格\u{3000}", "\u{A0}nbsp\u{A0}",
                     "青石镇 & <东湖村>", "𠀋 emoji 😀", "😀", "\u{01}", " ", "\t", "=SUM(A1)", "x\u{1F}&\u{01}<"]
        for n in [16_000, 16_377, 16_378, 16_379, 16_384, 20_000] { texts.append(String(repeating: "y", count: n)) }
        texts.append(String(repeating: "&", count: 5_000))
        texts.append(String(repeating: "\u{02}", count: 4_000))
        texts.append(String(repeating: "长", count: 7_000) + " ")
        texts.append(String(repeating: "长", count: 10_000))
        func write(_ name: String) throws -> String {
            let wb = try Workbook(path: dir + "/" + name, partsInMemory: true)
            try wb.setProperties(DocumentProperties(created: 1_790_000_000))
            let ws = try wb.addWorksheet("表")
            for (r, t) in texts.enumerated() {
                try ws.write(r, 0, text: t)
                try ws.write(r, 1, text: t)  // the same string again: one shared string, counted twice
            }
            try wb.close()
            return try XlsxParts(path: dir + "/" + name)["xl/sharedStrings.xml"]
        }
        let strings = Workbook.sharedStringsWritten
        let ours = try write("ours.xlsx")
        #expect(Workbook.sharedStringsWritten - strings == texts.count)
        let library: String
        do {
            // Every writer of CMemoryParts off: libxlsxwriter's own _write_si, tags, data elements and attributes.
            Workbook.disableSharedStringsWriter(true); Workbook.disableAttributeInterposition(true)
            Workbook.disableCellWriters(true)
            defer {
                Workbook.disableSharedStringsWriter(false); Workbook.disableAttributeInterposition(false)
                Workbook.disableCellWriters(false)
            }
            library = try write("library.xlsx")
        }
        #expect(Workbook.sharedStringsWritten - strings == texts.count)
        #expect(library.count > 150_000)
        #expect(ours == library)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/ours.xlsx"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/library.xlsx")))
        // A few strings' XML as libxlsxwriter 1.1.4 writes it (checked against its own output once).
        for expected in ["<si><t>a</t></si>", "<si><t xml:space=\"preserve\"> lead</t></si>",
                         "<si><t xml:space=\"preserve\">tab\t</t></si>", "<si><t xml:space=\"preserve\">\nline</t></si>",
                         "<si><t>_x000D_cr</t></si>", "<si><t>cr_x000D_</t></si>", "<si><t>mid_x000D_\ncr</t></si>",
                         "<si><t>_x000B__x000C__x000D_</t></si>", "<si><t>a_x0008_b_x000E_c_x001B_d</t></si>",
                         "<si><t xml:space=\"preserve\"> _x0007_</t></si>", "<si><t xml:space=\"preserve\">_x0007_ </t></si>",
                         "<si><t>end_x001F_</t></si>",
                         "<si><t>&amp;&lt;&gt;\"'</t></si>", "<si><t>x_x001F_&amp;_x0001_&lt;</t></si>",
                         "<si><t>\u{7F}del</t></si>", "<si><t>𠀋 emoji 😀</t></si>", "<si><t>&amp;amp;</t></si>"] {
            #expect(ours.contains(expected), "\(expected)")
        }
        #expect(ours.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns="))
        #expect(ours.contains("count=\"\(2 * texts.count)\" uniqueCount=\"\(texts.count)\">"))
    }

    /// lxw_utf8_strlen (worksheet_write_string's length check) counts what libxlsxwriter's own counts, for every prefix
    /// of random bytes, CJK-like text and ASCII, and for every single byte.
    @Test func utf8LengthsAreTheLibrarysOwn() {
        #expect(Workbook.utf8LengthsDifferingForTests == 0)
    }

    /// calloc (small_calloc.c): blocks of every small size and a few large ones come back zeroed, even when the block
    /// is one just freed with other bytes in it (the per-thread cache hands it back as it was); a size that overflows
    /// gets nil; libxlsxwriter's calls reach it. (Sanitizer builds keep their runtime's calloc.)
    @Test func callocGivesZeroedBlocks() throws {
        let sanitized = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil
            || ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil
        if !sanitized { #expect(Workbook.callocInterposed) }
        for size in Array(0...1_100) + [1_500, 4_096, 65_536, 200_000, 3_000_000] {
            for count in [1, 3] where size * count <= 3_000_000 {
                let dirty = try #require(malloc(size * count + 1))
                memset(dirty, 0xAB, size * count + 1)
                free(dirty)
                let block = try #require(calloc(count, size))
                let bytes = block.assumingMemoryBound(to: UInt8.self)
                if (0..<(size * count)).contains(where: { bytes[$0] != 0 }) { Issue.record("calloc(\(count), \(size))") }
                free(block)
            }
        }
        #expect(calloc(Int.max, 2) == nil)
        #expect(calloc(2, Int.max / 2 + 1) == nil)
        let small = Workbook.smallCallocs
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        try VillageWorkbook.write(report, village: report.villages[0], shared: VillageWorkbook.Shared(report),
                                  to: dir + "/v.xlsx", partsInMemory: true)
        if Workbook.callocInterposed { #expect(Workbook.smallCallocs - small > 300) }
    }

    /// Relationships and content types parts written from memory are libxlsxwriter's own text (and leave the next
    /// rId where libxlsxwriter's own function leaves it), for lists of many shapes, made and then remembered.
    @Test func constantPartsAreTheLibrarysOwn() {
        #expect(Workbook.constantPartsDifferingForTests == 0)
    }

    /// Styles parts written from memory are libxlsxwriter's own text, for 48 shapes of counts and cell and
    /// conditional formats (every other one a single field away from the one before), made and then remembered; in whole workbooks,
    /// a second workbook with the same formats takes its styles part from memory, and it is libxlsxwriter's.
    @Test func stylesAreTheLibrarysOwn() throws {
        #expect(Workbook.stylesDifferingForTests == 0)
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func styles(_ name: String, red: Bool) throws -> String {
            let wb = try Workbook(path: dir + "/" + name, partsInMemory: true)
            let ws = try wb.addWorksheet("表")
            try ws.write(0, 0, text: "样式", wb.addFormat(.init(bold: true, fontColor: red ? 0xC00000 : 0x00B050)))
            try ws.write(1, 0, number: 0.25, wb.addFormat(.init(border: true, numberFormat: "0.0%")))
            try wb.close()
            return try XlsxParts(path: dir + "/" + name)["xl/styles.xml"]
        }
        let reused = Workbook.stylesReused
        let first = try styles("first.xlsx", red: true), again = try styles("again.xlsx", red: true)
        let other = try styles("other.xlsx", red: false)
        if Workbook.themeInterposed { #expect(Workbook.stylesReused - reused == 1) }
        Workbook.disableThemeInterposition(true)
        defer { Workbook.disableThemeInterposition(false) }
        let library = try styles("library.xlsx", red: true), libraryOther = try styles("library-other.xlsx", red: false)
        #expect(library.contains("FFC00000"))
        #expect(first == library)
        #expect(again == library)
        #expect(other == libraryOther)
        #expect(other != library)
    }

    /// The theme written from its one copy is libxlsxwriter's own text, in the first workbook of a thread and in the
    /// ones after it.
    @Test func theThemeIsTheLibrarysOwn() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func theme(_ name: String) throws -> String {
            let wb = try Workbook(path: dir + "/" + name, partsInMemory: true)
            try wb.addWorksheet("表").write(0, 0, text: "主题")
            try wb.close()
            return try XlsxParts(path: dir + "/" + name)["xl/theme/theme1.xml"]
        }
        let copied = Workbook.themesCopied
        let first = try theme("first.xlsx"), again = try theme("again.xlsx")
        #expect(Workbook.themesCopied - copied == 2)
        Workbook.disableThemeInterposition(true)
        defer { Workbook.disableThemeInterposition(false) }
        let library = try theme("library.xlsx")
        #expect(Workbook.themesCopied - copied == 2)
        #expect(library.count > 6_000)
        #expect(first == library)
        #expect(again == library)
    }

    /// A constant-memory sheet dropped before `close` still holds its current row's cells: they are freed (by
    /// libxlsxwriter's own _free_cell) with the array, and the next workbook on the thread, which takes that array
    /// (kept, emptied), is whole.
    @Test func anUnclosedConstantMemorySheetFreesItsCells() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arrays = Workbook.sheetArraysFreed
        do {
            let wb = try Workbook(path: dir + "/dropped.xlsx", partsInMemory: true)
            let ws = try wb.addWorksheet("表", constantMemory: true)
            try ws.write(0, 0, text: "未写出的行")
            try ws.write(0, 5_000, number: 42)
            try ws.write(0, 16_383, text: "最后一列")
        }
        #expect(Workbook.sheetArraysFreed - arrays == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/dropped.xlsx"))
        let reused = Workbook.sheetArraysReused
        let wb = try Workbook(path: dir + "/kept.xlsx", partsInMemory: true)
        let ws = try wb.addWorksheet("表", constantMemory: true)
        #expect(Workbook.sheetArraysReused - reused == 1)
        for r in 0..<3 { try ws.write(r, 0, text: "第\(r + 1)行"); try ws.write(r, 16_383, number: Double(r)) }
        try wb.close()
        #expect(Workbook.sheetArraysFreed - arrays == 2)
        try WrittenWorkbookCheck.verify(path: dir + "/kept.xlsx")
        let sheet = try XlsxParts(path: dir + "/kept.xlsx").sheet("表")
        #expect(sheet.contains("第3行") && sheet.contains("XFD3"))
    }
}
