// Issues kept in bounded memory: the spill round-trips every field, leaves no file, fails cleanly, and keeps IssueOrder.
import Foundation
import Testing
@testable import SafetyReport

/// A small seeded generator (SplitMix64), so a failing case can be replayed from its seed.
private struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct IssueListTests {
    typealias F = ComputationFixtures

    static func emptyTempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sr-spill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func entries(_ dir: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path) }

    @Test func everyFieldRoundTripsThroughTheSpill() throws {
        let dir = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let long = String(repeating: "长", count: 40_000) + "x"
        let p = F.period("2026-10"), old = Period(year: 1970, month: 1)!
        // One folder, files and lines in listing order (a folder-level issue, file "", comes after the four files).
        let issues = [
            ValidationIssue(.error, period: p, folder: F.v1, file: "Hazards.CSV", line: nil, column: "", value: "", rule: "file.empty", message: "空"),
            ValidationIssue(.error, period: p, folder: F.v1, file: "Hazards.CSV", line: 0, column: "category", value: "用电",
                            rule: "enum.unknown", message: "隐患类别「用电」不在清单中，是否为「供用电」？"),
            ValidationIssue(.warning, period: p, folder: F.v1, file: "Hazards.CSV", line: 7, column: "description",
                            value: "🔥👩‍🚒 e\u{301} \0 tab\t\"quote\",comma\r\nnew line", rule: "x", message: "😀"),
            ValidationIssue(.error, period: p, folder: F.v1, file: "Hazards.CSV", line: 1_000_000_000, column: "not_a_column",
                            value: long, rule: "row.long", message: long),
            ValidationIssue(.warning, period: old, folder: F.v1, rule: "", message: ""),
            ValidationIssue(.error, period: p, folder: F.v1, file: "其他文件.txt", line: Int.max, column: "zz", value: "=1+2", rule: "r",
                            message: "m"),
        ]
        let spill = IssueSpill(directory: dir, threshold: 2)
        var list = IssueList(spill: spill)
        list.append(contentsOf: issues)
        list.seal()
        #expect(spill.bytesWritten > 0)
        #expect(spill.failure == nil)
        let back = Array(list)
        #expect(back == issues)
        // Field by field, so a difference names the field.
        for (a, b) in zip(back, issues) {
            #expect(a.severity == b.severity && a.period == b.period && a.folder == b.folder && a.file == b.file)
            #expect(a.line == b.line && a.column == b.column && a.rule == b.rule)
            #expect(Array(a.value.utf8) == Array(b.value.utf8) && Array(a.message.utf8) == Array(b.message.utf8))
        }
        #expect(list.count == 6 && list.errorCount == 4 && list.warningCount == 2)
        // Iterating twice reads the same back.
        #expect(Array(list) == issues)
    }

    @Test func theSpillFileIsUnlinkedAsSoonAsItIsMade() throws {
        let dir = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, threshold: 1)
        var list = IssueList(spill: spill)
        for line in 1...500 {
            list.append(ValidationIssue(.error, period: F.period("2026-10"), folder: F.v1, file: "inspections.csv", line: line,
                                        column: "inspector", rule: "required.missing", message: "排查人为必填项"))
        }
        list.seal()
        #expect(spill.bytesWritten > 10_000)
        // Written and still readable, yet no name is left in the folder: nothing to clean up, even after SIGKILL.
        #expect(try Self.entries(dir) == [])
        #expect(Array(list).map { $0.line! } == Array(1...500))
    }

    @Test func aFullTempFolderFailsWithAnEnglishLineAndLosesNoIssue() throws {
        let dir = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, threshold: 4, byteLimit: 600)
        var list = IssueList(spill: spill)
        let issues = (1...100).map {
            ValidationIssue(.error, period: F.period("2026-10"), folder: F.v1, file: "inspections.csv", line: $0,
                            column: "inspector", rule: "required.missing", message: "排查人为必填项，不能为空，请填写。")
        }
        list.append(contentsOf: issues)
        list.seal()
        let failure = try #require(spill.failure)
        #expect(failure.contains("temporary file") && failure.contains(dir.path) && failure.contains("No space left on device"))
        #expect(list.spillFailure == failure)
        // What could not be written stays in memory: the listing is still whole (the run fails anyway).
        #expect(Array(list) == issues)
        #expect(ReportIssues([list], config: F.config()).spillFailure == failure)
    }

    @Test func aSharedListIsCopiedBeforeItIsAppendedTo() throws {
        let spill = IssueSpill(directory: try Self.emptyTempDir(), threshold: 2)
        func issue(_ line: Int) -> ValidationIssue {
            ValidationIssue(.error, period: F.period("2026-10"), folder: F.v1, file: "trainings.csv", line: line, rule: "r", message: "m")
        }
        var a = IssueList(spill: spill)
        for l in 1...5 { a.append(issue(l)) }
        var b = a
        b.append(issue(6))
        a.append(issue(7))
        #expect(Array(a).map { $0.line! } == [1, 2, 3, 4, 5, 7])
        #expect(Array(b).map { $0.line! } == [1, 2, 3, 4, 5, 6])
    }

    /// Random issues over a few folders, files, lines, columns and rules: fully shuffled, or in order with a
    /// few out of place (as validation appends them), split into lists as the report's folders and files are.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func listingOrderEqualsIssueOrderSorted(seed: UInt64) throws {
        var rng = SeededRandom(state: seed)
        let config = F.config()
        let folders = [F.townCode, F.v1, F.v2, "999", "2026-10"]
        let files = ["inspections.csv", "Hazards.CSV", "agreements.csv", "trainings.csv", "notes.txt", "", "提交表.xlsx（排查记录）"]
        let columns = ["", "inspection_date", "inspector", "hazards_found", "hazard_id", "category", "party_code", "theme", "zz"]
        let dir = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<40 {
            func random() -> ValidationIssue {
                ValidationIssue(Bool.random(using: &rng) ? .error : .warning, period: F.period("2026-10"),
                                folder: folders.randomElement(using: &rng)!, file: files.randomElement(using: &rng)!,
                                line: Int.random(in: 0...8, using: &rng) == 0 ? nil : Int.random(in: 1...6, using: &rng),
                                column: columns.randomElement(using: &rng)!, value: "v\(Int.random(in: 0...3, using: &rng))",
                                rule: ["a", "b", "c"].randomElement(using: &rng)!, message: "m\(Int.random(in: 0...1000, using: &rng))")
            }
            let n = Int.random(in: 0...300, using: &rng)
            var all = (0..<n).map { _ in random() }
            if round % 2 == 0 {
                all = IssueOrder.sorted(all, config: config)
                for _ in 0..<(n / 20) where n > 1 { all.swapAt(Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng)) }
            }
            // Split into consecutive lists; each spills with its own tiny threshold, or stays in memory.
            var lists: [IssueList] = []
            var rest = all[...]
            while !rest.isEmpty {
                let k = Int.random(in: 1...max(1, rest.count), using: &rng)
                let threshold = Int.random(in: 0...6, using: &rng)
                var list = IssueList(spill: threshold == 0 ? nil : IssueSpill(directory: dir, threshold: threshold))
                list.append(contentsOf: rest.prefix(k))
                if Bool.random(using: &rng) { list.seal() }
                lists.append(list)
                rest = rest.dropFirst(k)
            }
            let expected = IssueOrder.sorted(all, config: config)
            let report = ReportIssues(lists, config: config)
            #expect(Array(report) == expected, "seed \(seed) round \(round)")
            #expect(report.count == n && report.errorCount == expected.filter { $0.severity == .error }.count)
            for f in folders {
                let mine = report.folder(f)
                #expect(Array(mine) == expected.filter { $0.folder == f }, "seed \(seed) round \(round) folder \(f)")
                #expect(mine.count == expected.filter { $0.folder == f }.count)
                #expect(mine.errorCount == expected.filter { $0.folder == f && $0.severity == .error }.count)
            }
            // One list holding them all, spilled in chunks of 3: its own order is IssueOrder within each folder.
            var one = IssueList(spill: IssueSpill(directory: dir, threshold: 3))
            one.append(contentsOf: all)
            #expect(Array(ReportIssues([one], config: config)) == expected, "seed \(seed) round \(round) (one list)")
        }
        #expect(try Self.entries(dir) == [])
    }

    /// Thousands of rejected rows, and issues out of order (agreements' late checks, cross-check warnings):
    /// a report whose lists spill every 3 issues lists exactly what the in-memory one lists, in every output.
    @Test func spilledAndInMemoryRunsWriteTheSameBytes() throws {
        let town = try TownFixture()
        var inspections = "排查日期,小组编码,排查人,排查范围,发现隐患数\n"
        for i in 0..<3000 {
            switch i % 4 {
            case 0: inspections += "2026-10-0\(i % 9 + 1),,张三,,1\n"            // accepted; hazards_found disagrees
            case 1: inspections += "2026-13-01,V9-01,,,x\n"                     // four errors
            case 2: inspections += "2026-10-05,,李四,,-1,多余\n"                 // extra cell, negative count
            default: inspections += "\n"
            }
        }
        try town.write("inputs/2026-10/V1/inspections.csv", inspections)
        var agreements = "对象类型,对象编码,对象名称,是否签订,签订日期\n"
        for i in 0..<1500 {
            // Errors on party_code and party_name come before the party_type check's error on the earlier column.
            agreements += i % 2 == 0 ? "村(社区),V\(i),,是,\n" : "村民小组,V1-01,第一村民小组,否,2026-10-01\n"
        }
        try town.write("inputs/2026-10/V1/agreements.csv", agreements)
        try town.write("inputs/2026-10/V2/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n" + String(repeating: "2026-10-3,培训,,abc\n", count: 700))
        try town.write("inputs/2026-10/V2/notes.txt", "x")
        try town.write("inputs/2026-10/V9/hazards.csv", "x")
        let config = try town.config
        let p = F.period("2026-10")
        let dir = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spill = IssueSpill(directory: dir, threshold: 3)
        let spilled = ReportAssembler.assemble(config: config, period: p, issueSpill: spill).report
        let inMemory = ReportAssembler.assemble(config: config, period: p, issueSpill: nil).report
        #expect(spill.bytesWritten > 100_000 && spill.failure == nil)
        #expect(try Self.entries(dir) == [])
        #expect(spilled.issues.count > 6000 && spilled.issues.count == inMemory.issues.count)
        #expect(spilled.issues.errorCount == inMemory.issues.errorCount)

        // The listing is IssueOrder over every list, as the report used to sort it.
        let expected = IssueOrder.sorted(inMemory.issues.sources.flatMap { Array($0) }, config: config)
        #expect(Array(spilled.issues) == expected)
        #expect(SummaryCSVs.issues(spilled) == SummaryCSVs.issues(inMemory))
        var streamed: [UInt8] = []
        SummaryCSVs.issues(spilled, chunkBytes: 1000) { streamed += $0 }
        #expect(streamed == SummaryCSVs.issues(inMemory))

        let out = try Self.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        for (name, report) in [("spilled", spilled), ("memory", inMemory)] {
            try TownWorkbook.write(report, to: out.appendingPathComponent("\(name)-town.xlsx").path)
            for v in report.villages {
                try VillageWorkbook.write(report, village: v, to: out.appendingPathComponent("\(name)-\(v.village.code).xlsx").path)
            }
        }
        for name in ["town", "V1", "V2"] {
            let a = try Data(contentsOf: out.appendingPathComponent("spilled-\(name).xlsx"))
            let b = try Data(contentsOf: out.appendingPathComponent("memory-\(name).xlsx"))
            #expect(a == b, "\(name).xlsx")
        }
    }
}

@Suite(.serialized) struct IssueSpillRunTests {
    /// A temp folder that fills up while a run spills its issues: exit 1 with the English line, nothing published,
    /// nothing left in the temp folder. Root ignores permissions, so the "full disk" is a file-size limit
    /// (RLIMIT_FSIZE with SIGXFSZ ignored: write(2) fails with EFBIG part-way, as it would with ENOSPC).
    /// Not under ThreadSanitizer (scripts/sanitize.sh sets TSAN_OPTIONS): its runtime dies of SIGBUS at start-up
    /// under a file-size limit, before any of our code runs (as for HistoryTests' write-failure test).
    @Test(.disabled(if: ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil,
                    "ThreadSanitizer's runtime cannot start under a file-size limit"))
    func aTempFolderThatFillsUpFailsTheRunAndKeepsThePreviousOutputs() throws {
        let town = try TownFixture()
        func inspections(_ rows: Int) -> String {
            "排查日期,小组编码,排查人,排查范围,发现隐患数\n" + String(repeating: "2026-10-01,,张三,,x\n", count: rows)
        }
        try town.write("inputs/2026-10/V1/inspections.csv", inspections(10))
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        let folder = town.root.appendingPathComponent("outputs/2026-10")
        func contents() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for name in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
                let url = folder.appendingPathComponent(name)
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { out[name] = try Data(contentsOf: url) }
            }
            return out
        }
        let before = try contents()
        // 5,000 rejected rows spill far more than the 200 KB allowed; every output of this town is smaller.
        try town.write("inputs/2026-10/V1/inspections.csv", inspections(5000))
        let tmp = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "trap '' XFSZ; ulimit -f 400; exec \"$0\" run --period 2026-10", CLI.binary.path]
        p.currentDirectoryURL = town.root
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        let err = Pipe()
        p.standardError = err; p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "\(message)")
        #expect(message.contains("cannot keep validation issues in a temporary file in \(tmp.path)"), "\(message)")
        #expect(message.contains("File too large"), "\(message)")
        #expect(try contents() == before)
        #expect(try IssueListTests.entries(tmp) == [])
        // With room again, the same run lists every row.
        let ok = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(ok.code == 0, "\(ok.err)")
        let csv = try town.read("outputs/2026-10/validation_issues.csv")
        #expect(csv.split(separator: 0x0A).count == 5001)
    }
}
