// The readers under test, each behind the same shape: bytes in, two timed stages, records out.
import SafetyReport

/// What one run of a reader produced. `decode` is the time to get from bytes to what the
/// parser takes (our UTF-8 bytes, or the library's `String`); `parse` is the rest.
struct Run {
    var records: [[String]]
    /// Start line of every record, when the reader reports it.
    var lines: [Int]?
    var decode: Duration
    var parse: Duration
}

enum ReaderError: Error, CustomStringConvertible {
    case rejected(String)
    case failed(String)
    var description: String {
        switch self {
        case .rejected(let s): "rejected: \(s)"
        case .failed(let s): "threw: \(s)"
        }
    }
}

struct Reader: Sendable {
    var name: String
    var run: @Sendable ([UInt8]) throws(ReaderError) -> Run

    static let all: [Reader] = [ours, swiftCSV, csvSwiftString, csvSwiftStream]

    /// SafetyReport's own path, stage by stage exactly as `SourceReader.read` does it.
    static let ours = Reader(name: "SafetyReport (ours)") { bytes throws(ReaderError) in
        let clock = ContinuousClock()
        let t0 = clock.now
        let text: DecodedText
        do throws(ReadFailure) { text = try TextDecoding.decode(bytes) } catch { throw .rejected(error.rule) }
        let t1 = clock.now
        let separator = CSVParser.detectSeparator(text.utf8)
        let records: [RawRecord]
        do throws(ReadFailure) { records = try CSVParser.parse(text.utf8, separator: separator).records } catch { throw .rejected(error.rule) }
        let t2 = clock.now
        return Run(records: records.map(\.fields), lines: records.map(\.line), decode: t1 - t0, parse: t2 - t1)
    }

    /// Libraries take a `String`: the bytes go through our decoding (the libraries have no
    /// GB18030, no BOM/NUL/spreadsheet checks, and must never see replacement characters).
    static func decodedString(_ bytes: [UInt8]) throws(ReaderError) -> String {
        do throws(ReadFailure) { return String(decoding: try TextDecoding.decode(bytes).utf8, as: UTF8.self) } catch { throw .rejected(error.rule) }
    }
}
