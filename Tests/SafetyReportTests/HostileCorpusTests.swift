// Hostile files, generated here (nothing large is committed): each ends in a clear issue naming the file and line, never a crash.
import Foundation
import Testing
@testable import SafetyReport

private let inspectionsHeader = "排查日期,小组编码,排查人,排查范围,发现隐患数\n"
private let hazardsHeader = "隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,地点,整改责任人,整改期限,整改状态,整改完成日期,是否上报,上报部门\n"
private let trainingsHeader = "活动日期,小组编码,活动形式,活动主题,参与对象,参与人数,时长(小时),发放资料(份)\n"
private let agreementsHeader = "对象类型,对象编码,对象名称,是否签订,签订日期\n"
private func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
private func gb18030(_ s: String) -> [UInt8] { try! Iconv.convert(utf8(s), from: "UTF-8", to: "GB18030") }
private func utf16LE(_ s: String) -> [UInt8] { try! Iconv.convert(utf8(s), from: "UTF-8", to: "UTF-16LE") }

/// What must become of one hostile file.
enum HostileOutcome: Sendable {
    /// Rejected whole: one error with this rule, on this line (nil: no line), and no rows counted.
    case rejected(String, line: Int?)
    /// Read: so many data rows, so many rejected, and at least these (line, column, rule prefix) issues.
    case rows(read: Int, rejected: Int, issues: [(Int, String, String)])
}

struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var file: String
    var bytes: @Sendable () -> [UInt8]
    var outcome: HostileOutcome
    var testDescription: String { name }
}

private func hc(_ name: String, _ file: String, _ outcome: HostileOutcome, _ bytes: @escaping @Sendable () -> [UInt8]) -> HostileCase {
    HostileCase(name: name, file: file, bytes: bytes, outcome: outcome)
}

let hostileCases: [HostileCase] = [
    // Broken CSV structure.
    hc("unterminated quote", "inspections.csv", .rejected("file.unterminated_quote", line: 2)) {
        utf8(inspectionsHeader + "2026-10-05,,张三,\"村口,0\n2026-10-06,,李四,,1\n") },
    hc("quotes inside unquoted fields", "inspections.csv", .rows(read: 1, rejected: 0, issues: [])) {
        utf8(inspectionsHeader + "2026-10-05,,张\"三,东\"\"头,0\n") },
    hc("ragged rows", "inspections.csv", .rows(read: 2, rejected: 1, issues: [(2, "hazards_found", "required.missing"), (3, "", "row.extra_cells")])) {
        utf8(inspectionsHeader + "2026-10-05,,张三\n2026-10-06,,李四,,0,多余\n") },
    hc("lone CR line endings", "inspections.csv", .rows(read: 2, rejected: 1, issues: [(3, "hazards_found", "integer.format")])) {
        utf8(inspectionsHeader.replacingOccurrences(of: "\n", with: "\r") + "2026-10-05,,张三,,0\r2026-10-06,,李四,,abc\r") },
    hc("NUL bytes", "inspections.csv", .rejected("file.binary", line: nil)) {
        utf8(inspectionsHeader + "2026-10-05,,张三,,0\n") + [0, 0] + utf8("\n") },
    hc("a 3 MB cell", "hazards.csv", .rejected("file.field_too_long", line: 2)) {
        utf8(hazardsHeader + "H1,2026-10-03,,供用电,一般,\"" + String(repeating: "长", count: 1 << 20) + "\",,张三,2026-10-30,未整改,,,\n") },
    hc("a header of 100,000 columns", "trainings.csv", .rejected("file.too_many_columns", line: 1)) {
        utf8((0..<100_000).map { "列\($0)" }.joined(separator: ",") + "\n") },
    hc("a 50 MB file", "trainings.csv", .rejected("file.too_large", line: nil)) {
        let row = utf8("2026-10-12,,专题讲座,消防安全知识讲座与应急疏散演练,居民,40,1.5,100\n")
        var bytes = utf8(trainingsHeader)
        bytes.reserveCapacity(50 << 20)
        while bytes.count < 50 << 20 { bytes += row }
        return bytes
    },
    // Broken encodings.
    hc("invalid in UTF-8 and in GB18030", "inspections.csv", .rejected("file.encoding", line: 3)) {
        utf8(inspectionsHeader + "2026-10-05,,张三,,0\n2026-10-06,,") + [0xFF, 0xFE, 0xFF] + utf8(",,0\n") },
    hc("truncated multi-byte sequence at the end", "inspections.csv", .rejected("file.encoding", line: 2)) {
        utf8(inspectionsHeader + "2026-10-05,,张三,,0") + [0xE4] },
    hc("mixed encodings in one file", "inspections.csv", .rejected("file.encoding", line: 3)) {
        gb18030(inspectionsHeader + "2026-10-05,,张三,,0\n") + utf8("2026-10-06,,东湖村,,0\n") },
    hc("UTF-16 with a BOM, tab-separated (Excel's Unicode text)", "inspections.csv", .rows(read: 1, rejected: 0, issues: [])) {
        [0xFF, 0xFE] + utf16LE("排查日期\t排查人\t发现隐患数\r\n2026-10-05\t张三\t0\r\n") },
    hc("UTF-16 without a BOM", "inspections.csv", .rejected("file.binary", line: nil)) {
        utf16LE("排查日期,排查人,发现隐患数\n2026-10-05,张三,0\n") },
    hc("UTF-16 cut in the middle of a character", "inspections.csv", .rejected("file.encoding", line: 2)) {
        [0xFF, 0xFE] + utf16LE("排查日期\t排查人\t发现隐患数\n2026") + [0x30] },
    // Impossible values: each row rejected, the error on its line and column.
    hc("impossible dates", "hazards.csv", .rows(read: 4, rejected: 4, issues: [
        (2, "found_date", "date."), (3, "found_date", "date."), (4, "found_date", "date."), (5, "deadline", "date.")])) {
        utf8(hazardsHeader + """
        H1,2026-02-30,,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,
        H2,2026-13-01,,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,
        H3,0001-10-01,,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,
        H4,2026-10-01,,供用电,一般,电线老化,,张三,9999-99-99,未整改,,,

        """) },
    hc("integers beyond 64 bits and negative counts", "trainings.csv", .rows(read: 3, rejected: 3, issues: [
        (2, "participants", "integer.format"), (3, "participants", "integer.negative"), (4, "materials", "integer.")])) {
        utf8(trainingsHeader + """
        2026-10-12,,专题讲座,消防,,99999999999999999999999999,,
        2026-10-12,,专题讲座,消防,,-3,,
        2026-10-12,,专题讲座,消防,,3,,-18446744073709551617

        """) },
    hc("year 9999 is outside the period", "inspections.csv", .rows(read: 1, rejected: 1, issues: [(2, "inspection_date", "date.outside_period")])) {
        utf8(inspectionsHeader + "9999-12-31,,张三,,0\n") },
    // Identifiers with path characters never become paths: they are invalid codes.
    hc("path characters in hazard ids and group codes", "hazards.csv", .rows(read: 3, rejected: 3, issues: [
        (2, "hazard_id", "code.format"), (3, "hazard_id", "code.format"), (4, "group_code", "")])) {
        utf8(hazardsHeader + """
        ../../etc/passwd,2026-10-03,,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,
        ..\\\\H2,2026-10-03,,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,
        H3,2026-10-03,V1-01/..,供用电,一般,电线老化,,张三,2026-10-30,未整改,,,

        """) },
    hc("path characters in party codes", "agreements.csv", .rows(read: 1, rejected: 1, issues: [(2, "party_code", "")])) {
        utf8(agreementsHeader + "村民小组,../V1-01,第一村民小组,是,2026-01-05\n") },
    // Empty and header-only files.
    hc("empty file", "trainings.csv", .rejected("file.empty", line: nil)) { [] },
    hc("blank lines only", "trainings.csv", .rejected("file.empty", line: nil)) { utf8("\n\r\n,,,\n") },
    hc("header only", "trainings.csv", .rows(read: 0, rejected: 0, issues: [])) { utf8(trainingsHeader) },
]

@Suite struct HostileCorpusTests {
    /// Each hostile file alone in V1's folder for 2026-10, through the whole assembly (scan, read, validate, compute).
    @Test(arguments: hostileCases) func eachHostileFileEndsInAClearIssue(_ c: HostileCase) throws {
        let town = try TownFixture()
        try town.writeBytes("inputs/2026-10/V1/" + c.file, c.bytes())
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let stat = try #require(report.fileStats.first { $0.folder == "V1" && $0.fileName == c.file })
        let issues = report.issues.filter { $0.folder == "V1" && $0.file == c.file }
        let v1 = try #require(report.villages.first { $0.village.code == "V1" })
        // Every row accounted for, in the file and in the village's figures.
        #expect(stat.rowsRead == stat.rowsAccepted + stat.rowsRejected)
        #expect(v1.figures.rowsRead == stat.rowsRead && v1.figures.rowsRejected == stat.rowsRejected)
        switch c.outcome {
        case .rejected(let rule, let line):
            #expect(stat.state == "rejected", "\(stat)")
            #expect(stat.rowsRead == 0)
            #expect(v1.figures.filesSubmitted == 0)
            let issue = try #require(issues.first { $0.rule == rule }, "\(issues.map(\.rule))")
            #expect(issue.severity == .error)
            #expect(issue.line == line)
            #expect(!issue.message.isEmpty)
        case .rows(let read, let rejected, let expected):
            #expect(stat.rowsRead == read)
            #expect(stat.rowsRejected == rejected)
            for (line, column, rule) in expected {
                #expect(issues.contains { $0.line == line && $0.column == column && $0.rule.hasPrefix(rule) },
                        "line \(line) \(column) \(rule) in \(issues.map { "\($0.line ?? 0):\($0.column):\($0.rule)" })")
            }
        }
        // A rejected row always has an error on its own line.
        let errorLines = Set(issues.filter { $0.severity == .error }.compactMap(\.line))
        #expect(errorLines.count >= min(stat.rowsRejected, 1))
    }

    /// Folders and entries that are not files, and symlinks leading out of inputs/ (at a file, a village
    /// folder and a period folder): each is an issue, and nothing outside inputs/ is read.
    @Test func entriesThatAreNotFilesOrLeadOutsideAreIssuesAndAreNotRead() throws {
        let town = try TownFixture()
        let fm = FileManager.default
        let csv = utf8(inspectionsHeader + "2026-10-05,,张三,,0\n")
        try town.writeBytes("outside/inspections.csv", csv)
        try town.writeBytes("outside/2026-10/V1/inspections.csv", csv)
        try fm.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V1/trainings.csv"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V1/inspections.csv").path,
                                  withDestinationPath: "../../../outside/inspections.csv")
        try fm.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V2").path,
                                  withDestinationPath: town.root.appendingPathComponent("outside").path)
        try town.writeBytes("inputs/2026-10/V9/inspections.csv", csv)                 // unregistered
        try fm.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-09").path,
                                  withDestinationPath: town.root.appendingPathComponent("outside/2026-10").path)

        let config = try town.config
        let assembled = ReportAssembler.assemble(config: config, period: Period("2026-10")!)
        let rules = assembled.report.issues.map { "\($0.folder)/\($0.file):\($0.rule)" }
        #expect(rules.contains("V1/trainings.csv:file.unreadable"))
        #expect(rules.contains("V1/inspections.csv:file.unreadable"))
        #expect(rules.contains("V2/:entry.unreadable"))
        #expect(rules.contains("V9/:folder.unregistered"))
        #expect(assembled.report.issues.contains { $0.rule == "file.unreadable" && $0.message.contains("inputs 目录之外") })
        // Nothing was read: no input recorded, no rows anywhere.
        #expect(assembled.inputs.isEmpty)
        #expect(assembled.report.town.figures.rowsRead == 0)
        // The period folder that is a symlink out of inputs/ is reported and nothing under it is read.
        let september = InputScanner(config: config).scan(Period("2026-09")!)
        #expect(september.folders.isEmpty)
        #expect(september.issues.map(\.rule) == ["entry.unreadable"])
        #expect(Array(september.issues)[0].message.contains("inputs 目录之外"))
    }

    /// A bad pipeline.json (invalid JSON, a duplicate code, a code with path characters, a missing key)
    /// stops the run with exit 2, names the key, and writes nothing.
    @Test(arguments: [
        (#"{"town": {"code": "T1", "name": "青石镇"}, "villages": [}"#, "pipeline.json"),
        (#"{"town": {"code": "T1", "name": "青石镇"}, "villages": [{"code": "T1", "name": "东湖村"}]}"#, "villages[0].code"),
        (#"{"town": {"code": "T1", "name": "青石镇"}, "villages": [{"code": "../V1", "name": "东湖村"}]}"#, "villages[0].code"),
        (#"{"town": {"code": "T1", "name": "青石镇"}, "villages": [{"code": "V1", "name": "东湖村", "groups": [{"code": "V1/01", "name": "一组"}]}]}"#, "villages[0].groups[0].code"),
        (#"{"town": {"code": "T1"}, "villages": []}"#, "town.name"),
        ("\u{FEFF}\u{0}", "pipeline.json"),
    ]) func aBrokenConfigExitsTwoAndWritesNothing(_ json: String, _ named: String) throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("pipeline.json", json)
        let r = try CLI.run(["run", "--period", "2026-10"], in: town.root)
        #expect(r.code == 2)
        #expect(r.err.contains(named), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
    }
}

/// Formula-like text (OWASP CSV injection) in every free-text column of the four files.
private let payloads = ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")"]

@Suite(.serialized) struct HostileRunTests {
    /// Every path under `root` (symlinks not followed) with its type, size and modification time.
    static func snapshot(_ root: URL, skipping skipped: String? = nil) -> [String] {
        var out: [String] = []
        func walk(_ dir: String, _ rel: String) {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
                let path = dir + "/" + name, r = rel.isEmpty ? name : rel + "/" + name
                if r == skipped { continue }
                var st = stat()
                guard lstat(path, &st) == 0 else { out.append(r + " ?"); continue }
                out.append("\(r) \(st.st_mode) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
                if st.st_mode & S_IFMT == S_IFDIR { walk(path, r) }
            }
        }
        walk(root.path, "")
        return out
    }

    static func run(_ args: [String], in dir: URL, tmp: URL) throws -> (code: Int32, err: String) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp.path
        p.environment = env
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice; p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    @Test func aRunOverTheHostileCorpusWritesOnlyUnderOutputsAndNeutralisesEveryFormula() throws {
        let town = try TownFixture()
        let fm = FileManager.default
        // Every hostile case but the 50 MB one (its own test shows it is refused from its size) gets a slot:
        // folder V1, V2 or the town's T1, one period each from 2026-01.
        let cases = hostileCases.filter { $0.name != "a 50 MB file" }
        for (i, c) in cases.enumerated() {
            let period = Period(year: 2026, month: 1 + i / 3)!
            try town.writeBytes("inputs/\(period)/\(["V1", "V2", "T1"][i % 3])/\(c.file)", c.bytes())
        }
        let october = "inputs/2026-10/V1/"
        func row(_ cells: [String]) -> String { cells.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n" }
        var inspections = inspectionsHeader, hazards = hazardsHeader, trainings = trainingsHeader, agreements = agreementsHeader
        for (i, p) in payloads.enumerated() {
            inspections += row(["2026-10-0\(i + 1)", "", p, p, "0"])
            hazards += row(["H\(i)", "2026-10-0\(i + 1)", "", "供用电", "一般", p, p, p, "2026-10-30", "未整改", "", "是", p])
            trainings += row(["2026-10-1\(i)", "", "专题讲座", p, "居民", "10", "", ""])
            agreements += row(["学校", "", p, "是", "2026-01-05"])
        }
        hazards += row(["H9", "2026-10-09", "", payloads[0], "一般", "x", "", "张三", "2026-10-30", "未整改", "", "", ""]) // an invalid value, as written
        try town.write(october + "inspections.csv", inspections)
        try town.write(october + "hazards.csv", hazards)
        try town.write(october + "trainings.csv", trainings)
        try town.write(october + "agreements.csv", agreements)
        // Non-files and ways out of inputs/.
        try town.writeBytes("outside/hazards.csv", utf8(hazardsHeader))
        try fm.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V2"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V2/hazards.csv").path,
                                  withDestinationPath: town.root.appendingPathComponent("outside/hazards.csv").path)
        try fm.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V2/trainings.csv"), withIntermediateDirectories: true)
        try town.writeBytes("inputs/2026-10/V9/hazards.csv", utf8(hazardsHeader))

        let tmp = town.root.deletingLastPathComponent().appendingPathComponent("sr-tmp-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let before = Self.snapshot(town.root)

        let check = try Self.run(["check", "--period", "2026-10"], in: town.root, tmp: tmp)
        #expect(check.code == 0, "\(check.err)")
        let strict = try Self.run(["check", "--period", "2026-10", "--strict"], in: town.root, tmp: tmp)
        #expect(strict.code == 3)
        let rebuild = try Self.run(["rebuild", "--from", "2026-01", "--to", "2026-10"], in: town.root, tmp: tmp)
        #expect(rebuild.code == 0, "\(rebuild.err)")

        // Nothing written outside outputs/, nothing left in the temp folder.
        #expect(Self.snapshot(town.root, skipping: "outputs") == before)
        #expect(try fm.contentsOfDirectory(atPath: tmp.path).isEmpty)
        let built = try fm.contentsOfDirectory(atPath: town.root.appendingPathComponent("outputs").path).filter { !$0.hasPrefix(".") }.sorted()
        // Every period with inputs was built (rebuild builds those of the range that have inputs).
        let withInputs = try fm.contentsOfDirectory(atPath: town.root.appendingPathComponent("inputs").path).sorted()
        #expect(built == withInputs && built.count == 8)

        // Every CSV output: no cell starts like a formula unless it is one of our own numbers.
        let out = town.root.appendingPathComponent("outputs/2026-10")
        var seen = Set<String>()
        for name in try fm.contentsOfDirectory(atPath: out.path) where name.hasSuffix(".csv") {
            for record in try SourceReader.read(try town.read("outputs/2026-10/" + name)).records {
                for cell in record.fields {
                    if let first = cell.unicodeScalars.first, "=+-@\t\r\n".unicodeScalars.contains(first) {
                        #expect(Double(cell) != nil, "\(name): \(cell)")
                    }
                    for p in payloads where cell.contains(p) {
                        #expect(cell.hasPrefix("'") || !cell.hasPrefix(String(p.prefix(1))), "\(name): \(cell)")
                        seen.insert(p)
                    }
                }
            }
        }
        #expect(seen == Set(payloads))     // each payload reached a CSV, neutralised
        // Workbooks: no formula anywhere; the payloads are plain strings.
        let workbooks = try fm.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".xlsx") }.map { out.path + "/" + $0 }
            + (try fm.contentsOfDirectory(atPath: out.path + "/villages")).map { out.path + "/villages/" + $0 }
        #expect(workbooks.count == 3)
        for path in workbooks {
            let parts = try XlsxParts(path: path)
            for (name, xml) in parts.parts where name.hasPrefix("xl/worksheets/") { #expect(!xml.contains("<f>"), "\(path) \(name)") }
        }
        let townStrings = try XlsxParts(path: workbooks[0]).allStrings
        for p in payloads { #expect(townStrings.contains(XlsxParts.unescape(p)) || townStrings.contains(p), "\(p)") }
    }
}
