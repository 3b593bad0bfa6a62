// `safety-report demo`: a whole synthetic town — pipeline.json and months of inputs — built in memory.

/// The synthetic town behind `safety-report demo` (SPEC §6), for the sample, tests and benchmarks.
public enum DemoTown {
    /// Every file of the town: relative path ("pipeline.json", "inputs/2026-10/330683105201/hazards.csv", …)
    /// → bytes, sorted by path (byte order). Pure and deterministic: the same options give the same bytes.
    public static func generate(_ options: DemoOptions) -> [(path: String, bytes: [UInt8])] {
        let registry = DemoRegistry(villages: options.villages, seed: options.seed)
        let plan = options.errors ? DemoFaultPlan(options: options, registry: registry) : DemoFaultPlan()
        var files: [(path: String, bytes: [UInt8])] = [("pipeline.json", Array(registry.pipelineJSON().utf8))]

        var town = DemoSubmitter(townCode: registry.town.code, style: options.variations ? .office : .plain,
                                 seed: options.seed)
        var submitters = registry.villages.map {
            DemoSubmitter(village: $0, style: options.variations ? .forVillage($0.index, seed: options.seed) : .plain,
                          seed: options.seed, resendsAgreements: options.agreementsEveryMonth)
        }
        let n = submitters.count
        for (m, period) in options.periods.enumerated() {
            let root = "inputs/" + period.description + "/"
            for file in town.townMonth(period: period, registry: registry) {
                files.append((root + registry.town.code + "/" + file.name, file.bytes))
            }
            for v in 0..<n {
                let folder = root + submitters[v].folder + "/"
                let sent = submitters[v].villageMonth(period: period, monthIndex: m,
                                                      faults: plan.faults(month: m, village: v), registry: registry)
                for file in sent { files.append((folder + file.name, file.bytes)) }
                // One clerk a month leaves a note in the folder, which the pipeline reports and skips.
                if options.variations && !sent.isEmpty && v == (m * 3 + 1) % n {
                    let note = "\(registry.villages[v].name)\(period.chinese)安全社区台账说明：隐患整改照片另行报送镇安委办。\n"
                    files.append((folder + "说明.txt", Array(note.utf8)))
                }
            }
            for code in plan.unregisteredFolders(month: m) {
                files += unregisteredFolder(code: code, period: period, seed: options.seed)
                    .map { (root + code + "/" + $0.name, $0.bytes) }
            }
        }
        files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return files
    }

    /// A folder named by a code no village has (a village not yet registered, or a mistyped code):
    /// well-formed files that the pipeline must report and not read.
    private static func unregisteredFolder(code: String, period: Period, seed: UInt64) -> [(name: String, bytes: [UInt8])] {
        var rng = DemoRandom(seed: seed, 5, UInt64(period.year * 12 + period.month))
        let style = DemoStyle.plain
        var inspections = DemoTable(.inspections)
        let d1 = Day(year: period.year, month: period.month, day: rng.int(in: 1...15))!
        let d2 = Day(year: period.year, month: period.month, day: rng.int(in: 16...28))!
        inspections.rows = [[style.date(d1), "", DemoNames.person(&rng), "全村出租房", "0"],
                            [style.date(d2), "", DemoNames.person(&rng), "沿街店铺", "0"]]
        var trainings = DemoTable(.trainings)
        trainings.rows = [[style.date(d2), "", style.value(TrainingForm.leaflets), "安全用电知识宣传",
                           style.value(Audience.residents), "120", "", "300"]]
        return [("inspections.csv", style.render(inspections)), ("trainings.csv", style.render(trainings))]
    }
}
