// pipeline.json loading: defaults, path resolution, and every kind of problem named by its key path.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ConfigLoaderTests {
    static let base = URL(fileURLWithPath: "/srv/qingshi", isDirectory: true)

    func parse(_ json: String) throws(ConfigError) -> PipelineConfig {
        try ConfigLoader.parse(Data(json.utf8), baseDirectory: Self.base, path: "pipeline.json")
    }

    /// The problems as `keyPath: message` lines, or [] when the text loads.
    func problems(_ json: String) -> [String] {
        do { _ = try parse(json); return [] } catch { return error.problems.map(\.description) }
    }

    /// A valid town with two villages, into which a test splices its own keys.
    func town(villages: String = #"[{"code": "V1", "name": "东湖村", "kind": "村", "population": 800, "groups": [{"code": "V1-01", "name": "第一村民小组"}]}, {"code": "V2", "name": "西山社区", "kind": "社区", "population": 3000}]"#,
              extra: String = "") -> String {
        #"{"town": {"code": "T", "name": "青石镇"}, "villages": \#(villages)\#(extra)}"#
    }

    @Test func specExampleLoads() throws {
        let json = """
        {
          "town":     { "code": "330683105", "name": "青石镇" },
          "villages": [
            { "code": "330683105201", "name": "东湖村", "kind": "村",
              "population": 2310,
              "groups": [ { "code": "330683105201-01", "name": "第一村民小组" } ] }
          ],
          "key_units": [
            { "code": "KU001", "name": "青石化工有限公司", "village": "330683105201" }
          ],
          "inputs":  "inputs",
          "outputs": "outputs",
          "targets": {
            "inspections_per_half_month": 1,
            "signing_rate": 1.0,
            "trainings_per_month": 1,
            "max_overdue_hazards": 0
          }
        }
        """
        let config = try parse(json)
        #expect(config.town == Town(code: "330683105", name: "青石镇"))
        #expect(config.villages == [Village(code: "330683105201", name: "东湖村", kind: "村", population: 2310,
                                            groups: [Group(code: "330683105201-01", name: "第一村民小组")])])
        #expect(config.keyUnits == [KeyUnit(code: "KU001", name: "青石化工有限公司", village: "330683105201")])
        #expect(config.inputs.path == "/srv/qingshi/inputs")
        #expect(config.outputs.path == "/srv/qingshi/outputs")
        #expect(config.targets == Targets(inspectionsPerHalfMonth: 1, signingRate: 1.0, trainingsPerMonth: 1, maxOverdueHazards: 0))
        #expect(config.report == ReportSettings())
    }

    /// libxlsxwriter copies names into document properties, chart titles and print headers as they are, and XML 1.0
    /// cannot carry most control characters: a workbook holding one would not open, so the config refuses them.
    /// Tabs and line breaks, which XML carries and earlier versions accepted, are still accepted.
    @Test func controlCharactersInNamesAndReportTextsAreRefused() {
        let villages = #"[{"code": "V1", "name": "东湖\u0001村", "kind": "村", "population": 800, "groups": [{"code": "V1-01", "name": "第一\u001f组"}]}]"#
        let found = problems(town(villages: villages, extra: #", "report": {"author": "安委\u000b办", "title": "月报\uffff"}"#))
        #expect(found.contains { $0.hasPrefix("villages[0].name") && $0.contains("U+0001") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("villages[0].groups[0].name") && $0.contains("U+001F") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("report.author") && $0.contains("U+000B") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("report.title") && $0.contains("U+FFFF") }, "\(found)")
        // Surrounding whitespace is trimmed as before; tabs, line breaks, U+0085, emoji, full-width and & are kept.
        let kept = town(villages: #"[{"code": "V1", "name": " 东湖\t村&😀 ", "kind": "村", "population": 8}]"#,
                        extra: #", "report": {"title": "青石镇\t安全社区\r\n月报\u0085"}"#)
        #expect(problems(kept) == [])
    }

    @Test func omittedKeysTakeTheirDefaults() throws {
        let config = try parse(town())
        #expect(config.villages[1] == Village(code: "V2", name: "西山社区", kind: "社区", population: 3000, groups: []))
        #expect(config.villages[0].kind == "村")
        #expect(config.keyUnits == [])
        #expect(config.inputs.path == "/srv/qingshi/inputs")
        #expect(config.outputs.path == "/srv/qingshi/outputs")
        #expect(config.targets == Targets())
        // Each target is optional on its own; null counts as omitted.
        let partial = try parse(town(extra: #", "targets": {"signing_rate": 0.9, "trainings_per_month": null}"#))
        #expect(partial.targets == Targets(inspectionsPerHalfMonth: 1, signingRate: 0.9, trainingsPerMonth: 1, maxOverdueHazards: 0))
        let whole = try parse(town(extra: #", "targets": {"inspections_per_half_month": 2, "signing_rate": 1, "max_overdue_hazards": 3}"#))
        #expect(whole.targets == Targets(inspectionsPerHalfMonth: 2, signingRate: 1.0, trainingsPerMonth: 1, maxOverdueHazards: 3))
    }

    @Test func namesAreTrimmedAndWholeValuedDecimalsAreCounts() throws {
        let config = try parse(town(villages: #"[{"code": "V1", "name": "　东湖村 ", "kind": "村", "population": 2310.0}]"#))
        #expect(config.villages[0].name == "东湖村")
        #expect(config.villages[0].population == 2310)
    }

    @Test func foldersResolveAgainstTheConfigFolder() throws {
        let config = try parse(town(extra: #", "inputs": "../shared/in", "outputs": "/var/reports/qingshi/""#))
        #expect(config.inputs.path == "/srv/shared/in")
        #expect(config.outputs.path == "/var/reports/qingshi")
        #expect(config.inputs.hasDirectoryPath)
    }

    @Test func foldersMustBeSeparate() {
        #expect(problems(town(extra: #", "inputs": "data", "outputs": "./data""#))
                == ["outputs: is the same folder as inputs (/srv/qingshi/data); reports must go to a folder of their own"])
        #expect(problems(town(extra: #", "inputs": "data", "outputs": "data/out""#))
                == ["outputs: lies inside inputs (/srv/qingshi/data/out); choose a folder outside /srv/qingshi/data"])
        #expect(problems(town(extra: #", "inputs": "/srv/qingshi/outputs/in""#))
                == ["inputs: lies inside outputs (/srv/qingshi/outputs/in); the tool rewrites outputs, so keep inputs elsewhere"])
        #expect(problems(town(extra: #", "inputs": "~/in", "outputs": " ""#)) == [
            "inputs: \"~\" is not expanded; write the full path, or a path relative to the folder of pipeline.json",
            "outputs: must not be empty; leave the key out to use \"outputs\"",
        ])
    }

    @Test func missingKeysAreNamed() {
        #expect(problems(#"{"town": {"code": "T"}}"#) == [
            "town.name: is required",
            "villages: is required; list the villages as [{ \"code\": …, \"name\": …, \"groups\": […] }]",
        ])
        #expect(problems(#"{"villages": [{"name": "东湖村"}]}"#) == [
            "town: is required; add \"town\": { \"code\": …, \"name\": … }",
            "villages[0].code: is required",
            "villages[0].kind: is required: \"村\" or \"社区\"",
            "villages[0].population: is required: the number of residents (participants above it are flagged)",
        ])
        #expect(problems(town(villages: "[]")) == ["villages: must list at least one village"])
    }

    @Test func wrongTypesAreAllReportedWithTheValue() {
        let villages = #"[{"code": "V1", "name": "甲", "kind": "镇", "population": 1}, {"code": "V2", "name": "乙", "kind": "村", "population": -5}, {"code": "V3", "name": "丙", "kind": "社区", "population": "abc"}, {"code": "V4", "name": "丁", "kind": 1, "population": "120"}, {"code": "V5", "name": "戊", "kind": "村", "population": 12.5, "groups": {"code": "G"}}, 7]"#
        #expect(problems(town(villages: villages)) == [
            "villages[0].kind: must be \"村\" or \"社区\", got \"镇\"",
            "villages[1].population: must be a whole number ≥ 0, got -5",
            "villages[2].population: must be a whole number ≥ 0, got \"abc\"",
            "villages[3].kind: must be \"村\" or \"社区\", got 1",
            "villages[3].population: must be a whole number ≥ 0, got \"120\" (write the number without quotes)",
            "villages[4].population: must be a whole number ≥ 0, got 12.5",
            "villages[4].groups: must be a list [{ \"code\": …, \"name\": … }], got an object {…}",
            "villages[5]: must be an object { \"code\": …, \"name\": … }, got 7",
        ])
        #expect(problems(#"{"town": {"code": 330683105, "name": true}, "villages": {"code": "V"}}"#) == [
            "town.code: must be a code in quotes, got 330683105 (write codes in quotes, so leading zeros are kept)",
            "town.name: must be text in quotes, got true",
            "villages: must be a list; list the villages as [{ \"code\": …, \"name\": …, \"groups\": […] }]; got an object {…}",
        ])
    }

    @Test func codesMustMatchThePattern() {
        let thirtyTwo = String(repeating: "a", count: 32)
        let villages = #"[{"code": "\#(thirtyTwo)", "name": "甲", "kind": "村", "population": 1}, {"code": "\#(thirtyTwo)b", "name": "乙", "kind": "村", "population": 1}, {"code": "-V", "name": "丙", "kind": "村", "population": 1}, {"code": "V 1", "name": "丁", "kind": "村", "population": 1}, {"code": " V5", "name": "戊", "kind": "村", "population": 1}, {"code": "东湖", "name": "己", "kind": "村", "population": 1}, {"code": "", "name": "庚", "kind": "村", "population": 1}, {"code": "V_8-x", "name": "辛", "kind": "村", "population": 1}]"#
        let rule = "use 1 to 32 letters (A–Z, a–z), digits, _ or -, starting with a letter or digit"
        #expect(problems(town(villages: villages)) == [
            "villages[1].code: \"\(thirtyTwo)b\" is not a valid code; \(rule)",
            "villages[2].code: \"-V\" is not a valid code; \(rule)",
            "villages[3].code: \"V 1\" is not a valid code; \(rule)",
            "villages[4].code: \" V5\" is not a valid code; remove the spaces around it",
            "villages[5].code: \"东湖\" is not a valid code; \(rule)",
            "villages[6].code: \"\" is not a valid code; \(rule)",
        ])
    }

    /// Checked byte by byte, not by a regular expression: a trailing line break (which ICU's `$` lets through), a
    /// leading `_`, full-width letters and a 33rd character are refused; `_` and `-` inside, and 1 or 32 characters, pass.
    @Test func codesAreCheckedByteByByte() {
        let refused = ["V9\\n", "_V", "Ｖ1", String(repeating: "9", count: 33), "V1.2"]
        let passed = ["V", "9", "a_b-C", String(repeating: "Z", count: 32)]
        let codes = refused + passed
        let villages = "[" + codes.enumerated().map { #"{"code": "\#($1)", "name": "村\#($0)", "kind": "村", "population": 1}"# }
            .joined(separator: ", ") + "]"
        let named = problems(town(villages: villages)).map { String($0.prefix { $0 != ":" }) }
        #expect(named == refused.indices.map { "villages[\($0)].code" })
    }

    /// A code with a line break in it is refused with a hint that says so, and the value is shown escaped, so the
    /// problem stays on one log line.
    @Test func aLineBreakInACodeIsNamedAndShownOnOneLine() {
        let codes = [#"V9\n"#, #"V9\r"#, #"V9\r\n"#, #"V9\u0085"#, #"V9\u2028"#, #"V9\u2029"#, #"V\u000B9"#]
        let villages = "[" + codes.enumerated().map { #"{"code": "\#($1)", "name": "村\#($0)", "kind": "村", "population": 1}"# }
            .joined(separator: ", ") + "]"
        let found = problems(town(villages: villages))
        #expect(found.count == codes.count)
        for (i, problem) in found.enumerated() {
            #expect(problem.hasPrefix("villages[\(i)].code: \"\(codes[i])\" is not a valid code; remove the line break in it"), "\(problem)")
            #expect(!problem.unicodeScalars.contains { [0x0A, 0x0B, 0x0D, 0x85, 0x2028, 0x2029].contains($0.value) })
        }
    }

    /// Shown values (config problems, `inspect`'s header cells) stay on one line and show what would hide.
    @Test func valuesAreShownQuotedAndOnOneLine() {
        #expect("a\"b\\c\n\r\t".quotedForLog == #""a\"b\\c\n\r\t""#)
        #expect("\u{FEFF}日期\u{1}\u{7F}\u{85}\u{2028}\u{2029}é".quotedForLog == #""\uFEFF日期\u0001\u007F\u0085\u2028\u2029é""#)
        #expect("村 名".quotedForLog == "\"村 名\"")
    }

    @Test func codesAreUniqueAcrossTheWholeFile() {
        let villages = #"[{"code": "V1", "name": "甲", "kind": "村", "population": 1, "groups": [{"code": "G1", "name": "一组"}, {"code": "X", "name": "二组"}]}, {"code": "T", "name": "乙", "kind": "村", "population": 1}, {"code": "V3", "name": "丙", "kind": "村", "population": 1, "groups": [{"code": "G3", "name": "一组"}, {"code": "X", "name": "二组"}]}]"#
        let units = #", "key_units": [{"code": "V1", "name": "化工厂"}, {"code": "KU1", "name": "砖厂"}, {"code": "KU1", "name": "纸厂"}]"#
        #expect(problems(town(villages: villages, extra: units)) == [
            "villages[1].code: \"T\" is already used at town.code; codes must be unique across the whole file",
            "villages[2].groups[1].code: \"X\" is already used at villages[0].groups[1].code; codes must be unique across the whole file",
            "key_units[0].code: \"V1\" is already used at villages[0].code; codes must be unique across the whole file",
            "key_units[2].code: \"KU1\" is already used at key_units[1].code; codes must be unique across the whole file",
        ])
    }

    @Test func keyUnitVillageMustBeRegistered() throws {
        let units = #", "key_units": [{"code": "KU1", "name": "化工厂", "village": "V9"}, {"code": "KU2", "name": "砖厂", "village": "T"}, {"code": "KU3", "name": "纸厂", "village": 2}, {"code": "KU4", "name": "油库", "village": null}, {"code": "KU5", "name": "加油站", "village": "V2"}]"#
        #expect(problems(town(extra: units)) == [
            "key_units[0].village: \"V9\" is not the code of a village in villages; use one of them, or leave the key out",
            "key_units[1].village: \"T\" is the town's code; name the village where the unit is located, or leave the key out",
            "key_units[2].village: must be a village code in quotes, got 2",
        ])
        // A village with another problem still counts as registered for its key units.
        #expect(problems(town(villages: #"[{"code": "V1", "name": "", "kind": "村", "population": 1}]"#, extra: #", "key_units": [{"code": "KU1", "name": "砖厂", "village": "V1"}]"#))
                == ["villages[0].name: must not be empty"])
        let ok = try parse(town(extra: #", "key_units": [{"code": "KU4", "name": "油库"}, {"code": "KU5", "name": "加油站", "village": "V2"}]"#))
        #expect(ok.keyUnits == [KeyUnit(code: "KU4", name: "油库", village: nil), KeyUnit(code: "KU5", name: "加油站", village: "V2")])
    }

    @Test func emptyNamesAreRejected() {
        let villages = #"[{"code": "V1", "name": "  ", "kind": "", "population": 1, "groups": [{"code": "G1", "name": ""}]}]"#
        #expect(problems(town(villages: villages)) == [
            "villages[0].name: must not be empty",
            "villages[0].kind: must be \"村\" or \"社区\", got \"\"",
            "villages[0].groups[0].name: must not be empty",
        ])
    }

    @Test func targetsOutOfRange() {
        let targets = #", "targets": {"inspections_per_half_month": -1, "signing_rate": 95, "trainings_per_month": 1.5, "max_overdue_hazards": "0"}"#
        #expect(problems(town(extra: targets)) == [
            "targets.inspections_per_half_month: must be a whole number ≥ 0, got -1",
            "targets.signing_rate: must be a number from 0 to 1 (1.0 means 100%), got 95; write 0.95 for 95%",
            "targets.trainings_per_month: must be a whole number ≥ 0, got 1.5",
            "targets.max_overdue_hazards: must be a whole number ≥ 0, got \"0\" (write the number without quotes)",
        ])
        #expect(problems(town(extra: #", "targets": {"signing_rate": 1.5}"#))
                == ["targets.signing_rate: must be a number from 0 to 1 (1.0 means 100%), got 1.5"])
        #expect(problems(town(extra: #", "targets": {"signing_rate": -0.1}"#))
                == ["targets.signing_rate: must be a number from 0 to 1 (1.0 means 100%), got -0.1"])
        #expect(problems(town(extra: #", "targets": {"signing_rate": "100%"}"#))
                == ["targets.signing_rate: must be a number from 0 to 1 (1.0 means 100%), got \"100%\""])
        #expect(problems(town(extra: #", "targets": [1]"#)) == ["targets: must be an object {…}, got a list […]"])
    }

    @Test func unknownKeysTopLevelIgnoredNestedRejected() throws {
        let config = try parse(town(extra: #", "aliases": {"东湖": "V1"}, "_comment": "x""#))
        #expect(config.villages.count == 2)
        let villages = #"[{"code": "V1", "name": "甲", "kind": "村", "populaton": 5, "_note": "ok"}]"#
        #expect(problems(town(villages: villages, extra: #", "targets": {"signing": 1}"#)) == [
            "villages[0].populaton: unknown key; expected one of: code, name, kind, population, groups (start a key with _ for a comment)",
            "villages[0].population: is required: the number of residents (participants above it are flagged)",
            "targets.signing: unknown key; expected one of: inspections_per_half_month, signing_rate, trainings_per_month, max_overdue_hazards (start a key with _ for a comment)",
        ])
    }

    @Test func reportSettings() throws {
        let config = try parse(town(extra: #", "report": {"workbook_name": "{town}月报{period}", "company": "青石镇人民政府"}"#))
        var expected = ReportSettings()
        expected.workbookName = "{town}月报{period}"
        expected.company = "青石镇人民政府"
        #expect(config.report == expected)
        let named = try parse(town(extra: #", "report": {"village_title": "{village}月度反馈表", "office": "青石镇安全生产委员会办公室", "notice_title": "{period_cn}通报"}"#))
        #expect(named.report.fill(named.report.villageTitle, town: named.town, period: Period("2026-10")!, village: "东湖村") == "东湖村月度反馈表")
        #expect(named.report.fill(named.report.noticeTitle, town: named.town, period: Period("2026-10")!) == "2026年10月通报")
        #expect(named.report.office == "青石镇安全生产委员会办公室")
        #expect(problems(town(extra: #", "report": {"offfice": "x"}"#)).count == 1)
        #expect(problems(town(extra: #", "report": {"workbook_name": "a/b", "title": 3}"#)) == [
            "report.title: must be text in quotes, got 3",
        ])
        #expect(problems(town(extra: #", "report": {"workbook_name": "a/b"}"#)) == [
            "report.workbook_name: is a file name and may not contain / or \\; it is written inside the period's output folder",
        ])
    }

    @Test func theWorkbookNameMustMakeOnePlainFileForEveryPeriod() throws {
        func named(_ name: String) -> [String] { problems(town(extra: #", "report": {"workbook_name": "\#(name)"}"#)) }
        let key = "report.workbook_name: "
        #expect(named(String(repeating: "月", count: 65)) == [])                      // 195 bytes + .xlsx = 200
        #expect(named(String(repeating: "月", count: 66))
                == [key + "is too long: 203 bytes with .xlsx once filled in (at most 200; a Chinese character takes 3)"])
        #expect(named(String(repeating: "x", count: 200))
                == [key + "is too long: 205 bytes with .xlsx once filled in (at most 200; a Chinese character takes 3)"])
        // Filled in: {town} (9 bytes here) and {period_cn} count as they will be written.
        #expect(named(String(repeating: "x", count: 180) + "{town}{period_cn}").first?.hasPrefix(key + "is too long: 206 bytes") == true)
        #expect(named("..") == [key + "may not start with \".\" (the file would be hidden, and \".\"/\"..\" name folders)"])
        #expect(named(".月报") == named(".."))
        #expect(named(#"月报\u0000{period}"#) == [key + "may not contain control characters (found U+0000); write the name on one line"])
        #expect(named(#"月报\n{period}"#) == [key + "may not contain control characters (found U+000A); write the name on one line"])
        #expect(named(#"a\\b"#) == [key + "is a file name and may not contain / or \\; it is written inside the period's output folder"])
        #expect(try parse(town(extra: #", "report": {"workbook_name": "{town}（{period_cn}）月报"}"#)).report.workbookName == "{town}（{period_cn}）月报")
    }

    @Test func invalidJSONNamesLineAndColumn() {
        // Line 3 is `  "villages": [,]`: two spaces, "villages" (10), ':', ' ', '[' make 15, so the comma is column 16.
        let json = "{\n  \"town\": {\"code\": \"T\", \"name\": \"青石镇\"},\n  \"villages\": [,]\n}"
        #expect(problems(json) == ["is not valid JSON: line 3, column 16: Invalid value"])
        // Columns count characters: 青石镇 is 9 bytes but 3 columns; `{"名": "青石镇", x` puts x at column 14.
        #expect(problems("{\"名\": \"青石镇\", x}") == ["is not valid JSON: line 1, column 14: Invalid value"])
        #expect(problems("{\"town\": ") == ["is not valid JSON: Unexpected end of file during JSON parse."])
        #expect(problems(" \n ") == ["is empty; it must hold one JSON object { \"town\": …, \"villages\": […] }"])
        #expect(problems("[1, 2]") == ["must hold one JSON object { \"town\": …, \"villages\": […] }, not a list […]"])
    }

    @Test func aByteOrderMarkIsAccepted() throws {
        let config = try ConfigLoader.parse(Data([0xEF, 0xBB, 0xBF] + Array(town().utf8)), baseDirectory: Self.base, path: "p.json")
        #expect(config.town.code == "T")
    }

    @Test func descriptionIsOneLinePerProblem() {
        do {
            _ = try ConfigLoader.parse(Data(#"{"town": {"code": "T"}, "villages": [{"code": "T", "name": "甲", "kind": "村", "population": 1}]}"#.utf8),
                                       baseDirectory: Self.base, path: "pipeline.json")
            Issue.record("expected a ConfigError")
        } catch {
            #expect(error.description == """
                pipeline.json: town.name: is required
                pipeline.json: villages[0].code: "T" is already used at town.code; codes must be unique across the whole file
                """)
        }
    }

    @Test func loadReadsTheFileAndResolvesFromItsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pipeline.json")
        try Data(town(extra: #", "inputs": "in""#).utf8).write(to: file)
        let config = try ConfigLoader.load(from: file)
        #expect(config.inputs.path == folder.standardizedFileURL.appendingPathComponent("in").path)
        #expect(config.outputs.path == folder.standardizedFileURL.appendingPathComponent("outputs").path)

        let missing = folder.appendingPathComponent("nope.json")
        #expect(throws: ConfigError(path: missing.path, problems: [ConfigProblem(keyPath: "",
            message: "no such file; pass --config PATH, or run from the folder that holds pipeline.json")])) {
            try ConfigLoader.load(from: missing)
        }
        #expect(throws: ConfigError(path: folder.path, problems: [ConfigProblem(keyPath: "",
            message: "is a folder, not a file; pass --config with the path of pipeline.json itself")])) {
            try ConfigLoader.load(from: folder)
        }
    }
}
