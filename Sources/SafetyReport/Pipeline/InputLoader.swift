// Reads found files into FileInputs (the I/O edge of the reading stage), hashing each for the manifest.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An input file the report depended on, for the manifest and stale detection.
public struct InputRecord: Sendable, Equatable, Hashable, Codable {
    public var path: String
    /// 64 lowercase hex digits (or `InputLoader.unreadSHA256`, or empty), made from `digest` on each call.
    public var sha256: String {
        get { digest.hex }
        set { digest = HexDigest(newValue) }
    }
    public var bytes: Int
    /// The SHA-256, as 32 bytes: a run holds every record to its end (see `HexDigest`).
    public var digest: HexDigest

    public init(path: String, sha256: String, bytes: Int) {
        self.path = path; self.digest = HexDigest(sha256); self.bytes = bytes
    }

    /// A record from a digest already kept as bytes.
    public init(path: String, digest: HexDigest, bytes: Int) {
        self.path = path; self.digest = digest; self.bytes = bytes
    }

    private enum CodingKeys: String, CodingKey { case path, sha256, bytes }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(path: try c.decode(String.self, forKey: .path), sha256: try c.decode(String.self, forKey: .sha256),
                  bytes: try c.decode(Int.self, forKey: .bytes))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path); try c.encode(sha256, forKey: .sha256); try c.encode(bytes, forKey: .bytes)
    }
}

/// Reads files and remembers what it read. Not shared between threads.
public struct InputLoader: Sendable {
    public private(set) var records: [InputRecord] = []
    /// Seconds spent and bytes read, for `run --timings`.
    public private(set) var cost = LoadCost()
    public let limits: ReadLimits
    /// Whether files are still opened with `O_NOATIME`: false after the first open refused it (files not owned by
    /// the user running the tool), so the rest are opened once each.
    private var noAtime = true
    public init(limits: ReadLimits = .standard) { self.limits = limits }

    /// The file as validation sees it: missing, unreadable (with its issue), a parsed workbook sheet, or a
    /// CSV file checked and hashed (pass 1) and ready to be streamed through validation (pass 2).
    public mutating func load(_ folder: ScannedFolder?, _ kind: FileKind, period: Period) -> FileInput {
        guard let folder else { return .missing }
        if let issue = folder.unreadable[kind] { return .unreadable(fileName: issue.file, issue: issue) }
        guard let file = folder.files[kind] else { return .missing }
        func rejected(_ failure: ReadFailure) -> FileInput {
            .unreadable(fileName: file.name, issue: ValidationIssue(.error, period: period, folder: folder.code,
                file: file.name, line: failure.line, rule: failure.rule, message: failure.message))
        }
        var clock = LoadCost.now()
        defer { cost.parse += LoadCost.since(&clock) }
        func tooLarge(_ size: Int) -> FileInput {
            // Still hashed (streamed, in bounded memory) so replacing it makes the report stale.
            let digest = (try? SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: file.path))) ?? ""
            records.append(InputRecord(path: file.relativePath, sha256: digest, bytes: size))
            return rejected(.fileTooLarge(bytes: size, limit: limits.maxFileBytes))
        }
        func unreadable(_ error: InputReadError) -> FileInput {
            // The scan leaves permissions to the open: a refused one reads as the scanner's own issue did.
            .unreadable(fileName: file.name, issue: InputScanner.unreadableFile(period, folder.code, file.name, why: error.chinese))
        }
        if file.name.lowercased().hasSuffix(".xlsx") {
            // A workbook is a zip: read whole (under the cap) and unpacked by its own bounded reader.
            let bytes: [UInt8]
            do {
                bytes = try Self.readInput(file.path, limit: limits.maxFileBytes)
                cost.read += LoadCost.since(&clock)
                cost.bytes += bytes.count
            } catch {
                if case .tooLarge(let size) = error { return tooLarge(size) }
                return unreadable(error)
            }
            if !records.contains(where: { $0.path == file.relativePath }) {  // a workbook is read once per dataset sheet
                records.append(InputRecord(path: file.relativePath, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count))
            }
            cost.hash += LoadCost.since(&clock)
            return Self.workbookInput(bytes, file, kind, period: period, folder: folder.code)
        }
        // A CSV file: pass 1 now (hash, encoding, separator; one piece in memory at a time), pass 2 while it
        // is validated (see CSVStream).
        let survey: CSVStream.Survey
        do {
            survey = try CSVStream.survey(path: file.path, limits: limits, noAtime: &noAtime)
        } catch {
            if case .tooLarge(let size) = error { return tooLarge(size) }
            return unreadable(error)
        }
        let total = LoadCost.since(&clock)
        cost.hash += survey.hashSeconds
        cost.parse += survey.checkSeconds
        cost.read += max(0, total - survey.hashSeconds - survey.checkSeconds)
        cost.bytes += survey.bytes
        if !records.contains(where: { $0.path == file.relativePath }) {  // as for workbooks: each path once
            records.append(InputRecord(path: file.relativePath, digest: survey.digest, bytes: survey.bytes))
        }
        switch survey.outcome {
        case .success(let stream): return .streamed(fileName: file.name, stream)
        case .failure(let failure): return rejected(failure)
        }
    }

    /// The `sha256` recorded for a CSV file no run has read whole: it changed between its two readings
    /// (`file.changed`) or its second reading failed (`file.unreadable`). Never a real digest, so the report
    /// stays stale (`status`, `run`) and no saved ledger state is keyed on it, until a run reads the file whole.
    public static let unreadSHA256 = "unread:changed"

    /// Corrects the record of `folder`'s `kind` file once validation has read it: pass 1's hash stands for
    /// bytes that were never used when the file was then rejected as changed while read or unreadable.
    public mutating func settle<Row>(_ folder: ScannedFolder?, _ kind: FileKind, _ input: FileInput, _ result: FileResult<Row>) {
        guard result.state == .rejected, let path = folder?.files[kind]?.relativePath,
              let i = records.firstIndex(where: { $0.path == path }) else { return }
        switch input {
        case .streamed:
            // A whole-file rejection of pass 2 is the file's only issue.
            guard result.issues.count == 1,
                  let rule = result.issues.first(where: { _ in true })?.rule,
                  rule == ReadFailure.changedWhileRead.rule || rule == ReadFailure.unreadable("").rule else { return }
        case .unreadable(_, let issue):
            guard issue.rule == ReadFailure.changedWhileRead.rule else { return }
        case .missing, .parsed:
            return
        }
        records[i].sha256 = Self.unreadSHA256
    }

    public static func readBytes(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return [UInt8](data)
    }

    /// Reads a clerk's file, refusing one larger than `limit` bytes without reading it. The size
    /// comes from the open descriptor and at most `limit + 1` bytes are ever read, so a file
    /// swapped or still growing after the scan cannot push more into memory; opening does not
    /// block on a FIFO swapped in after the scan, which is then refused as not a regular file.
    public static func readInput(_ path: String, limit: Int) throws(InputReadError) -> [UInt8] {
        let (fd, st) = try ChunkedFile.openRegularFile(path, limit: limit)
        defer { close(fd) }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: min(size, limit) + 1)
        var filled = 0
        while filled < bytes.count {
            let room = bytes.count - filled
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, room) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
            if n < room && filled == size { break }  // the end, as in ChunkedFile.read: no second read for the 0
            if filled == bytes.count && filled <= limit { bytes.append(contentsOf: [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count))) }
        }
        if filled > limit { throw .tooLarge(bytes: filled) }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

/// Where an InputLoader's time went: reading files, hashing them, decoding and parsing them.
public struct LoadCost: Sendable {
    public var read = 0.0, hash = 0.0, parse = 0.0
    public var bytes = 0
    public init() {}
    public static func + (a: LoadCost, b: LoadCost) -> LoadCost {
        var c = a; c.read += b.read; c.hash += b.hash; c.parse += b.parse; c.bytes += b.bytes; return c
    }
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    /// Seconds since `clock`, which is reset to now.
    static func since(_ clock: inout UInt64) -> Double {
        let t = now(); defer { clock = t }
        return Double(t - clock) / 1e9
    }
}
