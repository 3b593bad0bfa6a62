// The synthetic town: determinism, a valid config, every variation and error planted, clean data when asked.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct DemoTests {
    typealias Files = [(path: String, bytes: [UInt8])]

    static let sample = DemoTown.generate(DemoOptions())
    static let plain = DemoTown.generate(DemoOptions(errors: false, variations: false))

    static func file(_ files: Files, _ path: String) -> [UInt8]? { files.first { $0.path == path }?.bytes }

    static func config(_ files: Files) throws -> [String: Any] {
        let bytes = try #require(file(files, "pipeline.json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Rows of a plain-mode file (UTF-8, LF, no quoting needed since its text uses full-width commas).
    static func rows(_ bytes: [UInt8]) -> [[String]] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    enum Encoding: Hashable { case utf8, utf8BOM, utf16LE, gb18030, undecodable }

    static func encoding(_ b: [UInt8]) -> Encoding {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8BOM }
        if b.starts(with: [0xFF, 0xFE]) { return .utf16LE }
        if String(validating: b, as: UTF8.self) != nil { return .utf8 }
        if (try? Iconv.convert(b, from: "GB18030", to: "UTF-8")) != nil { return .gb18030 }
        return .undecodable
    }

    @Test func sameSeedGivesTheSameBytesAndADifferentSeedDoesNot() {
        let again = DemoTown.generate(DemoOptions())
        #expect(again.map(\.path) == Self.sample.map(\.path))
        #expect(zip(again, Self.sample).allSatisfy { $0.bytes == $1.bytes })
        let other = DemoTown.generate(DemoOptions(seed: 2))
        let same = other.count == Self.sample.count && zip(other, Self.sample).allSatisfy { $0.path == $1.path && $0.bytes == $1.bytes }
        #expect(!same)
    }

    @Test func filesAreSortedByPathAndUnique() {
        let paths = Self.sample.map(\.path)
        #expect(paths == paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(Set(paths).count == paths.count)
        // 3 months ending 2026-10 → folders 2026-08, 2026-09, 2026-10.
        let periods = paths.filter { $0.hasPrefix("inputs/") }.map { String($0.split(separator: "/")[1]) }
        #expect(Set(periods) == ["2026-08", "2026-09", "2026-10"])
    }

    @Test(arguments: [8, 1_000])
    func configParsesWithUniqueValidCodes(villages: Int) throws {
        let files = DemoTown.generate(DemoOptions(villages: villages, months: 1, errors: false, variations: false))
        let config = try Self.config(files)
        let town = try #require(config["town"] as? [String: Any])
        #expect(town["code"] as? String == "330683105")
        let list = try #require(config["villages"] as? [[String: Any]])
        #expect(list.count == villages)
        let units = try #require(config["key_units"] as? [[String: Any]])
        var codes = ["330683105"]
        var names = Set<String>()
        for v in list {
            codes.append(try #require(v["code"] as? String))
            names.insert(try #require(v["name"] as? String))
            #expect(["村", "社区"].contains(v["kind"] as? String))
            let groups = try #require(v["groups"] as? [[String: Any]])
            #expect((3...8).contains(groups.count))
            codes += groups.compactMap { $0["code"] as? String }
        }
        codes += units.compactMap { $0["code"] as? String }
        #expect(names.count == villages)
        #expect(Set(codes).count == codes.count)
        let pattern = try Regex("^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$")
        #expect(codes.allSatisfy { $0.wholeMatch(of: pattern) != nil })
        // The first village and the 800th: 201 onward, three digits then four.
        #expect(list.first?["code"] as? String == "330683105201")
        if villages >= 800 { #expect(list[799]["code"] as? String == "3306831051000") }
        #expect((config["targets"] as? [String: Any])?["signing_rate"] as? Double == 1.0)
        #expect((config["report"] as? [String: Any])?["author"] as? String == "青石镇安委办")
    }

    @Test func everyEncodingAndSeparatorAppears() {
        var seen = Set<Encoding>()
        for f in Self.sample where f.path.hasPrefix("inputs/") && !f.path.hasSuffix(".txt") && !f.bytes.isEmpty {
            let e = Self.encoding(f.bytes)
            seen.insert(e)
            if e == .utf16LE {
                // Excel's Unicode text: tab-separated, CRLF.
                let text = String(decoding: Array(f.bytes.dropFirst(2)).withUnsafeBufferPointer {
                    Array(UnsafeRawBufferPointer($0).bindMemory(to: UInt16.self))
                }, as: UTF16.self)
                #expect(text.split(separator: "\r\n").first?.contains("\t") == true)
            }
        }
        #expect(seen == [.utf8, .utf8BOM, .utf16LE, .gb18030, .undecodable])
    }

    @Test func styleSpellsEveryDateAndBooleanForm() {
        var s = DemoStyle.plain
        let d = Day(year: 2026, month: 10, day: 5)!
        let dates: [(DemoStyle.DateForm, String)] = [
            (.iso, "2026-10-05"), (.slash, "2026/10/5"), (.dot, "2026.10.5"), (.chinese, "2026年10月5日"),
            (.compact, "20261005"), (.slashWithTime, "2026/10/5 0:00"),
        ]
        for (form, expected) in dates {
            s.dateForm = form
            #expect(s.date(d) == expected)
        }
        let bools: [(DemoStyle.BoolForm, String, String)] = [
            (.chinese, "是", "否"), (.yn, "Y", "N"), (.yesNo, "yes", "no"), (.trueFalse, "TRUE", "false"),
            (.oneZero, "1", "0"), (.tick, "√", "×"),
        ]
        for (form, yes, no) in bools {
            s.boolForm = form
            #expect(s.bool(true) == yes && s.bool(false) == no)
        }
        s.enumForm = .keyCapitalized
        #expect(s.value(HazardStatus.inProgress) == "In_Progress")
        #expect(DemoStyle.widen("2026-10-05") == "２０２６－１０－０５")
    }

    @Test func sampleVillagesRotateThroughEveryVariation() {
        let styles = (0..<8).map { DemoStyle.forVillage($0, seed: 1) }
        #expect(Set(styles.map { "\($0.dateForm)" }).count == DemoStyle.DateForm.allCases.count)
        #expect(Set(styles.map { "\($0.boolForm)" }).count == DemoStyle.BoolForm.allCases.count)
        #expect(Set(styles.map { "\($0.header)" }).count == DemoStyle.HeaderForm.allCases.count)
        #expect(Set(styles.map { "\($0.enumForm)" }).count == DemoStyle.EnumForm.allCases.count)
        #expect(styles.contains { $0.fullWidthDigits } && styles.contains { $0.remarkColumn }
                && styles.contains { $0.columnOrderSeed != nil } && styles.contains { $0.blankRows }
                && styles.contains { $0.oddFileNames } && styles.contains { $0.crlf } && styles.contains { !$0.crlf })
        let paths = Self.sample.map(\.path)
        #expect(paths.contains { $0.hasSuffix("/Hazards.CSV") })
        #expect(paths.contains { $0.hasSuffix("/说明.txt") })
    }

    @Test func everyKindOfErrorIsPlantedOnceInTheSample() {
        let options = DemoOptions()
        let plan = DemoFaultPlan(options: options, registry: DemoRegistry(villages: 8, seed: 1))
        var kinds: [DemoFault] = []
        for m in 0..<3 { for v in 0..<8 { kinds += plan.faults(month: m, village: v).map(\.fault) } }
        if !(0..<3).flatMap({ plan.unregisteredFolders(month: $0) }).isEmpty { kinds.append(.unregisteredFolder) }
        #expect(kinds.sorted { $0.rawValue < $1.rawValue } == DemoFault.allCases)
        // And they show in the bytes.
        let all = Self.sample
        #expect(all.contains { $0.path.hasPrefix("inputs/") && $0.bytes.isEmpty })
        #expect(all.contains { $0.path.contains("/330683105999/") })
        let texts = all.filter { $0.path.hasPrefix("inputs/") }.compactMap { f -> String? in
            switch Self.encoding(f.bytes) {
            case .utf8: return String(decoding: f.bytes, as: UTF8.self)
            case .utf8BOM: return String(decoding: f.bytes.dropFirst(3), as: UTF8.self)
            case .gb18030: return (try? Iconv.convert(f.bytes, from: "GB18030", to: "UTF-8")).map { String(decoding: $0, as: UTF8.self) }
            case .utf16LE: return (try? Iconv.convert(Array(f.bytes.dropFirst(2)), from: "UTF-16LE", to: "UTF-8")).map { String(decoding: $0, as: UTF8.self) }
            case .undecodable: return nil
            }
        }.joined()
        #expect(texts.contains(",用电,") || texts.contains("\t用电\t"))  // 用电 for 供用电
        #expect(texts.contains("=HYPERLINK("))
        #expect(texts.contains(try! Regex("[,\t]约[0-9]0人[,\t]")))
    }

    @Test func errorsScaleToAboutOnePercentOfFiles() {
        let options = DemoOptions(villages: 2_000, months: 3)
        let plan = DemoFaultPlan(options: options, registry: DemoRegistry(villages: 2_000, seed: 1))
        var count = 0
        for m in 0..<3 {
            count += plan.unregisteredFolders(month: m).count
            for v in 0..<2_000 { count += plan.faults(month: m, village: v).count }
        }
        // 2,000 × 3 × 4 = 24,000 files; 1% = 240 = 24 kinds × 10.
        #expect(count == 240)
    }

    @Test func plainCleanTownHasOnlyUTF8ChineseHeaderFiles() {
        let inputs = Self.plain.filter { $0.path.hasPrefix("inputs/") }
        #expect(!inputs.isEmpty)
        for f in inputs {
            let parts = f.path.split(separator: "/")
            let name = String(parts.last!)
            let kind = FileKind.allCases.first { $0.fileName == name }
            #expect(kind != nil, "\(f.path)")
            #expect(Self.encoding(f.bytes) == .utf8, "\(f.path)")
            #expect(!f.bytes.contains(0x0D) && !f.bytes.contains(0x09))
            let header = Self.rows(f.bytes).first ?? []
            #expect(header == kind?.schema.columns.map(\.header), "\(f.path)")
            #expect(!Self.rows(f.bytes).dropFirst().contains { $0.allSatisfy(\.isEmpty) })
        }
        #expect(!inputs.contains { $0.path.contains("330683105999") })
    }

    /// With errors off, every row keeps the rules of SPEC §3.2, and hazards_found matches the
    /// hazards registered on each inspection's date — also across a new year, when agreements restart.
    @Test(arguments: [DemoOptions(errors: false, variations: false),
                      DemoOptions(villages: 30, months: 5, lastPeriod: Period(year: 2027, month: 2)!, seed: 9,
                                  errors: false, variations: false)])
    func plainCleanTownKeepsTheRules(options: DemoOptions) throws {
        var folders: [String: [String: [[String]]]] = [:]
        for f in DemoTown.generate(options) where f.path.hasPrefix("inputs/") {
            let parts = f.path.split(separator: "/").map(String.init)
            folders[parts[1] + "/" + parts[2], default: [:]][parts[3]] = Self.rows(f.bytes)
        }
        var checkedInspections = 0
        for (key, files) in folders {
            let period = try #require(Period(String(key.prefix(7))))
            func day(_ s: String) -> Day? {
                let p = s.split(separator: "-").compactMap { Int($0) }
                return p.count == 3 ? Day(year: p[0], month: p[1], day: p[2]) : nil
            }
            let hazards = Array((files["hazards.csv"] ?? []).dropFirst())
            let ids = hazards.map { $0[0] }
            #expect(Set(ids).count == ids.count, "\(key)")
            for h in hazards {
                let found = try #require(day(h[1]))
                let deadline = try #require(day(h[8]))
                #expect(found <= period.lastDay && deadline >= found, "\(key) \(h)")
                #expect(!h[5].isEmpty && !h[7].isEmpty)
                #expect((h[9] == "已整改") == !h[10].isEmpty, "\(key) \(h)")
                if let r = day(h[10]) { #expect(r >= found && r <= period.lastDay) }
                #expect((h[11] == "是") == !h[12].isEmpty, "\(key) \(h)")
            }
            for i in (files["inspections.csv"] ?? []).dropFirst() {
                let d = try #require(day(i[0]))
                #expect(period.contains(d))
                guard files["hazards.csv"] != nil else { continue }
                let registered = hazards.filter { $0[1] == i[0] && $0[0].contains(period.description.replacingOccurrences(of: "-", with: "")) }
                #expect(Int(i[4]) == registered.count, "\(key) \(i)")
                checkedInspections += 1
            }
            for t in (files["trainings.csv"] ?? []).dropFirst() {
                #expect(day(t[0]).map(period.contains) == true)
                #expect((Int(t[5]) ?? -1) >= 0)
            }
            for a in (files["agreements.csv"] ?? []).dropFirst() {
                #expect((a[3] == "是") == (day(a[4]).map { $0.year == period.year && $0 <= period.lastDay } ?? false), "\(key) \(a)")
            }
        }
        #expect(checkedInspections > 20)
    }

    /// The ledger moves: some hazard is listed again a month later with a new status.
    @Test func openHazardsAreUpdatedInLaterMonths() {
        var status: [String: String] = [:]  // folder + id → status in the earlier month
        var transitions = 0
        for f in Self.plain where f.path.hasSuffix("/hazards.csv") {
            let folder = f.path.split(separator: "/")[2]
            for h in Self.rows(f.bytes).dropFirst() {
                let key = "\(folder)/\(h[0])"
                if let before = status[key], before != h[9] { transitions += 1 }
                status[key] = h[9]
            }
        }
        #expect(transitions > 3)
    }
}

extension DemoTests {
    /// Tiny towns and single months still give a whole town: a config and the town's own folder.
    @Test(arguments: [1, 2, 3, 5, 13])
    func smallTownsAreComplete(villages: Int) throws {
        for months in [1, 2] {
            let files = DemoTown.generate(DemoOptions(villages: villages, months: months, seed: UInt64(villages)))
            let list = try #require(try Self.config(files)["villages"] as? [Any])
            #expect(list.count == villages)
            #expect(files.contains { $0.path == "inputs/2026-10/330683105/hazards.csv" })
            #expect(files.contains { $0.path.hasPrefix("inputs/2026-10/330683105") && $0.path.hasSuffix("/trainings.csv")
                && !$0.path.hasPrefix("inputs/2026-10/330683105/") })
        }
    }
}

/// `demo --agreements-every-month`: the shape of issue 5's yardstick town, where every village re-sends its list.
@Suite(.serialized) struct DemoAgreementsEveryMonthTests {
    static let options = DemoOptions(villages: 40, months: 14, seed: 7)
    static var resending: DemoOptions { var o = options; o.agreementsEveryMonth = true; return o }

    /// Re-sending only adds agreements files: every other file is the same bytes, so the flag changes nothing else.
    @Test func onlyAgreementsFilesAreAdded() throws {
        let plain = DemoTown.generate(Self.options), resent = DemoTown.generate(Self.resending)
        let byPath = Dictionary(uniqueKeysWithValues: resent.map { ($0.path, $0.bytes) })
        for file in plain { #expect(byPath[file.path] == file.bytes, "\(file.path)") }
        let added = Set(byPath.keys).subtracting(plain.map(\.path))
        #expect(added.count > 300)  // 40 villages × 14 months: most months re-send
        for path in added { #expect(path.lowercased().hasSuffix("/agreements.csv"), "\(path)") }
        // Every village that sent its hazards in a month after its year's first list sent a list that month too.
        let periods = Self.options.periods
        for (m, period) in periods.enumerated() where m > 0 && period.month > 2 {
            let prefix = "inputs/\(period)/"
            let folders = Set(resent.filter { $0.path.hasPrefix(prefix) && $0.path.lowercased().hasSuffix("/hazards.csv") }
                .map { $0.path.split(separator: "/")[2] })
            let withList = Set(resent.filter { $0.path.hasPrefix(prefix) && $0.path.lowercased().hasSuffix("/agreements.csv") }
                .map { $0.path.split(separator: "/")[2] })
            #expect(folders.subtracting(withList).count <= 2, "\(period)")  // a list forgotten in January, or unreadable
        }
    }

    /// The list re-sent is the list standing, so the report's figures are those of the town that did not re-send;
    /// only the counts of files and rows read differ.
    @Test func theReportsFiguresAreTheSame() throws {
        let last = Self.options.lastPeriod
        var summaries: [[String: [String]]] = []
        var ledgers: [String] = []
        for options in [Self.options, Self.resending] {
            let root = try writeDemoTown(options, prefix: "demo-resend")
            defer { try? FileManager.default.removeItem(at: root) }
            let config = try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json"))
            _ = try ReportRun.build(config: config, configSHA256: "x", period: last)
            let folder = root.appendingPathComponent("outputs/\(last)")
            let villages = try String(contentsOf: folder.appendingPathComponent("summary_villages.csv"), encoding: .utf8)
            let lines = villages.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            var byVillage: [String: [String]] = [:]
            for cells in lines.dropFirst() {
                // Each village's figures without the counts of files and rows read (more files were sent).
                byVillage[cells[1]] = zip(header, cells).filter { !["files_submitted", "rows_read"].contains($0.0) }.map(\.1)
            }
            summaries.append(byVillage)
            ledgers.append(try String(contentsOf: folder.appendingPathComponent("hazard_ledger.csv"), encoding: .utf8)
                + (try String(contentsOf: folder.appendingPathComponent("summary_groups.csv"), encoding: .utf8)))
        }
        #expect(summaries[0].count == 40)
        #expect(summaries[0] == summaries[1])
        #expect(ledgers[0] == ledgers[1])
    }
}
