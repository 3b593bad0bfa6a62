// The synthetic town's registry (villages, groups, key units, local units) and its pipeline.json.

/// A village as the demo knows it: the registered part plus the units it signs agreements with.
struct DemoVillage {
    let index: Int
    let code: String
    let base: String
    let name: String
    let kind: String
    let population: Int
    let groups: [Group]
    /// Schools, clinics, resident units … in its area (no registered code).
    let localUnits: [(name: String, type: PartyType)]
    var isCommunity: Bool { kind == "社区" }
}

/// The whole registry, built from the seed alone (independent of months, errors and variations).
struct DemoRegistry {
    let town: Town
    let villages: [DemoVillage]
    let keyUnits: [KeyUnit]
    /// Key units by village index, for village hazards and the "key unit in a village file" error.
    let keyUnitCategory: [String: HazardCategory]

    static let townCode = "330683105"
    static let townName = "青石镇"

    init(villages count: Int, seed: UInt64) {
        town = Town(code: DemoRegistry.townCode, name: DemoRegistry.townName)
        var rng = DemoRandom(seed: seed, 1)
        var usedBases = Set<String>()
        var list: [DemoVillage] = []
        list.reserveCapacity(count)
        for i in 0..<max(0, count) {
            var base: String
            var kind: String
            if i < DemoNames.classicVillages.count {
                (base, kind) = DemoNames.classicVillages[i]
            } else {
                kind = rng.chance(0.15) ? "社区" : "村"
                base = DemoRegistry.freshBase(community: kind == "社区", index: i, used: usedBases, rng: &rng)
            }
            usedBases.insert(base)
            let community = kind == "社区"
            let groupCount = community ? rng.int(in: 3...6) : rng.int(in: 3...8)
            // Codes are the town's code plus a running number from 201: three digits for the first
            // 799 villages, then four and more, so they stay unique and short (≤ 32 characters).
            let code = DemoRegistry.townCode + String(201 + i)
            let groups = (1...groupCount).map {
                Group(code: code + "-" + Day.pad($0, 2), name: DemoNames.groupName($0, community: community))
            }
            let population = community ? rng.int(in: 2500...9000) : rng.int(in: 800...4200)
            var units: [(name: String, type: PartyType)] = []
            let choices = community ? [8, 1, 9, 6] : [0, 2, 3, 4, 5, 6, 1]
            for c in choices where rng.chance(0.4) {
                let (suffix, type) = DemoNames.localUnits[c]
                units.append(((type == .school ? base : base + kind) + suffix, type))
            }
            list.append(DemoVillage(index: i, code: code, base: base, name: base + kind, kind: kind,
                                    population: population, groups: groups, localUnits: units))
        }
        villages = list

        var units: [KeyUnit] = []
        var categories: [String: HazardCategory] = [:]
        var usedNames = Set<String>()
        let unitCount = count == 0 ? 0 : (count <= 12 ? 6 : count / 3)
        for j in 0..<unitCount {
            let (suffix, category) = DemoNames.keyUnitKinds[j % DemoNames.keyUnitKinds.count]
            let village = j == 0 ? list[0] : list[rng.int(list.count)]
            let brand = DemoNames.brands[(j * 7) % DemoNames.brands.count]
            var candidates = [brand + suffix, village.base + suffix, village.base + brand + suffix]
            if suffix == "加油站" { candidates = ["中国石化" + village.base + suffix, "中国石油" + village.base + suffix] + candidates }
            let name = candidates.first { !usedNames.contains($0) } ?? (village.base + brand + suffix + String(j + 1))
            usedNames.insert(name)
            let code = "KU" + Day.pad(j + 1, 3)
            // A few units are registered without a location, which SPEC §2 allows.
            units.append(KeyUnit(code: code, name: name, village: j > 0 && rng.chance(0.15) ? nil : village.code))
            categories[code] = category
        }
        keyUnits = units
        keyUnitCategory = categories
    }

    private static func freshBase(community: Bool, index: Int, used: Set<String>, rng: inout DemoRandom) -> String {
        if community {
            for word in DemoNames.communityWords where !used.contains(word) { return word }
        }
        for _ in 0..<40 {
            let b = rng.pick(DemoNames.placeHeads) + rng.pick(DemoNames.placeTails)
            if !used.contains(b) { return b }
        }
        for _ in 0..<80 {
            let b = rng.pick(DemoNames.placeHeads) + rng.pick(DemoNames.placeHeads) + rng.pick(DemoNames.placeTails)
            if !used.contains(b) { return b }
        }
        return rng.pick(DemoNames.placeHeads) + rng.pick(DemoNames.placeTails) + String(index + 1)
    }

    /// pipeline.json (SPEC §2): pretty-printed by hand so that key order and layout never change.
    func pipelineJSON() -> String {
        var out = "{\n"
        out += "  \"town\": { \"code\": \(json(town.code)), \"name\": \(json(town.name)) },\n"
        out += "  \"villages\": [\n"
        for (i, v) in villages.enumerated() {
            out += "    {\n"
            out += "      \"code\": \(json(v.code)),\n"
            out += "      \"name\": \(json(v.name)),\n"
            out += "      \"kind\": \(json(v.kind)),\n"
            out += "      \"population\": \(v.population),\n"
            out += "      \"groups\": [\n"
            for (g, group) in v.groups.enumerated() {
                out += "        { \"code\": \(json(group.code)), \"name\": \(json(group.name)) }"
                out += g + 1 < v.groups.count ? ",\n" : "\n"
            }
            out += "      ]\n"
            out += i + 1 < villages.count ? "    },\n" : "    }\n"
        }
        out += "  ],\n"
        out += "  \"key_units\": [\n"
        for (i, u) in keyUnits.enumerated() {
            out += "    { \"code\": \(json(u.code)), \"name\": \(json(u.name))"
            if let village = u.village { out += ", \"village\": \(json(village))" }
            out += i + 1 < keyUnits.count ? " },\n" : " }\n"
        }
        out += "  ],\n"
        out += "  \"inputs\": \"inputs\",\n"
        out += "  \"outputs\": \"outputs\",\n"
        out += "  \"targets\": {\n"
        out += "    \"inspections_per_half_month\": 1,\n"
        out += "    \"signing_rate\": 1.0,\n"
        out += "    \"trainings_per_month\": 1,\n"
        out += "    \"max_overdue_hazards\": 0\n"
        out += "  },\n"
        out += "  \"report\": {\n"
        out += "    \"workbook_name\": \"{town}安全社区月报_{period}\",\n"
        out += "    \"title\": \"{town}安全社区建设月度通报\",\n"
        out += "    \"author\": \(json(town.name + "安委办")),\n"
        out += "    \"company\": \(json(town.name + "人民政府"))\n"
        out += "  }\n"
        out += "}\n"
        return out
    }

    private func json(_ s: String) -> String { JSONText.quoted(s) }
}
