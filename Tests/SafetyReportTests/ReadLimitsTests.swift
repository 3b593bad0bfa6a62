// The reader's resource limits: each one rejects the file whole with the line it was hit on, never a crash.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ReadLimitsTests {
    /// Small limits, so every case is a few bytes; the standard limits are exercised at full size
    /// by HostileCorpusTests.
    static let small = ReadLimits(maxFileBytes: 200, maxFieldCharacters: 5, maxColumns: 4, maxRecordBytes: 30)
    private static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
    private static let q5 = "\"" + String(repeating: "\"\"", count: 5) + "\""

    // Input on the left, the failure the small limits give on the right.
    static let cases: [(String, [UInt8], ReadFailure?)] = [
        ("at every limit: read",             utf8("a,b,c,d\n12345,中文五个字,\"x,yz\"\n"),   nil),
        ("unquoted cell one over",           utf8("a,b\n1,123456\n"),                    .fieldTooLong(line: 2, column: 2, limit: 5)),
        ("quoted cell one over",             utf8("a\n\"12\n3456\"\n"),                  .fieldTooLong(line: 2, column: 1, limit: 5)),
        ("doubled quotes count once",        utf8("a\n\"\"\"\"\"\"\"\"\"\"\"\"\n"),      nil),
        ("six doubled quotes: over",         utf8("a\n\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n"),  .fieldTooLong(line: 2, column: 1, limit: 5)),
        ("tail after closing quote counts",  utf8("a\n\"123\"456\n"),                    .fieldTooLong(line: 2, column: 1, limit: 5)),
        ("Chinese counts characters",        utf8("a\n东湖村东湖\n"),                      nil),
        ("six Chinese characters",           utf8("a\n东湖村东湖村\n"),                    .fieldTooLong(line: 2, column: 1, limit: 5)),
        ("five columns",                     utf8("a,b,c,d,e\n"),                        .tooManyColumns(line: 1, limit: 4)),
        ("five columns on line 3",           utf8("a\n\n,,,,\n"),                        .tooManyColumns(line: 3, limit: 4)),
        ("record of exactly 30 bytes",       utf8("a\n\"12345\",\"12345\",\"12345\",\"1234\"\n"), nil),
        // Each cell is five quotes: 5 characters, 12 bytes as written; the record starts on line 3.
        ("record over 30 bytes",             utf8("a\n\n\"1\n2\",\(q5),\(q5)\n"), .recordTooLong(line: 3, limit: 30)),
        ("file over 200 bytes",              utf8(String(repeating: "a\n", count: 101)), .fileTooLarge(bytes: 202, limit: 200)),
    ]

    @Test(arguments: cases.indices) func eachLimitRejectsTheFileNamingTheLine(_ i: Int) {
        let (name, bytes, expected) = Self.cases[i]
        if let expected {
            #expect(throws: expected, "\(name)") { try SourceReader.read(bytes, limits: Self.small) }
        } else {
            #expect(throws: Never.self, "\(name)") { try SourceReader.read(bytes, limits: Self.small) }
        }
    }

    @Test func everyLimitHasARuleALineAndAChineseMessageNamingTheLimit() {
        let failures: [ReadFailure] = [.fieldTooLong(line: 4, column: 2, limit: 32_767), .tooManyColumns(line: 1, limit: 16_384),
                                       .recordTooLong(line: 9, limit: 1 << 20), .fileTooLarge(bytes: 50 << 20, limit: 32 << 20)]
        #expect(failures.map(\.rule) == ["file.field_too_long", "file.too_many_columns", "file.record_too_long", "file.too_large"])
        #expect(failures.map(\.line) == [4, 1, 9, nil])
        #expect(failures[0].message.hasPrefix("第 4 行第 2 列的单元格超过 32767 个字符"))
        #expect(failures[1].message.hasPrefix("第 1 行超过 16384 列"))
        #expect(failures[2].message.hasPrefix("第 9 行开始的一行数据超过 1 MB"))
        #expect(failures[3].message.hasPrefix("文件大小为 50 MB，超过上限 32 MB"))
        #expect(ReadFailure.megabytes(3 << 19) == "1.5 MB")
    }

    @Test func aFileOverTheLimitIsRefusedFromItsSizeWithoutBeingRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sr-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("hazards.csv").path
        // Sparse: 4 GB on paper, nothing on disk; reading it would need 4 GB of memory.
        #expect(FileManager.default.createFile(atPath: path, contents: Data("a,b\n".utf8)))
        #expect(truncate(path, 4 << 30) == 0)
        #expect(throws: InputReadError.tooLarge(bytes: 4 << 30)) { try InputLoader.readInput(path, limit: 32 << 20) }
        // At or under the limit the bytes come back exactly.
        #expect(truncate(path, 4) == 0)
        #expect(try InputLoader.readInput(path, limit: 4) == Array("a,b\n".utf8))
        #expect(throws: InputReadError.tooLarge(bytes: 4)) { try InputLoader.readInput(path, limit: 3) }
        #expect(try InputLoader.readInput(path, limit: 0 + 4) == Array("a,b\n".utf8))
        // A FIFO swapped in after the scan is refused at once, not waited on.
        let fifo = dir.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: InputReadError.notRegularFile) { try InputLoader.readInput(fifo, limit: 100) }
    }
}
