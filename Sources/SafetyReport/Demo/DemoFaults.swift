// The deliberate errors and warnings of the demo town (SPEC §3.3), and where they are planted.

/// One kind of deliberate mistake. Each lives in one file kind (or none: a whole folder).
enum DemoFault: Int, CaseIterable, Sendable {
    // inspections.csv
    case wrongDateFormat, dateOutsidePeriod, negativeNumber, hazardsFoundMismatch, missingRequiredColumn
    // hazards.csv
    case missingRequiredValue, enumNearMiss, duplicateHazardId, foundDateConflict, deadlineBeforeFound
    case rectifiedWithoutDate, escalatedWithoutTarget, lateRegistration, formulaText
    // agreements.csv
    case signedWithoutDate, keyUnitInVillageFile, duplicateParty, unsupportedEncoding
    // trainings.csv
    case impossibleDate, nonNumber, unregisteredGroup, participantsAbovePopulation, emptyFile
    // a folder of its own
    case unregisteredFolder

    var file: FileKind? {
        switch self {
        case .wrongDateFormat, .dateOutsidePeriod, .negativeNumber, .hazardsFoundMismatch, .missingRequiredColumn:
            return .inspections
        case .missingRequiredValue, .enumNearMiss, .duplicateHazardId, .foundDateConflict, .deadlineBeforeFound,
             .rectifiedWithoutDate, .escalatedWithoutTarget, .lateRegistration, .formulaText:
            return .hazards
        case .signedWithoutDate, .keyUnitInVillageFile, .duplicateParty, .unsupportedEncoding:
            return .agreements
        case .impossibleDate, .nonNumber, .unregisteredGroup, .participantsAbovePopulation, .emptyFile:
            return .trainings
        case .unregisteredFolder:
            return nil
        }
    }

    /// Replaces the whole file, so no other planted row may share it.
    var wholeFile: Bool { self == .missingRequiredColumn || self == .unsupportedEncoding || self == .emptyFile }

    /// Needs a hazard registered in an earlier period (or, for the unreadable agreements file, is
    /// kinder there: an earlier list then stands).
    var prefersLaterPeriod: Bool { self == .foundDateConflict || self == .unsupportedEncoding }
}

/// A planted mistake: its kind and which instance of that kind (to vary the wording).
struct DemoPlantedFault {
    let fault: DemoFault
    let instance: Int
}

/// Where each mistake goes: (month index, village index) → faults, plus unregistered folders.
struct DemoFaultPlan {
    private var planted: [Int: [DemoPlantedFault]] = [:]
    private var strayFolders: [Int: [String]] = [:]
    private let villageCount: Int

    /// No faults at all.
    init() { villageCount = 0 }

    /// About 1% of the files carry a mistake, and every kind appears at least once (the found_date
    /// conflict only when there are two periods or more, as it needs an earlier registration).
    init(options: DemoOptions, registry: DemoRegistry) {
        let n = registry.villages.count
        let months = max(1, options.months)
        villageCount = n
        guard options.errors, n > 0 else { return }
        let kinds = DemoFault.allCases
        let perKind = max(1, Int((Double(n * months * 4) * 0.01 / Double(kinds.count)).rounded()))
        var rng = DemoRandom(seed: options.seed, 3)
        // (month, village, file) → whether a whole-file fault holds it / how many row faults share it.
        var wholeSlots = Set<Int>()
        var rowSlots = Set<Int>()
        var loadPerFolder: [Int: Int] = [:]
        var strayNumber = 0
        for fault in kinds {
            for j in 0..<perKind {
                if fault == .foundDateConflict && months < 2 { continue }
                let month = fault.prefersLaterPeriod && months >= 2
                    ? 1 + (fault.rawValue + j) % (months - 1)
                    : (fault.rawValue + j) % months
                guard let file = fault.file else {
                    strayFolders[month, default: []].append(DemoFaultPlan.unregisteredCode(strayNumber, registry: registry))
                    strayNumber += 1
                    continue
                }
                // Start at a random village and take the first one whose file can take this fault,
                // preferring folders with fewer mistakes so that they stay sparse.
                let start = rng.int(n)
                var chosen: Int?
                var chosenLoad = Int.max
                for probe in 0..<min(n, 64) {
                    let v = (start + probe) % n
                    let slot = (month * n + v) * 4 + file.demoIndex
                    let free = fault.wholeFile ? !wholeSlots.contains(slot) && !rowSlots.contains(slot) : !wholeSlots.contains(slot)
                    let load = loadPerFolder[month * n + v, default: 0]
                    if free && load < chosenLoad { chosen = v; chosenLoad = load }
                    if free && load == 0 { break }
                }
                let v = chosen ?? start
                let slot = (month * n + v) * 4 + file.demoIndex
                if fault.wholeFile { wholeSlots.insert(slot) } else { rowSlots.insert(slot) }
                loadPerFolder[month * n + v, default: 0] += 1
                planted[month * n + v, default: []].append(DemoPlantedFault(fault: fault, instance: j))
            }
        }
    }

    func faults(month: Int, village: Int) -> [DemoPlantedFault] { planted[month * villageCount + village] ?? [] }

    func unregisteredFolders(month: Int) -> [String] { strayFolders[month] ?? [] }

    /// A folder code that no village has: 330683105999, 998 … while free, else past the last village.
    static func unregisteredCode(_ k: Int, registry: DemoRegistry) -> String {
        let n = registry.villages.count
        if 201 + n <= 999 - k { return registry.town.code + String(999 - k) }
        return registry.town.code + String(201 + n + 100 + k)
    }
}
