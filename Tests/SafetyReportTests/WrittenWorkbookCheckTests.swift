// WrittenWorkbookCheck: every workbook we write passes; a part cut short, as a full temp folder leaves it, is refused.

import Foundation
import Testing
import ZIPFoundation
@testable import SafetyReport

@Suite struct WrittenWorkbookCheckTests {
    /// A zip of the given parts, deflated as libxlsxwriter's are.
    private func zip(_ parts: [(String, String)]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        return [UInt8](archive.data!)
    }

    private let sheet = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
        \(String(repeating: "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>东湖村</t></is></c></row>", count: 400))\
        </sheetData></worksheet>

        """

    @Test func everyWorkbookTheToolWritesPasses() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        try TownWorkbook.write(report, to: dir + "/town.xlsx")  // charts, drawings, conditional formats
        try WrittenWorkbookCheck.verify(path: dir + "/town.xlsx")
        for v in report.villages {
            try VillageWorkbook.write(report, village: v, to: dir + "/\(v.village.code).xlsx")
            try WrittenWorkbookCheck.verify(path: dir + "/\(v.village.code).xlsx")
        }
    }

    @Test func completePartsPassWhateverTheirLength() throws {
        try WrittenWorkbookCheck.verify(bytes: zip([("[Content_Types].xml", "<?xml version=\"1.0\"?><Types></Types>"),
                                                    ("xl/worksheets/sheet1.xml", sheet)]))
    }

    @Test(arguments: [0, 1, 38, 4096, 8192])
    func aPartCutShortIsRefused(keep: Int) throws {
        // A full temp folder leaves a part empty, or ending at a buffer boundary (stdio writes 4 KB at a time).
        let cut = String(decoding: Array(sheet.utf8).prefix(keep), as: UTF8.self)
        let bytes = try zip([("[Content_Types].xml", "<?xml version=\"1.0\"?><Types></Types>"), ("xl/worksheets/sheet1.xml", cut)])
        #expect(throws: WrittenWorkbookCheck.Incomplete.self) { try WrittenWorkbookCheck.verify(bytes: bytes) }
        do { try WrittenWorkbookCheck.verify(bytes: bytes) } catch let e as WrittenWorkbookCheck.Incomplete {
            #expect(e.part == "xl/worksheets/sheet1.xml")
            #expect(e.description.contains("temporary folder full"))
        }
    }

    @Test func aPartEndingInAnotherElementIsRefused() throws {
        let bytes = try zip([("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook><sheets></sheets>")])
        #expect(throws: WrittenWorkbookCheck.Incomplete.self) { try WrittenWorkbookCheck.verify(bytes: bytes) }
    }

    /// The direct path (our own zips, zlib reused across parts) and the general one through ZIPFoundation give the
    /// same verdict on every case above, on a part stored rather than deflated, and on workbooks we write; the
    /// direct path declines (nil) only what it does not expect, and a zip cut anywhere is refused either way.
    @Test func theDirectPathAgreesWithTheGeneralOne() throws {
        func general(_ bytes: [UInt8]) -> WrittenWorkbookCheck.Verdict {
            do { try WrittenWorkbookCheck.verifyThroughArchive(bytes); return .complete } catch let e as WrittenWorkbookCheck.Incomplete {
                return .cutShort(e.part)
            } catch { return .cutShort("?") }
        }
        let types = ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types></Types>")
        var zips = [try zip([types, ("xl/worksheets/sheet1.xml", sheet)]),
                    try zip([("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook><sheets></sheets>")])]
        for keep in [0, 1, 38, 4096, 8192] {
            let cut = String(decoding: Array(sheet.utf8).prefix(keep), as: UTF8.self)
            zips.append(try zip([types, ("xl/worksheets/sheet1.xml", cut)]))
        }
        let stored = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
        for (path, text) in [types, ("xl/_rels/workbook.xml.rels", "<Relationships></Relationships>"), ("docProps/x.bin", "<a>")] {
            let data = Data(text.utf8)
            try stored.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        zips.append([UInt8](stored.data!))
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = WorkbookFixture.report()
        try TownWorkbook.write(report, to: dir + "/town.xlsx")
        try VillageWorkbook.write(report, village: report.villages[0], to: dir + "/village.xlsx")
        let town = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/town.xlsx")))
        zips += [town, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/village.xlsx")))]
        for (i, bytes) in zips.enumerated() {
            let direct = try #require(WrittenWorkbookCheck.directVerdict(bytes), "zip \(i)")
            #expect(direct == general(bytes), "zip \(i)")
        }
        #expect(WrittenWorkbookCheck.directVerdict(zips[0]) == .complete && WrittenWorkbookCheck.directVerdict(town) == .complete)
        #expect(WrittenWorkbookCheck.directVerdict(zips[1]) == .cutShort("xl/workbook.xml"))
        #expect(WrittenWorkbookCheck.directVerdict(zips[zips.count - 3]) == .complete)  // the stored parts
        // The town workbook cut at many places: refused (by either path), never accepted.
        for cut in stride(from: 0, to: town.count, by: max(1, town.count / 97)) {
            #expect(throws: WrittenWorkbookCheck.Incomplete.self) { try WrittenWorkbookCheck.verify(bytes: Array(town.prefix(cut))) }
        }
    }

    @Test func notAZipIsRefused() {
        #expect(throws: WrittenWorkbookCheck.Incomplete.self) { try WrittenWorkbookCheck.verify(bytes: Array("PK not a zip".utf8)) }
    }
}
