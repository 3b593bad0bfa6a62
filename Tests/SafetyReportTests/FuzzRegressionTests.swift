// What the fuzz targets (scripts/fuzz.sh) found, each as the smallest input that crashed the run before its fix.
import Foundation
import Testing
import ZIPFoundation
@testable import SafetyReport

/// A zip of raw parts (bytes as given, deflated), for parts that are not valid text.
private func zipOf(_ parts: [(String, [UInt8])], method: CompressionMethod = .deflate) throws -> [UInt8] {
    let archive = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
    for (path, bytes) in parts {
        let data = Data(bytes)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: method) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
    }
    return [UInt8](archive.data!)
}

private func workbookXML(_ sheet: String) -> [UInt8] {
    Array(#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\#(sheet)" sheetId="1" r:id="rId1"/></sheets></workbook>"#.utf8)
}
private let relsXML = Array(#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#.utf8)
private func sheetXML(_ rows: [UInt8], declaration: String = #"<?xml version="1.0" encoding="UTF-8"?>"#) -> [UInt8] {
    Array(#"\#(declaration)<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.utf8)
        + rows + Array("</sheetData></worksheet>".utf8)
}
private func oneSheet(_ rows: [UInt8], name: String = "排查记录",
                      declaration: String = #"<?xml version="1.0" encoding="UTF-8"?>"#,
                      method: CompressionMethod = .deflate) throws -> [UInt8] {
    try zipOf([("xl/workbook.xml", workbookXML(name)), ("xl/_rels/workbook.xml.rels", relsXML),
               ("xl/worksheets/sheet1.xml", sheetXML(rows, declaration: declaration))], method: method)
}

/// Little-endian field `width` bytes wide at `offset`.
private func field(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> Int {
    (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
}
private func setField(_ bytes: inout [UInt8], _ offset: Int, _ width: Int, _ value: Int) {
    for i in 0..<width { bytes[offset + i] = UInt8(value >> (8 * i) & 0xFF) }
}

@Suite struct FuzzRegressionTests {
    /// ZIPFoundation reads an in-memory zip through a file whose read traps once a seek has passed the end: a
    /// central directory (or a local header) placed beyond the bytes crashed the run (fuzz: SubmissionWorkbook,
    /// a template workbook with a mutated directory). It is now a broken workbook, as any unreadable zip.
    @Test func aZipWhoseDirectoryPointsPastItsEndIsRefusedNotACrash() throws {
        let good = try oneSheet(Array(#"<row r="1"><c r="A1" t="inlineStr"><is><t>排查日期</t></is></c></row>"#.utf8))
        #expect(ZipBounds.safe(good))
        #expect(try XlsxWorkbook(bytes: good).sheets.map(\.name) == ["排查记录"])
        let eocd = try #require((0...(good.count - 22)).reversed().first { field(good, $0, 4) == 0x0605_4B50 })
        let directory = field(good, eocd + 16, 4)

        var farDirectory = good
        setField(&farDirectory, eocd + 16, 4, good.count + 4096)
        var farHeader = good
        setField(&farHeader, directory + 42, 4, good.count + 1)  // the first entry's local header
        var hugeSize = good
        setField(&hugeSize, directory + 20, 4, 0x7FFF_FFFF)  // compressed size far past the end
        for bad in [farDirectory, farHeader, hugeSize] {
            #expect(!ZipBounds.safe(bad))
            #expect(throws: XlsxReadFailure.notWorkbook) { _ = try XlsxWorkbook(bytes: bad) }
            let report = WorkbookInspectReport(bytes: bad, fileName: "提交表.xlsx")
            #expect(report.failure == .notWorkbook && report.text.contains("file.xlsx_unreadable"))
        }
        // Every workbook we write passes the same check.
        let config = PipelineConfig(town: Town(code: "T1", name: "青石镇"),
                                    villages: [Village(code: "V1", name: "东湖村", population: 10, groups: [])], keyUnits: [])
        let template = try TemplateWorkbook.bytes(config, code: "V1")
        #expect(ZipBounds.safe(template))
    }

    /// swift-corelibs' XMLParser traps on an element name that is not UTF-8: `<\xE4ine` (fuzz: SubmissionWorkbook,
    /// minimised from a mutated hazards sheet). A part the parser takes as UTF-8 that is not is now a broken part
    /// naming its line.
    @Test func anElementNameThatIsNotUTF8IsABrokenPartNotACrash() throws {
        var book = try XlsxWorkbook(bytes: try oneSheet(Array("<row r=\"1\"/>\n<".utf8) + [0xE4] + Array("ine/>".utf8)))
        #expect(throws: XlsxReadFailure.malformedXML(part: "xl/worksheets/sheet1.xml", line: 2)) {
            _ = try book.records(book.sheets[0], kind: .inspections)
        }
        // The same in the workbook part fails the whole workbook.
        let badWorkbook = try zipOf([("xl/workbook.xml", [0x3C, 0xE4] + Array("ine/>".utf8))])
        #expect(throws: XlsxReadFailure.malformedXML(part: "xl/workbook.xml", line: 1)) { _ = try XlsxWorkbook(bytes: badWorkbook) }
        // Nor does declaring an encoding the parser does not know get past the check (found next: `encoding="UTFwu`,
        // unterminated, then `wi\xC1th` in a name).
        for declaration in [#"<?xml version="1.0" encoding="UTFwu><a wi"#, #"<?xml version="1.0" encoding="x-unknown"?><a wi"#] {
            let part = Array(declaration.utf8) + [0xC1] + Array("th/>".utf8)
            #expect(throws: XlsxReadFailure.malformedXML(part: "xl/workbook.xml", line: 1)) {
                _ = try XlsxWorkbook(bytes: try zipOf([("xl/workbook.xml", part)]))
            }
        }
        // A part that declares ISO-8859-1 is still read, converted by the parser as before.
        let latin1 = Array(#"<row r="1"><c r="A1" t="inlineStr"><is><t>"#.utf8) + [0x4D, 0xE4, 0x72, 0x7A] + Array("</t></is></c></row>".utf8)
        var converted = try XlsxWorkbook(bytes: try oneSheet(latin1, declaration: #"<?xml version="1.0" encoding="ISO-8859-1"?>"#))
        #expect(try converted.records(converted.sheets[0], kind: nil).map(\.fields) == [["März"]])
    }

    /// A part whose bytes do not match its CRC-32 (a damaged download or disk) is a broken part, not data: the
    /// bounded inflate that replaced archive.extract had dropped the check, and a stored sheet with one digit
    /// changed read as a different number (found by review).
    @Test func aPartWhoseChecksumDoesNotMatchIsRefused() throws {
        let rows = Array(#"<row r="1"><c r="A1"><v>12345</v></c></row>"#.utf8)
        for method in [CompressionMethod.none, .deflate] {
            let good = try oneSheet(rows, method: method)
            var intact = try XlsxWorkbook(bytes: good)
            #expect(try intact.records(intact.sheets[0], kind: nil).map(\.fields) == [["12345"]])
            // The sheet's CRC in its local header and in the directory, changed by one bit: as if its data were.
            var bad = good
            let eocd = try #require((0...(bad.count - 22)).reversed().first { field(bad, $0, 4) == 0x0605_4B50 })
            var entry = field(bad, eocd + 16, 4)
            for _ in 0..<2 { entry += 46 + field(bad, entry + 28, 2) + field(bad, entry + 30, 2) + field(bad, entry + 32, 2) }
            let local = field(bad, entry + 42, 4)
            setField(&bad, entry + 16, 4, field(bad, entry + 16, 4) ^ 1)
            setField(&bad, local + 14, 4, field(bad, local + 14, 4) ^ 1)
            var damaged = try XlsxWorkbook(bytes: bad)
            #expect(throws: XlsxReadFailure.missingPart("xl/worksheets/sheet1.xml"), "\(method)") {
                _ = try damaged.records(damaged.sheets[0], kind: nil)
            }
        }
        // And a stored sheet whose digit itself changed.
        var stored = try oneSheet(rows, method: .none)
        let at = try #require((0..<stored.count - 5).first { Array(stored[$0..<$0 + 5]) == Array("12345".utf8) })
        stored[at] = UInt8(ascii: "9")
        var changed = try XlsxWorkbook(bytes: stored)
        #expect(throws: XlsxReadFailure.missingPart("xl/worksheets/sheet1.xml")) { _ = try changed.records(changed.sheets[0], kind: nil) }
    }

    /// A row numbered Int.max followed by a row without `r` overflowed `lastRow + 1`. Rows outside Excel's
    /// 1…1,048,576 now make the sheet a broken part; the last real row still reads.
    @Test func aRowNumberBeyondExcelsLastRowIsABrokenSheetNotAnOverflow() throws {
        for rows in [#"<row r="9223372036854775807"/><row/>"#, #"<row r="0"/>"#, #"<row r="-3"/>"#, #"<row r="1048576"/><row/>"#] {
            var book = try XlsxWorkbook(bytes: try oneSheet(Array(rows.utf8)))
            #expect(throws: XlsxReadFailure.self, "\(rows)") { _ = try book.records(book.sheets[0], kind: nil) }
        }
        var last = try XlsxWorkbook(bytes: try oneSheet(Array(#"<row r="1048576"><c r="A1048576"><v>1</v></c></row>"#.utf8)))
        #expect(try last.records(last.sheets[0], kind: nil).map(\.line) == [1_048_576])
    }

    /// Through a whole run: each of the three files is one file-level error in its folder, and the others' rows still count.
    @Test func theFuzzFindingsAreFileIssuesAndTheRunGoesOn() throws {
        let town = try TownFixture()
        try town.fillSampleMonths()
        var farDirectory = try oneSheet(Array(#"<row r="1"/>"#.utf8))
        let eocd = try #require((0...(farDirectory.count - 22)).reversed().first { field(farDirectory, $0, 4) == 0x0605_4B50 })
        setField(&farDirectory, eocd + 16, 4, farDirectory.count + 4096)
        try town.writeBytes("inputs/2026-10/V2/提交表.xlsx", farDirectory)
        try town.writeBytes("inputs/2026-10/V2/hazards.xlsx", try oneSheet(Array("<".utf8) + [0xE4] + Array("ine/>".utf8), name: "Sheet1"))
        try town.writeBytes("inputs/2026-10/V2/trainings.xlsx", try oneSheet(Array(#"<row r="9223372036854775807"/><row/>"#.utf8), name: "Sheet1"))
        let report = ReportAssembler.assemble(config: try town.config, period: Period("2026-10")!).report
        let v2 = report.issues.filter { $0.folder == "V2" && $0.severity == .error }
        #expect(v2.contains { $0.file == "提交表.xlsx" && $0.rule == "file.xlsx_unreadable" && $0.message.contains("另存为") })
        #expect(v2.contains { $0.file == "hazards.xlsx" && $0.rule == "file.xlsx_unreadable" && $0.message.contains("第 1 行") })
        #expect(v2.contains { $0.file == "trainings.xlsx" && $0.rule == "file.xlsx_unreadable" })
        #expect(report.fileStats.first { $0.folder == "V1" && $0.kind == .inspections }?.rowsRead == 3)
    }

    /// ZIPFoundation's Linux inflate loop ignores the entry's size and, on a deflate stream that has not ended when
    /// the file does, reads empty chunks for ever: this workbook (the fuzz target's input, 2 kB, a mutated copy of
    /// a hand-made seed with two 排查记录 sheets) hung the run. Parts are now inflated with a provider that stops
    /// at the entry's compressed size, so it reads as a broken part. The time limit only turns a hang into a failure.
    @Test(.timeLimit(.minutes(1))) func aDeflateStreamThatNeverEndsIsABrokenPartNotAHang() throws {
        let bytes = try #require(Data(base64Encoded: """
        UEsDBBQAAAAIAFWqfV0oaNbp2wAAAFABAAAPAAAAeGwvd29ya2Jvb2sueG1sjY89TsRADIWvMnLPTjYFQlGSbRBSOgo4wDBxNqPNjEf28HMKCiRq
        KlrEBTgOK47BkGXF0m1lW/b33nO9evCTukMWR6GB5aIAhcFS78K6geuri5MzWLX1PfHmhmij8nWQBsaUYqW12BG9kQVFDHkzEHuT8shrLZHR9DIi
        Jj/psihOtTcuwE6h4mM0aBicxXOytx5D2okwTiblrDK6KPCX7JJ1W8928ltVMB4b2D4+bV9ev97ePz+eQc2brs+fguLK5Ya7fgn6P9MFiWhnmwOk
        PEDKH0Tv/fQ+RfsNUEsDBBQAAAAIAFWqfV0LKniYpQAAAJsBAAAaAAAAeGwvX3JlbHMvd29ya2Jvb2sueG1sLnJlbHPFkMEOgjAMhl9l6QNQ4ODB
        MLh44Wp8gWUURmBsWafi27uYGCXh4M1T07/N1y+tmtXO4kaBR7dIKLIcmro606xiCtiMnkXaWFiCidEfEVkbsooz52lJk94Fq2Jqw4Be6UkNhGWe
        HzB8M2DLFG0nIbRdAeLy8PQL2/X9qOnk9NXSEndO4N2FiQ1RTFAVBooScJ0/MeOrFFkiA+4LlX8QKt9CuHl7/QRQSwMEFAAAAAgAVap9XY9POW5o
        AQAAMwMAABgAAAB4bC93b3Jrc2hlZXRzL3NoZWV0MS54bWx1k01OwzAQha8SmSVqbdckoMpxVdqyZEM5QEhNG9E4lW213AGJDYtKVCyQOAHLCsFl
        KD8rroCTIDcJqZRF7G/mvTejhHau46kz51JFifABbiLgcBEmo0iMfXA+PGkcgQ6ji0ReqQnn2jHlQvlgovWsDaEKJzwOVDOZcWHIZSLjQJujHEM1
        kzwYZU3xFLYQ8mAcRAIwmt31Ax0wKpOFI42tuQ3Tly4GjvaBMuc5QxTOGYXhHzsuMlxmvSJrlVm/yEiZDYrswDJoctlwxIYjeZlHUCVajxRk3Ip9
        ziIxjQQ/09LURIpRzT6e374el85mvfy+W1OoTU8KttlIZRqbKi1I7TIxU4FaHsQIegVjgy/+Lao+xsPtZrWq+ptSnvXvncLuViJTbLr1i3Ltotxs
        5JFN18CogQ6HCLWzp7I8d8eCfLyP6/bi5oMNSH0Mz8bwdgh/Pq3fX29+Xu5tNrfsk+vBwocK7R/AfgFQSwMEFAAAAAgAVap9XY9POW5oAQAAMwMA
        ABgAAAB4bC93b3Jrc2hlZXRzL3NoZWV0Mi54bWx1k01OwzAQha8SmSVqbdckoMpxVdqyZEM5QEhNG9E4lW213AGJDYtKVCyQOAHLCsFlKD8rroCT
        IDcJqZRF7G/mvTejhHau46kz51JFifABbiLgcBEmo0iMfXA+PGkcgQ6ji0ReqQnn2jHlQvlgovWsDaEKJzwOVDOZcWHIZSLjQJujHEM1kzwYZU3x
        FLYQ8mAcRAIwmt31Ax0wKpOFI42tuQ3Tly4GjvaBMuc5QxTOGYXhHzsuMlxmvSJrlVm/yEiZDYrswDJoctlwxIYjeZlHUCVajxRk3Ip9ziIxjQQ/
        09LURIpRzT6e374el85mvfy+W1OoTU8KttlIZRqbKi1I7TIxU4FaHsQIegVjgy/+Lao+xsPtZrWq+ptSnvXvncLuViJTbLr1i3Ltotxs5JFN18Co
        gQ6HCLWzp7I8d8eCfLyP6/bi5oMNSH0Mz8bwdgh/Pq3fX29+Xu5tNrfsk+vBwocK7R/AfgFQSwMEFAAAAAgAVap9XSPFPugfAQAA5AEAABQAAAB4
        bC9zaGFyZWRTdHJpbmdzLnhtbJWRz0rDQBDG7z7FMne7qaBISbaIoJ6kB714W5O1CTSbuLMpevTPRZBWBRVUaEF6z8GD1D5Ok+hbuLER8SL1NMw3
        32++gbGbR2GHdIXCIJIO1GsWECHdyAtk24HdnY3FVSCoufR4J5LCgWOB0GQLNqImBpXogK913KAUXV+EHGtRLKSZHEQq5Nq0qk0xVoJ76Auhww5d
        sqwVGvJAAnGjRGoHloEkMjhMNPp3z2wMmP0V0cCYuybZ7EChugJY3rvJB6P8fpQ/DWyqmU1L8x9AlvaLt/NiclcMT+YCZgnT8fgf7vfLs+zxZb57
        +tdFL/14uMpPn/Pb9DejDMayyXCmqkqYvl78CC2f4L4D5a9MqUNp2Nta296sLSzazb9Hm9gnUEsBAhQDFAAAAAgAVap9XSho1unbAAAAUAEAAA8A
        AAAAAAAAAAAAAIABAAAAAHhsL3dvcmtib29rLnhtbFBLAQIUAxQAAAAIAFWqfV0LKniYpQAAAJsBAAAaAAAAAAAAAAAAAACAAQgBAAB4bC9fcmVs
        cy93b3JrYm9vay54bWwucmVsc1BLAQIUAxQAAAAIAFWqfV2PTzluaAEAADMDAAAYAAAAAAAAAAAAAACAAeUBAAB4bC93b3Jrc2hlZXRzL3NoZWV0
        MS54bWxQSwECFAMUAAAACABVqn1dj085bmgBAAAzAwAAGAAAAAAAAAAAAAAAgAGDAwAAeGwvd29ya3NoZWV0cy9zaGVldDIueG1sUEsBAhQDFAAA
        AAgAVap9XSPFPugfAQAA5AEAABQAAAAAAAAAAAAAAIABIQUAAHhsL3NoYXJlZFN0cmluZ3MueG1sUEsFBgAAAAAFAAUAUwEAAHIGAAAAAA==
        """, options: .ignoreUnknownCharacters))
        var failures: [XlsxReadFailure] = []
        do {
            var book = try XlsxWorkbook(bytes: [UInt8](bytes))
            for sheet in book.sheets {
                do { _ = try book.records(sheet, kind: .inspections) } catch { failures.append(error) }
            }
        } catch { failures.append(error) }
        #expect(!failures.isEmpty)
        #expect(failures.allSatisfy { $0.rule == "file.xlsx_unreadable" }, "\(failures)")
    }

    /// The streamed reader reserves room for the accepted rows once, from pass 1's count of line breaks; it took
    /// max(LF, CR) + 1, which a file mixing CR LF, LF and lone CR exceeds (fuzz: StreamedReader, a demo hazards
    /// file with a lone CR and one LF among CR LFs, 7 records for an estimate of 6). Every break now counts once.
    @Test func theRecordEstimateCoversMixedLineEndings() throws {
        let found = try #require(Data(base64Encoded: """
            gu+7vyBIYXphcmRfSWQsRm91bmRfRGF0ZSAgLCBHcm91cF9Db2RlLENhdGVnb3J5ICAsIExldmVsLERlc2NyaXB0aW9uICAsIExv
            Y2F0aW9uLFJlc3BvbnNpYmxlICAsIERlYWRsaW5lLFN0YXR1cyAgLCBSZWN0aWZpZWRfRGF0ZSxFc2NhbGF0ZWQgICwgRXNjYWxh
            dGVkX1RvDQpZSDIwMjYwOS0wMDEsMjAyNi85LzIgMDowMCwsaG91c2luZyxnZW5lcmFsLOWxi+mhtueTpueJh+advuWKqO+8jOac
            ieWdoOiQvemjjumZqSznrKzkuIDmnZHmsJHlsI/nu4Q5aXYKMjAyNi8xMC83IDA6MDAsLGxlYWZsZXRzLOeUteWKqOi9pua2iOmY
            suWuieWFqOWuo+S8oCwsMjIwLCwzNTANCiwsLA0KWUgyMDI2MDktMDAyLDIwMjYvOS8xMiAwOjAwLCxlbGVjdHJpY2l0eSxnZW5l
            cmFsLCLkvY/miLflrqTlhoXnlLXnur/mnKrnqb/nrqHkv53miqQs5o+S5bqnIiLkuIDmi5blpJoiIiIs56ys5LqM5p2R5rCR5bCP
            57uEMTflj7cs5L2V6Z2ZLDIwMjYvMTAvNSAwOjAwLHJlY3RpZmllZCwsTiwNCiwsLCwsLCwsLCwsLA0q
            """, options: .ignoreUnknownCharacters))
        let cases: [([UInt8], Int?)] = [
            (Array(found.dropFirst()), nil),  // the fuzzer's first byte chose pieces of 3 and tiny limits
            (Array("h\r\n1\n2\r3\r\n4".utf8), 5),  // CR LF, LF, CR, CR LF: four breaks, five records
            (Array("h\r\n1\r\n2\r\n".utf8), 4),  // a CR LF is one break, not two
            (Array("h\r\n1\r\r\n".utf8), 4),  // a CR LF split by pieces of 1 and 3, a lone CR, a CR LF
        ]
        for (bytes, estimate) in cases {
            for piece in [1, 2, 3, 256 << 10] {
                let stream = try CSVStream.survey(bytes: bytes, limits: ReadLimits(pieceBytes: piece)).outcome.get()
                var records = 0
                _ = try stream.forEachRecord { _ in records += 1 }
                #expect(records <= stream.recordEstimate, "pieces of \(piece): \(records) records, estimate \(stream.recordEstimate)")
                if let estimate { #expect(stream.recordEstimate == estimate, "pieces of \(piece)") }
            }
        }
    }
}
