// A strict byte-level reader for the plain subset of JSON a pipeline.json uses; anything else goes to JSONDecoder.

#if canImport(Glibc)
import Glibc
#endif

/// Reads `pipeline.json` into the `JSONValue` that `JSONDecoder` would give, for the subset of JSON where that value
/// is unambiguous, and gives up (`nil`) on everything else, so the caller decodes with `JSONDecoder` as before (which
/// also makes every error message).
///
/// Why it exists: `JSONDecoder` into `JSONValue` took ≈ 65 ms of every command's start on a 2,000-village config
/// (1 MB), on one core while the other idled (README, *Performance*). Parsing with JSONSerialization was no faster in
/// the static build and doubled `status`'s peak (tried and dropped in the sixth session).
///
/// The subset, and why each limit: `JSONDecoder` has quirks (measured with Swift 6 Foundation): `1.0`, `1e2`, `-0.0`
/// and `100e-2` decode as `Int`, numbers past `Int` as `Double`, `1E400` and lone surrogate escapes are errors, a
/// key named twice keeps its first value, trailing commas are accepted. Rather than copy each quirk, this reader
/// takes only what is unambiguous and returns `nil` on the rest:
/// - a top-level object or array, nested at most `maxDepth` deep;
/// - strings of valid UTF-8 without raw control characters, whose escapes are the two-character ones or `\uXXXX` of
///   a non-surrogate BMP scalar;
/// - integers that fit `Int` (not `-0`); decimals of at most 15 digits with no exponent (a fraction of zeros is a
///   whole number, as `JSONDecoder` gives it: 15 digits keep every other fraction's `Double` off a whole number);
/// - no key named twice in one object (by `String` equality, as the dictionary compares keys); no trailing comma.
/// `ConfigJSONReaderTests` decodes thousands of generated documents and the quirks above both ways.
enum ConfigJSONReader {
    /// Deeper nesting is left to JSONDecoder (it has its own limit); a config is four levels deep.
    static let maxDepth = 64

    /// The value of `bytes` (no BOM: the caller strips it), or nil when they fall outside the subset.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            reader.skipSpace()
            guard reader.at(UInt8(ascii: "{")) || reader.at(UInt8(ascii: "[")), let value = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.index == buffer.count ? value : nil
        }
    }

    /// `String(validating: utf8, as: UTF8.self)`: the same String for valid UTF-8, nil otherwise. That initializer
    /// is generic and not specialized for UTF-8 (≈ 0.3 µs a string in its metadata lookups and checks: a fifth of a
    /// 2,000-village config's parse); decoding, which replaces what is not UTF-8, is the stdlib's fast path, and a
    /// string whose bytes came back unchanged was valid. (A replacement can keep the length — three bytes of a
    /// cut-short sequence become U+FFFD's three — so the bytes are compared, not the counts.)
    static func validString(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        let text = String(decoding: utf8, as: UTF8.self)
        var same = true
        var copy = text
        copy.withUTF8 { same = $0.count == utf8.count && ($0.isEmpty || memcmp($0.baseAddress!, utf8.baseAddress!, $0.count) == 0) }
        return same ? text : nil
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        func at(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

        /// JSON's four whitespace bytes.
        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard index < bytes.count, depth <= ConfigJSONReader.maxDepth else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return nil
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for k in 0..<count where bytes[index + k] != word.utf8Start[k] { return false }
            index += count
            return true
        }

        mutating func object(depth: Int) -> JSONValue? {
            index += 1
            var fields: [String: JSONValue] = [:]
            skipSpace()
            if at(UInt8(ascii: "}")) { index += 1; return .object(fields) }
            while true {
                // A key must follow `{` or `,`: a trailing comma ends up here and gives up.
                guard at(UInt8(ascii: "\"")), let key = string() else { return nil }
                skipSpace()
                guard at(UInt8(ascii: ":")) else { return nil }
                index += 1
                skipSpace()
                guard let item = value(depth: depth + 1) else { return nil }
                // A key named twice: JSONDecoder keeps the first; left to it.
                guard fields.updateValue(item, forKey: key) == nil else { return nil }
                skipSpace()
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1; skipSpace()
                case UInt8(ascii: "}"): index += 1; return .object(fields)
                default: return nil
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if at(UInt8(ascii: "]")) { index += 1; return .array(items) }
            while true {
                // `]` is not a value: a trailing comma gives up here.
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1; skipSpace()
                case UInt8(ascii: "]"): index += 1; return .array(items)
                default: return nil
                }
            }
        }

        /// A string from its opening quote; its bytes must be valid UTF-8.
        mutating func string() -> String? {
            index += 1
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let text = ConfigJSONReader.validString(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    index += 1
                    return text
                }
                if b == UInt8(ascii: "\\") { return escapedString(from: start) }
                if b < 0x20 { return nil }  // a raw control character: JSONDecoder's error
                index += 1
            }
            return nil
        }

        /// The rest of a string that holds an escape: its bytes gathered, escapes replaced.
        mutating func escapedString(from start: Int) -> String? {
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return String(validating: out, as: UTF8.self)
                }
                if b < 0x20 { return nil }
                if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
                guard index + 1 < bytes.count else { return nil }
                let e = bytes[index + 1]
                index += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard bytes.count - index >= 4 else { return nil }
                    var code: UInt32 = 0
                    for _ in 0..<4 {
                        guard let digit = Self.hexValue(bytes[index]) else { return nil }
                        code = code << 4 | digit
                        index += 1
                    }
                    // Surrogates (pairs, or lone ones that JSONDecoder rejects) are left to it.
                    guard let scalar = Unicode.Scalar(code), !(0xD800...0xDFFF).contains(code) else { return nil }
                    out.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
            }
            return nil
        }

        static func hexValue(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// An integer that fits `Int`, or a decimal of at most 15 digits; no exponent, no `-0`.
        mutating func number() -> JSONValue? {
            let start = index
            let negative = at(UInt8(ascii: "-"))
            if negative { index += 1 }
            func digit() -> Int? {
                guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
                return Int(bytes[index] - UInt8(ascii: "0"))
            }
            guard let first = digit() else { return nil }
            // Accumulated negatively, so Int.min fits.
            var whole = -first
            var digits = 1
            index += 1
            if first == 0 {
                if digit() != nil { return nil }  // a leading zero: JSONDecoder's error
            } else {
                while let d = digit() {
                    let (times, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times.subtractingReportingOverflow(d)
                    if o1 || o2 { return nil }  // past Int: JSONDecoder gives a Double
                    whole = next
                    digits += 1
                    index += 1
                }
            }
            var fractionIsZero = true
            if at(UInt8(ascii: ".")) {
                index += 1
                guard digit() != nil else { return nil }
                while let d = digit() {
                    if d != 0 { fractionIsZero = false }
                    digits += 1
                    index += 1
                }
                if digits > 15 { return nil }
            }
            if at(UInt8(ascii: "e")) || at(UInt8(ascii: "E")) { return nil }
            if negative && whole == 0 { return nil }  // -0 and -0.0 are left to JSONDecoder
            guard negative || whole != Int.min else { return nil }
            let integer = negative ? whole : -whole
            if fractionIsZero { return .int(integer) }  // `1.0` decodes as Int, as JSONDecoder has it
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            return Double(text).map { .double($0) }
        }
    }
}
