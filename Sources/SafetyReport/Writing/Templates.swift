// Blank submission files for every folder: Chinese headers, and the agreements list pre-filled with the registry's parties.

public enum Templates {
    /// Relative path (`<code>/hazards.csv`) → bytes, for the town office and every village.
    public static func files(_ config: PipelineConfig) -> [(path: String, bytes: [UInt8])] {
        var out: [(String, [UInt8])] = []
        for code in config.submitterCodes {
            for kind in FileKind.allCases {
                var t = CSVTable(header: kind.schema.columns.map(\.header))
                if kind == .agreements {
                    for party in parties(config, code) {
                        t.append([.raw(party.type.label), .text(party.code), .text(party.name), .raw(""), .raw("")])
                    }
                }
                out.append(("\(code)/\(kind.fileName)", t.bytes))
            }
        }
        return out
    }

    /// The parties a folder must sign with (SPEC §4): a village's groups; the town's villages and key units.
    static func parties(_ config: PipelineConfig, _ code: String) -> [(type: PartyType, code: String, name: String)] {
        if code == config.town.code {
            return config.villages.map { (.village, $0.code, $0.name) } + config.keyUnits.map { (.keyUnit, $0.code, $0.name) }
        }
        return (config.village(code)?.groups ?? []).map { (.group, $0.code, $0.name) }
    }
}
