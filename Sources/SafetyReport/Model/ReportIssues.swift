// Every issue of a month's report in listing order, merged on iteration from the folders' issue lists.

/// The report's issues: the lists validation made (one per file, plus folder-level and computed ones),
/// iterated in `IssueOrder` without ever being gathered into one array. Folders come in listing order
/// (the town's own, villages in registry order, unregistered folders by name); within a folder the
/// lists' own orders are merged, lists given earlier first among equal issues — exactly what sorting
/// the concatenation of the lists with `IssueOrder.sorted` gives.
public struct ReportIssues: Sendable, Sequence, Equatable {
    let sources: [IssueList]
    /// The spills of every list given, empty ones too: a file without issues may still have spilled its
    /// accepted rows to the run's spill, and its failure must fail the run.
    let spills: [IssueSpill]
    /// Folders with issues, in listing order.
    let folders: [String]
    /// Per folder, the lists holding its issues, by position in `sources`.
    let sourcesOf: [String: [Int]]
    /// Issues listed, and of them errors.
    public let count: Int
    public let errorCount: Int
    /// Issues of severity warning.
    public var warningCount: Int { count - errorCount }
    public var isEmpty: Bool { count == 0 }

    /// The issues of `lists` (in the order a concatenation would take), ordered with `config`'s registry.
    public init(_ lists: [IssueList], config: PipelineConfig) {
        sources = lists.filter { !$0.isEmpty }
        var seen = Set<ObjectIdentifier>()
        spills = lists.compactMap(\.storage.spill).filter { seen.insert(ObjectIdentifier($0)).inserted }
        var rank: [String: Int] = [:]
        for (i, code) in config.submitterCodes.enumerated() where rank[code] == nil { rank[code] = i }
        let unregistered = config.submitterCodes.count
        var sourcesOf: [String: [Int]] = [:]
        var count = 0, errors = 0
        for (i, list) in sources.enumerated() {
            for (folder, c) in list.folderCounts {
                sourcesOf[folder, default: []].append(i)
                count += c.count; errors += c.errors
            }
        }
        self.sourcesOf = sourcesOf
        folders = sourcesOf.keys.sorted { (rank[$0] ?? unregistered, $0) < (rank[$1] ?? unregistered, $1) }
        self.count = count
        errorCount = errors
    }

    /// `issues`, in memory, ordered with `config`'s registry.
    public init(_ issues: [ValidationIssue], config: PipelineConfig) {
        self.init([IssueList(issues)], config: config)
    }

    private init(sources: [IssueList], spills: [IssueSpill], folders: [String], sourcesOf: [String: [Int]], count: Int,
                 errorCount: Int) {
        self.sources = sources; self.spills = spills; self.folders = folders; self.sourcesOf = sourcesOf
        self.count = count; self.errorCount = errorCount
    }

    /// One folder's issues, in listing order, without going through the other folders' issues.
    public func folder(_ code: String) -> ReportIssues {
        guard let indices = sourcesOf[code], let key = sourcesOf.index(forKey: code).map({ sourcesOf.keys[$0] }) else {
            return ReportIssues(sources: [], spills: spills, folders: [], sourcesOf: [:], count: 0, errorCount: 0)
        }
        var count = 0, errors = 0
        for i in indices {
            let c = sources[i].folderCounts[key]!
            count += c.count; errors += c.errors
        }
        return ReportIssues(sources: sources, spills: spills, folders: [key], sourcesOf: [key: indices], count: count, errorCount: errors)
    }

    /// Why the issues or accepted rows could not all be kept (a full temp folder), if so: the run must fail.
    public var spillFailure: String? {
        spills.lazy.compactMap(\.failure).first ?? sources.lazy.compactMap(\.spillFailure).first
    }

    /// Iterates folder by folder, merging each folder's lists.
    public func makeIterator() -> Iterator { Iterator(report: self) }

    /// The issues in listing order.
    public struct Iterator: IteratorProtocol {
        let report: ReportIssues
        var folderIndex = 0
        var cursors: [IssueList.EntryIterator] = []
        var heads: [IssueList.Entry?] = []
        /// Positions in `report.sources` of `cursors`, the tie-break between lists.
        var sourceIndex: [Int] = []

        init(report: ReportIssues) { self.report = report; open() }

        private mutating func open() {
            cursors = []; heads = []; sourceIndex = []
            guard folderIndex < report.folders.count else { return }
            let folder = report.folders[folderIndex]
            for i in report.sourcesOf[folder]! {
                let list = report.sources[i]
                // A list holding only this folder needs no filtering (the common case: one file of one folder).
                var cursor = IssueList.EntryIterator(list.storage, folder: list.folderCounts.count == 1 ? nil : folder)
                heads.append(cursor.next())
                cursors.append(cursor)
                sourceIndex.append(i)
            }
        }

        public mutating func next() -> ValidationIssue? {
            while folderIndex < report.folders.count {
                var best = -1
                for i in heads.indices {
                    guard let h = heads[i] else { continue }
                    if best < 0 || IssueList.Entry.precedes(h, sourceIndex[i], heads[best]!, sourceIndex[best]) { best = i }
                }
                if best >= 0 {
                    let out = heads[best]!.issue
                    heads[best] = cursors[best].next()
                    return out
                }
                folderIndex += 1
                open()
            }
            return nil
        }
    }

    public static func == (a: ReportIssues, b: ReportIssues) -> Bool { a.count == b.count && a.elementsEqual(b) }
}
