// manifest.json: what a period's report was built from and what it contains; also how staleness is judged.

import Foundation

public enum ToolInfo {
    public static let name = "safety-report"
    public static let version = "0.1.0"
}

/// The manifest of one built period. Everything but `builtAt` is a function of config and inputs.
public struct Manifest: Codable, Sendable, Equatable {
    public struct Tool: Codable, Sendable, Equatable { public var name: String; public var version: String }
    public struct Config: Codable, Sendable, Equatable { public var path: String; public var sha256: String }
    public struct Inputs: Codable, Sendable, Equatable {
        /// SHA-256 of the sorted list of entries under inputs/<q>/ for every q ≤ P.
        public var listingSHA256: String
        public var files: [InputRecord]
        enum CodingKeys: String, CodingKey { case listingSHA256 = "listing_sha256", files }
    }
    public struct Counts: Codable, Sendable, Equatable {
        public var rowsRead: Int, rowsAccepted: Int, rowsRejected: Int, filesRejected: Int, errors: Int, warnings: Int
        enum CodingKeys: String, CodingKey {
            case rowsRead = "rows_read", rowsAccepted = "rows_accepted", rowsRejected = "rows_rejected"
            case filesRejected = "files_rejected", errors, warnings
        }
    }
    public struct FileCount: Codable, Sendable, Equatable {
        public var folder: String, file: String, kind: String, state: String
        public var rowsRead: Int, rowsAccepted: Int, rowsRejected: Int
        enum CodingKeys: String, CodingKey {
            case folder, file, kind, state, rowsRead = "rows_read", rowsAccepted = "rows_accepted", rowsRejected = "rows_rejected"
        }
    }
    public struct Output: Codable, Sendable, Equatable { public var name: String; public var sha256: String; public var bytes: Int }

    public var tool: Tool
    public var period: String
    /// The one field that differs between identical rebuilds.
    public var builtAt: String
    public var config: Config
    public var inputs: Inputs
    public var counts: Counts
    public var files: [FileCount]
    public var outputs: [Output]

    enum CodingKeys: String, CodingKey { case tool, period, builtAt = "built_at", config, inputs, counts, files, outputs }

    public var json: [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try! enc.encode(self)) + [0x0A]
    }

    public static func read(_ url: URL) -> Manifest? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }

    public static func listingHash(_ listing: [String]) -> String {
        SHA256.hexDigest(of: Array(listing.joined(separator: "\n").utf8))
    }
}


/// Why an earlier period's report no longer matches its inputs.
public enum Staleness: Equatable, Sendable, CustomStringConvertible {
    case configChanged
    case filesAddedOrRemoved
    case fileChanged(String)
    case toolChanged(String)
    public var description: String {
        switch self {
        case .configChanged: "pipeline.json changed"
        case .filesAddedOrRemoved: "input files were added or removed"
        case .fileChanged(let p): "inputs/\(p) changed"
        case .toolChanged(let v): "built by version \(v)"
        }
    }
}

/// Judges whether built reports still match config and inputs. Each input file is hashed and each period
/// folder listed at most once per checker, so checking a year of reports costs one pass over the inputs.
public struct StaleCheck {
    public let config: PipelineConfig
    public let configSHA256: String
    private var listings: [Period: [String]] = [:]
    private var hashes: [String: String] = [:]
    private var periods: [Period]?

    public init(config: PipelineConfig, configSHA256: String) {
        self.config = config; self.configSHA256 = configSHA256
    }

    /// Nil when the period's report still matches config and inputs; else the first reason found.
    public mutating func staleness(of manifest: Manifest) -> Staleness? {
        if manifest.config.sha256 != configSHA256 { return .configChanged }
        if manifest.tool.version != ToolInfo.version { return .toolChanged(manifest.tool.version) }
        guard let period = Period(manifest.period) else { return .configChanged }
        let scanner = InputScanner(config: config)
        if periods == nil { periods = scanner.periods() }
        var listing: [String] = []
        for q in periods! where q <= period {
            if listings[q] == nil { listings[q] = scanner.scan(q).listing }
            listing += listings[q]!
        }
        if Manifest.listingHash(listing.sorted()) != manifest.inputs.listingSHA256 { return .filesAddedOrRemoved }
        for file in manifest.inputs.files where hash(file.path) != file.sha256 {
            return .fileChanged(file.path)
        }
        return nil
    }

    /// One report on its own.
    public static func staleness(of manifest: Manifest, config: PipelineConfig, configSHA256: String) -> Staleness? {
        var check = StaleCheck(config: config, configSHA256: configSHA256)
        return check.staleness(of: manifest)
    }

    /// SHA-256 of an input file, "" when it cannot be read (so it never matches a recorded hash).
    private mutating func hash(_ relativePath: String) -> String {
        if let known = hashes[relativePath] { return known }
        let digest = (try? SHA256.hexDigest(ofFileAt: config.inputs.appendingPathComponent(relativePath))) ?? ""
        hashes[relativePath] = digest
        return digest
    }
}
