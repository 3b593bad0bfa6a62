// The descriptor-based scan: the same listing and decisions as FileManager's, stats taken once, one scan shared by `run`.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ScanSharingTests {
    /// A kind file found by the listing carries the stat the scan took relative to its folder (what the remembered
    /// hashes compare), and a link inside inputs/ is still followed, classified by path, with no stat carried.
    @Test func kindFilesCarryTheScansStatAndLinksAreStillFollowed() throws {
        let town = try TownFixture()
        try town.write("inputs/2026-10/V1/hazards.csv", "隐患编号\n")
        try town.write("inputs/2026-10/V1/trainings.csv", "活动日期\n")
        try FileManager.default.createSymbolicLink(atPath: town.root.appendingPathComponent("inputs/2026-10/V1/inspections.csv").path,
                                                   withDestinationPath: "trainings.csv")
        let scan = InputScanner(config: try town.config).scan(Period("2026-10")!)
        let v1 = try #require(scan.folders["V1"])
        let hazards = try #require(v1.files[.hazards])
        var st = stat()
        #expect(stat(hazards.path, &st) == 0)
        #expect(hazards.stamp == FileStamp(st))
        #expect(v1.files[.inspections] != nil && v1.files[.inspections]?.stamp == nil)
        #expect(v1.unreadable.isEmpty)
    }

    /// Names that are not UTF-8 are listed as FileManager lists them (the listing's hash is in every manifest), and
    /// decided as before: not a dataset's name in a village folder, not a folder in the period folder.
    @Test func namesThatAreNotUTF8AreListedAndDecidedAsBefore() throws {
        let town = try TownFixture()
        try town.write("inputs/2026-10/V1/hazards.csv", "隐患编号\n")
        let folder = town.root.appendingPathComponent("inputs/2026-10")
        for (dir, bytes) in [("V1/", [0x62, 0x61, 0x64, 0xFF, 0x2E, 0x63, 0x73, 0x76] as [UInt8]), ("", [0x78, 0xFE, 0x2E, 0x74, 0x78, 0x74])] {
            let path = folder.path + "/" + dir
            let fd = (Array(path.utf8) + bytes + [0]).withUnsafeBufferPointer {
                $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(fd >= 0)
            close(fd)
        }
        let scan = InputScanner(config: try town.config).scan(Period("2026-10")!)
        let expected = try (FileManager.default.contentsOfDirectory(atPath: folder.path).map { "2026-10/" + $0 }
            + FileManager.default.contentsOfDirectory(atPath: folder.path + "/V1").map { "2026-10/V1/" + $0 }).sorted()
        #expect(scan.listing == expected)
        #expect(scan.listing.count == 4)
        let v1 = try #require(scan.folders["V1"])
        #expect(v1.files.keys.sorted() == [.hazards])
        #expect(v1.issues.map(\.rule) == ["file.unexpected"])
        #expect(scan.issues.map(\.rule) == ["entry.unreadable"])
    }

    /// With the scan leaving permissions to the open, a file the reader may not open gets the scanner's own words.
    @Test func aRefusedOpenReadsAsTheScannersUnreadableIssue() throws {
        #expect(InputReadError.opening(errno: EACCES) == .io("没有读取权限"))
        #expect(InputReadError.opening(errno: ENOENT) == .io(String(cString: strerror(ENOENT))))
        let issue = InputScanner.unreadableFile(Period("2026-10")!, "V1", "hazards.csv", why: InputReadError.opening(errno: EACCES).chinese)
        #expect(issue.rule == "file.unreadable" && issue.severity == .error && issue.file == "hazards.csv")
        #expect(issue.message == "「hazards.csv」无法读取（没有读取权限），按未报送处理。请重新保存后报送。")
        // The command line's own messages stay English (`inspect` of a file it may not read).
        #expect(InputReadError.opening(errno: EACCES).english == String(cString: strerror(EACCES)))
        #expect(InputReadError.opening(errno: EACCES).english == "Permission denied")
        #expect(InputReadError.opening(errno: ENOENT).english == String(cString: strerror(ENOENT)))
    }

    /// A file read in one piece is read whole with no extra read, and a file that grows past the size the open
    /// descriptor gave is still refused over the cap.
    @Test func aFileReadInOnePieceIsWholeAndTheCapStillHolds() throws {
        let town = try TownFixture()
        let bytes = Array("隐患编号,发现日期\nH1,2026-10-01\n".utf8)
        try town.writeBytes("a.csv", bytes)
        let path = town.root.appendingPathComponent("a.csv").path
        #expect(try InputLoader.readInput(path, limit: 1 << 20) == bytes)
        var pieces: [[UInt8]] = []
        let (identity, total) = try ChunkedFile.read(path, limit: 1 << 20, pieceBytes: 1 << 18) { pieces.append(Array($0)); return true }
        #expect(pieces == [bytes] && total == bytes.count && identity.size == bytes.count)
        #expect(throws: InputReadError.tooLarge(bytes: bytes.count)) { try InputLoader.readInput(path, limit: bytes.count - 1) }
    }

    /// `run`'s stale check and its build share one scan of each period: the build from the shared scans is the
    /// build from its own, and one check over several reports, in any order, says what separate checks say.
    @Test func oneScanServesTheStaleCheckAndTheBuild() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        try town.write("inputs/2026-08/V1/hazards.csv", "隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期\n")
        let config = try town.config
        for p in ["2026-08", "2026-09", "2026-10"] { _ = try ReportRun.build(config: config, configSHA256: "c", period: Period(p)!) }
        try town.write("inputs/2026-09/说明.txt", "x")                       // the listing of 09 on changes
        try town.write("inputs/2026-10/V2/hazards.csv", "隐患编号\n")         // a file October's report would read
        let store = OutputStore(root: config.outputs)
        let manifests = try ["2026-10", "2026-08", "2026-09"].map {
            try #require(Manifest.read(store.periodFolder(Period($0)!).appendingPathComponent("manifest.json")))
        }
        let scans = InputScans(config: config)
        var shared = StaleCheck(config: config, configSHA256: "c", scans: scans)
        let together = manifests.map { shared.reasons(of: $0) }
        let apart = manifests.map { m -> [Staleness] in var c = StaleCheck(config: config, configSHA256: "c"); return c.reasons(of: m) }
        #expect(together == apart)
        #expect(together == [[.fileAdded("2026-10/V2/hazards.csv")], [], [.filesAddedOrRemoved]])

        let fromShared = ReportAssembler.assemble(config: config, period: Period("2026-10")!, scans: scans)
        let fromOwn = ReportAssembler.assemble(config: config, period: Period("2026-10")!)
        #expect(fromShared.listingSHA256 == fromOwn.listingSHA256 && fromShared.inputs == fromOwn.inputs)
        // The listing hashed as the scans are taken is the hash of the sorted whole, which has the stray file.
        let scanner = InputScanner(config: config)
        let whole = scanner.periods().filter { $0 <= Period("2026-10")! }.flatMap { scanner.scan($0).listing }
        #expect(whole.contains("2026-09/说明.txt") && whole == whole.sorted())
        #expect(fromShared.listingSHA256 == Manifest.listingHash(whole))
        #expect(MonthReportDigest(fromShared.report) == MonthReportDigest(fromOwn.report))
    }
}

extension ScanSharingTests {
    /// The stale check's cheap test for agreements paths never turns away a path the exact test accepts.
    @Test(arguments: [("2026-09/V1/agreements.csv", true), ("2026-09/V1/AGREEMENTS.CSV", true), ("2026-09/V1/Agreements.Csv", true),
                      ("2026-09/V1/hazards.csv", false), ("2026-09/V1/agreements.xlsx", false), ("agreements.csv", false),
                      ("2026-09/V1/agreements.csv.bak", false)])
    func agreementsPathsAreRecognisedInAnyCase(_ path: String, _ expected: Bool) {
        #expect(StaleCheck.mayBeAgreements(path) == expected)
        let parts = path.split(separator: "/")
        let exact = parts.count == 3 && parts[2].lowercased() == FileKind.agreements.fileName  // StaleCheck's own test
        #expect(!exact || StaleCheck.mayBeAgreements(path))
    }
}

/// What two reports must agree on, compared as text.
private struct MonthReportDigest: Equatable {
    var summary: [UInt8]
    init(_ report: MonthReport) {
        summary = SummaryCSVs.tables(report).flatMap { Array($0.name.utf8) + $0.bytes }
    }
}

/// `outputs/.state/manifest-<P>.bin`: the stale check's view of a manifest without decoding its JSON.
@Suite struct ManifestIndexTests {
    /// Believed by manifest.json's stat once it is old enough, else by its SHA-256; a changed manifest.json or a
    /// damaged side file is never believed; `save: false` writes nothing.
    @Test func theSideFileStandsForManifestJSONOnlyWhileItIsTheSame() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "c", period: Period("2026-10")!)
        let p = Period("2026-10")!
        let json = config.outputs.appendingPathComponent("2026-10/manifest.json")
        let full = try #require(Manifest.read(json))
        let index = ManifestIndex(outputs: config.outputs)
        let side = config.outputs.appendingPathComponent(".state/manifest-2026-10.bin")
        // The build writes the side file of the manifest it committed; this test starts without one.
        #expect(index.read(p, save: false)?.buildID == full.buildID)
        try FileManager.default.removeItem(at: side)

        #expect(index.read(p, save: false) == full)                      // decoded; nothing written
        #expect(!FileManager.default.fileExists(atPath: side.path))
        #expect(index.read(p, save: true) == full)
        #expect(FileManager.default.fileExists(atPath: side.path))
        // Too fresh for its stat to count: manifest.json is hashed, matches, and the side file answers.
        let fromSide = try #require(index.read(p, save: false))
        #expect(fromSide.files.isEmpty && fromSide.outputs == full.outputs)
        #expect(fromSide.inputs == full.inputs && fromSide.buildID == full.buildID && fromSide.builtAt == full.builtAt)
        // Old enough (a negative margin stands in for two seconds passing): believed on its stat alone.
        let believing = ManifestIndex(outputs: config.outputs, margin: -3600)
        #expect(believing.read(p, save: false)?.inputs == full.inputs)
        var check = StaleCheck(config: config, configSHA256: "c")
        #expect(check.reasons(of: fromSide) == check.reasons(of: full))

        // manifest.json changed: the side file no longer answers, even for an index that believes any stat.
        var edited = full
        edited.builtAt = "2030-01-01T00:00:00.000Z"  // another size: a different stat even within one clock tick
        try Data(edited.json).write(to: json)
        #expect(believing.read(p, save: false) == edited)
        // A damaged side file is no side file.
        #expect(index.read(p, save: true) == edited)
        var bytes = try [UInt8](Data(contentsOf: side))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: side)
        #expect(believing.read(p, save: false) == edited)
    }
}
