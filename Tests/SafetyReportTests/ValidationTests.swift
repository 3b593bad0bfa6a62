// Validation of whole files: header handling, row rules per file, duplicates, the ledger checks, counts.
import Testing
@testable import SafetyReport

// MARK: Fixtures

private let east = Village(code: "330683105201", name: "东湖村", population: 2310, groups: [
    Group(code: "330683105201-01", name: "第一村民小组"), Group(code: "330683105201-02", name: "第二村民小组"),
])
private let west = Village(code: "330683105202", name: "西山村", groups: [Group(code: "330683105202-01", name: "第一村民小组")])
private let config = PipelineConfig(town: Town(code: "330683105", name: "青石镇"), villages: [east, west],
                                    keyUnits: [KeyUnit(code: "KU001", name: "青石化工有限公司", village: east.code)])
private let october = Period(year: 2026, month: 10)!
private let villageCtx = ValidationContext(period: october, folder: east.code, submitter: .village(east), config: config)
private let townCtx = ValidationContext(period: october, folder: "330683105", submitter: .town, config: config)

private func day(_ y: Int, _ m: Int, _ d: Int) -> Day { Day(year: y, month: m, day: d)! }

/// A parsed file whose records sit on lines 1, 2, 3, …
private func file(_ name: String, _ records: [[String]]) -> FileInput {
    lines(name, records.enumerated().map { ($0.offset + 1, $0.element) })
}

/// A parsed file with explicit physical lines (blank records, multi-line records).
private func lines(_ name: String, _ records: [(Int, [String])]) -> FileInput {
    .parsed(fileName: name, ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .lf,
                                       records: records.map { RawRecord(line: $0.0, fields: $0.1) }))
}

private func errorRules<R>(_ r: FileResult<R>) -> [String] { r.issues.filter { $0.severity == .error }.map(\.rule) }
private func warningRules<R>(_ r: FileResult<R>) -> [String] { r.issues.filter { $0.severity == .warning }.map(\.rule) }

/// Every row read is accepted or rejected, and every rejected row carries at least one error on its line.
private func expectCountsAddUp<R>(_ r: FileResult<R>, acceptedLines: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
    let errorLines = Set(r.issues.filter { $0.severity == .error }.compactMap(\.line))
    #expect(r.rows.count + r.rowsRejected == r.rowsRead, sourceLocation: sourceLocation)
    #expect(errorLines.isDisjoint(with: acceptedLines), sourceLocation: sourceLocation)
    #expect(errorLines.count == r.rowsRejected, sourceLocation: sourceLocation)
}

private let inspectionHeader = ["排查日期", "小组编码", "排查人", "排查范围", "发现隐患数"]

private let hazardKeys = ["hazard_id", "found_date", "group_code", "category", "level", "description", "location",
                          "responsible", "deadline", "status", "rectified_date", "escalated", "escalated_to"]
/// A valid new hazard of October, with some cells replaced.
private func hazard(_ changes: [String: String] = [:]) -> [String] {
    let base = ["hazard_id": "H001", "found_date": "2026-10-03", "group_code": "330683105201-01", "category": "供用电",
                "level": "一般", "description": "电线老化", "location": "村委会", "responsible": "李四",
                "deadline": "2026-10-20", "status": "整改中", "rectified_date": "", "escalated": "否", "escalated_to": ""]
    return hazardKeys.map { changes[$0] ?? base[$0]! }
}

private let agreementHeader = ["对象类型", "对象编码", "对象名称", "是否签订", "签订日期"]
private let trainingHeader = ["活动日期", "小组编码", "活动形式", "活动主题", "参与对象", "参与人数", "时长(小时)", "发放资料(份)"]

// MARK: File frame

@Suite struct ValidationFileTests {
    @Test func missingAndUnreadableFiles() {
        let missing = Validator.inspections(.missing, villageCtx)
        #expect(missing.state == .missing && missing.fileName == "inspections.csv" && missing.rowsRead == 0)

        let why = ValidationIssue(.error, period: october, folder: east.code, file: "Hazards.CSV", rule: "file.encoding", message: "无法识别编码")
        let bad = Validator.hazards(.unreadable(fileName: "Hazards.CSV", issue: why), villageCtx, known: [:])
        #expect(bad.state == .rejected && bad.fileName == "Hazards.CSV" && bad.rowsRead == 0 && bad.issues == [why])
    }

    @Test func emptyFileIsRejectedWhole() {
        let r = Validator.trainings(lines("trainings.csv", [(1, [""]), (2, [" ", "\u{3000}"])]), villageCtx)
        #expect(r.state == .rejected && r.rowsRead == 0)
        #expect(errorRules(r) == ["file.empty"])
    }

    @Test func headerOnlyMeansNothingToReport() {
        let r = Validator.inspections(file("inspections.csv", [inspectionHeader]), villageCtx)
        #expect(r.state == .read && r.rowsRead == 0 && r.issues.isEmpty && r.isSubmitted)
    }

    @Test func missingRequiredColumnRejectsFileWithRowsCounted() {
        // Header on line 2 (line 1 blank); 3 data rows and one blank row; 排查人 and 发现隐患数 absent.
        let input = lines("inspections.csv", [
            (1, ["", ""]),
            (2, ["排查日期", "小组编码", "排查范围"]),
            (3, ["2026-10-05", "", "全村"]),
            (4, [" ", ""]),
            (5, ["2026-10-06", "", "全村"]),
            (6, ["bad", "", ""]),
        ])
        let r = Validator.inspections(input, villageCtx)
        #expect(r.state == .rejected && !r.isSubmitted)
        #expect(r.rowsRead == 3 && r.rows.isEmpty && r.rowsRejected == 3)
        // One error per missing column on the header line, then every rejected row listed.
        #expect(r.issues.map(\.rule) == ["column.missing", "column.missing", "row.file_rejected", "row.file_rejected", "row.file_rejected"])
        #expect(r.issues.prefix(2).map(\.column) == ["inspector", "hazards_found"])
        #expect(r.issues.map(\.line) == [2, 2, 3, 5, 6])
        #expect(r.issues.allSatisfy { $0.severity == .error })
        #expect(Array(r.issues)[0].message.contains("排查人"))
    }

    @Test func unknownAndDuplicateColumnsWarnAndTheFirstIsUsed() {
        let input = file("inspections.csv", [
            ["排查日期", "排查人", "备注", "发现隐患数", "Hazards_Found"],
            ["2026-10-05", "张三", "随便", "2", "9"],
        ])
        let r = Validator.inspections(input, villageCtx)
        #expect(r.state == .read && r.rows.map(\.hazardsFound) == [2])
        #expect(warningRules(r) == ["column.unknown", "column.duplicate"])
        #expect(Array(r.issues)[0].value == "备注" && Array(r.issues)[0].line == 1)
        #expect(Array(r.issues)[1].column == "hazards_found" && Array(r.issues)[1].value == "Hazards_Found")
    }

    @Test func blankRowsSkippedShortRowsPaddedExtraCellsWarned() {
        let input = lines("inspections.csv", [
            (1, inspectionHeader),
            (2, ["", "", "", "", ""]),
            (3, ["2026-10-05", "", "张三", "", "1", "多写的"]),
            (4, ["2026-10-06", "", "张三"]),                    // short: 发现隐患数 reads as empty
        ])
        let r = Validator.inspections(input, villageCtx)
        #expect(r.rowsRead == 2)
        #expect(r.rows.map(\.line) == [3])
        #expect(r.issues.map(\.rule) == ["row.extra_cells", "required.missing"])
        #expect(Array(r.issues)[0].severity == .warning && Array(r.issues)[0].value == "多写的" && Array(r.issues)[0].line == 3)
        #expect(Array(r.issues)[1].line == 4 && Array(r.issues)[1].column == "hazards_found")
        expectCountsAddUp(r, acceptedLines: [3])
    }

    @Test func issueCarriesWhereAndWhatAsWritten() {
        let input = file("Inspections.CSV", [inspectionHeader, [" 2026-09-30 ", "", "张三", "", "１２"]])
        let r = Validator.inspections(input, villageCtx)
        #expect(r.issues.count == 1)
        let i = Array(r.issues)[0]
        #expect(i.severity == .error && i.period == october && i.folder == east.code && i.file == "Inspections.CSV")
        #expect(i.line == 2 && i.column == "inspection_date" && i.value == " 2026-09-30 " && i.rule == "date.outside_period")
        #expect(i.message.contains("2026年10月") && i.message.contains("2026-10-01") && i.message.contains("2026-10-31"))
    }
}

// MARK: inspections.csv

@Suite struct ValidationInspectionTests {
    @Test func acceptedRowIsTyped() {
        let r = Validator.inspections(file("inspections.csv", [inspectionHeader,
            ["２０２６/10/5", "３３０６８３１０５２０１－０１", " 张三 ", "全村\u{3000}", "1,234"]]), villageCtx)
        #expect(r.rows == [InspectionRow(line: 2, date: day(2026, 10, 5), groupCode: "330683105201-01",
                                         inspector: "张三", scope: "全村", hazardsFound: 1234, hazardsFoundText: "1,234")])
        #expect(r.issues.isEmpty)
    }

    @Test(arguments: [
        (["2026-10-05", "", "张三", "", "2"], [String]()),
        (["2026-09-30", "", "张三", "", "2"], ["date.outside_period"]),
        (["2026-11-01", "", "张三", "", "2"], ["date.outside_period"]),
        (["", "", "", "", "-1"], ["required.missing", "required.missing", "integer.negative"]),
        (["2026-02-30", "X 1", "张三", "", "abc"], ["date.invalid", "code.format", "integer.format"]),
        (["10/5", "", "张三", "", "1,23"], ["date.format", "integer.format"]),
        (["2026-10-05", "330683105202-01", "张三", "", "0"], ["group.unregistered"]),   // west's group
        (["2026-10-05", "330683105201-1", "张三", "", "0"], ["group.unregistered"]),
    ])
    func rowRules(row: [String], expected: [String]) {
        let r = Validator.inspections(file("inspections.csv", [inspectionHeader, row]), villageCtx)
        #expect(errorRules(r) == expected)
        #expect(r.rows.count == (expected.isEmpty ? 1 : 0))
        expectCountsAddUp(r, acceptedLines: expected.isEmpty ? [2] : [])
    }

    @Test func impossibleDateHasItsOwnMessage() {
        let r = Validator.inspections(file("inspections.csv", [inspectionHeader,
            ["2026-02-30", "", "张三", "", "0"], ["2026-10-5号", "", "张三", "", "0"]]), villageCtx)
        #expect(r.issues.map(\.rule) == ["date.invalid", "date.format"])
        #expect(Array(r.issues)[0].message.contains("日期不存在") && Array(r.issues)[0].message.contains("2026-02-30"))
        #expect(!Array(r.issues)[1].message.contains("日期不存在") && Array(r.issues)[1].message.contains("2026-10-05"))
    }

    @Test func townFillsNoGroupCode() {
        let r = Validator.inspections(file("inspections.csv", [inspectionHeader,
            ["2026-10-05", "330683105201-01", "王五", "", "0"], ["2026-10-06", "", "王五", "", "0"]]), townCtx)
        #expect(errorRules(r) == ["group.unregistered"])
        #expect(Array(r.issues)[0].message.contains("镇级报送不应填写小组编码"))
        #expect(r.rows.map(\.line) == [3])
    }
}

// MARK: hazards.csv

@Suite struct ValidationHazardTests {
    private func run(_ rows: [[String]], known: [String: Day] = [:]) -> FileResult<HazardRow> {
        Validator.hazards(file("hazards.csv", [hazardKeys] + rows), villageCtx, known: known)
    }

    @Test func acceptedRowIsTyped() {
        let r = run([hazard(["status": "rectified", "rectified_date": "2026年10月9日", "escalated": "Y", "escalated_to": "镇安委办"])])
        #expect(r.issues.isEmpty)
        #expect(r.rows == [HazardRow(line: 2, hazardId: "H001", foundDate: day(2026, 10, 3), groupCode: "330683105201-01",
                                     category: .electricity, level: .general, description: "电线老化", location: "村委会",
                                     responsible: "李四", deadline: day(2026, 10, 20), status: .rectified,
                                     rectifiedDate: day(2026, 10, 9), escalated: true, escalatedTo: "镇安委办")])
    }

    @Test(arguments: [
        ([String: String](), [String]()),
        (["status": "已整改"], ["hazard.rectified_date_required"]),
        (["status": "已整改", "rectified_date": "2026-10-02"], ["hazard.rectified_date_range"]),   // before found 10-03
        (["status": "已整改", "rectified_date": "2026-11-01"], ["hazard.rectified_date_range"]),   // after period end
        (["status": "已整改", "rectified_date": "2026-10-03"], []),
        (["status": "未整改", "rectified_date": "2026-10-05"], ["hazard.rectified_date_unexpected"]),
        (["status": "整改中", "rectified_date": "2026-10-35"], ["date.invalid"]),
        (["deadline": "2026-10-02"], ["hazard.deadline_before_found"]),
        (["deadline": "2026-10-03"], []),
        (["found_date": "2026-11-02", "deadline": "2026-11-30"], ["date.outside_period"]),
        (["escalated": "是"], ["hazard.escalated_to_required"]),
        (["escalated": "也许"], ["boolean.format"]),
        (["escalated": "", "escalated_to": "镇安委办"], []),
        (["category": "用电"], ["enum.unknown"]),
        (["level": "严重", "description": " "], ["enum.unknown", "required.missing"]),
        (["hazard_id": "", "found_date": "", "responsible": "", "deadline": "", "status": ""],
         ["required.missing", "required.missing", "required.missing", "required.missing", "required.missing"]),
        (["hazard_id": "H/1", "group_code": "330683105202-01"], ["code.format", "group.unregistered"]),
    ])
    func rowRules(changes: [String: String], expected: [String]) {
        let r = run([hazard(changes)])
        #expect(errorRules(r) == expected)
        #expect(warningRules(r) == [])
        expectCountsAddUp(r, acceptedLines: expected.isEmpty ? [2] : [])
    }

    @Test func enumMessagesSuggestOrList() {
        let near = Array(run([hazard(["category": "用电"])]).issues)[0]
        #expect(near.message == "隐患类别「用电」不在清单中，是否为「供用电」？")
        #expect(near.column == "category" && near.value == "用电")
        let far = Array(run([hazard(["level": "严重"])]).issues)[0]
        #expect(far.message == "隐患等级「严重」不在清单中，请填写以下之一：一般、重大。")
    }

    @Test func duplicateIdWhereTheFirstRowIsInvalid() {
        // Line 2 claims H007 although its category is wrong; line 3 (valid) and line 4 are duplicates.
        let r = run([hazard(["hazard_id": "H007", "category": "火灾"]),
                     hazard(["hazard_id": "H007"]),
                     hazard(["hazard_id": "Ｈ００７"]),      // the same id written in full width
                     hazard(["hazard_id": "H008"])])
        #expect(r.rowsRead == 4 && r.rows.map(\.hazardId) == ["H008"])
        #expect(r.issues.map(\.rule) == ["enum.unknown", "hazard.duplicate_id", "hazard.duplicate_id"])
        #expect(r.issues.map(\.line) == [2, 3, 4])
        #expect(Array(r.issues)[1].message.contains("第 2 行") && Array(r.issues)[1].message.contains("H007"))
        expectCountsAddUp(r, acceptedLines: [5])
    }

    @Test func foundDateConflictWithEarlierRegistration() {
        let r = run([hazard(["hazard_id": "H100", "found_date": "2026-08-05", "deadline": "2026-10-20"])],
                    known: ["H100": day(2026, 8, 3)])
        #expect(errorRules(r) == ["hazard.found_date_conflict"])
        #expect(Array(r.issues)[0].message == "隐患编号「H100」已于此前登记，发现日期为 2026-08-03，本次填写为 2026-08-05，请与原登记一致。")
        #expect(Array(r.issues)[0].column == "found_date")
    }

    @Test func updateOfAKnownHazardIsNotLate() {
        let r = run([hazard(["hazard_id": "H100", "found_date": "2026/8/3"])], known: ["H100": day(2026, 8, 3)])
        #expect(r.issues.isEmpty && r.rows.count == 1)
    }

    @Test func lateRegistrationWarnsAndKeepsTheRow() {
        let r = run([hazard(["hazard_id": "H200", "found_date": "2026-09-28"])], known: ["H100": day(2026, 8, 3)])
        #expect(errorRules(r) == [])
        #expect(warningRules(r) == ["hazard.late_registration"])
        #expect(r.rows.map(\.hazardId) == ["H200"])
    }

    @Test func idsAreCaseSensitive() {
        let r = run([hazard(["hazard_id": "h1"]), hazard(["hazard_id": "H1"])])
        #expect(r.rows.map(\.hazardId) == ["h1", "H1"] && r.issues.isEmpty)
    }
}

// MARK: agreements.csv

@Suite struct ValidationAgreementTests {
    private func run(_ rows: [[String]], _ ctx: ValidationContext = villageCtx) -> FileResult<AgreementRow> {
        Validator.agreements(file("agreements.csv", [agreementHeader] + rows), ctx)
    }
    private let group1 = PartyKey(type: .group, code: "330683105201-01", name: "")

    @Test func acceptedRowsAreTyped() {
        let r = run([["村民小组", "330683105201-01", "第一村民小组", "是", "2026-03-01"],
                     ["school", "", "东湖小学", "否", ""]])
        #expect(r.issues.isEmpty && r.rejectedParties.isEmpty)
        #expect(r.rows == [
            AgreementRow(line: 2, partyType: .group, partyCode: "330683105201-01", partyName: "第一村民小组",
                         signed: true, signedDate: day(2026, 3, 1)),
            AgreementRow(line: 3, partyType: .school, partyName: "东湖小学", signed: false),
        ])
        #expect(r.rows.elements[1].partyKey == PartyKey(type: .school, code: nil, name: "东湖小学"))
    }

    @Test(arguments: [
        (["村民小组", "330683105201-02", "第二村民小组", "是", "2026-10-31"], [String]()),
        (["村民小组", "330683105201-02", "第二村民小组", "是", ""], ["agreement.signed_date_required"]),
        (["村民小组", "330683105201-02", "第二村民小组", "是", "2025-12-31"], ["agreement.signed_date_range"]),
        (["村民小组", "330683105201-02", "第二村民小组", "是", "2026-11-01"], ["agreement.signed_date_range"]),
        (["村民小组", "", "第二村民小组", "否", ""], ["required.missing"]),
        (["村民小组", "330683105202-01", "西山一组", "否", ""], ["party.unregistered"]),
        (["村(社区)", "330683105201", "东湖村", "否", ""], ["party.not_allowed"]),
        (["重点生产经营单位", "KU001", "青石化工有限公司", "否", ""], ["party.not_allowed"]),
        (["小组", "330683105201-02", "", "不知道", ""], ["enum.unknown", "required.missing", "boolean.format"]),
    ])
    func villageRowRules(row: [String], expected: [String]) {
        let r = run([row])
        #expect(errorRules(r) == expected)
        expectCountsAddUp(r, acceptedLines: expected.isEmpty ? [2] : [])
    }

    @Test(arguments: [
        (["村(社区)", "330683105202", "西山村", "是", "2026-02-01"], [String]()),
        (["village", "330683105299", "不存在村", "否", ""], ["party.unregistered"]),
        (["key_unit", "KU001", "青石化工有限公司", "√", "2026/2/1"], []),
        (["key_unit", "KU999", "某公司", "否", ""], ["party.unregistered"]),
        (["村民小组", "330683105201-01", "第一村民小组", "否", ""], ["party.not_allowed"]),
        (["医院", "", "镇卫生院", "否", ""], []),
    ])
    func townRowRules(row: [String], expected: [String]) {
        let r = run([row], townCtx)
        #expect(errorRules(r) == expected)
        expectCountsAddUp(r, acceptedLines: expected.isEmpty ? [2] : [])
    }

    @Test func duplicatePartyFirstRowClaimsEvenWhenInvalid() {
        let r = run([["村民小组", "330683105201-01", "第一村民小组", "是", ""],      // rejected: no date; claims group 01
                     ["村民小组", "330683105201-01", "一组", "是", "2026-05-01"],     // duplicate by code
                     ["学校", "", "东湖小学", "是", "2026-05-01"],
                     ["学校", "", "东湖小学", "否", ""]])                             // duplicate by name
        #expect(r.issues.map(\.rule) == ["agreement.signed_date_required", "party.duplicate", "party.duplicate"])
        #expect(r.issues.map(\.line) == [2, 3, 5])
        #expect(r.issues.map(\.column) == ["signed_date", "party_code", "party_name"])
        #expect(Array(r.issues)[1].message.contains("第 2 行"))
        #expect(r.rows.map(\.line) == [4])
        // The first row's party stays required and unsigned; the duplicate adds nothing.
        #expect(r.rejectedParties == [group1])
        expectCountsAddUp(r, acceptedLines: [4])
    }

    @Test func rejectedPartiesOnlyWhenIdentifiableAndAllowed() {
        let r = run([["村民小组", "330683105201-02", "第二村民小组", "maybe", ""],   // counts: registered group
                     ["村民小组", "330683105299-09", "外村小组", "是", ""],          // unregistered code: no
                     ["村民小组", "", "第一村民小组", "是", ""],                     // no code: no
                     ["村(社区)", "330683105201", "东湖村", "是", ""],               // not allowed: no
                     ["其他", "", "农家乐", "是", "昨天"],                           // codeless type, by name: counts
                     ["其他", "", "", "是", "2026-01-01"],                           // no name: no identity
                     ["其它", "", "小卖部", "是", "2026-01-01"]])                    // type unknown: no
        #expect(r.rows.isEmpty && r.rowsRead == 7)
        #expect(r.rejectedParties == [PartyKey(type: .group, code: "330683105201-02", name: ""),
                                      PartyKey(type: .other, code: nil, name: "农家乐")])
        expectCountsAddUp(r, acceptedLines: [])
    }

    @Test func unsignedWithADateWarnsAndDropsTheDate() {
        let r = run([["学校", "", "东湖小学", "否", "2026-05-01"]])
        #expect(warningRules(r) == ["agreement.signed_date_unexpected"] && errorRules(r) == [])
        #expect(r.rows.first?.signedDate == nil)
    }
}

// MARK: trainings.csv

@Suite struct ValidationTrainingTests {
    private func run(_ rows: [[String]]) -> FileResult<TrainingRow> {
        Validator.trainings(file("trainings.csv", [trainingHeader] + rows), villageCtx)
    }

    @Test func acceptedRowIsTyped() {
        let r = run([["2026.10.9", "", "lecture", "防火知识", "学生", "１２０", "1.5", "1,000"]])
        #expect(r.issues.isEmpty)
        #expect(r.rows == [TrainingRow(line: 2, date: day(2026, 10, 9), form: .lecture, theme: "防火知识",
                                       audience: .students, participants: 120, hours: 1.5, materials: 1000)])
    }

    @Test(arguments: [
        (["2026-10-09", "", "培训", "消防", "", "30", "", ""], [String]()),
        (["2026-10-09", "", "", "", "", "", "", ""], ["required.missing", "required.missing", "required.missing"]),
        (["2026-09-09", "", "培训", "消防", "游客", "-3", "-1", "1.5"],
         ["date.outside_period", "enum.unknown", "integer.negative", "decimal.negative", "integer.format"]),
        (["2026-10-09", "330683105201-02", "演练", "消防", "", "30", "两小时", ""], ["enum.unknown", "decimal.format"]),
    ])
    func rowRules(row: [String], expected: [String]) {
        let r = run([row])
        #expect(errorRules(r) == expected)
        expectCountsAddUp(r, acceptedLines: expected.isEmpty ? [2] : [])
    }

    @Test func participantsAbovePopulationWarns() {
        let r = run([["2026-10-09", "", "文艺演出", "安全生产月", "居民", "2,311", "", ""],
                     ["2026-10-10", "", "文艺演出", "安全生产月", "居民", "2310", "", ""]])
        #expect(warningRules(r) == ["participants.above_population"])
        #expect(Array(r.issues)[0].line == 2 && Array(r.issues)[0].message.contains("2310"))
        #expect(r.rows.count == 2)
    }

    @Test func nearMissFormIsSuggested() {
        let r = run([["2026-10-09", "", "演练", "消防", "", "30", "", ""]])
        #expect(Array(r.issues)[0].message == "活动形式「演练」不在清单中，是否为「应急演练」？")
    }
}

// MARK: Cross-check

@Suite struct ValidationCrossCheckTests {
    private let inspections = FileResult<InspectionRow>(fileName: "inspections.csv", state: .read, rowsRead: 3, rows: [
        InspectionRow(line: 2, date: day(2026, 10, 5), inspector: "张三", hazardsFound: 1),
        InspectionRow(line: 3, date: day(2026, 10, 5), inspector: "李四", hazardsFound: 2),
        InspectionRow(line: 4, date: day(2026, 10, 20), inspector: "张三", hazardsFound: 1),
    ])
    private func hz(_ id: String, _ found: Day) -> HazardRow {
        HazardRow(line: 2, hazardId: id, foundDate: found, category: .other, level: .general, description: "x",
                  responsible: "y", deadline: found, status: .open)
    }

    @Test func perDateSumsAgainstNewHazards() {
        // 10-05: 1 + 2 = 3 reported, but only H1, H2 new with that date (H0 is an update) → both rows warned.
        // 10-20: 1 reported, H3 new with that date → agrees.
        let hazards = FileResult<HazardRow>(fileName: "hazards.csv", state: .read, rowsRead: 4, rows: [
            hz("H0", day(2026, 10, 5)), hz("H1", day(2026, 10, 5)), hz("H2", day(2026, 10, 5)), hz("H3", day(2026, 10, 20)),
        ])
        let issues = Validator.crossCheck(inspections: inspections, hazards: hazards, newIds: ["H1", "H2", "H3"], villageCtx)
        #expect(issues.map(\.line) == [2, 3])
        #expect(issues.allSatisfy { $0.rule == "inspection.hazards_found_mismatch" && $0.severity == .warning
                                    && $0.file == "inspections.csv" && $0.column == "hazards_found" })
        #expect(issues[0].message.contains("3 处") && issues[0].message.contains("2 条"))
    }

    @Test func theWarningQuotesTheCellAsWritten() {
        let csv = ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .lf, records: [
            RawRecord(line: 1, fields: ["排查日期", "排查人", "发现隐患数"]),
            RawRecord(line: 2, fields: ["2026-10-05", "张三", " ２ "]),
        ])
        let read = Validator.inspections(.parsed(fileName: "inspections.csv", csv), villageCtx)
        let none = FileResult<HazardRow>(fileName: "hazards.csv", state: .read)
        let issues = Validator.crossCheck(inspections: read, hazards: none, newIds: [], villageCtx)
        #expect(issues.map(\.value) == [" ２ "])
    }

    @Test func skippedWhenHazardsNotRead() {
        #expect(Validator.crossCheck(inspections: inspections, hazards: .missing(.hazards), newIds: [], villageCtx).isEmpty)
    }
}

@Suite struct ValidationWordingTests {
    @Test func aCommunityIsAddressedAsACommunity() {
        let community = Village(code: "C1", name: "青石社区", kind: "社区", groups: [Group(code: "C1-01", name: "第一居民小组")])
        let config = PipelineConfig(town: Town(code: "T1", name: "青石镇"), villages: [community])
        let ctx = ValidationContext(period: Period("2026-10")!, folder: "C1", submitter: .village(community), config: config)
        let csv = ParsedCSV(encoding: .utf8, separator: .comma, lineEndings: .lf, records: [
            RawRecord(line: 1, fields: ["排查日期", "小组编码", "排查人", "发现隐患数"]),
            RawRecord(line: 2, fields: ["2026-10-05", "C1-09", "张三", "0"]),
        ])
        let r = Validator.inspections(.parsed(fileName: "inspections.csv", csv), ctx)
        #expect(r.issues.map(\.message) == ["小组编码「C1-09」不是青石社区登记的小组，本社区的小组编码为：C1-01。"])
    }
}
