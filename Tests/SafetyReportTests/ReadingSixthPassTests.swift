// The sixth reading pass's fast paths against what they replace: claimed hazard ids, the spilling training sink, the parser's fused loop.
import Foundation
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context

private struct Dice {
    var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(state: seed) }
    mutating func next(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    mutating func pick<T>(_ list: [T]) -> T { list[next(list.count)] }
}

/// Hazard ids that are equal as Strings without being equal bytes, and ids that differ only in case or width.
private let idPool = ["H1", "h1", "Ｈ１", "H-1", "e\u{301}1", "\u{E9}1", "YH202610-001", "YH202610-001 ", "A" + String(repeating: "9", count: 31)]

@Suite struct ReadingSixthPassTests {
    /// `ClaimedIds` answers as the dictionary it replaced, below and past its list limit, on ids equal only
    /// canonically (é composed and decomposed).
    @Test func claimedIdsAnswerAsADictionary() {
        var dice = Dice(seed: 0xC1A1)
        for size in [0, 1, 5, ClaimedIds.listLimit - 1, ClaimedIds.listLimit, ClaimedIds.listLimit + 1, 200] {
            var claimed = ClaimedIds(), model: [String: Int] = [:]
            let ids = (0..<size).map { _ in dice.next(3) == 0 ? dice.pick(idPool) : "ID\(dice.next(size + 1))" }
            for (line, id) in ids.enumerated() {
                #expect(claimed.line(of: id) == model[id], "size \(size), line \(line), \(id)")
                if model[id] == nil { claimed.claim(id, line: line); model[id] = line }
            }
            for id in idPool + ids.map({ $0 + "x" }) + ids { #expect(claimed.line(of: id) == model[id], "size \(size), \(id)") }
        }
    }

    /// A hazards file of many rows sharing ids (past the list limit, with canonically equal and full-width ids):
    /// every duplicate is reported against the first line carrying its id as folded, as a dictionary decides it.
    @Test func duplicateHazardIdsPointAtTheFirstClaim() {
        var dice = Dice(seed: 0xD0B1)
        let keys = ["hazard_id", "found_date", "category", "level", "description", "responsible", "deadline", "status"]
        var records = [RawRecord(line: 1, fields: keys)]
        var model: [String: Int] = [:], expected: [Int: Int] = [:]
        for line in 2..<300 {
            let id = dice.next(4) == 0 ? dice.pick(idPool) : "ID\(dice.next(120))"
            records.append(RawRecord(line: line, fields: [id, "2026-10-0\(1 + dice.next(9))", dice.pick(["房屋", "Housing", " OTHER "]),
                                                          dice.pick(["一般", "Major"]), "描述", "张三", "2026-10-20", "未整改"]))
            let folded = CellParsers.fold(id)
            if let first = model[folded] { expected[line] = first } else { model[folded] = line }
        }
        let input = FileInput.parsed(fileName: "hazards.csv", ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .lf,
                                                                         records: records))
        let result = Validator.hazards(input, context, known: [:])
        var reported: [Int: Int] = [:]
        for issue in result.issues where issue.rule == "hazard.duplicate_id" {
            let first = issue.message.components(separatedBy: "与第 ")[1].components(separatedBy: " 行")[0]
            reported[issue.line!] = Int(first)
        }
        #expect(expected.count > ClaimedIds.listLimit)
        #expect(reported == expected)
        #expect(Set(result.rows.map(\.line)).isDisjoint(with: expected.keys))
    }

    /// Training rows validated into a spilling list (the fields encoded where they were validated, no draft made)
    /// read back as the rows the String path makes, in order; rejected rows add nothing.
    @Test func trainingRowsSpilledFromTheirFieldsReadBackAsTheStringPathsRows() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, rowThreshold: 5)
        var dice = Dice(seed: 0x5B1)
        let keys = FileKind.trainings.schema.columns.map(\.key)
        let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
        let fast = RowCells.Frame(mapping: mapping, schema: FileKind.trainings.schema, context: context, fileName: "trainings.csv")
        let slow = RowCells.Frame(mapping: mapping, schema: FileKind.trainings.schema, context: context, fileName: "trainings.csv",
                                  byteLevel: false)
        var spilled = AcceptedRows<TrainingRow>(spill: spill, coder: .trainings)
        var expected: [TrainingRow] = []
        for line in 2..<2000 {
            let fields = [dice.pick(["2026-10-05", " 2026/10/31 ", "２０２６－１０－０５", "2026-11-01", ""]),
                          dice.pick(["", "G01", " G01 ", "Ｇ０１", "G99"]), dice.pick(["培训", " Training ", "DRILL", "x", ""]),
                          dice.pick(["消防", " 安全\u{3000}", "\"引号\"", "", String(repeating: "长", count: 200)]),
                          dice.pick(["", "居民", " Students", "x"]), dice.pick(["3", "１２", "-1", "", "1,234", "99999"]),
                          dice.pick(["", "1.5", "x", "０．５"]), dice.pick(["", "7", "-1"])]
            RawRecords([RawRecord(line: line, fields: fields)]).withRecordBytes(0) { record in
                var a = RowCells(record: record, frame: fast)
                Validator.trainingDraft(&a, population: 2310, into: &spilled)
                var b = RowCells(record: record, frame: slow)
                if let row = Validator.trainingDraft(&b, population: 2310)?.row, !b.hasError {
                    expected.append(row)
                }
                #expect(a.issues == b.issues, "\(fields)")
            }
        }
        #expect(spilled.spills && spill.failure == nil && expected.count > 100)
        #expect(spilled.count == expected.count)
        #expect(Array(spilled) == expected)
    }

    /// The parser's word-at-a-time search for a field's end finds what the byte loop finds, from every start, in
    /// buffers of every length up to 40 over the bytes that matter (both separators, LF, CR, a quote, Chinese text's
    /// bytes, bytes one off each special byte).
    @Test func fieldEndsFoundByWordsAsByByte() {
        var dice = Dice(seed: 0xE7D)
        let alphabet: [UInt8] = [0x2C, 0x09, 0x0A, 0x0D, 0x22, 0x61, 0xE5, 0x80, 0xBF, 0x2B, 0x2D, 0x08, 0x0B, 0x0C, 0x0E, 0x00, 0xFF]
        for separator in [UInt8(0x2C), 0x09] {
            for _ in 0..<400 {
                let bytes = (0..<dice.next(41)).map { _ in dice.next(3) == 0 ? dice.pick(alphabet) : UInt8(0x61) }
                bytes.withUnsafeBufferPointer { buf in
                    for start in 0...buf.count {
                        var expected = start
                        while expected < buf.count, ![separator, 0x0A, 0x0D].contains(buf[expected]) { expected += 1 }
                        let found = CSVRecordParser.fieldEnd(buf, from: start, separatorWords: UInt64(separator) &* 0x0101_0101_0101_0101)
                        #expect(found == expected, "\(bytes) from \(start)")
                    }
                }
            }
        }
    }

    /// Files of short unquoted records (the parser's fused loop) mixed with quoted fields, blank lines, every line
    /// ending and records over the small limits, read in pieces of every size: the records and failures are the
    /// whole-file reader's.
    @Test func shortRecordsInPiecesParseAsTheWholeFileReaderDoes() {
        var dice = Dice(seed: 0xF05E)
        let cells = ["", "a", "2026-10-3", "培训", "x", "12", " ", "\"q\"", "\"a,b\"", "\"l1\nl2\"", "\"\"\"\"", "\"x\"y",
                     "abcdefghij", "長長長長長長長"]
        let endings = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", ",\n"]
        for round in 0..<120 {
            var text = ""
            for _ in 0..<(1 + dice.next(40)) {
                text += (0..<(1 + dice.next(5))).map { _ in dice.pick(cells) }.joined(separator: ",") + dice.pick(endings)
            }
            if dice.next(3) == 0 { text.removeLast() }
            let bytes = Array(text.utf8)
            for base in [ReadLimits.standard, ReadLimits(maxFileBytes: 1 << 20, maxFieldCharacters: 6, maxColumns: 5, maxRecordBytes: 40)] {
                let whole: Result<[RawRecord], ReadFailure>
                do { whole = .success(Array(try SourceReader.read(bytes, limits: base).records)) } catch { whole = .failure(error) }
                for piece in [1, 2, 3, 5, 8, 13, 64, 4096] {
                    var limits = base
                    limits.pieceBytes = piece
                    var records: [RawRecord] = []
                    let streamed: Result<[RawRecord], ReadFailure>
                    switch CSVStream.survey(bytes: bytes, limits: limits).outcome {
                    case .success(let stream):
                        do {
                            _ = try stream.forEachRecord { records.append($0) }
                            streamed = records.contains(where: { !$0.isBlank }) ? .success(records) : .failure(.empty)
                        } catch { streamed = .failure(error) }
                    case .failure(let failure): streamed = .failure(failure)
                    }
                    #expect(streamed == whole, "round \(round), pieces of \(piece): \(text.debugDescription)")
                }
            }
        }
    }
}
