// minizip's CRC-32s computed by libdeflate (CMemoryParts' zip_crc.c) are zlib's values: the same zips.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct ZipCRCTests {
    /// The test binary, like `safety-report`, exports its own crc32, so minizip's calls reach `CMemoryParts`.
    @Test func theReplacementTakesEffect() {
        #expect(Workbook.crc32Replaced)
    }

    /// libdeflate's CRC-32 against zlib's own: NULL buffers, empty inputs, constant bytes at every length up to 600
    /// and around powers of two, 20,000 random inputs at every alignment with random starting CRCs (some with bits
    /// above 32, which zlib ignores), long inputs, and running CRCs over random pieces.
    @Test func valuesAreZlibs() {
        #expect(Workbook.crc32CheckForTests() == 0)
    }

    /// Every village workbook and the town workbook: the same bytes with zlib's crc32 and with libdeflate's, whose
    /// CRC-32s are the ones minizip took (the bytes summed grow only with it on) and check out on reading (ZIPFoundation).
    @Test func workbooksAreTheSameBytesEitherWay() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        for replaced in [true, false] {
            Workbook.disableCRC32Replacement(!replaced)
            defer { Workbook.disableCRC32Replacement(false) }
            let before = Workbook.crc32BytesSummed
            try TownWorkbook.write(report, to: dir + "/town-\(replaced).xlsx", partsInMemory: true)
            for v in report.villages {
                try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-\(replaced).xlsx",
                                          partsInMemory: true)
            }
            let summed = Workbook.crc32BytesSummed - before
            // Each workbook's parts are several KB of XML (the theme alone is ≈ 7 KB).
            #expect(replaced ? summed > UInt64(10_000 * (report.villages.count + 1)) : summed == 0)
        }
        #expect(try bytes(dir + "/town-true.xlsx") == bytes(dir + "/town-false.xlsx"))
        // ZIPFoundation checks each entry's CRC-32 against its own as it extracts it.
        #expect(try XlsxParts(path: dir + "/town-true.xlsx").parts.count >= 10)
        for v in report.villages {
            let code = v.village.code
            #expect(try bytes(dir + "/\(code)-true.xlsx") == bytes(dir + "/\(code)-false.xlsx"), "\(code)")
            #expect(try XlsxParts(path: dir + "/\(code)-true.xlsx").parts.count >= 10, "\(code)")
        }
    }
}
