// yaslab/CSV.swift behind the benchmark's reader shape.
import CSV
import Foundation

extension Reader {
    /// `CSVReader(string:)` with its default delimiter: it has no separator detection.
    static let csvSwiftString = Reader(name: "CSV.swift 2.5.2 (String)") { bytes throws(ReaderError) in
        let clock = ContinuousClock()
        let t0 = clock.now
        let text = try decodedString(bytes)
        let t1 = clock.now
        var records: [[String]] = []
        do {
            let reader = try CSVReader(string: text)
            while let row = reader.next() { records.append(row) }
            if let error = reader.error { throw error }
        } catch {
            throw .failed("\(error)")
        }
        let t2 = clock.now
        return Run(records: records, lines: nil, decode: t1 - t0, parse: t2 - t1)
    }

    /// CSV.swift's own byte path (an in-memory stream, no file), decoding UTF-8 itself: it has
    /// no GB18030 codec, so this shows what it makes of a GB18030 file handed to it as is.
    static let csvSwiftStream = Reader(name: "CSV.swift 2.5.2 (UTF-8 bytes)") { bytes throws(ReaderError) in
        let clock = ContinuousClock()
        let t0 = clock.now
        let data = Data(bytes)
        let t1 = clock.now
        var records: [[String]] = []
        do {
            let reader = try CSVReader(stream: InputStream(data: data))
            while let row = reader.next() { records.append(row) }
            if let error = reader.error { throw error }
        } catch {
            throw .failed("\(error)")
        }
        let t2 = clock.now
        return Run(records: records, lines: nil, decode: t1 - t0, parse: t2 - t1)
    }
}
