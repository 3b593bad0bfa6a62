// Loads pipeline.json once and checks all of it, naming every problem by its key path (SPEC §2).

import Foundation

/// One thing wrong in the configuration: where (`villages[3].groups[0].code`, empty for the
/// file as a whole) and what, in English, with how to fix it. The reader is whoever maintains
/// the config and the cron job, not a village clerk.
public struct ConfigProblem: Equatable, Sendable, CustomStringConvertible {
    public var keyPath: String
    public var message: String
    public init(keyPath: String, message: String) { self.keyPath = keyPath; self.message = message }
    /// `villages[3].code: …`, or the message alone for a problem with the whole file.
    public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
}

/// Everything wrong with one configuration file. The run stops with exit code 2 and writes nothing.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration file as the user named it.
    public var path: String
    /// Every problem found, in file order; never empty.
    public var problems: [ConfigProblem]
    public init(path: String, problems: [ConfigProblem]) { self.path = path; self.problems = problems }
    /// One line per problem: `pipeline.json: villages[3].code: …`.
    public var description: String { problems.map { "\(path): \($0)" }.joined(separator: "\n") }
}

/// Reads `pipeline.json` into a checked `PipelineConfig`.
///
/// Decisions where SPEC §2 is silent:
/// - Every problem is reported, not just the first; nothing is half-loaded.
/// - Unknown top-level keys are ignored (room for newer keys and notes); inside the known objects
///   (town, villages, groups, key units, targets, report) an unknown key is an error, because there
///   it is almost always a typo (`populaton`) that would otherwise silently fall back to a default.
///   Keys beginning with `_` (`"_comment"`) are ignored everywhere.
/// - `null` counts as omitted for every optional key.
/// - `inputs` / `outputs` default to `"inputs"` / `"outputs"`; relative paths are taken from the
///   folder holding pipeline.json, absolute ones kept; `~` is not expanded (an error says so).
///   The two folders must differ and neither may lie inside the other. Whether they exist is
///   checked by the run, not here, so parsing touches no file system.
/// - `kind` (村 or 社区) and `population` are required for each village (SPEC §2 lists them; only `targets` and
///   `key_units[i].village` are said to be optional); `groups` and `key_units` may be omitted for none;
///   `targets` and each of its keys default individually to SPEC's values.
/// - At least one village is required. Names are trimmed and must not be empty.
/// - Numbers must be whole where counts are meant (`2310.0` is accepted, `2310.5` and `"2310"` are not).
/// - A UTF-8 BOM before the JSON is accepted (Windows Notepad writes one).
public enum ConfigLoader {
    /// Reads and checks the file at `url`. Problems name the file as the user gave it.
    public static func load(from url: URL) throws(ConfigError) -> PipelineConfig {
        let shown = url.relativePath
        let fail = { (message: String) in ConfigError(path: shown, problems: [ConfigProblem(keyPath: "", message: message)]) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw fail("no such file; pass --config PATH, or run from the folder that holds pipeline.json")
        }
        if isDirectory.boolValue { throw fail("is a folder, not a file; pass --config with the path of pipeline.json itself") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            let reason = FileManager.default.isReadableFile(atPath: url.path) ? error.localizedDescription : "permission denied"
            throw fail("cannot be read (\(reason)); check the file's permissions")
        }
        let folder = url.absoluteURL.standardizedFileURL.deletingLastPathComponent()
        var config = try parse(data, baseDirectory: folder, path: shown)
        config.fileName = url.lastPathComponent
        return config
    }

    /// Checks configuration text. `baseDirectory` resolves relative `inputs`/`outputs`;
    /// `path` only names the file in messages.
    public static func parse(_ data: Data, baseDirectory: URL, path: String) throws(ConfigError) -> PipelineConfig {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let root = try decodeJSON(bytes, path: path)
        var checker = Checker()
        let config = checker.check(root: root, baseDirectory: baseDirectory)
        if let config, checker.problems.isEmpty { return config }
        throw ConfigError(path: path, problems: checker.problems)
    }

    /// Foundation's decoder does the parsing unless `ConfigJSONReader` reads the text; JSONSerialization is asked
    /// again only when that fails, because only its message carries the byte offset we turn into a line and column.
    static func decodeJSON(_ bytes: [UInt8], path: String) throws(ConfigError) -> JSONValue {
        let fail = { (message: String) in ConfigError(path: path, problems: [ConfigProblem(keyPath: "", message: message)]) }
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            throw fail("is empty; it must hold one JSON object { \"town\": …, \"villages\": […] }")
        }
        // The common subset first, byte by byte (see ConfigJSONReader); anything outside it, and every error, as before.
        if let value = ConfigJSONReader.parse(bytes) { return value }
        return try decodeWithFoundation(bytes, path: path)
    }

    /// `decodeJSON` by JSONDecoder alone (the differential tests compare `ConfigJSONReader` with it).
    static func decodeWithFoundation(_ bytes: [UInt8], path: String) throws(ConfigError) -> JSONValue {
        let fail = { (message: String) in ConfigError(path: path, problems: [ConfigProblem(keyPath: "", message: message)]) }
        let data = Data(bytes)
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            var detail = "the JSON cannot be parsed"
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch let serializationError {
                if let text = (serializationError as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { detail = text }
            }
            throw fail("is not valid JSON: " + locate(detail, in: bytes))
        }
    }

    /// Rewrites Foundation's "… around character 17." (a byte offset) as "line 3, column 7: …".
    static func locate(_ detail: String, in bytes: [UInt8]) -> String {
        guard let range = detail.range(of: #" around character (\d+)"#, options: .regularExpression) else { return detail }
        let offset = Int(detail[range].filter(\.isNumber)) ?? 0
        var message = detail
        message.removeSubrange(range)
        if message.hasSuffix(".") { message.removeLast() }
        let prefix = bytes.prefix(min(max(offset, 0), bytes.count))
        let line = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        // Columns count characters, not bytes, so Chinese text before the error does not skew them.
        let column = String(decoding: prefix[lineStart...], as: UTF8.self).count + 1
        return "line \(line), column \(column): \(message)"
    }
}

/// A JSON value as decoded, keeping booleans, whole numbers and fractions apart.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        // Strings, objects and arrays are tried first: they are most of a config (2,000 villages: ~50,000 values),
        // and each failed `try?` builds a DecodingError, which made loading a 1 MB config take 0.2 s. The kinds
        // are disjoint, so the order changes no result; Int is still tried before Double.
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .string(s) }
        else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else { self = .double(try c.decode(Double.self)) }
    }

    /// How the value reads in a message: strings quoted, containers by kind.
    var shown: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s):
            let clipped = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return clipped.quotedForLog
        case .array: return "a list […]"
        case .object: return "an object {…}"
        }
    }
}

/// Walks the decoded tree, collecting problems instead of stopping at the first.
private struct Checker {
    var problems: [ConfigProblem] = []
    /// Code → key path of its first use, over the whole file.
    var codesSeen: [String: String] = [:]
    /// Every well-formed village code, even of villages with other problems, so that key units
    /// are not blamed for a village's mistake.
    var villageCodes: Set<String> = []

    static let codePattern = #"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$"#

    /// Whether `code` matches `codePattern`, checked byte by byte: a regular expression here loads ICU's regex
    /// engine and its data (about 1.5 MB of mapped pages for the run, README "Memory"). Unlike ICU's `$`, a
    /// trailing line break is not accepted.
    static func isCode(_ code: String) -> Bool {
        func alphanumeric(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        let bytes = code.utf8
        guard let first = bytes.first, alphanumeric(first), bytes.count <= 32 else { return false }
        return bytes.dropFirst().allSatisfy { alphanumeric($0) || $0 == 0x5F || $0 == 0x2D }
    }

    mutating func problem(_ keyPath: String, _ message: String) {
        problems.append(ConfigProblem(keyPath: keyPath, message: message))
    }

    mutating func check(root: JSONValue, baseDirectory: URL) -> PipelineConfig? {
        guard case .object(let top) = root else {
            problem("", "must hold one JSON object { \"town\": …, \"villages\": […] }, not \(root.shown)")
            return nil
        }
        // Unknown top-level keys are ignored on purpose (see ConfigLoader).
        var town: Town?
        if let fields = object(top, "town", at: "", required: true, allowed: ["code", "name"]) {
            let code = code(fields, "code", at: "town"), name = name(fields, "name", at: "town")
            if let code, let name { town = Town(code: code, name: name) }
        }
        let villages = checkVillages(top["villages"])
        let keyUnits = checkKeyUnits(top["key_units"], townCode: town?.code)
        let inputs = folder(top, "inputs", defaultName: "inputs", base: baseDirectory)
        let outputs = folder(top, "outputs", defaultName: "outputs", base: baseDirectory)
        if let inputs, let outputs { checkSeparate(inputs: inputs, outputs: outputs) }
        let targets = checkTargets(top["targets"])
        var report = checkReport(top["report"])
        if let settings = report, let town, !checkWorkbookName(settings, town: town) { report = nil }
        guard let town, let villages, let keyUnits, let inputs, let outputs, let targets, let report else { return nil }
        return PipelineConfig(town: town, villages: villages, keyUnits: keyUnits, inputs: inputs, outputs: outputs,
                              targets: targets, report: report)
    }

    // MARK: The registry

    mutating func checkVillages(_ value: JSONValue?) -> [Village]? {
        let hint = "list the villages as [{ \"code\": …, \"name\": …, \"groups\": […] }]"
        guard let value, value != .null else { problem("villages", "is required; \(hint)"); return nil }
        guard case .array(let items) = value else { problem("villages", "must be a list; \(hint); got \(value.shown)"); return nil }
        if items.isEmpty { problem("villages", "must list at least one village"); return nil }
        var villages: [Village] = []
        var complete = true
        for (i, item) in items.enumerated() {
            let at = "villages[\(i)]"
            guard let fields = element(item, at: at, allowed: ["code", "name", "kind", "population", "groups"],
                                       hint: "{ \"code\": …, \"name\": … }") else { complete = false; continue }
            let code = code(fields, "code", at: at)
            if let code { villageCodes.insert(code) }
            let name = name(fields, "name", at: at)
            let kind = villageKind(fields, at: at)
            var population = optionalCount(fields, "population", at: at)
            if population?.value == nil && population != nil {
                problem("\(at).population", "is required: the number of residents (participants above it are flagged)")
                population = nil
            }
            let groups = checkGroups(fields["groups"], at: at + ".groups")
            if let code, let name, let kind, let population, let groups {
                villages.append(Village(code: code, name: name, kind: kind, population: population.value, groups: groups))
            } else { complete = false }
        }
        return complete ? villages : nil
    }

    /// SPEC §2: a village is a 村 or a 社区 (村居); the key is required.
    mutating func villageKind(_ fields: [String: JSONValue], at parent: String) -> String? {
        var at: String { parent + ".kind" }
        let allowed = ["村", "社区"]
        switch fields["kind"] {
        case nil, .null?: problem(at, "is required: \"村\" or \"社区\""); return nil
        case .string(let s)? where allowed.contains(s.trimmedCell): return s.trimmedCell
        case let other?: problem(at, "must be \"村\" or \"社区\", got \(other.shown)"); return nil
        }
    }

    mutating func checkGroups(_ value: JSONValue?, at: String) -> [Group]? {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            problem(at, "must be a list [{ \"code\": …, \"name\": … }], got \(value.shown)"); return nil
        }
        var groups: [Group] = []
        var complete = true
        for (i, item) in items.enumerated() {
            let here = "\(at)[\(i)]"
            guard let fields = element(item, at: here, allowed: ["code", "name"], hint: "{ \"code\": …, \"name\": … }")
            else { complete = false; continue }
            let code = code(fields, "code", at: here)
            let name = name(fields, "name", at: here)
            if let code, let name { groups.append(Group(code: code, name: name)) } else { complete = false }
        }
        return complete ? groups : nil
    }

    mutating func checkKeyUnits(_ value: JSONValue?, townCode: String?) -> [KeyUnit]? {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            problem("key_units", "must be a list [{ \"code\": …, \"name\": …, \"village\": … }], got \(value.shown)"); return nil
        }
        var units: [KeyUnit] = []
        var complete = true
        for (i, item) in items.enumerated() {
            let at = "key_units[\(i)]"
            guard let fields = element(item, at: at, allowed: ["code", "name", "village"], hint: "{ \"code\": …, \"name\": … }")
            else { complete = false; continue }
            let code = code(fields, "code", at: at)
            let name = name(fields, "name", at: at)
            var village: String?? = .some(nil)
            switch fields["village"] {
            case nil, .null?: break
            case .string(let v)? where villageCodes.contains(v): village = .some(v)
            case .string(let v)? where v == townCode:
                problem(at + ".village", "\"\(v)\" is the town's code; name the village where the unit is located, or leave the key out")
                village = nil
            case .string(let v)?:
                problem(at + ".village", "\"\(v)\" is not the code of a village in villages; use one of them, or leave the key out")
                village = nil
            case let other?:
                problem(at + ".village", "must be a village code in quotes, got \(other.shown)")
                village = nil
            }
            if let code, let name, let village { units.append(KeyUnit(code: code, name: name, village: village)) } else { complete = false }
        }
        return complete ? units : nil
    }

    // MARK: Folders

    mutating func folder(_ fields: [String: JSONValue], _ key: String, defaultName: String, base: URL) -> URL? {
        var text = defaultName
        switch fields[key] {
        case nil, .null?: break
        case .string(let s)?: text = s
        case let other?: problem(key, "must be a folder path in quotes, got \(other.shown)"); return nil
        }
        if text.trimmedCell.isEmpty { problem(key, "must not be empty; leave the key out to use \"\(defaultName)\""); return nil }
        if text.hasPrefix("~") {
            problem(key, "\"~\" is not expanded; write the full path, or a path relative to the folder of pipeline.json"); return nil
        }
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
        return URL(fileURLWithPath: url.standardizedFileURL.path, isDirectory: true)
    }

    /// The tool writes only under outputs/, so inputs must not share or nest with it.
    mutating func checkSeparate(inputs: URL, outputs: URL) {
        let i = inputs.standardizedFileURL.pathComponents, o = outputs.standardizedFileURL.pathComponents
        if i == o {
            problem("outputs", "is the same folder as inputs (\(inputs.path)); reports must go to a folder of their own")
        } else if o.starts(with: i) {
            problem("outputs", "lies inside inputs (\(outputs.path)); choose a folder outside \(inputs.path)")
        } else if i.starts(with: o) {
            problem("inputs", "lies inside outputs (\(inputs.path)); the tool rewrites outputs, so keep inputs elsewhere")
        }
    }

    // MARK: Targets and report settings

    mutating func checkTargets(_ value: JSONValue?) -> Targets? {
        guard let value, value != .null else { return Targets() }
        guard case .object(let fields) = value else { problem("targets", "must be an object {…}, got \(value.shown)"); return nil }
        let keys = ["inspections_per_half_month", "signing_rate", "trainings_per_month", "max_overdue_hazards"]
        unknownKeys(fields, allowed: keys, at: "targets")
        let d = Targets()
        let perHalf = optionalCount(fields, keys[0], at: "targets")
        let rate = signingRate(fields[keys[1]], at: "targets." + keys[1])
        let trainings = optionalCount(fields, keys[2], at: "targets")
        let overdue = optionalCount(fields, keys[3], at: "targets")
        guard let perHalf, let rate, let trainings, let overdue else { return nil }
        return Targets(inspectionsPerHalfMonth: perHalf.value ?? d.inspectionsPerHalfMonth, signingRate: rate ?? d.signingRate,
                       trainingsPerMonth: trainings.value ?? d.trainingsPerMonth, maxOverdueHazards: overdue.value ?? d.maxOverdueHazards)
    }

    /// `nil` when wrong, `.some(nil)` when omitted.
    mutating func signingRate(_ value: JSONValue?, at: String) -> Double?? {
        let x: Double
        switch value {
        case nil, .null?: return .some(nil)
        case .int(let i)?: x = Double(i)
        case .double(let d)?: x = d
        case let other?: problem(at, "must be a number from 0 to 1 (1.0 means 100%), got \(other.shown)"); return nil
        }
        guard (0...1).contains(x) else {
            let hint = x >= 2 && x <= 100 ? "; write \(x / 100) for \(value!.shown)%" : ""
            problem(at, "must be a number from 0 to 1 (1.0 means 100%), got \(value!.shown)\(hint)")
            return nil
        }
        return .some(x)
    }

    mutating func checkReport(_ value: JSONValue?) -> ReportSettings? {
        guard let value, value != .null else { return ReportSettings() }
        guard case .object(let fields) = value else { problem("report", "must be an object {…}, got \(value.shown)"); return nil }
        unknownKeys(fields, allowed: ["workbook_name", "title", "village_title", "notice_title", "office", "author", "company"],
                    at: "report")
        var settings = ReportSettings()
        var ok = true
        func take(_ key: String, _ write: (inout ReportSettings, String) -> Void, mayBeEmpty: Bool) {
            switch fields[key] {
            case nil, .null?: return
            case .string(let s)?:
                if !mayBeEmpty && s.trimmedCell.isEmpty { problem("report." + key, "must not be empty; leave the key out for the default"); ok = false }
                // (workbook_name's own check, checkWorkbookName, names control characters in it.)
                else if key != "workbook_name", let c = Self.controlCharacter(in: s.trimmedCell) {
                    problem("report." + key, Self.controlMessage(c)); ok = false
                }
                else { write(&settings, s.trimmedCell) }
            case let other?: problem("report." + key, "must be text in quotes, got \(other.shown)"); ok = false
            }
        }
        take("workbook_name", { $0.workbookName = $1 }, mayBeEmpty: false)
        take("title", { $0.title = $1 }, mayBeEmpty: false)
        take("village_title", { $0.villageTitle = $1 }, mayBeEmpty: false)
        take("notice_title", { $0.noticeTitle = $1 }, mayBeEmpty: false)
        take("office", { $0.office = $1 }, mayBeEmpty: false)
        take("author", { $0.author = $1 }, mayBeEmpty: true)
        take("company", { $0.company = $1 }, mayBeEmpty: true)
        return ok ? settings : nil
    }

    /// The town workbook's name must make one plain file inside outputs/P for every period: checked here (exit 2)
    /// rather than failing at write time (exit 1). Checked as filled in for the longest period text.
    mutating func checkWorkbookName(_ settings: ReportSettings, town: Town) -> Bool {
        let key = "report.workbook_name", template = settings.workbookName
        let filled = settings.fill(template, town: town, period: Period(year: 2026, month: 12)!)
        var ok = true
        func fail(_ message: String) { problem(key, message); ok = false }
        if template.contains(where: { $0 == "/" || $0 == "\\" }) {
            fail("is a file name and may not contain / or \\; it is written inside the period's output folder")
        }
        if let c = filled.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            fail("may not contain control characters (found U+\(String(format: "%04X", c.value))); write the name on one line")
        }
        if filled.hasPrefix(".") {
            fail("may not start with \".\" (the file would be hidden, and \".\"/\"..\" name folders)")
        }
        let bytes = (filled + ".xlsx").utf8.count
        if bytes > Self.maxWorkbookNameBytes {
            fail("is too long: \(bytes) bytes with .xlsx once filled in (at most \(Self.maxWorkbookNameBytes); a Chinese character takes 3)")
        }
        return ok
    }

    /// Linux allows 255 bytes per file name; 200 leaves room for copies (`… (1).xlsx`) and other systems.
    static let maxWorkbookNameBytes = 200

    // MARK: Field helpers

    /// An object that must be there (`town`), with its unknown keys reported.
    mutating func object(_ fields: [String: JSONValue], _ key: String, at parent: String, required: Bool,
                         allowed: [String]) -> [String: JSONValue]? {
        let at = parent.isEmpty ? key : "\(parent).\(key)"
        guard let value = fields[key], value != .null else {
            if required { problem(at, "is required; add \"\(key)\": { \"code\": …, \"name\": … }") }
            return nil
        }
        guard case .object(let inner) = value else { problem(at, "must be an object {…}, got \(value.shown)"); return nil }
        unknownKeys(inner, allowed: allowed, at: at)
        return inner
    }

    /// One element of a list that must be an object.
    mutating func element(_ value: JSONValue, at: String, allowed: [String], hint: String) -> [String: JSONValue]? {
        guard case .object(let fields) = value else { problem(at, "must be an object \(hint), got \(value.shown)"); return nil }
        unknownKeys(fields, allowed: allowed, at: at)
        return fields
    }

    mutating func unknownKeys(_ fields: [String: JSONValue], allowed: [String], at: String) {
        // Nearly always none: then no sorted copy of the keys (one per village and group: 12,600 in a 2,000-village file).
        if fields.keys.allSatisfy({ allowed.contains($0) }) { return }
        for key in fields.keys.sorted() where !allowed.contains(key) && !key.hasPrefix("_") {
            problem("\(at).\(key)", "unknown key; expected one of: \(allowed.joined(separator: ", ")) (start a key with _ for a comment)")
        }
    }

    /// A required code: the pattern, then uniqueness across the whole file.
    mutating func code(_ fields: [String: JSONValue], _ key: String, at parent: String) -> String? {
        let at = "\(parent).\(key)"
        guard let value = fields[key], value != .null else { problem(at, "is required"); return nil }
        guard case .string(let code) = value else {
            let hint = (value.isNumber) ? " (write codes in quotes, so leading zeros are kept)" : ""
            problem(at, "must be a code in quotes, got \(value.shown)\(hint)")
            return nil
        }
        guard Self.isCode(code) else {
            let lineBreak = code.unicodeScalars.contains { [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029].contains($0.value) }
            let hint = lineBreak ? "remove the line break in it"
                : code != code.trimmedCell ? "remove the spaces around it"
                : "use 1 to 32 letters (A–Z, a–z), digits, _ or -, starting with a letter or digit"
            problem(at, "\(value.shown) is not a valid code; \(hint)")
            return nil
        }
        if let first = codesSeen[code] {
            problem(at, "\(value.shown) is already used at \(first); codes must be unique across the whole file")
            return nil
        }
        codesSeen[code] = at
        return code
    }

    /// A required name: text, trimmed, not empty.
    mutating func name(_ fields: [String: JSONValue], _ key: String, at parent: String) -> String? {
        var at: String { "\(parent).\(key)" }  // made only for a problem (13,000 names in a 2,000-village file)
        guard let value = fields[key], value != .null else { problem(at, "is required"); return nil }
        guard case .string(let text) = value else { problem(at, "must be text in quotes, got \(value.shown)"); return nil }
        let name = text.trimmedCell
        if name.isEmpty { problem(at, "must not be empty"); return nil }
        if let c = Self.controlCharacter(in: name) { problem(at, Self.controlMessage(c)); return nil }
        return name
    }

    /// A character XML 1.0 cannot carry (U+0000–U+001F but tab, line feed and carriage return; U+FFFE, U+FFFF) in
    /// `text`, if any: libxlsxwriter copies names into document properties, chart titles and print headers as they
    /// are, so a workbook holding one would not open. (Tabs and line breaks, which XML carries and earlier versions
    /// accepted, are still accepted.)
    static func controlCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { ($0.value < 0x20 && ![0x09, 0x0A, 0x0D].contains($0.value)) || $0.value == 0xFFFE || $0.value == 0xFFFF }
    }

    static func controlMessage(_ c: Unicode.Scalar) -> String {
        "may not contain control characters (found U+\(String(format: "%04X", c.value))); a workbook cannot hold them"
    }

    mutating func optionalText(_ fields: [String: JSONValue], _ key: String, at parent: String, default value: String) -> String? {
        switch fields[key] {
        case nil, .null?: return value
        case .string(let s)? where !s.trimmedCell.isEmpty: return s.trimmedCell
        case .string?: problem("\(parent).\(key)", "must not be empty; leave the key out for \"\(value)\""); return nil
        case let other?: problem("\(parent).\(key)", "must be text in quotes, got \(other.shown)"); return nil
        }
    }

    /// An optional whole number ≥ 0, boxed so that "omitted" (`Box(nil)`) differs from "wrong" (`nil`).
    mutating func optionalCount(_ fields: [String: JSONValue], _ key: String, at parent: String) -> Box<Int?>? {
        switch fields[key] {
        case nil, .null?: return Box(nil)
        case .int(let n)? where n >= 0: return Box(n)
        case let other?:
            let hint: String
            if case .string(let s) = other, let n = Int(s.trimmedCell), n >= 0 { hint = " (write the number without quotes)" } else { hint = "" }
            problem("\(parent).\(key)", "must be a whole number ≥ 0, got \(other.shown)\(hint)")
            return nil
        }
    }
}

/// Keeps an optional inside an optional readable at the call site.
private struct Box<T> {
    var value: T
    init(_ value: T) { self.value = value }
}

private extension JSONValue {
    var isNumber: Bool {
        switch self { case .int, .double: true; default: false }
    }
}
