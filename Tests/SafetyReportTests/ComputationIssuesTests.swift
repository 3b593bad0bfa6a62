// The order of validation issues in the report: folder, file, line, column, rule.
import Testing
@testable import SafetyReport

@Suite struct ComputationIssuesTests {
    typealias F = ComputationFixtures

    static func issue(_ folder: String, _ file: String, _ line: Int?, _ column: String, _ rule: String = "r") -> ValidationIssue {
        ValidationIssue(.error, period: F.period("2026-10"), folder: folder, file: file, line: line,
                        column: column, rule: rule, message: "…")
    }

    @Test func issuesAreOrderedByFolderFileLineColumnRule() {
        func i(_ folder: String, _ file: String, _ line: Int?, _ column: String, _ rule: String = "r") -> ValidationIssue {
            Self.issue(folder, file, line, column, rule)
        }
        // Expected order, written top to bottom; the inputs below shuffle them.
        let expected = [
            i(F.townCode, "trainings.csv", 3, "theme"),
            i(F.v1, "inspections.csv", 5, "inspector"),
            i(F.v1, "Hazards.CSV", nil, ""),                       // file-level before rows
            i(F.v1, "Hazards.CSV", 2, "found_date"),               // schema order: found_date before category
            i(F.v1, "Hazards.CSV", 2, "category", "a.rule"),
            i(F.v1, "Hazards.CSV", 2, "category", "b.rule"),
            i(F.v1, "Hazards.CSV", 2, "extra_col"),                // unknown column after schema columns
            i(F.v1, "Hazards.CSV", 10, "hazard_id"),
            i(F.v1, "trainings.csv", 2, "participants"),
            i(F.v1, "notes.txt", nil, ""),                         // other files after the four, by name
            i(F.v2, "", nil, ""),
            i("999", "", nil, ""),                                 // unregistered folders last, by name
            i("abc", "", nil, ""),
        ]
        var v1 = F.folder(F.v1, inspections: [], hazards: [], trainings: [])
        v1.hazards.issues = [expected[7], expected[5], expected[3], expected[6], expected[4], expected[2]]
        v1.trainings.issues = [expected[8]]
        v1.inspections.issues = [expected[1]]
        v1.otherIssues = [expected[9]]
        var town = F.folder(F.townCode, trainings: [])
        town.trainings.issues = [expected[0]]
        var v2 = F.folder(F.v2)
        v2.otherIssues = [expected[10]]
        let r = F.build("2026-10", folders: [v2, v1, town], extraIssues: [expected[12], expected[11]])
        #expect(Array(r.issues) == expected)
    }

    @Test func notUpdatedWarningsSortWithTheirFoldersHazardsFile() {
        let ledger = F.ledger([("2026-09", [F.v1: [F.hazard("H2", found: "2026-09-01", deadline: "2026-12-01"),
                                                   F.hazard("H1", found: "2026-09-01", deadline: "2026-12-01")]])])
        var v1 = F.folder(F.v1, inspections: [], hazards: [], trainings: [])
        let lineIssue = Self.issue(F.v1, "hazards.csv", 4, "status")
        let inspectionIssue = Self.issue(F.v1, "inspections.csv", 9, "inspector")
        v1.hazards.issues = [lineIssue]
        v1.inspections.issues = [inspectionIssue]
        let r = F.build("2026-10", folders: [v1], ledger: ledger)
        #expect(r.issues.map(\.rule) == ["r", "hazard.not_updated", "hazard.not_updated", "r"])
        #expect(r.issues.map(\.value) == ["", "H1", "H2", ""])
        #expect(Array(r.issues).last == lineIssue)
        #expect(Array(r.issues)[1].severity == .warning && Array(r.issues)[1].line == nil && Array(r.issues)[1].column == "hazard_id")
    }
}
