// libFuzzer target: a clerk's .xlsx (a whole submission workbook or one dataset's) unzipped, read and validated.

import Foundation
import ZIPFoundation
@testable import SafetyReport

// Two kinds of input share one corpus:
// - a real .xlsx (starts with `PK`): the bytes as a clerk sends them, so mutations reach the zip layer;
// - anything else, a bundle of XML parts separated by NUL bytes, zipped here with valid CRCs, so mutations
//   reach the XML handlers instead of dying at the zip's checksum. Part i goes to `bundlePaths[i]`
//   (then `xl/worksheets/sheetN.xml`); an empty part is left out of the zip.
private let bundlePaths = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"]
private let maxBundleParts = 10

/// A stored (uncompressed) zip of `parts`: local headers, central directory, end record.
private func storedZip(_ parts: [(path: String, data: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [], central: [UInt8] = []
    func u16(_ v: Int, _ to: inout [UInt8]) { to += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func u32(_ v: UInt32, _ to: inout [UInt8]) { for s in [0, 8, 16, 24] { to.append(UInt8(v >> UInt32(s) & 0xFF)) } }
    for (path, data) in parts {
        let name = Array(path.utf8), offset = UInt32(out.count)
        let crc = Data(data).crc32(checksum: 0), size = UInt32(data.count)
        u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
        u32(crc, &out); u32(size, &out); u32(size, &out); u16(name.count, &out); u16(0, &out)
        out += name + data
        u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
        u16(0, &central); u16(0x21, &central); u32(crc, &central); u32(size, &central); u32(size, &central)
        u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
        u32(0, &central); u32(offset, &central)
        central += name
    }
    let centralOffset = UInt32(out.count)
    out += central
    u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(parts.count, &out); u16(parts.count, &out)
    u32(UInt32(central.count), &out); u32(centralOffset, &out); u16(0, &out)
    return out
}

/// The workbook bytes an input stands for (see the top of the file).
private func workbookBytes(_ input: [UInt8]) -> [UInt8] {
    if input.starts(with: [0x50, 0x4B]) { return input }
    let pieces = input.split(separator: 0, omittingEmptySubsequences: false).prefix(maxBundleParts)
    var parts: [(String, [UInt8])] = []
    for (i, piece) in pieces.enumerated() where !piece.isEmpty {
        parts.append((i < bundlePaths.count ? bundlePaths[i] : "xl/worksheets/sheet\(i - bundlePaths.count + 1).xml", Array(piece)))
    }
    return storedZip(parts)
}

/// A workbook as the pipeline sees it: a failure with a clerk's message, or sheets whose records have
/// rows numbered from 1 and no more cells than Excel's columns.
private func checkWorkbook(_ bytes: [UInt8]) -> XlsxWorkbook? {
    do {
        var book = try XlsxWorkbook(bytes: bytes, limits: .init(partBytes: 1 << 20, totalBytes: 4 << 20))
        for sheet in book.sheets {
            do {
                let records = try book.records(sheet, kind: XlsxWorkbook.kind(ofSheetNamed: sheet.name))
                for r in records {
                    precondition(r.line >= 1, "row numbers start at 1")
                    precondition(r.fields.count <= 16_384, "no more cells than Excel's columns")
                }
            } catch {
                precondition(!error.message("f.xlsx").isEmpty)
            }
        }
        return book
    } catch {
        precondition(!error.message("f.xlsx").isEmpty && !error.rule.isEmpty)
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubmissionWorkbook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = workbookBytes(Array(UnsafeBufferPointer(start: data, count: size)))
    let period = Period("2026-10")!
    guard let book = checkWorkbook(bytes) else { return 0 }

    // A whole submission workbook (`提交表.xlsx`), as the scan finds its datasets: one sheet per dataset,
    // two sheets for one dataset a conflict (neither read).
    let whole = FoundFile(name: "提交表.xlsx", path: "/nonexistent/提交表.xlsx", relativePath: "2026-10/V1/提交表.xlsx")
    var inputs: [FileKind: FileInput] = [:]
    for kind in FileKind.allCases {
        let named = book.sheets(for: kind)
        guard named.count == 1 else { continue }
        var file = whole
        file.sheet = named[0].name
        inputs[kind] = InputLoader.workbookInput(bytes, file, kind, period: period, folder: "V1")
    }
    validateFolder(inputs)

    // One dataset's workbook (`hazards.xlsx`): its named sheet, or else its first plain visible sheet.
    let kind = FileKind.allCases[size % FileKind.allCases.count]
    let single = FoundFile(name: kind.workbookFileName, path: "/nonexistent/" + kind.workbookFileName,
                           relativePath: "2026-10/V1/" + kind.workbookFileName)
    validateFolder([kind: InputLoader.workbookInput(bytes, single, kind, period: period, folder: "V1")])

    // What `inspect` shows must not trap either (one of the two names per input: each opening costs).
    let report = WorkbookInspectReport(bytes: bytes, fileName: size % 2 == 0 ? "提交表.xlsx" : kind.workbookFileName)
    _ = report.text
    _ = report.jsonLines
    return 0
}
