// swiftcsv/SwiftCSV behind the benchmark's reader shape (its own file: its `CSV` class
// would clash with CSV.swift's module name `CSV`).
import SwiftCSV

extension Reader {
    /// `EnumeratedCSV(string:)` guesses the delimiter from the first line (comma, tab, semicolon).
    static let swiftCSV = Reader(name: "SwiftCSV 0.10.0") { bytes throws(ReaderError) in
        let clock = ContinuousClock()
        let t0 = clock.now
        let text = try decodedString(bytes)
        let t1 = clock.now
        let records: [[String]]
        do {
            let csv = try EnumeratedCSV(string: text, loadColumns: false)
            records = [csv.header] + csv.rows
        } catch {
            throw .failed("\(error)")
        }
        let t2 = clock.now
        return Run(records: records, lines: nil, decode: t1 - t0, parse: t2 - t1)
    }
}
