// The eleventh reading pass: a training row of plain cells read whole from its bytes, the exact enumeration names by
// length and words, the spill written and read without an array's copy or zero fill, the fingerprint in four lanes;
// each against the path it stands beside or replaces.
import Foundation
import Testing
@testable import SafetyReport

private let village = ByteCellFixture.village
private let context = ByteCellFixture.context
private let townContext = ValidationContext(period: context.period, folder: ByteCellFixture.config.town.code,
                                            submitter: .town, config: ByteCellFixture.config)

private func withRecord<R>(_ fields: [String], _ body: (RecordBytes) -> R) -> R {
    RawRecords([RawRecord(line: 7, fields: fields)]).withRecordBytes(0, body)
}

/// A trainings frame whose header holds `keys` in that order (the others absent).
private func frame(_ keys: [String], context: ValidationContext, byteLevel: Bool = true) -> RowCells.Frame {
    let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
    return RowCells.Frame(mapping: mapping, schema: FileKind.trainings.schema, context: context, fileName: "trainings.csv",
                          byteLevel: byteLevel)
}

private func bytes(of draft: TrainingDraft) -> [UInt8] { var out: [UInt8] = []; draft.encode(&out); return out }

/// Cells for each column around the plain shapes: exact labels and keys, near misses, spaces, full-width forms.
private let dateCells = ["2026-10-3", "2026-10-31", "2026/10/5", "2026.10.05", "2026-10-32", "2026-11-1", "2026-09-30", "2026-10-05 ",
                         " 2026-10-05", "2026年10月5日", "２０２６－１０－０５", "20261005", "2026-1-5", "", "x", "2026-10-3\u{3000}"]
private let groupCells = ["", "G01", "330683105201-01", "g01", "G99", " ", "\u{3000}"]
private let formCells: [String] = EnumKind.trainingForm.choices.flatMap { [$0.label, $0.key] }
    + ["", " 培训", "培训 ", "Training", "TRAINING", "培", "培训训", "trainin", "trainings", "ＴＲＡＩＮＩＮＧ", "bulletin_boar", "bulletin_board ", "x"]
private let themeCells = ["x", "安全生产月", "", " ", " x", "x ", "\u{3000}防火\u{3000}", "a\r\nb", "\u{FEFF}x", String(repeating: "长", count: 40)]
private let audienceCells: [String] = [""] + EnumKind.audience.choices.flatMap { [$0.label, $0.key] }
    + ["Residents", " 居民", "居", "students ", "x"]
private let countCells = ["1", "0", "12", "2310", "2311", "999999999999999", "1234567890123456", "", "-1", "+1", "1,234", " 1", "１", "1.0", "x"]
private let hoursCells = ["", "1.5", "2", " ", "x"]

@Suite struct ReadingEleventhPassTests {
    /// `plainTraining` takes a row only where the general path accepts it with no issue, and then gives the same draft
    /// and the same spilled bytes; and it takes every row of plain cells (so the fast path is really the one taken).
    @Test func plainTrainingAgreesWithTheGeneralPath() {
        let allKeys = FileKind.trainings.schema.columns.map(\.key)
        let headers = [allKeys, ["activity_date", "form", "theme", "participants"], allKeys.reversed(),
                       ["theme", "participants", "activity_date", "form", "materials", "audience"]]
        var random = SeededRandom(state: 0x11e1)
        func pick(_ cells: [String]) -> String { cells[Int(random.next() % UInt64(cells.count))] }
        var plainRows = 0, generalRows = 0
        for ctx in [context, townContext] {
            let population: Int? = if case .village(let v) = ctx.submitter { v.population } else { nil }
            for keys in headers {
                let f = frame(keys, context: ctx)
                for round in 0..<2500 {
                    var values: [String: String] = [:]
                    // Mostly plain rows, now and then one cell from anywhere.
                    values["activity_date"] = round % 3 == 0 ? pick(dateCells) : pick(Array(dateCells.prefix(4)))
                    values["group_code"] = round % 5 == 0 ? pick(groupCells) : ""
                    values["form"] = round % 4 == 0 ? pick(formCells) : pick(Array(formCells.prefix(16)))
                    values["theme"] = round % 4 == 1 ? pick(themeCells) : pick(Array(themeCells.prefix(2)))
                    values["audience"] = pick(audienceCells)
                    values["participants"] = round % 3 == 1 ? pick(countCells) : pick(Array(countCells.prefix(4)))
                    values["hours"] = round % 7 == 0 ? pick(hoursCells) : ""
                    values["materials"] = round % 2 == 0 ? pick(countCells) : ""
                    var fields = keys.map { values[$0] ?? "" }
                    if round % 11 == 0 { fields.removeLast(Int(random.next() % 3)) }   // short rows
                    withRecord(fields) { record in
                        let plain = RowCells(record: record, frame: f).plainTraining(population: population)
                        var general = RowCells(record: record, frame: f)
                        var draft: TrainingDraft?
                        Validator.generalTrainingDraft(&general, population: population, into: &draft)
                        guard let plain else { generalRows += 1; return }   // declined: the general path decides
                        plainRows += 1
                        #expect(general.issues.isEmpty && !general.hasError, "taken, but the general path has issues: \(fields)")
                        guard let draft else { Issue.record("taken, but the general path rejects it: \(fields)"); return }
                        #expect(plain.draft.row == draft.row, "\(fields)")
                        var out: [UInt8] = []
                        plain.encode(into: &out)
                        #expect(out == bytes(of: draft), "\(fields)")
                        var p = 0
                        #expect(RowCoder.trainings.decode(out, &p) == draft.row && p == out.count)
                    }
                }
            }
        }
        #expect(plainRows > 1500 && generalRows > 3000, "\(plainRows) plain, \(generalRows) general")
    }

    /// The typical rows are read whole: every form and audience written as a label or key, with or without materials.
    @Test func plainRowsAreTakenWhole() {
        let keys = FileKind.trainings.schema.columns.map(\.key)
        let f = frame(keys, context: context)
        for (o, form) in EnumKind.trainingForm.choices.enumerated() {
            for name in [form.label, form.key] {
                for (a, audience) in ([("", "")] + EnumKind.audience.choices.map { ($0.key, $0.label) }).enumerated() {
                    for materials in ["", "3"] {
                        let values = ["activity_date": "2026-10-3", "form": name, "theme": "x", "participants": "1",
                                      "audience": a % 2 == 0 ? audience.1 : audience.0, "materials": materials]
                        withRecord(keys.map { values[$0] ?? "" }) { record in
                            let plain = RowCells(record: record, frame: f).plainTraining(population: 2310)
                            #expect(plain?.form == UInt8(o))
                            #expect(plain?.audience == UInt8(a))
                            #expect(plain?.materials == (materials.isEmpty ? nil : 3))
                            #expect(plain?.line == 7 && plain?.participants == 1 && plain?.date == Day(year: 2026, month: 10, day: 3))
                        }
                    }
                }
            }
        }
        // The String path (tests) never takes it, nor a row above the population (its warning is the general path's).
        withRecord(["2026-10-3", "", "培训", "x", "", "1", "", ""]) { record in
            #expect(RowCells(record: record, frame: frame(keys, context: context, byteLevel: false)).plainTraining(population: nil) == nil)
        }
        withRecord(["2026-10-3", "", "培训", "x", "", "2311", "", ""]) { record in
            #expect(RowCells(record: record, frame: f).plainTraining(population: 2310) == nil)
            #expect(RowCells(record: record, frame: f).plainTraining(population: 2311) != nil)
        }
    }

    /// `plainInspection` takes a row only where the general path accepts it with no issue, and then gives the same draft
    /// and spilled bytes; the typical row is taken.
    @Test func plainInspectionAgreesWithTheGeneralPath() {
        let allKeys = FileKind.inspections.schema.columns.map(\.key)
        let headers = [allKeys, ["inspection_date", "inspector", "hazards_found"], allKeys.reversed()]
        let inspectorCells = ["张三1", "李四", "", " ", " 张三", "张三 ", "\u{3000}张三", "a\r\nb", String(repeating: "王", count: 30)]
        let scopeCells = ["", "全村", " ", " 全村", "全村\u{00A0}", "x"]
        var random = SeededRandom(state: 0x1e5)
        func pick(_ cells: [String]) -> String { cells[Int(random.next() % UInt64(cells.count))] }
        var plainRows = 0, generalRows = 0
        for ctx in [context, townContext] {
            for keys in headers {
                let mapping = ColumnMapping(index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
                let f = RowCells.Frame(mapping: mapping, schema: FileKind.inspections.schema, context: ctx, fileName: "inspections.csv")
                for round in 0..<2500 {
                    var values: [String: String] = [:]
                    values["inspection_date"] = round % 3 == 0 ? pick(dateCells) : pick(Array(dateCells.prefix(4)))
                    values["group_code"] = round % 5 == 0 ? pick(groupCells) : ""
                    values["inspector"] = round % 3 == 1 ? pick(inspectorCells) : pick(Array(inspectorCells.prefix(2)))
                    values["scope"] = pick(scopeCells)
                    values["hazards_found"] = round % 3 == 2 ? pick(countCells) : pick(Array(countCells.prefix(4)))
                    var fields = keys.map { values[$0] ?? "" }
                    if round % 11 == 0 { fields.removeLast(Int(random.next() % 3)) }
                    withRecord(fields) { record in
                        let plain = RowCells(record: record, frame: f).plainInspection()
                        var general = RowCells(record: record, frame: f)
                        var rows = AcceptedRows<InspectionRow>(spill: nil, coder: nil)
                        Validator.inspectionDraft(&general, into: &rows)
                        guard let plain else { generalRows += 1; return }
                        plainRows += 1
                        #expect(general.issues.isEmpty && !general.hasError, "taken, but the general path has issues: \(fields)")
                        #expect(rows.count == 1 && rows.first == plain.draft.row, "\(fields)")
                        var out: [UInt8] = [], expected: [UInt8] = []
                        plain.encode(into: &out)
                        plain.draft.encode(&expected)
                        #expect(out == expected, "\(fields)")
                        if let row = rows.first { expected = []; InspectionDraft(row).encode(&expected); #expect(out == expected) }
                    }
                }
            }
        }
        #expect(plainRows > 1500 && generalRows > 3000, "\(plainRows) plain, \(generalRows) general")
        let f = RowCells.Frame(mapping: ColumnMapping(index: Dictionary(uniqueKeysWithValues: allKeys.enumerated().map { ($1, $0) })),
                               schema: FileKind.inspections.schema, context: context, fileName: "inspections.csv")
        withRecord(["2026-10-3", "", "张三1", "", "0"]) { record in
            let plain = RowCells(record: record, frame: f).plainInspection()
            #expect(plain?.hazardsFound == 0 && plain?.date == Day(year: 2026, month: 10, day: 3) && plain?.inspector.count == 7)
        }
    }

    /// `ExactNames.ordinal` finds what the general path's first loop finds (the first choice whose label or key is the
    /// cell's bytes) for every label and key of every kind and near misses of every length; nil for the rest.
    @Test func exactNamesFindWhatTheScanFinds() {
        let kinds: [EnumKind] = [.hazardCategory, .hazardLevel, .hazardStatus, .partyType, .trainingForm, .audience]
        for kind in kinds {
            let names = kind.namesAsBytes
            let exact = ExactNames(kind)
            var probes: [[UInt8]] = []
            for n in names {
                for b in [n.label, n.key] {
                    probes.append(b)
                    probes.append(Array(b.dropLast())); probes.append(Array(b.dropFirst())); probes.append(b + [0x20])
                    probes.append([0x20] + b); probes.append(b.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 })
                    for k in 0..<b.count { var c = b; c[k] ^= 0x01; probes.append(c) }
                }
            }
            for n in 0...20 { probes.append(Array(repeating: 0x61, count: n)); probes.append((0..<n).map { UInt8(0x30 + $0 % 10) }) }
            for probe in probes {
                let expected = names.firstIndex { $0.label == probe || $0.key == probe }
                let found = probe.withUnsafeBufferPointer { exact.ordinal($0) }
                if let found {
                    #expect(found == expected, "\(kind) \(probe)")
                } else if let expected {
                    // Only a name longer than 16 bytes is left to the general path.
                    #expect(probe.count > 16, "\(kind) \(probe) is choice \(expected)")
                }
            }
        }
        // The cell is read only inside its bytes: a name at the very end of an allocation of its own size.
        for name in EnumKind.trainingForm.choices.map(\.label) {
            let bytes = Array(name.utf8)
            let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
            defer { p.deallocate() }
            _ = p.initialize(from: bytes)
            #expect(ExactNames.trainingForms.ordinal(UnsafeBufferPointer(p)) == EnumKind.trainingForm.choices.firstIndex { $0.label == name })
        }
    }

    /// The spill written from memory the caller holds and read into uninitialized room: chunks of every size read back
    /// as written, in any order; a read past the end fails (nil) and records the failure.
    @Test func spillReadsBackWhatWasWrittenFromMemory() throws {
        let spill = IssueSpill()
        var random = SeededRandom(state: 0x5b1)
        var written: [(offset: Int64, bytes: [UInt8])] = []
        for size in [1, 2, 7, 64, 4096, 70_000, 0, 3] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let offset = try #require(bytes.withUnsafeBytes { spill.append($0) })
            written.append((offset, bytes))
            #expect(spill.append(Array(bytes.reversed())) != nil)   // the array overload, between them
        }
        for (offset, bytes) in written.reversed() {
            #expect(spill.read(offset: offset, count: bytes.count) == bytes)
        }
        #expect(spill.failure == nil)
        let end = written.last!.offset + 10_000_000
        #expect(spill.read(offset: end, count: 5) == nil)
        #expect(spill.failure != nil)
    }

    /// The four-lane fingerprint is the same however the stream is cut (pieces of every size, words carried across
    /// pieces), and tells apart streams that differ in one byte, in two words swapped between lanes, or in length.
    @Test func fingerprintIsTheSameForEverySplitAndTellsChanges() {
        var random = SeededRandom(state: 0xf19)
        func fingerprint(_ bytes: [UInt8], pieces: Int) -> UInt64 {
            var f = Fingerprint(), start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + pieces)
                bytes[start..<end].withUnsafeBufferPointer { f.update($0) }
                start = end
            }
            return f.final
        }
        for round in 0..<300 {
            let bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next() % 7) }
            let whole = fingerprint(bytes, pieces: bytes.count + 1)
            for pieces in [1, 2, 3, 5, 8, 13, 31, 32, 33, 64] {
                #expect(fingerprint(bytes, pieces: pieces) == whole, "round \(round), pieces of \(pieces)")
            }
            if !bytes.isEmpty {
                var changed = bytes
                let k = Int(random.next() % UInt64(bytes.count))
                changed[k] ^= 0x40
                #expect(fingerprint(changed, pieces: 7) != whole)
                #expect(fingerprint(bytes + [0], pieces: 7) != whole)
                #expect(fingerprint(Array(bytes.dropLast()), pieces: 7) != whole)
            }
            if bytes.count >= 40 {
                var swapped = bytes
                let w0 = Array(bytes[0..<8]), w1 = Array(bytes[8..<16])
                if w0 != w1 {
                    swapped.replaceSubrange(0..<8, with: w1); swapped.replaceSubrange(8..<16, with: w0)
                    #expect(fingerprint(swapped, pieces: 9) != whole)
                }
            }
        }
    }
}
