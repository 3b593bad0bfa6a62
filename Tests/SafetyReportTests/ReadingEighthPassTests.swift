// The eighth reading pass: a row's columns found by slot, one RowCells per file; each against the way before it.
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

/// Keys a frame may be asked for: every schema's, near misses, Chinese headers, a long key (a heap String, whose
/// words are a pointer), and keys made at run time (equal Strings with other words when not small).
private let probeKeys: [String] = FileKind.allCases.flatMap { $0.schema.columns.map(\.key) } + [
    "", "note", "备注", "Theme", "theme ", "group", "hazard", "escalate", "escalated_t", "activity_date_",
    "a_column_key_longer_than_fifteen_bytes", "活动日期", "inspection_date\u{301}",
    String(repeating: "group_code", count: 3), ["hazards", "_found"].joined(), String("theme".reversed().reversed()),
]

/// Cells for the file test: hostile spellings of every type, quotes, BOM, full-width forms, odd and bad dates.
private let cellPool: [String] = [
    "", " ", "\u{3000}", "\u{FEFF}", "2026-10-05", " 2026/10/5 ", "2026.10.5", "20261005", "2026年10月5日", "２０２６－１０－０５",
    "2026-02-30", "2026-10-05 8:30", "2026-09-30", "昨天", "培训", " TRAINING ", "Drill", "讲座", "居民", "students", "x",
    "3", "１２", "-1", "1,234", "99999", "1.5", "-2", "０．５", "G01", " G01 ", "Ｇ０１", "G99", "330683105201-01",
    "\"a,b\"", "\"say \"\"hi\"\"\"", "\"line\nbreak\"", "=1+2", "安全用电一", "「」", "🔥", String(repeating: "长", count: 400),
]

@Suite struct ReadingEighthPassTests {
    /// `index` (the key's slot) answers what the scan of the entries answers (`scanIndex`, the lookup before the
    /// slots) for every probe key, on frames of every kind with columns in random fields, some absent, and extra
    /// keys; and every schema key sits in its own slot, so the validators' lookups never fall back to the scan.
    @Test func columnsAreFoundInTheirSlotsAsByTheScan() {
        var random = SeededRandom(state: 0x8e1)
        for kind in FileKind.allCases {
            let columns = kind.schema.columns
            for trial in 0..<300 {
                var fields = Array(0..<(columns.count + 4)).shuffled(using: &random)
                let found = columns.map { _ in random.next() % 4 == 0 ? -1 : fields.removeLast() }
                let extraKeys = probeKeys.filter { k in !columns.contains { $0.key == k } && random.next() % 5 == 0 }
                let extra = extraKeys.map { (key: $0, index: Int(random.next() % 20)) }
                let frame = RowCells.Frame(found: found, schema: kind.schema, context: context, fileName: kind.fileName,
                                           extra: extra)
                for (c, column) in columns.enumerated() {
                    #expect(frame.isInItsSlot(column.key), "\(kind) \(column.key)")
                    #expect(frame.index(column.key) == (found[c] < 0 ? nil : found[c]), "\(kind) \(column.key) trial \(trial)")
                }
                for key in probeKeys {
                    #expect(frame.index(key) == frame.scanIndex(key), "\(kind) \(key.debugDescription) trial \(trial)")
                }
                for e in extra {
                    // The first of equal keys is found (a probe key may be listed twice, spelled two ways).
                    #expect(frame.index(e.key) == extra.first { $0.key == e.key }!.index, "\(kind) extra \(e.key)")
                }
            }
        }
    }

    /// Keys sharing a slot (made so by searching for one) and a key given twice: the first entry is found, as the
    /// scan finds it, and the other by the scan.
    @Test func keysSharingASlotAreFoundByTheScan() {
        let columns = FileKind.trainings.schema.columns
        let slotOf = { (k: String) -> Int in
            let w = unsafeBitCast(k, to: (UInt64, UInt64).self)
            return RowCells.Frame.slot(w.0, w.1)
        }
        let taken = Set(columns.map { slotOf($0.key) })
        // A small key landing on the slot of `theme`, found by trying short names.
        let target = slotOf("theme")
        let clash = (0..<100_000).lazy.map { "k\($0)" }.first { slotOf($0) == target }!
        let other = (0..<100_000).lazy.map { "k\($0)" }.first { !taken.contains(slotOf($0)) }!
        let frame = RowCells.Frame(found: columns.indices.map { $0 }, schema: .of(.trainings), context: context,
                                   fileName: "trainings.csv", extra: [(key: clash, index: 11), (key: other, index: 12), (key: other, index: 13)])
        #expect(!frame.isInItsSlot(clash) && frame.isInItsSlot("theme") && frame.isInItsSlot(other))
        #expect(frame.index(clash) == 11 && frame.index("theme") == 3 && frame.index(other) == 12)
        #expect(frame.index(clash) == frame.scanIndex(clash) && frame.index(other) == frame.scanIndex(other))
    }

    /// A file's rows validated with the file's one `RowCells` (set to each record in turn) give the rows and issues
    /// that each row validated with cells of its own gives: random rows of hostile cells, short and long rows, rows
    /// with many issues between clean ones, under a header with an unknown and a blank column, in LF, CR LF and
    /// CR-only line ends. The extra cells' warnings are checked apart (they come from the file, not the row).
    @Test func oneRowCellsPerFileValidatesAsOnePerRow() throws {
        var random = SeededRandom(state: 0x8e2)
        let headers = [["活动日期", "小组编码", "活动形式", "活动主题", "参与对象", "参与人数", "时长(小时)", "发放资料(份)"],
                       ["activity_date", "form", "备注", "THEME", "participants", ""],
                       ["\u{FEFF}活动日期", "活动形式", "活动主题", "参与人数"]]
        let cleanRows = [["2026-10-05", "G01", "培训", "x", "居民", "3", "1.5", ""], ["2026-10-5", "lecture", "备注", "安全", "12"],
                         ["2026/10/31", "专题讲座", "安全用电", "7"]]
        for (h, header) in headers.enumerated() {
            for ending in ["\n", "\r\n", "\r"] {
                var lines = [header.joined(separator: ",")]
                for _ in 0..<600 {
                    let clean = random.next() % 3 == 0
                    let width = clean ? cleanRows[h].count : Int(random.next() % UInt64(header.count + 3))
                    lines.append((0..<width).map { i in
                        clean && i < cleanRows[h].count ? cleanRows[h][i] : cellPool[Int(random.next() % UInt64(cellPool.count))]
                    }.joined(separator: ","))
                    if random.next() % 40 == 0 { lines.append(",,,") }
                }
                let text = lines.joined(separator: ending) + ending
                let csv = try SourceReader.read(Array(text.utf8))
                let result = Validator.trainings(.parsed(fileName: "trainings.csv", csv), context)

                var headerRecord: HeaderPositions?
                var frame: RowCells.Frame?
                var rows: [TrainingRow] = [], issues: [ValidationIssue] = [], extraLines: [Int] = []
                var width = 0
                for i in csv.records.indices {
                    csv.records.withRecordBytes(i) { record in
                        guard !record.isBlank else { return }
                        guard let f = frame else {
                            headerRecord = HeaderSpellings.of(.trainings).positions(record)
                            frame = RowCells.Frame(found: headerRecord!.found, schema: .of(.trainings), context: context,
                                                   fileName: "trainings.csv")
                            width = record.count
                            return
                        }
                        if (0..<record.count).contains(where: { $0 >= width && !RecordBytes.isBlankCell(record.field($0)) })
                            || (header.contains("") && record.count > 5 && !RecordBytes.isBlankCell(record.field(5))) {
                            extraLines.append(record.line)
                        }
                        var cells = RowCells(record: record, frame: f)
                        let draft = Validator.trainingDraft(&cells, population: village.population)
                        if let draft, !cells.hasError { rows.append(draft.row) }
                        issues += cells.issues
                    }
                }
                let fileIssues = Array(result.issues).filter { $0.rule != "row.extra_cells" && $0.rule.hasPrefix("column.") == false }
                #expect(fileIssues == Array(IssueList(issues)), "header \(h) \(ending.debugDescription)")
                #expect(Array(result.rows) == rows, "header \(h) \(ending.debugDescription)")
                #expect(Array(result.issues).filter { $0.rule == "row.extra_cells" }.map { $0.line ?? 0 } == extraLines,
                        "header \(h) \(ending.debugDescription)")
                #expect(rows.count > 100 && issues.count > 100, "header \(h): \(rows.count) rows, \(issues.count) issues")
            }
        }
    }

    /// `plainDate` gives a day exactly where the ASCII parser and the String path give that day, and nil (leaving the
    /// cell to them) for every other cell: every separator pair, one to three digits of month and day, years around
    /// the range, impossible days, and the tricky cells of the byte tests; the plain forms clerks write take it.
    @Test func plainDatesAreReadAsTheParsersReadThem() {
        var cells: [String] = cellPool
        for year in ["2026", "2024", "2025", "1899", "0026", "2100", "9999", "202６", "206"] {
            for sep in ["-", "/", ".", " ", "－"] {
                for month in ["1", "01", "2", "02", "10", "12", "13", "0", "00", "001", "１"] {
                    for day in ["1", "01", "5", "28", "29", "30", "31", "32", "0", "005", ""] {
                        cells.append(year + sep + month + sep + day)
                    }
                }
                cells.append(year + sep + "10" + "-" + "5")
                cells.append(year + sep + "10" + sep + "5 0:00")
            }
        }
        cells += ["20261005", "2026-10-05 ", " 2026-10-05", "2026-10-05\r\n", "2026-10-5x", "2026--5", "2026-10-", "2026-1-", "-2026-1-1"]
        let plainShape = try! Regex(#"[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}"#)
        var taken = 0
        for cell in cells {
            let bytes = Array(cell.utf8)
            bytes.withUnsafeBufferPointer { b in
                let plain = CellParsers.plainDate(b)
                let viaString = CellParsers.date(CellParsers.fold(cell))
                if let plain {
                    taken += 1
                    #expect(CellParsers.date(ascii: b) == .value(plain), "\(cell.debugDescription)")
                    #expect(viaString == .value(plain), "\(cell.debugDescription)")
                } else if case .value = viaString, (try? plainShape.wholeMatch(in: cell)) != nil {
                    Issue.record("plainDate missed \(cell.debugDescription)")
                }
            }
        }
        #expect(taken > 200)
        #expect(Array("2026-10-05".utf8).withUnsafeBufferPointer { CellParsers.plainDate($0) } == Day(year: 2026, month: 10, day: 5))
        #expect(Array("2026/2/29".utf8).withUnsafeBufferPointer { CellParsers.plainDate($0) } == nil)
    }

    /// Strict UTF-8 across pieces, on text of ASCII runs of every length between Chinese, other sequences and bad
    /// bytes: the word loop skipping a run's ASCII bytes at once finds the first ill-formed byte where the
    /// whole-text check does, at every alignment and piece size.
    @Test func utf8CheckSkipsASCIIRunsExactly() {
        var random = SeededRandom(state: 0x8e3)
        let sequences: [[UInt8]] = ["安", "全", "，", "\u{3000}", "é", "😀", "\u{FEFF}"].map { Array($0.utf8) }
            + [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE5, 0x41], [0xF4, 0x90, 0x80, 0x80], [0xE5]]
        for round in 0..<3_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next() % 12) {
                bytes += (0..<Int(random.next() % 21)).map { _ in UInt8(0x20 + random.next() % 0x5F) }
                let pick = Int(random.next() % UInt64(round % 4 == 0 ? sequences.count : 7))
                bytes += sequences[pick]
            }
            let expected = TextDecoding.firstInvalidUTF8(bytes)
            for piece in [1, 3, 7, 8, 9, 16, bytes.count + 1] {
                #expect(firstInvalidUTF8(bytes, inPiecesOf: piece) == expected, "round \(round), pieces of \(piece)")
            }
        }
    }

    /// The fingerprint's loop counting line feeds: the same fingerprint as `update`, and the LFs `countLineFeeds`
    /// counts, for every length and alignment and pieces of every size (a word carried across pieces included).
    @Test func fingerprintCountsLineFeedsAsTheirOwnLoop() {
        var random = SeededRandom(state: 0x8e5)
        let alphabet: [UInt8] = [0x0A, 0x0D, 0x41, 0x2C, 0xE5, 0x8A, 0x0A, 0x00, 0xFF]
        for round in 0..<600 {
            let bytes = (0..<Int(random.next() % 300)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            for piece in [1, 3, 7, 8, 9, 64, bytes.count + 1] {
                var plain = Fingerprint(), counting = Fingerprint()
                var feeds = 0, start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + piece)
                    bytes[start..<end].withUnsafeBufferPointer { b in
                        plain.update(b)
                        let counted = counting.update(countingLineFeeds: b)
                        #expect(counted == Surveyor.countLineFeeds(b.baseAddress!, b.count), "round \(round), pieces of \(piece)")
                        feeds += counted
                    }
                    start = end
                }
                #expect(counting == plain && counting.final == plain.final, "round \(round), pieces of \(piece)")
                #expect(feeds == bytes.filter { $0 == 0x0A }.count)
            }
        }
    }

    /// The record estimate (line breaks + 1) of UTF-8 text, now from the fingerprint's count where a piece has no CR,
    /// and of the same text in UTF-16 (its converted text's breaks, never the raw piece's count), for every piece size.
    @Test func recordEstimatesFromTheFingerprintsCount() throws {
        var random = SeededRandom(state: 0x8e6)
        let pieces = ["a,b", "安全", "\n", "\r\n", "\r", "x", "\"q\nq\"", ",", "😀"]
        for round in 0..<60 {
            var text = "活动日期,活动形式\n"
            for _ in 0..<Int(random.next() % 120) { text += pieces[Int(random.next() % UInt64(round % 2 == 0 ? 3 : pieces.count))] }
            var breaks = 0
            let u = Array(text.utf8)
            var i = 0
            while i < u.count {
                if u[i] == 0x0D { breaks += 1; if i + 1 < u.count, u[i + 1] == 0x0A { i += 1 } } else if u[i] == 0x0A { breaks += 1 }
                i += 1
            }
            let utf16: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { (c: UInt16) -> [UInt8] in [UInt8(c & 0xFF), UInt8(c >> 8)] }
            for bytes in [u, utf16] {
                for piece in [1, 2, 7, 8, 9, 64, 1 << 16] {
                    let survey = CSVStream.survey(bytes: bytes, limits: ReadLimits(pieceBytes: piece))
                    guard case .success(let stream) = survey.outcome else { Issue.record("round \(round) not read"); continue }
                    #expect(stream.recordEstimate == breaks + 1, "round \(round), \(bytes.count) bytes, pieces of \(piece)")
                }
            }
        }
    }
}
