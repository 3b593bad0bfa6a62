// One submitter's month (a village or the town office): inspections, hazard ledger, agreements, trainings.

/// A hazard as the submitter keeps it in its ledger.
struct DemoHazard {
    let id: String
    var foundDate: Day
    var group: String
    var category: HazardCategory
    var level: HazardLevel
    var description: String
    var location: String
    var responsible: String
    var deadline: Day
    var status: HazardStatus
    var rectifiedDate: Day?
    var escalated: Bool
    var escalatedTo: String
    /// The day it will be fixed: mostly before the deadline, sometimes late, now and then
    /// (mostly major hazards) months late.
    var fixDay: Day
    /// The clerk leaves 是否上报 empty rather than writing "no" (the column's default).
    var blankWhenNotEscalated = false
}

/// One agreement of the standing list.
struct DemoAgreement {
    let type: PartyType
    let code: String
    let name: String
    var signed: Bool
    var date: Day?
}

/// A village or the town office, carrying its ledger and agreements from month to month.
struct DemoSubmitter {
    let folder: String
    let village: DemoVillage?
    let style: DemoStyle
    private var rng: DemoRandom
    /// Hazards open at the end of the last month, as the pipeline would see them.
    private var open: [DemoHazard] = []
    /// Every hazard ever registered (latest state), for the found_date conflict.
    private var history: [DemoHazard] = []
    private var agreements: [DemoAgreement] = []
    private var agreementsYear: Int?
    /// Sends the standing agreements list every month of its year, not only when it is new or changes.
    private let resendsAgreements: Bool
    private let staff: [String]
    private let officers: [String]

    init(village: DemoVillage, style: DemoStyle, seed: UInt64, resendsAgreements: Bool = false) {
        folder = village.code
        self.village = village
        self.style = style
        self.resendsAgreements = resendsAgreements
        var rng = DemoRandom(seed: seed, 2, UInt64(village.index))
        staff = [DemoNames.person(&rng), DemoNames.person(&rng)]
        var officers: [String] = []
        for _ in village.groups { officers.append(DemoNames.person(&rng)) }
        self.officers = officers
        self.rng = rng
    }

    init(townCode: String, style: DemoStyle, seed: UInt64) {
        folder = townCode
        village = nil
        self.style = style
        resendsAgreements = false
        var rng = DemoRandom(seed: seed, 4)
        var staff: [String] = []
        for _ in 0..<4 { staff.append(DemoNames.person(&rng)) }
        self.rng = rng
        self.staff = staff
        officers = []
    }

    // MARK: Village month

    /// The files a village sends for `period` (none when it skips the month), with `faults` planted.
    mutating func villageMonth(period: Period, monthIndex: Int, faults: [DemoPlantedFault],
                               registry: DemoRegistry) -> [(name: String, bytes: [UInt8])] {
        guard let village else { return [] }
        let ledgerBefore = (open, history)
        let faultKinds = Set(faults.map(\.fault))
        let faultFiles = Set(faults.compactMap(\.fault.file))
        // Now and then a village sends nothing, or forgets a file; never where a mistake is planted.
        if monthIndex > 0 && faults.isEmpty && rng.chance(0.02) { return [] }
        // The first month's hazards are always sent: later months update them, and the planted
        // found_date conflict needs an earlier registration.
        var missing = Set<FileKind>()
        let forgettable: [FileKind] = monthIndex == 0 ? [.inspections, .trainings] : [.inspections, .hazards, .trainings]
        for kind in forgettable where !faultFiles.contains(kind) && rng.chance(0.025) {
            missing.insert(kind)
        }

        // Inspections: 1–3 per half month on distinct days; now and then a half is skipped.
        let last = period.lastDay.day
        var days = Set<Int>()
        var inspections: [(day: Day, group: String, inspector: String, scope: String, found: Int)] = []
        for half in 0..<2 {
            let range = half == 0 ? 1...15 : 16...last
            var count = [1, 2, 3][rng.weighted([50, 35, 15])]
            if rng.chance(0.03) && !(monthIndex == 0 && half == 0) { count = 0 }
            for _ in 0..<count {
                var d = rng.int(in: range)
                while days.contains(d) { d = d == range.upperBound ? range.lowerBound : d + 1 }
                days.insert(d)
                let groupIndex = rng.int(village.groups.count)
                let group = rng.chance(0.6) ? village.groups[groupIndex].code : ""
                let inspector = rng.chance(0.5) ? staff[0] : staff[0] + "、" + officers[groupIndex]
                let scope = group.isEmpty ? rng.pick(DemoNames.scopes) : village.groups[groupIndex].name + rng.pick(["农户", "出租房", "沿街店铺", "全域"])
                inspections.append((Day(year: period.year, month: period.month, day: d)!, group, inspector, scope,
                                     [0, 1, 2, 3][rng.weighted([55, 30, 12, 3])]))
            }
        }
        inspections.sort { $0.day < $1.day }
        // The first month registers at least one hazard, so later months have a ledger to update.
        if monthIndex == 0, !inspections.isEmpty, inspections.allSatisfy({ $0.found == 0 }) { inspections[0].found = 1 }

        // Hazards: updates of the ledger's open hazards, then the ones found this month.
        var seq = 0
        func nextId() -> String {
            seq += 1
            return "YH" + Day.pad(period.year, 4) + Day.pad(period.month, 2) + "-" + Day.pad(seq, 3)
        }
        var conflictTarget: DemoHazard?
        if faultKinds.contains(.foundDateConflict) {
            let openIds = Set(open.map(\.id))
            conflictTarget = history.last { !openIds.contains($0.id) } ?? open.first
        }
        var listed: [DemoHazard] = []
        var stillOpen: [DemoHazard] = []
        for var h in open {
            if h.id == conflictTarget?.id || rng.chance(0.1) { stillOpen.append(h); continue }
            advance(&h, in: period)
            listed.append(h)
            if h.status != .rectified { stillOpen.append(h) }
        }
        var fresh: [DemoHazard] = []
        for inspection in inspections {
            for _ in 0..<inspection.found {
                fresh.append(newHazard(id: nextId(), found: inspection.day, period: period, village: village,
                                       group: inspection.group))
            }
        }

        // Days free of inspections, for planted rows that must not disturb hazards_found.
        var freeDays = (1...last).filter { !days.contains($0) }
        func freeDay() -> Day {
            let d = freeDays.isEmpty ? 1 : freeDays.remove(at: rng.int(freeDays.count))
            return Day(year: period.year, month: period.month, day: d)!
        }

        var inspectionTable = DemoTable(.inspections)
        inspectionTable.rows = inspections.map {
            [style.date($0.day), $0.group, $0.inspector, $0.scope, String($0.found)]
        }
        var hazardTable = DemoTable(.hazards)
        hazardTable.rows = listed.map(row) + fresh.map(row)
        var accepted = fresh  // new hazards the pipeline will register

        for planted in faults {
            switch planted.fault {
            case .wrongDateFormat:
                let d = freeDay()
                inspectionTable.rows.append(["\(d.month)/\(d.day)/\(d.year)", "", staff[0], "补录排查", "0"])
            case .dateOutsidePeriod:
                let d = period.firstDay.demoShifted(by: -rng.int(in: 1...5))
                inspectionTable.rows.append([style.date(d), "", staff[0], "上月漏报排查", "0"])
            case .negativeNumber:
                inspectionTable.rows.append([style.date(freeDay()), "", staff[0], rng.pick(DemoNames.scopes), "-1"])
            case .hazardsFoundMismatch:
                if inspections.isEmpty {
                    inspectionTable.rows.append([style.date(freeDay()), "", staff[0], rng.pick(DemoNames.scopes), "2"])
                } else {
                    inspectionTable.rows[0][4] = String(inspections[0].found + 1)
                }
            case .missingRequiredColumn:
                inspectionTable.dropped = ["inspector"]
            case .missingRequiredValue:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.responsible = ""
                hazardTable.rows.append(row(h))
            case .enumNearMiss:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.category = .electricity
                var cells = row(h)
                cells[3] = "用电"
                hazardTable.rows.append(cells)
            case .duplicateHazardId:
                if hazardTable.rows.isEmpty {
                    let h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                    hazardTable.rows.append(row(h))
                    accepted.append(h)
                }
                var cells = row(newHazard(id: nextId(), found: freeDay(), period: period, village: village))
                cells[0] = fresh.first?.id ?? hazardTable.rows[0][0]  // a copied row whose number was not changed
                hazardTable.rows.append(cells)
            case .foundDateConflict:
                if var h = conflictTarget {
                    h.foundDate = h.foundDate.demoShifted(by: h.foundDate.day > 3 ? -2 : 2)
                    hazardTable.rows.append(row(h))
                }
            case .deadlineBeforeFound:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.status = .inProgress
                h.rectifiedDate = nil
                h.deadline = h.foundDate.demoShifted(by: -rng.int(in: 3...10))
                hazardTable.rows.append(row(h))
            case .rectifiedWithoutDate:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.status = .rectified
                h.escalated = false
                h.escalatedTo = ""
                var cells = row(h)
                cells[10] = ""
                hazardTable.rows.append(cells)
            case .escalatedWithoutTarget:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.status = .open
                h.rectifiedDate = nil
                h.escalated = true
                h.escalatedTo = ""
                hazardTable.rows.append(row(h))
            case .lateRegistration:
                let h = newHazard(id: nextId(), found: period.firstDay.demoShifted(by: -rng.int(in: 3...20)),
                                  period: period, village: village)
                hazardTable.rows.append(row(h))
                accepted.append(h)
            case .formulaText:
                var h = newHazard(id: nextId(), found: freeDay(), period: period, village: village)
                h.description = [
                    "=HYPERLINK(\"http://192.168.10.8/yh/photo.jpg\",\"现场照片\")",
                    "+1 楼道堆放杂物未清理",
                    "-楼梯间应急灯损坏",
                    "@所有人 消防通道堵塞",
                ][planted.instance % 4]
                hazardTable.rows.append(row(h))
                accepted.append(h)
            default:
                break
            }
        }
        for h in accepted where h.status != .rectified { stillOpen.append(h) }
        for h in listed { replaceInHistory(h) }
        history += accepted

        // Agreements: the year's list in its first month (or January), sometimes resubmitted.
        var agreementTable: DemoTable?
        let agreementFaults = faultKinds.contains(.signedWithoutDate) || faultKinds.contains(.keyUnitInVillageFile)
            || faultKinds.contains(.duplicateParty) || faultKinds.contains(.unsupportedEncoding)
        let needsNew = agreementsYear != period.year
        let hasUnsigned = agreements.contains { !$0.signed }
        if needsNew && !agreementFaults && rng.chance(0.03) {
            // Forgotten this month; the village sends the list next month.
        } else if needsNew || agreementFaults || (hasUnsigned && rng.chance(0.5)) {
            var list: [DemoAgreement]
            if needsNew {
                list = village.groups.map { DemoAgreement(type: .group, code: $0.code, name: $0.name, signed: true, date: nil) }
                list += village.localUnits.map { DemoAgreement(type: $0.type, code: "", name: $0.name, signed: true, date: nil) }
                for i in list.indices {
                    list[i].signed = !rng.chance(list[i].type == .group ? 0.03 : 0.04)
                    list[i].date = list[i].signed ? signingDay(period) : nil
                }
            } else {
                list = agreements
                for i in list.indices where !list[i].signed && rng.chance(0.7) {
                    list[i].signed = true
                    list[i].date = Day(year: period.year, month: period.month, day: rng.int(in: 1...last))
                }
            }
            var table = DemoTable(.agreements)
            table.rows = list.map(row)
            var readable = true
            for planted in faults {
                switch planted.fault {
                case .signedWithoutDate:
                    let i = village.groups.count - 1
                    list[i].signed = false  // the row is rejected, so the party stays unsigned
                    list[i].date = nil
                    table.rows[i][3] = style.bool(true)
                    table.rows[i][4] = ""
                case .keyUnitInVillageFile:
                    let units = registry.keyUnits
                    let unit = units.first { $0.village == village.code } ?? units[rng.int(units.count)]
                    table.rows.append(row(DemoAgreement(type: .keyUnit, code: unit.code, name: unit.name, signed: true,
                                                        date: signingDay(period))))
                case .duplicateParty:
                    var dup = list[0]
                    dup.signed = true
                    dup.date = Day(year: period.year, month: period.month, day: rng.int(in: 1...last))
                    table.rows.append(row(dup))
                case .unsupportedEncoding:
                    readable = false
                default:
                    break
                }
            }
            if readable {
                agreements = list
                agreementsYear = period.year
            }
            agreementTable = table
        } else if resendsAgreements && agreementsYear == period.year {
            // The standing list sent again unchanged. No random draw here, so the rest of the town is the same
            // bytes as without re-sending.
            var table = DemoTable(.agreements)
            table.rows = agreements.map(row)
            agreementTable = table
        }

        // Trainings: 1–4 activities, with the season's campaigns.
        var trainingTable = DemoTable(.trainings)
        let count = rng.chance(0.02) && faults.isEmpty ? 0 : [1, 2, 3, 4][rng.weighted([35, 35, 20, 10])]
        var activities: [(day: Day, cells: [String])] = []
        for k in 0..<count {
            let day = Day(year: period.year, month: period.month, day: rng.int(in: 1...last))!
            activities.append((day, trainingRow(day: day, first: k == 0, period: period, village: village)))
        }
        activities.sort { $0.day < $1.day }
        trainingTable.rows = activities.map(\.cells)
        for planted in faults {
            switch planted.fault {
            case .impossibleDate:
                let dim = Day.daysIn(year: period.year, month: period.month)
                var cells = trainingRow(day: period.firstDay, first: false, period: period, village: village)
                cells[0] = dim < 31 ? style.dateText(period.year, period.month, dim + 1) : style.dateText(period.year, 2, 30)
                trainingTable.rows.append(cells)
            case .nonNumber:
                var cells = trainingRow(day: freeDay(), first: false, period: period, village: village)
                cells[5] = "约\(rng.int(in: 3...8))0人"
                trainingTable.rows.append(cells)
            case .unregisteredGroup:
                var cells = trainingRow(day: freeDay(), first: false, period: period, village: village)
                cells[1] = village.code + "-" + Day.pad(village.groups.count + 1, 2)
                trainingTable.rows.append(cells)
            case .participantsAbovePopulation:
                trainingTable.rows.append([style.date(freeDay()), "", style.value(TrainingForm.performance),
                                           "安全知识进文化礼堂文艺晚会（含周边村观众）", style.value(Audience.residents),
                                           String(village.population + rng.int(in: 100...800)), "2.5", ""])
            default:
                break
            }
        }

        open = stillOpen
        var files: [(name: String, bytes: [UInt8])] = []
        if !missing.contains(.inspections) {
            files.append((style.fileName(.inspections), style.render(inspectionTable)))
        }
        if !missing.contains(.hazards) {
            files.append((style.fileName(.hazards), style.render(hazardTable)))
        } else {
            // Not sent: the pipeline sees neither updates nor new hazards, so the ledger stays as it was.
            (open, history) = ledgerBefore
        }
        if let agreementTable {
            var bytes = style.render(agreementTable)
            if faultKinds.contains(.unsupportedEncoding) { bytes = DemoSubmitter.undecodable(bytes) }
            files.append((style.fileName(.agreements), bytes))
        }
        if !missing.contains(.trainings) {
            files.append((style.fileName(.trainings), faultKinds.contains(.emptyFile) ? [] : style.render(trainingTable)))
        }
        return files
    }

    /// Bytes valid in neither UTF-8 nor GB18030 (0xFF never occurs in either), placed after the
    /// header so that they cannot pass for a byte-order mark.
    static func undecodable(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        let at = (out.firstIndex(of: 0x0A) ?? 0) + 1
        out.insert(contentsOf: [0xFF, 0x80, 0xFF, 0xFE], at: min(at, out.count))
        return out
    }

    // MARK: Town office month

    /// The town office's own folder: inspections of key units, their hazards, the town's
    /// agreements with every village and key unit, and town-wide trainings.
    mutating func townMonth(period: Period, registry: DemoRegistry) -> [(name: String, bytes: [UInt8])] {
        let last = period.lastDay.day
        let units = registry.keyUnits
        var inspectionRows: [[String]] = []
        var fresh: [DemoHazard] = []
        var seq = 0
        if !units.isEmpty {
            var days: [Int] = []
            for half in 0..<2 {
                let range = half == 0 ? 2...15 : 16...last
                for _ in 0..<rng.int(in: 1...2) {
                    let d = rng.int(in: range)
                    if !days.contains(d) { days.append(d) }
                }
            }
            days.sort()
            for d in days {
                let unit = units[rng.int(units.count)]
                let day = Day(year: period.year, month: period.month, day: d)!
                let found = [0, 1, 2][rng.weighted([50, 35, 15])]
                for _ in 0..<found {
                    seq += 1
                    let category = registry.keyUnitCategory[unit.code] ?? .other
                    let texts = DemoNames.keyUnitHazardTexts[category] ?? []
                    let major = rng.chance(0.1)
                    let deadline = day.demoShifted(by: major ? rng.int(in: 30...60) : rng.int(in: 7...20))
                    let fixDay = plannedFix(found: day, deadline: deadline, major: major)
                    let fixed = fixDay <= period.lastDay
                    let h = DemoHazard(
                        id: "ZYH" + Day.pad(period.year, 4) + Day.pad(period.month, 2) + "-" + Day.pad(seq, 2),
                        foundDate: day, group: "", category: category, level: major ? .major : .general,
                        description: texts.isEmpty ? "安全管理制度不健全" : rng.pick(texts),
                        location: unit.name, responsible: DemoNames.person(&rng) + "（企业负责人）",
                        deadline: deadline, status: fixed ? .rectified : (rng.chance(0.5) ? .inProgress : .open),
                        rectifiedDate: fixed ? fixDay : nil,
                        escalated: major, escalatedTo: major ? "县应急管理局" : "", fixDay: fixDay)
                    fresh.append(h)
                }
                inspectionRows.append([style.date(day), "", staff[0] + "、" + staff[1], unit.name + "安全生产检查", String(found)])
            }
        }
        var listed: [DemoHazard] = []
        var stillOpen: [DemoHazard] = []
        for var h in open {
            if rng.chance(0.1) { stillOpen.append(h); continue }
            advance(&h, in: period)
            listed.append(h)
            if h.status != .rectified { stillOpen.append(h) }
        }
        open = stillOpen + fresh.filter { $0.status != .rectified }

        var files: [(name: String, bytes: [UInt8])] = []
        var inspections = DemoTable(.inspections)
        inspections.rows = inspectionRows
        files.append((FileKind.inspections.fileName, style.render(inspections)))
        var hazards = DemoTable(.hazards)
        hazards.rows = listed.map(row) + fresh.map(row)
        files.append((FileKind.hazards.fileName, style.render(hazards)))

        let needsNew = agreementsYear != period.year
        if needsNew || (agreements.contains { !$0.signed } && rng.chance(0.5)) {
            if needsNew {
                agreements = registry.villages.map {
                    DemoAgreement(type: .village, code: $0.code, name: $0.name, signed: true, date: nil)
                } + units.map { DemoAgreement(type: .keyUnit, code: $0.code, name: $0.name, signed: true, date: nil) }
                for i in agreements.indices {
                    agreements[i].signed = !rng.chance(agreements[i].type == .village ? 0.01 : 0.1)
                    agreements[i].date = agreements[i].signed ? signingDay(period) : nil
                }
                agreementsYear = period.year
            } else {
                for i in agreements.indices where !agreements[i].signed && rng.chance(0.6) {
                    agreements[i].signed = true
                    agreements[i].date = Day(year: period.year, month: period.month, day: rng.int(in: 1...last))
                }
            }
            var table = DemoTable(.agreements)
            table.rows = agreements.map(row)
            files.append((FileKind.agreements.fileName, style.render(table)))
        }

        var trainings = DemoTable(.trainings)
        var themes = ["重点企业主要负责人安全生产培训", "烟花爆竹经营单位安全培训", "危险化学品从业人员安全培训",
                      "村级安全协管员业务培训"]
        if period.month == 6 { themes.insert("安全生产月启动仪式暨应急演练", at: 0) }
        if period.month == 11 { themes.insert("11·9全镇消防应急疏散演练", at: 0) }
        let count = rng.int(in: 1...2)
        for k in 0..<count {
            let theme = k == 0 && (period.month == 6 || period.month == 11) ? themes[0] : rng.pick(themes)
            let form: TrainingForm = theme.contains("演练") ? .drill : .training
            let day = Day(year: period.year, month: period.month, day: rng.int(in: 1...last))!
            trainings.rows.append([style.date(day), "", style.value(form), theme, style.value(Audience.workers),
                                   String(rng.int(in: 30...150)), form == .drill ? "1.5" : String(rng.int(in: 2...4)),
                                   form == .drill ? "" : String(rng.int(in: 50...200))])
        }
        trainings.rows.sort { $0[0] < $1[0] }
        files.append((FileKind.trainings.fileName, style.render(trainings)))
        return files
    }

    // MARK: Pieces

    /// A hazard found on `found`, in the inspected group when the inspection names one.
    private mutating func newHazard(id: String, found: Day, period: Period, village: DemoVillage,
                                    group groupCode: String = "") -> DemoHazard {
        let weights = DemoNames.villageCategoryWeights
        let category = weights[rng.weighted(weights.map(\.1))].0
        let major = rng.chance(0.06)
        let texts = DemoNames.hazardTexts[category] ?? [("其他安全隐患", "其他安全隐患")]
        let text = rng.pick(texts)
        let groupIndex = village.groups.firstIndex { $0.code == groupCode } ?? rng.int(village.groups.count)
        let group = village.groups[groupIndex]
        let location: String
        if village.isCommunity {
            location = rng.pick(["人民路", "新华路", "文昌街", "学府路", "滨江路"]) + "\(rng.int(in: 1...120))号"
                + (category == .electricity || category == .housing ? "\(rng.int(in: 1...12))幢" : "")
        } else {
            location = rng.chance(0.8) ? group.name + "\(rng.int(in: 1...99))号"
                : rng.pick([village.name + "文化礼堂", village.name + "村委会旁", village.base + "大桥", village.name + "老年活动中心"])
        }
        let deadline = found.demoShifted(by: major ? rng.int(in: 30...90) : rng.int(in: 5...30))
        let fixDay = plannedFix(found: found, deadline: deadline, major: major)
        let status: HazardStatus = fixDay <= period.lastDay ? .rectified : (rng.chance(0.6) ? .inProgress : .open)
        let escalated = major || (status != .rectified && rng.chance(0.1))
        return DemoHazard(
            id: id, foundDate: found, group: !groupCode.isEmpty || rng.chance(0.5) ? group.code : "", category: category,
            level: major ? .major : .general,
            description: style.punctuatedText && rng.chance(0.4) ? text.punctuated : text.plain,
            location: location,
            responsible: rng.chance(0.5) ? officers[groupIndex] : DemoNames.person(&rng),
            deadline: deadline, status: status, rectifiedDate: status == .rectified ? fixDay : nil, escalated: escalated,
            escalatedTo: escalated ? rng.pick(DemoNames.escalationTargets[category] ?? ["镇安监办"]) : "",
            fixDay: fixDay, blankWhenNotEscalated: rng.chance(0.3))
    }

    /// When a hazard will be fixed: four in ten at once, most of the rest before the deadline, a
    /// few late, and now and then one (half of the major ones) that lingers for months: overdue.
    private mutating func plannedFix(found: Day, deadline: Day, major: Bool) -> Day {
        let days = deadline.ordinal - found.ordinal
        let r = rng.int(100)
        if major { return r < 50 ? found.demoShifted(by: rng.int(in: min(10, days)...days)) : deadline.demoShifted(by: rng.int(in: 20...150)) }
        if r < 40 { return found.demoShifted(by: rng.int(in: 0...3)) }
        if r < 91 { return found.demoShifted(by: rng.int(in: min(4, days)...days)) }
        if r < 98 { return deadline.demoShifted(by: rng.int(in: 3...30)) }
        return deadline.demoShifted(by: rng.int(in: 60...200))
    }

    /// A month's progress on an open hazard: fixed once its day has come, else work goes on.
    private mutating func advance(_ h: inout DemoHazard, in period: Period) {
        if h.fixDay <= period.lastDay {
            h.status = .rectified
            h.rectifiedDate = h.fixDay
        } else if h.status == .open && rng.chance(0.5) {
            h.status = .inProgress
        }
        if h.status != .rectified && !h.escalated && rng.chance(0.2) {
            h.escalated = true
            h.escalatedTo = rng.pick(DemoNames.escalationTargets[h.category] ?? ["镇安监办"])
        }
    }

    private mutating func replaceInHistory(_ h: DemoHazard) {
        if let i = history.lastIndex(where: { $0.id == h.id }) { history[i] = h }
    }

    /// Annual agreements are signed early in the year (up to the end of March), never after the period.
    private mutating func signingDay(_ period: Period) -> Day {
        var start = Day(year: period.year, month: 1, day: 6)!
        let end = min(Day(year: period.year, month: 3, day: 31)!, period.lastDay)
        if start > end { start = period.firstDay }
        return start.demoShifted(by: rng.int(end.ordinal - start.ordinal + 1))
    }

    private func row(_ h: DemoHazard) -> [String] {
        [h.id, style.date(h.foundDate), h.group, style.value(h.category), style.value(h.level), h.description,
         h.location, h.responsible, style.date(h.deadline), style.value(h.status),
         h.rectifiedDate.map(style.date) ?? "", h.escalated ? style.bool(true) : (h.blankWhenNotEscalated ? "" : style.bool(false)),
         h.escalatedTo]
    }

    private func row(_ a: DemoAgreement) -> [String] {
        [style.value(a.type), a.code, a.name, style.bool(a.signed), a.date.map(style.date) ?? ""]
    }

    /// One activity: the season's campaign first (安全生产月 in June, 11·9 in November, 安全进校园
    /// in term time), otherwise an everyday form and theme.
    private mutating func trainingRow(day: Day, first: Bool, period: Period, village: DemoVillage) -> [String] {
        let school = village.localUnits.first { $0.type == .school }
        var form: TrainingForm
        var theme: String
        var audience: Audience? = .residents
        if first && period.month == 6 && rng.chance(0.8) {
            form = rng.chance(0.5) ? .leaflets : .other
            theme = "\(period.year)年安全生产月“人人讲安全、个个会应急”宣传咨询日"
        } else if first && period.month == 11 && rng.chance(0.8) {
            form = .drill
            theme = "11·9消防宣传日应急疏散演练"
        } else if let school, ![1, 2, 7, 8].contains(period.month), rng.chance(0.2) {
            form = rng.chance(0.5) ? .lecture : .drill
            theme = "安全进校园——" + (form == .lecture ? rng.pick(["防溺水专题讲座", "交通安全专题讲座", "防火安全专题讲座"]) : "消防疏散演练")
                + "（\(school.name)）"
            audience = .students
        } else {
            form = TrainingForm.allCases[rng.weighted([25, 15, 15, 15, 12, 4, 10, 4])]
            theme = rng.pick(DemoNames.themes[form] ?? ["安全宣传"]).replacingOccurrences(of: "{v}", with: village.name)
            if form == .training { audience = rng.chance(0.5) ? .workers : .other }
        }
        if audience != .students && rng.chance(0.15) { audience = nil }
        let range: ClosedRange<Int> = switch form {
        case .leaflets: 80...300
        case .blackboard, .bulletinBoard: 30...120
        case .lecture: 30...120
        case .training: 15...60
        case .performance: 150...400
        case .drill: 40...200
        case .other: 20...100
        }
        let participants = min(rng.int(in: range), village.population / 2)
        let hours: String = switch form {
        case .leaflets, .blackboard, .bulletinBoard: rng.chance(0.5) ? "" : "1"
        case .lecture: rng.pick(["1", "1.5", "2"])
        case .training: rng.pick(["2", "3", "4"])
        case .performance: rng.pick(["2", "2.5"])
        case .drill: rng.pick(["0.5", "1", "1.5"])
        case .other: ""
        }
        let materials = form == .leaflets ? String(rng.int(in: 10...60) * 10)
            : (form == .lecture || form == .training) && rng.chance(0.5) ? String(rng.int(in: 20...100)) : ""
        let groupCode = rng.chance(0.3) ? rng.pick(village.groups).code : ""
        return [style.date(day), groupCode, style.value(form), theme, audience.map { style.value($0) } ?? "",
                String(participants), hours, materials]
    }
}
