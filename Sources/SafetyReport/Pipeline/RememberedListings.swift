// Each registered folder's listing remembered with the folder's own stat, so an unchanged folder is not opened and listed again.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The entries of each registered folder of a period, remembered in `outputs/.state/listing-<period>.bin` with the
/// folder's own stat (device, inode, size, mtime and ctime in nanoseconds) and the moment it was listed.
///
/// A folder's mtime and ctime change whenever an entry is added to it, removed from it or renamed in or out of it
/// (and its ctime on any chmod or chown of it); a folder replaced by another has another inode. So a remembered
/// listing stands for the folder's entries — names and types — only when every one of those fields is equal **and**
/// the folder's mtime and ctime were older than the moment of listing by `margin` (the remembered hashes' "racy"
/// rule: an entry added in the same clock tick after the listing could keep the stat). It stands for nothing else:
/// every file the scan takes from it is still stat'ed (an edit in place changes no folder), and whether the folder
/// may be read is still asked of the kernel (`faccessat`), since the user running the tool may not be the one who
/// listed it. What it trusts is therefore what the remembered hashes already trust — a stat unchanged since a moment
/// at least `margin` after the last change — applied to a folder instead of a file.
///
/// Saved, like the remembered hashes, only by commands that hold the outputs lock; a missing or damaged file is no
/// memory. One file per period, rewritten (temp + rename) only when one of its folders was listed anew.
public final class RememberedListings: Sendable {
    /// What a listing came from, for `run --timings` and tests.
    public struct Counts: Sendable, Equatable {
        /// Folders whose remembered listing was believed (not opened), and folders opened and listed.
        public var believed = 0, listed = 0
    }

    struct Folder: Sendable {
        var stamp: FileStamp
        /// CLOCK_REALTIME in nanoseconds, taken before the folder was stat'ed and listed.
        var listedAt: Int64
        var entries: [DirectoryEntry]
    }

    private struct Table {
        var folders: [String: Folder] = [:]
        var dirty = false
    }

    private struct State {
        var tables: [Period: Table] = [:]
        var counts = Counts()
    }

    public let folder: URL
    let margin: Int64
    private let state = Locked(State())

    static let magic = "SRLISTING1\n"
    static let maxFileBytes = 512 << 20

    /// `margin` in seconds, as `FileHashCache`'s.
    /// `saveAsScanned`: a period's new listings are written as soon as it is scanned (by commands that hold the
    /// outputs lock and save anyway), not held until `save`: held for every month of a cold run, the tables added
    /// megabytes to the read stage's peak. `status` leaves it off: it writes nothing.
    public init(outputs: URL, margin: Double = 2, saveAsScanned: Bool = false) {
        folder = outputs.appendingPathComponent(".state")
        self.margin = Int64(margin * 1e9)
        self.saveAsScanned = saveAsScanned
    }

    let saveAsScanned: Bool

    public var counts: Counts { state.withLock { $0.counts } }

    /// The remembered entries of `code` in `period` when `stamp` (the folder's stat now) proves them current.
    /// `counting` false: not counted as believed (`countBelieved` counts them once they are used).
    func entries(_ period: Period, _ code: String, stamp: FileStamp, counting: Bool = true) -> [DirectoryEntry]? {
        let known = state.withLock { s -> Folder? in
            if s.tables[period] == nil { s.tables[period] = Table(folders: load(period)) }
            return s.tables[period]!.folders[code]
        }
        guard let known, trusts(known, stamp) else { return nil }
        if counting { countBelieved(1) }
        return known.entries
    }

    /// Counts `n` folders whose remembered listing was believed.
    func countBelieved(_ n: Int) { state.withLock { $0.counts.believed += n } }

    func trusts(_ f: Folder, _ now: FileStamp) -> Bool {
        now == f.stamp && f.stamp.mtime < f.listedAt - margin && f.stamp.ctime < f.listedAt - margin
    }

    /// Keeps a listing just taken (`stamp` and `listedAt` taken before it), to be written by `save`.
    func remember(_ period: Period, _ code: String, stamp: FileStamp, listedAt: Int64, entries: [DirectoryEntry]) {
        state.withLock { s in
            s.counts.listed += 1
            if s.tables[period] == nil { s.tables[period] = Table(folders: load(period)) }
            s.tables[period]!.folders[code] = Folder(stamp: stamp, listedAt: listedAt, entries: entries)
            s.tables[period]!.dirty = true
        }
    }

    /// Counts a folder listed without being remembered (no stat, or its listing failed).
    func countListed() { state.withLock { $0.counts.listed += 1 } }

    /// Lets go of `period`'s table once the period is scanned (a later scan of the period reads it again): held for
    /// every month of a long history, the tables added to the peak. A table with new listings is written first when
    /// `saveAsScanned`, else kept for `save`.
    func done(_ period: Period) {
        let unsaved = state.withLock { s -> Table? in
            guard let table = s.tables[period], table.dirty == false || saveAsScanned else { return nil }
            s.tables[period] = nil
            return table.dirty ? table : nil
        }
        if let unsaved { write(period, unsaved) }
    }

    /// Writes every period whose listings changed, and lets go of the tables (a later scan reads them again).
    /// Best effort: a file that cannot be written is simply not there next time.
    public func save() {
        let dirty = state.withLock { s in
            defer { s.tables.removeAll() }
            return s.tables.filter(\.value.dirty)
        }
        for (period, table) in dirty { write(period, table) }
    }

    /// Writes one period's listings (atomically, by rename); best effort.
    private func write(_ period: Period, _ table: Table) {
        var w = StateWriter()
        w.string(period.description)
        w.int(table.folders.count)
        for (code, f) in table.folders.sorted(by: { $0.key < $1.key }) {
            w.string(code)
            w.int(Int(bitPattern: UInt(f.stamp.dev))); w.int(Int(bitPattern: UInt(f.stamp.ino))); w.int(Int(f.stamp.size))
            w.int(Int(f.stamp.mtime)); w.int(Int(f.stamp.ctime)); w.int(Int(f.listedAt))
            w.int(f.entries.count)
            for e in f.entries { w.string(e.name); w.int(Int(e.type)); w.int(e.exact ? 1 : 0) }
        }
        StateFile.write(w.bytes, magic: Self.magic, to: url(period))
    }

    func url(_ p: Period) -> URL { folder.appendingPathComponent("listing-\(p).bin") }

    /// One period's remembered listings; empty when the file is missing, too large or damaged in any way.
    private func load(_ p: Period) -> [String: Folder] {
        // Read once into one buffer and decoded in place (no Data, no copy of the payload): a month's file is read by
        // every scan of it, two months at a time.
        guard let bytes = StateFile.read(url(p).path, maxBytes: Self.maxFileBytes),
              let start = StateFile.payloadStart(bytes, magic: Self.magic) else { return [:] }
        var r = StateReader(bytes: bytes)
        r.at = start
        guard r.string() == p.description, let count = r.int(), count >= 0, count <= r.remaining else { return [:] }
        var folders: [String: Folder] = [:]
        folders.reserveCapacity(count)
        for _ in 0..<count {
            guard let code = r.string(), let dev = r.int(), let ino = r.int(), let size = r.int(), let mtime = r.int(),
                  let ctime = r.int(), let listedAt = r.int(), let n = r.int(), n >= 0, n <= r.remaining else { return [:] }
            var entries: [DirectoryEntry] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                guard let name = r.string(), let type = r.int(), (0...255).contains(type), let exact = r.int() else { return [:] }
                entries.append(DirectoryEntry(name: name, type: UInt8(type), exact: exact == 1))
            }
            folders[code] = Folder(stamp: FileStamp(dev: UInt64(UInt(bitPattern: dev)), ino: UInt64(UInt(bitPattern: ino)),
                                                    size: Int64(size), mtime: Int64(mtime), ctime: Int64(ctime)),
                                   listedAt: Int64(listedAt), entries: entries)
        }
        return r.at == bytes.count ? folders : [:]
    }
}
