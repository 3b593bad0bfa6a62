// Reading back the .xlsx files we write: unzip with ZIPFoundation and look at the XML parts.

import Foundation
import ZIPFoundation
import Testing
@testable import SafetyReport

/// The parts of one .xlsx file, by path inside the zip.
struct XlsxParts {
    let parts: [String: String]

    init(path: String) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var parts: [String: String] = [:]
        for entry in archive where entry.type == .file {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            parts[entry.path] = String(decoding: data, as: UTF8.self)
        }
        self.parts = parts
    }

    subscript(_ name: String) -> String { parts[name] ?? "" }

    /// Sheet names in workbook order, from xl/workbook.xml.
    var sheetNames: [String] {
        matches(#"<sheet name="([^"]*)""#, in: self["xl/workbook.xml"]).map(Self.unescape)
    }

    /// The worksheet part of a named sheet (sheets are numbered in workbook order).
    func sheet(_ name: String) -> String {
        guard let i = sheetNames.firstIndex(of: name) else { return "" }
        return self["xl/worksheets/sheet\(i + 1).xml"]
    }

    /// Shared strings in index order.
    var sharedStrings: [String] {
        matches(#"<si><t[^>]*>([^<]*)</t></si>"#, in: self["xl/sharedStrings.xml"]).map(Self.unescape)
    }

    /// Every string of the workbook: the shared ones and those written inline (constant-memory sheets).
    var allStrings: [String] {
        sharedStrings + parts.keys.filter { $0.hasPrefix("xl/worksheets/sheet") }.sorted().flatMap { part in
            matches(#"<is><t[^>]*>([^<]*)</t></is>"#, in: self[part]).map(Self.unescape)
        }
    }

    /// The shown value of a cell such as `C5`: the shared string for t="s" cells, the inline text for
    /// t="inlineStr" cells (constant-memory sheets), else the <v> text.
    func cell(_ sheetName: String, _ ref: String) -> String? {
        let xml = sheet(sheetName)
        guard let r = xml.range(of: "<c r=\"\(ref)\"") else { return nil }
        let rest = xml[r.upperBound...]
        guard let end = rest.range(of: "</c>"), let selfClose = rest.range(of: "/>") else { return nil }
        if selfClose.lowerBound < end.lowerBound, !rest[..<selfClose.lowerBound].contains(">") { return "" }
        let body = String(rest[..<end.lowerBound])
        if body.contains("t=\"inlineStr\"") { return matches(#"<is><t[^>]*>([^<]*)</t></is>"#, in: body).first.map(Self.unescape) ?? "" }
        guard let v = matches(#"<v>([^<]*)</v>"#, in: body).first else { return "" }
        if body.contains("t=\"s\"") { return sharedStrings[Int(v)!] }
        return v
    }

    /// The number format a cell is shown with: a built-in id's meaning (`General`, `#,##0`, `@`) or the custom code.
    func numberFormat(_ sheetName: String, _ ref: String) -> String? {
        guard let style = matches(#"<c r="\#(ref)" s="(\d+)""#, in: sheet(sheetName)).first.flatMap({ Int($0) }) else { return "General" }
        let xfs = matches(#"<xf ([^>]*)"#, in: self["xl/styles.xml"].components(separatedBy: "<cellXfs")[1])
        guard style < xfs.count, let id = matches(#"numFmtId="(\d+)""#, in: xfs[style]).first.flatMap({ Int($0) }) else { return nil }
        let builtIn = [0: "General", 3: "#,##0", 9: "0%", 10: "0.00%", 14: "m/d/yyyy", 49: "@"]
        if let known = builtIn[id] { return known }
        return matches(#"<numFmt numFmtId="\#(id)" formatCode="([^"]*)""#, in: self["xl/styles.xml"]).first.map(Self.unescape)
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// Every first capture group of a regular expression.
func matches(_ pattern: String, in text: String) -> [String] {
    let re = try! NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
}

/// A fresh temporary folder, removed by the caller.
func makeTempDir() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-test-" + UUID().uuidString).path
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a program to its end: (exit code, stdout, stderr). Stderr is read on another thread, so a child that
/// writes more than a pipe holds to stderr (a long log) cannot block while we wait on its stdout.
func runProcess(_ executable: URL, _ args: [String], in dir: URL? = nil,
                environment: [String: String?] = [:]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    if let dir { p.currentDirectoryURL = dir }
    if !environment.isEmpty {
        // nil removes the variable.
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        p.environment = env
    }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let stderrBytes = StderrBox()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        stderrBytes.data = err.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: stderrBytes.data, as: UTF8.self))
}

/// Stderr's bytes, handed from the reading thread to the caller (the semaphore orders the two).
private final class StderrBox: @unchecked Sendable { var data = Data() }

/// Runs the built binary with `args` in `dir` under a file-size limit of `blocks` 1 KB blocks, SIGXFSZ ignored, so
/// write(2) fails with EFBIG part-way, as on a full disk — how tests make writes fail, since root ignores
/// permissions. `tmpdir` sets TMPDIR. Returns the exit status and stderr.
/// `signalIgnoredByTheShell: false` starts it with SIGXFSZ at its default (killing; coreutils' `env
/// --default-signal`, since a shell cannot reset a signal that was ignored when it started), so the tool must
/// ignore it itself.
func runUnderFileSizeLimit(_ blocks: Int, _ args: [String], in dir: URL, tmpdir: URL? = nil,
                           signalIgnoredByTheShell: Bool = true) throws -> (code: Int32, err: String) {
    let p = Process()
    let script = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", CLI.binary.path] + args
    if signalIgnoredByTheShell {
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = script
    } else {
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["--default-signal=XFSZ", "/bin/sh", "-c", "ulimit -f \(blocks); exec \"$0\" \"$@\"", CLI.binary.path] + args
    }
    p.currentDirectoryURL = dir
    if let tmpdir { p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmpdir.path]) { $1 } }
    let err = Pipe()
    p.standardError = err; p.standardOutput = FileHandle.nullDevice
    try p.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, message)
}

/// Every file under a built period's folder, path (from the folder) → bytes; manifest.json without its build time.
func builtOutputs(_ dir: URL) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    for case let url as URL in FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)! {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
        var bytes = [UInt8](try Data(contentsOf: url))
        if url.lastPathComponent == "manifest.json" {
            bytes = Array(String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                .filter { !$0.contains("\"built_at\"") }.joined(separator: "\n").utf8)
        }
        out[String(url.path.dropFirst(dir.path.count))] = bytes
    }
    return out
}

/// Writes the town workbook and every village workbook of two reports and expects them byte for byte equal.
func expectSameWorkbooks(_ a: MonthReport, _ b: MonthReport, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let out = try IssueListTests.emptyTempDir()
    defer { try? FileManager.default.removeItem(at: out) }
    var names = ["town"]
    for (side, report) in [("a", a), ("b", b)] {
        try TownWorkbook.write(report, to: out.appendingPathComponent("\(side)-town.xlsx").path)
        for v in report.villages {
            try VillageWorkbook.write(report, village: v, to: out.appendingPathComponent("\(side)-\(v.village.code).xlsx").path)
            if side == "a" { names.append(v.village.code) }
        }
    }
    for name in names {
        let x = try Data(contentsOf: out.appendingPathComponent("a-\(name).xlsx"))
        let y = try Data(contentsOf: out.appendingPathComponent("b-\(name).xlsx"))
        #expect(x == y, "\(name).xlsx", sourceLocation: sourceLocation)
    }
}

/// A demo town (pipeline.json and inputs) written to a new temporary folder named `prefix-<uuid>`; returns it.
func writeDemoTown(_ options: DemoOptions, prefix: String) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    for file in DemoTown.generate(options) {
        let url = root.appendingPathComponent(file.path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(file.bytes).write(to: url)
    }
    return root
}

/// A demo town in a temporary folder, removed with the fixture: its config, its manifests and its input paths.
final class DemoTownFixture {
    let root: URL
    init(villages: Int, months: Int, seed: UInt64, prefix: String, end: String = "2026-10") throws {
        root = try writeDemoTown(DemoOptions(villages: villages, months: months, lastPeriod: Period(end)!, seed: seed),
                                 prefix: prefix)
    }
    deinit { try? FileManager.default.removeItem(at: root) }
    var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }
    func manifest(_ p: String) throws -> Manifest {
        try #require(Manifest.read(root.appendingPathComponent("outputs/\(p)/manifest.json")))
    }
    /// The absolute path of `rel` under inputs/.
    func path(_ rel: String) -> String { root.appendingPathComponent("inputs/" + rel).path }
}
