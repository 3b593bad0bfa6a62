// The tenth reading pass: plain count cells read in one loop, and the validators' group code and required text
// cells taken without an optional to bind, against the paths they replace.
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

/// A record of `fields` lent as bytes, the way the reader lends it.
private func withRecord<R>(_ fields: [String], _ body: (RecordBytes) -> R) -> R {
    RawRecords([RawRecord(line: 4, fields: fields)]).withRecordBytes(0, body)
}

private func frame(_ kind: FileKind, context: ValidationContext = context, byteLevel: Bool = true) -> RowCells.Frame {
    let keys = kind.schema.columns.map(\.key)
    let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
    return RowCells.Frame(mapping: mapping, schema: kind.schema, context: context, fileName: kind.fileName, byteLevel: byteLevel)
}

/// Count cells around the plain shape: every length of digits up to 17, leading zeros, signs, grouping, spaces,
/// full-width digits, letters and bytes next to the digits' range ('/' and ':').
private let countCells: [String] = {
    var cells = ["", " ", "0", "00", "1", "9", "10", "0001", "-0", "+0", "-1", "+1", "1,234", "12,345,678", "1,23", " 1", "1 ",
                 "\t7", "7\t", "1 2", "１", "１２", "1\u{3000}", "\u{00A0}1", "1.0", "1e3", "x", "1x", "x1", "/", ":", "1/", "1:",
                 "0/", "9:", "٣", "1\r\n", "\r\n1"]
    for n in 1...17 {
        cells.append(String(repeating: "9", count: n))
        cells.append(String((0..<n).map { Character(String(($0 * 7 + 3) % 10)) }))
        cells.append("1" + String(repeating: "0", count: n - 1))
    }
    return cells
}()

@Suite struct ReadingTenthPassTests {
    /// `plainCount` takes exactly the cells of 1–15 ASCII digits, and reads each as `integer(ascii:)` and the String
    /// path's `integer` of the fold read it; anything else it leaves to them.
    @Test func plainCountReadsAsTheIntegerParsers() {
        for cell in countCells {
            let bytes = Array(cell.utf8)
            let plain = bytes.withUnsafeBufferPointer { CellParsers.plainCount($0) }
            let isPlain = (1...15).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            #expect((plain != nil) == isPlain, "\(cell.debugDescription)")
            guard let plain else { continue }
            let ascii = bytes.withUnsafeBufferPointer { CellParsers.integer(ascii: $0) }
            #expect(ascii == .value(plain), "\(cell.debugDescription)")
            #expect(CellParsers.integer(CellParsers.fold(cell)) == .value(plain), "\(cell.debugDescription)")
            #expect(plain == Int(cell)!, "\(cell.debugDescription)")
        }
    }

    /// A count cell gives the same value and issues on the byte path (its plain cells now read by `plainCount`) as on
    /// the String path, required or not.
    @Test func countCellsDecideAsTheStringPath() {
        for cell in countCells {
            withRecord(["2026-10-05", "", "培训", "x", "", cell, "", cell]) { record in
                var fast = RowCells(record: record, frame: frame(.trainings))
                var slow = RowCells(record: record, frame: frame(.trainings, byteLevel: false))
                #expect(fast.requiredCount("participants") == slow.requiredCount("participants"), "\(cell.debugDescription)")
                #expect(fast.count("materials") == slow.count("materials"), "\(cell.debugDescription)")
                #expect(fast.issues == slow.issues && fast.hasError == slow.hasError, "\(cell.debugDescription)")
            }
        }
    }

    /// `groupCodeOrError` is `groupCode` flattened, with the same issues, and nil with no error exactly for an empty
    /// cell; `requiredTextCellOrError` is `requiredTextCell` with an empty cell for nil, with the same issues. For a
    /// village with groups and for the town office, on both paths.
    @Test func flattenedAccessorsAgreeWithTheOptionalOnes() {
        let town = ValidationContext(period: context.period, folder: "330683105", submitter: .town,
                                     config: context.config)
        let groups = ["", " ", "\t", "G01", " G01 ", "g01", "Ｇ０１", "330683105201-01", "330683105201-02", "G99", "a b", "-x", "\u{3000}",
                      "G01\u{3000}", String(repeating: "a", count: 33), "组1", "\r\n"]
        let texts = ["", " ", "\u{3000}", "\u{FEFF}", "张三", " 张三 ", "x", "\t\t", "\r\n", "a\u{0301}"]
        for ctx in [context, town] {
            for byteLevel in [true, false] {
                for kind in [FileKind.trainings, .inspections] {
                    let f = frame(kind, context: ctx, byteLevel: byteLevel)
                    let textKey = kind == .trainings ? "theme" : "inspector"
                    let textIndex = f.index(textKey)!, groupIndex = f.index("group_code")!
                    for group in groups {
                        for text in texts {
                            var fields = Array(repeating: "", count: kind.schema.columns.count)
                            fields[groupIndex] = group; fields[textIndex] = text
                            withRecord(fields) { record in
                                var a = RowCells(record: record, frame: f), b = RowCells(record: record, frame: f)
                                let optional = a.groupCode(), flat = b.groupCodeOrError()
                                #expect(flat == (optional ?? nil), "\(group.debugDescription)")
                                #expect((flat == nil && !b.hasError) == (optional == .some(nil)), "\(group.debugDescription)")
                                #expect(b.hasError == (optional == nil), "\(group.debugDescription)")
                                let t = a.requiredTextCell(textKey), u = b.requiredTextCellOrError(textKey)
                                #expect(u.string == (t?.string ?? ""), "\(text.debugDescription)")
                                #expect(a.issues == b.issues && a.hasError == b.hasError, "\(group.debugDescription) \(text.debugDescription)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The population warning names the village from the frame (the validator no longer passes the name down).
    @Test func populationWarningNamesTheVillage() throws {
        let text = "活动日期,活动形式,活动主题,参与人数\n2026-10-09,培训,安全生产月,2311\n2026-10-10,培训,安全生产月,2310\n"
        let r = Validator.trainings(.parsed(fileName: "trainings.csv", try SourceReader.read(Array(text.utf8))), context)
        #expect(r.rows.count == 2)
        let warnings = Array(r.issues).filter { $0.rule == "participants.above_population" }
        #expect(warnings.count == 1)
        #expect(warnings.first?.line == 2)
        #expect(warnings.first?.message == "参与人数 2311 超过东湖村登记的人口 2310，请核对是否多填（如多写了一个 0）。")
    }

    /// `isUntrimmed` (the inlined first check of `textCell`) answers true only where `trimmedCellIfCertain` returns the
    /// cell itself and `trimmedCell` leaves it unchanged, and true for every such cell without a cell space at an end;
    /// `textCell` gives `text` on every cell either way.
    @Test func untrimmedCellsAreTheirOwnTrimmedText() {
        let pieces = ["", "x", " ", "\t", "\r", "\n", "\r\n", "\u{3000}", "\u{FEFF}", "\u{00A0}", "\u{0301}", "一", "「", "」",
                      "安全", "\u{2000}", "\u{00C2}", "\u{3001}", "\u{FEFE}", "\u{00A1}", "🔥", "a b", ","]
        var cells: [String] = []
        for a in pieces { for b in pieces { for c in ["", "x", "安"] { cells.append(a + c + b) } } }
        let f = frame(.trainings)
        for cell in cells {
            let bytes = Array(cell.utf8)
            bytes.withUnsafeBufferPointer { b in
                let certain = RecordBytes.trimmedCellIfCertain(b)
                if RecordBytes.isUntrimmed(b) {
                    #expect(certain?.baseAddress == b.baseAddress && certain?.count == b.count, "\(cell.debugDescription)")
                    #expect(cell.trimmedCell == cell, "\(cell.debugDescription)")
                }
                let spaces: [[UInt8]] = [[0x20], [0x09], [0x0D], [0x0A], [0xE3, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0xC2, 0xA0]]
                let spaced = spaces.contains { bytes.starts(with: $0) || bytes.reversed().starts(with: $0.reversed()) }
                #expect(RecordBytes.isUntrimmed(b) == !spaced, "\(cell.debugDescription)")
            }
            withRecord(["", "", "", cell]) { record in
                let c = RowCells(record: record, frame: f)
                #expect(c.textCell("theme").string == c.text("theme"), "\(cell.debugDescription)")
            }
        }
    }
}
