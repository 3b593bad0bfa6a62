// Reads found files into FileInputs (the I/O edge of the reading stage), hashing each for the manifest.

import Foundation

/// An input file the report depended on, for the manifest and stale detection.
public struct InputRecord: Sendable, Equatable, Hashable, Codable {
    public var path: String
    public var sha256: String
    public var bytes: Int
}

/// Reads files and remembers what it read. Not shared between threads.
public struct InputLoader: Sendable {
    public private(set) var records: [InputRecord] = []
    public init() {}

    /// The file as validation sees it: missing, unreadable (with its issue), or parsed.
    public mutating func load(_ folder: ScannedFolder?, _ kind: FileKind, period: Period) -> FileInput {
        guard let folder else { return .missing }
        if let issue = folder.unreadable[kind] { return .unreadable(fileName: issue.file, issue: issue) }
        guard let file = folder.files[kind] else { return .missing }
        let bytes: [UInt8]
        do {
            bytes = try Self.readBytes(file.path)
        } catch {
            return .unreadable(fileName: file.name, issue: ValidationIssue(.error, period: period, folder: folder.code,
                file: file.name, rule: "file.unreadable",
                message: "「\(file.name)」无法读取（\(error.localizedDescription)），按未报送处理。请重新保存后报送。"))
        }
        if !records.contains(where: { $0.path == file.relativePath }) {  // a workbook is read once per dataset sheet
            records.append(InputRecord(path: file.relativePath, sha256: SHA256.hexDigest(of: bytes), bytes: bytes.count))
        }
        if file.name.lowercased().hasSuffix(".xlsx") { return Self.workbookInput(bytes, file, kind, period: period, folder: folder.code) }
        do {
            return .parsed(fileName: file.name, try SourceReader.read(bytes))
        } catch {
            return .unreadable(fileName: file.name, issue: ValidationIssue(.error, period: period, folder: folder.code,
                file: file.name, line: error.line, rule: error.rule, message: error.message))
        }
    }

    public static func readBytes(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return [UInt8](data)
    }
}
