// The ninth reading pass's per-file cuts: a spill without a folder given finds the temp folder only when it writes,
// and the hazard replay's submitter, looked up once, is the one `context` looks up per month.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ReadingNinthPassPerFileTests {
    private typealias F = ComputationFixtures

    /// `IssueSpill()` no longer resolves the temp folder when it is made: it must still spill there and read back.
    @Test func aSpillWithoutAFolderStillSpillsIntoTheTempFolder() {
        let spill = IssueSpill(threshold: 2)
        var list = IssueList(spill: spill)
        let issues = (1...50).map { line in
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
}
