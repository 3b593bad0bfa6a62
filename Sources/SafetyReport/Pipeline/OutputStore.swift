// The outputs folder: a lock against concurrent runs, and periods that appear atomically, whole or not at all.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum OutputError: Error, CustomStringConvertible, Sendable {
    /// Another run holds outputs/.lock (exit 4): the lock file's path and who holds it, as the holder wrote it.
    case locked(path: String, holder: String)
    /// Outputs could not be written (exit 1); the previous outputs are intact.
    case io(String)
    public var description: String {
        switch self {
        case .locked(let path, let holder):
            "another safety-report run (\(holder.isEmpty ? "holder not yet recorded" : holder)) holds the lock \(path); "
                + "try again when it has finished"
        case .io(let what): what
        }
    }
}

/// An exclusive advisory lock on `outputs/.lock`, released when the process ends — however it ends, so a
/// lock left by a killed run never blocks. The holder writes its PID and start time into the file, so the
/// run it keeps out can say who it is waiting for.
public final class OutputLock: @unchecked Sendable {
    private let fd: Int32
    public init(outputs: URL) throws(OutputError) {
        try OutputStore.makeFolder(outputs, what: "outputs folder")
        let path = outputs.appendingPathComponent(".lock").path
        // O_NOFOLLOW and the checks below: a symlink or hard link planted as outputs/.lock must never let the
        // holder's line (or the truncation in deinit) land on a file outside outputs/. O_NONBLOCK: a FIFO there
        // must not hang the run. `fd` is stored only once every check passed, so a refused lock never reaches
        // deinit (which truncates).
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        if fd < 0 {
            let why = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw .io("refusing the lock file \(path): \(why); remove it (safety-report recreates it) and run again")
        }
        var st = stat()
        if fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG || st.st_nlink != 1 {
            close(fd)
            let what = (st.st_mode & S_IFMT) != S_IFREG ? "it is not a regular file"
                : "it has \(st.st_nlink) hard links, so it may be a file outside outputs/"
            throw .io("refusing the lock file \(path): \(what); remove it (safety-report recreates it) and run again")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.readHolder(fd)
            close(fd)
            throw .locked(path: path, holder: holder)
        }
        let text = Array("pid \(getpid()), started \(Timestamp.local())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, text.count, 0) }
        self.fd = fd
    }
    private var released = false
    deinit { release() }

    /// Lets the lock go now (holder line truncated, unlocked, closed), as deinit does; for a process about to `exit`
    /// without tearing down its objects. Only the holding thread calls it, once or more.
    public func release() {
        if released { return }
        released = true
        _ = ftruncate(fd, 0); flock(fd, LOCK_UN); close(fd)
    }

    /// The holder's line, "" when it has not written it yet (it locks first, then writes).
    private static func readHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 200)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 200, 0) }
        guard n > 0 else { return "" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Writes a period's outputs into a hidden staging folder beside the final one, then swaps it in.
public struct OutputStore: Sendable {
    public let root: URL
    public init(root: URL) { self.root = root }

    public func periodFolder(_ p: Period) -> URL { root.appendingPathComponent(p.description) }

    /// `mkdir -p` that says which component failed and why (Foundation only says "error 512").
    static func makeFolder(_ url: URL, what: String) throws(OutputError) {
        var path = ""
        for component in url.standardizedFileURL.path.split(separator: "/") {
            path += "/" + component
            var st = stat()
            if stat(path, &st) == 0 {
                if (st.st_mode & S_IFMT) != S_IFDIR { throw .io("cannot create \(what) \(url.path): \(path) is a file, not a folder") }
                continue
            }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw .io("cannot create \(what) \(url.path): mkdir \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Periods that have a built report (a manifest), sorted.
    public func builtPeriods() -> [Period] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.compactMap { Period($0) }.filter(\.isSupported)
            .filter { FileManager.default.fileExists(atPath: periodFolder($0).appendingPathComponent("manifest.json").path) }
            .sorted()
    }

    /// A fresh staging folder (`outputs/.staging-P-pid`) on the same file system as the final one.
    public func makeStaging(_ p: Period) throws(OutputError) -> URL {
        let url = root.appendingPathComponent(".staging-\(p)-\(getpid())")
        Self.removeTree(url.path)
        try Self.makeFolder(root, what: "outputs folder")
        // A fresh folder of our own (mkdir fails on anything planted there since), so no write below follows a link.
        for dir in [url, url.appendingPathComponent("villages")] where mkdir(dir.path, 0o755) != 0 {
            throw .io("cannot create staging folder \(dir.path): \(String(cString: strerror(errno)))")
        }
        return url
    }

    /// Writes bytes to a file inside staging, flushed to disk.
    public static func write(_ bytes: [UInt8], to url: URL) throws(OutputError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 { throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(bytes, fd: fd, url: url)
        if fsync(fd) != 0 { throw .io("cannot flush \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Writes bytes to a new file inside staging and starts its writeback, without waiting for it: the run
    /// flushes every staged file at once with `flushAll` before the swap (one fsync per file as it was written
    /// made each wait for its own journal commit — about a second of wall time for 2,000 workbooks).
    public static func stage(_ bytes: [UInt8], to url: URL) throws(OutputError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 { throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(bytes, fd: fd, url: url)
        startWriteback(fd)
    }

    private typealias SyncFileRange = @convention(c) (Int32, Int, Int, UInt32) -> Int32
    /// sync_file_range(2), looked up at run time (Swift's Glibc module does not export it); nil elsewhere.
    private static let syncFileRange: SyncFileRange? = {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "sync_file_range") else { return nil }
        return unsafeBitCast(sym, to: SyncFileRange.self)
    }()

    /// Asks the kernel to start writing the file's dirty pages now (SYNC_FILE_RANGE_WRITE), so the final
    /// fsync finds them written and many files share one journal commit. A hint only: durability comes from
    /// `flushAll`, and a failure here is ignored.
    static func startWriteback(_ fd: Int32) {
        _ = syncFileRange?(fd, 0, 0, 2)
    }

    /// fsync of every file in `paths`, several at a time so that their journal commits are shared (a
    /// blocked fsync costs no CPU, hence more threads than cores). Throws the first failure, naming the file.
    public static func flushAll(_ paths: [String], threads: Int = 8) throws(OutputError) {
        guard !paths.isEmpty else { return }
        let next = Locked(0)
        let failure = Locked<OutputError?>(nil)
        let done = DispatchGroup()
        for _ in 0..<max(1, min(threads, paths.count)) {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                while failure.withLock({ $0 == nil }) {
                    let i = next.next()
                    if i >= paths.count { break }
                    do throws(OutputError) { try flush(paths[i]) } catch { failure.withLock { if $0 == nil { $0 = error } } }
                }
            }
            thread.start()
        }
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// fsync of outputs while the run goes on: the workbook workers hand each workbook over once it is written and
    /// checked, and a few threads (blocked in fsync most of the time, so more than the cores) flush them while the
    /// other workbooks are written. The run then flushes only the rest before the swap (`flushAll`), after `finish`
    /// has waited for these and thrown the first failure: every output is still durable before the swap, but the
    /// ~2,000 fsyncs no longer wait at the end of the run, on one thread's critical path.
    final class BackgroundFlush: @unchecked Sendable {
        private let condition = NSCondition()
        private var queue: [String] = []
        private var next = 0  // queue[next...] wait, oldest first (their writeback started first)
        private var flushed: [String] = []
        private var closed = false
        private var running = 0
        private var failure: OutputError?

        init(threads: Int = 4) {
            for _ in 0..<max(1, threads) {
                running += 1
                Thread { [self] in work() }.start()
            }
        }

        /// Flushes `path` (a file written whole) in the background.
        func add(_ path: String) {
            condition.lock()
            queue.append(path)
            condition.signal()
            condition.unlock()
        }

        private func work() {
            condition.lock()
            while true {
                while next == queue.count && !closed { condition.wait() }
                if next == queue.count { break }  // nothing left, and nothing more will come
                let path = queue[next]
                next += 1
                if failure != nil { continue }  // after a failure the run fails anyway: drain
                condition.unlock()
                var error: OutputError?
                do throws(OutputError) { try OutputStore.flush(path) } catch let e { error = e }
                condition.lock()
                if let error { if failure == nil { failure = error } } else { flushed.append(path) }
            }
            running -= 1
            condition.broadcast()
            condition.unlock()
        }

        /// Waits until every path handed over is flushed and the threads have ended; the paths flushed, or the first
        /// failure (naming the file).
        func finish() throws(OutputError) -> Set<String> {
            condition.lock()
            closed = true
            condition.broadcast()
            while running > 0 { condition.wait() }
            let result = failure.map { Result<Set<String>, OutputError>.failure($0) } ?? .success(Set(flushed))
            condition.unlock()
            return try result.get()
        }
    }

    /// Writes all of `bytes` to `fd` (the file at `url`, named in the error), retrying short writes and EINTR.
    static func writeAll(_ bytes: [UInt8], fd: Int32, url: URL) throws(OutputError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// fsync of a file or folder written by someone else (libxlsxwriter), so a crash after the swap
    /// cannot leave an empty file behind a committed name.
    public static func flush(_ path: String) throws(OutputError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io("cannot flush \(path): \(String(cString: strerror(errno)))") }
    }

    /// Puts staging in place of outputs/P in one step: an atomic exchange (renameat2) when the
    /// period exists, a rename when it does not. Readers never see a half-written period.
    public func commit(staging: URL, period p: Period) throws(OutputError) {
        let final = periodFolder(p)
        try Self.flush(staging.appendingPathComponent("villages").path)
        try Self.flush(staging.path)
        defer { try? Self.flush(root.path) }
        if FileManager.default.fileExists(atPath: final.path) {
            if Self.exchange(staging.path, final.path) {
                Self.removeTree(staging.path) // now holds the previous outputs
                return
            }
            // No renameat2 (old kernel or libc): move the old folder aside, then rename. A crash between
            // the two renames leaves the previous outputs whole in the `.previous-…` folder.
            let aside = root.appendingPathComponent(".previous-\(p)-\(getpid())")
            guard rename(final.path, aside.path) == 0 else { throw .io("cannot replace \(final.path): \(String(cString: strerror(errno)))") }
            guard rename(staging.path, final.path) == 0 else {
                _ = rename(aside.path, final.path)
                throw .io("cannot replace \(final.path): \(String(cString: strerror(errno)))")
            }
            Self.removeTree(aside.path)
        } else if rename(staging.path, final.path) != 0 {
            throw .io("cannot create \(final.path): \(String(cString: strerror(errno)))")
        }
    }

    /// True when the file system holding `path` has less than 64 KB left for us: how a failed
    /// workbook write is told apart as a full disk.
    public static func isNearlyFull(_ path: String) -> Bool {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return false }
        return UInt64(st.f_bavail) * UInt64(st.f_frsize) < 64 * 1024
    }

    /// Removes stale staging folders left by runs that were killed (under the lock, so none is live).
    public func sweepStaging() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for n in names where n.hasPrefix(".staging-") || n.hasPrefix(".previous-") {
            if n.hasPrefix(".previous-"), Self.isRealDirectory(root.appendingPathComponent(n).path),
               let p = Period(String(n.dropFirst(".previous-".count).prefix(7))),
               !FileManager.default.fileExists(atPath: periodFolder(p).path) {
                _ = rename(root.appendingPathComponent(n).path, periodFolder(p).path) // a crash mid-swap: restore
                continue
            }
            Self.removeTree(root.appendingPathComponent(n).path)
        }
        sweepStateTemporaries()
    }

    /// The side files' temporaries (`.state/.<name>.<pid>.tmp`) of runs that were killed before renaming them into
    /// place: a killed run's manifest side file is prepared before the swap, so its temporary can be megabytes.
    /// Only those of processes that no longer exist are removed (a `status` does not hold the lock).
    func sweepStateTemporaries() {
        let state = root.appendingPathComponent(".state")
        for n in (try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? [] where n.hasPrefix(".") && n.hasSuffix(".tmp") {
            let parts = n.dropLast(".tmp".count).split(separator: ".")
            guard let pid = parts.last.flatMap({ pid_t($0) }), pid > 0, pid != getpid(),
                  kill(pid, 0) == -1, errno == ESRCH else { continue }
            _ = unlink(state.appendingPathComponent(n).path)
        }
    }

    /// `rm -rf` that never follows a symlink: a link (or anything but a real folder) is unlinked itself, so a
    /// link planted in outputs/ can never make a sweep delete outside it.
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { _ = unlink(path); return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { removeTree(path + "/" + name) }
        _ = rmdir(path)
    }

    /// A folder itself, not a symlink to one.
    static func isRealDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Carries the period's history into staging before the swap, and keeps the version being replaced under
    /// `history/<supersededID>/` unless a copy of that build is already there. Files are hard links (outputs are
    /// never rewritten in place, only replaced), so history costs no space until the files it shares are
    /// replaced, and the previous outputs are not touched until the swap.
    public func carryHistory(into staging: URL, period p: Period, keepSupersededAs supersededID: String?) throws(OutputError) {
        let previous = periodFolder(p)
        let oldHistory = previous.appendingPathComponent(Self.historyFolder)
        let newHistory = staging.appendingPathComponent(Self.historyFolder)
        let fm = FileManager.default
        // Only our own folders are carried: a symlink planted as outputs/P or its history/ is not followed.
        guard Self.isRealDirectory(previous.path) else { return }
        if Self.isRealDirectory(oldHistory.path) { try Self.linkTree(oldHistory, to: newHistory, skip: []) }
        guard let id = supersededID else { return }
        let kept = newHistory.appendingPathComponent(id)
        guard !fm.fileExists(atPath: kept.path) else { return }
        try Self.linkTree(previous, to: kept, skip: [Self.historyFolder])
        try Self.flush(newHistory.path)
    }

    /// Superseded versions of a period, by build id.
    public func history(_ p: Period) -> [String] {
        let dir = periodFolder(p).appendingPathComponent(Self.historyFolder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    public static let historyFolder = "history"

    /// Recreates the tree at `from` under `to` with hard links (copies where the file system has none).
    private static func linkTree(_ from: URL, to: URL, skip: Set<String>) throws(OutputError) {
        let fm = FileManager.default
        do { try fm.createDirectory(at: to, withIntermediateDirectories: true) } catch {
            throw .io("cannot create \(to.path): \(error.localizedDescription)")
        }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: from.path).sorted() } catch {
            throw .io("cannot list \(from.path): \(error.localizedDescription)")
        }
        for name in names where !skip.contains(name) {
            let source = from.appendingPathComponent(name), target = to.appendingPathComponent(name)
            // lstat: a symlink found in the old outputs is not ours and is left behind, never followed.
            var st = stat()
            guard lstat(source.path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR { try linkTree(source, to: target, skip: []); continue }
            guard (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if link(source.path, target.path) == 0 { continue }
            let why = String(cString: strerror(errno))
            do { try fm.copyItem(at: source, to: target) } catch {
                throw .io("cannot keep \(source.path) in \(target.path): \(why); \(error.localizedDescription)")
            }
        }
        try flush(to.path)
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// renameat2(RENAME_EXCHANGE) looked up at run time: glibc ≥ 2.28 has it, Swift's Glibc module does not export it.
    private static func exchange(_ a: String, _ b: String) -> Bool {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "renameat2") else { return false }
        let f = unsafeBitCast(sym, to: RenameAt2.self)
        let renameExchange: UInt32 = 2
        return f(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
    }
}
