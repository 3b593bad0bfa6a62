// libxlsxwriter's lxw_utf8_strlen replaced by CMemoryParts' utf8_length.c (eight bytes at a time): the same counts.

import Foundation
import Testing
@testable import SafetyReport
import XlsxWriter

@Suite struct UTF8LengthTests {
    /// The test binary, like `safety-report`, defines lxw_utf8_strlen, so libxlsxwriter's calls reach `CMemoryParts`.
    @Test func theReplacementTakesEffect() {
        #expect(Workbook.utf8LengthReplaced)
    }

    /// Ours against libxlsxwriter's own on 20,000 strings at random alignments: ASCII, 2-, 3- and 4-byte characters,
    /// stray continuation bytes, bytes never valid in UTF-8 and characters cut short; lengths 0-79, every tenth up
    /// to 4 KB, every fourth made of any bytes but NUL.
    @Test func countsAreTheLibrarysOwn() {
        #expect(Workbook.utf8LengthCheckForTests() == 0)
    }

    /// Whole workbooks: the same bytes with libxlsxwriter's count and with ours (which counted every string cell).
    @Test func workbooksAreTheSameBytesEitherWay() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        let shared = VillageWorkbook.Shared(report)
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        for replaced in [true, false] {
            Workbook.disableUTF8LengthReplacement(!replaced)
            defer { Workbook.disableUTF8LengthReplacement(false) }
            let before = Workbook.utf8LengthsCounted
            try TownWorkbook.write(report, to: dir + "/town-\(replaced).xlsx", partsInMemory: true)
            for v in report.villages {
                try VillageWorkbook.write(report, village: v, shared: shared, to: dir + "/\(v.village.code)-\(replaced).xlsx",
                                          partsInMemory: true)
            }
            let counted = Workbook.utf8LengthsCounted - before
            #expect(replaced ? counted > 100 * (report.villages.count + 1) : counted == 0)
        }
        #expect(try bytes(dir + "/town-true.xlsx") == bytes(dir + "/town-false.xlsx"))
        for v in report.villages {
            let code = v.village.code
            #expect(try bytes(dir + "/\(code)-true.xlsx") == bytes(dir + "/\(code)-false.xlsx"), "\(code)")
        }
    }
}
