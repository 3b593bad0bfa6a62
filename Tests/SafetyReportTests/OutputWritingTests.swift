// The output side's fast paths (temp folder on a tmpfs, outputs flushed together) change no byte and keep errors.
import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct OutputWritingTests {
    static let shm = WorkbookTempFolder.Facts(isTmpfs: true, writable: true, freeBytes: 1 << 30)
    static let disk = WorkbookTempFolder.Facts(isTmpfs: false, writable: true, freeBytes: 1 << 30)

    @Test func tempFolderIsATmpfsOnlyWhenNobodyChoseAndItHelps() {
        let choose = WorkbookTempFolder.choose
        // Nothing chosen, /tmp on disk, a usable /dev/shm: the tmpfs.
        #expect(choose([:], Self.disk, Self.shm) == "/dev/shm")
        #expect(choose(["TMPDIR": ""], Self.disk, Self.shm) == "/dev/shm")  // set but empty is unset for libxlsxwriter too
        #expect(choose([:], nil, Self.shm) == "/dev/shm")
        // The user's TMPDIR stands, whatever it is.
        #expect(choose(["TMPDIR": "/var/tmp"], Self.disk, Self.shm) == nil)
        // /tmp already a tmpfs: nothing to gain.
        #expect(choose([:], Self.shm, Self.shm) == nil)
        // /dev/shm missing, not a tmpfs, read-only or nearly full: the default.
        #expect(choose([:], Self.disk, nil) == nil)
        #expect(choose([:], Self.disk, Self.disk) == nil)
        var readOnly = Self.shm; readOnly.writable = false
        #expect(choose([:], Self.disk, readOnly) == nil)
        var full = Self.shm; full.freeBytes = WorkbookTempFolder.minimumFreeBytes - 1
        #expect(choose([:], Self.disk, full) == nil)
        full.freeBytes = WorkbookTempFolder.minimumFreeBytes
        #expect(choose([:], Self.disk, full) == "/dev/shm")
    }

    /// The file system type by statfs agrees with /proc/mounts; files and missing paths are not folders.
    @Test func folderFactsComeFromTheFileSystem() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let facts = try #require(WorkbookTempFolder.facts(dir.path))
        #expect(facts.writable && facts.freeBytes > 0)
        try Data("x".utf8).write(to: dir.appendingPathComponent("f"))
        #expect(WorkbookTempFolder.facts(dir.appendingPathComponent("f").path) == nil)
        #expect(WorkbookTempFolder.facts(dir.appendingPathComponent("missing").path) == nil)
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return }
        // The last mount on a path is the one that shows.
        var types: [String: String] = [:]
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count > 2 { types[String(f[1])] = String(f[2]) }
        }
        for path in ["/dev/shm", "/proc", "/sys"] {
            guard let type = types[path], let got = WorkbookTempFolder.facts(path) else { continue }
            #expect(got.isTmpfs == (type == "tmpfs"), "\(path) is \(type)")
        }
    }

    @Test func villageWorkbooksAreTheSameBytesWhateverTheTempFolder() throws {
        let town = try DemoTownFolder(villages: 4, months: 2)
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let shared = VillageWorkbook.Shared(report)
        let tmp = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var folders: [String?] = [nil, tmp.path]
        if WorkbookTempFolder.facts("/dev/shm")?.isTmpfs == true { folders.append("/dev/shm") }
        // Each folder with temporary files, and with the parts kept in memory.
        let ways = [false, true].flatMap { inMemory in folders.map { (folder: $0, inMemory: inMemory) } }
        for v in report.villages {
            var written: [Data] = []
            for (i, way) in ways.enumerated() {
                let path = town.root.appendingPathComponent("\(v.village.code)-\(i).xlsx").path
                try VillageWorkbook.write(report, village: v, shared: shared, to: path, tmpdir: way.folder,
                                          partsInMemory: way.inMemory)
                written.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            #expect(written.allSatisfy { $0 == written[0] && !$0.isEmpty }, "\(v.village.code)")
        }
        #expect(try IssueListTests.entries(tmp).isEmpty)  // libxlsxwriter's parts are unlinked at once
    }

    /// The test binary, like `safety-report`, exports its own lxw_tmpfile, so libxlsxwriter's calls reach it and
    /// `partsInMemory` takes effect (were it not, every part would silently go to a temporary file again).
    @Test func partsInMemoryTakeEffect() {
        #expect(Workbook.memoryPartsAvailable)
        #expect(VillageWorkbook.partsInMemoryAvailable)
    }

    /// A long constant-memory table: each row's XML goes through libxlsxwriter's temporary part, which leaves
    /// memory for a file in `tmpdir` once it passes 1 MB. Same bytes as with temporary files all along, and
    /// nothing left in the folder.
    @Test func aPartLargerThanTheMemoryLimitMovesToATemporaryFile() throws {
        let tmp = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var written: [Data] = []
        for inMemory in [false, true] {
            let path = tmp.appendingPathComponent("long-\(inMemory).xlsx").path
            try Self.writeLongWorkbook(path, tmpdir: tmp.path, inMemory: inMemory)
            try WrittenWorkbookCheck.verify(path: path)
            written.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(written[0] == written[1] && written[0].count > 100_000)
        #expect(try IssueListTests.entries(tmp).isEmpty)
    }

    /// libxlsxwriter ignores a failed write to a temporary part: a part over 1 MB that could not move to a file (a
    /// full tmpfs) once gave a sheet with its rows missing and its end intact, and exit 0 (found by review, with
    /// /dev/shm filled during a run). The failure is counted and `close` throws, naming the cause; the next
    /// workbook on the thread starts with a clean count and is whole.
    @Test func aPartThatCannotMoveToAFileFailsTheWorkbook() throws {
        let tmp = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bad = tmp.appendingPathComponent("bad.xlsx").path
        Workbook.simulateFullTemporaryFolder(true)
        defer { Workbook.simulateFullTemporaryFolder(false) }
        do {
            try Self.writeLongWorkbook(bad, tmpdir: tmp.path, inMemory: true)
            Issue.record("a workbook with a part that could not be kept was closed without an error")
        } catch let error as XlsxError {
            #expect(error.operation == "workbook_close")
            #expect(error.message.contains("could not be written") && error.message.contains("No space left on device"))
        }
        Workbook.simulateFullTemporaryFolder(false)
        let good = tmp.appendingPathComponent("good.xlsx").path
        try Self.writeLongWorkbook(good, tmpdir: tmp.path, inMemory: true)
        try WrittenWorkbookCheck.verify(path: good)
        #expect(try Data(contentsOf: URL(fileURLWithPath: good)).count > 100_000)
    }

    /// libxlsxwriter formats a workbook's creation time with gmtime(3), whose result glibc keeps in one buffer per
    /// process: workbooks of two periods closed at once on two threads could swap their times (a flaky
    /// FastPathTests byte comparison, docProps/core.xml). gmtime now answers from a buffer per thread; two threads
    /// calling it with different times each read their own.
    @Test func gmtimeAnswersEachThreadWithItsOwnTime() {
        let mismatches = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            var t: time_t = k == 0 ? 86_400 * 365 : 86_400 * 365 * 40  // 1971 and 2009
            let year: Int32 = k == 0 ? 71 : 109
            for _ in 0..<200_000 {
                guard let tm = gmtime(&t) else { mismatches.withLock { $0 += 1 }; continue }
                let y = tm.pointee.tm_year
                sched_yield()
                if tm.pointee.tm_year != year || y != year { mismatches.withLock { $0 += 1 } }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    /// A workbook whose one sheet is a constant-memory table of about 3 MB of XML.
    static func writeLongWorkbook(_ path: String, tmpdir: String, inMemory: Bool) throws {
        let wb = try Workbook(path: path, tmpdir: tmpdir, constantMemory: true, partsInMemory: inMemory)
        try wb.setProperties(DocumentProperties(created: 1_790_000_000))  // else core.xml gets the current time
        let style = try WorkbookStyle(wb)
        let ws = try wb.addWorksheet("表")
        let columns = [Column("名称", .text), Column("数", .int)]
        let print = PrintHeader(town: "镇", period: Period("2026-10")!, title: "表")
        _ = try ws.writeTable(style: style, title: "标题", note: "说明", columns: columns, rowCount: 40_000,
                              row: { i in [.text("第\(i)行"), .int(i)] }, footerRows: [], print: print)
        try wb.close()
    }

    /// `run` with TMPDIR set (libxlsxwriter's default everywhere) and unset (the tmpfs for village workbooks when
    /// there is one) writes the same bytes, and leaves nothing in the temp folder it was given.
    @Test func runWritesTheSameOutputsWithAndWithoutTMPDIR() throws {
        let town = try DemoTownFolder(villages: 6, months: 2)
        let tmp = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var results: [[String: [UInt8]]] = []
        for tmpdir in [tmp.path, nil] {
            var env = ProcessInfo.processInfo.environment
            env["TMPDIR"] = tmpdir
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["run", "--period", "2026-10", "--quiet"]
            p.currentDirectoryURL = town.root
            p.environment = env
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let out = town.root.appendingPathComponent("outputs/2026-10")
            results.append(try builtOutputs(out))
            try FileManager.default.removeItem(at: town.root.appendingPathComponent("outputs"))
        }
        #expect(results[0].keys.filter { $0.hasSuffix(".xlsx") }.count == 7)
        #expect(results[0] == results[1])
        #expect(try IssueListTests.entries(tmp).isEmpty)
    }

    @Test func flushingTheOutputsNamesTheFileThatFailed() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for i in 0..<20 {
            let url = dir.appendingPathComponent("f\(i).csv")
            try OutputStore.stage(Array("row \(i)\n".utf8), to: url)
            paths.append(url.path)
        }
        try OutputStore.flushAll(paths)
        #expect(try String(contentsOfFile: paths[7], encoding: .utf8) == "row 7\n")
        let missing = dir.appendingPathComponent("gone.xlsx").path
        do {
            try OutputStore.flushAll(paths + [missing])
            Issue.record("flushing a missing file succeeded")
        } catch {
            #expect("\(error)".contains(missing), "\(error)")
        }
    }

    /// The workbooks' background flush: every path handed over is flushed and reported as such (so the run flushes
    /// only the rest), `finish` may be called again, and a file that cannot be flushed fails it, named.
    @Test func theBackgroundFlushReportsWhatItFlushedOrTheFileThatFailed() throws {
        let dir = try IssueListTests.emptyTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for i in 0..<50 {
            let url = dir.appendingPathComponent("w\(i).xlsx")
            try OutputStore.stage(Array("workbook \(i)\n".utf8), to: url)
            paths.append(url.path)
        }
        let flushing = OutputStore.BackgroundFlush(threads: 3)
        for path in paths { flushing.add(path) }
        #expect(try flushing.finish() == Set(paths))
        #expect(try flushing.finish() == Set(paths))
        let failing = OutputStore.BackgroundFlush(threads: 2)
        let missing = dir.appendingPathComponent("gone.xlsx").path
        for path in paths.prefix(10) + [missing] + paths.suffix(10) { failing.add(path) }
        do {
            _ = try failing.finish()
            Issue.record("flushing a missing file succeeded")
        } catch {
            #expect("\(error)".contains(missing), "\(error)")
        }
        // Nothing handed over: nothing flushed, and the threads end.
        #expect(try OutputStore.BackgroundFlush().finish().isEmpty)
    }
}

/// A small demo town (config and inputs) in its own temporary folder, removed when dropped.
private final class DemoTownFolder {
    let root: URL
    init(villages: Int, months: Int) throws {
        root = try writeDemoTown(DemoOptions(villages: villages, months: months, lastPeriod: Period("2026-10")!, seed: 5),
                                 prefix: "sr-out")
    }
    deinit { try? FileManager.default.removeItem(at: root) }
    var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }
}
