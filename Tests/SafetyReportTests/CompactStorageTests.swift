// The compact forms memory depends on: records stored as one byte buffer, trainings shared with their folders,
// and the saved ledger state streamed to disk, each giving exactly what the plain form gave.

import Foundation
import Testing
@testable import SafetyReport

@Suite struct CompactStorageTests {
    typealias F = ComputationFixtures

    @Test func recordsReadBackAsWritten() throws {
        let records = [RawRecord(line: 1, fields: ["活动日期", "活动形式"]), RawRecord(line: 2, fields: [""]),
                       RawRecord(line: 3, fields: ["2026-10-03", "讲座, \"安全\"\n第二行", "", "尾"]),
                       RawRecord(line: 7, fields: []), RawRecord(line: 8, fields: ["😀", "a"])]
        let compact = RawRecords(records)
        #expect(Array(compact) == records)
        #expect(compact.count == 5 && compact[2].fields[1] == "讲座, \"安全\"\n第二行" && compact[3].fields.isEmpty)
        // The reader's own records (quoted, doubled quotes, CRLF) come out the same way.
        let parsed = try SourceReader.read(Array("a,b\r\n\"x\"\"y\",\"多\n行\"\r\n,\r\n".utf8))
        #expect(parsed.records.map(\.fields) == [["a", "b"], ["x\"y", "多\n行"], ["", ""]])
        #expect(parsed.records.map(\.line) == [1, 2, 4])
        #expect(parsed == ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .crlf, records: Array(parsed.records)))
    }

    @Test func trainingsKeepTheirOrderAndFolders() {
        let rows = (0..<7).map { F.training("2026-10-0\($0 + 1)", participants: $0, line: $0 + 2) }
        let folders = ["A", "A", "B", "A", "C", "C", "C"]
        let list = zip(folders, rows).map { TrainingActivity(folder: $0, row: $1) }
        let all = TrainingActivities(list)
        #expect(Array(all) == list)
        #expect(all.map(\.folder) == folders && Array(all)[6].row.participants == 6)
        var built = TrainingActivities()
        built.append(folder: "A", rows: [])
        built.append(folder: "B", rows: Array(rows[0..<3]))
        built.append(folder: "C", rows: Array(rows[3...]))
        #expect(built.map(\.folder) == ["B", "B", "B", "C", "C", "C", "C"] && built.map(\.row) == rows)
        #expect(TrainingActivities().isEmpty)
    }

    /// Several megabytes of state, so it is written in several pieces.
    @Test func savedLedgerStateIsStreamedAsTheCompactedLedgerAndReadsBack() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = String(repeating: "楼道堆放杂物影响疏散", count: 20)
        func row(_ i: Int, _ status: HazardStatus) -> HazardRow {
            var h = F.hazard("H\(i)", found: "2025-11-0\(1 + i % 9)", deadline: "2026-12-01", status: status)
            h.description = long + String(i)
            return h
        }
        let n = 6_000
        let ledger = F.ledger([
            ("2025-11", [F.v1: (0..<n).map { row($0, .open) }]),
            ("2025-12", [F.v1: (0..<n).map { row($0, .inProgress) }]),
            ("2026-03", [F.v1: (0..<n).filter { $0 % 2 == 0 }.map { row($0, .rectified) }]),
        ])
        let store = LedgerStateStore(outputs: URL(fileURLWithPath: dir))
        let key = LedgerStateKey(configSHA256: String(repeating: "a", count: 64))
        let q = Period(year: 2026, month: 10)!
        store.save(ledger, after: q, key: key)

        var plain = StateWriter()
        plain.ledger(ledger.compacted(forReportsFrom: q.year))
        #expect(plain.bytes.count > 3 * StateWriter.piece)
        let file = try [UInt8](Data(contentsOf: store.url(q)))
        let header = Array("SRLEDGER3\n\(key.hex)\n\(SHA256.hexDigest(of: plain.bytes))\n".utf8)
        #expect(file == header + plain.bytes)
        let loaded = try #require(store.load(after: q, key: key))
        #expect(loaded.allHazards == ledger.compacted(forReportsFrom: q.year).allHazards)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.folder.path) == ["ledger-2026-10.bin"])
    }
}
