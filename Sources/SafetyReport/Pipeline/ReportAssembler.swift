// Drives the stages for one period: scan and read inputs ≤ P, validate, replay the ledger, compute the report.

import Foundation

/// A computed report and what it was computed from.
public struct AssembledReport: Sendable {
    public var report: MonthReport
    /// Every input file read, in read order.
    public var inputs: [InputRecord]
    /// Every entry seen under inputs/<q>/ for each period q ≤ P (so added or removed files are noticed).
    public var listing: [String]
    /// False when inputs/<P>/ does not exist (reported as a warning).
    public var periodFolderExists: Bool
}

public enum ReportAssembler {
    /// Builds report(P) from pipeline.json and the inputs of periods ≤ P (SPEC §4).
    public static func assemble(config: PipelineConfig, period: Period,
                                progress: (String) -> Void = { _ in }) -> AssembledReport {
        let scanner = InputScanner(config: config)
        var loader = InputLoader()
        let history = scanner.periods().filter { $0 < period }
        var listing: [String] = []
        var scans: [Period: ScannedPeriod] = [:]

        // 1. Replay the hazard ledger over every earlier period, in order.
        var ledger = HazardLedger()
        for q in history {
            progress("replaying hazard ledger: \(q)")
            let scan = scanner.scan(q)
            scans[q] = scan
            listing += scan.listing
            for code in config.submitterCodes {
                guard let folder = scan.folders[code] else { continue }
                let ctx = context(config, q, code)
                let result = Validator.hazards(loader.load(folder, .hazards, period: q), ctx,
                                               known: ledger.knownFoundDates(owner: code))
                ledger.apply(period: q, owner: code, rows: result.rows)
            }
        }

        // 2. Period P: validate all four files of every registered submitter.
        progress("validating \(period)")
        let scan = scanner.scan(period)
        listing += scan.listing
        var folders: [FolderPeriod] = []
        var pending: [(code: String, rows: [HazardRow])] = []
        for code in config.submitterCodes {
            let folder = scan.folders[code]
            let ctx = context(config, period, code)
            let known = ledger.knownFoundDates(owner: code)
            let inspections = Validator.inspections(loader.load(folder, .inspections, period: period), ctx)
            let hazards = Validator.hazards(loader.load(folder, .hazards, period: period), ctx, known: known)
            let agreements = Validator.agreements(loader.load(folder, .agreements, period: period), ctx)
            let trainings = Validator.trainings(loader.load(folder, .trainings, period: period), ctx)
            let newIds = Set(hazards.rows.map(\.hazardId).filter { known[$0] == nil })
            let cross = Validator.crossCheck(inspections: inspections, hazards: hazards, newIds: newIds, ctx)
            folders.append(FolderPeriod(code: code, submitter: ctx.submitter, inspections: inspections, hazards: hazards,
                                        agreements: agreements, trainings: trainings,
                                        otherIssues: (folder?.issues ?? []) + cross))
            pending.append((code, hazards.rows))
        }
        for (code, rows) in pending { ledger.apply(period: period, owner: code, rows: rows) }

        // 3. Agreements standing at P's end: P's own readable file, else the latest readable one of the year.
        progress("resolving agreements")
        var standing: [String: StandingAgreements] = [:]
        for folder in folders {
            if folder.agreements.isSubmitted {
                standing[folder.code] = StandingAgreements(sentIn: period, rows: folder.agreements.rows,
                                                           rejectedParties: folder.agreements.rejectedParties)
                continue
            }
            for q in history.reversed() where q.year == period.year {
                guard let found = scans[q]?.folders[folder.code] else { continue }
                let result = Validator.agreements(loader.load(found, .agreements, period: q), context(config, q, folder.code))
                if result.isSubmitted {
                    standing[folder.code] = StandingAgreements(sentIn: q, rows: result.rows, rejectedParties: result.rejectedParties)
                    break
                }
            }
        }

        var extra = scan.issues
        if !scan.exists {
            extra.append(ValidationIssue(.warning, period: period, folder: config.town.code, rule: "period.no_inputs",
                message: "没有 \(period) 的报送目录（inputs/\(period)/），按全部未报送处理。"))
        }
        progress("computing figures")
        let report = ReportBuilder.build(config: config, period: period, folders: folders, standing: standing,
                                         ledger: ledger, extraIssues: extra)
        return AssembledReport(report: report, inputs: loader.records, listing: listing.sorted(), periodFolderExists: scan.exists)
    }

    static func context(_ config: PipelineConfig, _ period: Period, _ code: String) -> ValidationContext {
        let submitter: Submitter = code == config.town.code ? .town : .village(config.village(code)!)
        return ValidationContext(period: period, folder: code, submitter: submitter, config: config)
    }
}
