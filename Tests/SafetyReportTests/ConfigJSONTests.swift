// pipeline.json parsed by JSONSerialization gives the very JSONValue that JSONDecoder gave, or JSONDecoder decides.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct ConfigJSONTests {
    /// What `decodeJSON` gave before JSONSerialization did the parsing: JSONDecoder, or nil when it refused the text.
    private func reference(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    private func decoded(_ text: String) -> Result<JSONValue, ConfigError> {
        do throws(ConfigError) { return .success(try ConfigLoader.decodeJSON(Array(text.utf8), path: "p.json")) } catch { return .failure(error) }
    }

    /// Numbers (whole numbers written as fractions or exponents, past Int, negative zero), booleans against 0 and 1,
    /// null, escapes, keys given twice (JSONDecoder keeps the first; JSONSerialization would keep the last), nested.
    static let texts = [
        #"{"a": 1.0, "b": 1e3, "c": 2310.5, "d": -0, "e": 1E2, "f": -1.0, "g": 2.0e0, "h": -0.0, "i": 1e-400}"#,
        #"[12345678901234567890, -12345678901234567890, 9223372036854775807, 9223372036854775808, -9223372036854775808]"#,
        #"[18446744073709551615, 18446744073709551616, 1.000000000000000000001, 100000000000000000000.0, 0.1, 1.5e300]"#,
        #"{"t": true, "f": false, "one": 1, "zero": 0, "n": null, "s": "是", "e": "a\u0000b\/\uD83D\uDE00"}"#,
        #"{"a": 1, "a": 2}"#, #"{"a": {"b": 1, "b": 2}}"#, #"{"\u0061": 1, "a": 2}"#, #"[{"a": 1}, {"a": 2}]"#,
        #"{"a": [1, {"b": "x,y:{"}], "b": "}"}"#, #"{"k": "\"quoted\" {a}", "l": ["a", "a"]}"#,
        "3", "\"text\"", "[]", "{}", "  {}  ", "[1,]", "{\"a\":1,}",
    ]

    @Test(arguments: texts) func theSameValueAsJSONDecoderGave(_ text: String) throws {
        let expected = try #require(reference(text))
        #expect(try decoded(text).get() == expected)
    }

    /// Text either parser refuses keeps its message (line and column from JSONSerialization's offset), as before.
    @Test(arguments: [#"{"a" 1}"#, "'a'", "[01]", "1.", "+1", #""\x""#, "[1 2]", #"{"a":1}}"#, "NaN", #""\ud800""#, "[1,,2]",
                      "{\n  \"town\": {\"code\": \"1\",\n  \"name\": x}\n}", "tru", #"{"a": 1, "a": }"#])
    func refusedTextKeepsItsMessage(_ text: String) throws {
        #expect(reference(text) == nil)
        guard case .failure(let error) = decoded(text) else { Issue.record("accepted: \(text)"); return }
        #expect(error.problems.count == 1 && error.problems[0].message.hasPrefix("is not valid JSON: "), "\(error.problems)")
    }

    @Test func keysThatMayRepeatAreFound() {
        #expect(JSONValue.mayRepeatKeys(Array(#"{"a": 1, "a": 2}"#.utf8)))
        #expect(JSONValue.mayRepeatKeys(Array(#"{"x": [{"b": 1, "c": {"d": 1}, "b": 2}]}"#.utf8)))
        #expect(JSONValue.mayRepeatKeys(Array(#"{"\u0061": 1}"#.utf8)))  // escaped: not compared, so maybe
        #expect(JSONValue.mayRepeatKeys(Array(#"{"a": "unterminated"#.utf8)))
        #expect(!JSONValue.mayRepeatKeys(Array(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "a", "d": ["a", "a"]}"#.utf8)))
        #expect(!JSONValue.mayRepeatKeys(Array(#"{"a": "\"a\", \"a\"", "b": 1}"#.utf8)))
    }

    /// A demo town's config (what an office's looks like) takes the fast path and gives what JSONDecoder gave.
    @Test func aDemoConfigTakesTheFastPath() throws {
        let town = try DemoTownFixture(villages: 30, months: 1, seed: 5, prefix: "sr-config-json")
        let bytes = [UInt8](try Data(contentsOf: town.root.appendingPathComponent("pipeline.json")))
        #expect(!JSONValue.mayRepeatKeys(bytes))
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(try ConfigLoader.decodeJSON(bytes, path: "pipeline.json") == expected)
    }
}
