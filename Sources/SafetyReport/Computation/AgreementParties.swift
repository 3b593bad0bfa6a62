// Who must sign a responsibility agreement with each folder, and where each party stands at P's end (SPEC §4).

/// Builds the agreements table of one folder from the registry and the list standing for the year.
enum AgreementParties {
    /// Parties the registry requires of a folder, in registry order: a village's groups; for the
    /// town's own folder, every village then every key unit. They count whatever the file says,
    /// so leaving a party out of the list cannot raise a rate.
    static func required(config: PipelineConfig, folder: String) -> [(key: PartyKey, name: String)] {
        if folder == config.town.code {
            return config.villages.map { (PartyKey(type: .village, code: $0.code, name: $0.name), $0.name) }
                + config.keyUnits.map { (PartyKey(type: .keyUnit, code: $0.code, name: $0.name), $0.name) }
        }
        guard let village = config.village(folder) else { return [] }
        return village.groups.map { (PartyKey(type: .group, code: $0.code, name: $0.name), $0.name) }
    }

    /// The standing list if it can stand for `period`: sent in `period`'s year, not after it.
    /// A list of an earlier year never stands (agreements start empty at a new year).
    static func effective(_ standing: StandingAgreements?, period: Period) -> StandingAgreements? {
        guard let standing, standing.sentIn.year == period.year, standing.sentIn <= period else { return nil }
        return standing
    }

    /// Every party of a folder: registry parties first (registry order), then other parties listed in
    /// accepted rows (file order), then parties named only by rejected rows (in the order given).
    static func statuses(config: PipelineConfig, folder: String, period: Period,
                         standing rawStanding: StandingAgreements?) -> [AgreementStatus] {
        let standing = effective(rawStanding, period: period)
        let sentIn = standing?.sentIn
        var accepted: [PartyKey: AgreementRow] = [:]
        for row in standing?.rows ?? [] where accepted[row.partyKey] == nil { accepted[row.partyKey] = row }
        let rejected = Set(standing?.rejectedParties ?? [])

        func status(_ key: PartyKey, name: String) -> AgreementStatus {
            // An accepted row wins over a rejected one: the first row claims the party, so both cannot happen.
            if let row = accepted[key] {
                return AgreementStatus(folder: folder, party: key, partyName: name,
                                       state: row.signed ? .signed : .unsigned,
                                       signedDate: row.signed ? row.signedDate : nil, sentIn: sentIn)
            }
            let state: AgreementStatus.State = rejected.contains(key) ? .rejected : .missingFromFile
            return AgreementStatus(folder: folder, party: key, partyName: name, state: state, sentIn: sentIn)
        }

        var out: [AgreementStatus] = []
        var listed = Set<PartyKey>()
        for (key, name) in required(config: config, folder: folder) where listed.insert(key).inserted {
            out.append(status(key, name: name))
        }
        for row in standing?.rows ?? [] where listed.insert(row.partyKey).inserted {
            out.append(status(row.partyKey, name: row.partyName))
        }
        for key in standing?.rejectedParties ?? [] where listed.insert(key).inserted {
            out.append(status(key, name: key.id))
        }
        return out
    }
}

extension StandingAgreements {
    /// The list standing at the end of `period` (SPEC §4): P's file when it was read (a file rejected
    /// whole does not stand), else the list standing at the end of the month before if it is of the
    /// same year (a new year starts empty), else none.
    public static func standing(after previous: StandingAgreements?, file: FileResult<AgreementRow>,
                                period: Period) -> StandingAgreements? {
        if file.isSubmitted {
            return StandingAgreements(sentIn: period, rows: file.rows.elements, rejectedParties: file.rejectedParties)
        }
        guard let previous, previous.sentIn.year == period.year, previous.sentIn <= period else { return nil }
        return previous
    }
}
