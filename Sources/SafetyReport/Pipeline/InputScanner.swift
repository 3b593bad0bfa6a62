// Finds what each folder submitted for a period (SPEC §3): the four files, and an issue for everything else.

import Foundation

/// One of the four files found in a folder, not yet read.
public struct FoundFile: Sendable, Equatable {
    /// File name as found (`Hazards.CSV`).
    public var name: String
    /// The folder's absolute path: one String shared by the folder's files (a long history holds hundreds of
    /// thousands of found files; a whole path each was a fifth of the scans' memory).
    private var directory: String
    /// Absolute path.
    public var path: String { String.joinedPath(directory, name) }
    /// Path relative to the inputs folder (`2026-10/330683105201/Hazards.CSV`), for the manifest.
    public var relativePath: String
    /// For a dataset inside a whole submission workbook (`提交表.xlsx`): the sheet that holds it.
    public var sheet: String? = nil
    /// The regular file's stat as the scan took it (relative to its folder), for the remembered hashes; nil when
    /// it was classified by path. Not part of equality: two scans of the same files are equal.
    public var stamp: FileStamp? = nil

    /// `path` is the folder's path + "/" + `name` (the folder is what precedes its last "/").
    public init(name: String, path: String, relativePath: String, sheet: String? = nil, stamp: FileStamp? = nil) {
        let bytes = Array(path.utf8)
        let slash = bytes.lastIndex(of: 0x2F) ?? 0
        self.init(name: name, directory: String(decoding: bytes[..<slash], as: UTF8.self), relativePath: relativePath,
                  sheet: sheet, stamp: stamp)
    }

    init(name: String, directory: String, relativePath: String, sheet: String? = nil, stamp: FileStamp? = nil) {
        self.name = name; self.directory = directory; self.relativePath = relativePath; self.sheet = sheet; self.stamp = stamp
    }

    public static func == (a: FoundFile, b: FoundFile) -> Bool {
        a.name == b.name && a.directory == b.directory && a.relativePath == b.relativePath && a.sheet == b.sheet
    }
}

extension String {
    /// `directory + "/" + name`, made in one allocation: the two appends copied `directory` into a new string and grew
    /// it again for the name (two of them per entry of every scanned folder, ~700 instructions each, and again for
    /// every file read: a cold 200 × 12 run made ~40,000).
    static func joinedPath(_ directory: String, _ name: String) -> String {
        var directory = directory, name = name
        let count = directory.utf8.count + 1 + name.utf8.count
        return directory.withUTF8 { d in
            name.withUTF8 { n in
                String(unsafeUninitializedCapacity: count) { out in
                    let base = out.baseAddress!
                    if let start = d.baseAddress { base.initialize(from: start, count: d.count) }
                    base[d.count] = 0x2F
                    if let start = n.baseAddress { (base + d.count + 1).initialize(from: start, count: n.count) }
                    return count
                }
            }
        }
    }
}

/// A folder's found files by dataset, held inline (four slots) rather than in a dictionary of its own: one fewer
/// allocation and a third of the bytes per folder, which counts when every earlier month's scan is held at once.
public struct FilesByKind: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    private var inspections: FoundFile?, hazards: FoundFile?, agreements: FoundFile?, trainings: FoundFile?

    public init(dictionaryLiteral elements: (FileKind, FoundFile)...) {
        for (kind, file) in elements { self[kind] = file }
    }

    public subscript(kind: FileKind) -> FoundFile? {
        get {
            switch kind {
            case .inspections: inspections
            case .hazards: hazards
            case .agreements: agreements
            case .trainings: trainings
            }
        }
        set {
            switch kind {
            case .inspections: inspections = newValue
            case .hazards: hazards = newValue
            case .agreements: agreements = newValue
            case .trainings: trainings = newValue
            }
        }
    }

    /// The datasets with a file, in `FileKind.allCases` order.
    public var keys: [FileKind] { FileKind.allCases.filter { self[$0] != nil } }
    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }

    public func makeIterator() -> IndexingIterator<[(key: FileKind, value: FoundFile)]> {
        FileKind.allCases.compactMap { kind in self[kind].map { (key: kind, value: $0) } }.makeIterator()
    }
}

/// What one registered folder holds for one period.
public struct ScannedFolder: Sendable, Equatable {
    public var code: String
    /// What was found, in one shared box (copied on write): a period's folders sit in a dictionary whose buckets,
    /// a quarter to a half of them empty, are as wide as its values, and `run` holds every period's scan through
    /// its stale check (with the box, 1.1 MB per period of 2,000 villages instead of 2 MB).
    private var found = Found()
    public var files: FilesByKind {
        get { found.files }
        _modify { let box = unique(); yield &box.files }
    }
    /// Files that cannot be read as files (directory, FIFO, symlink outside inputs/, no permission).
    public var unreadable: [FileKind: ValidationIssue] {
        get { found.unreadable }
        _modify { let box = unique(); yield &box.unreadable }
    }
    /// Folder-level issues: other files, entries that are not files.
    public var issues: [ValidationIssue] {
        get { found.issues }
        _modify { let box = unique(); yield &box.issues }
    }

    public init(code: String) { self.code = code }

    /// Never mutated unless uniquely referenced (`unique()`), so sharing it between threads is safe.
    private final class Found: @unchecked Sendable {
        var files: FilesByKind = [:]
        var unreadable: [FileKind: ValidationIssue] = [:]
        var issues: [ValidationIssue] = []
        init() {}
        init(_ other: Found) { files = other.files; unreadable = other.unreadable; issues = other.issues }
    }

    private mutating func unique() -> Found {
        if !isKnownUniquelyReferenced(&found) { found = Found(found) }
        return found
    }

    public static func == (a: ScannedFolder, b: ScannedFolder) -> Bool {
        a.code == b.code && (a.found === b.found || (a.files == b.files && a.unreadable == b.unreadable && a.issues == b.issues))
    }
}

/// Everything found under `inputs/<period>/`.
public struct ScannedPeriod: Sendable, Equatable {
    public var period: Period
    /// False when `inputs/<period>/` does not exist.
    public var exists: Bool
    /// Registered folders present, by code.
    public var folders: [String: ScannedFolder]
    /// Issues of the period folder itself: unregistered folders, stray files.
    public var issues: [ValidationIssue]
    /// Sorted relative paths of every entry seen (so a file appearing or vanishing changes the manifest).
    public var listing: [String]
}

/// Lists input folders. Reads no file contents; names beginning with `.` are ignored.
public struct InputScanner: Sendable {
    public let config: PipelineConfig
    /// Registered folders' listings remembered by the folder's stat (nil: every folder is opened and listed).
    public var listings: RememberedListings?
    public init(config: PipelineConfig, listings: RememberedListings? = nil) { self.config = config; self.listings = listings }

    /// Periods with a folder under inputs/, sorted.
    public func periods() -> [Period] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: config.inputs.path)) ?? []
        return names.compactMap { Period($0) }.filter(\.isSupported).sorted()
    }

    /// Entries of inputs/ that are not period folders (`2026-6`, `2026-10 (copy)`, a stray file): nothing in them
    /// is read, so the run and `status` name each one with the YYYY-MM form expected, and the month it probably
    /// meant when one can be read from the name.
    public func misnamedPeriodFolders() -> [(name: String, meant: Period?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: config.inputs.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !(Period($0)?.isSupported ?? false) }.sorted().map { ($0, Self.meantPeriod($0)) }
    }

    /// `2026-6`, `2026.06`, `2026年6月`, `202606`, `2026-10 (copy)` → the month; nil when the name holds none.
    static func meantPeriod(_ name: String) -> Period? {
        let digits = name.unicodeScalars.map { ("0"..."9").contains($0) ? Character($0) : " " }
        let runs = String(digits).split(separator: " ")
        if let y = runs.first, y.count == 4, runs.count >= 2, runs[1].count <= 2, let p = Period(year: Int(y)!, month: Int(runs[1])!) {
            return p.isSupported ? p : nil
        }
        if let only = runs.first, only.count == 6, let p = Period(year: Int(only.prefix(4))!, month: Int(only.suffix(2))!) {
            return p.isSupported ? p : nil
        }
        return nil
    }

    /// `hazardsAndAgreementsOnly`: inspections and trainings files the listing calls regular are found without their
    /// stat (their `stamp` is nil), for a month of which no report being built or checked reads more than its hazards
    /// and agreements (`InputScans.digest`); every other decision is the same.
    public func scan(_ period: Period, hazardsAndAgreementsOnly light: Bool = false) -> ScannedPeriod {
        let root = config.inputs.appendingPathComponent(period.description).path
        var result = ScannedPeriod(period: period, exists: false, folders: [:], issues: [], listing: [])
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { return result }
        result.exists = true
        // Resolved once per scan: an entry that is not a symlink resolves to its folder's real path + its name,
        // so only links need realpath(3) (which walks every component: most of a scan's time on a long history).
        let inputsRoot = Self.realPath(config.inputs.path) ?? config.inputs.path
        let rootResolved = Self.realPath(root)
        if case .notReadable(let why) = classify(root, inputsRoot: inputsRoot) {
            // A period folder that is a symlink out of inputs/ would lead every file under it outside.
            result.issues.append(issue(period, folder: period.description, rule: "entry.unreadable",
                message: "本期目录「\(period)」无法读取（\(why)），其中的文件均未读取，按全部未报送处理。请把报送文件直接放在 inputs/\(period)/ 下。"))
            return result
        }
        let registered = Set(config.submitterCodes)
        // The folder is listed through one descriptor, with each entry's type from the listing: a registered folder
        // is opened relative to it, and only what the listing does not settle (links, unknown types, names that are
        // not UTF-8, stray entries) is classified by path as before.
        let rootFD = rootResolved == nil ? -1 : open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        defer { if rootFD >= 0 { close(rootFD) } }
        let listed = rootFD >= 0 ? Self.sorted(DirectoryListing.entries(rootFD)) : nil
        let periodName = period.description
        for entry in listed ?? entries(root).map({ DirectoryEntry(name: $0, type: UInt8(DT_UNKNOWN), exact: false) }) {
            let name = entry.name
            let path = String.joinedPath(root, name)
            let rel = String.joinedPath(periodName, name)
            result.listing.append(rel)
            if listed != nil, entry.exact, registered.contains(name), let rootResolved,
               Self.type(of: entry, in: rootFD) == UInt8(DT_DIR) {
                // A folder whose own stat proves its remembered listing current is not opened: its files are stat'ed
                // through the period folder instead (see RememberedListings).
                var listedAt: Int64 = 0
                var stamp: FileStamp?
                if let listings {
                    listedAt = FileHashCache.realtimeNanoseconds()
                    var st = stat()
                    if fstatat(rootFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFDIR { stamp = FileStamp(st) }
                    if let stamp, let remembered = listings.entries(period, name, stamp: stamp),
                       faccessat(rootFD, name, R_OK, AT_EACCESS) == 0 {
                        let listingCount = result.listing.count
                        if let folder = scanFolder(period: period, code: name, fd: rootFD, under: name + "/", remembered: remembered, light: light,
                                                   path: path, rel: rel, listing: &result.listing,
                                                   inputsRoot: inputsRoot, resolved: String.joinedPath(rootResolved, name)) {
                            result.folders[name] = folder
                            continue
                        }
                        // Not searchable after all: listed below, as before.
                        result.listing.removeSubrange(listingCount...)
                    }
                }
                let fd = DirectoryListing.open(at: rootFD, name, noFollow: true)
                if fd >= 0 || errno == EACCES {
                    let listingCount = result.listing.count
                    var folder: ScannedFolder?
                    if fd >= 0 {
                        let entries = Self.sorted(DirectoryListing.entries(fd))
                        folder = scanFolder(period: period, code: name, fd: fd, remembered: entries, light: light, path: path, rel: rel,
                                            listing: &result.listing, inputsRoot: inputsRoot, resolved: String.joinedPath(rootResolved, name))
                        close(fd)
                        if let listings {
                            if let stamp, let entries, folder != nil {
                                listings.remember(period, name, stamp: stamp, listedAt: listedAt, entries: entries)
                            } else {
                                listings.countListed()
                            }
                        }
                    }
                    guard let folder else {
                        // Cannot be listed, or listed but not searched (read without execute permission), as access(2) said.
                        result.listing.removeSubrange(listingCount...)
                        result.issues.append(unreadableEntry(period, name, why: "没有读取权限", registered: true))
                        continue
                    }
                    result.folders[name] = folder
                    continue
                }
                // Gone or swapped since it was listed: decided by path below, as before.
            }
            let (kind, resolved) = classifyEntry(path, name: name, inputsRoot: inputsRoot, parent: rootResolved)
            switch kind {
            case .directory:
                guard registered.contains(name) else {
                    result.issues.append(issue(period, folder: name, rule: "folder.unregistered",
                        message: "文件夹「\(name)」不是已登记的村居或镇编码，其中的文件未读取。请核对文件夹名称是否为 pipeline.json 中登记的编码。"))
                    continue
                }
                result.folders[name] = scanFolder(period: period, code: name, fd: -1, path: path, rel: rel, listing: &result.listing,
                                                  inputsRoot: inputsRoot, resolved: resolved)
            case .notReadable(let why):
                result.issues.append(unreadableEntry(period, name, why: why, registered: registered.contains(name)))
            case .file:
                result.issues.append(issue(period, folder: name, file: name, rule: "entry.stray",
                    message: "文件「\(name)」直接放在 \(period) 目录下，未读取。请放入对应村居编码的文件夹中。", severity: .warning))
            }
        }
        result.listing.sort()
        listings?.done(period)
        return result
    }

    /// What a month whose scan is let go as soon as it is folded (`InputScans.digest`'s `retiring`) comes to when every
    /// registered folder in it is believed from its remembered listing and its hazards summary is remembered: its
    /// listing (entries joined by "\n", in the scan's order) and its hazards summary, taken without building the scan.
    struct RememberedMonth: Sendable {
        /// The listing's entries joined by "\n", `count` of them, and its SHA-256 (the month's own listing digest).
        var listing: [UInt8]
        var count: Int
        var own: SHA256
        /// `PeriodHazards.fingerprint` of the month's hazards files: its remembered summary is looked up by it.
        var fingerprint: String
        /// Folders whose remembered listing was believed (counted once the month is used).
        var believed: Int
    }

    /// `period` as its listing and hazards summary, from the folders' remembered listings and the hazards files'
    /// stats: each registered folder's stat and `faccessat` and each hazards file's stat, as a light scan makes them
    /// (agreements files, which no digest reads, are not stat'ed, nor are the entries it only reports: unregistered
    /// folders, stray files). Nil whenever the month holds anything whose effect on the digests only a scan decides — a
    /// registered folder not believed or not a plain folder, a dataset file that is not a regular file or not named in
    /// ASCII, two files for one dataset, a workbook, a name that is not valid UTF-8 or a non-ASCII name at the top, a
    /// listing not already in the scan's order, a summary not remembered — and the caller scans the month as before.
    /// What it gives equals what `scan(_:hazardsAndAgreementsOnly:)`, `InputScans`' fold and `FileHashCache.periodHazards`
    /// give (`RememberedMonthTests`); nothing is counted until it is used.
    func rememberedMonth(_ period: Period) -> RememberedMonth? {
        guard let listings else { return nil }
        let root = config.inputs.appendingPathComponent(period.description).path
        let inputsRoot = Self.realPath(config.inputs.path) ?? config.inputs.path
        guard Self.realPath(root) != nil, case .directory = classify(root, inputsRoot: inputsRoot) else { return nil }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        guard let listed = Self.sorted(DirectoryListing.entries(rootFD)) else { return nil }
        let periodName = Array(period.description.utf8)
        // The listing is built joined, in one buffer sized once (about four entries of ~45 bytes per folder), each entry
        // checked against the one before it. The scan sorts its listing as Strings; taken in folder order (each folder's
        // entries sorted as Strings) it is sorted unless a code is a prefix of the next one followed by a byte below "/"
        // (`V1` and `V1-2`): then the plain scan sorts it. Between two folders the order is decided within their ASCII
        // codes, where String order is byte order; within a folder it is the remembered (String) order, and the bytes
        // must agree with it too.
        var listing: [UInt8] = []
        listing.reserveCapacity(listed.count * 4 * 48)
        var count = 0, previous = 0..<0, inOrder = true
        // Appends one entry (`period/folder` or `period/folder/file`) from the names' bytes, checking the order.
        func add(_ folder: String, _ file: String? = nil) {
            if count > 0 { listing.append(0x0A) }
            let start = listing.count
            listing += periodName; listing.append(0x2F); Self.appendUTF8(folder, to: &listing)
            if let file { listing.append(0x2F); Self.appendUTF8(file, to: &listing) }
            let current = start..<listing.count
            if count > 0 && inOrder {
                inOrder = listing.withUnsafeBufferPointer { b in
                    let c = memcmp(b.baseAddress! + previous.lowerBound, b.baseAddress! + current.lowerBound,
                                   min(previous.count, current.count))
                    return c < 0 || (c == 0 && previous.count < current.count)
                }
            }
            previous = current
            count += 1
        }
        // Each submitter's hazards file by its slot in `codes` (the first, for a code registered twice, as the dictionary
        // keyed by code held it): its path as the bytes of its entry in `listing` (`period/code/name`, all printable
        // ASCII), and its stat.
        let codes = config.submitterCodes
        var slotOf: [String: Int] = [:]
        slotOf.reserveCapacity(codes.count)
        for (i, code) in codes.enumerated() where slotOf[code] == nil { slotOf[code] = i }
        var hazards = [(path: Range<Int>, stamp: FileStamp)?](repeating: nil, count: codes.count)
        var believed = 0
        var statPath: [UInt8] = []  // a folder's, then its hazards file's path relative to the month's folder, and a NUL
        for entry in listed {
            let name = entry.name
            guard Self.isPlainASCII(name) else { return nil }
            guard let slot = slotOf[name] else {
                // Unregistered (a folder or a stray file): the scan lists it, reads nothing in it and only reports it.
                add(name)
                continue
            }
            guard entry.exact, entry.type == UInt8(DT_DIR) else { return nil }
            // The folder's name as a C string made once, in a buffer kept across folders (a short String passed as a
            // C string is copied into a new array at every call).
            statPath.removeAll(keepingCapacity: true)
            Self.appendUTF8(name, to: &statPath)
            statPath.append(0)
            var st = stat()
            guard Self.withCString(statPath, { fstatat(rootFD, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0, st.st_mode & S_IFMT == S_IFDIR,
                  let remembered = listings.entries(period, name, stamp: FileStamp(st), counting: false),
                  Self.withCString(statPath, { faccessat(rootFD, $0, R_OK, AT_EACCESS) }) == 0 else { return nil }
            believed += 1
            add(name)
            var kinds: UInt8 = 0  // one bit per dataset found
            var searched = false
            for file in remembered {
                guard file.exact else { return nil }
                let kind: FileKind?
                if Self.isPlainASCII(file.name) {
                    kind = Self.datasetKind(plainASCII: file.name)  // what `lowercased()` and a match of the four names give
                    if kind == nil && Self.hasSuffixIgnoringASCIICase(file.name, ".xlsx") && !file.name.hasPrefix("~$") {
                        return nil  // a workbook: its sheets are read
                    }
                } else {
                    let lower = file.name.lowercased()
                    kind = FileKind.allCases.first(where: { $0.fileName == lower })
                    guard kind == nil, !lower.hasSuffix(".xlsx") || file.name.hasPrefix("~$") else { return nil }
                }
                // Not one of the four files (a note, a copy): only listed, and reported by the scan.
                add(name, file.name)
                guard inOrder else { return nil }
                guard let kind else { continue }
                let bit = UInt8(1) << UInt8(FileKind.allCases.firstIndex(of: kind)!)
                guard file.type == UInt8(DT_REG), kinds & bit == 0 else { return nil }
                kinds |= bit
                if kind == .hazards {
                    // `code/name`, taken from the entry just added (`period/code/name`).
                    statPath.removeAll(keepingCapacity: true)
                    statPath += listing[(previous.lowerBound + periodName.count + 1)..<previous.upperBound]
                    statPath.append(0)
                    var fst = stat()
                    guard Self.withCString(statPath, { fstatat(rootFD, $0, &fst, AT_SYMLINK_NOFOLLOW) }) == 0,
                          fst.st_mode & S_IFMT == S_IFREG else { return nil }
                    searched = true
                    hazards[slot] = (previous, FileStamp(fst))
                }
            }
            if !searched {
                // A folder that can be listed but not searched fails here, as in `scanFolder`.
                var dot = stat()
                guard fstatat(rootFD, name + "/.", &dot, 0) == 0 else { return nil }
            }
        }
        guard inOrder else { return nil }
        let fingerprint = PeriodHazards.fingerprint(period, codes: codes, listing: listing) { code in slotOf[code].flatMap { hazards[$0] } }
        listings.done(period)
        var own = SHA256()
        own.update(listing)
        return RememberedMonth(listing: listing, count: count, own: own, fingerprint: fingerprint.digest, believed: believed)
    }

    /// The dataset a printable-ASCII file name names, its ASCII letters' case aside: what lowercasing it and comparing
    /// it with each `FileKind.fileName` in `allCases` order gives, without making the lowercase String.
    static func datasetKind(plainASCII name: String) -> FileKind? {
        var name = name
        return name.withUTF8 { b -> FileKind? in
            for (kind, lower) in datasetNames where lower.count == b.count {
                var i = 0
                while i < b.count, b[i] == lower[i] || (b[i] >= 0x41 && b[i] <= 0x5A && b[i] | 0x20 == lower[i]) { i += 1 }
                if i == b.count { return kind }
            }
            return nil
        }
    }

    private static let datasetNames: [(FileKind, [UInt8])] = FileKind.allCases.map { ($0, Array($0.fileName.utf8)) }
    /// `body` given `bytes` (NUL-terminated) as a C string.
    private static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        bytes.withUnsafeBufferPointer { p in p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count, body) }
    }

    /// Appends `s`'s UTF-8 bytes (from its own storage when it has one, without iterating the view).
    private static func appendUTF8(_ s: String, to bytes: inout [UInt8]) {
        if s.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes += s.utf8 }
    }

    /// `name` equals the lowercase ASCII `lower` but for the case of its ASCII letters.
    private static func equalIgnoringASCIICase(_ name: String, _ lower: String) -> Bool {
        name.utf8.count == lower.utf8.count && zip(name.utf8, lower.utf8).allSatisfy { a, b in
            a == b || (a >= 0x41 && a <= 0x5A && a | 0x20 == b)
        }
    }

    private static func hasSuffixIgnoringASCIICase(_ name: String, _ suffix: String) -> Bool {
        let n = Array(name.utf8)
        return n.count >= suffix.utf8.count && equalIgnoringASCIICase(String(decoding: n.suffix(suffix.utf8.count), as: UTF8.self), suffix)
    }

    /// Printable ASCII without "/": names whose String order is their byte order, and which need no repair.
    private static func isPlainASCII(_ name: String) -> Bool {
        func plain(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x7F && b != 0x2F }
        return name.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(plain) } ?? name.utf8.allSatisfy(plain)
    }

    /// An entry of the period folder that cannot be read as a folder.
    private func unreadableEntry(_ period: Period, _ name: String, why: String, registered: Bool) -> ValidationIssue {
        // A link leading outside inputs/ (or a folder reached through one) has the right name; what must
        // change is that it be a real folder. Other entries (a FIFO, a file named like a code) need the folder.
        let outside = why.contains("inputs 目录之外")
        let fix = outside
            ? "它是指向 inputs 目录之外的链接（快捷方式），不是真实的文件夹；请把报送文件放进 inputs/\(period)/\(name)/ 这个真实的文件夹（复制文件，而不是创建链接）。"
            : registered ? "请改为以村居编码命名的真实文件夹。" : "请改为以村居编码命名的文件夹。"
        return issue(period, folder: name, rule: "entry.unreadable",
            message: "「\(name)」无法作为文件夹读取（\(why)），已跳过，其中的文件未读取。" + fix)
    }

    /// A registered folder's files. With `fd` (the folder open for listing), entries the listing says are regular
    /// files are stat'ed relative to it (the stat serves the remembered hashes too) and their readability is
    /// decided when they are opened; nil when the folder turns out not to be searchable. With `fd` -1, by path.
    /// `remembered`: the folder's entries, sorted (listed from `fd` by the caller, or remembered); `under`: the folder's
    /// name + "/" when `fd` is its period folder's (a remembered listing: the folder itself is not opened).
    private func scanFolder(period: Period, code: String, fd: Int32, under: String = "", remembered: [DirectoryEntry]? = nil,
                            light: Bool = false, path: String, rel: String, listing: inout [String],
                            inputsRoot: String, resolved: String?) -> ScannedFolder? {
        var folder = ScannedFolder(code: code)
        var workbooks: [FoundFile] = []
        var searchable: Bool?
        let listed = fd >= 0 ? remembered : nil
        if fd >= 0 && listed == nil {
            // Opened but the listing failed (an I/O error): by path, as FileManager listed it before.
            return scanFolder(period: period, code: code, fd: -1, path: path, rel: rel, listing: &listing,
                              inputsRoot: inputsRoot, resolved: resolved)
        }
        for entry in listed ?? entries(path).map({ DirectoryEntry(name: $0, type: UInt8(DT_UNKNOWN), exact: false) }) {
            let name = entry.name
            var filePath: String { String.joinedPath(path, name) }  // made only when an entry is classified by path
            let relative = String.joinedPath(rel, name)  // one string shared by the listing and the found file
            listing.append(relative)
            let lower = name.lowercased()  // once per entry (it was up to eight times: a tenth of a long history's scan)
            let kind = FileKind.allCases.first { $0.fileName == lower || $0.workbookFileName == lower }
            guard let kind else {
                // A whole submission workbook: its sheets are resolved below. `~$…` is Excel's lock file, not a workbook.
                if lower.hasSuffix(".xlsx") && !name.hasPrefix("~$") {
                    if case .file = classifyEntry(filePath, name: name, inputsRoot: inputsRoot, parent: resolved).kind {
                        workbooks.append(FoundFile(name: name, directory: path, relativePath: relative))
                        continue
                    }
                }
                folder.issues.append(issue(period, folder: code, file: name, rule: "file.unexpected",
                    message: "「\(name)」不是规定的报送文件（inspections.csv、hazards.csv、agreements.csv、trainings.csv，或对应的 .xlsx 及报送模板工作簿），未读取。", severity: .warning))
                continue
            }
            if let found = folder.files[kind], found.stamp != nil {
                // A second file for one dataset: the old scan knew whether the first could be read and decided by
                // it (a conflict, or a duplicate of an unreadable file), so the first is classified as it was.
                if case .notReadable(let why) = classifyEntry(found.path, name: found.name, inputsRoot: inputsRoot, parent: resolved).kind {
                    folder.files[kind] = nil
                    folder.unreadable[kind] = Self.unreadableFile(period, code, found.name, why: why)
                }
            }
            if let other = Self.otherFormat(folder, kind, name) {
                Self.markConflict(&folder, kind, period: period, names: [other, name])
                continue
            }
            if folder.files[kind] == nil, let first = folder.unreadable[kind], first.rule == "file.unreadable",
               first.file.lowercased() == lower,  // the same name but for case, not the other format
               case .file = classifyEntry(filePath, name: name, inputsRoot: inputsRoot, parent: resolved).kind {
                // An unreadable file and a readable one whose names differ only by case: the readable one is read
                // (it used to be dropped as a duplicate of "the file already read", which was the unreadable one),
                // and the unreadable one is reported as the duplicate. Below, this entry is recorded as usual.
                folder.unreadable[kind] = nil
                folder.issues.append(issue(period, folder: code, file: first.file, rule: "file.duplicate",
                    message: "「\(first.file)」无法读取，且与「\(name)」重复（文件名仅大小写不同），已读取「\(name)」。请删除多余的一份。",
                    severity: .warning))
            } else if folder.files[kind] != nil || folder.unreadable[kind] != nil {
                folder.issues.append(issue(period, folder: code, file: name, rule: "file.duplicate",
                    message: "「\(name)」与已读取的\(kind.fileName)重复（文件名仅大小写不同），未读取。请删除多余的一份。", severity: .warning))
                continue
            }
            if fd >= 0, entry.exact, entry.type == UInt8(DT_REG) || entry.type == UInt8(DT_UNKNOWN) {
                if light && entry.type == UInt8(DT_REG) && (kind == .inspections || kind == .trainings) {
                    // No report that uses this scan reads it: the stat (which would confirm what the listing says, and
                    // serve the remembered hashes) is left to whoever asks for its digest.
                    folder.files[kind] = FoundFile(name: name, directory: path, relativePath: relative)
                    continue
                }
                var st = stat()
                if fstatat(fd, under.isEmpty ? name : under + name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                    searchable = true
                    if st.st_mode & S_IFMT == S_IFREG {
                        folder.files[kind] = FoundFile(name: name, directory: path, relativePath: relative, stamp: FileStamp(st))
                        continue
                    }
                } else if errno == EACCES {
                    return nil
                }
            }
            switch classifyEntry(filePath, name: name, inputsRoot: inputsRoot, parent: resolved).kind {
            case .file:
                folder.files[kind] = FoundFile(name: name, directory: path, relativePath: relative)
            case .directory:
                folder.unreadable[kind] = issue(period, folder: code, file: name, rule: "file.unreadable",
                    message: "「\(name)」是一个文件夹，不是文件，按未报送处理。请报送 CSV 文件。")
            case .notReadable(let why):
                folder.unreadable[kind] = Self.unreadableFile(period, code, name, why: why)
            }
        }
        if fd >= 0 && searchable == nil {
            // Nothing was looked up inside it yet: a folder that can be listed but not searched fails here.
            var st = stat()
            if fstatat(fd, under + ".", &st, 0) != 0 && errno == EACCES { return nil }
        }
        for workbook in workbooks { Self.addWorkbook(&folder, workbook, period: period) }
        return folder
    }

    /// The issue of a file that cannot be read: the scanner's (a link out of inputs/, a FIFO) and, with
    /// `没有读取权限`, the reader's when opening it is refused — the same words either way.
    static func unreadableFile(_ period: Period, _ code: String, _ name: String, why: String) -> ValidationIssue {
        ValidationIssue(.error, period: period, folder: code, file: name, rule: "file.unreadable",
                        message: "「\(name)」无法读取（\(why)），按未报送处理。请重新保存后报送。")
    }

    /// Entries as FileManager listed them: names beginning with `.` left out, sorted as Strings.
    private static func sorted(_ entries: [DirectoryEntry]?) -> [DirectoryEntry]? {
        guard let entries else { return nil }
        // Kept in one array made at its size (`filter` grew one from empty), sorted in place as `sorted` sorts; a
        // name whose first byte is not "." cannot begin with the Character "." (`hasPrefix` asked only for the rest).
        var kept: [DirectoryEntry] = []
        kept.reserveCapacity(entries.count)
        for entry in entries where !(entry.name.utf8.first == 0x2E && entry.name.hasPrefix(".")) { kept.append(entry) }
        kept.sort { $0.name < $1.name }
        return kept
    }

    /// The listing's type, or the lstat's where the file system does not give one.
    private static func type(of entry: DirectoryEntry, in fd: Int32) -> UInt8 {
        guard entry.type == UInt8(DT_UNKNOWN) else { return entry.type }
        var st = stat()
        guard fstatat(fd, entry.name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return UInt8(DT_UNKNOWN) }
        return st.st_mode & S_IFMT == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_UNKNOWN)
    }

    private enum EntryKind { case file, directory, notReadable(String) }

    /// What an entry is, following symlinks only when they stay inside inputs/. Every entry's real
    /// path is checked, not only symlinks': `inputs` itself may be a symlink (a mounted share), and
    /// a symlink anywhere above the entry counts as much as one at the entry.
    private func classify(_ path: String, inputsRoot: String) -> EntryKind {
        classifyEntry(path, name: nil, inputsRoot: inputsRoot, parent: nil).kind
    }

    /// `classify`, for an entry `name` of a folder whose real path is `parent`; also the entry's real path.
    private func classifyEntry(_ path: String, name: String?, inputsRoot: String, parent: String?)
        -> (kind: EntryKind, resolved: String?) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return (.notReadable("无法访问"), nil) }
        let isLink = (st.st_mode & S_IFMT) == S_IFLNK
        let known = !isLink ? parent.flatMap { p in name.map { p + "/" + $0 } } : nil
        guard let resolved = known ?? Self.realPath(path) else { return (.notReadable(isLink ? "符号链接已失效" : "无法访问"), nil) }
        return (classify(path, st: st, isLink: isLink, resolved: resolved, inputsRoot: inputsRoot), resolved)
    }

    private func classify(_ path: String, st: stat, isLink: Bool, resolved: String, inputsRoot: String) -> EntryKind {
        var st = st
        guard resolved.hasPrefix(inputsRoot + "/") else {
            return .notReadable(isLink ? "符号链接指向 inputs 目录之外" : "位于 inputs 目录之外")
        }
        if isLink { guard stat(path, &st) == 0 else { return .notReadable("符号链接已失效") } }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return access(path, R_OK | X_OK) == 0 ? .directory : .notReadable("没有读取权限")
        case S_IFREG: return access(path, R_OK) == 0 ? .file : .notReadable("没有读取权限")
        case S_IFIFO: return .notReadable("是管道文件")
        default: return .notReadable("不是普通文件")
        }
    }

    /// The canonical absolute path (every symlink and `..` resolved), or nil when it does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    private func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func issue(_ period: Period, folder: String, file: String = "", rule: String, message: String,
                       severity: Severity = .error) -> ValidationIssue {
        ValidationIssue(severity, period: period, folder: folder, file: file, rule: rule, message: message)
    }
}

extension Period {
    /// The periods the tool builds: every one has a previous and a next month (the ledger and trends step
    /// both ways), and none is a typo far in the past.
    public static let supportedRange = Period(year: 1970, month: 1)!...Period(year: 9998, month: 12)!
    public var isSupported: Bool { Period.supportedRange.contains(self) }
}

/// Scans of period folders shared within one command: `run` checks the earlier reports and then builds from the
/// same scan of each period, so every folder is listed once per run. A scan is what the folder held when it was
/// listed, as it always was: files are read later, by path, and re-checked when opened.
///
/// A month of a long history is mostly needed as two digests: its listing's (and the running one of every month up
/// to it) and its hazards files' summary. Once those are taken, `retire` lets go of its whole scan (about 2 MB per
/// month at 2,000 villages: held for every earlier month they were most of a monthly run's peak at 36 months); a
/// later `scan` of a retired month lists it again. The digests are kept for the whole command.
public final class InputScans: Sendable {
    public let scanner: InputScanner
    private let scans = Locked<[Period: ScannedPeriod]>([:])
    private let periodList = Locked<[Period]?>(nil)
    private let digests = Locked<Digests>(Digests())
    private let partials = Locked<[Period: ScannedPeriod]>([:])
    /// Light scans (`scan(_:hazardsAndAgreementsOnly:)`: every decision and the whole listing, but no stat of the
    /// inspections and trainings files the listing calls regular) of months a build reads only the hazards and
    /// agreements of (`light(_:)`). Never returned by `scan`, which wants the stats: whoever needs them lists again.
    private let lights = Locked<[Period: ScannedPeriod]>([:])

    /// What is kept of a month whose whole scan may be let go.
    public struct Digest: Sendable {
        public var exists: Bool
        /// `Manifest.listingHash` of this month's listing alone (what the saved ledger state's key folds in).
        public var listingSHA256: String
        /// SHA-256 of the listing of every period up to and including this one, running (`Manifest.listingHash(periods:)`
        /// of those periods' listings, one after another).
        var through: SHA256
        var throughEmpty: Bool
        /// The month's hazards files summed up (`FileHashCache.periodHazards`), once made by whoever needed it.
        public var hazards: PeriodHazards?
    }

    private struct Digests {
        var byPeriod: [Period: Digest] = [:]
    }

    /// `listings`: registered folders' listings remembered by their stat (`RememberedListings`); the caller saves them.
    public init(config: PipelineConfig, listings: RememberedListings? = nil) {
        scanner = InputScanner(config: config, listings: listings)
    }

    /// Writes the listings taken anew (only commands holding the outputs lock call this).
    public func saveListings() { scanner.listings?.save() }

    /// `inputs/<period>/`, scanned on first use (scans of different periods may run on different cores); a retired
    /// month is listed again.
    public func scan(_ period: Period) -> ScannedPeriod {
        if let known = scans.withLock({ $0[period] }) { return known }
        let scan = scanner.scan(period)
        scans.withLock { $0[period] = scan }
        return scan
    }

    /// Scans every period of `periods` not scanned yet, on both cores (each folder is scanned on its own).
    /// `light`: periods wanted only for `light(_:)` (scanned light unless held whole already).
    public func prefetch(_ periods: [Period], light: (Period) -> Bool = { _ in false }) {
        let held = Set(scans.withLock { Array($0.keys) }), heldLight = Set(lights.withLock { Array($0.keys) })
        let missing = periods.filter { p in !held.contains(p) && !(light(p) && heldLight.contains(p)) }
        guard missing.count > 1 else { return }
        let isLight = missing.map(light)
        let done = ReportAssembler.parallelMap(Array(missing.indices)) { i in
            self.scanner.scan(missing[i], hazardsAndAgreementsOnly: isLight[i])
        }
        for (i, p) in missing.enumerated() {
            if isLight[i] { lights.withLock { s in if s[p] == nil { s[p] = done[i] } } }
            else { scans.withLock { s in if s[p] == nil { s[p] = done[i] } } }
        }
    }

    /// `period` as a build that reads only its hazards and agreements files needs it: the whole scan if held, else
    /// its light scan (scanned light on first use). Both have the whole listing, every file found and every issue;
    /// the light one lacks only the stats of its inspections and trainings files (their `stamp` is nil).
    public func light(_ period: Period) -> ScannedPeriod {
        if let known = scans.withLock({ $0[period] }) ?? lights.withLock({ $0[period] }) { return known }
        let scan = scanner.scan(period, hazardsAndAgreementsOnly: true)
        lights.withLock { $0[period] = scan }
        return scan
    }

    /// The digests of `period`: folds the listing of every earlier period not folded yet, in order, scanning (on
    /// both cores, two months at a time, so no more than a few whole scans are held at once) what is not scanned.
    /// `retiring`: months (≤ period) whose whole scan is let go once folded; `summarize` runs first on each of them.
    /// Called by one thread at a time (the months are folded in order).
    /// `reducing`: months whose scan is cut to its reduced form once folded (see `reduce`).
    /// `summaries`: where `summarize` takes remembered hazards summaries from (it must be `summaries.periodHazards(_:codes:)`
    /// with the config's submitter codes); with it, a retired month whose folders and summary are all remembered is
    /// folded without building its scan (`InputScanner.rememberedMonth`).
    public func digest(_ period: Period, retiring: (Period) -> Bool = { _ in false }, reducing: (Period) -> Bool = { _ in false },
                       summaries: FileHashCache? = nil, summarize: (ScannedPeriod) -> PeriodHazards? = { _ in nil }) -> Digest {
        if let known = digests.withLock({ $0.byPeriod[period] }) { return known }
        let pending = (periods().filter { $0 < period } + [period]).filter { p in digests.withLock { $0.byPeriod[p] == nil } }
        let step = max(1, ProcessInfo.processInfo.activeProcessorCount)
        for start in stride(from: 0, to: pending.count, by: step) {
            let chunk = Array(pending[start..<min(start + step, pending.count)])
            // A month let go or reduced as soon as it is folded is needed for no more than its listing, hazards and
            // agreements files: scanned without the stat of its other files, and never held as a whole scan.
            // (A month held as a light scan already is folded from it.)
            let heldLight = Set(chunk.filter { p in lights.withLock { $0[p] != nil } })
            let light = chunk.filter { p in (retiring(p) || reducing(p)) && scans.withLock { $0[p] == nil } && !heldLight.contains(p) }
            let retired = Set(light.filter(retiring))
            prefetch(chunk.filter { !light.contains($0) && !heldLight.contains($0) })
            // A retired month whose folders are all remembered is taken from memory on the core that lists it; its
            // summary is looked up here, as every month's summary and reduced form are made here, on the calling thread:
            // made on a worker, they lived in its malloc arena beside the scans' garbage and raised the run's peak.
            let scanner = self.scanner
            let fromMemory = summaries != nil
            let lightScans = ReportAssembler.parallelMap(light) { p -> LightScan in
                if fromMemory && retired.contains(p), let month = scanner.rememberedMonth(p) { return .remembered(month) }
                return .scanned(scanner.scan(p, hazardsAndAgreementsOnly: true))
            }
            for p in chunk {
                guard let at = light.firstIndex(of: p) else {
                    let whole = heldLight.contains(p) ? self.light(p) : scan(p)
                    fold(p, whole, retire: retiring(p), summarize: summarize)
                    if reducing(p) && !retiring(p) { reduce(p, whole) }  // (a retired month has nothing left to reduce)
                    continue
                }
                switch lightScans[at] {
                case .remembered(let month):
                    if let summaries, let hazards = summaries.rememberedSummary(p, fingerprint: month.fingerprint, counting: false) {
                        scanner.listings?.countBelieved(month.believed)
                        summaries.countSummaryReused()
                        fold(p, exists: true, own: month.own.hexDigest(), count: month.count, listing: month.listing, hazards: hazards)
                        retire(p)
                    } else {
                        // Its files changed since their summary was made: summed up from a scan, as before.
                        fold(p, scanner.scan(p, hazardsAndAgreementsOnly: true), retire: true, summarize: summarize)
                    }
                case .scanned(let whole):
                    fold(p, whole, retire: retiring(p), summarize: summarize)
                    if reducing(p) && !retiring(p) { reduce(p, whole) }
                }
            }
        }
        return digests.withLock { $0.byPeriod[period]! }
    }

    /// A light month as a worker hands it over: scanned, or taken from its folders' remembered listings.
    private enum LightScan: Sendable {
        case scanned(ScannedPeriod)
        case remembered(InputScanner.RememberedMonth)
    }

    /// Folds one month's listing into the running digest (its predecessors are folded already).
    private func fold(_ p: Period, _ whole: ScannedPeriod, retire: Bool, summarize: (ScannedPeriod) -> PeriodHazards?) {
        var own = SHA256()
        var bytes: [UInt8] = []
        for (i, entry) in whole.listing.enumerated() {
            if i > 0 { bytes.append(0x0A) }
            bytes += entry.utf8
        }
        own.update(bytes)
        fold(p, exists: whole.exists, own: own.hexDigest(), count: whole.listing.count, listing: bytes,
             hazards: retire ? summarize(whole) : nil)
        if retire { self.retire(p) }
    }

    /// Folds a month given as its listing's own digest and its entries joined by "\n" (`count` of them).
    private func fold(_ p: Period, exists: Bool, own: String, count: Int, listing: [UInt8], hazards: PeriodHazards?) {
        var d = digests.withLock { s -> Digest in
            let before = s.byPeriod.filter { $0.key < p }.max { $0.key < $1.key }?.value
            return Digest(exists: exists, listingSHA256: own, through: before?.through ?? SHA256(),
                          throughEmpty: before?.throughEmpty ?? true, hazards: hazards)
        }
        if count > 0 {
            // The running digest is every listing's entries one after another, separated by "\n".
            if !d.throughEmpty { d.through.update([0x0A]) }
            d.through.update(listing)
            d.throughEmpty = false
        }
        digests.withLock { $0.byPeriod[p] = d }
    }

    /// Lets go of `period`'s whole scan (its digests are kept); `scan` lists it again if it is asked for.
    public func retire(_ period: Period) {
        scans.withLock { $0[period] = nil }
        partials.withLock { $0[period] = nil }
        lights.withLock { $0[period] = nil }
    }

    /// Keeps of `period`'s scan only its hazards and agreements files (and sheets of whole workbooks), once its listing
    /// is folded: what a later month's report reads there, so what the stale check of a later report and the build of a
    /// later month of its year ask of it (`partial`). `scan` never returns the reduced form: it lists the month again.
    public func reduce(_ period: Period, _ given: ScannedPeriod? = nil) {
        guard digests.withLock({ $0.byPeriod[period] != nil }),
              let whole = given ?? scans.withLock({ $0[period] }) ?? lights.withLock({ $0[period] }) else { return }
        let kept = Self.reduced(whole)
        partials.withLock { $0[period] = kept }
        scans.withLock { $0[period] = nil }
        lights.withLock { $0[period] = nil }
    }

    /// `whole` cut to its hazards and agreements files (and sheets of whole workbooks): see `reduce`.
    private static func reduced(_ whole: ScannedPeriod) -> ScannedPeriod {
        var kept = ScannedPeriod(period: whole.period, exists: whole.exists, folders: [:], issues: [], listing: [])
        for (code, folder) in whole.folders {
            var f = ScannedFolder(code: code)
            for (kind, file) in folder.files where kind == .hazards || kind == .agreements || file.sheet != nil { f.files[kind] = file }
            for kind in [FileKind.hazards, .agreements] { f.unreadable[kind] = folder.unreadable[kind] }
            if !f.files.isEmpty || !f.unreadable.isEmpty { kept.folders[code] = f }
        }
        return kept
    }

    /// `period`'s hazards and agreements files (and sheets): from the whole scan if held, else from its reduced form,
    /// else scanned (whole).
    public func partial(_ period: Period) -> ScannedPeriod {
        if let known = scans.withLock({ $0[period] }) ?? partials.withLock({ $0[period] }) ?? lights.withLock({ $0[period] }) {
            return known
        }
        return scan(period)
    }

    /// `Manifest.listingHash(periods:)` of every period up to and including `period` (those with a folder).
    public func listingSHA256(through period: Period) -> String {
        guard let last = periods().last(where: { $0 <= period }) else { return SHA256().hexDigest() }
        return digest(last).through.hexDigest()
    }

    /// The hazards summary of `period` kept with its digests, if one was made.
    public func hazards(_ period: Period) -> PeriodHazards? { digests.withLock { $0.byPeriod[period]?.hazards } }

    /// Keeps a hazards summary made by a caller with the month's digests.
    public func keep(_ hazards: PeriodHazards) {
        digests.withLock { s in s.byPeriod[hazards.period]?.hazards = hazards }
    }

    /// Lets go of the scans and the hazards summaries: the build takes them once and holds its own (the summaries'
    /// records go on in its input list), so they are not kept any longer. The listing digests stay.
    public func release() {
        scans.withLock { $0 = [:] }
        partials.withLock { $0 = [:] }
        lights.withLock { $0 = [:] }
        digests.withLock { s in for p in s.byPeriod.keys { s.byPeriod[p]!.hazards = nil } }
    }

    /// The months whose whole scan is held now, sorted (for tests).
    var wholePeriods: [Period] { scans.withLock { $0.keys.sorted() } }
    /// The months held as light scans now, sorted (for tests).
    var lightPeriods: [Period] { lights.withLock { $0.keys.sorted() } }

    /// `InputScanner.periods()`, listed once.
    public func periods() -> [Period] {
        if let known = periodList.withLock({ $0 }) { return known }
        let list = scanner.periods()
        periodList.withLock { $0 = list }
        return list
    }
}
