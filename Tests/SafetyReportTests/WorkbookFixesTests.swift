// The village workbook's 如何更正 advice: specific per rule key where it helps, the generic sentence otherwise.

import Testing
@testable import SafetyReport

@Suite struct WorkbookFixesTests {
    let period = Period(year: 2026, month: 10)!

    func issue(_ rule: String, _ severity: Severity = .error, file: String = "hazards.csv", line: Int? = 4,
               column: String = "") -> ValidationIssue {
        ValidationIssue(severity, period: period, folder: "330683105201", file: file, line: line, column: column,
                        value: "x", rule: rule, message: "…")
    }

    @Test func cellRulesNameThePlaceAndTheFix() {
        // The example date is the 5th of the report's own month.
        #expect(VillageWorkbook.howToFix(issue("date.format", column: "found_date"))
                == "将hazards.csv第4行「发现日期」列按 2026-10-05 格式（年-月-日，用短横线分隔）填写日期，下次报送时一并重新报送该文件")
        #expect(VillageWorkbook.howToFix(issue("boolean.format", column: "escalated"))
                == "hazards.csv第4行「是否上报」列只填「是」或「否」，下次报送时一并重新报送该文件")
        // An enumeration lists its allowed labels: the hazard levels are 一般 and 重大.
        #expect(VillageWorkbook.howToFix(issue("enum.unknown", column: "level"))
                == "hazards.csv第4行「隐患等级」列从下拉清单中选择，允许值：一般、重大，下次报送时一并重新报送该文件")
        #expect(VillageWorkbook.howToFix(issue("hazard.duplicate_id", column: "hazard_id"))
                == "删除重复行，或给其中一条隐患改用新的隐患编号，下次报送时一并重新报送该文件")
    }

    @Test func fileRulesSayHowToSaveTheFile() {
        #expect(VillageWorkbook.howToFix(issue("file.encoding", line: nil))
                == "在 Excel 中打开，「另存为」选择「CSV UTF-8（逗号分隔）」后重新报送")
        #expect(VillageWorkbook.howToFix(issue("column.missing", line: nil, column: "deadline"))
                == "按模板补上缺少的表头（列名）后重新报送整个文件")
        #expect(VillageWorkbook.howToFix(issue("file.unexpected", file: "说明.txt", line: nil))
                == "报送文件夹中只放 inspections.csv、hazards.csv、agreements.csv、trainings.csv；其他文件请移出")
    }

    @Test func rulesWithoutAdviceKeepTheGenericSentence() {
        #expect(VillageWorkbook.howToFix(issue("party.not_allowed", file: "agreements.csv", line: 7, column: "party_type"))
                == "请按说明修改agreements.csv第7行「对象类型」列后，在下次报送时一并重新报送该文件")
        #expect(VillageWorkbook.howToFix(issue("some.new_rule", .warning, line: 2, column: "location"))
                == "请核实hazards.csv第2行「地点」列；确认无误可不修改")
        #expect(VillageWorkbook.howToFix(issue("folder.unregistered", file: "", line: nil)) == "请按说明调整报送文件夹后重新报送")
    }
}
