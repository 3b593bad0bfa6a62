// End to end on a small hand-made town on disk: every output, counts that add up, reproducibility, changes, staleness.
import Foundation
import Testing
@testable import SafetyReport

/// A throwaway town folder: pipeline.json and inputs/, removed at the end.
final class TownFixture {
    let root: URL
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sr-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try write("pipeline.json", """
        {"town": {"code": "T1", "name": "青石镇"},
         "villages": [
           {"code": "V1", "name": "东湖村", "kind": "村", "population": 500,
            "groups": [{"code": "V1-01", "name": "第一村民小组"}, {"code": "V1-02", "name": "第二村民小组"}]},
           {"code": "V2", "name": "西山社区", "kind": "社区", "population": 300, "groups": []}],
         "key_units": [{"code": "KU1", "name": "青石化工", "village": "V1"}],
         "inputs": "inputs", "outputs": "outputs"}
        """)
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String, bom: Bool = false) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((bom ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8)).write(to: url)
    }
    func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: root.appendingPathComponent(path))) }
    func csv(_ path: String) throws -> [[String: String]] {
        let parsed = try SourceReader.read(try read(path))
        let header = parsed.records[0].fields
        return parsed.records.dropFirst().map { r in
            Dictionary(uniqueKeysWithValues: header.enumerated().map { ($0.element, $0.offset < r.fields.count ? r.fields[$0.offset] : "") })
        }
    }
    var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }

    /// The village corrects September's ledger: H2 was in fact already rectified on 09-28.
    func correctSeptembersHazards() throws {
        try write("inputs/2026-09/V1/hazards.csv", """
        隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期
        H1,2026-09-03,V1-01,供用电,一般,楼道私拉电线,张三,2026-09-20,未整改,
        H2,2026-09-10,,房屋,重大,危房,李四,2026-12-31,已整改,2026-09-28
        """)
    }

    /// September: V1 registers two hazards and signs one of its two groups; V2 sends nothing.
    /// October: V1 updates one hazard to rectified, has a bad row, and sends no agreements (carried forward).
    func fillSampleMonths() throws {
        try write("inputs/2026-09/V1/hazards.csv", """
        隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期
        H1,2026-09-03,V1-01,供用电,一般,楼道私拉电线,张三,2026-09-20,未整改,
        H2,2026-09-10,,房屋,重大,危房,李四,2026-12-31,整改中,
        """)
        try write("inputs/2026-09/V1/agreements.csv", """
        party_type,party_code,party_name,signed,signed_date
        group,V1-01,第一村民小组,是,2026-01-05
        """)
        try write("inputs/2026-10/V1/inspections.csv", """
        排查日期,排查人,发现隐患数
        2026-10-05,张三,0
        2026-10-20,张三,1
        2026-10-21,王五,abc
        """, bom: true)
        try write("inputs/2026-10/V1/Hazards.CSV", """
        hazard_id,found_date,category,level,description,responsible,deadline,status,rectified_date
        H1,2026-09-03,electricity,general,楼道私拉电线,张三,2026-09-20,rectified,2026-10-08
        H3,2026-10-20,公共设施,一般,"=HYPERLINK(""x"")",王五,2026-11-30,open,
        """)
        try write("inputs/2026-10/V1/trainings.csv", """
        活动日期,活动形式,活动主题,参与人数
        2026-10-12,专题讲座,消防安全,40
        ,,,
        """)
        try write("inputs/2026-10/T1/trainings.csv", "activity_date,form,theme,participants\n2026/10/9,drill,应急演练,25\n")
    }
}

@Suite(.serialized) struct EndToEndTests {
    @Test func buildsEveryOutputAndCountsAddUp() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        let p = Period("2026-10")!
        let outcome = try ReportRun.build(config: config, configSHA256: "x", period: p)
        let folder = "outputs/2026-10/"
        for name in ["summary_town.csv", "summary_villages.csv", "summary_groups.csv", "summary_categories.csv",
                     "hazard_ledger.csv", "validation_issues.csv", "changes.csv", "manifest.json",
                     "青石镇安全社区月报_2026-10.xlsx", "villages/V1.xlsx", "villages/V2.xlsx"] {
            #expect(FileManager.default.fileExists(atPath: town.root.appendingPathComponent(folder + name).path), "\(name)")
        }
        // Every file: accepted + rejected = read.
        for s in outcome.report.fileStats { #expect(s.rowsAccepted + s.rowsRejected == s.rowsRead, "\(s.folder)/\(s.fileName)") }
        let insp = try #require(outcome.report.fileStats.first { $0.folder == "V1" && $0.kind == .inspections })
        #expect((insp.rowsRead, insp.rowsAccepted, insp.rowsRejected) == (3, 2, 1))
        let trainings = try #require(outcome.report.fileStats.first { $0.folder == "V1" && $0.kind == .trainings })
        #expect(trainings.rowsRead == 1) // the blank row is not counted

        let v1 = try #require(try town.csv(folder + "summary_villages.csv").first { $0["village_code"] == "V1" })
        #expect(v1["files_submitted"] == "3")          // no agreements file in October
        #expect(v1["rows_read"] == "6" && v1["rows_rejected"] == "1")
        #expect(v1["inspections"] == "2" && v1["inspections_first_half"] == "1" && v1["inspections_second_half"] == "1")
        #expect(v1["hazards_new"] == "1" && v1["hazards_rectified"] == "1" && v1["hazards_open"] == "2")
        #expect(v1["hazards_new_ytd"] == "3" && v1["hazards_rectified_ytd"] == "1")
        #expect(v1["agreements_required"] == "2" && v1["agreements_signed"] == "1" && v1["signing_rate"] == "0.5000")
        #expect(v1["compliant"] == "0")
        let town1 = try #require(try town.csv(folder + "summary_town.csv").first)
        #expect(town1["trainings"] == "2")             // the town's own folder counts in the town total
        #expect(town1["training_participants"] == "65")
        // Formula-like text from inputs is neutralised in CSVs.
        let ledger = try town.csv(folder + "hazard_ledger.csv")
        #expect(ledger.first { $0["hazard_id"] == "H3" }?["description"] == "'=HYPERLINK(\"x\")")
        // The manifest lists the inputs it read and the outputs it wrote.
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent(folder + "manifest.json")))
        #expect(manifest.inputs.files.contains { $0.path == "2026-10/V1/Hazards.CSV" })
        #expect(manifest.outputs.contains { $0.name == "villages/V2.xlsx" })
        #expect(manifest.config.path == "pipeline.json")
        #expect(manifest.counts.rowsRead == manifest.counts.rowsAccepted + manifest.counts.rowsRejected)
        // Hashes are SHA-256 digests, as coreutils' sha256sum prints them.
        let hazards = try #require(manifest.inputs.files.first { $0.path == "2026-10/V1/Hazards.CSV" })
        let printed = try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"),
                                     [town.root.appendingPathComponent("inputs/2026-10/V1/Hazards.CSV").path]).out
        #expect(hazards.sha256.count == 64 && printed.hasPrefix(hazards.sha256 + " "))
        #expect(manifest.outputs.allSatisfy { $0.sha256.count == 64 } && manifest.inputs.listingSHA256.count == 64)
    }

    @Test func rerunIsByteIdenticalAndACorrectionShowsItsChanges() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        let p = Period("2026-10")!
        _ = try ReportRun.build(config: config, configSHA256: "x", period: p)
        func snapshot() throws -> [String: [UInt8]] {
            let dir = town.root.appendingPathComponent("outputs/2026-10")
            let names = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix("manifest.json") && $0.contains(".") }
            return try Dictionary(uniqueKeysWithValues: names.map { ($0, try town.read("outputs/2026-10/" + $0)) })
        }
        let first = try snapshot()
        let manifestURL = town.root.appendingPathComponent("outputs/2026-10/manifest.json")
        var firstManifest = try #require(Manifest.read(manifestURL))
        Thread.sleep(forTimeInterval: 1.1)
        let again = try ReportRun.build(config: config, configSHA256: "x", period: p)
        #expect(again.changes.isEmpty)
        #expect(try snapshot() == first)
        // The manifest differs only in its build time.
        let secondManifest = try #require(Manifest.read(manifestURL))
        #expect(firstManifest.builtAt != secondManifest.builtAt)
        firstManifest.builtAt = secondManifest.builtAt
        #expect(firstManifest == secondManifest)

        // Before the correction, the report matches its inputs; after it, it is stale.
        let manifest = try #require(Manifest.read(town.root.appendingPathComponent("outputs/2026-10/manifest.json")))
        #expect(StaleCheck.staleness(of: manifest, config: config, configSHA256: "x") == nil)
        try town.write("inputs/2026-10/V1/agreements.csv", """
        对象类型,对象编码,对象名称,是否签订,签订日期
        村民小组,V1-01,第一村民小组,是,2026-01-05
        村民小组,V1-02,第二村民小组,是,2026-10-15
        """)
        #expect(StaleCheck.staleness(of: manifest, config: config, configSHA256: "x") == .fileAdded("2026-10/V1/agreements.csv"))
        let rebuilt = try ReportRun.build(config: config, configSHA256: "x", period: p)
        let signed = try #require(rebuilt.changes.first { $0.code == "V1" && $0.column == "agreements_signed" })
        #expect((signed.old, signed.new) == ("1", "2"))
        #expect(try town.csv("outputs/2026-10/changes.csv").contains { $0["column"] == "signing_rate" && $0["new_value"] == "1.0000" })
        // The office sees the same in its workbook, on a 更正记录 sheet after the others.
        let workbook = try XlsxParts(path: town.root.appendingPathComponent("outputs/2026-10/青石镇安全社区月报_2026-10.xlsx").path)
        #expect(workbook.sheetNames.last == "更正记录")
        let row = try #require((4...40).first {
            workbook.cell("更正记录", "C\($0)") == "东湖村" && workbook.cell("更正记录", "E\($0)") == "agreements_signed"
        })
        #expect(workbook.cell("更正记录", "D\(row)") == "已签责任书")
        #expect(workbook.cell("更正记录", "F\(row)") == "1" && workbook.cell("更正记录", "G\(row)") == "2")
        // Rates are numbers shown as percentages, as everywhere in the workbooks (changes.csv keeps 0.5000 → 1.0000).
        let rate = try #require((4...40).first {
            workbook.cell("更正记录", "C\($0)") == "东湖村" && workbook.cell("更正记录", "E\($0)") == "signing_rate"
        })
        #expect(workbook.cell("更正记录", "F\(rate)") == "0.5" && workbook.cell("更正记录", "G\(rate)") == "1")
        #expect(workbook.numberFormat("更正记录", "F\(rate)")?.contains("%") == true)
        #expect(workbook.numberFormat("更正记录", "G\(rate)")?.contains("%") == true)
    }

    @Test func aFailedBuildLeavesThePreviousOutputsWhole() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        var config = try town.config
        let p = Period("2026-10")!
        _ = try ReportRun.build(config: config, configSHA256: "x", period: p)
        let before = try town.read("outputs/2026-10/summary_villages.csv")
        // A workbook name too long for the file system makes the build fail after the CSVs were staged.
        config.report.workbookName = String(repeating: "很", count: 100)
        try town.write("inputs/2026-10/V2/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-10-02,培训,用电安全,12\n")
        #expect(throws: OutputError.self) { try ReportRun.build(config: config, configSHA256: "x", period: p) }
        #expect(try town.read("outputs/2026-10/summary_villages.csv") == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: town.root.appendingPathComponent("outputs").path)
        #expect(leftovers.filter { $0.hasPrefix(".staging") }.isEmpty)
    }

    @Test func aSecondRunIsLockedOut() throws {
        let town = try TownFixture()
        let outputs = town.root.appendingPathComponent("outputs")
        let held = try OutputLock(outputs: outputs)
        // flock locks are per open file description, so a second open in this process conflicts too.
        #expect(throws: OutputError.self) { _ = try OutputLock(outputs: outputs) }
        withExtendedLifetime(held) {}
    }
}
