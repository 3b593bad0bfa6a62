// Re-running a built month: the replaced report's build id and outputs come from its side file, never a wrong answer.
import Foundation
import Testing
@testable import SafetyReport

/// `ManifestIndex.built`: what `ReportRun.build` needs of the report it replaces (build id, outputs), from the side file
/// when it vouches for manifest.json, from manifest.json decoded whole when it cannot (missing, truncated, damaged,
/// another manifest's, an older version).
@Suite struct ReRunManifestTests {
    let p = Period("2026-10")!

    /// A town with September and October built; the side file's URL and manifest.json's as decoded.
    private func builtTown() throws -> (TownFixture, PipelineConfig, URL, Manifest) {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "c", period: Period("2026-09")!)
        _ = try ReportRun.build(config: config, configSHA256: "c", period: p)
        let full = try #require(Manifest.read(config.outputs.appendingPathComponent("2026-10/manifest.json")))
        return (town, config, config.outputs.appendingPathComponent(".state/manifest-2026-10.bin"), full)
    }

    /// The side file's bytes with the checksum made anew for its payload, under `magic`.
    private func resigned(_ bytes: [UInt8], magic: String = ManifestIndex.magic) -> [UInt8] {
        let payload = Array(bytes[(ManifestIndex.magic.utf8.count + 65)...])
        return Array((magic + SHA256.hexDigest(of: payload) + "\n").utf8) + payload
    }

    /// `bytes` with the first occurrence of `text` changed in its first byte (a hex digit: another hex digit).
    private func altered(_ bytes: [UInt8], at text: String) throws -> [UInt8] {
        let needle = Array(text.utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<$0 + needle.count].elementsEqual(needle) })
        var out = bytes
        out[at] = out[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        return out
    }

    @Test func theSideFileAnswersOnlyWhileItVouchesForManifestJSON() throws {
        let (town, config, side, full) = try builtTown()
        defer { withExtendedLifetime(town) {} }  // its deinit deletes the folder
        let expected = ManifestIndex.BuiltReport(buildID: full.buildID, outputs: full.outputs)
        #expect(!full.outputs.isEmpty)
        let index = ManifestIndex(outputs: config.outputs)
        // A negative margin stands in for time passing: the stat alone is believed.
        let believing = ManifestIndex(outputs: config.outputs, margin: -3600)
        #expect(index.built(p) == expected)        // fresh: manifest.json hashed, equal
        #expect(believing.built(p) == expected)    // by its stat
        let original = try [UInt8](Data(contentsOf: side))

        // The side file is what answers when it vouches: a payload altered and signed anew is believed (so the cases
        // below are not passing merely because the side file is never read).
        let forged = resigned(try altered(original, at: full.outputs[0].sha256))
        try Data(forged).write(to: side)
        #expect(believing.built(p)?.outputs[0].sha256 != full.outputs[0].sha256)
        #expect(believing.built(p)?.buildID == full.buildID)

        // Damaged: the same alteration without a matching checksum is no side file.
        try Data(try altered(original, at: full.outputs[0].sha256)).write(to: side)
        #expect(believing.built(p) == expected)
        // An older version (a valid checksum, another magic line) is not believed either.
        try Data(resigned(try altered(original, at: full.outputs[0].sha256), magic: "SRMANIFEST2\n")).write(to: side)
        #expect(believing.built(p) == expected)
        // Truncated anywhere: in the header line, in the head, after the outputs' list.
        for keep in [10, ManifestIndex.magic.utf8.count + 70, original.count / 2, original.count - 1] {
            try Data(original.prefix(keep)).write(to: side)
            #expect(believing.built(p) == expected, "truncated to \(keep) bytes")
            #expect(index.built(p) == expected)
        }
        // Missing.
        try FileManager.default.removeItem(at: side)
        #expect(believing.built(p) == expected)
        #expect(!FileManager.default.fileExists(atPath: side.path))  // `built` writes nothing

        // Another month's side file put in its place.
        try FileManager.default.copyItem(at: config.outputs.appendingPathComponent(".state/manifest-2026-09.bin"), to: side)
        #expect(believing.built(p) == expected)
        #expect(believing.built(Period("2026-09")!)?.buildID != expected.buildID)

        // manifest.json replaced by hand with another one: the side file made for the old one no longer answers.
        try Data(original).write(to: side)
        var edited = full
        edited.builtAt = "2030-01-01T00:00:00.000Z"
        edited.outputs[0].sha256 = String(repeating: "e", count: 64)
        edited.inputs.listingSHA256 = String(repeating: "f", count: 64)  // another build id
        try Data(edited.json).write(to: config.outputs.appendingPathComponent("2026-10/manifest.json"))
        let handMade = ManifestIndex.BuiltReport(buildID: edited.buildID, outputs: edited.outputs)
        #expect(handMade.buildID != expected.buildID)
        #expect(believing.built(p) == handMade)
        #expect(index.built(p) == handMade)
        // No manifest.json at all: nothing was built.
        try FileManager.default.removeItem(at: config.outputs.appendingPathComponent("2026-10/manifest.json"))
        #expect(believing.built(p) == nil)
    }

    /// A side file whose head claims more outputs than it holds (made by hand: 4 MB of empty entries) is no side file,
    /// with a wrong checksum or a right one; a head longer than one read piece (20,000 outputs) is read whole.
    @Test func aHeadThatNeverEndsIsRefusedAndALongOneIsRead() throws {
        let (town, config, side, full) = try builtTown()
        defer { withExtendedLifetime(town) {} }
        let expected = ManifestIndex.BuiltReport(buildID: full.buildID, outputs: full.outputs)
        let believing = ManifestIndex(outputs: config.outputs, margin: -3600)
        func varint(_ value: Int) -> [UInt8] {
            var v = UInt64(value), out: [UInt8] = []
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        func text(_ t: String) -> [UInt8] { varint(t.utf8.count) + Array(t.utf8) }
        var payload = [1, 2, 3, 4, 5, 6].flatMap(varint) + text(String(repeating: "0", count: 64))
        payload += ["safety-report", "0.1.0", "2026-10", "b", "p", "c", "l", "id"].flatMap(text)
        let entries = (4 << 20) / 3
        payload += varint(entries + 1) + [UInt8](repeating: 0, count: 3 * entries)
        let header = Array((ManifestIndex.magic + String(repeating: "0", count: 64) + "\n").utf8)
        try Data(header + payload).write(to: side)  // a wrong checksum
        #expect(believing.built(p) == expected)
        #expect(believing.read(p, save: false)?.buildID == full.buildID)
        try Data(resigned(header + payload)).write(to: side)  // a right one
        #expect(believing.built(p) == expected)
        #expect(believing.read(p, save: false)?.buildID == full.buildID)

        // A report with 20,000 outputs (a city's villages): its side file's head spans several read pieces.
        var many = full
        many.outputs = (0..<20_000).map { Manifest.Output(name: "villages/\(330683_000_000 + $0).xlsx", sha256: String(repeating: "a", count: 64), bytes: $0) }
        let manifestURL = config.outputs.appendingPathComponent("2026-10/manifest.json")
        try Data(many.json).write(to: manifestURL)
        ManifestIndex(outputs: config.outputs).remember(p, many, json: many.json)
        #expect(try Data(contentsOf: side).count > 1 << 20)
        #expect(believing.built(p) == ManifestIndex.BuiltReport(buildID: many.buildID, outputs: many.outputs))
    }

    /// The whole side file (`read`) carries the outputs too now, and its other fields as before.
    @Test func theSideFileKeepsTheOutputs() throws {
        let (town, config, _, full) = try builtTown()
        defer { withExtendedLifetime(town) {} }
        let fromSide = try #require(ManifestIndex(outputs: config.outputs, margin: -3600).read(p, save: false))
        #expect(fromSide.outputs == full.outputs)
        #expect(fromSide.files.isEmpty && fromSide.inputs == full.inputs && fromSide.buildID == full.buildID)
    }

    /// A fresh side file read under the lock (`save: true`) is written again for the new stat, its body copied from the
    /// old file in pieces: the same manifest (prior months' digests and records included) answers from it afterwards.
    @Test func aFreshSideFileIsRewrittenWithTheSameBody() throws {
        let town = try DemoTownFixture(villages: 4, months: 14, seed: 3, prefix: "sr-rerun-side")
        let config = try town.config
        _ = try ReportRun.build(config: config, configSHA256: "c", period: p)
        let full = try town.manifest("2026-10")
        let side = config.outputs.appendingPathComponent(".state/manifest-2026-10.bin")
        let believing = ManifestIndex(outputs: config.outputs, margin: -3600)
        let before = try #require(believing.read(p, save: false))
        #expect(before.priorMonths?.months.count == 4)  // 2025-09 to 2025-12, held as digests and bytes
        let made = try [UInt8](Data(contentsOf: side))
        // Fresh (within the margin): manifest.json is hashed, equal, and the side file written anew.
        let fresh = try #require(ManifestIndex(outputs: config.outputs).read(p, save: true))
        #expect(fresh == before)
        let rewritten = try [UInt8](Data(contentsOf: side))
        #expect(rewritten != made)  // another moment
        let after = try #require(believing.read(p, save: false))
        #expect(after == before && after.outputs == full.outputs && after.inputs.files == before.inputs.files)
        #expect(after.recordedInputs.sorted { $0.path < $1.path } == full.inputs.files.sorted { $0.path < $1.path })
        for q in before.priorMonths!.months { #expect(after.priorMonths!.records(q) == before.priorMonths!.records(q)) }
        #expect(ManifestIndex(outputs: config.outputs).built(p) == ManifestIndex.BuiltReport(buildID: full.buildID, outputs: full.outputs))
    }

    /// A correction re-run with the side file intact, missing, damaged or another month's: the same change log, the
    /// same version kept in history/, the same outputs.
    @Test func aCorrectionReRunIsTheSameWhateverStateTheSideFileIsIn() throws {
        var results: [(changes: [FigureChange], kept: String?, history: [String], summary: [UInt8])] = []
        for damage in ["intact", "missing", "damaged", "another month's", "older version"] {
            let (town, config, side, full) = try builtTown()
            switch damage {
            case "missing": try FileManager.default.removeItem(at: side)
            case "damaged":
                var bytes = try [UInt8](Data(contentsOf: side))
                bytes[bytes.count - 2] ^= 0x01
                try Data(bytes).write(to: side)
            case "another month's":
                try FileManager.default.removeItem(at: side)
                try FileManager.default.copyItem(at: config.outputs.appendingPathComponent(".state/manifest-2026-09.bin"), to: side)
            case "older version":
                try Data(resigned(try [UInt8](Data(contentsOf: side)), magic: "SRMANIFEST2\n")).write(to: side)
            default: break
            }
            try town.correctSeptembersHazards()
            let outcome = try ReportRun.build(config: config, configSHA256: "c", period: p)
            #expect(outcome.replacedEarlierBuild, "\(damage)")
            #expect(outcome.keptInHistory == full.buildID, "\(damage)")
            #expect(!outcome.changes.isEmpty && !outcome.changesCarried, "\(damage)")
            let store = OutputStore(root: config.outputs)
            #expect(store.history(p) == [full.buildID], "\(damage)")
            // Run again on the same inputs: the record of the correction is carried, nothing more is kept.
            let again = try ReportRun.build(config: config, configSHA256: "c", period: p)
            #expect(again.changesCarried && again.changes == outcome.changes && again.keptInHistory == nil, "\(damage)")
            results.append((outcome.changes, outcome.keptInHistory, store.history(p),
                            try town.read("outputs/2026-10/summary_villages.csv") + town.read("outputs/2026-10/changes.csv")))
        }
        for r in results.dropFirst() {
            #expect(r.changes == results[0].changes && r.history == results[0].history && r.summary == results[0].summary)
        }
    }
}
