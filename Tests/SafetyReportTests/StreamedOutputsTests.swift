// Outputs written as they are made (the long CSVs, manifest.json) have the bytes they had when built whole.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct StreamedOutputsTests {
    /// `chunk` sizes from one byte to more than the whole file.
    static let pieces = [1, 2, 3, 7, 64, 4096, 1 << 20]

    static func streamed(_ chunkBytes: Int, _ write: (Int, @escaping ([UInt8]) -> Void) -> Void) -> (bytes: [UInt8], chunks: Int) {
        final class Collected { var bytes: [UInt8] = []; var chunks = 0 }
        let collected = Collected()
        write(chunkBytes) { collected.bytes += $0; collected.chunks += 1 }
        return (collected.bytes, collected.chunks)
    }

    @Test func aRecordStreamGivesTheTablesBytesInPiecesOfAnySize() {
        let header = ["note", "村名", "n"]
        let rows: [[CSVCell]] = [
            [.text("=1+2"), .text("青石村"), .int(-1)],
            [.text("a,b"), .text("say \"hi\""), .rate(0.5)],
            [.text("line\r\nbreak"), .raw(""), .decimal(12.25, places: 1)],
            [.text("@sum"), .text("👨‍👩‍👧 e\u{301}"), .rate(nil)],
            [.empty, .empty, .empty],
        ]
        var table = CSVTable(header: header)
        for row in rows { table.append(row) }
        for size in Self.pieces {
            let out = Self.streamed(size) { size, chunk in
                let stream = CSVRecordStream(chunkBytes: size, chunk: chunk, header: header)
                for row in rows { stream.append(row) }
                stream.finish()
            }
            #expect(out.bytes == table.bytes, "chunks of \(size)")
            if size == 1 { #expect(out.chunks == rows.count + 1) }  // with each record (the first after the header), the rest
        }
        // No rows: the BOM and the header, handed over once.
        let empty = Self.streamed(1 << 16) { size, chunk in CSVRecordStream(chunkBytes: size, chunk: chunk, header: header).finish() }
        #expect(empty.bytes == CSVTable(header: header).bytes && empty.chunks == 1)
        // A one-column record of one empty field is still written `""` (an empty line would be a dropped row).
        var single = CSVTable(header: ["x"])
        single.append([.empty])
        let singleStreamed = Self.streamed(2) { size, chunk in
            let stream = CSVRecordStream(chunkBytes: size, chunk: chunk, header: ["x"])
            stream.append([.empty])
            stream.finish()
        }
        #expect(singleStreamed.bytes == single.bytes)
    }

    /// The long tables a run writes a record at a time are the tables `SummaryCSVs.tables` builds, in any pieces;
    /// and a run's files of them are those bytes, listed in the manifest with their size and SHA-256.
    @Test func longTablesAndTheManifestWrittenInPiecesAreTheWholeOnes() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        let config = try town.config
        let p = Period("2026-10")!
        let report = ReportAssembler.assemble(config: config, period: p).report
        let whole = Dictionary(uniqueKeysWithValues: SummaryCSVs.tables(report).map { ($0.name, $0.bytes) })
        #expect(SummaryCSVs.tableStreams.map(\.name) == ["summary_groups.csv", "summary_categories.csv", "hazard_ledger.csv"])
        #expect(report.ledger.count > 0 && report.groups.count > 0)
        for (name, write) in SummaryCSVs.tableStreams {
            let bytes = try #require(whole[name])
            #expect(bytes.count > 200, "\(name)")
            for size in Self.pieces {
                #expect(Self.streamed(size) { write(report, $0, $1) }.bytes == bytes, "\(name) in chunks of \(size)")
            }
        }

        _ = try ReportRun.build(config: config, configSHA256: "c", period: p)
        let folder = config.outputs.appendingPathComponent("2026-10")
        let manifestURL = folder.appendingPathComponent("manifest.json")
        let manifest = try #require(Manifest.read(manifestURL))
        for (name, _) in SummaryCSVs.tableStreams {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(bytes == whole[name], "\(name)")
            let listed = try #require(manifest.outputs.first { $0.name == name })
            #expect(listed.bytes == bytes.count && listed.sha256 == SHA256.hexDigest(of: bytes), "\(name)")
        }
        // manifest.json is what encoding the manifest whole gives, in any pieces.
        let json = try [UInt8](Data(contentsOf: manifestURL))
        #expect(manifest.json == json)
        for size in Self.pieces {
            #expect(Self.streamed(size) { ManifestJSON.encode(manifest, chunkBytes: $0, chunk: $1) }.bytes == json, "chunks of \(size)")
        }
        // As a run writes it (ReportRun.StagedManifest): the head — every key before "outputs" — first, the tail once
        // the outputs are known; the same bytes in any pieces, also with empty lists (no inputs, files or outputs).
        var empty = manifest
        empty.inputs.files = []; empty.files = []; empty.outputs = []
        for m in [manifest, empty] {
            let whole = ManifestJSON.encode(m)
            #expect(whole == m.json)
            for size in Self.pieces {
                let parts = Self.streamed(size) { size, chunk in
                    ManifestJSON.encodeHead(m, chunkBytes: size, chunk: chunk)
                    ManifestJSON.encodeTail(m, chunkBytes: size, chunk: chunk)
                }
                #expect(parts.bytes == whole, "head and tail in chunks of \(size)")
            }
        }
        // The side file was made from the size and SHA-256 taken while manifest.json was written: fresh, it is only
        // believed when manifest.json hashes to that, and then it answers without the per-file lists.
        let fromSide = try #require(ManifestIndex(outputs: config.outputs).read(p, save: false))
        #expect(fromSide.files.isEmpty && fromSide.outputs == manifest.outputs && fromSide.buildID == manifest.buildID)
    }
}
