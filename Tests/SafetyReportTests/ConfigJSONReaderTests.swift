// ConfigJSONReader against JSONDecoder: on every document either the same JSONValue, or nil (JSONDecoder decides).
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ConfigJSONReaderTests {
    /// JSONDecoder's value, or nil when it rejects the text.
    func foundation(_ bytes: [UInt8]) -> JSONValue? {
        try? ConfigLoader.decodeWithFoundation(bytes, path: "pipeline.json")
    }

    /// The reader's value, required to equal JSONDecoder's whenever the reader gives one.
    @discardableResult
    func compare(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
        let bytes = Array(text.utf8)
        let fast = ConfigJSONReader.parse(bytes)
        if let fast {
            #expect(fast == foundation(bytes), "\(text.debugDescription)", sourceLocation: sourceLocation)
        }
        return fast
    }

    /// Plain documents the reader must take itself, with JSONDecoder's value.
    @Test(arguments: [
        #"{}"#, #"[]"#, #" { "a" : [ ] } "#, "\n\t{\r\n\"a\":1}\n",
        #"{"a": 1, "b": -7, "c": 0, "d": 9223372036854775807, "e": -9223372036854775808}"#,
        #"{"a": 1.0, "b": 2.50, "c": 0.1, "d": -3.25, "e": 123456789012.000, "f": 1.00000000000001}"#,
        #"{"a": true, "b": false, "c": null, "d": [null, true, [false, []]]}"#,
        #"{"town": {"code": "330683105", "name": "青石镇"}, "名": "第一村民小组 😀"}"#,
        #"{"s": "a\"b\\c\/d\be\ff\ng\rh\ti", "u": "\u00e9\u4E2D\u0041\uFFFF\u0000", "del": "\#u{7f}"}"#,
        #"["x", "y", "x"]"#, #"{"a": {"a": {"a": 1}}}"#,
    ])
    func plainDocumentsAreReadWithJSONDecodersValue(_ text: String) throws {
        let fast = try #require(compare(text))
        #expect(fast == foundation(Array(text.utf8)))
    }

    /// JSONDecoder's quirks (README, *Performance*): each is left to it, so the run keeps its exact value or error.
    @Test(arguments: [
        #"{"a": 1e2}"#, #"{"a": 0.1e1}"#, #"{"a": 100e-2}"#, #"{"a": -0.0}"#, #"{"a": -0}"#, #"{"a": -1e-400}"#,
        #"{"a": 1E400}"#, #"{"a": 12345678901234567890}"#, #"{"a": 9223372036854775808}"#, #"{"a": -9223372036854775809}"#,
        #"{"a": 1.0000000000000000001}"#, #"{"a": 12345678901234567.5}"#, #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": .5}"#,
        #"{"a": 1, "a": 2}"#, #"{"é": 1, "é": 2}"#, #"[1,]"#, #"{"a": 1,}"#, #"{"a": "\ud800"}"#,
        #"{"a": "\ud83d\ude00"}"#, "{\"a\": \"tab\tinside\"}", #"{"a": "\x"}"#, #"{"a": tru}"#, #"{"a" 1}"#,
        #"{"a": 1} x"#, #""just a string""#, "42", "true", "\u{FEFF}{}", #"{"a": [1 2]}"#, #"{"a": "\u12"}"#,
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ])
    func quirksAreLeftToJSONDecoder(_ text: String) {
        #expect(ConfigJSONReader.parse(Array(text.utf8)) == nil)
    }

    @Test func invalidUTF8IsLeftToJSONDecoder() {
        for bytes: [UInt8] in [[0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D],  // {"a":"\xFF"}
                               [0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D],             // {"\xC3":1}
                               [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D]] {           // ["<encoded surrogate>"]
            #expect(ConfigJSONReader.parse(bytes) == nil)
        }
    }

    /// `validString` is `String(validating:as: UTF8.self)`: for valid text of every width, and for every kind of
    /// invalid sequence — a stray continuation byte, a lead byte cut short (at the end and before ASCII), the three
    /// bytes of a cut-short four-byte sequence (replaced by U+FFFD's three: the same length), overlong forms, encoded
    /// surrogates, code points past U+10FFFF, 0xFE/0xFF — alone and between valid text; and for random bytes.
    @Test func validStringIsStringValidating() {
        func same(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                #expect(ConfigJSONReader.validString(buffer) == String(validating: buffer, as: UTF8.self), "\(bytes)")
            }
        }
        let valid: [[UInt8]] = [[], Array("a".utf8), Array("第一村民小组".utf8), Array("é😀\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}".utf8)]
        let invalid: [[UInt8]] = [[0x80], [0xBF], [0xC3], [0xC3, 0x41], [0xE4, 0xB8], [0xE4, 0xB8, 0x41], [0xF0, 0x9F, 0x98],
                                  [0xF0, 0x9F, 0x98, 0x41], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80],
                                  [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                                  [0xFE], [0xFF], [0xEF, 0xBF, 0xBD, 0xFF]]
        for v in valid { same(v) }
        for bad in invalid {
            for v in valid {
                same(v + bad); same(bad + v); same(v + bad + v)
                #expect(bad.withUnsafeBufferPointer { ConfigJSONReader.validString($0) } == nil, "\(bad)")
            }
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xC3, 0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xB8, 0xA0]
        for _ in 0..<5_000 {
            same((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
    }

    /// A demo town's pipeline.json (the shape every real one has) is read by the reader, with JSONDecoder's value.
    @Test func aDemoConfigIsReadWithJSONDecodersValue() throws {
        var options = DemoOptions()
        options.villages = 60
        let files = DemoTown.generate(options)
        let bytes = try #require(files.first { $0.path == "pipeline.json" }?.bytes)
        let fast = try #require(ConfigJSONReader.parse(bytes))
        #expect(fast == foundation(bytes))
        // And the whole loader gives the same config either way.
        let base = URL(fileURLWithPath: "/srv/town", isDirectory: true)
        let config = try ConfigLoader.parse(Data(bytes), baseDirectory: base, path: "pipeline.json")
        #expect(config.villages.count == 60)
    }

    /// Thousands of generated documents, plain and odd, decoded both ways.
    @Test func generatedDocumentsDecodeAsJSONDecoderDecodesThem() {
        var rng = SeededRandom(state: 20261130)
        var taken = 0, plainTaken = 0
        let count = 3000
        for n in 0..<count {
            let plain = n % 2 == 0
            var text = ""
            Self.write(&text, depth: 0, plain: plain, rng: &rng)
            let fast = compare(text)
            if fast != nil { taken += 1 }
            if plain {
                #expect(fast != nil, "a plain document the reader gave up on: \(text.debugDescription)")
                if fast != nil { plainTaken += 1 }
            }
        }
        #expect(plainTaken == count / 2)
        #expect(taken < count)  // the odd ones include text outside the subset
    }

    // MARK: Generating documents

    static let plainStrings = ["", "a", "code", "青石镇", "第一村民小组", "330683105201-01", "with space", "😀 emoji",
                               "a\\\"quote", "line\\nbreak", "slash\\/", "\\u4e2d\\u6587", "tab\\t", "\\u00e9t\\u00E9"]
    static let oddStrings = ["\\ud83d\\ude00", "\\ud800", "\\udc00x", "raw\ttab", "\u{7f}", "\\x", "é", "e\u{301}",
                             "\\u0000", "\\uD7FF", "\\uE000"]
    static let plainNumbers = ["0", "7", "-12", "2310", "1.0", "0.5", "-3.75", "100.000", "0.8571", "1.5",
                               "9223372036854775807", "-9223372036854775808", "123456789.123456", "42.10"]
    static let oddNumbers = ["1e2", "1E2", "0.1e1", "100e-2", "-0", "-0.0", "-0.5", "1E400", "-1e-400",
                             "9223372036854775808", "12345678901234567890", "1.0000000000000000001", "01", "1.",
                             "0.1234567890123456", "2.5e-3", "123456789012345.5"]
    static let space = ["", " ", "\n", "\t", "\r\n", "  "]

    static func pick<T>(_ items: [T], _ rng: inout SeededRandom) -> T { items[Int(rng.next() % UInt64(items.count))] }

    /// A random value; `plain` keeps it inside the reader's subset.
    static func write(_ out: inout String, depth: Int, plain: Bool, rng: inout SeededRandom) {
        let odd = !plain && rng.next() % 4 == 0
        let kind = depth == 0 ? Int(rng.next() % 2) : Int(rng.next() % (depth > 3 ? 5 : 7))
        out += pick(space, &rng)
        switch kind {
        case 0, 5:
            out += "{"
            let n = Int(rng.next() % 5)
            var keys: Set<String> = []
            for i in 0..<n {
                var key = pick(plainStrings, &rng) + (rng.next() % 2 == 0 ? String(i) : "")
                if odd && rng.next() % 2 == 0 { key = pick(oddStrings, &rng) }
                // Plain objects never name a key twice (JSONDecoder keeps the first: left to it).
                if plain && !keys.insert(key).inserted { continue }
                if out.last != "{" { out += "," }
                out += pick(space, &rng) + "\"" + key + "\"" + pick(space, &rng) + ":"
                write(&out, depth: depth + 1, plain: plain, rng: &rng)
            }
            if odd && n > 0 && rng.next() % 2 == 0 { out += "," }
            out += pick(space, &rng) + "}"
        case 1, 6:
            out += "["
            let n = Int(rng.next() % 5)
            for i in 0..<n {
                if i > 0 { out += "," }
                write(&out, depth: depth + 1, plain: plain, rng: &rng)
            }
            if odd && n > 0 && rng.next() % 2 == 0 { out += "," }
            out += pick(space, &rng) + "]"
        case 2:
            out += "\"" + (odd ? pick(oddStrings, &rng) : pick(plainStrings, &rng)) + "\""
        case 3:
            out += odd ? pick(oddNumbers, &rng) : pick(plainNumbers, &rng)
        default:
            out += pick(["true", "false", "null"], &rng)
        }
        out += pick(space, &rng)
    }
}
