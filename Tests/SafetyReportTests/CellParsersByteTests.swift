// The byte-level cell path (RecordBytes, RowCells.asciiFolded, CellParsers' ASCII parsers) against the String path it replaces.
import Testing
@testable import SafetyReport

/// One village with a group code of each shape, for the tests that compare the byte path with the String path.
enum ByteCellFixture {
    static let village = Village(code: "330683105201", name: "东湖村", population: 2310, groups: [
        Group(code: "330683105201-01", name: "第一村民小组"), Group(code: "G01", name: "第二村民小组"),
    ])
    static let config = PipelineConfig(town: Town(code: "330683105", name: "青石镇"), villages: [village], keyUnits: [])
    static let context = ValidationContext(period: Period(year: 2026, month: 10)!, folder: village.code,
                                           submitter: .village(village), config: config)
}
private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

/// Cells that sit on the edges of the fast path: full-width forms, every cell space, CR LF, combining
/// marks, BOMs, Chinese dates, signs, grouping, times, long digit runs, labels and keys in other cases.
private let trickyCells: [String] = [
    "", " ", "\t", "  \t ", "\u{3000}", "\u{FEFF}", "\u{00A0}", "\r\n", "\n", "\r", " \r\n ", "\r\n12", "12\r\n", "1\n2",
    "2026-10-05", " 2026-10-05 ", "\t2026/10/5\t", "2026.10.5", "2026-1-5", "20261005", "202610051", "2026105",
    "2026-10-05 08:30:00", "2026-10-05T08:30", "2026-10-05  08:30", "2026-10-05 T08:30", "2026-10-05T", "2026-10-05 ",
    "2026/10/5 0:00", "2026/10/5 25:00", "2026-10-05 08:30:00.5", "2026-10-05 08:30:00.", "2026-10-05 08:30:00.1234567890",
    "2026-10-05 8:3", "2026-10-05 08:30:60", "2026-10-05 08:30:00:00", "2026-10-05 :30", "2026-10-05 08:30.5",
    "2026-02-30", "2025-02-29", "2024-02-29", "0026-10-05", "2026-13-01", "20260230", "2026-10/05", "26-10-05",
    "2026-100-5", "2026-10-5x", "10/05/2026", "2026年10月5日", "2026年1月05号", "２０２６－１０－０５", "２０２６年１０月５日",
    "\u{3000}2026-10-05\u{3000}", "\u{FEFF}2026-10-05", "2026-10-05\u{00A0}", "2026-10-05\u{3000}08:30", "昨天",
    "0", "1", "12", "-3", "+5", "-0", "-", "+", "1,234", "12,345,678", "1,23", ",123", "1,", "1,,234", "1234,567",
    "-1,234", "0001", "123456789012345", "1234567890123456", "99999999999999999999999", "1e5", "1.5", ".5", "5.", "-.5",
    "1.2.3", "1,234.5", "1,23.5", "0.25", "+.", ".", "１２", "１，２３４", "1 234", "12 ", " 12", "\u{3000}12\u{3000}",
    "\u{00A0}3", "3\u{0301}", " \u{0301}1", "a\u{0301}", "y", "Y", "yes", "YES", "Yes", "true", "TRUE", "n", "NO", "False",
    "是", "否", "√", "×", "ｙｅｓ", "yess", "G01", "g01", "Ｇ０１", "330683105201-01", "-abc", "_abc", "a_b-c",
    String(repeating: "a", count: 32), String(repeating: "a", count: 33), "a b", "a.b",
    "培训", "培训 ", " 培训", "training", "Training", "TRAINING", "ＴＲＡＩＮＩＮＧ", "讲座", "drill", "演练", "培 训",
    "已整改", "整改中", "未整改", "rectified", "in_progress", "in progress", "一般", "重大", "major", "村民", "学生", "villagers",
    " 2026年10月5日\t", "2026年10月05日", "2026年2月30日", "2025年2月29日", "2026年10月5号", "2026年10月5日 0:00", "2026年10月5",
    "2026年100月5日", "20261年1月1日", "226年1月1日", "2026年10月5日日", "2026年10月日", "2026年月5日", "2026年10月5日\r\n",
    "\u{3000}2026年10月5日", "2026年10月5日\u{0301}", "2026年1０月5日", "2026-10月5日", "2026年10-5日", "2026年13月1日",
]

/// A record of one field lent as bytes, the way the reader lends it.
private func withCell<R>(_ cell: String, _ body: (RecordBytes) -> R) -> R {
    RawRecords([RawRecord(line: 2, fields: [cell])]).withRecordBytes(0, body)
}

private func frame(byteLevel: Bool) -> RowCells.Frame {
    RowCells.Frame(mapping: ColumnMapping(index: ["cell": 0]), schema: FileKind.hazards.schema, context: context,
                   fileName: "hazards.csv", byteLevel: byteLevel)
}

/// Everything every accessor decides about `cell`, issues included.
private struct Verdicts: Equatable {
    var raw = "", text = "", folded = ""
    var date: Parsed<Day> = .empty, count: Parsed<Int> = .empty, amount: Parsed<Double> = .empty
    var boolean: Parsed<Bool> = .empty, code: Parsed<String> = .empty, group: String?? = nil
    var status: Parsed<HazardStatus> = .empty, form: Parsed<TrainingForm> = .empty, audience: Parsed<Audience> = .empty
    var category: Parsed<HazardCategory> = .empty, level: Parsed<HazardLevel> = .empty, party: Parsed<PartyType> = .empty
    var inPeriod: Day?
    var issues: [ValidationIssue] = []
}

private func verdicts(_ cell: String, byteLevel: Bool) -> Verdicts {
    let f = frame(byteLevel: byteLevel)
    return withCell(cell) { record in
        var c = RowCells(record: record, frame: f)
        var v = Verdicts()
        v.raw = c.raw("cell"); v.text = c.text("cell"); v.folded = c.folded("cell")
        v.date = c.date("cell"); v.count = c.count("cell"); v.amount = c.amount("cell")
        v.boolean = c.boolean("cell"); v.code = c.code("cell"); v.group = c.groupCode("cell")
        v.status = c.enumeration("cell", as: HazardStatus.self, kind: .hazardStatus)
        v.form = c.enumeration("cell", as: TrainingForm.self, kind: .trainingForm)
        v.audience = c.enumeration("cell", as: Audience.self, kind: .audience)
        v.category = c.enumeration("cell", as: HazardCategory.self, kind: .hazardCategory)
        v.level = c.enumeration("cell", as: HazardLevel.self, kind: .hazardLevel)
        v.party = c.enumeration("cell", as: PartyType.self, kind: .partyType)
        v.inPeriod = c.requiredDateInPeriod("cell")
        v.issues = c.issues
        return v
    }
}

@Suite struct CellParsersByteTests {
    /// The frame's column lookup (constant words first, absent columns included, then a String compare) finds what
    /// the header mapping holds, for every kind with each column dropped in turn and with every other one kept,
    /// asked with the schema's own literals and with freshly built copies of them (other words, same text).
    @Test func columnLookupAgreesWithTheMapping() {
        for kind in FileKind.allCases {
            let keys = kind.schema.columns.map(\.key)
            var subsets = keys.indices.map { drop in keys.enumerated().filter { $0.offset != drop }.map(\.element) }
            subsets.append(keys.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            subsets.append(keys)
            for kept in subsets {
                // Columns in reverse order, so an index is never its place in the schema by accident.
                let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: kept.reversed().enumerated().map { ($1, $0) }))
                let frame = RowCells.Frame(mapping: mapping, schema: kind.schema, context: context, fileName: kind.fileName)
                for key in keys + ["no_such_column", "备注"] {
                    let copy = String(decoding: Array(key.utf8), as: UTF8.self)
                    #expect(frame.index(key) == mapping.index[key], "\(kind) \(kept) \(key)")
                    #expect(frame.index(copy) == mapping.index[key], "\(kind) \(kept) copy of \(key)")
                }
            }
        }
    }

    @Test(arguments: trickyCells)
    func bytePathDecidesAsTheStringPath(cell: String) {
        let fast = verdicts(cell, byteLevel: true), slow = verdicts(cell, byteLevel: false)
        #expect(fast == slow, "cell \(cell.debugDescription)")
        #expect(fast.folded == CellParsers.fold(cell))
        #expect(fast.raw == cell)
    }

    /// The tricky cells as a GB18030 clerk's file holds them, decoded back: the byte path sees the decoder's output.
    @Test func gb18030DecodedCellsDecideAsTheStringPath() throws {
        for cell in trickyCells where !cell.unicodeScalars.contains(where: { $0.value == 0xFEFF }) {
            let gb = try Iconv.convert(Array(cell.utf8), from: "UTF-8", to: "GB18030")
            let decoded = String(decoding: try Iconv.convert(gb, from: "GB18030", to: "UTF-8"), as: UTF8.self)
            #expect(decoded == cell)
            #expect(verdicts(decoded, byteLevel: true) == verdicts(decoded, byteLevel: false), "cell \(cell.debugDescription)")
        }
    }

    /// Random cells over an alphabet of the characters the parsers look at, near-misses included.
    @Test func randomCellsDecideAsTheStringPath() {
        let alphabet: [String] = ["0", "1", "2", "5", "9", "2026", "10", "05", "-", "/", ".", ":", ",", "+", " ", "\t", "T",
                                  "年", "月", "日", "号", "\u{3000}", "０", "５", "－", "y", "E", "s", "_", "a", "Z", "是", "培训", "\r", "\n"]
        var seed: UInt64 = 0x5eed
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        var mismatches: [String] = []
        for _ in 0..<4000 {
            let cell = (0..<next(12)).map { _ in alphabet[next(alphabet.count)] }.joined()
            if verdicts(cell, byteLevel: true) != verdicts(cell, byteLevel: false) { mismatches.append(cell) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.debugDescription))")
    }

    /// The byte path takes a cell equal to a label or key as that value, which is right only while
    /// every label and key is its own folded form.
    @Test func everyLabelAndKeyIsItsOwnFoldedForm() {
        for kind in [EnumKind.hazardCategory, .hazardLevel, .hazardStatus, .partyType, .trainingForm, .audience] {
            for choice in kind.choices {
                #expect(Array(CellParsers.fold(choice.label).utf8) == Array(choice.label.utf8))
                #expect(Array(CellParsers.fold(choice.key).utf8) == Array(choice.key.utf8))
            }
        }
    }

    /// The byte path reads an ASCII cell as a key in any letter case (`sameBytesIgnoringASCIICase`), which is
    /// `CellParsers.enumeration`'s verdict only while every key is lowercase ASCII and no label is ASCII or
    /// canonically equivalent to an ASCII string (the String path compares labels with `==`).
    @Test func keysAreLowercaseASCIIAndNoLabelIsASCII() {
        for kind in [EnumKind.hazardCategory, .hazardLevel, .hazardStatus, .partyType, .trainingForm, .audience] {
            for choice in kind.choices {
                #expect(choice.key.utf8.allSatisfy { $0 < 0x80 } && choice.key == choice.key.lowercased(), "\(choice.key)")
                #expect(choice.label.decomposedStringWithCanonicalMapping.unicodeScalars.contains { !$0.isASCII }, "\(choice.label)")
            }
        }
    }

    /// Every label and key of every enumeration, in random letter case, between random cell spaces, with
    /// near misses (a letter dropped or doubled, a full-width letter, a space inside, a Chinese piece): the byte
    /// path's value and issues are the String path's.
    @Test func enumerationKeysInAnyCaseDecideAsTheStringPath() {
        var seed: UInt64 = 0xCA5E
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let names = [EnumKind.hazardCategory, .hazardLevel, .hazardStatus, .partyType, .trainingForm, .audience]
            .flatMap(\.choices).flatMap { [$0.key, $0.label] }
        let edges = ["", "", " ", "\t", "  ", "\u{3000}", "\u{00A0}", "\r\n", "\u{FEFF}"]
        var mismatches: [String] = []
        for _ in 0..<3000 {
            var core = String(names[next(names.count)].map { c in
                next(2) == 0 ? Character(c.uppercased()) : c
            })
            switch next(8) {
            case 0: if !core.isEmpty { core.remove(at: core.index(core.startIndex, offsetBy: next(core.count))) }
            case 1: core += "s"
            case 2: core = "Ａ" + core
            case 3: core.insert(" ", at: core.index(core.startIndex, offsetBy: next(core.count + 1)))
            case 4: core += "村"
            default: break
            }
            let cell = edges[next(edges.count)] + core + edges[next(edges.count)]
            if verdicts(cell, byteLevel: true) != verdicts(cell, byteLevel: false) { mismatches.append(cell) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.debugDescription))")
    }

    /// `trimmedCell`'s shortcut (no cell space's bytes at either end) against the Character walk alone,
    /// on cells whose end bytes look like a cell space's (Han characters ending in 0x80, 0xBF, 0xA0; 、〇).
    @Test func trimmedCellShortcutAgreesWithTheCharacterWalk() {
        func walk(_ s: String) -> String {
            var t = Substring(s)
            while let c = t.first, c.isCellSpace { t = t.dropFirst() }
            while let c = t.last, c.isCellSpace { t = t.dropLast() }
            return String(t)
        }
        let han = ["耀", "帀", "〇", "、", "\u{3001}", "﻿x", "¢", "Ā", "\u{00A0}\u{0301}", "\u{3000}\u{0301}", "a\u{3000}\u{0301}"]
        let cells = trickyCells + han + han.map { "\u{3000}" + $0 } + han.map { $0 + " " } + han.map { "村" + $0 }
        for cell in cells {
            #expect(cell.trimmedCell == walk(cell), "cell \(cell.debugDescription)")
        }
    }

    @Test func blankCellsAsTheStringSeesThem() {
        // Every string of up to four pieces over the cell spaces, CR LF, and scalars that join or follow them
        // (a combining mark, ZWJ, a prepend mark, a variation selector), plus the tricky cells.
        let pieces = [" ", "\t", "\r", "\n", "\r\n", "\u{3000}", "\u{FEFF}", "\u{00A0}", "\u{0301}", "\u{200D}",
                      "\u{0600}", "\u{FE0F}", "a", "村"]
        var combos = [""]
        var last = [""]
        for _ in 0..<4 {
            last = last.flatMap { prefix in pieces.map { prefix + $0 } }
            combos += last
        }
        for cell in trickyCells + combos {
            let bytes = Array(cell.utf8)
            let blank = bytes.withUnsafeBufferPointer { RecordBytes.isBlankCell($0) }
            #expect(blank == cell.trimmedCell.isEmpty, "cell \(cell.debugDescription)")
        }
    }

    @Test func recordBytesLendTheFieldsAsWritten() throws {
        let fields = ["2026-10-05", "", "培训", " x ", "a\"b"]
        let records = RawRecords([RawRecord(line: 7, fields: fields), RawRecord(line: 9, fields: ["", " "])])
        #expect(records.withRecordBytes(0) { $0.rawRecord() } == RawRecord(line: 7, fields: fields))
        #expect(records.withRecordBytes(1) { ($0.rawRecord(), $0.isBlank) } == (RawRecord(line: 9, fields: ["", " "]), true))
        #expect(records.withRecordBytes(0) { $0.isBlank } == false)
    }

    /// Headers of the demo's spellings (Chinese, with U+3000 or full-width brackets, keys in any case, with
    /// spaces), blanks, repeats and near misses, shuffled: the byte-level match (near misses decided cell by cell
    /// the String way) gives `HeaderMatcher.match`'s mapping for every header, unknown cells included.
    @Test(arguments: FileKind.allCases)
    func headerSpellingsMatchAsHeaderMatcher(kind: FileKind) {
        let schema = kind.schema
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        func templateSpelling(_ c: ColumnSpec) -> String {
            let mixed = c.key.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "_")
            let wide = c.header.replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            let name = [c.header, c.key, c.key.uppercased(), mixed, wide][next(5)]
            let edges = ["", " ", "  ", "\t", "\u{3000}", "\u{FEFF}", "\u{00A0}"]
            return edges[next(edges.count)] + name + edges[next(edges.count)]
        }
        var unknownCells = 0
        for round in 0..<400 {
            var cells: [String] = []
            for _ in 0..<next(schema.columns.count + 3) {
                cells.append(next(8) == 0 ? ["", " ", "\u{3000}"][next(3)] : templateSpelling(schema.columns[next(schema.columns.count)]))
            }
            let odd = round % 2 == 1
            if odd {
                let c = schema.columns[next(schema.columns.count)]
                let misses = [c.header + "\r\n", "\r\n" + c.key, c.key + "\u{0301}", "\u{0301}" + c.header, "Ｘ", "unknown",
                              c.key.replacingOccurrences(of: "_", with: " "), "Ｈ" + c.key, c.header + "1", "\u{3000}\u{0301}" + c.header]
                cells.insert(misses[next(misses.count)], at: next(cells.count + 1))
            }
            let expected = HeaderMatcher.match(header: cells, schema: schema)
            let fast = RawRecords([RawRecord(line: 1, fields: cells)]).withRecordBytes(0) { HeaderSpellings.of(kind).match($0) }
            #expect(fast == expected, "header \(cells.map(\.debugDescription))")
            if odd && !expected.unknown.isEmpty { unknownCells += 1 }
        }
        // The odd rounds' cells spelled otherwise are decided one by one, the others still from their bytes.
        #expect(unknownCells >= 100)
    }
}
