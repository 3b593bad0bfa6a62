// Validation issues kept in bounded memory: a few in memory, the rest spilled compactly to an unlinked temporary file.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The temporary file that one run's issue lists spill into. It is created in the system temp folder and
/// unlinked at once, so nothing is left behind however the run ends (even SIGKILL); it lives while a list
/// refers to it. Lists of every folder share it (one descriptor per run, whatever the number of files).
/// A write or read that fails (disk full) is kept as `failure`: the run checks it and fails cleanly.
/// The file is only made when a list must spill: sealed lists stay in memory while the run's lists together
/// keep no more than `residentLimit` issues, so a run with few issues never touches the temp folder.
public final class IssueSpill: @unchecked Sendable {  // every mutable field is guarded by `lock`
    private let lock = NSLock()
    /// The folder given, or nil for the system temp folder, looked up only when the file is made (or a failure
    /// names it): a spill is made for every replayed hazards file of a cold run and almost never writes, and
    /// `FileManager.temporaryDirectory` (environment, URL parsing, ~2,200 instructions) was a per-file cost there.
    private let chosenDirectory: URL?
    private var directory: URL { chosenDirectory ?? FileManager.default.temporaryDirectory }
    private let byteLimit: Int64?
    /// Issues a list of this spill keeps in memory before it writes a sorted chunk.
    public let threshold: Int
    /// Accepted rows (trainings, inspections) a file keeps in memory before it writes a chunk (see `AcceptedRows`).
    public let rowThreshold: Int
    /// Issues that sealed lists of this spill may keep in memory in all; beyond it, a sealed list spills.
    public let residentLimit: Int
    private var resident = 0
    private var fd: Int32 = -1
    private var end: Int64 = 0
    private var failureText: String?

    /// - Parameters:
    ///   - directory: where the file is made (default, nil: the system temp folder, `$TMPDIR`, as it is when the file is made).
    ///   - threshold: issues a list keeps in memory before spilling a chunk (tests make it tiny).
    ///   - rowThreshold: accepted rows a file keeps in memory before spilling a chunk (tests make it tiny).
    ///   - residentLimit: issues sealed lists keep in memory in all (default: four times `threshold`).
    ///   - byteLimit: tests only: writes beyond this many bytes fail as on a full disk (root ignores permissions).
    public init(directory: URL? = nil, threshold: Int = IssueList.defaultThreshold,
                rowThreshold: Int = 4096, residentLimit: Int? = nil, byteLimit: Int64? = nil) {
        chosenDirectory = directory
        self.threshold = threshold
        self.rowThreshold = rowThreshold
        self.residentLimit = residentLimit ?? 4 * threshold
        self.byteLimit = byteLimit
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Why spilling failed, as an English log line; nil while everything was written and read back.
    public var failure: String? { lock.withLock { failureText } }

    /// Bytes written so far.
    public var bytesWritten: Int64 { lock.withLock { end } }

    /// Takes room for `count` more sealed issues in memory; false (nothing taken) when the run's budget is spent.
    func keepInMemory(_ count: Int) -> Bool {
        lock.withLock {
            guard resident + count <= residentLimit else { return false }
            resident += count
            return true
        }
    }

    private func fail(_ what: String) {
        if failureText == nil {
            failureText = "cannot keep validation issues and accepted rows in a temporary file in \(directory.path): \(what)"
                + " (free space there or point TMPDIR at a folder with room; the previous outputs are unchanged)"
        }
    }

    /// Appends `bytes` at the end of the file; their offset, or nil when the write failed.
    func append(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The same from memory the caller holds (a spilling list's pending chunk, written without an array made of it:
    /// copying every spilled row into an array first was a second pass over its bytes).
    func append(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        lock.withLock { () -> Int64? in
            guard failureText == nil else { return nil }
            if fd < 0 {
                var template = Array(directory.appendingPathComponent("safety-report-issues-XXXXXX").path.utf8CString)
                let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
                guard made >= 0 else { fail("cannot create it: \(String(cString: strerror(errno)))"); return nil }
                // Unlinked at once: the open descriptor keeps the data; no name is left to clean up.
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(made, F_SETFD, FD_CLOEXEC)
                fd = made
            }
            if let byteLimit, end + Int64(bytes.count) > byteLimit {
                fail(String(cString: strerror(ENOSPC)))
                return nil
            }
            let start = end
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(start) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    fail(String(cString: strerror(errno)))
                    return nil
                }
                done += n
            }
            end += Int64(bytes.count)
            return start
        }
    }

    /// `count` bytes at `offset`, or nil (and a failure) when they cannot be read back.
    func read(offset: Int64, count: Int) -> [UInt8]? {
        lock.withLock { () -> [UInt8]? in
            // Read into uninitialized room: zero-filling it first was a pass over every spilled row's bytes.
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: count) { room, initialized in
                var done = 0
                while done < count {
                    let n = pread(fd, room.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 {
                        fail("cannot read it back: \(n < 0 ? String(cString: strerror(errno)) : "unexpected end of file")")
                        failed = true
                        break
                    }
                    done += n
                }
                // Bytes are trivial: what was read is kept either way, and a failed read's array is dropped.
                initialized = done
            }
            return failed ? nil : out
        }
    }
}

/// An append-only list of validation issues whose memory does not grow with their number: past
/// `threshold` issues (and when a file's validation is done, unless the run's few issues fit in memory,
/// see `seal`) they are sorted and written to the run's `IssueSpill`, and read back sequentially when the
/// list is iterated.
///
/// Iteration follows the listing order within a folder (see `IssueOrder`): folder, file, line, column,
/// rule, then the order of appending. Issues mostly arrive in that order (a file is validated line by line),
/// so each spilled chunk usually extends one sorted run; chunks that arrive out of order start a new run,
/// and iteration merges the runs and the in-memory tail.
public struct IssueList: Sendable, Sequence, ExpressibleByArrayLiteral, Equatable {
    /// Issues kept in memory before a chunk is spilled, unless a list is made with another threshold.
    public static let defaultThreshold = 4096

    /// One issue with its sort keys, and its position in the order of appending.
    struct Entry {
        var issue: ValidationIssue
        var arrival: Int
        var fileRank: Int
        var columnRank: Int

        init(_ issue: ValidationIssue, arrival: Int) {
            self.issue = issue; self.arrival = arrival
            let kind = IssueOrder.fileKind(issue.file)
            fileRank = IssueOrder.fileRank(kind)
            columnRank = IssueOrder.columnRank(issue.column, kind)
        }
        init(issue: ValidationIssue, arrival: Int, fileRank: Int, columnRank: Int) {
            self.issue = issue; self.arrival = arrival; self.fileRank = fileRank; self.columnRank = columnRank
        }

        /// IssueOrder within one folder; the folder name first so a list holding several folders still has one order.
        static func < (a: Entry, b: Entry) -> Bool { precedes(a, 0, b, 0) }

        /// The same order across lists: among equal issues, the list given first (`sa`, `sb`), then arrival.
        static func precedes(_ a: Entry, _ sa: Int, _ b: Entry, _ sb: Int) -> Bool {
            let x = a.issue, y = b.issue
            let lx = x.line ?? -1, ly = y.line ?? -1
            if (x.folder, a.fileRank, x.file, lx) != (y.folder, b.fileRank, y.file, ly) {
                return (x.folder, a.fileRank, x.file, lx) < (y.folder, b.fileRank, y.file, ly)
            }
            return (a.columnRank, x.column, x.rule, sa, a.arrival) < (b.columnRank, y.column, y.rule, sb, b.arrival)
        }
    }

    /// A stretch of one sorted run in the spill file.
    struct Segment { var offset: Int64; var bytes: Int }

    final class Storage: @unchecked Sendable {  // mutated only while uniquely referenced (copy on write)
        let spill: IssueSpill?
        let threshold: Int
        var tail: [Entry] = []
        /// Whether `tail` is in order (kept up on append: issues mostly arrive in order), so iterating needs no sort.
        var tailSorted = true
        /// Entries of `tail` counted in the spill's resident budget.
        var resident = 0
        /// Sorted runs, each a list of segments of the spill file.
        var runs: [[Segment]] = []
        /// The last entry of the last run, to tell whether the next chunk extends it.
        var lastSpilled: Entry?
        var count = 0
        var errors = 0
        /// Per folder: issues and errors (a list normally holds one folder).
        var folders: [String: (count: Int, errors: Int)] = [:]

        init(spill: IssueSpill?, threshold: Int) { self.spill = spill; self.threshold = Swift.max(1, threshold) }

        func copy() -> Storage {
            let s = Storage(spill: spill, threshold: threshold)
            s.tail = tail; s.tailSorted = tailSorted; s.resident = resident; s.runs = runs; s.lastSpilled = lastSpilled
            s.count = count; s.errors = errors; s.folders = folders
            return s
        }

        /// Writes the tail (or, with `keepLastRow`, all of it but the last record's issues, so one row's
        /// issues are sorted together) as a sorted chunk. On failure the issues stay in memory.
        func flush(keepLastRow: Bool) {
            guard let spill, !tail.isEmpty, spill.failure == nil else { return }
            var cut = tail.count
            if keepLastRow, let last = tail.last?.issue {
                while cut > 0 {
                    let i = tail[cut - 1].issue
                    guard i.line == last.line, i.file == last.file, i.folder == last.folder else { break }
                    cut -= 1
                }
                if cut == 0 { cut = tail.count }
            }
            let chunk = tail[..<cut].sorted(by: <)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(chunk.count * 256)
            for e in chunk { IssueCoding.encode(e, into: &bytes) }
            guard let offset = spill.append(bytes) else { return }
            let segment = Segment(offset: offset, bytes: bytes.count)
            if let last = lastSpilled, !(chunk[0] < last), !runs.isEmpty {
                runs[runs.count - 1].append(segment)
            } else {
                runs.append([segment])
            }
            lastSpilled = chunk[chunk.count - 1]
            tail.removeFirst(cut)
            resident = 0
            tailSorted = zip(tail, tail.dropFirst()).allSatisfy { !($1 < $0) }
        }

        func sortTail() {
            if !tailSorted { tail.sort(by: <); tailSorted = true }
        }
    }

    var storage: Storage

    /// An empty list; with a spill, issues beyond its threshold go to it (and all of them once sealed).
    public init(spill: IssueSpill? = nil) {
        storage = Storage(spill: spill, threshold: spill?.threshold ?? IssueList.defaultThreshold)
    }

    /// A list of `issues`, in memory, sorted once here rather than on every iteration.
    public init<S: Sequence<ValidationIssue>>(_ issues: S) {
        self.init(spill: nil)
        for i in issues { append(i) }
        storage.sortTail()
    }

    /// A list of the literal's issues, in memory (tests, single file-level issues).
    public init(arrayLiteral elements: ValidationIssue...) { self.init(elements) }

    /// Issues appended.
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    /// Issues of severity error.
    public var errorCount: Int { storage.errors }
    /// Issues of severity warning.
    public var warningCount: Int { storage.count - storage.errors }
    /// The spill's failure, if a write or read of this list failed.
    public var spillFailure: String? { storage.spill?.failure }
    /// Folders with issues in this list.
    var folderCounts: [String: (count: Int, errors: Int)] { storage.folders }

    /// Adds an issue; past the threshold the list's oldest issues are written to the spill as a sorted chunk.
    public mutating func append(_ issue: ValidationIssue) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let s = storage
        let entry = Entry(issue, arrival: s.count)
        if s.tailSorted, let last = s.tail.last, entry < last { s.tailSorted = false }
        s.tail.append(entry)
        s.count += 1
        let isError = issue.severity == .error
        if isError { s.errors += 1 }
        s.folders[issue.folder, default: (0, 0)].count += 1
        if isError { s.folders[issue.folder]!.errors += 1 }
        if s.tail.count >= s.threshold { s.flush(keepLastRow: true) }
    }

    /// Adds issues in their order.
    public mutating func append<S: Sequence<ValidationIssue>>(contentsOf issues: S) {
        for i in issues { append(i) }
    }

    /// A file's validation is done: what is still in memory stays there, sorted, while the run's sealed lists
    /// keep no more than the spill's `residentLimit` issues and this list never spilled; otherwise it is
    /// spilled. So memory stays bounded however many files are validated, and a run with few issues writes
    /// no temporary file (a full or unwritable temp folder does not matter to it). A list without a spill
    /// keeps its issues.
    public mutating func seal() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let s = storage
        if let spill = s.spill, !s.tail.isEmpty {
            if s.runs.isEmpty, s.tail.count <= s.resident || spill.keepInMemory(s.tail.count - s.resident) {
                s.resident = s.tail.count
            } else {
                s.flush(keepLastRow: false)
            }
        }
        s.sortTail()
    }

    /// Sorts the in-memory issues once, so that iterating (once per folder of a report) does not sort them again.
    mutating func sortForListing() {
        guard !storage.tailSorted else { return }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.sortTail()
    }

    /// The first issue in listing order.
    public var first: ValidationIssue? { var it = makeIterator(); return it.next() }

    /// Iterates in listing order, reading spilled runs back a block at a time.
    public func makeIterator() -> Iterator { Iterator(entries: EntryIterator(storage, folder: nil)) }

    /// The issues in listing order.
    public struct Iterator: IteratorProtocol {
        var entries: EntryIterator
        public mutating func next() -> ValidationIssue? { entries.next()?.issue }
    }

    /// Entries in order: a merge of the sorted runs and the sorted in-memory tail; with `folder`, only that
    /// folder's. Every run is in folder order, so a folder's entries are found without going through the
    /// others' in memory (a binary search) and a spilled run stops at the first entry past the folder.
    struct EntryIterator {
        var cursors: [RunCursor]
        var heads: [Entry?]
        let folder: String?
        /// Whether the in-memory issues had to be sorted for this iterator (never once sealed or sorted for listing).
        let sortedTail: Bool
        /// Entries read so far, the folder's and any others looked at (tests check a folder costs its own entries).
        var entriesRead: Int { cursors.reduce(0) { $0 + $1.read } }

        init(_ storage: Storage, folder: String?) {
            self.folder = folder
            var cursors = storage.runs.map { RunCursor(spill: storage.spill!, segments: $0) }
            sortedTail = !storage.tailSorted
            if !storage.tail.isEmpty {
                let sorted = storage.tailSorted ? storage.tail : storage.tail.sorted(by: <)
                cursors.append(RunCursor(sorted: sorted, folder: folder))
            }
            self.cursors = cursors
            heads = []
            for i in cursors.indices { heads.append(self.cursors[i].next(folder: folder)) }
        }

        mutating func next() -> Entry? {
            var best = -1
            for i in heads.indices {
                guard let h = heads[i] else { continue }
                if best < 0 || h < heads[best]! { best = i }
            }
            guard best >= 0 else { return nil }
            let out = heads[best]
            heads[best] = cursors[best].next(folder: folder)
            return out
        }
    }

    /// Reads one sorted run back, a block at a time, or walks an in-memory sorted array.
    struct RunCursor {
        let spill: IssueSpill?
        var segments: ArraySlice<Segment>
        var memory: [Entry]
        var memoryIndex = 0
        /// Entries taken from the run so far.
        var read = 0
        /// Past the folder asked for: the rest of the run is later folders'.
        var ended = false
        var buffer: [UInt8] = []
        var position = 0
        /// Bytes of the current segment not yet read into the buffer.
        var pendingOffset: Int64 = 0
        var pendingBytes = 0
        static let blockSize = 64 * 1024

        init(spill: IssueSpill, segments: [Segment]) {
            self.spill = spill; self.segments = segments[...]; memory = []
        }
        /// With `folder`, starts at its first entry (found by binary search).
        init(sorted: [Entry], folder: String?) {
            spill = nil; segments = []; memory = sorted
            if let folder {
                var low = 0, high = sorted.count
                while low < high {
                    let mid = (low + high) / 2
                    if sorted[mid].issue.folder < folder { low = mid + 1 } else { high = mid }
                }
                memoryIndex = low
            }
        }

        mutating func next(folder: String?) -> Entry? {
            guard !ended else { return nil }
            while let e = nextEntry() {
                guard let folder else { return e }
                if e.issue.folder == folder { return e }
                if folder < e.issue.folder { ended = true; return nil }
            }
            return nil
        }

        private mutating func nextEntry() -> Entry? {
            if spill == nil {
                guard memoryIndex < memory.count else { return nil }
                memoryIndex += 1; read += 1
                return memory[memoryIndex - 1]
            }
            while true {
                if let (entry, used) = IssueCoding.decode(buffer, at: position) {
                    position += used; read += 1
                    return entry
                }
                guard refill() else { return nil }
            }
        }

        /// Moves the unread bytes to the front and reads the next block (of this segment or the next one).
        private mutating func refill() -> Bool {
            if pendingBytes == 0 {
                guard let s = segments.popFirst() else { return false }
                pendingOffset = s.offset; pendingBytes = s.bytes
            }
            // An entry never spans segments; one larger than a block is read whole.
            let need = IssueCoding.entryLength(buffer, at: position).map { Swift.max($0 - (buffer.count - position), 0) } ?? 0
            let n = Swift.min(pendingBytes, Swift.max(Self.blockSize, need))
            guard let block = spill!.read(offset: pendingOffset, count: n) else { return false }
            buffer.removeFirst(position)
            position = 0
            buffer += block
            pendingOffset += Int64(n); pendingBytes -= n
            return true
        }
    }

    public static func == (a: IssueList, b: IssueList) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

/// The spill file's record of one issue: a 4-byte length, then varints and length-prefixed UTF-8 strings.
enum IssueCoding {
    static func encode(_ e: IssueList.Entry, into out: inout [UInt8]) {
        let start = out.count
        out += [0, 0, 0, 0]
        let i = e.issue
        out.append(i.severity == .error ? 0 : 1)
        varint(UInt64(i.period.year), &out); varint(UInt64(i.period.month), &out)
        varint(i.line.map { zigzag($0) &+ 1 } ?? 0, &out)
        varint(UInt64(e.arrival), &out)
        varint(zigzag(e.fileRank), &out); varint(zigzag(e.columnRank), &out)
        for s in [i.folder, i.file, i.column, i.value, i.rule, i.message] {
            var s = s
            s.withUTF8 { b in varint(UInt64(b.count), &out); out.append(contentsOf: b) }
        }
        let length = UInt32(out.count - start - 4)
        for k in 0..<4 { out[start + k] = UInt8(truncatingIfNeeded: length >> (8 * k)) }
    }

    /// The whole record's length (prefix included) when its prefix is in `bytes`.
    static func entryLength(_ bytes: [UInt8], at p: Int) -> Int? {
        guard bytes.count - p >= 4 else { return nil }
        var n = 0
        for k in 0..<4 { n |= Int(bytes[p + k]) << (8 * k) }
        return n + 4
    }

    /// The record at `p` and its length, or nil when it is not wholly in `bytes`.
    static func decode(_ bytes: [UInt8], at start: Int) -> (IssueList.Entry, Int)? {
        guard let length = entryLength(bytes, at: start), bytes.count - start >= length else { return nil }
        var p = start + 4
        let severity: Severity = bytes[p] == 0 ? .error : .warning
        p += 1
        let year = Int(readVarint(bytes, &p)), month = Int(readVarint(bytes, &p))
        let lineCode = readVarint(bytes, &p)
        let arrival = Int(readVarint(bytes, &p))
        let fileRank = unzigzag(readVarint(bytes, &p)), columnRank = unzigzag(readVarint(bytes, &p))
        var strings: [String] = []
        strings.reserveCapacity(6)
        for _ in 0..<6 {
            let n = Int(readVarint(bytes, &p))
            strings.append(bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[p..<p + n]), as: UTF8.self) })
            p += n
        }
        let issue = ValidationIssue(severity, period: Period(year: year, month: month)!, folder: strings[0], file: strings[1],
                                    line: lineCode == 0 ? nil : unzigzag(lineCode &- 1), column: strings[2], value: strings[3],
                                    rule: strings[4], message: strings[5])
        return (IssueList.Entry(issue: issue, arrival: arrival, fileRank: fileRank, columnRank: columnRank), length)
    }

    static func zigzag(_ v: Int) -> UInt64 { UInt64(bitPattern: Int64((v << 1) ^ (v >> 63))) }
    static func unzigzag(_ u: UInt64) -> Int { Int(Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)) }

    static func varint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    static func readVarint(_ bytes: [UInt8], _ p: inout Int) -> UInt64 {
        bytes.withUnsafeBufferPointer { RowCoding.readVarint($0, &p) }
    }
}
