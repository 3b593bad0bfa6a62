// The CSV outputs' exact headers: SPEC §5's first columns, then §4's columns in the SPEC's order.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct SummaryCSVTests {
    static let figures = ["rows_read", "rows_rejected", "inspections", "inspections_first_half", "inspections_second_half",
                          "hazards_new", "hazards_new_major", "hazards_rectified", "hazards_open", "hazards_open_major",
                          "hazards_overdue", "hazards_escalated_open", "hazards_new_ytd", "hazards_rectified_ytd",
                          "rectification_rate_ytd", "agreements_required", "agreements_signed", "signing_rate",
                          "trainings", "training_participants"]

    static func header(_ bytes: [UInt8]) throws -> [String] {
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])   // UTF-8 with BOM, for Excel
        return try SourceReader.read(bytes).records[0].fields
    }

    @Test func headersAreTheSpecsColumnsInOrder() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let r = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        #expect(try Self.header(SummaryCSVs.town(r))
                == ["period", "town_code", "town_name", "villages_submitted", "villages_compliant"] + Self.figures)
        #expect(try Self.header(SummaryCSVs.villages(r))
                == ["period", "village_code", "village_name", "files_submitted"] + Self.figures + ["compliant", "shortfalls"])
        #expect(try Self.header(SummaryCSVs.groups(r))
                == ["period", "village_code", "village_name", "group_code", "group_name"] + Self.figures.dropFirst(2))
        #expect(try Self.header(SummaryCSVs.categories(r)).prefix(5)
                == ["period", "village_code", "village_name", "category", "category_name"])
        #expect(try Self.header(SummaryCSVs.ledger(r)).prefix(4) == ["period", "village_code", "village_name", "hazard_id"])
        #expect(try Self.header(SummaryCSVs.issues(r)) == ["period", "village_code", "village_name", "file", "line", "column",
                                                           "value", "severity", "rule", "message"])
        // One row per registered village and group; every folder × category.
        #expect(try SourceReader.read(SummaryCSVs.villages(r)).records.count == 1 + 2)
        #expect(try SourceReader.read(SummaryCSVs.groups(r)).records.count == 1 + 2)
        #expect(try SourceReader.read(SummaryCSVs.categories(r)).records.count == 1 + 3 * HazardCategory.allCases.count)
    }
}
