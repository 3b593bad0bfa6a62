// What the synthetic town should look like, and the seeded random source that makes it reproducible.

/// Options of `safety-report demo`: size, time span, seed, and whether to include deliberate
/// errors (SPEC §3.3) and input variations (SPEC §3.1).
public struct DemoOptions: Sendable, Equatable {
    /// Number of villages (村 and 社区); any size from 1 up.
    public var villages: Int = 8
    /// Number of periods generated, counted back from `lastPeriod` (which is included).
    public var months: Int = 3
    /// The last month generated.
    public var lastPeriod: Period = Period(year: 2026, month: 10)!
    /// Same seed, same options → the same bytes.
    public var seed: UInt64 = 1
    /// Deliberate errors and warnings of every kind of SPEC §3.3, sparse (≈1% of files).
    public var errors: Bool = true
    /// Every input variation of SPEC §3.1 (encodings, headers, date forms …), rotated across villages.
    public var variations: Bool = true
    /// Every village re-sends its standing agreements list every month, unchanged when nothing changed, as clerks
    /// who send all four files each month do (and the town of issue 5's yardstick: 92,000 files for 2,000 × 12).
    /// Off, a list is sent when it is new for the year or changes.
    public var agreementsEveryMonth: Bool = false

    public init(villages: Int = 8, months: Int = 3, lastPeriod: Period = Period(year: 2026, month: 10)!,
                seed: UInt64 = 1, errors: Bool = true, variations: Bool = true, agreementsEveryMonth: Bool = false) {
        self.villages = villages; self.months = months; self.lastPeriod = lastPeriod
        self.seed = seed; self.errors = errors; self.variations = variations
        self.agreementsEveryMonth = agreementsEveryMonth
    }

    /// The generated periods, oldest first.
    public var periods: [Period] {
        var list = [lastPeriod]
        while list.count < max(1, months) { list.insert(list[0].previous, at: 0) }
        return list
    }
}

/// SplitMix64: tiny, fast, and identical on every platform, unlike the system generator.
struct DemoRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A stream independent of its siblings: the seed mixed with a few stream labels.
    init(seed: UInt64, _ labels: UInt64...) {
        var s = seed
        for label in labels { s = DemoRandom.mix(s &+ 0x9E37_79B9_7F4A_7C15 &* (label &+ 1)) }
        state = s
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return DemoRandom.mix(state)
    }

    /// Uniform in 0..<bound (bound > 0); the slight modulo bias is irrelevant here.
    mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    /// Uniform in the closed range.
    mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + int(range.count) }

    /// True with the given probability.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

    /// Index drawn with the given relative weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        var r = int(weights.reduce(0, +))
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var a = items
        if a.count < 2 { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(i + 1)) }
        return a
    }
}

extension Day {
    /// The day `n` days later (or earlier when negative). Named for the demo to stay clear of
    /// helpers other stages may add to `Day`.
    func demoShifted(by n: Int) -> Day {
        var d = self
        var left = n
        while left > 0 {
            let dim = Day.daysIn(year: d.year, month: d.month)
            if d.day + left <= dim { return Day(year: d.year, month: d.month, day: d.day + left)! }
            left -= dim - d.day + 1
            d = d.period.next.firstDay
        }
        while left < 0 {
            if d.day + left >= 1 { return Day(year: d.year, month: d.month, day: d.day + left)! }
            left += d.day
            d = d.period.previous.lastDay
        }
        return d
    }
}
