// A month folded from its folders' remembered listings and its remembered hazards summary equals one folded from its scan.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

@Suite struct RememberedMonthTests {
    /// A 6-month town (2026-05 … 2026-10) in a temporary folder, its files already older than the test margin.
    private final class Town {
        let root: URL
        init(variations: Bool) throws {
            root = try writeDemoTown(DemoOptions(villages: 5, months: 6, lastPeriod: Period("2026-10")!, seed: 9,
                                                 errors: variations, variations: variations), prefix: "sr-remembered-month")
            usleep(200_000)
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        var config: PipelineConfig { get throws { try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json")) } }
        func path(_ rel: String) -> String { root.appendingPathComponent("inputs/" + rel).path }
    }

    private func makeTown(variations: Bool = false) throws -> Town { try Town(variations: variations) }

    private func cache(_ config: PipelineConfig) -> FileHashCache {
        FileHashCache(outputs: config.outputs, inputs: config.inputs, margin: 0.05)
    }

    private func listings(_ config: PipelineConfig) -> RememberedListings {
        RememberedListings(outputs: config.outputs, margin: 0.05)
    }

    /// As a run leaves them: every month's listings and hazards summary remembered and saved.
    private func remember(_ config: PipelineConfig) {
        let l = listings(config), c = cache(config)
        let scanner = InputScanner(config: config, listings: l)
        for p in scanner.periods() { _ = c.periodHazards(scanner.scan(p), codes: config.submitterCodes) }
        l.save()
        c.save()
        usleep(100_000)
    }

    /// Every month but the last folded as `run`'s stale check folds the months before a report's year, with and without
    /// the remembered months; returns the months taken from memory. The digests, the summaries and the counts agree.
    @discardableResult
    private func expectSameDigests(_ config: PipelineConfig, sourceLocation: SourceLocation = #_sourceLocation) -> [Period] {
        let codes = config.submitterCodes
        let plainListings = listings(config), fastListings = listings(config)
        let plainCache = cache(config), fastCache = cache(config)
        let plain = InputScans(config: config, listings: plainListings), fast = InputScans(config: config, listings: fastListings)
        let periods = plain.periods()
        let last = periods.last!
        _ = plain.digest(last, retiring: { $0 < last }, summarize: { plainCache.periodHazards($0, codes: codes) })
        _ = fast.digest(last, retiring: { $0 < last }, summaries: fastCache,
                        summarize: { fastCache.periodHazards($0, codes: codes) })
        for p in periods {
            let a = fast.digest(p), b = plain.digest(p)
            #expect(a.exists == b.exists && a.listingSHA256 == b.listingSHA256, "\(p): listing", sourceLocation: sourceLocation)
            #expect(fast.listingSHA256(through: p) == plain.listingSHA256(through: p), "\(p): running listing hash",
                    sourceLocation: sourceLocation)
            #expect(a.hazards == b.hazards, "\(p): hazards summary", sourceLocation: sourceLocation)
            if p < last {
                let whole = InputScanner(config: config).scan(p, hazardsAndAgreementsOnly: true)
                #expect(b.listingSHA256 == Manifest.listingHash(whole.listing), sourceLocation: sourceLocation)
            }
        }
        #expect(fastListings.counts == plainListings.counts, "believed and listed alike", sourceLocation: sourceLocation)
        #expect(fastCache.summaryCounts == plainCache.summaryCounts, "summaries reused and made alike", sourceLocation: sourceLocation)
        let probe = InputScanner(config: config, listings: listings(config)), summaries = cache(config)
        return periods.filter { p in
            p < last && probe.rememberedMonth(p).map { summaries.rememberedSummary(p, fingerprint: $0.fingerprint) != nil } == true
        }
    }

    @Test func anUnchangedMonthIsFoldedFromMemoryToTheSameDigests() throws {
        let town = try makeTown()
        let config = try town.config
        let earlier = InputScanner(config: config).periods().dropLast()
        // Nothing remembered yet: every month is scanned.
        #expect(expectSameDigests(config).isEmpty)
        remember(config)
        #expect(expectSameDigests(config) == Array(earlier), "every earlier month from memory")
        // Its listing is the scan's, joined.
        let p = earlier.first!
        let month = try #require(InputScanner(config: config, listings: listings(config)).rememberedMonth(p))
        let scan = InputScanner(config: config).scan(p)
        #expect(month.listing == Array(scan.listing.joined(separator: "\n").utf8))
        #expect(month.count == scan.listing.count)
        #expect(month.own.hexDigest() == Manifest.listingHash(scan.listing))
        #expect(month.fingerprint == PeriodHazards.fingerprint(scan, codes: config.submitterCodes)?.digest)
        #expect(cache(config).rememberedSummary(p, fingerprint: month.fingerprint) == cache(config).periodHazards(scan, codes: config.submitterCodes))
    }

    /// After each kind of change to a month, that month is scanned again (and the others still come from memory), and
    /// the digests equal those of a fold from scans.
    @Test func aChangedMonthIsScannedAndFoldsTheSame() throws {
        let town = try makeTown()
        let config = try town.config
        remember(config)
        let periods = InputScanner(config: config).periods()
        let village = config.villages[0].code, other = config.villages[1].code
        let earlier = Set(periods.dropLast())
        var stuck: Set<Period> = []  // months holding something only a scan decides (a stray file, a workbook …)
        func changed(_ p: Period, stays: Bool = false, scanned: Bool = true, sourceLocation: SourceLocation = #_sourceLocation,
                     _ change: () throws -> Void) throws {
            try change()
            usleep(100_000)
            let fromMemory = expectSameDigests(config, sourceLocation: sourceLocation)
            #expect(Set(fromMemory) == earlier.subtracting(stuck).subtracting(scanned ? [p] : []), "\(p) changed",
                    sourceLocation: sourceLocation)
            if stays { stuck.insert(p) }
            remember(config)  // the changed month remembered again, as the run that saw it does
        }
        // A hazards file edited in place, its size and mtime put back: only its ctime (and its bytes) tell.
        let edited = town.path("\(periods[0])/\(village)/hazards.csv")
        var before = stat()
        #expect(stat(edited, &before) == 0)
        try changed(periods[0]) {
            try editInPlaceKeepingSizeAndTimes(edited, before)
        }
        // A stray file and one with a Chinese name are only listed and reported by the scan: still from memory once
        // remembered. A file named by its dataset in capitals is read as before.
        try changed(periods[1]) { try Data("x".utf8).write(to: URL(fileURLWithPath: town.path("\(periods[1])/\(village)/notes.txt"))) }
        try changed(periods[2]) { try Data("x".utf8).write(to: URL(fileURLWithPath: town.path("\(periods[2])/\(village)/说明.txt"))) }
        try changed(periods[3]) {
            #expect(rename(town.path("\(periods[3])/\(other)/trainings.csv"), town.path("\(periods[3])/\(other)/Trainings.CSV")) == 0)
        }
        // What only a scan decides: a workbook beside the CSVs (its sheets are read), a folder in a file's place, a name
        // that is not valid UTF-8.
        try changed(periods[4], stays: true) {
            try Data("x".utf8).write(to: URL(fileURLWithPath: town.path("\(periods[4])/\(village)/hazards.xlsx")))
        }
        try changed(periods[3], stays: true) {
            #expect(unlink(town.path("\(periods[3])/\(village)/trainings.csv")) == 0)
            #expect(mkdir(town.path("\(periods[3])/\(village)/trainings.csv"), 0o755) == 0)
        }
        try changed(periods[2], stays: true) {
            let name = Array(town.path("\(periods[2])/\(other)/").utf8) + [0xFF, 0x2E, 0x74, 0x78, 0x74, 0]
            let fd = name.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
            #expect(fd >= 0)
            close(fd)
        }
        // A hazards file removed; an unregistered folder at the month's top, which the month's own listing (taken each
        // time) shows: no registered folder changed, so the month is still folded from memory, to the new digests.
        try changed(periods[0]) { #expect(unlink(town.path("\(periods[0])/\(other)/hazards.csv")) == 0) }
        try changed(periods[1], scanned: false) { #expect(mkdir(town.path("\(periods[1])/999999"), 0o755) == 0) }
    }

    /// A month whose listing, taken in folder order, is not in the scan's (String) order is scanned: a code followed by
    /// a byte below "/" sorts before the folder's own files.
    @Test func aListingOutOfOrderIsScanned() throws {
        let town = try makeTown()
        var config = try town.config
        let code = config.villages[0].code
        var twin = config.villages[0]
        twin.code = code + "-2"
        twin.groups = []
        config.villages.append(twin)
        let p = InputScanner(config: config).periods().first!
        #expect(mkdir(town.path("\(p)/\(code)-2"), 0o755) == 0)
        try Data("x".utf8).write(to: URL(fileURLWithPath: town.path("\(p)/\(code)-2/inspections.csv")))
        usleep(100_000)
        remember(config)
        let fromMemory = expectSameDigests(config)
        #expect(!fromMemory.contains(p))
        #expect(fromMemory.count == InputScanner(config: config).periods().count - 2)
    }

    /// With variations (workbooks, other names, encodings) and deliberate errors, whatever is taken from memory folds
    /// the same as the scans do.
    @Test func aDemoTownWithVariationsFoldsTheSame() throws {
        let town = try makeTown(variations: true)
        let config = try town.config
        remember(config)
        expectSameDigests(config)
    }
    /// A dataset file named in other cases (hazards in capitals, an agreements file in mixed case) in an earlier month:
    /// the month from memory has the scan's listing and fingerprint (the hazards file's path as found, its stat), and
    /// after that file is edited in place with its size and mtime put back, the fingerprint changes exactly as the
    /// scan's does, so its remembered summary is not believed.
    @Test func filesNamedInOtherCasesFingerprintAsTheScanDoes() throws {
        let town = try makeTown()
        let config = try town.config
        let p = InputScanner(config: config).periods().first!
        let village = config.villages[0].code, other = config.villages[1].code
        #expect(rename(town.path("\(p)/\(village)/hazards.csv"), town.path("\(p)/\(village)/HAZARDS.CSV")) == 0)
        #expect(rename(town.path("\(p)/\(other)/agreements.csv"), town.path("\(p)/\(other)/AgreeMents.Csv")) == 0)
        usleep(100_000)
        remember(config)
        func expectAsScanned(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let month = try #require(InputScanner(config: config, listings: listings(config)).rememberedMonth(p),
                                     sourceLocation: sourceLocation)
            let scan = InputScanner(config: config).scan(p, hazardsAndAgreementsOnly: true)
            #expect(month.listing == Array(scan.listing.joined(separator: "\n").utf8), sourceLocation: sourceLocation)
            #expect(month.fingerprint == PeriodHazards.fingerprint(scan, codes: config.submitterCodes)?.digest, sourceLocation: sourceLocation)
            #expect(scan.folders[village]?.files[.hazards]?.relativePath == "\(p)/\(village)/HAZARDS.CSV", sourceLocation: sourceLocation)
            return month.fingerprint
        }
        let first = try expectAsScanned()
        #expect(expectSameDigests(config).contains(p))
        // Edited in place, size and mtime put back.
        let edited = town.path("\(p)/\(village)/HAZARDS.CSV")
        var before = stat()
        #expect(stat(edited, &before) == 0)
        try editInPlaceKeepingSizeAndTimes(edited, before)
        usleep(100_000)
        let second = try expectAsScanned()
        #expect(second != first)
        #expect(cache(config).rememberedSummary(p, fingerprint: second) == nil, "the edited month's summary is not believed")
        #expect(!expectSameDigests(config).contains(p))
    }

    /// The dataset a printable-ASCII name names, without lowercasing it, is what lowercasing and matching the four names
    /// gives: the case of ASCII letters only (the bytes just outside A–Z, "@", "[", "`", "{", are not letters).
    @Test func datasetKindFromBytesIsTheLowercasedMatch() {
        var names = ["hazards.csv", "HAZARDS.CSV", "Hazards.Csv", "hazards.csvx", "hazard.csv", "hazards_csv", "inspections.csv",
                     "INSPECTIONS.csv", "Trainings.CSV", "trainings.csv", "agreements.csv", "AGREEMENTS.CSV", "", "hazards.csv ",
                     " hazards.csv", "hazards.xlsx", "~$hazards.csv", "notes.txt", "h", "trainings.cs", "agreements.csvv"]
        for base in FileKind.allCases.map(\.fileName) {
            let bytes = Array(base.utf8)
            for i in bytes.indices {
                for b: UInt8 in [0x40, 0x5B, 0x60, 0x7B, 0x41, 0x5A, 0x20, 0x7E] {
                    var v = bytes; v[i] = b; names.append(String(decoding: v, as: UTF8.self))
                }
                var up = bytes; if (0x61...0x7A).contains(up[i]) { up[i] -= 0x20 }; names.append(String(decoding: up, as: UTF8.self))
            }
        }
        for name in names {
            let expected = FileKind.allCases.first { $0.fileName == name.lowercased() }
            #expect(InputScanner.datasetKind(plainASCII: name) == expected, "\(name)")
        }
    }

    /// The fingerprint written from a listing's bytes equals the one written from path Strings, for files present and
    /// absent, any stat (negative and large values included).
    @Test func fingerprintFromListingBytesEqualsTheStringOne() {
        var rng = SystemRandomNumberGenerator()
        let codes = ["330683105", "330683105201", "330683105202", "330683105203", "V-9", "x"]
        let p = Period("2025-03")!
        for _ in 0..<200 {
            var listing: [UInt8] = []
            var files: [String: (path: String, stamp: FileStamp)] = [:]
            var ranges: [String: (path: Range<Int>, stamp: FileStamp)] = [:]
            for code in codes where Bool.random(using: &rng) {
                let name = ["hazards.csv", "HAZARDS.CSV", "Hazards.csv"].randomElement(using: &rng)!
                let path = "\(p)/\(code)/\(name)"
                listing += Array("junk\n".utf8)
                let start = listing.count
                listing += Array(path.utf8)
                let stamp = FileStamp(dev: UInt64.random(in: 0...UInt64.max, using: &rng), ino: UInt64.random(in: 0...UInt64.max, using: &rng),
                                      size: Int64.random(in: Int64.min...Int64.max, using: &rng),
                                      mtime: Int64.random(in: -1...Int64.max, using: &rng), ctime: Int64.random(in: Int64.min...Int64.max, using: &rng))
                files[code] = (path, stamp)
                ranges[code] = (start..<listing.count, stamp)
            }
            let a = PeriodHazards.fingerprint(p, codes: codes) { files[$0] }
            let b = PeriodHazards.fingerprint(p, codes: codes, listing: listing) { ranges[$0] }
            #expect(a.digest == b.digest && a.newest == b.newest)
        }
    }
}

/// A clerk's in-place correction that no folder's stat shows: the file's last digit flipped (0 ↔ 1, others to 0), the
/// same size, written in place, its access and modification times put back to `before`'s.
private func editInPlaceKeepingSizeAndTimes(_ path: String, _ before: stat) throws {
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let at = try #require(bytes.lastIndex(where: { (0x30...0x39).contains($0) }))
    bytes[at] = bytes[at] == 0x30 ? 0x31 : 0x30
    let fd = open(path, O_WRONLY)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    close(fd)
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
}
