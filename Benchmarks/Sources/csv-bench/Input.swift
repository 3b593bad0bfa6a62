// Deterministic benchmark inputs, built in memory together with the records they must read as.
import SafetyReport

/// SplitMix64: a fixed seed gives the same file on every machine and every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// A CSV file as bytes and, from the generator's side, the records and start lines it holds.
struct Sample {
    var name: String
    var bytes: [UInt8]
    var records: [[String]]
    var lines: [Int]
}

enum Input {
    static let header = ["隐患编号", "发现日期", "小组编码", "隐患类别", "隐患等级", "隐患描述", "地点",
                         "整改责任人", "整改期限", "整改状态", "整改完成日期", "是否上报", "上报部门"]
    static let categories = ["公共设施", "房屋", "危险化学品", "烟花爆竹", "人员密集场所", "机动车辆", "供用电", "其他"]
    static let statuses = ["未整改", "整改中", "已整改"]
    static let subjects = ["楼道", "配电箱", "沿街商铺", "出租房", "农贸市场", "村委会仓库", "小学门口", "加油站旁", "老旧民房", "电动车棚"]
    static let problems = ["电线私拉乱接", "消防通道堵塞", "灭火器过期", "墙体开裂", "液化气瓶露天存放", "电动车违规充电",
                           "护栏缺失", "排水沟堵塞", "安全出口指示灯损坏", "杂物堆放"]
    static let places = ["东村", "西村", "南湾", "北岭", "河口", "新街", "老街", "山脚"]
    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    static let givenNames = ["建国", "秀英", "伟", "芳", "志强", "丽", "海燕", "军", "桂兰", "明"]
    static let departments = ["镇应急办", "镇安监站", "派出所", "供电所", "消防救援站"]

    /// ~`rows` hazards rows (plus a blank `,,,` row now and then), CRLF record endings;
    /// about one field in ten is quoted, and most quoted free-text fields hold a comma, a
    /// doubled quote, or a line break (LF or CRLF, as Excel and hand editing leave them).
    static func hazards(rows: Int, seed: UInt64 = 20_261_005) -> Sample {
        var rng = SplitMix64(state: seed)
        var records: [[String]] = [header]
        for i in 1...rows {
            if rng.below(500) == 0 { records.append(Array(repeating: "", count: header.count)) }
            let month = 1 + rng.below(12), day = 1 + rng.below(28)
            let found = "2026-\(pad(month))-\(pad(day))"
            let status = rng.pick(statuses)
            let escalated = rng.chance(15)
            var description = rng.pick(subjects) + rng.pick(problems)
            if rng.chance(30) { description += "，" + rng.pick(problems) }
            records.append([
                "H2026" + String(repeating: "0", count: 6 - String(i).count) + String(i),
                found,
                rng.chance(80) ? "G" + pad(1 + rng.below(12)) : "",
                rng.pick(categories),
                rng.chance(10) ? "重大" : "一般",
                description,
                rng.pick(places) + String(1 + rng.below(200)) + "号",
                rng.pick(surnames) + rng.pick(givenNames),
                "2026/\(month)/\(min(28, day + 7))",
                status,
                status == "已整改" ? "2026年\(month)月\(min(28, day + 3))日" : "",
                escalated ? "是" : "否",
                escalated ? rng.pick(departments) : "",
            ])
        }
        // Decide quoting per field, and put the characters that force quoting into free text.
        var bytes: [UInt8] = []
        var lines: [Int] = []
        var line = 1
        for r in records.indices {
            lines.append(line)
            for f in records[r].indices {
                if f > 0 { bytes.append(UInt8(ascii: ",")) }
                var value = records[r][f]
                let quoted = r > 0 && !value.isEmpty && rng.chance(10)
                if quoted && [5, 6, 12].contains(f) {
                    switch rng.below(4) {
                    case 0: value += ", 见附件"
                    case 1: value = "\"" + value + "\"（复查）"
                    case 2: value += "\n第二次检查仍未整改"
                    default: value += "\r\n责任人已签字"
                    }
                    records[r][f] = value
                }
                if quoted {
                    bytes.append(UInt8(ascii: "\""))
                    for b in value.utf8 {
                        if b == UInt8(ascii: "\"") { bytes.append(b) }
                        bytes.append(b)
                    }
                    bytes.append(UInt8(ascii: "\""))
                } else {
                    bytes.append(contentsOf: value.utf8)
                }
                line += breaks(in: value)
            }
            bytes.append(contentsOf: [0x0D, 0x0A])
            line += 1
        }
        return Sample(name: "hazards UTF-8", bytes: bytes, records: records, lines: lines)
    }

    /// The same file as GB18030 bytes, as Excel on a Chinese system saves "CSV".
    static func gb18030(_ sample: Sample) -> Sample {
        var copy = sample
        copy.name = "hazards GB18030"
        copy.bytes = try! Iconv.convert(sample.bytes, from: "UTF-8", to: "GB18030")
        return copy
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Physical line breaks in a field: CRLF, LF and a lone CR each count once.
func breaks(in field: String) -> Int {
    var count = 0
    var previousCR = false
    for b in field.utf8 {
        if b == 0x0A { if !previousCR { count += 1 } } else if b == 0x0D { count += 1 }
        previousCR = b == 0x0D
    }
    return count
}

/// Start lines a reader without line numbers would have to rebuild: each record starts one
/// line after the previous one ends. Right only when the reader keeps every break in its fields
/// and keeps blank lines as records.
func derivedLines(_ records: [[String]]) -> [Int] {
    var lines: [Int] = []
    var line = 1
    for record in records {
        lines.append(line)
        line += 1 + record.reduce(0) { $0 + breaks(in: $1) }
    }
    return lines
}
