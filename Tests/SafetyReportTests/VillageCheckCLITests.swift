// `check --village`: a clerk's check before sending — Chinese lines with file, row and column, a verdict, exit 0 or 3.
import Foundation
import Testing
@testable import SafetyReport

@Suite(.serialized) struct VillageCheckCLITests {
    @Test func aBadRowIsListedInChineseWithFileRowAndColumnAndExitsThree() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["check", "--village", "V1", "--period", "2026-10"], in: town.root)
        #expect(r.code == 3, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "检查 东湖村（V1）2026年10月的报送：")
        #expect(lines.contains { $0.hasPrefix("inputs/2026-10/V1/inspections.csv 第 4 行「发现隐患数」：错误：") })
        #expect(lines.last?.hasPrefix("结论：暂不能报送。东湖村（V1）2026-10 共 6 行，其中 1 行将被退回") == true)
        // Only this village: nothing about the town's folder.
        #expect(!r.out.contains("T1/"))
        // Writes nothing.
        #expect(!FileManager.default.fileExists(atPath: town.root.appendingPathComponent("outputs").path))
    }

    @Test func cleanFilesOutsideInputsAreClassifiedByHeaderAndPass() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let desk = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: desk) }
        try "排查日期,排查人,发现隐患数\n2026-10-05,张三,0\n2026-10-20,张三,1\n".write(toFile: desk + "/十月排查.csv", atomically: true, encoding: .utf8)
        try "活动日期,活动形式,活动主题,参与人数\n2026-10-12,专题讲座,消防安全,40\n".write(toFile: desk + "/培训.csv", atomically: true, encoding: .utf8)
        try """
        隐患编号,发现日期,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期
        H1,2026-09-03,供用电,一般,楼道私拉电线,张三,2026-09-20,已整改,2026-10-08
        H2,2026-09-10,房屋,重大,危房,李四,2026-12-31,整改中,
        H3,2026-10-20,公共设施,一般,井盖缺失,王五,2026-11-30,未整改,
        """.write(toFile: desk + "/台账.csv", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--village", "V1", "--period", "2026-10", desk + "/十月排查.csv", desk + "/培训.csv", desk + "/台账.csv"],
                            in: town.root)
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("结论：可以报送。东湖村（V1）2026-10 共 6 行，全部可以采用"))
        #expect(r.out.contains("未报送：责任书签订"))
    }

    @Test func theOfficesHistoryApplies_aHazardIdWithAnotherFoundDateIsRejected() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let desk = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: desk) }
        // H2 was registered in September with found_date 2026-09-10.
        try """
        hazard_id,found_date,category,level,description,responsible,deadline,status
        H2,2026-10-02,housing,major,危房,李四,2026-12-31,in_progress
        """.write(toFile: desk + "/hazards.csv", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--village", "V1", "--period", "2026-10", desk + "/hazards.csv"], in: town.root)
        #expect(r.code == 3)
        #expect(r.out.contains("\(desk)/hazards.csv 第 2 行「发现日期」：错误：") && r.out.contains("hazard.found_date_conflict"))
        // The office's own inputs were not touched.
        #expect(try town.read("inputs/2026-10/V1/Hazards.CSV").count > 0)
    }

    @Test func unknownVillageAndFilesWithoutVillageAreUsageErrors() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        #expect(try CLI.run(["check", "--village", "V9", "--period", "2026-10"], in: town.root).code == 2)
        #expect(try CLI.run(["check", "--period", "2026-10", "x.csv"], in: town.root).code == 2)
        #expect(try CLI.run(["templates", "--out", "t", "--village", "V9"], in: town.root).code == 2)
    }

    @Test func templatesForOneVillageWriteItsCSVsAndItsWorkbook() throws {
        let town = try TownFixture()
        let r = try CLI.run(["templates", "--out", "t", "--village", "V1"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        let listing = try FileManager.default.subpathsOfDirectory(atPath: town.root.appendingPathComponent("t").path).sorted()
        #expect(listing == ["V1", "V1/agreements.csv", "V1/hazards.csv", "V1/inspections.csv", "V1/trainings.csv", "V1_东湖村_提交表.xlsx"])
        // Again: the same bytes, no clash.
        #expect(try CLI.run(["templates", "--out", "t", "--village", "V1"], in: town.root).code == 0)
    }

    @Test func aMissingFolderOrUnclassifiableFileIsAUsageErrorSaidInChinese() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let desk = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: desk) }
        try "a,b\n1,2\n".write(toFile: desk + "/x.csv", atomically: true, encoding: .utf8)
        let cases: [(String, [String])] = [
            (desk + "/nonexistent.csv", ["no such file", "找不到文件「\(desk)/nonexistent.csv」"]),
            (desk, ["is a folder, not a file", "是文件夹，不是文件"]),
            (desk + "/x.csv", ["cannot tell which dataset", "无法判断「\(desk)/x.csv」是哪一张报送表", "inspections.csv（排查记录）：排查日期、排查人、发现隐患数"]),
        ]
        for (file, expected) in cases {
            let r = try CLI.run(["check", "--village", "V1", "--period", "2026-10", file], in: town.root)
            #expect(r.code == 2, "\(file): \(r.err)")
            for text in expected { #expect(r.err.contains(text), "\(file): \(r.err)") }
            #expect(!r.err.contains("NSCocoaErrorDomain") && !r.err.contains("could not be completed"), "\(r.err)")
        }
    }

    @Test func aMonthWithNothingSubmittedSaysSoInsteadOfReadyToSend() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = try CLI.run(["check", "--village", "V2", "--period", "2026-10"], in: town.root)
        #expect(r.code == 0, "\(r.err)")
        let verdict = try #require(r.out.split(separator: "\n").last.map(String.init))
        #expect(verdict.hasPrefix("结论：未找到任何报送文件"), "\(r.out)")
        #expect(verdict.contains("inspections.csv") && verdict.contains("inputs/2026-10/V2/"), "\(verdict)")
        #expect(!r.out.contains("可以报送"))
        // One file is enough for the usual verdict.
        try town.write("inputs/2026-10/V2/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2026-10-12,培训,消防,10\n")
        let some = try CLI.run(["check", "--village", "V2", "--period", "2026-10"], in: town.root)
        #expect(some.out.contains("结论：可以报送。") && some.out.contains("未报送：排查记录"), "\(some.out)")
    }
}
