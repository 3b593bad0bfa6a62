// Whatever bytes a clerk's machine produces, reading and validation end in rows or issues, never a crash.
import Testing
@testable import SafetyReport

/// Deterministic xorshift so a failure can be replayed.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite struct RobustnessTests {
    static let seeds: [String] = [
        "隐患编号,发现日期,小组编码,隐患类别,隐患等级,隐患描述,整改责任人,整改期限,整改状态,整改完成日期,是否上报,上报部门\r\nH1,2026-10-03,V1-01,供用电,一般,\"a,\"\"b\"\"\nc\",张三,2026/10/9,已整改,2026年10月5日,是,镇安监办\r\n",
        "排查日期\t排查人\t发现隐患数\n２０２６－１０－０５\t王五\t１,２３４\n",
        "对象类型,对象编码,对象名称,是否签订,签订日期\n村民小组,V1-01,第一村民小组,√,20261005\n学校,,东湖小学,×,\n",
        "活动日期,活动形式,活动主题,参与人数,时长(小时)\n2026.10.5 0:00,drill,演练,-3,1.5\n",
    ]
    static let pieces: [[UInt8]] = [[0x22], [0x2C], [0x0A], [0x0D], [0x09], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF],
                                    [0x00], [0xC3], [0xE9, 0x9A], [0x81, 0x30, 0x81], Array("是".utf8), Array("=1+1".utf8),
                                    Array("9999-99-99".utf8), Array("\u{3000}".utf8)]

    @Test func mutatedFilesNeverCrashAndCountsAddUp() {
        var rng = TestRandom(state: 0x9E3779B97F4A7C15)
        let village = Village(code: "V1", name: "东湖村", population: 10, groups: [Group(code: "V1-01", name: "一组")])
        let config = PipelineConfig(town: Town(code: "T1", name: "青石镇"), villages: [village])
        let ctx = ValidationContext(period: Period("2026-10")!, folder: "V1", submitter: .village(village), config: config)
        var parsedFiles = 0
        for i in 0..<3000 {
            // Most mutations edit characters (so the file still decodes and validation is exercised);
            // one in five also splices raw bytes (BOMs, NULs, broken multi-byte sequences) in.
            var chars = Array(Self.seeds[i % Self.seeds.count].unicodeScalars)
            let alphabet = Array("\",\n\r\t 0-9./年月日是否√×=+@\u{3000}１２－ＡH".unicodeScalars)
            for _ in 0..<(1 + rng.below(6)) {
                let at = rng.below(chars.count + 1)
                switch rng.below(3) {
                case 0: chars.insert(alphabet[rng.below(alphabet.count)], at: at)
                case 1: if at < chars.count { chars.remove(at: at) }
                default: if at < chars.count { chars[at] = alphabet[rng.below(alphabet.count)] }
                }
            }
            var bytes = Array(String(String.UnicodeScalarView(chars)).utf8)
            if rng.below(5) == 0 { bytes.insert(contentsOf: Self.pieces[rng.below(Self.pieces.count)], at: rng.below(bytes.count + 1)) }
            let input: FileInput
            do {
                input = .parsed(fileName: "f.csv", try SourceReader.read(bytes))
                parsedFiles += 1
            } catch {
                #expect(!error.message.isEmpty)
                continue
            }
            let results: [(Int, Int, Int)] = [
                { let r = Validator.inspections(input, ctx); return (r.rowsRead, r.rows.count, r.rowsRejected) }(),
                { let r = Validator.hazards(input, ctx, known: ["H1": Day(year: 2026, month: 9, day: 1)!]); return (r.rowsRead, r.rows.count, r.rowsRejected) }(),
                { let r = Validator.agreements(input, ctx); return (r.rowsRead, r.rows.count, r.rowsRejected) }(),
                { let r = Validator.trainings(input, ctx); return (r.rowsRead, r.rows.count, r.rowsRejected) }(),
            ]
            for (read, accepted, rejected) in results { #expect(read == accepted + rejected) }
        }
        #expect(parsedFiles > 2000) // many mutations still parse, so validation is exercised too
    }
}
