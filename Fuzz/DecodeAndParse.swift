// libFuzzer target: any bytes through decoding and the CSV reader; checks the reader's invariants.

@testable import SafetyReport

/// Called by libFuzzer with each input. Traps (so libFuzzer saves the input) when an invariant breaks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecodeAndParse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits so the limit paths are reached by small inputs too.
    let limits = ReadLimits(maxFileBytes: 1 << 16, maxFieldCharacters: 64, maxColumns: 32, maxRecordBytes: 512)
    for l in [limits, ReadLimits.standard] {
        let parsed: ParsedCSV
        do { parsed = try SourceReader.read(bytes, limits: l) } catch {
            precondition(!error.message.isEmpty && !error.rule.isEmpty)
            if let line = error.line { precondition(line >= 1) }
            continue
        }
        // Start lines are 1-based and never go backwards; nothing is replaced or left as NUL.
        var previous = 0
        for record in parsed.records {
            precondition(record.line > previous, "record lines must increase")
            previous = record.line
            precondition(!record.fields.isEmpty)
            precondition(record.fields.count <= l.maxColumns)
            for field in record.fields {
                precondition(field.unicodeScalars.count <= l.maxFieldCharacters)
                precondition(!field.unicodeScalars.contains("\u{0}"))
            }
        }
        precondition(SourceReader.header(of: parsed) != nil)
        // Input that decoded as UTF-8 never gains a replacement character.
        if parsed.encoding == .utf8 || parsed.encoding == .utf8BOM {
            let inInput = String(decoding: bytes, as: UTF8.self).unicodeScalars.contains("\u{FFFD}")
            if !inInput { precondition(!parsed.records.contains { $0.fields.contains { $0.unicodeScalars.contains("\u{FFFD}") } }) }
        }
        // What `inspect` shows must not trap either.
        _ = InspectReport(bytes: bytes, fileName: "hazards.csv").text
        _ = InspectReport.jsonLines(parsed)
    }
    return 0
}
