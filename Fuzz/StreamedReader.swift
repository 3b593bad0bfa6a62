// libFuzzer target: the streamed CSV reader (two passes over a real file, in pieces) against the whole-file reader.

#if canImport(Glibc)
import Glibc
#endif
@testable import SafetyReport

/// Small limits, so the limit paths (file size too) are reached by small inputs and fall across pieces.
private let tinyLimits = ReadLimits(maxFileBytes: 1 << 14, maxFieldCharacters: 64, maxColumns: 32, maxRecordBytes: 512)
/// Piece sizes beyond 1…64: around powers of two and the standard 256 KB (the whole input in one piece).
private let largerPieces = [65, 96, 127, 128, 129, 200, 255, 256, 257, 511, 512, 1000, 1024, 4095, 4096, 8192]

/// The first byte chooses the reading: bit 7 the limits (tiny or standard), bits 0–6 the piece size —
/// 0…63 pieces of 1…64 bytes, 64…111 the standard 256 KB, 112…127 one of `largerPieces`.
private func limits(for selector: UInt8) -> (base: ReadLimits, streamed: ReadLimits) {
    let base = selector & 0x80 != 0 ? tinyLimits : ReadLimits.standard
    let k = Int(selector & 0x7F)
    var streamed = base
    streamed.pieceBytes = k < 64 ? k + 1 : k < 112 ? ReadLimits.standard.pieceBytes : largerPieces[k - 112]
    return (base, streamed)
}

/// What a reader made of a file: the records (header and blank ones included) and how it read them.
private struct Reading: Equatable {
    var encoding: DetectedEncoding
    var separator: Separator
    var lineEndings: LineEndings
    var records: [RawRecord]
}

/// Where two readings first differ, short enough for a crash report.
private func difference(_ a: Result<Reading, ReadFailure>, _ b: Result<Reading, ReadFailure>) -> String {
    guard case .success(let x) = a, case .success(let y) = b else { return "whole: \(a)\nstreamed: \(b)" }
    if x.encoding != y.encoding { return "encoding: whole \(x.encoding), streamed \(y.encoding)" }
    if x.separator != y.separator { return "separator: whole \(x.separator), streamed \(y.separator)" }
    if x.lineEndings != y.lineEndings { return "line endings: whole \(x.lineEndings), streamed \(y.lineEndings)" }
    for (i, (r, s)) in zip(x.records, y.records).enumerated() where r != s {
        return "record \(i): whole \(String(describing: r).prefix(300)), streamed \(String(describing: s).prefix(300))"
    }
    return "records: whole \(x.records.count), streamed \(y.records.count)"
}

private func whole(_ bytes: [UInt8], _ limits: ReadLimits) -> Result<ParsedCSV, ReadFailure> {
    do { return .success(try SourceReader.read(bytes, limits: limits)) } catch { return .failure(error) }
}

/// Pass 2 of a surveyed stream, collected; a file with only blank records is `.empty`, as the whole-file reader says.
private func streamed(_ survey: CSVStream.Survey) -> Result<Reading, ReadFailure> {
    let stream: CSVStream
    switch survey.outcome {
    case .success(let s): stream = s
    case .failure(let failure): return .failure(failure)
    }
    var records: [RawRecord] = []
    do {
        let endings = try stream.forEachRecord { records.append($0) }
        precondition(records.count <= stream.recordEstimate, "recordEstimate \(stream.recordEstimate) below \(records.count) records")
        guard records.contains(where: { !$0.isBlank }) else { return .failure(.empty) }
        return .success(Reading(encoding: stream.encoding, separator: stream.separator, lineEndings: endings, records: records))
    } catch { return .failure(error) }
}

/// One file per process, in the system temp folder, rewritten for every input and removed at exit.
private let path: String = {
    let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    return "\(dir)/fuzz-streamed-reader-\(getpid()).csv"
}()

/// Registers the file's removal at exit, once (a crash leaves it: libFuzzer has saved the input by then).
private let removeAtExit: Void = { atexit { _ = unlink(path) } }()

private func writeFile(_ bytes: [UInt8]) {
    _ = removeAtExit
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    bytes.withUnsafeBytes { raw in
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fatalError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamedReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let (base, pieces) = limits(for: data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let label = "pieces of \(pieces.pieceBytes), \(base == tinyLimits ? "tiny" : "standard") limits"

    // The reference: the whole-file reader. Then the streamed one the way the pipeline reads a clerk's file.
    let reference = whole(bytes, base)
    let expected = reference.map { Reading(encoding: $0.encoding, separator: $0.separator, lineEndings: $0.lineEndings,
                                           records: Array($0.records)) }
    writeFile(bytes)
    let survey: CSVStream.Survey
    do {
        survey = try CSVStream.survey(path: path, limits: pieces)
    } catch {
        // Only the size cap may stop pass 1 on a regular file (InputLoader then reports `fileTooLarge`).
        guard case .tooLarge(let n) = error, n == bytes.count,
              expected == .failure(.fileTooLarge(bytes: n, limit: base.maxFileBytes)) else {
            fatalError("streamed reader: pass 1 failed (\(error)) where the whole-file reader gave \(expected); \(label)")
        }
        return 0
    }
    precondition(survey.bytes == bytes.count && survey.sha256 == SHA256.hexDigest(of: bytes), "pass 1's hash or size is wrong; \(label)")
    let fromFile = streamed(survey)
    if fromFile != expected {
        fatalError("streamed reader (file) differs from the whole-file reader, \(label): \(difference(expected, fromFile))")
    }
    // The same bytes given in memory go through the same pieces.
    let fromMemory = streamed(CSVStream.survey(bytes: bytes, limits: pieces))
    if fromMemory != expected {
        fatalError("streamed reader (memory) differs from the whole-file reader, \(label): \(difference(expected, fromMemory))")
    }

    // Validation both ways, as InputLoader hands the file on: the same results, every row accounted for.
    // The town's issues spill after three, so the spilled list is compared too.
    let spill = IssueSpill(threshold: 3)
    for i in fuzzContexts.indices {
        var ctx = fuzzContexts[i]
        if i == 1 { ctx.issueSpill = spill }
        func rejected(_ failure: ReadFailure) -> FileInput {
            .unreadable(fileName: "f.csv", issue: ValidationIssue(.error, period: ctx.period, folder: ctx.folder, file: "f.csv",
                                                                  line: failure.line, rule: failure.rule, message: failure.message))
        }
        let a: FileInput, b: FileInput
        switch reference {
        case .success(let parsed): a = .parsed(fileName: "f.csv", parsed)
        case .failure(let failure): a = rejected(failure)
        }
        switch survey.outcome {
        case .success(let stream): b = .streamed(fileName: "f.csv", stream)
        case .failure(let failure): b = rejected(failure)
        }
        let known = ["H1": Day(year: 2026, month: 9, day: 1)!]
        let hazards = (Validator.hazards(a, ctx, known: known), Validator.hazards(b, ctx, known: known))
        if hazards.0 != hazards.1 { fatalError("hazards validated differently streamed, \(label), context \(i)") }
        checkAccounting(hazards.1, a) { $0.line }
        let trainings = (Validator.trainings(a, ctx), Validator.trainings(b, ctx))
        if trainings.0 != trainings.1 { fatalError("trainings validated differently streamed, \(label), context \(i)") }
        checkAccounting(trainings.1, a) { $0.line }
    }
    precondition(spill.failure == nil, "issue spill failed: \(spill.failure ?? "")")
    return 0
}
