// The executable as cron and a clerk use it: exit codes 0/1/2/3/4, nothing written on a bad config, check writes nothing.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

/// Runs the `safety-report` built beside this test bundle.
struct CLI {
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Swift Testing on Linux runs the .xctest binary from .build/<config>/.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("safety-report").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("safety-report")
    }

    /// (exit code, stdout, stderr)
    static func run(_ args: [String], in dir: URL, environment: [String: String?] = [:]) throws -> (code: Int32, out: String, err: String) {
        try runProcess(binary, args, in: dir, environment: environment)
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func runWritesTheReportAndEndsWithOneSummaryLine() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        // Not a terminal: plain timestamped lines, the last one the summary.
        let lines = r.err.split(separator: "\n")
        #expect(lines.allSatisfy { $0.first?.isNumber == true })
        #expect(lines.last?.contains("done 2026-10: 2 villages") == true)
        #expect(FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs/2026-10/summary_town.csv").path))
    }

    /// A TZ glibc cannot read (a crontab's TZ=Asia/Beijing, or an empty one) would be UTC without a word, and the
    /// cron line's month would be wrong at 02:00 on the 1st east of Greenwich: it is dropped for the system's zone,
    /// with a warning. A TZ it reads (a POSIX rule here, so the test needs no tzdata) is honoured, without one.
    @Test func anUnreadableTZFallsBackToTheSystemZoneWithAWarning() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let noZones = town.root.appendingPathComponent("no-zones").path
        try FileManager.default.createDirectory(atPath: noZones, withIntermediateDirectories: true)
        let system = try CLI.run(["check", "--period", "2026-10"], in: town.root, environment: ["TZ": nil])
        let offset = { (text: String) in text.split(separator: "\n").first.map { $0.split(separator: " ")[0].dropFirst(19) } }
        for tz in ["Asia/Beijing", "", "Invalid/Zone"] {
            let r = try CLI.run(["check", "--period", "2026-10"], in: town.root, environment: ["TZ": tz, "TZDIR": noZones])
            #expect(r.err.contains("warning TZ=\"\(tz)\" is not a time zone this system knows"), "\(r.err)")
            #expect(r.err.contains("using the system's zone instead"))
            #expect(offset(r.err) == offset(system.err), "\(r.err)")
            #expect(r.code == system.code)
        }
        let rule = try CLI.run(["check", "--period", "2026-10"], in: town.root, environment: ["TZ": "CST-8", "TZDIR": noZones])
        #expect(!rule.err.contains("is not a time zone"))
        #expect(offset(rule.err) == "+08:00", "\(rule.err)")
    }

    @Test func theManifestNamesTheConfigFileItWasBuiltFrom() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try FileManager.default.copyItem(at: town.root.appendingPathComponent("pipeline.json"),
                                         to: town.root.appendingPathComponent("qingshi.json"))
        #expect(try CLI.run(["run", "--config", "qingshi.json", "--period", "2026-10"], in: town.root).code == 0)
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        #expect(manifest.config.path == "qingshi.json")
        #expect(manifest.config.sha256 == SHA256.hexDigest(of: try town.read("qingshi.json")))
    }

    /// `run` ends the process as soon as its work is reported, without tearing its objects down (`Console.exitNow`):
    /// what it printed is all there, and the outputs lock is let go as before — holder line truncated, unlocked.
    @Test func aRunEndsWithItsTimingsPrintedAndTheLockLetGo() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["run", "--period", "2026-09", "--timings"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("manifest and commit") && r.out.contains("workbooks and other CSVs"), "\(r.out)")
        #expect(r.out.split(separator: "\n").last?.hasPrefix("input ") == true, "\(r.out)")
        #expect(r.err.split(separator: "\n").last?.contains("done 2026-09:") == true, "\(r.err)")
        let lock = town.root.appendingPathComponent("outputs/.lock").path
        #expect(try town.read("outputs/.lock").isEmpty)
        let fd = open(lock, O_RDWR)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        close(fd)
        // The process's output to a pipe (buffered, not a terminal) is flushed before it ends: quiet, with --strict.
        let strict = try CLI.run(["run", "--period", "2026-10", "--timings", "--strict", "--quiet"], in: town.root)
        #expect(strict.code == 3)
        #expect(strict.out.split(separator: "\n").last?.hasPrefix("input ") == true, "\(strict.out)")
        #expect(try town.read("outputs/.lock").isEmpty)
    }

    @Test func strictExitsThreeWhenSomethingWasRejected() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-10", "--strict"], in: town.root).code == 3)
        #expect(try CLI.run(["check", "--period", "2026-10", "--strict"], in: town.root).code == 3)
        // September had nothing rejected.
        #expect(try CLI.run(["run", "--period", "2026-09", "--strict"], in: town.root).code == 0)
    }

    @Test func aBadConfigExitsTwoNamingTheKeyAndWritesNothing() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("pipeline.json", #"{"town": {"code": "T1"}, "villages": [{"code": "V 1", "name": "东湖村"}]}"#)
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 2)
        #expect(r.err.contains("town.name"))
        #expect(r.err.contains("villages[0].code"))
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
        #expect(try CLI.run(["run", "--period", "2026-13"], in: town.root).code == 2)
    }

    @Test func aWorkbookNameTooLongForTheFileSystemIsAConfigErrorNotAWriteFailure() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        var json = try String(decoding: town.read("pipeline.json"), as: UTF8.self)
        json.removeLast()
        try town.write("pipeline.json", json + #", "report": {"workbook_name": "\#(String(repeating: "报", count: 200))"}}"#)
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 2, "\(r.err)")
        #expect(r.err.contains("report.workbook_name: is too long: 605 bytes"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
    }

    @Test func inspectShowsAWorkbooksDatasetSheetsAndTellsAWorkbookNamedCSVToBeRenamed() throws {
        let town = try TownFixture()
        let rows = #"<row r="1"><c r="A1" t="inlineStr"><is><t>排查日期</t></is></c><c r="B1" t="inlineStr"><is><t>排查人</t></is></c><c r="C1" t="inlineStr"><is><t>发现隐患数</t></is></c><c r="D1" t="inlineStr"><is><t>备注</t></is></c></row>"#
            + #"<row r="4"><c r="A4" t="inlineStr"><is><t>2026-10-05</t></is></c><c r="B4" t="inlineStr"><is><t>张三</t></is></c><c r="C4"><v>2</v></c></row>"#
        let bytes = try handMadeXlsx(sheets: [("说明", "", false), ("排查记录", rows, false)])
        try town.writeBytes("提交表.xlsx", bytes)
        let r = try CLI.run(["inspect", "提交表.xlsx"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Sheet \"说明\": not a dataset sheet (ignored)"), "\(r.out)")
        #expect(r.out.contains("Sheet \"排查记录\": inspections (排查记录)"))
        #expect(r.out.contains("Header:        row 1, 4 cells") && r.out.contains("-> hazards_found") && r.out.contains("(unknown column: ignored)"))
        #expect(r.out.contains("Records:       1 data"))
        #expect(!r.out.contains("save as CSV") && !r.out.contains("另存为"))
        let json = try CLI.run(["inspect", "--json", "提交表.xlsx"], in: town.root)
        #expect(json.out == """
            {"sheet":"排查记录","row":1,"fields":["排查日期","排查人","发现隐患数","备注"]}
            {"sheet":"排查记录","row":4,"fields":["2026-10-05","张三","2"]}

            """)
        // The same workbook saved as inspections.csv: read as a workbook, with the advice to name it .xlsx; exit 1.
        try town.writeBytes("inspections.csv", bytes)
        let named = try CLI.run(["inspect", "inspections.csv"], in: town.root)
        #expect(named.code == 1)
        #expect(named.out.contains("rename it to .xlsx, e.g. inspections.xlsx") && named.out.contains("Records:       1 data"), "\(named.out)")
    }

    @Test func checkListsIssuesAndWritesNothing() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["check", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0)
        #expect(r.out.contains("inputs/2026-10/V1/inspections.csv:4:hazards_found: error: [integer.format]"))
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
    }

    @Test func aHeldLockExitsFour() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        do {
            let held = try OutputLock(outputs: town.root.appendingPathComponent("outputs"))
            let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
            #expect(r.code == 4)
            #expect(r.err.contains("another safety-report run (pid \(ProcessInfo.processInfo.processIdentifier), started "), "\(r.err)")
            withExtendedLifetime(held) {}
        }
        let after = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(after.code == 0, "\(after.err)")
    }

    @Test func unwritableOutputsExitOne() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("pipeline.json", """
        {"town": {"code": "T1", "name": "青石镇"}, "villages": [{"code": "V1", "name": "东湖村", "kind": "村", "population": 500}],
         "outputs": "blocked/outputs"}
        """)
        try town.write("blocked", "a file where a folder should be")
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 1, "\(r.err)")
        #expect(r.err.contains("cannot create outputs folder \(town.root.path)/blocked/outputs: \(town.root.path)/blocked is a file, not a folder"), "\(r.err)")
    }

    @Test func inspectJSONPrintsEveryRecordAsParsed() throws {
        let town = try TownFixture()
        try town.writeBytes("x.csv", [0xEF, 0xBB, 0xBF] + Array("a,b\r\n\"1,\"\"x\"\"\",\" y\ny\"\r\n".utf8))
        let r = try CLI.run(["inspect", "x.csv", "--json"], in: town.root)
        #expect(r.code == 0)
        #expect(r.out == "[\"a\",\"b\"]\n[\"1,\\\"x\\\"\",\" y\\ny\"]\n")
        let text = try CLI.run(["inspect", "x.csv"], in: town.root)
        #expect(text.out.contains("UTF-8 (BOM)") && text.out.contains("CRLF"))
    }

    @Test func demoIsReproducibleAndItsTownRuns() throws {
        let town = try TownFixture()
        for out in ["a", "b"] {
            #expect(try CLI.run(["demo", "--out", out, "--villages", "5", "--months", "2", "--end", "2026-10", "--seed", "7"], in: town.root).code == 0)
        }
        let a = try FileManager.default.subpathsOfDirectory(atPath: town.root.appendingPathComponent("a").path).sorted()
        #expect(a.contains("pipeline.json") && a.count > 20)
        for path in a where !path.hasSuffix("/") {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: town.root.appendingPathComponent("a/" + path).path, isDirectory: &isDir)
            if !exists || isDir.boolValue { continue }
            #expect(try town.read("a/" + path) == town.read("b/" + path), "\(path)")
        }
        let r = try CLI.run(["run", "--config", "a/pipeline.json", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        #expect(FileManager.default.fileExists(atPath: town.root.appendingPathComponent("a/outputs/2026-10/manifest.json").path))
    }

    @Test func demoNeverOverwritesARealTownNorMixesWithLeftovers() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.read("pipeline.json")
        // Into a real town's folder: refused, nothing written.
        let r = try CLI.run(["demo", "--out", ".", "--villages", "2", "--months", "1", "--end", "2026-10"], in: town.root)
        #expect(r.code == 2 && r.err.contains("demo never overwrites files"), "\(r.err)")
        #expect(try town.read("pipeline.json") == config)
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("inputs/2026-10/330683105").path))
        // The same demo again is fine; another seed over it, or a stray file in its inputs, is not.
        let args = ["demo", "--out", "d", "--villages", "2", "--months", "1", "--end", "2026-10"]
        #expect(try CLI.run(args, in: town.root).code == 0)
        #expect(try CLI.run(args, in: town.root).code == 0)
        #expect(try CLI.run(args + ["--seed", "9"], in: town.root).code == 2)
        try town.write("d/inputs/2026-09/330683105201/hazards.csv", "隐患编号\n")
        #expect(try CLI.run(args, in: town.root).code == 2)
    }

    @Test func templatesWriteHeadersAndTheRegistryParties() throws {
        let town = try TownFixture()
        #expect(try CLI.run(["templates", "--out", "tpl"], in: town.root).code == 0)
        let agreements = try SourceReader.read(try town.read("tpl/T1/agreements.csv"))
        #expect(agreements.records[0].fields == ["对象类型", "对象编码", "对象名称", "是否签订", "签订日期"])
        #expect(agreements.records.dropFirst().map { $0.fields[1] } == ["V1", "V2", "KU1"])
        #expect(try SourceReader.read(try town.read("tpl/V1/hazards.csv")).records.count == 1)
    }
}

@Suite(.serialized) struct RebuildTests {
    @Test func aCorrectedEarlierMonthIsStaleUntilRebuilt() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["run", "--period", "2026-09"], in: town.root).code == 0)
        #expect(try CLI.run(["run", "--period", "2026-10"], in: town.root).code == 0)
        try town.correctSeptembersHazards()
        let warned = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(warned.err.contains("report 2026-09 is stale (inputs/2026-09/V1/hazards.csv changed)"))
        let r = try CLI.run(["rebuild"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("rebuilding 2026-09"))
        #expect(r.err.contains("changed village V1 东湖村 hazards_rectified: 0 → 1"))
        #expect(r.err.contains("2026-10 is up to date"))   // the run above already rebuilt October
        #expect(try CLI.run(["rebuild"], in: town.root).err.contains("rebuild: 0 of 2 period(s) rebuilt"))
    }
}
