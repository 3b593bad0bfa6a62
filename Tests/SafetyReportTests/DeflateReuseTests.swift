// Parts deflated once per content and thread give the same zips; a workbook kept in memory is checked by its structure.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct DeflateReuseTests {
    /// The test binary, like `safety-report`, exports its own deflate, so minizip's calls reach `CMemoryParts`.
    @Test func deflateReuseTakesEffect() {
        #expect(Workbook.deflateReuseAvailable)
    }

    /// Every village workbook and the town workbook: the same bytes whether minizip's small parts come from the
    /// thread's cache or are deflated afresh; the second village already finds its constant parts (theme, content
    /// types, relationships, app.xml) in the cache.
    @Test func reusedPartsGiveTheSameZips() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        for reuse in [true, false] {
            Workbook.disableDeflateReuse(!reuse)
            defer { Workbook.disableDeflateReuse(false) }
            try TownWorkbook.write(report, to: dir + "/town-\(reuse).xlsx", partsInMemory: true)
            for v in report.villages {
                let before = Workbook.deflateCounts
                try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-\(reuse).xlsx",
                                          partsInMemory: true)
                let after = Workbook.deflateCounts
                if !reuse {
                    #expect(after.reused == before.reused, "nothing comes from the cache while it is off")
                    #expect(after.deflated - before.deflated >= 13, "every part of \(v.village.code) deflated afresh")
                } else if v.village.code != report.villages[0].village.code {
                    // The five parts every village workbook shares: theme, content types, the two relationship
                    // parts and app.xml (core.xml names the village; styles and sheets depend on its figures).
                    #expect(after.reused - before.reused >= 5, "constant parts of \(v.village.code) not reused")
                }
            }
        }
        #expect(try bytes(dir + "/town-true.xlsx") == bytes(dir + "/town-false.xlsx"))
        for v in report.villages {
            let code = v.village.code
            #expect(try bytes(dir + "/\(code)-true.xlsx") == bytes(dir + "/\(code)-false.xlsx"), "\(code)")
            try WrittenWorkbookCheck.verify(path: dir + "/\(code)-true.xlsx")
        }
    }

    /// Parts met often by earlier work on this thread (the cache's 32 slots all hit twice) do not keep a new
    /// workbook's constant parts out: the second village workbook finds them. (Ranked by hits, the new parts evicted
    /// each other in the one slot they could take.)
    @Test func partsMetOftenEarlierDoNotCrowdOutANewWorkbooksConstantParts() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        // On a thread of its own, so that the cache starts empty whatever other tests left on theirs.
        let reused = Locked<Int?>(nil), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            for _ in 0..<3 {
                for k in 0..<32 {
                    _ = Workbook.deflatedLikeMinizipForTests(Array("<earlier part=\"\(k)\">\(String(repeating: "村", count: k))</earlier>".utf8),
                                                            piece: 16_384, room: 65_536, level: 1)
                }
            }
            guard (try? VillageWorkbook.write(report, village: report.villages[0], shared: shared, to: dir + "/v0.xlsx",
                                              partsInMemory: true)) != nil else { return }
            let before = Workbook.deflateCounts
            guard (try? VillageWorkbook.write(report, village: report.villages[1], shared: shared, to: dir + "/v1.xlsx",
                                              partsInMemory: true)) != nil else { return }
            reused.withLock { $0 = Workbook.deflateCounts.reused - before.reused }
        }
        thread.start()
        done.wait()
        let found = try #require(reused.withLock { $0 }, "a village workbook could not be written")
        #expect(found >= 5)
    }

    /// A part met again (a styles variant, a workbook.xml shape) outlives a stream of parts met once (each village
    /// workbook's sheets, shared strings and core.xml) more numerous than the cache's 32 slots: the cache evicts the
    /// least recent part met only once while at most half of it holds parts met again. (A plain LRU evicted it.)
    @Test func aPartMetAgainOutlivesPartsMetOnce() throws {
        let reused = Locked<[Int]>([]), done = DispatchSemaphore(value: 0)
        let thread = Thread {  // its own cache, empty at the start
            defer { done.signal() }
            let recurring = Array("<styleSheet variant=\"1\">\(String(repeating: "格式", count: 40))</styleSheet>".utf8)
            func deflate(_ part: [UInt8]) -> Int {
                let before = Workbook.deflateCounts.reused
                _ = Workbook.deflatedLikeMinizipForTests(part, piece: 16_384, room: 65_536, level: 1)
                return Workbook.deflateCounts.reused - before
            }
            var found = [deflate(recurring), deflate(recurring)]  // made, then met again
            for k in 0..<40 { _ = deflate(Array("<sheet village=\"\(k)\">\(String(repeating: "村", count: k))</sheet>".utf8)) }
            found.append(deflate(recurring))
            reused.withLock { $0 = found }
        }
        thread.start()
        done.wait()
        #expect(reused.withLock { $0 } == [0, 1, 1])
    }

    /// Each thread keeps its own cache: village workbooks written on two threads at once are the bytes written on one.
    @Test func twoThreadsWriteTheSameBytes() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let villages = report.villages
        for v in villages {
            try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-one.xlsx",
                                      partsInMemory: true)
        }
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            for (i, v) in villages.enumerated() where i % 2 == k {
                do {
                    try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-two.xlsx",
                                              partsInMemory: true)
                } catch { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        for v in villages {
            let one = try Data(contentsOf: URL(fileURLWithPath: dir + "/\(v.village.code)-one.xlsx"))
            let two = try Data(contentsOf: URL(fileURLWithPath: dir + "/\(v.village.code)-two.xlsx"))
            #expect(one == two, "\(v.village.code)")
        }
    }

    /// The zip itself written to a full device (/dev/full fails every write with ENOSPC, also for root): minizip
    /// sees the failed write and `close` throws, with parts in memory and deflated from the cache as in a run. So
    /// a workbook whose parts stayed in memory needs no inflating to catch a full disk.
    @Test func aFailedWriteOfTheZipFailsTheWorkbook() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Once whole, so that the second write's parts all come from the cache.
        try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/first.xlsx", partsInMemory: true)
        #expect(throws: XlsxError.self) {
            try VillageWorkbook.write(report, village: v, shared: shared, to: "/dev/full", partsInMemory: true)
        }
        #expect(throws: XlsxError.self) { try TownWorkbook.write(report, to: "/dev/full", partsInMemory: true) }
        // The thread's next workbook is whole again.
        let again = dir + "/again.xlsx"
        #expect(try VillageWorkbook.write(report, village: v, shared: shared, to: again, partsInMemory: true))
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: dir + "/first.xlsx")))
    }

    /// Only a workbook none of whose parts went through a temporary file is reported as kept in memory: a part
    /// over 1 MB moves to a file (and is then inflated in full by the run's check); one that cannot move fails.
    @Test func onlyWorkbooksWhollyInMemoryAreReportedSo() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        let v = report.villages[0]
        #expect(try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/v.xlsx", partsInMemory: true))
        #expect(try !VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/files.xlsx", tmpdir: dir))
        let wb = try Workbook(path: dir + "/long.xlsx", tmpdir: dir, constantMemory: true, partsInMemory: true)
        let ws = try wb.addWorksheet("表")
        for row in 0..<40_000 { try ws.write(row, 0, text: "第\(row)行，一段足够长的文字，让这一部分超过一兆字节") }
        try wb.close()
        #expect(!wb.partsStayedInMemory)
        try WrittenWorkbookCheck.verify(path: dir + "/long.xlsx")
        Workbook.simulateFullTemporaryFolder(true)
        defer { Workbook.simulateFullTemporaryFolder(false) }
        #expect(throws: XlsxError.self) {
            try OutputWritingTests.writeLongWorkbook(dir + "/full.xlsx", tmpdir: dir, inMemory: true)
        }
    }

    /// The structure walk (no inflating) passes our workbooks and refuses the same workbook cut anywhere: a zip
    /// cut short loses its end record, its directory or a part's data.
    @Test func theStructureWalkRefusesAZipCutShort() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let path = dir + "/v.xlsx"
        try VillageWorkbook.write(report, village: report.villages[0], shared: VillageWorkbook.Shared(report), to: path,
                                  partsInMemory: true)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try WrittenWorkbookCheck.verifyStructure(bytes: bytes)
        #expect(WrittenWorkbookCheck.directVerdict(bytes, inflating: false) == .complete)
        for keep in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) + [bytes.count - 1, bytes.count - 22] {
            #expect(throws: WrittenWorkbookCheck.Incomplete.self, "cut to \(keep) bytes") {
                try WrittenWorkbookCheck.verifyStructure(bytes: Array(bytes.prefix(keep)))
            }
        }
    }
}
