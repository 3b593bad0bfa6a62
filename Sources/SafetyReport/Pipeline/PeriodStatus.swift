// `status`: every period with inputs or outputs, and whether its report is up to date, stale (and why) or never built.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state of one period's report against the current config and inputs.
public struct PeriodStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case upToDate
        /// Every reason, as `StaleCheck.reasons(of:)` gives them.
        case stale([Staleness])
        case neverBuilt
        /// An outputs/P folder without a readable manifest.json (not written by this tool, or damaged).
        case noManifest
    }
    public var period: Period
    public var state: State
    /// From the manifest, when there is one.
    public var builtAt: String?
    public var buildID: String?
    /// Superseded versions kept under outputs/P/history/, by build id.
    public var history: [String]

    /// One line: `2026-09  stale        inputs/2026-09/V1/hazards.csv changed`.
    public var line: String {
        let p = period.description + "  "
        let kept = history.isEmpty ? "" : "; \(history.count) earlier version\(history.count == 1 ? "" : "s") in history/"
        switch state {
        case .upToDate: return p + "up to date   built \(builtAt ?? "?") (build \(buildID ?? "?"))" + kept
        case .stale(let why): return p + "stale        " + why.map(\.description).joined(separator: "; ") + kept
        case .neverBuilt: return p + "never built"
        case .noManifest: return p + "incomplete   outputs/\(period)/ has no readable manifest.json; run it again" + kept
        }
    }

    /// Every period with an inputs folder or an outputs folder, oldest first. Reads only; takes no lock.
    public static func all(config: PipelineConfig, configSHA256: String) -> [PeriodStatus] {
        let store = OutputStore(root: config.outputs)
        let built = ((try? FileManager.default.contentsOfDirectory(atPath: config.outputs.path)) ?? [])
            .compactMap { Period($0) }.filter(\.isSupported)
            .filter { var d: ObjCBool = false
                      return FileManager.default.fileExists(atPath: store.periodFolder($0).path, isDirectory: &d) && d.boolValue }
        let periods = Set(built).union(InputScanner(config: config).periods()).sorted()
        // Remembered hashes and listings are used but never saved: `status` writes nothing.
        var check = StaleCheck(config: config, configSHA256: configSHA256,
                               fileHashes: FileHashCache(outputs: config.outputs, inputs: config.inputs),
                               scans: InputScans(config: config, listings: RememberedListings(outputs: config.outputs)))
        return periods.map { p in
            let folder = store.periodFolder(p)
            guard FileManager.default.fileExists(atPath: folder.path) else {
                return PeriodStatus(period: p, state: .neverBuilt, history: [])
            }
            // Through the side file when it still vouches for manifest.json; `status` writes nothing.
            guard let m = ManifestIndex(outputs: config.outputs).read(p, save: false) else {
                return PeriodStatus(period: p, state: .noManifest, history: store.history(p))
            }
            let why = check.reasons(of: m)
            return PeriodStatus(period: p, state: why.isEmpty ? .upToDate : .stale(why), builtAt: m.builtAt,
                                buildID: m.buildID, history: store.history(p))
        }
    }
}

extension OutputStore {
    /// Folders left by interrupted runs (cleared by the next run or rebuild, under the lock).
    public func debris() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { $0.hasPrefix(".staging-") || $0.hasPrefix(".previous-") }.sorted()
    }

    /// The PID of the run building a leftover folder (`.staging-2026-10-<pid>`) when that run is still going: its
    /// process is alive and the lock file names it as the holder (a PID alone may have been reused). Reads only.
    public func liveRun(_ leftover: String) -> Int32? {
        guard let pid = leftover.split(separator: "-").last.flatMap({ Int32($0) }), pid > 0 else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        let fd = open(root.appendingPathComponent(".lock").path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 200)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 200) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self).hasPrefix("pid \(pid),") ? pid : nil
    }
}
