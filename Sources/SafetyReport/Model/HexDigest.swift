// A SHA-256 digest that is read and written as 64 lowercase hex digits but kept as its 32 bytes.

/// How an `InputRecord` keeps its SHA-256. A run holds one record per input file it read (28,906 at 2,000 × 12,
/// through the whole run), and as a `String` each digest was a 112-byte heap allocation beside the record; as four
/// words it is inline. Anything that is not 64 lowercase hex digits (the empty digest of a file that could not be
/// read again, `InputLoader.unreadSHA256`) is kept as the text it is, so `hex` always gives back exactly the text
/// it was made from and two digests are equal exactly when their texts are.
public enum HexDigest: Sendable, Hashable {
    case bytes(UInt64, UInt64, UInt64, UInt64)
    case text(String)

    public init(_ hex: String) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        var valid = true
        for c in hex.utf8 {
            let v: UInt64
            switch c {
            case 0x30...0x39: v = UInt64(c - 0x30)
            case 0x61...0x66: v = UInt64(c - 0x57)
            default: valid = false; v = 0
            }
            guard valid, count < 64 else { valid = false; break }
            switch count / 16 {
            case 0: words.0 = words.0 << 4 | v
            case 1: words.1 = words.1 << 4 | v
            case 2: words.2 = words.2 << 4 | v
            default: words.3 = words.3 << 4 | v
            }
            count += 1
        }
        self = valid && count == 64 ? .bytes(words.0, words.1, words.2, words.3) : .text(hex)
    }

    /// A digest from its bytes, as `init(_:)` keeps the 64 lowercase hex digits of 32 bytes (a file's pass 1 gives
    /// its SHA-256 this way: formatting it as text only to parse the text back was ~1 % of a cold `check`).
    public init(digest bytes: [UInt8]) {
        guard bytes.count == 32 else { self.init(SHA256.lowercaseHex(bytes)); return }
        func word(_ at: Int) -> UInt64 {
            var w: UInt64 = 0
            for i in at..<at + 8 { w = w << 8 | UInt64(bytes[i]) }
            return w
        }
        self = .bytes(word(0), word(8), word(16), word(24))
    }

    /// The digest as it was given: 64 lowercase hex digits, or the other text.
    public var hex: String {
        switch self {
        case .text(let s): return s
        case .bytes(let a, let b, let c, let d):
            return String(unsafeUninitializedCapacity: 64) { out in
                func put(_ word: UInt64, at start: Int) {
                    for i in 0..<16 {
                        let v = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * i)) & 0x0F
                        out[start + i] = v < 10 ? 0x30 + v : 0x57 + v
                    }
                }
                put(a, at: 0); put(b, at: 16); put(c, at: 32); put(d, at: 48)
                return 64
            }
        }
    }
}
