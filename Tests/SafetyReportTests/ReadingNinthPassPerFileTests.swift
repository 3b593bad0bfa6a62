// The ninth reading pass's per-file cuts: a spill without a folder given finds the temp folder only when it writes,
// the hazard replay's submitter, looked up once, is the one `context` looks up per month, and the GB18030 table, built
// without an array per code, holds what iconv gives for each code.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ReadingNinthPassPerFileTests {
    private typealias F = ComputationFixtures

    /// `IssueSpill()` no longer resolves the temp folder when it is made: it must still spill there and read back.
    @Test func aSpillWithoutAFolderStillSpillsIntoTheTempFolder() {
        let spill = IssueSpill(threshold: 2)
        var list = IssueList(spill: spill)
        let issues = (1...50).map { (line: Int) in
            ValidationIssue(.error, period: F.period("2026-10"), folder: F.v1, file: "hazards.csv", line: line,
                            column: "found_date", value: "第 \(line) 行", rule: "date.invalid", message: "日期无法识别")
        }
        list.append(contentsOf: issues)
        list.seal()
        #expect(spill.bytesWritten > 0)
        #expect(spill.failure == nil)
        #expect(Array(list) == issues)
    }

    /// A folder given is still the one used: a path that is no folder fails, and the failure names it.
    @Test func aFolderGivenIsStillTheOneUsed() {
        let notAFolder = URL(fileURLWithPath: "/proc/version/not-a-folder")
        let spill = IssueSpill(directory: notAFolder, threshold: 1, residentLimit: 0)
        var list = IssueList(spill: spill)
        for line in 1...5 {
            list.append(ValidationIssue(.warning, period: F.period("2026-10"), folder: F.v1, file: "hazards.csv", line: line, rule: "r", message: "m"))
        }
        list.seal()
        #expect(spill.failure?.contains(notAFolder.path) == true)
    }

    /// The submitter the replay looks up once is the one `context` gives for every code: the town and each village.
    @Test func theReplaysSubmitterIsTheContexts() {
        let config = F.config()
        let period = F.period("2026-10")
        for code in [F.townCode, F.v1, F.v2] {
            let once = ReportAssembler.submitter(config, code)
            let perMonth = ReportAssembler.context(config, period, code)
            let given = ReportAssembler.context(config, period, code, submitter: once)
            #expect(once == perMonth.submitter)
            #expect(given.submitter == perMonth.submitter && given.folder == code && given.period == period)
        }
        #expect(ReportAssembler.submitter(config, F.townCode) == .town)
        #expect(ReportAssembler.submitter(config, F.v2) == .village(config.village(F.v2)!))
    }

    /// The table built through one pair of buffers holds, for every two-byte code, exactly what a whole conversion of
    /// that code by iconv gives when it is one character of at most three UTF-8 bytes, and nothing otherwise (so no
    /// code the table should answer is left to iconv, which the both-path tests of `GB18030LookupTests` would not see).
    @Test func theGB18030TableHoldsIconvsConversionOfEveryCode() throws {
        let table = try #require(GB18030Table.shared)
        var held = 0
        for lead in 0x81...0xFE {
            for trail in 0x00...0xFF {
                var expected: UInt32?
                if trail >= 0x40, trail <= 0xFE, trail != 0x7F,
                   let utf8 = try? Iconv.convert([UInt8(lead), UInt8(trail)], from: "GB18030", to: "UTF-8"),
                   let first = utf8.first,
                   utf8.count == (first < 0x80 ? 1 : first & 0xE0 == 0xC0 ? 2 : first & 0xF0 == 0xE0 ? 3 : 0) {
                    var entry = UInt32(utf8.count)
                    for (k, byte) in utf8.enumerated() { entry |= UInt32(byte) << (8 * UInt32(k + 1)) }
                    expected = entry
                }
                #expect(table.twoByte(UInt8(lead), UInt8(trail)) == expected, "\(lead) \(trail)")
                if expected != nil { held += 1 }
            }
        }
        #expect(held > 20_000)   // GB2312's and GBK's Chinese characters at least
    }
}
