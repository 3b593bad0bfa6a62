// SPEC §3–§4 conformance on a hand-made town across a year boundary, figures worked out by hand beside the inputs.
import Foundation
import Testing
@testable import SafetyReport

/// The §4 counts of one unit, in summary_villages.csv column order (rates left out: they are derived).
private func counts(_ f: Figures) -> [Int] {
    [f.filesSubmitted, f.rowsRead, f.rowsRejected, f.inspections, f.inspectionsFirstHalf, f.inspectionsSecondHalf,
     f.hazardsNew, f.hazardsNewMajor, f.hazardsRectified, f.hazardsOpen, f.hazardsOpenMajor, f.hazardsOverdue,
     f.hazardsEscalatedOpen, f.hazardsNewYTD, f.hazardsRectifiedYTD, f.agreementsRequired, f.agreementsSigned,
     f.trainings, f.trainingParticipants]
}

/// 青石镇 T1: 东湖村 V1 (groups V1-01, V1-02, population 100), 西山社区 V2 (no groups), key units KU1, KU2.
/// Files are written in the encodings and shapes a clerk's Excel produces.
private func makeTown() throws -> TownFixture {
    let town = try TownFixture()
    try town.write("pipeline.json", """
    {"town": {"code": "T1", "name": "青石镇"},
     "villages": [
       {"code": "V1", "name": "东湖村", "kind": "村", "population": 100,
        "groups": [{"code": "V1-01", "name": "第一村民小组"}, {"code": "V1-02", "name": "第二村民小组"}]},
       {"code": "V2", "name": "西山社区", "kind": "社区", "population": 5000, "groups": []}],
     "key_units": [{"code": "KU1", "name": "青石化工", "village": "V1"}, {"code": "KU2", "name": "青石物流"}],
     "inputs": "inputs", "outputs": "outputs"}
    """)
    let hz = "hazard_id,found_date,group_code,category,level,description,location,responsible,deadline,status,rectified_date,escalated,escalated_to\n"
    // 2025-12: H1 major, escalated, deadline 12-20 (overdue at 12-31); H2 rectified at once; H3 deadline on the last day (not overdue).
    try town.write("inputs/2025-12/V1/hazards.csv", hz + """
    H1,2025-12-03,V1-01,供用电,重大,电线老化,,张三,2025-12-20,未整改,,Y,县应急局
    H2,2025-12-05,,房屋,一般,墙体开裂,,张三,2025-12-10,已整改,2025-12-06,,
    H3,2025-12-10,,其他,一般,杂物堆放,,张三,2025-12-31,整改中,,否,
    """)
    try town.write("inputs/2025-12/V1/inspections.csv", "排查日期,排查人,发现隐患数\n2025-12-03,李四,1\n2025-12-20,李四,0\n")
    try town.write("inputs/2025-12/V1/trainings.csv", "活动日期,活动形式,活动主题,参与人数\n2025-12-09,培训,用电安全,30\n")
    try town.write("inputs/2025-12/V1/agreements.csv",
                   "对象类型,对象编码,对象名称,是否签订,签订日期\n村民小组,V1-01,一组,是,2025-03-01\n村民小组,V1-02,二组,否,\n")
    try town.write("inputs/2025-12/T1/agreements.csv", """
    对象类型,对象编码,对象名称,是否签订,签订日期
    村(社区),V1,东湖村,是,2025-02-01
    村(社区),V2,西山社区,是,2025-02-01
    重点生产经营单位,KU1,青石化工,是,2025-02-01
    重点生产经营单位,KU2,青石物流,是,2025-02-01
    """)

    // 2026-01, a new year: no agreements carried over from 2025.
    // Hazards: BOM, CRLF, a header cell in capitals wrapped in spaces and U+3000.
    let hazards = "\u{FEFF}  HAZARD_ID\u{3000},发现日期,小组编码,隐患类别,隐患等级,隐患描述,地点,整改责任人,整改期限,整改状态,整改完成日期,是否上报,上报部门\n"
        + "H1,2025-12-03,V1-01,供用电,重大,电线老化,,张三,2025-12-20,已整改,2026-01-10,Y,县应急局\n"   // line 2: rectified in P
        + "H4,2026-01-04,V1-02,房屋,一般,危房,,王五,2026-01-30,未整改,,,\n"                            // 3: new, overdue (01-30 < 01-31)
        + "Ｈ５,2025.12.28,,其他,一般,杂物,,王五,2026/1/5 0:00,rectified,2026年1月2日,n,\n"           // 4: new (late registration), rectified
        + "H4,2026-01-04,V1-02,房屋,一般,危房,,王五,2026-01-30,未整改,,,\n"                            // 5: duplicate
        + "H6,2026-01-06,,用电,一般,x,,王五,2026-01-30,未整改,,,\n"                                    // 6: invalid, still claims H6
        + "H6,2026-01-06,,供用电,一般,x,,王五,2026-01-30,未整改,,,\n"                                  // 7: duplicate of an invalid row
    try town.writeBytes("inputs/2026-01/V1/hazards.csv", Array(hazards.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    // Inspections in GB18030 with a blank row: 2026-1-4 (G2, 1 found = H4), 01-15, and one outside the period.
    let inspections = "排查日期,小组编码,排查人,发现隐患数\r\n2026-1-4,V1-02,李四,1\r\n\"2026-01-15\",,李四,0\r\n,,,\r\n2025-12-31,,李四,0\r\n"
    try town.writeBytes("inputs/2026-01/V1/inspections.csv", try Iconv.convert(Array(inspections.utf8), from: "UTF-8", to: "GB18030"))
    // Trainings as Excel "Unicode text": UTF-16LE with BOM, tab-separated, full-width digits.
    let trainings = "\u{FEFF}活动日期\t活动形式\t活动主题\t参与人数\t小组编码\r\n2026-01-10\t专题讲座\t消防\t\"1,234\"\t\r\n２０２６－０１－２０\t培训\t用电\t５\tV1-01\r\n"
    try town.writeBytes("inputs/2026-01/V1/trainings.csv", Array(trainings.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    // V2 lists parties it may not (a village; an unregistered group), a hospital with no signing date, a school twice.
    try town.write("inputs/2026-01/V2/agreements.csv", """
    对象类型,对象编码,对象名称,是否签订,签订日期
    村民小组,X1,一组,是,2026-01-05
    村（社区）,V2,西山社区,是,2026-01-05
    学校,,西山小学,是,2026-01-05
    医院,,卫生院,是,
    其他,,超市,否,
    学校,,西山小学,是,2026-01-05
    """)
    // The town signs V1 and KU1; leaves V2 and KU2 out; lists a group (not allowed) and an unregistered unit.
    try town.write("inputs/2026-01/T1/agreements.csv", """
    对象类型,对象编码,对象名称,是否签订,签订日期
    village,V1,东湖村,yes,2026-01-08
    KEY_UNIT,KU1,青石化工,TRUE,2026-01-08
    group,V1-01,一组,是,2026-01-08
    key_unit,KU3,未登记,是,2026-01-08
    """)
    try town.write("inputs/2026-01/T1/hazards.csv", hz + "T-1,2026-01-02,,危险化学品,重大,储罐,,赵六,2026-02-01,open,,是,县应急局\n")

    // 2026-02: H1 reopened; H3 rectified; V1's agreements read with one rejected row; V2 and the town carried forward.
    try town.write("inputs/2026-02/V1/hazards.csv", hz + """
    H1,2025-12-03,V1-01,供用电,重大,电线老化,,张三,2025-12-20,整改中,,Y,县应急局
    H3,2025-12-10,,其他,一般,杂物堆放,,张三,2025-12-31,已整改,2026-02-03,否,
    """)
    try town.write("inputs/2026-02/V1/agreements.csv", "对象类型,对象名称,是否签订\n学校,东湖小学,是\n")
    return town
}

@Suite struct ConformanceTownTests {
    @Test func decemberFiguresByHand() throws {
        let town = try makeTown()
        let r = ReportAssembler.assemble(config: try town.config, period: Period("2025-12")!).report
        // V1: 4 files, 8 rows; 2 inspections (one per half); H1,H2,H3 new (H1 major); H2 rectified;
        // H1,H3 open (H1 major, overdue, escalated); ytd 3 new / 1 rectified; groups 2 required, 1 signed; 1 training of 30.
        #expect(counts(r.villages[0].figures) == [4, 8, 0, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 3, 1, 2, 1, 1, 30])
        #expect(r.villages[0].shortfallsText == "责任书签订率50%（应≥100%）；逾期未整改隐患1项（应≤0项）")
    }

    @Test func januaryFiguresByHand() throws {
        let town = try makeTown()
        let r = ReportAssembler.assemble(config: try town.config, period: Period("2026-01")!).report
        let v1 = r.villages[0], v2 = r.villages[1]
        // V1 rows: inspections 3 read (1 rejected), hazards 6 (3 rejected), trainings 2 → 11 read, 4 rejected.
        // New: H4, H5. Rectified in P: H1 (open at December's end), H5 (new). Open: H3 (carried, overdue), H4 (overdue).
        // YTD by registration period: H4, H5 (not H1, registered 2025); of them H5 rectified.
        // Agreements: a new year and no file → nothing stands; both groups required, unsigned.
        #expect(counts(v1.figures) == [3, 11, 4, 2, 2, 0, 2, 0, 2, 2, 0, 2, 0, 2, 1, 2, 0, 2, 1239])
        #expect(v1.figures.rectificationRateYTD == 0.5)
        #expect(v1.shortfallsText == "报送不完整（缺「责任书签订」）；下半月排查0次（应≥1次）；责任书签订率0%（应≥100%）；逾期未整改隐患2项（应≤0项）")
        // V2: only agreements (6 rows, 4 rejected). Required: 西山小学 (signed), 卫生院 (rejected → unsigned), 超市 (unsigned).
        #expect(counts(v2.figures) == [1, 6, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0])
        // Town's own: V1, V2, KU1, KU2 required; V1 and KU1 signed; T-1 open, major, escalated, deadline 02-01 not yet overdue.
        #expect(counts(r.town.ownFolder) == [2, 5, 2, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 4, 2, 0, 0])
        #expect([r.town.figures.agreementsRequired, r.town.figures.agreementsSigned] as [Int] == [9, 3])
        #expect([r.town.villagesSubmitted, r.town.villagesCompliant] as [Int] == [0, 0])
        // Groups: V1-01 has H1's rectification and the 5-participant training; V1-02 the inspection and H4.
        #expect(counts(r.groups[0].figures) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 5])
        #expect(counts(r.groups[1].figures) == [0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0])

        let rules = r.issues.filter { $0.folder == "V1" }.map { "\($0.file):\($0.line.map(String.init) ?? "-"):\($0.rule)" }
        #expect(rules == [
            "inspections.csv:5:date.outside_period",
            "hazards.csv:-:hazard.not_updated",
            "hazards.csv:4:hazard.late_registration",
            "hazards.csv:5:hazard.duplicate_id",
            "hazards.csv:6:enum.unknown",
            "hazards.csv:7:hazard.duplicate_id",
            "trainings.csv:2:participants.above_population",
        ])
        #expect(r.issues.filter { $0.folder == "V2" }.map(\.rule)
                == ["party.unregistered", "party.not_allowed", "agreement.signed_date_required", "party.duplicate"])
    }

    @Test func februaryCarriesForwardAndReopens() throws {
        let town = try makeTown()
        let r = ReportAssembler.assemble(config: try town.config, period: Period("2026-02")!).report
        // V1: hazards + agreements read. H3 rectified in P; H1 reopened (major, escalated, overdue); H4 carried (overdue).
        // YTD still H4, H5 registered in 2026 (H5 rectified). Agreements: V1-01, V1-02 missing, 东湖小学 rejected → 3, 0.
        #expect(counts(r.villages[0].figures) == [2, 3, 1, 0, 0, 0, 0, 0, 1, 2, 1, 2, 1, 2, 1, 3, 0, 0, 0])
        // V2's January list carried forward: 3 required, 1 signed; no agreements shortfall for completeness.
        #expect([r.villages[1].figures.agreementsRequired, r.villages[1].figures.agreementsSigned] as [Int] == [3, 1])
        #expect(r.villages[1].shortfalls.first == .incompleteSubmission(missing: [.inspections, .hazards, .trainings]))
        // Town total: open H1, H4, T-1 (T-1's 02-01 deadline now overdue); signing 0+1+2 of 3+3+4.
        let t = r.town.figures
        #expect([t.hazardsOpen, t.hazardsOpenMajor, t.hazardsOverdue, t.hazardsEscalatedOpen, t.hazardsNewYTD, t.hazardsRectifiedYTD] as [Int]
                == [3, 2, 3, 2, 3, 1])
        #expect([t.agreementsRequired, t.agreementsSigned] as [Int] == [10, 3])
    }
}
