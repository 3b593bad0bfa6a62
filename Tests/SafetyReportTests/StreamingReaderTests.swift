// The streamed reader (two passes in small pieces) reads every file exactly as the whole-file reader does.
import Foundation
import Testing
@testable import SafetyReport

/// What a reader made of a file: the records (header and blank ones included) and how it read them, or why not.
private struct Reading: Equatable {
    var encoding: DetectedEncoding
    var separator: Separator
    var lineEndings: LineEndings
    var records: [RawRecord]
}

private func whole(_ bytes: [UInt8], _ limits: ReadLimits) -> Result<Reading, ReadFailure> {
    do {
        let p = try SourceReader.read(bytes, limits: limits)
        return .success(Reading(encoding: p.encoding, separator: p.separator, lineEndings: p.lineEndings, records: Array(p.records)))
    } catch { return .failure(error) }
}

private func streamed(_ stream: CSVStream) -> Result<Reading, ReadFailure> {
    var records: [RawRecord] = []
    do {
        let endings = try stream.forEachRecord { records.append($0) }
        guard records.contains(where: { !$0.isBlank }) else { return .failure(.empty) }
        return .success(Reading(encoding: stream.encoding, separator: stream.separator, lineEndings: endings, records: records))
    } catch { return .failure(error) }
}

private func streamed(_ bytes: [UInt8], _ limits: ReadLimits) -> Result<Reading, ReadFailure> {
    switch CSVStream.survey(bytes: bytes, limits: limits).outcome {
    case .success(let stream): streamed(stream)
    case .failure(let failure): .failure(failure)
    }
}

private func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
private func encoded(_ s: String, _ name: String) -> [UInt8] { try! Iconv.convert(utf8(s), from: "UTF-8", to: name) }

private let village = Village(code: "V1", name: "东湖村", population: 10, groups: [Group(code: "V1-01", name: "一组")])
private let ctx = ValidationContext(period: Period("2026-10")!, folder: "V1", submitter: .village(village),
                                    config: PipelineConfig(town: Town(code: "T1", name: "青石镇"), villages: [village]))

/// Every file kind's validation of a whole-file read and of a streamed one.
private func validations(_ a: FileInput, _ b: FileInput) -> [(String, String)] {
    let known = ["H1": Day(year: 2026, month: 9, day: 1)!]
    return [
        ("\(Validator.inspections(a, ctx))", "\(Validator.inspections(b, ctx))"),
        ("\(Validator.hazards(a, ctx, known: known))", "\(Validator.hazards(b, ctx, known: known))"),
        ("\(Validator.agreements(a, ctx))", "\(Validator.agreements(b, ctx))"),
        ("\(Validator.trainings(a, ctx))", "\(Validator.trainings(b, ctx))"),
    ]
}

@Suite struct StreamingReaderTests {
    static let pieceSizes = [1, 2, 3, 7, 64, 4096]

    /// Files of every kind the tests know: the hostile corpus (but the 50 MB one), the robustness seeds,
    /// and cases made to fall across piece boundaries in every encoding.
    static var corpus: [(String, [UInt8])] {
        var files = hostileCases.filter { $0.name != "a 50 MB file" }.map { ($0.name, $0.bytes()) }
        files += RobustnessTests.seeds.enumerated().map { ("seed \($0.offset)", utf8($0.element)) }
        let text = "活动日期,活动形式,活动主题,参与人数\r\n2026-10-03,培训,\"消防,\"\"安全\"\"\r\n讲座\",12\r\n\r\n2026-10-04,drill,演练\u{3000},3\n,,,\r2026-10-05,培训,𠀋字,1"
        files += [
            ("UTF-8", utf8(text)),
            ("UTF-8 with two BOMs", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + utf8(text)),
            ("GB18030", encoded(text, "GB18030")),
            ("UTF-16LE", [0xFF, 0xFE] + encoded(text, "UTF-16LE")),
            ("UTF-16BE", [0xFE, 0xFF] + encoded(text, "UTF-16BE")),
            ("UTF-16LE with a second BOM", [0xFF, 0xFE] + encoded("\u{FEFF}" + text, "UTF-16LE")),
            ("tab-separated, quoted header", utf8("\"活动\t日期\"\t形式\n1\t2\n")),
            ("separator decided after blank lines", utf8("  \r\n\"\"\n\t\t\na\tb\n1,2\t3\n")),
            ("BOM then invalid UTF-8 late", [0xEF, 0xBB, 0xBF] + utf8(text) + [0xC0, 0x0A]),
            ("invalid UTF-8 then NUL", utf8(text) + [0xFF, 0x0A, 0x00]),
            ("late invalid UTF-8, valid GB18030", utf8(String(repeating: "2026-10-03,lecture,x,1\n", count: 40)) + encoded("2026-10-03,培训,消防,1\n", "GB18030")),
            ("GB18030 cut mid-character", encoded(text, "GB18030") + [0x81, 0x30]),
            ("GB18030 invalid before UTF-8's failure", encoded("活动日期\n", "GB18030") + [0x81, 0x0A] + utf8("是\n") + [0xFF]),
            ("lone CR at the very end", utf8("a,b\r")),
            ("CRLF split", utf8("a,b\r\n\"x\r\ny\",2\r\n")),
            ("separator at the end", utf8("a,b\n1,")),
            ("closing quote at the end", utf8("a,b\n1,\"2\"")),
            ("quote tail", utf8("a,b\n\"ab\"c\"d\",\"x\"\"\"y\n")),
            ("unterminated quote at the end", utf8("a,b\n1,\"2")),
            ("zip signature", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]),
            ("OLE2 signature", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00]),
            ("short", utf8("a")),
            ("UTF-16 odd length", [0xFF, 0xFE, 0x41]),
            ("UTF-16 with U+0000", [0xFF, 0xFE] + encoded("a,b\n\u{0}", "UTF-16LE")),
            ("UTF-16 lone surrogate", [0xFF, 0xFE] + encoded("a,b\n", "UTF-16LE") + [0x00, 0xD8, 0x41, 0x00]),
        ]
        return files
    }

    /// Small limits, so every limit is reached in records that also fall across pieces.
    static let smallLimits = ReadLimits(maxFileBytes: 1 << 20, maxFieldCharacters: 6, maxColumns: 5, maxRecordBytes: 40)

    @Test(arguments: pieceSizes) func everyPieceSizeReadsTheCorpusAsTheWholeFileReaderDoes(_ piece: Int) {
        for (name, bytes) in Self.corpus {
            // The multi-megabyte cases go byte by byte only in the larger pieces (a debug build is slow).
            if bytes.count > 200_000 && piece < 7 { continue }
            for base in [ReadLimits.standard, Self.smallLimits] {
                var limits = base
                limits.pieceBytes = piece
                let expected = whole(bytes, base)
                #expect(streamed(bytes, limits) == expected, "\(name), pieces of \(piece)")
            }
        }
    }

    @Test func mutatedFilesReadAndValidateTheSameStreamed() {
        var rng = TestRandom(state: 0xD1B5_4A32_D192_ED03)
        let pieces = RobustnessTests.pieces + [[0x81, 0x30], [0xB0, 0xA1], [0xE6, 0x98]]
        for i in 0..<400 {
            var bytes = utf8(RobustnessTests.seeds[i % RobustnessTests.seeds.count])
            for _ in 0..<(1 + rng.below(4)) {
                bytes.insert(contentsOf: pieces[rng.below(pieces.count)], at: rng.below(bytes.count + 1))
            }
            for limits in [ReadLimits.standard, Self.smallLimits] {
                var small = limits
                small.pieceBytes = 1 + rng.below(9)
                let expected = whole(bytes, limits)
                #expect(streamed(bytes, small) == expected, "mutation \(i): \(bytes)")
                guard case .success(let stream) = CSVStream.survey(bytes: bytes, limits: small).outcome,
                      case .success = expected, let parsed = try? SourceReader.read(bytes, limits: limits) else { continue }
                for (a, b) in validations(.parsed(fileName: "f.csv", parsed), .streamed(fileName: "f.csv", stream)) {
                    #expect(a == b, "mutation \(i)")
                }
            }
        }
    }

    @Test func validationOfTheCorpusIsTheSameStreamed() {
        for (name, bytes) in Self.corpus where bytes.count < 200_000 {
            var limits = ReadLimits.standard
            limits.pieceBytes = 5
            guard case .success(let stream) = CSVStream.survey(bytes: bytes, limits: limits).outcome else { continue }
            switch Result(catching: { () throws(ReadFailure) in try SourceReader.read(bytes) }) {
            case .success(let parsed):
                for (a, b) in validations(.parsed(fileName: "f.csv", parsed), .streamed(fileName: "f.csv", stream)) {
                    #expect(a == b, "\(name)")
                }
            case .failure(let failure):
                // Rejected whole while streaming: the same issue InputLoader gives a file rejected before validation.
                let r = Validator.trainings(.streamed(fileName: "f.csv", stream), ctx)
                #expect(r.state == .rejected && r.rowsRead == 0 && r.rows.isEmpty, "\(name)")
                #expect(r.issues.map { [$0.rule, $0.message, "\($0.line ?? 0)"] } == [[failure.rule, failure.message, "\(failure.line ?? 0)"]], "\(name)")
            }
        }
    }

    @Test(arguments: [("UTF-8 (BOM)", [0xEF, 0xBB, 0xBF] as [UInt8], "UTF-8"), ("GB18030", [], "GB18030"),
                      ("UTF-16LE (BOM)", [0xFF, 0xFE], "UTF-16LE"), ("UTF-16BE (BOM)", [0xFE, 0xFF], "UTF-16BE")])
    func aCharacterSplitAcrossPiecesIsDecodedWhole(_ encoding: String, _ bom: [UInt8], _ iconvName: String) {
        let bytes = bom + encoded("主题,人数\n\"消防\n讲座\",𠀋\n", iconvName)
        for piece in 1...9 {
            let r = streamed(bytes, ReadLimits(pieceBytes: piece))
            #expect(r == .success(Reading(encoding: DetectedEncoding(rawValue: encoding)!, separator: .comma, lineEndings: .lf,
                                          records: [RawRecord(line: 1, fields: ["主题", "人数"]),
                                                    RawRecord(line: 2, fields: ["消防\n讲座", "𠀋"])])), "pieces of \(piece)")
        }
    }

    @Test func aLateInvalidUTF8ByteMakesTheWholeFileGB18030() throws {
        // 40 ASCII rows (valid in both encodings), then one GB18030 row: the file is GB18030 from its first byte.
        let rows = String(repeating: "2026-10-03,lecture,x,1\n", count: 40)
        let bytes = utf8("activity_date,form,theme,participants\n" + rows) + encoded("2026-10-04,培训,消防演练,2\n", "GB18030")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("trainings.csv").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let survey = try CSVStream.survey(path: path, limits: ReadLimits(pieceBytes: 64))
        #expect(survey.sha256 == SHA256.hexDigest(of: bytes) && survey.bytes == bytes.count)
        let stream = try survey.outcome.get()
        #expect(stream.encoding == .gb18030)
        let r = Validator.trainings(.streamed(fileName: "trainings.csv", stream), ctx)
        #expect(r.state == .read && r.rowsRead == 41 && r.rowsRejected == 0)
        #expect(r.rows.elements.last?.theme == "消防演练" && r.rows.elements.last?.form == .training && r.rows.elements.last?.line == 42)
    }

    @Test func aRecordAcrossPiecesKeepsItsLines() throws {
        let bytes = utf8("主题,备注\r\n\"a\r\nb\",\"c\rd\"\r\n\r\ne,\"f\"\"\ng\"\r\n")
        for piece in 1...12 {
            let r = try streamed(bytes, ReadLimits(pieceBytes: piece)).get()
            #expect(r.records == [RawRecord(line: 1, fields: ["主题", "备注"]), RawRecord(line: 2, fields: ["a\r\nb", "c\rd"]),
                                  RawRecord(line: 5, fields: [""]), RawRecord(line: 6, fields: ["e", "f\"\ng"])], "pieces of \(piece)")
            #expect(r.lineEndings == .crlf)
        }
    }

    @Test func aFileChangedBetweenThePassesIsRejectedWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("trainings.csv").path
        let original = "activity_date,form,theme,participants\n" + String(repeating: "2026-10-03,lecture,x,1\n", count: 20)
        let limits = ReadLimits(pieceBytes: 32)  // smaller than the file: pass 2 reads it again from disk
        for change in ["unchanged", "same size", "longer", "shorter", "replaced by a folder"] {
            try? FileManager.default.removeItem(atPath: path)
            FileManager.default.createFile(atPath: path, contents: Data(original.utf8))
            let stream = try CSVStream.survey(path: path, limits: limits).outcome.get()
            switch change {
            case "same size": try Data(original.replacingOccurrences(of: "x,1\n", with: "y,2\n").utf8).write(to: URL(fileURLWithPath: path))
            case "longer": try Data((original + "2026-10-04,lecture,z,3\n").utf8).write(to: URL(fileURLWithPath: path))
            case "shorter": try Data(original.dropLast(23).utf8).write(to: URL(fileURLWithPath: path))
            case "replaced by a folder":
                try FileManager.default.removeItem(atPath: path)
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            default: break
            }
            let r = Validator.trainings(.streamed(fileName: "trainings.csv", stream), ctx)
            if change == "unchanged" {
                #expect(r.state == .read && r.rows.count == 20)
            } else {
                #expect(r.state == .rejected && r.rowsRead == 0 && r.rows.isEmpty, "\(change)")
                #expect(r.issues.map(\.rule) == ["file.changed"] && r.issues.first?.message.contains("重新报送") == true, "\(change)")
            }
        }
    }

    @Test func passOneKeepsTheOpeningGuarantees() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: InputReadError.notRegularFile) { try CSVStream.survey(path: fifo, limits: .standard) }
        let big = dir.appendingPathComponent("big.csv").path
        FileManager.default.createFile(atPath: big, contents: Data(repeating: 0x41, count: 100))
        #expect(throws: InputReadError.tooLarge(bytes: 100)) { try CSVStream.survey(path: big, limits: ReadLimits(maxFileBytes: 99, pieceBytes: 7)) }
        let survey = try CSVStream.survey(path: big, limits: ReadLimits(maxFileBytes: 100, pieceBytes: 7))
        #expect(survey.bytes == 100 && survey.sha256 == SHA256.hexDigest(of: [UInt8](repeating: 0x41, count: 100)))
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("streaming-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
