// csv-bench: SafetyReport's hand-written CSV reader against SwiftCSV and CSV.swift, on the same bytes.
//
// Usage: csv-bench [--rows N] [--iterations N]
// Inputs are generated in memory from a fixed seed (no file I/O is timed or done). Every reader
// gets the same bytes; libraries, which take a String, are given one made by our decoding, and
// that step is timed in the "decode" column.
import Foundation
import SafetyReport

var rows = 50_000, iterations = 9
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else {
        print("usage: csv-bench [--rows N] [--iterations N]"); exit(2)
    }
    switch flag {
    case "--rows": rows = value
    case "--iterations": iterations = value
    default: print("usage: csv-bench [--rows N] [--iterations N]"); exit(2)
    }
}

// MARK: - Correctness on small hand-worked inputs (SPEC §3.1, §3.3)

struct Case {
    var name: String
    var text: String
    /// nil: the file must be rejected whole.
    var records: [[String]]?
    var lines: [Int] = []
    var bytes: [UInt8] { Array(text.utf8) }
}

let cases: [Case] = [
    Case(name: "LF inside quotes, CRLF file", text: "id,desc\r\n1,\"a\nb\"\r\n2,c\r\n",
         records: [["id", "desc"], ["1", "a\nb"], ["2", "c"]], lines: [1, 2, 4]),
    Case(name: "CRLF inside quotes", text: "id,desc\r\n1,\"a\r\nb\"\r\n2,c\r\n",
         records: [["id", "desc"], ["1", "a\r\nb"], ["2", "c"]], lines: [1, 2, 4]),
    Case(name: "doubled quote and comma in quotes", text: "id,desc\n1,\"他说\"\"好\"\",行\"\n",
         records: [["id", "desc"], ["1", "他说\"好\",行"]], lines: [1, 2]),
    Case(name: "blank line kept (line count)", text: "id,desc\n\n1,x\n",
         records: [["id", "desc"], [""], ["1", "x"]], lines: [1, 2, 3]),
    Case(name: "lone CR line ends (old Mac Excel)", text: "id,desc\r1,x\r2,y\r",
         records: [["id", "desc"], ["1", "x"], ["2", "y"]], lines: [1, 2, 3]),
    Case(name: "tab-separated (header decides)", text: "隐患编号\t隐患描述\nH1\t漏电, 老化\n",
         records: [["隐患编号", "隐患描述"], ["H1", "漏电, 老化"]], lines: [1, 2]),
    Case(name: "leading space kept (trimmed later)", text: "id,name\n1, 张三\n",
         records: [["id", "name"], ["1", " 张三"]], lines: [1, 2]),
    Case(name: "text after closing quote", text: "id,desc\n1,\"ab\"c\n2,x\n",
         records: [["id", "desc"], ["1", "abc"], ["2", "x"]], lines: [1, 2, 3]),
    Case(name: "unterminated quote: reject file", text: "id,desc\n1,\"abc\n2,x\n", records: nil),
]

/// Rows with their trailing empty cells dropped: a reader that pads every row to one width
/// loses nothing the pipeline needs (missing cells read as empty), but hides short rows.
func padless(_ records: [[String]]) -> [[String]] {
    records.map { row in Array(row[..<(row.lastIndex { !$0.isEmpty }.map { $0 + 1 } ?? 0)]) }
}

func trimmed(_ records: [[String]]) -> [[String]] { records.map { $0.map(\.trimmedCell) } }

/// One verdict: are the records right, and are the start lines there (or rebuildable)?
func verdict(_ reader: Reader, bytes: [UInt8], records expected: [[String]]?, lines expectedLines: [Int]) -> (records: String, lines: String) {
    let run: Run
    do { run = try reader.run(bytes) } catch {
        return expected == nil ? ("ok (rejected)", "-") : ("NO: \(error)", "-")
    }
    guard let expected else { return ("NO: accepted, \(run.records.count) records", "-") }
    let records: String
    if run.records == expected {
        records = "ok"
    } else if trimmed(run.records) == trimmed(expected) {
        records = "ok after trim"
    } else if padless(run.records) == padless(expected) {
        records = "ok after padding (rows made equal width)"
    } else if run.records.count != expected.count {
        records = "NO: \(run.records.count) records, want \(expected.count)"
    } else {
        let i = run.records.indices.first { run.records[$0] != expected[$0] } ?? 0
        records = "NO: record \(i + 1) = \(run.records[i].map { $0.debugDescription }.joined(separator: ","))"
    }
    let lines: String
    if let got = run.lines {
        lines = got == expectedLines ? "ok" : "NO"
    } else {
        lines = derivedLines(run.records) == expectedLines ? "none; derivable" : "none; not derivable"
    }
    return (records, lines)
}

func printTable(_ header: [String], _ rows: [[String]]) {
    func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) } }
    let widths = header.indices.map { c in ([header] + rows).map { width($0[c]) }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        "| " + cells.enumerated().map { c, s in s + String(repeating: " ", count: widths[c] - width(s)) }.joined(separator: " | ") + " |"
    }
    print(line(header))
    print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
    for row in rows { print(line(row)) }
}

print("## Correctness on hand-worked inputs (records exact? start lines?)\n")
var caseRows: [[String]] = []
for c in cases {
    for reader in Reader.all {
        let v = verdict(reader, bytes: c.bytes, records: c.records, lines: c.lines)
        caseRows.append([c.name, reader.name, v.records, v.lines])
    }
}
printTable(["case", "reader", "records", "start lines"], caseRows)

// MARK: - Throughput on a generated month of hazards

let utf8Sample = Input.hazards(rows: rows)
let samples = [utf8Sample, Input.gb18030(utf8Sample)]

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
func format(_ x: Double, _ digits: Int = 1) -> String {
    let scale = [1.0, 10, 100, 1000][digits]
    let r = (x * scale).rounded() / scale
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        s += String(repeating: "0", count: max(0, digits - decimals))
    }
    return s
}

print("\n## Throughput: \(rows) hazards rows, 1 warm-up + \(iterations) timed runs per reader, medians\n")
var benchRows: [[String]] = []
for sample in samples {
    var oursTotal = 0.0
    for reader in Reader.all {
        let mb = Double(sample.bytes.count) / 1_000_000
        do {
            _ = try reader.run(sample.bytes) // warm-up, and the run whose output is checked
            var decode: [Double] = [], parse: [Double] = [], total: [Double] = []
            var last: Run?
            for _ in 0..<iterations {
                let run = try reader.run(sample.bytes)
                decode.append(milliseconds(run.decode))
                parse.append(milliseconds(run.parse))
                total.append(milliseconds(run.decode + run.parse))
                last = run
            }
            let t = median(total)
            if reader.name == Reader.ours.name { oursTotal = t }
            let v = verdict(reader, bytes: sample.bytes, records: sample.records, lines: sample.lines)
            benchRows.append([reader.name, sample.name + " (\(format(mb, 1)) MB)", format(mb / (t / 1000), 1),
                              "\(last?.records.count ?? 0)", format(median(decode), 1), format(median(parse), 1),
                              format(t, 1), oursTotal > 0 ? format(t / oursTotal, 2) + "x" : "-", v.records, v.lines])
        } catch {
            benchRows.append([reader.name, sample.name + " (\(format(mb, 1)) MB)", "-", "-", "-", "-", "-", "-", "\(error)", "-"])
        }
    }
}
printTable(["reader", "input", "MB/s", "records", "decode ms", "parse ms", "total ms", "time vs ours",
            "records = truth", "start lines"], benchRows)
print("""

decode: bytes to what the parser takes (ours: UTF-8 bytes; libraries: a String made by our
TextDecoding, since they have no GB18030 and must not see replacement characters; CSV.swift's
byte path: the Data copy, it decodes UTF-8 as it parses). total = decode + parse per run.
"records = truth": against the generator's own records. "derivable": the reader gives no line
numbers, but counting the line breaks kept in its fields rebuilds them on this input.
""")
