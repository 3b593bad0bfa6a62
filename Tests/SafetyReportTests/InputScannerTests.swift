// What a period folder holds: the four files by case-insensitive name, and an issue for everything else.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct InputScannerTests {
    /// Two files for one dataset, names differing only by case, the first in listing order unreadable (here a
    /// folder, which root cannot read as a file either): the readable one is read and the other is the duplicate.
    /// It used to be the other way round: the readable file was dropped as a duplicate "of the file already read".
    @Test func aReadableFileIsNotDroppedForAnUnreadableOneOfTheSameName() throws {
        let town = try TownFixture()
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V1/Inspections.csv"),
                                                withIntermediateDirectories: true)
        try town.write("inputs/2026-10/V1/inspections.csv", "检查日期\n")
        try town.write("inputs/2026-10/V1/TRAININGS.CSV", "活动日期\n")     // readable first: kept, as before
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V1/trainings.csv"),
                                                withIntermediateDirectories: true)
        let v1 = try #require(InputScanner(config: try town.config).scan(Period("2026-10")!).folders["V1"])
        #expect(v1.files[.inspections]?.name == "inspections.csv")
        #expect(v1.files[.inspections]?.stamp != nil)
        #expect(v1.unreadable[.inspections] == nil)
        #expect(v1.files[.trainings]?.name == "TRAININGS.CSV")
        #expect(v1.unreadable.isEmpty)
        #expect(v1.issues.map(\.rule) == ["file.duplicate", "file.duplicate"])
        #expect(v1.issues.map(\.file).sorted() == ["Inspections.csv", "trainings.csv"])
        #expect(v1.issues.allSatisfy { $0.severity == .warning })

        // The other format is not "the same name but for case": an unreadable Hazards.csv and a readable
        // hazards.xlsx are decided as before this change (the second is not read), not called a case duplicate.
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V1/Hazards.csv"),
                                                withIntermediateDirectories: true)
        try town.write("inputs/2026-10/V1/hazards.xlsx", "x")
        let again = try #require(InputScanner(config: try town.config).scan(Period("2026-10")!).folders["V1"])
        #expect(again.files[.hazards] == nil)
        #expect(again.unreadable[.hazards]?.file == "Hazards.csv")
        #expect(!again.issues.contains { $0.message.contains("仅大小写不同") && $0.file == "Hazards.csv" })
    }

    @Test func everyEntryIsReadOrReportedNeverSkipped() throws {
        let town = try TownFixture()
        try town.write("inputs/2026-10/V1/Hazards.CSV", "隐患编号\n")
        try town.write("inputs/2026-10/V1/hazards.csv", "隐患编号\n")          // same name but for case
        try town.write("inputs/2026-10/V1/说明.txt", "请查收")
        try town.write("inputs/2026-10/V1/.DS_Store", "x")                     // dot names are ignored
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10/V1/trainings.csv"),
                                                withIntermediateDirectories: true)
        #expect(mkfifo(town.root.appendingPathComponent("inputs/2026-10/V1/inspections.csv").path, 0o644) == 0)
        try town.write("outside.csv", "a,b\n")
        try FileManager.default.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V1/agreements.csv").path,
                                                   withDestinationPath: town.root.appendingPathComponent("outside.csv").path)
        try town.write("inputs/2026-10/V9/hazards.csv", "隐患编号\n")           // not a registered code
        try town.write("inputs/2026-10/readme.txt", "")                        // a file where folders belong
        try town.write("inputs/2026-10/V2/trainings.csv", "活动日期\n")
        try FileManager.default.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V2/hazards.csv").path,
                                                   withDestinationPath: "trainings.csv")   // inside inputs/: followed

        let scan = InputScanner(config: try town.config).scan(Period("2026-10")!)
        let v1 = try #require(scan.folders["V1"])
        #expect(v1.files[.hazards]?.name == "Hazards.CSV")
        #expect(v1.unreadable.keys.sorted() == [.inspections, .agreements, .trainings])
        #expect(v1.unreadable[.agreements]?.message.contains("inputs 目录之外") == true)
        #expect(v1.unreadable[.inspections]?.message.contains("管道") == true)
        #expect(v1.unreadable[.trainings]?.message.contains("文件夹") == true)
        #expect(v1.issues.map(\.rule) == ["file.duplicate", "file.unexpected"])
        #expect(scan.folders["V2"]?.files.keys.sorted() == [.hazards, .trainings])
        #expect(scan.issues.map(\.rule).sorted() == ["entry.stray", "folder.unregistered"])
        #expect(scan.folders["V9"] == nil)
        #expect(!scan.listing.contains { $0.contains(".DS_Store") })
    }

    @Test func aMissingPeriodFolderIsAWarningWithNothingSubmitted() throws {
        let town = try TownFixture()
        let assembled = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!)
        #expect(!assembled.periodFolderExists)
        #expect(assembled.report.issues.map(\.rule) == ["period.no_inputs"])
        #expect(Array(assembled.report.issues)[0].severity == .warning)
        #expect(assembled.report.villages.allSatisfy { $0.figures.filesSubmitted == 0 && !$0.complete })
    }

    @Test func aVillageFolderLinkedOutsideInputsIsToldToBeARealFolderNotRenamed() throws {
        let town = try TownFixture()
        try town.write("elsewhere/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n")
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-10"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V1").path,
                                                   withDestinationPath: town.root.appendingPathComponent("elsewhere/V1").path)
        let scan = InputScanner(config: try town.config).scan(Period("2026-10")!)
        let issue = try #require(scan.issues.first { $0.folder == "V1" })
        #expect(issue.rule == "entry.unreadable" && issue.severity == .error)
        #expect(issue.message.contains("指向 inputs 目录之外的链接") && issue.message.contains("真实的文件夹"), "\(issue.message)")
        #expect(!issue.message.contains("以村居编码命名"), "\(issue.message)")
        #expect(scan.folders["V1"] == nil)
    }
}
