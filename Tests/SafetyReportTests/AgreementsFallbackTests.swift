// P's agreements fallback (ReportAssembler.AgreementsFallback): what an earlier month of P's year keeps of its scan
// for a folder without a usable list of P's own, and the standing list it gives, cold and from a saved state.
import Foundation
import Testing
@testable import SafetyReport

@Suite(.serialized) struct AgreementsFallbackTests {
    /// The fallback hands `InputLoader` exactly the scan's agreements entry of each folder — the file (name, paths,
    /// sheet, stat) or the issue it could not be read with — and nothing for a folder without one or for a month of
    /// another year.
    @Test func keepsEachFoldersAgreementsEntryAsScanned() throws {
        let town = try TownFixture()
        try town.write("inputs/2026-08/V1/agreements.csv", "对象类型,对象编码,对象名称,是否签订,签订日期\n")
        try town.write("inputs/2026-08/V1/hazards.csv", "隐患编号\n")
        try town.write("inputs/2026-08/V2/Agreements.CSV", "party_type\n")
        // A folder named like the file: the scanner's own issue, kept as the entry.
        try FileManager.default.createDirectory(at: town.root.appendingPathComponent("inputs/2026-08/T1/agreements.csv"),
                                                withIntermediateDirectories: true)
        let config = try town.config
        let scan = InputScanner(config: config).scan(Period("2026-08")!)
        let codes = config.submitterCodes
        #expect(Set(codes) == ["T1", "V1", "V2"])
        let fallback = ReportAssembler.AgreementsFallback(scan, year: 2026, codes: codes, inputs: config.inputs)
        var kept = 0
        for (c, code) in codes.enumerated() {
            let scanned = try #require(scan.folders[code])
            let folder = try #require(fallback.folder(c, code: code))
            #expect(folder.code == code)
            #expect(folder.files[.agreements] == scanned.files[.agreements])
            #expect(folder.files[.agreements]?.path == scanned.files[.agreements]?.path)
            #expect(folder.files[.agreements]?.stamp == scanned.files[.agreements]?.stamp)
            #expect(folder.unreadable[.agreements] == scanned.unreadable[.agreements])
            #expect(folder.files[.hazards] == nil && folder.issues.isEmpty)
            if folder.files[.agreements] != nil || folder.unreadable[.agreements] != nil { kept += 1 }
        }
        #expect(kept == 3)
        #expect(fallback.folder(0, code: codes[0])?.unreadable[.agreements]?.rule == "file.unreadable")
        #expect(fallback.folder(2, code: "V2")?.files[.agreements]?.relativePath == "2026-08/V2/Agreements.CSV")
        #expect(fallback.folder(1, code: "V1")?.files[.agreements]?.stamp != nil)

        // A month of another year than P's keeps nothing; a month without the folder, nothing for it.
        let other = ReportAssembler.AgreementsFallback(scan, year: 2027, codes: codes, inputs: config.inputs)
        #expect(codes.indices.allSatisfy { other.folder($0, code: codes[$0]) == nil })
        let empty = InputScanner(config: config).scan(Period("2026-07")!)
        let none = ReportAssembler.AgreementsFallback(empty, year: 2026, codes: codes, inputs: config.inputs)
        #expect(codes.indices.allSatisfy { none.folder($0, code: codes[$0]) == nil })
    }

    /// V1's October list cannot be read (bytes invalid under its BOM), so September's stands; V2 sent its only list in
    /// August. A cold run (the replay's fallback) and a run after September's (the saved state's) agree, read the
    /// same earlier lists, and give the figures of those lists.
    @Test func anUnusableListFallsBackTheSameWayColdAndFromASavedState() throws {
        func town() throws -> TownFixture {
            let town = try TownFixture()
            try town.fillSampleMonths()
            try town.writeBytes("inputs/2026-10/V1/agreements.csv",
                                [0xEF, 0xBB, 0xBF] + Array("party_type,party_code,party_name,signed,signed_date\n".utf8) + [0xFF, 0xFE, 0x0A])
            try town.write("inputs/2026-08/V2/agreements.csv", "party_type,party_code,party_name,signed,signed_date\n")
            return town
        }
        let cold = try town(), monthly = try town()
        #expect(try CLI.run(["run", "--period", "2026-10"], in: cold.root).code == 0)
        #expect(try CLI.run(["run", "--period", "2026-09"], in: monthly.root).code == 0)
        let second = try CLI.run(["run", "--period", "2026-10"], in: monthly.root)
        #expect(second.code == 0, "\(second.err)")
        #expect(FileManager.default.fileExists(atPath: monthly.root.appendingPathComponent("outputs/.state").path))

        for t in [cold, monthly] {
            let v1 = try #require(try t.csv("outputs/2026-10/summary_villages.csv").first { $0["village_code"] == "V1" })
            // September's list: two groups required, one signed (as when V1 sends no October list at all).
            #expect(v1["agreements_required"] == "2" && v1["agreements_signed"] == "1", "\(v1)")
            let manifest = try #require(Manifest.read(t.root.appendingPathComponent("outputs/2026-10/manifest.json")))
            let read = Set(manifest.recordedInputs.map(\.path))
            #expect(read.isSuperset(of: ["2026-09/V1/agreements.csv", "2026-10/V1/agreements.csv", "2026-08/V2/agreements.csv"]),
                    "\(read.sorted())")
            let issues = try t.csv("outputs/2026-10/validation_issues.csv")
            #expect(issues.contains { $0["file"] == "agreements.csv" && $0["village_code"] == "V1" && $0["period"] == "2026-10" })
        }
        for name in ["summary_villages.csv", "summary_groups.csv", "summary_town.csv", "validation_issues.csv"] {
            #expect(try cold.read("outputs/2026-10/" + name) == monthly.read("outputs/2026-10/" + name), "\(name)")
        }
    }
}
