// The validation stage (SPEC §3.1–3.3): a parsed file in, typed accepted rows and every issue out.

/// Who is validating what: the period, the submitting folder, and the registry to check codes against.
public struct ValidationContext: Sendable {
    public var period: Period
    /// Folder code: a village code, or the town code for the office's own submission.
    public var folder: String
    public var submitter: Submitter
    public var config: PipelineConfig
    /// Where the files' issues spill beyond a few thousand (one per run); nil keeps them in memory.
    public var issueSpill: IssueSpill? = nil
    public init(period: Period, folder: String, submitter: Submitter, config: PipelineConfig) {
        self.period = period; self.folder = folder; self.submitter = submitter; self.config = config
    }
}

/// Turns each of a folder's four files into a `FileResult`: every data row accepted or rejected,
/// every problem a `ValidationIssue`. Pure: no file I/O, no clock.
public enum Validator {
    /// `inspections.csv`: date inside the period, inspector, hazards found ≥ 0.
    public static func inspections(_ input: FileInput, _ ctx: ValidationContext) -> FileResult<InspectionRow> {
        validate(input, .inspections, ctx, coder: .inspections, emit: { c, rows in
            // Every cell plain: the row read whole from its bytes (as a training row's, `trainingDraft`).
            if let plain = c.plainInspection() { rows.takePlainInspection(plain); return }
            inspectionDraft(&c, into: &rows)
        })
    }

    /// The same row handed to `rows` from its fields where it is validated (no draft returned and bound). Out of line
    /// beside the plain path (as `generalTrainingDraft`).
    @inline(never)
    static func inspectionDraft(_ c: inout RowCells, into rows: inout AcceptedRows<InspectionRow>) {
        let date = c.requiredDateInPeriod("inspection_date")
        // As the training rows' (`trainingDraft`): a wrong group code or an empty inspector records its error,
        // which `hasError` sees, and nothing is bound out of an optional.
        let group = c.groupCodeOrError()
        let inspector = c.requiredTextCellOrError("inspector")
        let scope = c.textCell("scope")
        let found = c.requiredCount("hazards_found")
        guard let date, let found, !c.hasError else { return }
        rows.takeInspection(line: c.line, date: date, groupCode: group, inspector: inspector, scope: scope,
                            hazardsFound: found, hazardsFoundText: c.raw("hazards_found"))
    }

    /// One inspection row, its text cells left as the record's bytes where that is certain (`RowCells.textCell`).
    @inline(__always)   // into the file frame's loop, so the draft is built where it is appended, not copied there
    static func inspectionDraft(_ c: inout RowCells) -> InspectionDraft? {
        let date = c.requiredDateInPeriod("inspection_date")
        let group = c.groupCode()
        let inspector = c.requiredTextCell("inspector")
        let scope = c.textCell("scope")
        let found = c.requiredCount("hazards_found")
        guard let date, let group, let inspector, let found else { return nil }
        return InspectionDraft(line: c.line, date: date, groupCode: group, inspector: inspector,
                               scope: scope, hazardsFound: found, hazardsFoundText: c.raw("hazards_found"))
    }

    /// `hazards.csv`. `known`: hazard ids this folder registered in earlier periods → their found_date
    /// (from the ledger), to catch a changed found_date and to tell late registrations from updates.
    public static func hazards(_ input: FileInput, _ ctx: ValidationContext, known: [String: Day]) -> FileResult<HazardRow> {
        hazards(input, ctx, known: KnownFoundDates(known))
    }

    /// `hazards.csv`, with the ids registered earlier as the ledger holds them (no dictionary made per file).
    public static func hazards(_ input: FileInput, _ ctx: ValidationContext, known: KnownFoundDates) -> FileResult<HazardRow> {
        let period = ctx.period
        // The first row carrying an id claims it, valid or not (SPEC §4); keyed by the id as folded.
        var claimed = ClaimedIds()
        return validate(input, .hazards, ctx) { c in
            let idText = c.folded("hazard_id")
            var id: String?
            switch c.code("hazard_id") {
            case .empty: c.requireValue("hazard_id")
            case .value(let v): id = v
            case .invalid: break
            }
            if !idText.isEmpty {
                if let first = claimed.line(of: idText) {
                    c.error("hazard_id", "hazard.duplicate_id",
                            "隐患编号「\(idText)」与第 \(first) 行重复，同一编号在一个文件中只能出现一次；同一隐患请只保留一行，不同隐患请改用新编号。")
                    id = nil
                } else {
                    claimed.claim(idText, line: c.line)
                }
            }

            var found = c.requiredDate("found_date")
            if let d = found, d > period.lastDay {
                c.error("found_date", "date.outside_period",
                        "发现日期「\(c.text("found_date"))」晚于本期末（\(period.lastDay)），请核对；本月以后发现的隐患请在对应月份报送。")
                found = nil
            }
            // One lookup for both rules below (a hash of the id per lookup; `id` does not change after this).
            let registeredFound = id.flatMap { known[$0] }
            if let id, let d = found, let registered = registeredFound, registered != d {
                c.error("found_date", "hazard.found_date_conflict",
                        "隐患编号「\(id)」已于此前登记，发现日期为 \(registered)，本次填写为 \(d)，请与原登记一致。")
                found = nil
            }

            let group = c.groupCode()
            let category = c.requiredEnumeration("category", as: HazardCategory.self, kind: .hazardCategory)
            let level = c.requiredEnumeration("level", as: HazardLevel.self, kind: .hazardLevel)
            let description = c.requiredText("description")
            let location = c.text("location")
            let responsible = c.requiredText("responsible")

            var deadline = c.requiredDate("deadline")
            if let dl = deadline, let d = found, dl < d {
                c.error("deadline", "hazard.deadline_before_found",
                        "整改期限「\(c.text("deadline"))」早于发现日期 \(d)，请核对整改期限。")
                deadline = nil
            }

            let status = c.requiredEnumeration("status", as: HazardStatus.self, kind: .hazardStatus)
            let rectifiedCell = c.date("rectified_date")
            var rectified: Day?
            var rectifiedOK = true
            if status == .rectified {
                switch rectifiedCell {
                case .empty:
                    c.error("rectified_date", "hazard.rectified_date_required",
                            "整改状态为「已整改」时必须填写整改完成日期，请补填；尚未整改完成的请将状态改为「整改中」或「未整改」。")
                    rectifiedOK = false
                case .value(let r):
                    let earliest = found ?? Day.earliest
                    if r < earliest || r > period.lastDay {
                        let from = found.map { "发现日期 \($0)" } ?? "发现日期"
                        c.error("rectified_date", "hazard.rectified_date_range",
                                "整改完成日期「\(c.text("rectified_date"))」应在\(from)至本期末 \(period.lastDay) 之间，请核对。")
                        rectifiedOK = false
                    } else {
                        rectified = r
                    }
                case .invalid:
                    rectifiedOK = false
                }
            } else if status != nil, rectifiedCell.value != nil {
                c.error("rectified_date", "hazard.rectified_date_unexpected",
                        "整改状态为「\(status!.label)」，不应填写整改完成日期「\(c.text("rectified_date"))」；已整改完成的请将状态改为「已整改」，否则请清空此格。")
                rectifiedOK = false
            }

            let escalatedCell = c.boolean("escalated")
            let escalatedTo = c.text("escalated_to")
            if escalatedCell.value == true, escalatedTo.isEmpty {
                c.error("escalated_to", "hazard.escalated_to_required",
                        "是否上报为「是」时必须填写上报部门，请补填；未上报的请将是否上报改为「否」。")
            }

            guard let id, let found, let group, let category, let level, let description, let responsible,
                  let deadline, let status, rectifiedOK, !c.hasError else { return nil }
            if registeredFound == nil, found < period.firstDay {
                c.warning("found_date", "hazard.late_registration",
                          "隐患「\(id)」发现于 \(found)，早于本期（\(period.chinese)），此前未登记，现按本期新登记处理；请核对编号是否与此前登记的一致。")
            }
            return HazardRow(line: c.line, hazardId: id, foundDate: found, groupCode: group, category: category,
                             level: level, description: description, location: location, responsible: responsible,
                             deadline: deadline, status: status, rectifiedDate: rectified,
                             escalated: escalatedCell.value ?? false, escalatedTo: escalatedTo)
        }
    }

    /// `agreements.csv`: this year's list of agreements. Parties named by rejected rows land in
    /// `rejectedParties` so a bad row can never raise the signing rate.
    public static func agreements(_ input: FileInput, _ ctx: ValidationContext) -> FileResult<AgreementRow> {
        let period = ctx.period
        var claimed: [PartyKey: Int] = [:]
        var rejectedParties: [PartyKey] = []
        var result: FileResult<AgreementRow> = validate(input, .agreements, ctx) { c in
            let type = c.requiredEnumeration("party_type", as: PartyType.self, kind: .partyType)
            let codeCell = c.code("party_code")
            let name = c.requiredText("party_name")
            let signedCell = c.boolean("signed")
            if signedCell == .empty { c.requireValue("signed") }
            let dateCell = c.date("signed_date")

            // Identity: type + code, or type + name where no code is given; a malformed code identifies nothing.
            var identity: PartyKey?
            if let type {
                switch codeCell {
                case .value(let code): identity = PartyKey(type: type, code: code, name: name ?? "")
                case .empty: if let name { identity = PartyKey(type: type, code: nil, name: name) }
                case .invalid: break
                }
            }

            var allowed = false
            var registered = false
            if let type {
                allowed = isAllowed(type, for: ctx.submitter)
                if !allowed {
                    c.error("party_type", "party.not_allowed", notAllowedMessage(type, ctx.submitter))
                } else if type.needsCode {
                    switch codeCell {
                    case .empty:
                        c.error("party_code", "required.missing",
                                "对象类型为「\(type.label)」时必须填写对象编码（登记的编码），请补填。")
                    case .value(let code):
                        if let problem = unregisteredMessage(type, code, ctx) {
                            c.error("party_code", "party.unregistered", problem)
                        } else {
                            registered = true
                        }
                    case .invalid: break
                    }
                }
            }

            var claimsParty = false
            if let identity {
                if let first = claimed[identity] {
                    let what = identity.byCode ? "对象编码「\(identity.id)」" : "对象名称「\(identity.id)」"
                    c.error(identity.byCode ? "party_code" : "party_name", "party.duplicate",
                            "\(identity.type.label)\(what)与第 \(first) 行重复，同一对象只能填写一行；请删除重复行。")
                } else {
                    claimed[identity] = c.line
                    claimsParty = true
                }
            }

            var signedDate: Day?
            if signedCell.value == true {
                switch dateCell {
                case .empty:
                    c.error("signed_date", "agreement.signed_date_required",
                            "是否签订为「是」时必须填写签订日期，请补填；尚未签订的请将是否签订改为「否」。")
                case .value(let d):
                    if d.year != period.year || d > period.lastDay {
                        c.error("signed_date", "agreement.signed_date_range",
                                "签订日期「\(c.text("signed_date"))」应在 \(period.year)-01-01 至本期末 \(period.lastDay) 之间（本年度的责任书）；往年签订的责任书请重新签订本年度的。")
                    } else {
                        signedDate = d
                    }
                case .invalid: break
                }
            } else if signedCell.value == false, dateCell.value != nil {
                c.warning("signed_date", "agreement.signed_date_unexpected",
                          "是否签订为「否」，但填写了签订日期「\(c.text("signed_date"))」，该日期已忽略；如已签订请将是否签订改为「是」。")
            }

            guard let type, let name, let signed = signedCell.value, !c.hasError else {
                if claimsParty, allowed, let identity, let type, !type.needsCode || registered {
                    rejectedParties.append(identity)
                }
                return nil
            }
            let code = codeCell.value
            return AgreementRow(line: c.line, partyType: type, partyCode: code, partyName: name,
                                signed: signed, signedDate: signedDate)
        }
        result.rejectedParties = rejectedParties
        return result
    }

    /// `trainings.csv`: date inside the period, form, theme, participants ≥ 0 (a warning above the population).
    public static func trainings(_ input: FileInput, _ ctx: ValidationContext) -> FileResult<TrainingRow> {
        // Taken out once: reading it from `ctx` in the closure copied the whole context for every row. The village's
        // name is not captured: a String captured here was passed down to every row's validation, a retain of two,
        // a retain, a release and a release of two per row (~3 % of a big trainings file's `check`); the warning
        // that names the village reads it from the frame.
        let population: Int? = if case .village(let v) = ctx.submitter { v.population } else { nil }
        return validate(input, .trainings, ctx, coder: .trainings, emit: { c, rows in
            trainingDraft(&c, population: population, into: &rows)
        })
    }

    /// One training row, its theme left as the record's bytes where that is certain (`RowCells.textCell`).
    static func trainingDraft(_ c: inout RowCells, population: Int?) -> TrainingDraft? {
        var out: TrainingDraft?
        trainingDraft(&c, population: population, into: &out)
        return out
    }

    /// The same, handing the draft to `sink` where it is made (no closure in between): returned through an optional
    /// and bound again, a draft was copied three times through its value witness (~5 % of a big trainings file's `check`).
    @inline(__always)   // into the file frame's loop, so the draft is built where it is appended, not copied there
    static func trainingDraft<Sink: DraftSink>(_ c: inout RowCells, population: Int?, into sink: inout Sink)
        where Sink.Draft == TrainingDraft {
        // Every cell plain: the row read whole from its bytes, with nothing made to retain or release.
        if let plain = c.plainTraining(population: population) { sink.takePlainTraining(plain); return }
        generalTrainingDraft(&c, population: population, into: &sink)
    }

    /// A training row cell by cell, each accessor recording its issues (every row that is not all plain cells). Out of
    /// line: inlined beside the plain path, it made the frame's loop so large that the compiler kept the plain path's
    /// date and theme checks (`plainDate`, `isUntrimmed`) as calls.
    @inline(never)
    static func generalTrainingDraft<Sink: DraftSink>(_ c: inout RowCells, population: Int?, into sink: inout Sink)
        where Sink.Draft == TrainingDraft {
        let date = c.requiredDateInPeriod("activity_date")
        // The group code and theme without the optionals to bind (each a copy and destroy per row): a wrong
        // group code and an empty theme record their error, which the guard's `hasError` sees.
        let group = c.groupCodeOrError()
        let form = c.requiredEnumeration("form", as: TrainingForm.self, kind: .trainingForm)
        let theme = c.requiredTextCellOrError("theme")
        let audienceCell = c.enumeration("audience", as: Audience.self, kind: .audience)
        let participants = c.requiredCount("participants")
        let hours = c.amount("hours")
        let materials = c.count("materials")
        guard let date, let form, let participants, !c.hasError else { return }
        if let population, participants > population { aboveThePopulation(&c, participants, population) }
        sink.takeTraining(line: c.line, participants: participants, groupCode: group, theme: theme,
                          hours: hours.value, materials: materials.value, date: date, form: form,
                          audience: audienceCell.value)
    }

    /// The warning of a training row whose participants outnumber the village's registered population.
    @inline(never)
    private static func aboveThePopulation(_ c: inout RowCells, _ participants: Int, _ population: Int) {
        let villageName = if case .village(let v) = c.frame.submitter { v.name } else { "" }
        c.warning("participants", "participants.above_population",
                  "参与人数 \(participants) 超过\(villageName)登记的人口 \(population)，请核对是否多填（如多写了一个 0）。")
    }

    /// Warnings where inspections' hazards_found disagrees with the hazards registered with that date:
    /// per inspection date, the sum of hazards_found of the accepted inspections against the accepted
    /// hazard rows new this period (`newIds`) with that found_date. Each inspection row of a
    /// disagreeing date gets the warning. Skipped unless both files were read.
    public static func crossCheck(inspections: FileResult<InspectionRow>, hazards: FileResult<HazardRow>,
                                  newIds: Set<String>, _ ctx: ValidationContext) -> [ValidationIssue] {
        var out: [ValidationIssue] = []
        crossCheck(inspections: inspections, hazards: hazards, newIds: newIds, ctx) { out.append($0) }
        return out
    }

    /// The same warnings handed to `emit` one at a time, so a million of them need not be held at once.
    public static func crossCheck(inspections: FileResult<InspectionRow>, hazards: FileResult<HazardRow>,
                                  newIds: Set<String>, _ ctx: ValidationContext, emit: (ValidationIssue) -> Void) {
        guard inspections.state == .read, hazards.state == .read else { return }
        var registered: [Day: Int] = [:]
        for h in hazards.rows where newIds.contains(h.hazardId) { registered[h.foundDate, default: 0] += 1 }
        var reported: [Day: Int] = [:]
        var inspectionsOn: [Day: Int] = [:]
        // Summed run by run of rows with one date (a clerk's file comes in date order), each run added once, from
        // the rows' date and count alone (no row made): each row made with its three Strings and its date hashed
        // twice were most of a big inspections file's `check`. hazards_found is ≥ 0, so the sums are the same.
        var runDay: Day?, runSum = 0, runCount = 0
        func endRun() {
            guard let day = runDay else { return }
            reported[day, default: 0] = reported[day, default: 0].saturatingAdding(runSum)
            inspectionsOn[day, default: 0] += runCount
        }
        inspections.rows.forEachDateAndHazardsFound { date, found in
            if date != runDay { endRun(); runDay = date; runSum = 0; runCount = 0 }
            runSum = runSum.saturatingAdding(found); runCount += 1
        }
        endRun()
        // The rows themselves only when some date disagrees.
        guard reported.contains(where: { $0.value != registered[$0.key] ?? 0 }) else { return }
        for r in inspections.rows {
            let sum = reported[r.date]!, count = registered[r.date] ?? 0
            guard sum != count else { continue }
            let total = inspectionsOn[r.date]! > 1 ? "当日 \(inspectionsOn[r.date]!) 次排查合计发现隐患 \(sum) 处" : "发现隐患 \(sum) 处"
            emit(ValidationIssue(.warning, period: ctx.period, folder: ctx.folder, file: inspections.fileName,
                                 line: r.line, column: "hazards_found", value: r.hazardsFoundText,
                                 rule: "inspection.hazards_found_mismatch",
                                 message: "\(r.date) 的排查记录\(total)，但隐患整改台账中发现日期为 \(r.date) 的新登记隐患有 \(count) 条，请核对两表是否一致。"))
        }
    }

    // MARK: Agreements parties

    /// A village lists its groups and the units in its area; the town lists villages and key units.
    static func isAllowed(_ type: PartyType, for submitter: Submitter) -> Bool {
        switch submitter {
        case .town: type != .group
        case .village: type != .village && type != .keyUnit
        }
    }

    static func notAllowedMessage(_ type: PartyType, _ submitter: Submitter) -> String {
        switch submitter {
        case .town:
            "镇级责任书清单不应填写「\(type.label)」：村民小组的责任书由所在村签订并报送，请删除此行。"
        case .village:
            "村级责任书清单不应填写「\(type.label)」：村(社区)和重点生产经营单位的责任书由镇签订，请删除此行。"
        }
    }

    /// nil when the code is the registered code of a party of that type for this folder.
    static func unregisteredMessage(_ type: PartyType, _ code: String, _ ctx: ValidationContext) -> String? {
        switch (type, ctx.submitter) {
        case (.group, .village(let v)):
            if v.groups.contains(where: { $0.code == code }) { return nil }
            let known = v.groups.map(\.code)
            let hint = known.isEmpty ? "\(v.selfReference)未登记任何小组" : "\(v.selfReference)的小组编码为：\(known.joined(separator: "、"))"
            return "对象编码「\(code)」不是\(v.name)登记的小组，\(hint)，请核对。"
        case (.village, .town):
            if ctx.config.village(code) != nil { return nil }
            return "对象编码「\(code)」不是登记的村(社区)编码，请填写登记的村(社区)编码。"
        case (.keyUnit, .town):
            if ctx.config.keyUnits.contains(where: { $0.code == code }) { return nil }
            return "对象编码「\(code)」不是登记的重点生产经营单位编码，请核对；新增单位请先在配置中登记。"
        default:
            return nil
        }
    }

    // MARK: The file frame

    /// Header matching, blank rows, short and long rows, counts; `row` validates one data row and
    /// returns it when it has no error.
    /// With `coder`, the accepted rows go to the context's spill (see `AcceptedRows`).
    static func validate<Row: Sendable & Equatable>(_ input: FileInput, _ kind: FileKind, _ ctx: ValidationContext,
                                                    coder: RowCoder<Row>? = nil,
                                                    row: (inout RowCells) -> Row?) -> FileResult<Row> {
        validate(input, kind, ctx, coder: coder, draft: row, accept: { $1.append($0) })
    }

    /// The same, where `draft` validates a row into what `accept` appends (a row, or a draft encoded
    /// straight into the spill while its record is still lent).
    static func validate<Draft, Row: Sendable & Equatable>(_ input: FileInput, _ kind: FileKind, _ ctx: ValidationContext,
                                                           coder: RowCoder<Row>?, draft row: (inout RowCells) -> Draft?,
                                                           accept: (Draft, inout AcceptedRows<Row>) -> Void) -> FileResult<Row> {
        validate(input, kind, ctx, coder: coder, emit: { cells, rows in
            if let accepted = row(&cells), !cells.hasError { accept(accepted, &rows) }
        })
    }

    /// The same, where `emit` validates a data row and appends what it accepts itself (a draft appended where
    /// it is made, while its record is lent). It must append only a row without an error.
    static func validate<Row: Sendable & Equatable>(_ input: FileInput, _ kind: FileKind, _ ctx: ValidationContext,
                                                    coder: RowCoder<Row>?,
                                                    emit: (inout RowCells, inout AcceptedRows<Row>) -> Void) -> FileResult<Row> {
        switch input {
        case .missing:
            return FileResult(fileName: kind.fileName, state: .missing)
        case .unreadable(let name, let issue):
            return FileResult(fileName: name, state: .rejected, issues: [issue])
        case .parsed(let name, let csv):
            // Records are made one at a time from the file's compact storage and dropped once validated.
            var file = FileValidation<Row>(fileName: name, kind: kind, context: ctx, coder: coder, reserve: csv.records.count)
            for i in csv.records.indices {
                csv.records.withRecordBytes(i) { record in if !record.isBlank { file.add(record, emit: emit) } }
            }
            return file.finish() ?? FileResult(fileName: name, state: .rejected, issues: [
                ValidationIssue(.error, period: ctx.period, folder: ctx.folder, file: name, column: "", value: "", rule: "file.empty",
                                message: "文件\(name)是空的（没有表头），整个文件未读入；请用模板填写后重新报送，没有内容可报时也请保留表头。"),
            ])
        case .streamed(let name, let stream):
            // The file is read again here, each record validated as soon as it is parsed and then dropped.
            var file = FileValidation<Row>(fileName: name, kind: kind, context: ctx, coder: coder, reserve: stream.recordEstimate)
            var failure: ReadFailure?
            do {
                _ = try stream.forEachRecordBytes { record in if !record.isBlank { file.add(record, emit: emit) } }
            } catch {
                failure = error
            }
            if failure == nil, let result = file.finish() { return result }
            let why = failure ?? .empty
            return FileResult(fileName: name, state: .rejected, issues: [
                ValidationIssue(.error, period: ctx.period, folder: ctx.folder, file: name, line: why.line, rule: why.rule, message: why.message),
            ])
        }
    }
}

/// One file's validation, fed its non-blank records in order: the first is the header, the others data rows.
struct FileValidation<Row: Sendable & Equatable> {
    let fileName: String
    let kind: FileKind
    let ctx: ValidationContext
    let schema: FileSchema
    /// Line of the header record, once it has been read.
    private var headerLine: Int?
    /// The header matched to the schema by position, once read.
    private var header = HeaderPositions(found: [], unknown: [], duplicates: [], missingRequired: [])
    private var headerWidth = 0
    private var emptyHeaderIndexes: Set<Int> = []
    private var frame: RowCells.Frame?
    /// One row's cells, kept for the file and set to each record in turn (`RowCells.begin`): made per row, it
    /// retained the frame and released it and its empty issue list again for every row.
    private var cells: RowCells?
    // Bounded: a file of a million rejected rows keeps a few thousand issues in memory, the rest spilled.
    private var issues: IssueList
    private var rows: AcceptedRows<Row>
    private var rowsRead = 0
    /// Lines of the data rows of a file rejected for a missing required column.
    private var rejectedLines: [Int] = []
    private let reserve: Int

    init(fileName: String, kind: FileKind, context: ValidationContext, coder: RowCoder<Row>? = nil, reserve: Int) {
        self.fileName = fileName; self.kind = kind; self.ctx = context; self.schema = HeaderSpellings.of(kind).schema; self.reserve = reserve
        issues = IssueList(spill: context.issueSpill)
        rows = AcceptedRows(spill: context.issueSpill, coder: coder)
    }

    private func fileIssue(_ line: Int?, _ column: String, _ value: String, _ severity: Severity, _ rule: String, _ message: String) -> ValidationIssue {
        ValidationIssue(severity, period: ctx.period, folder: ctx.folder, file: fileName, line: line,
                        column: column, value: value, rule: rule, message: message)
    }

    /// The next non-blank record; `emit` validates a data row and appends it when it has no error. Inlined into the
    /// reader's record handler (`validate`), which the parser's loop calls for every record: a call of its own, it
    /// was a second call and frame per row between the parser and the row's validation (thirteenth session).
    @inline(__always)
    mutating func add(_ record: RecordBytes, emit: (inout RowCells, inout AcceptedRows<Row>) -> Void) {
        guard headerLine != nil else { start(record); return }
        if !header.missingRequired.isEmpty { rejectedLines.append(record.line); return }
        rowsRead += 1
        cells!.begin(record)
        // Cells under no header (beyond it, or under an empty header cell) are ignored with a warning.
        if record.count > headerWidth || !emptyHeaderIndexes.isEmpty { extraCells(record) }
        emit(&cells!, &rows)
        if !cells!.issues.isEmpty { issues.append(contentsOf: cells!.takeIssues()) }
    }

    @inline(never)
    private mutating func extraCells(_ record: RecordBytes) {
        let extra = (0..<record.count)
            .filter { ($0 >= headerWidth || emptyHeaderIndexes.contains($0)) && !RecordBytes.isBlankCell(record.field($0)) }
        if !extra.isEmpty {
            let values = extra.map { record.string($0) }
            cells!.warning("", "row.extra_cells",
                           "此行有 \(extra.count) 个单元格不在任何表头之下（「\(values.map(\.trimmedCell).joined(separator: "」「"))」），已忽略；请删除多余内容或检查是否错列。",
                           value: values.joined(separator: ","))
        }
    }

    @inline(never)
    private mutating func start(_ record: RecordBytes) {
        headerLine = record.line
        header = HeaderSpellings.of(kind).positions(record)
        for u in header.unknown {
            issues.append(fileIssue(record.line, "", u.header, .warning, "column.unknown",
                                    "表头「\(u.header.trimmedCell)」不是\(kind.chinese)的列，该列已忽略；如是拼写错误请改为模板中的列名。"))
        }
        for d in header.duplicates {
            issues.append(fileIssue(record.line, d.key, d.header, .warning, "column.duplicate",
                                    "列「\(schema.column(d.key)!.header)」出现了两次，只读取第一列，第 \(d.index + 1) 列已忽略；请删除重复的列。"))
        }
        frame = RowCells.Frame(found: header.found, schema: schema, context: ctx, fileName: fileName)
        cells = RowCells(record: record, frame: frame!)
        headerWidth = record.count
        for i in 0..<record.count where RecordBytes.isBlankCell(record.field(i)) { emptyHeaderIndexes.insert(i) }
        // At most one row per record: reserving that once avoids the doubling growth's copies and slack,
        // which for a file of a million rows cost more than the rows themselves (in-memory rows only).
        if header.missingRequired.isEmpty { rows.reserveCapacity(reserve) }
    }

    /// The file's result, or nil when it had no header (every record blank). Called once, at the end: it
    /// seals the lists in place (sealing a copy made a new list storage for every file).
    mutating func finish() -> FileResult<Row>? {
        guard let headerLine else { return nil }
        guard header.missingRequired.isEmpty else {
            for m in header.missingRequired {
                issues.append(fileIssue(headerLine, m.key, "", .error, "column.missing",
                                        "缺少必填列「\(m.header)」（\(m.key)），整个文件未读入，其中 \(rejectedLines.count) 行均未采用；请在表头补上该列后重新报送。"))
            }
            // Every rejected row is listed (SPEC §3.3), pointing back to the header's problem.
            let missing = header.missingRequired.map { "「\($0.header)」" }.joined(separator: "、")
            for line in rejectedLines {
                issues.append(fileIssue(line, "", "", .error, "row.file_rejected",
                                        "文件缺少必填列\(missing)，本行随整个文件未采用；补上该列后重新报送即可。"))
            }
            issues.seal()
            return FileResult(fileName: fileName, state: .rejected, rowsRead: rejectedLines.count, issues: issues)
        }
        // The estimate reserved may be far above the rows accepted (rejected rows, multi-line cells).
        rows.trim()
        issues.seal()
        return FileResult(fileName: fileName, state: .read, rowsRead: rowsRead, rows: rows, issues: issues)
    }
}

/// The hazard ids a file has claimed so far and the line of each claim, compared as Strings (`==`, as a
/// dictionary keyed by them compares). A hazards file holds a handful of rows: a list searched in order costs less
/// than a dictionary's allocations, growth and hashing (a fifth of validating a small hazards file); past
/// `listLimit` ids the dictionary takes over, so a file of 100,000 rows is not searched quadratically.
struct ClaimedIds {
    private var list: [(id: String, line: Int)] = []
    private var table: [String: Int]?
    static let listLimit = 32

    func line(of id: String) -> Int? {
        if let table { return table[id] }
        for claim in list where claim.id == id { return claim.line }
        return nil
    }

    /// Records the first claim of `id` (the caller has checked it is unclaimed).
    mutating func claim(_ id: String, line: Int) {
        if table != nil { table![id] = line; return }
        if list.count < Self.listLimit {
            if list.isEmpty { list.reserveCapacity(8) }
            list.append((id, line))
            return
        }
        var t = Dictionary(list.map { ($0.id, $0.line) }, uniquingKeysWith: { first, _ in first })
        t[id] = line
        table = t
        list = []
    }
}

extension Village {
    /// How a message addresses the village about itself: 本村, or 本社区 for a community.
    var selfReference: String { "本" + (kind.isEmpty ? "村" : kind) }
}
