// Test helpers for submission workbooks: openpyxl from python3 (skipped when missing), and hand-built .xlsx files.

import Foundation
import ZIPFoundation
@testable import SafetyReport

/// python3 with openpyxl, as a clerk's "Excel" and as an independent reader; nil when not installed.
enum Openpyxl {
    /// The system python first (Debian's python3-openpyxl lives there), then any python3 on PATH (a pyenv shim
    /// usually lacks openpyxl, so it must not be the only one tried).
    static let python: String? = {
        let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"] + onPath
        where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? run(candidate, ["-c", "import openpyxl"]))?.code == 0 { return candidate }
        }
        return nil
    }()
    static var available: Bool { python != nil }

    static func run(_ exe: String, _ args: [String]) throws -> (code: Int32, out: String, err: String) {
        try runProcess(URL(fileURLWithPath: exe), args)
    }

    /// Runs a python script (given as text) with arguments; throws with stderr when it fails.
    static func script(_ source: String, _ args: [String]) throws -> String {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/script.py"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run(python!, [path] + args)
        guard r.code == 0 else { throw ScriptError(message: r.err) }
        return r.out
    }
    struct ScriptError: Error { var message: String }

    /// A clerk filling the template in Excel: rows typed from row 3 (below the example row, which stays), dates as
    /// real date cells, numbers as numbers, True/False as boolean cells; pre-filled rows below the example are replaced.
    static let fill = #"""
import json, sys, datetime, openpyxl
spec = json.load(open(sys.argv[1], encoding="utf-8"))
wb = openpyxl.load_workbook(spec["template"])
for sheet, rows in spec["sheets"].items():
    ws = wb[sheet]
    for r in range(3, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, dict) and "date" in v:
                v = datetime.date.fromisoformat(v["date"])
            if v == "":
                v = None
            ws.cell(3 + i, 1 + j).value = v
wb.save(spec["out"])
"""#

    /// Every sheet's state, header row, example row, frozen pane, and data validations with list ranges resolved.
    static let validations = #"""
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
def resolve(formula):
    if formula is None or "!" not in formula:
        return None
    sheet, ref = formula.lstrip("=").split("!")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row]
for ws in wb.worksheets:
    dvs = []
    for dv in ws.data_validations.dataValidation:
        dvs.append({"sqref": str(dv.sqref), "type": dv.type, "operator": dv.operator, "formula1": dv.formula1,
                    "values": resolve(dv.formula1), "errorStyle": dv.errorStyle, "promptTitle": dv.promptTitle,
                    "prompt": dv.prompt, "error": dv.error, "showDropDown": dv.showDropDown})
    out[ws.title] = {"state": ws.sheet_state, "freeze": ws.freeze_panes,
                     "header": [c.value for c in ws[1]], "example": [c.value for c in ws[2]], "validations": dvs}
print(json.dumps(out, ensure_ascii=False))
"""#
}

/// A cell value for the fill script: text, number, date or boolean.
enum FillValue: Encodable {
    case text(String), number(Double), date(String), bool(Bool)
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .date(let d): try c.encode(["date": d])
        case .bool(let b): try c.encode(b)
        }
    }
    /// As the clerk would type it in a CSV.
    var csv: String {
        switch self {
        case .text(let s): return s
        case .number(let n): return n == n.rounded() ? String(Int(n)) : String(n)
        case .date(let d): return d
        case .bool(let b): return b ? "是" : "否"
        }
    }
}

/// Builds an .xlsx by hand (ZIPFoundation) from raw sheet XML, for reader cases no writer produces on demand.
func handMadeXlsx(sheets: [(name: String, xml: String, hidden: Bool)], sharedStrings: [String]? = nil,
                  sharedStringsXML: String? = nil, date1904: Bool = false) throws -> [UInt8] {
    let archive = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
    func add(_ path: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
    }
    let sheetList = sheets.enumerated().map { i, s in
        "<sheet name=\"\(s.name)\" sheetId=\"\(i + 1)\"\(s.hidden ? " state=\"hidden\"" : "") r:id=\"rId\(i + 1)\"/>"
    }.joined()
    try add("xl/workbook.xml", """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
    <workbookPr\(date1904 ? " date1904=\"1\"" : "")/><sheets>\(sheetList)</sheets></workbook>
    """)
    let rels = sheets.indices.map {
        "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/sheet\($0 + 1).xml\"/>"
    }.joined()
    try add("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(rels)</Relationships>")
    for (i, s) in sheets.enumerated() {
        try add("xl/worksheets/sheet\(i + 1).xml", """
        <?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\(s.xml)</sheetData></worksheet>
        """)
    }
    if let xml = sharedStringsXML ?? sharedStrings.map({ list in
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" + list.map { "<si><t>\($0)</t></si>" }.joined() + "</sst>"
    }) {
        try add("xl/sharedStrings.xml", xml)
    }
    return [UInt8](archive.data!)
}
