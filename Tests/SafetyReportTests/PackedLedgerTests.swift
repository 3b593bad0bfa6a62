// The ledger's packed rows (PackedHazardRow) and 4-byte periods give back exactly what they were given.

import Foundation
import Testing
@testable import SafetyReport

@Suite struct PackedLedgerTests {
    typealias F = ComputationFixtures

    /// Every text field of a row, as UTF-8 bytes (String `==` would let normalization differences pass).
    static func textBytes(_ r: HazardRow) -> [[UInt8]] {
        [r.hazardId, r.description, r.location, r.responsible, r.escalatedTo].map { Array($0.utf8) }
            + [r.groupCode.map { Array($0.utf8) } ?? [0xFF]]
    }

    static func sameBytes(_ a: HazardRow, _ b: HazardRow) -> Bool { a == b && textBytes(a) == textBytes(b) }

    @Test func packedRowsGiveBackEveryTextByteForByte() throws {
        // GB18030 bytes decoded the way a clerk's file is.
        let gbText = "隐患：楼道堆放杂物，消防通道堵塞（㐀䶵 𠀀）"
        let gbBytes = try Iconv.convert(Array(gbText.utf8), from: "UTF-8", to: "GB18030")
        let decoded = try TextDecoding.decode(gbBytes)
        let gbDecoded = String(decoding: decoded.utf8, as: UTF8.self)
        #expect(decoded.encoding == .gb18030 && gbDecoded == gbText)
        let texts = [
            "", "a", String(repeating: "x", count: 15), String(repeating: "x", count: 16),
            "😀👨‍👩‍👧‍👦🇨🇳", "e\u{301}", "é", "\u{301}开头的组合符", "引号\"、逗号,、换行\n与\r回车\t",
            String(repeating: "长", count: 200),  // 600 bytes: a two-byte length
            String(repeating: "描述很长的单元格", count: 2_000),  // 48,000 bytes: a three-byte length
            gbDecoded,
        ]
        for (i, text) in texts.enumerated() {
            let other = texts[(i + 1) % texts.count]
            for field in 0..<6 {
                var r = F.hazard("H\(i)", found: "2026-01-0\(1 + i % 9)", deadline: "2026-02-28",
                                 status: [.open, .inProgress, .rectified][i % 3], level: i % 2 == 0 ? .major : .general,
                                 category: HazardCategory.allCases[i % HazardCategory.allCases.count],
                                 group: i % 4 == 0 ? nil : other, escalated: i % 2 == 1, line: 2 + i * 1_000_003)
                switch field {
                case 0: r.hazardId = text
                case 1: r.groupCode = text
                case 2: r.description = text
                case 3: r.location = text
                case 4: r.responsible = text
                default: r.escalatedTo = text
                }
                let packed = PackedHazardRow(r)
                #expect(Self.sameBytes(packed.row, r), "text \(i) in field \(field)")
                #expect(packed.status == r.status && packed.foundDate == r.foundDate && packed.deadline == r.deadline)
                #expect(packed == PackedHazardRow(packed.row))
            }
        }
        // No group and an empty group stay apart; so do two spellings of é that String calls equal.
        var noGroup = F.hazard("H", found: "2026-01-01", deadline: "2026-01-31")
        var emptyGroup = noGroup
        emptyGroup.groupCode = ""
        #expect(PackedHazardRow(noGroup).row.groupCode == nil && PackedHazardRow(emptyGroup).row.groupCode == "")
        noGroup.description = "e\u{301}"
        emptyGroup = noGroup
        emptyGroup.description = "é"
        #expect(noGroup == emptyGroup && PackedHazardRow(noGroup) != PackedHazardRow(emptyGroup))
        #expect(Array(PackedHazardRow(emptyGroup).row.description.utf8) == [0xC3, 0xA9])
    }

    @Test func periodsInFourBytesKeepOrderAndText() {
        #expect(MemoryLayout<Period>.stride == 4)
        let all = [Period(year: 1900, month: 1)!, Period(year: 2025, month: 12)!, Period(year: 2026, month: 1)!,
                   Period(year: 9999, month: 12)!]
        #expect(all == all.sorted() && all.map(\.description) == ["1900-01", "2025-12", "2026-01", "9999-12"])
        #expect(all.map { Period($0.description)! } == all && all[1].next == all[2] && all[2].previous == all[1])
        #expect(Period(year: 10_000, month: 1) == nil && Period(year: 2026, month: 13) == nil)
    }

    /// On a demo town (GB18030 files, odd spellings, rejected rows), every row the ledger answers with is,
    /// byte for byte, the validated row that went in for that hazard and month.
    @Test func ledgerOnADemoTownAnswersWithTheRowsItWasGiven() throws {
        let root = try writeDemoTown(DemoOptions(villages: 12, months: 4, lastPeriod: Period("2026-02")!, seed: 5),
                                     prefix: "sr-packed")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try ConfigLoader.load(from: root.appendingPathComponent("pipeline.json"))
        let scanner = InputScanner(config: config)
        var ledger = HazardLedger()
        var given = 0
        for q in scanner.periods() {
            let scan = scanner.scan(q)
            for code in config.submitterCodes {
                var loader = InputLoader()
                let input = loader.load(scan.folders[code], .hazards, period: q)
                let rows = Validator.hazards(input, ReportAssembler.context(config, q, code),
                                             known: ledger.knownFoundDates(owner: code)).rows.elements
                ledger.apply(period: q, owner: code, rows: rows)
                var seen = Set<String>()
                for row in rows where seen.insert(row.hazardId).inserted {
                    let update = try #require(ledger.hazard(owner: code, id: row.hazardId)?.state(at: q))
                    #expect(update.period == q && Self.sameBytes(update.row, row) && update.status == row.status)
                    given += 1
                }
            }
        }
        #expect(given > 50)
        // And what it saves reads back as the same ledger.
        var writer = StateWriter()
        writer.ledger(ledger)
        var reader = StateReader(bytes: writer.bytes)
        let readBack = reader.ledger()
        #expect(readBack == ledger)
    }
}
