// Rolls P's validated rows, the standing agreements and the hazard ledger up into a MonthReport (SPEC §4).

/// The computation stage: pure, no I/O. Everything it needs is passed in.
public enum ReportBuilder {
    /// Computes every figure and table of period `period`.
    /// - Parameters:
    ///   - folders: P's validated files of each registered submitter (town and villages); a registered
    ///     folder left out counts as having sent nothing.
    ///   - standing: per folder code, the agreements list standing at P's end (absent when none stands);
    ///     see `StandingAgreements.standing(after:file:period:)`. A list from another year, or from after P,
    ///     is ignored, and a folder's agreements file read in P stands in any case.
    ///   - ledger: the hazard ledger with every period up to and including P applied.
    ///   - extraIssues: issues found outside the folders (unregistered folders and the like).
    ///   Each owner's hazards are let go once its folder is rolled up (pass the ledger's last copy, `consume`d,
    ///   and they are freed there: the report's lists then grow into their memory instead of on top of it).
    public static func build(config: PipelineConfig, period: Period, folders: [FolderPeriod],
                             standing: [String: StandingAgreements], ledger: consuming HazardLedger,
                             extraIssues: [ValidationIssue]) -> MonthReport {
        // The roll-up reads only the working hazards: the closed tables go now, not owner by owner beside it.
        ledger.dropClosedTables()
        var given: [String: FolderPeriod] = [:]
        for f in folders where given[f.code] == nil { given[f.code] = f }

        // Streamed: each folder's figures are computed, their rows appended to the report's lists, and let go
        // before the next folder's, so the lists are not held twice (per folder and report-wide) at the peak.
        // What the village summaries need of a folder is kept: its figures and its shortfalls.
        let town = config.town.code
        var kept: [String: (figures: Figures, shortfalls: [Shortfall], complete: Bool)] = [:]
        // Registry order: the town's own folder, then the villages as listed, so each village's groups follow on.
        var groups: [GroupSummary] = []
        groups.reserveCapacity(config.villages.reduce(0) { $0 + $1.groups.count })
        var categories: [CategoryCount] = []
        categories.reserveCapacity(config.submitterCodes.count * HazardCategory.allCases.count)
        var ledgerEntries: [LedgerEntry] = []
        var agreements: [AgreementStatus] = []
        var trainings = TrainingActivities()
        var notUpdated: [ValidationIssue] = []
        let months = trendMonths(period)
        var trend = months.map { TrendPoint(period: $0, hazardsNew: 0, hazardsRectified: 0) }
        var fileStats: [FileStat] = []
        fileStats.reserveCapacity((config.submitterCodes.count + given.count) * FileKind.allCases.count)
        for code in config.submitterCodes where kept[code] == nil {
            let submitter: Submitter = code == town ? .town : .village(config.village(code)!)
            let folder = given[code] ?? FolderPeriod(code: code, submitter: submitter)
            // P's own readable file always stands, whatever was passed for the folder.
            let stands = StandingAgreements.standing(after: standing[code], file: folder.agreements, period: period)
            let hazards = ledger.workingHazards(owner: code, upTo: period)
            ledger.remove(owner: code)
            count(hazards, into: &trend, months: months)
            let c = FolderFigures(config: config, period: period, folder: folder, standing: stands, hazards: hazards)
            kept[code] = (c.figures, c.shortfalls(targets: config.targets), c.complete)
            if case .village(let v) = submitter {
                for g in v.groups {
                    groups.append(GroupSummary(villageCode: v.code, villageName: v.name, group: g,
                                               figures: c.groupFigures[g.code] ?? Figures()))
                }
            }
            categories += c.categories
            ledgerEntries += c.ledgerEntries
            agreements += c.agreements
            trainings.append(folder: code, rows: folder.trainings.rows)
            notUpdated += c.notUpdatedWarnings
            fileStats += Self.fileStats(folder)
        }

        let villages = config.villages.map { v in
            let c = kept[v.code]!
            return VillageSummary(village: v, figures: c.figures, shortfalls: c.shortfalls, complete: c.complete)
        }
        let own = kept[town]!.figures
        kept = [:]
        var total = own
        for v in villages { total += v.figures }
        let townSummary = TownSummary(figures: total, ownFolder: own,
                                      villagesSubmitted: villages.filter(\.complete).count,
                                      villagesCompliant: villages.filter(\.compliant).count)

        let order = config.submitterCodes
        let registered = Set(order)
        let extraFolders = given.keys.filter { !registered.contains($0) }.sorted()
        for code in extraFolders { fileStats += Self.fileStats(given[code]!) }

        // Listed as if concatenated in this order (it breaks ties), merged on iteration rather than sorted.
        var issues = [IssueList(extraIssues)]
        for code in order + extraFolders { issues += given[code]?.issueLists ?? [] }
        issues.append(IssueList(notUpdated))
        notUpdated = []

        return MonthReport(
            period: period, config: config, town: townSummary, villages: villages, groups: groups,
            categories: categories, ledger: ledgerEntries, agreements: agreements, trainings: trainings,
            trend: trend,
            issues: ReportIssues(issues, config: config), fileStats: fileStats)
    }

    /// Town-wide hazards registered, and hazards that became 已整改, in each month of P's year up to P.
    static func trend(config: PipelineConfig, period: Period, ledger: HazardLedger) -> [TrendPoint] {
        let months = trendMonths(period)
        var points = months.map { TrendPoint(period: $0, hazardsNew: 0, hazardsRectified: 0) }
        for owner in config.submitterCodes { count(ledger.workingHazards(owner: owner, upTo: period), into: &points, months: months) }
        return points
    }

    /// The months of P's year up to P.
    static func trendMonths(_ period: Period) -> [Period] {
        var months: [Period] = []
        var month = Period(year: period.year, month: 1)!
        while month <= period { months.append(month); month = month.next }
        return months
    }

    /// Adds one owner's hazards to the trend: one pass over them (not one per month); a hazard counts in a month
    /// it was registered by.
    static func count(_ hazards: [HazardLedger.Hazard], into points: inout [TrendPoint], months: [Period]) {
        for h in hazards {
            for (i, month) in months.enumerated() where h.registeredIn <= month {
                if h.registeredIn == month { points[i].hazardsNew += 1 }
                if h.isRectified(at: month) && !h.isRectified(at: month.previous) { points[i].hazardsRectified += 1 }
            }
        }
    }

    static func fileStats(_ folder: FolderPeriod) -> [FileStat] {
        func stat<Row>(_ kind: FileKind, _ file: FileResult<Row>) -> FileStat {
            FileStat(folder: folder.code, kind: kind, fileName: file.fileName, state: file.state.rawValue,
                     rowsRead: file.rowsRead, rowsAccepted: file.rows.count, rowsRejected: file.rowsRejected)
        }
        return [stat(.inspections, folder.inspections), stat(.hazards, folder.hazards),
                stat(.agreements, folder.agreements), stat(.trainings, folder.trainings)]
    }
}

/// Everything computed for one registered folder (the town's own or a village) in P.
struct FolderFigures {
    let code: String
    let name: String
    let folder: FolderPeriod
    let figures: Figures
    /// Group code → figures of the rows carrying it (villages only).
    let groupFigures: [String: Figures]
    /// The folder's listed hazards (open, or mentioned in P), ordered by id. Only these are kept: every
    /// folder's figures are alive at once, and the states of all its hazards were the roll-up's largest heap.
    let ledgerEntries: [LedgerEntry]
    let agreements: [AgreementStatus]
    let categories: [CategoryCount]
    let notUpdatedWarnings: [ValidationIssue]
    /// The kinds that keep the submission from being complete, in file-kind order.
    let missingKinds: [FileKind]
    var complete: Bool { missingKinds.isEmpty }

    /// `hazards`: the folder's hazards registered by the end of P, ordered by id.
    init(config: PipelineConfig, period: Period, folder: FolderPeriod, standing: StandingAgreements?, hazards all: [HazardLedger.Hazard]) {
        code = folder.code
        name = config.name(ofFolder: folder.code)
        self.folder = folder
        let groupCodes = Set(config.village(folder.code)?.groups.map(\.code) ?? [])
        var f = Figures()
        var g: [String: Figures] = [:]
        for code in groupCodes { g[code] = Figures() }
        // Only this village's groups roll up; validation rejects any other group code.
        func group(_ code: String?) -> String? { code.flatMap { groupCodes.contains($0) ? $0 : nil } }

        f.filesSubmitted = [folder.inspections.isSubmitted, folder.hazards.isSubmitted,
                            folder.agreements.isSubmitted, folder.trainings.isSubmitted].filter { $0 }.count
        f.rowsRead = folder.inspections.rowsRead + folder.hazards.rowsRead
            + folder.agreements.rowsRead + folder.trainings.rowsRead
        f.rowsRejected = folder.inspections.rowsRejected + folder.hazards.rowsRejected
            + folder.agreements.rowsRejected + folder.trainings.rowsRejected
        // The village's own columns counted in the walk (`forEachRollUp`); only rows with a group code come back here.
        var inspections = RollUpTally(), trainings = RollUpTally()
        folder.inspections.rows.forEachRollUp(&inspections) { row in
            if let gc = group(row.groupCode) { g[gc]!.countInspection(row) }
        }
        folder.trainings.rows.forEachRollUp(&trainings) { row in
            if let gc = group(row.groupCode) { g[gc]!.countTraining(row) }
        }
        f.countInspections(inspections)
        f.countTrainings(trainings)
        let hazards = all.compactMap { HazardState($0, period: period) }
        ledgerEntries = hazards.filter(\.isListed).map { [name] in $0.entry(ownerName: name) }
        for h in hazards {
            f.count(h)
            // A hazard belongs to the group its latest row names.
            if let gc = group(h.packed.groupCode) { g[gc]!.count(h) }
        }

        let agreements = AgreementParties.statuses(config: config, folder: folder.code, period: period, standing: standing)
        self.agreements = agreements
        f.agreementsRequired = agreements.count
        f.agreementsSigned = agreements.filter { $0.state == .signed }.count
        for status in agreements where status.party.type == .group && groupCodes.contains(status.party.id) {
            // A group's own agreement is the one its village signs with it.
            g[status.party.id]!.agreementsRequired = 1
            g[status.party.id]!.agreementsSigned = status.state == .signed ? 1 : 0
        }
        figures = f
        groupFigures = g

        categories = HazardCategory.allCases.map { category in
            var c = CategoryCount(folder: folder.code, folderName: config.name(ofFolder: folder.code), category: category)
            for h in hazards where h.packed.category == category {
                if h.isNew { c.hazardsNew += 1 }
                if h.rectifiedInPeriod { c.hazardsRectified += 1 }
                if h.isOpen { c.hazardsOpen += 1 }
                if h.isOverdue { c.hazardsOverdue += 1 }
                if h.isNewYTD { c.hazardsNewYTD += 1 }
            }
            return c
        }
        notUpdatedWarnings = hazards.filter(\.carriedOver)
            .map { $0.notUpdatedWarning(period: period, fileName: folder.hazards.fileName) }

        var missing: [FileKind] = []
        if !folder.inspections.isSubmitted { missing.append(.inspections) }
        if !folder.hazards.isSubmitted { missing.append(.hazards) }
        if AgreementParties.effective(standing, period: period) == nil { missing.append(.agreements) }
        if !folder.trainings.isSubmitted { missing.append(.trainings) }
        missingKinds = missing
    }

    /// The targets missed, in the order of SPEC §4's list of targets.
    func shortfalls(targets t: Targets) -> [Shortfall] {
        var out: [Shortfall] = []
        if !missingKinds.isEmpty { out.append(.incompleteSubmission(missing: missingKinds)) }
        if figures.inspectionsFirstHalf < t.inspectionsPerHalfMonth {
            out.append(.inspectionsFirstHalf(actual: figures.inspectionsFirstHalf, target: t.inspectionsPerHalfMonth))
        }
        if figures.inspectionsSecondHalf < t.inspectionsPerHalfMonth {
            out.append(.inspectionsSecondHalf(actual: figures.inspectionsSecondHalf, target: t.inspectionsPerHalfMonth))
        }
        // Compared exactly, not rounded; nothing to sign meets the target.
        if let rate = figures.signingRate, rate < t.signingRate {
            out.append(.signingRate(actual: rate, target: t.signingRate))
        }
        if figures.trainings < t.trainingsPerMonth {
            out.append(.trainings(actual: figures.trainings, target: t.trainingsPerMonth))
        }
        if figures.hazardsOverdue > t.maxOverdueHazards {
            out.append(.overdueHazards(actual: figures.hazardsOverdue, limit: t.maxOverdueHazards))
        }
        return out
    }
}
