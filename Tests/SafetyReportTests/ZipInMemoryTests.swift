// A workbook's zip kept in memory while minizip writes it: the same file, its bytes handed over, a failed write caught.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct ZipInMemoryTests {
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The test binary, like `safety-report`, exports its own fopen64, so minizip's call reaches `CMemoryParts`.
    @Test func zipInMemoryTakesEffect() {
        #expect(Workbook.zipInMemoryAvailable)
    }

    /// A village workbook and the town workbook with parts in memory keep their zip in memory: the file holds the
    /// bytes handed over, which are the bytes minizip writes to a file of its own (parts in temporary files), and
    /// they are handed over once, and only for their own path.
    @Test func theKeptBytesAreTheFile() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        let before = Workbook.zipsKeptInMemory
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/v.xlsx", partsInMemory: true)
        #expect(Workbook.zipsKeptInMemory == before + 1)
        #expect(Workbook.takeWrittenZip(dir + "/other.xlsx") == nil, "bytes handed over for another path")
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/v.xlsx", partsInMemory: true)
        let kept = try #require(Workbook.takeWrittenZip(dir + "/v.xlsx"))
        #expect(Workbook.takeWrittenZip(dir + "/v.xlsx") == nil, "handed over twice")
        #expect(kept == (try Self.bytes(dir + "/v.xlsx")))
        try WrittenWorkbookCheck.verify(bytes: kept)
        // Without parts in memory minizip writes its own file: the same bytes, nothing kept.
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/files.xlsx", tmpdir: dir)
        #expect(Workbook.takeWrittenZip(dir + "/files.xlsx") == nil)
        #expect(try Self.bytes(dir + "/files.xlsx") == kept)
        // Bytes left untaken are never handed over for a later workbook written to the same path without them
        // (a retry without parts in memory): they would describe another file.
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/again.xlsx", partsInMemory: true)
        try VillageWorkbook.write(report, village: report.villages[1], shared: shared, to: dir + "/again.xlsx", tmpdir: dir)
        #expect(Workbook.takeWrittenZip(dir + "/again.xlsx") == nil, "an earlier workbook's bytes handed over")
        try TownWorkbook.write(report, to: dir + "/town.xlsx", partsInMemory: true)
        let town = try #require(Workbook.takeWrittenZip(dir + "/town.xlsx"))
        #expect(town == (try Self.bytes(dir + "/town.xlsx")))
        try TownWorkbook.write(report, to: dir + "/town-files.xlsx")
        #expect(try Self.bytes(dir + "/town-files.xlsx") == town)
    }

    /// The file replaces one that was there, and a workbook whose folder is missing fails at once.
    @Test func theFileIsReplacedAndAMissingFolderFails() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        let path = dir + "/v.xlsx"
        try Data(repeating: 0x41, count: 1 << 20).write(to: URL(fileURLWithPath: path))
        try VillageWorkbook.write(report, village: v, shared: shared, to: path, partsInMemory: true)
        #expect(try Self.bytes(path) == Workbook.takeWrittenZip(path))
        #expect(throws: XlsxError.self) {
            try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/missing/v.xlsx", partsInMemory: true)
        }
    }

    /// Writing the kept zip to its file fails (ENOSPC, as on a full disk, also for root): minizip's close fails,
    /// so `close` throws and no bytes are handed over; the thread's next workbook is whole again.
    @Test func aFailedWriteOfTheKeptZipFailsTheWorkbook() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        let path = dir + "/v.xlsx"
        Workbook.simulateFailedZipWrite(true)
        #expect(throws: XlsxError.self) {
            try VillageWorkbook.write(report, village: v, shared: shared, to: path, partsInMemory: true)
        }
        #expect(throws: XlsxError.self) { try TownWorkbook.write(report, to: dir + "/town.xlsx", partsInMemory: true) }
        Workbook.simulateFailedZipWrite(false)
        #expect(Workbook.takeWrittenZip(path) == nil)
        try VillageWorkbook.write(report, village: v, shared: shared, to: path, partsInMemory: true)
        let kept = try #require(Workbook.takeWrittenZip(path))
        #expect(kept == (try Self.bytes(path)))
        try WrittenWorkbookCheck.verify(bytes: kept)
    }

    /// A zip that outgrows the memory limit moves to its file and goes on there (seeks back to each part's header
    /// included): the same bytes, none handed over; past the limit again, a failed write still fails the workbook.
    @Test func aZipPastTheLimitGoesOnInItsFile() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/whole.xlsx", partsInMemory: true)
        let whole = try #require(Workbook.takeWrittenZip(dir + "/whole.xlsx"))
        Workbook.zipMemoryLimitForTests(4096)
        defer { Workbook.zipMemoryLimitForTests(nil) }
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/moved.xlsx", partsInMemory: true)
        #expect(Workbook.takeWrittenZip(dir + "/moved.xlsx") == nil)
        #expect(try Self.bytes(dir + "/moved.xlsx") == whole)
        Workbook.simulateFailedZipWrite(true)
        defer { Workbook.simulateFailedZipWrite(false) }
        #expect(throws: XlsxError.self) {
            try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/failed.xlsx", partsInMemory: true)
        }
    }

    /// Every other fopen64 of the process (another file, or the workbook's own path read back) goes to glibc.
    @Test func otherOpensAreUntouched() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/plain.txt"
        // fopen64 as minizip reaches it (Swift's Glibc module offers only fopen).
        typealias Open = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> UnsafeMutablePointer<FILE>?
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fopen64"))  // RTLD_DEFAULT
        let open = unsafeBitCast(symbol, to: Open.self)
        let file = try #require(open(path, "wb"))
        #expect(fputs("plain", file) >= 0)
        #expect(fclose(file) == 0)
        #expect(try Self.bytes(path) == Array("plain".utf8))
        #expect(Workbook.takeWrittenZip(path) == nil)
    }
}
