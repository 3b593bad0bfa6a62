// The spill's codes for a training's form and audience, by switch, against their places in `allCases`.
import Testing
@testable import SafetyReport

@Suite struct SpillCodeTests {
    /// Each form's and audience's code is its place in `allCases` (the code before the switches, which the
    /// spill files written so far hold), and each code gives back its case; codes past either end give none.
    @Test func codesAreThePlacesInAllCases() {
        for (k, form) in TrainingForm.allCases.enumerated() {
            #expect(form.ordinal == TrainingForm.allCases.firstIndex(of: form))
            #expect(form.ordinal == k)
            #expect(TrainingForm(ordinal: k) == form)
        }
        for (k, audience) in Audience.allCases.enumerated() {
            #expect(audience.ordinal == Audience.allCases.firstIndex(of: audience))
            #expect(audience.ordinal == k)
            #expect(Audience(ordinal: k) == audience)
        }
        #expect(Set(TrainingForm.allCases.map(\.ordinal)).count == TrainingForm.allCases.count)
        #expect(Set(Audience.allCases.map(\.ordinal)).count == Audience.allCases.count)
        for bad in [-1, TrainingForm.allCases.count, 255] { #expect(TrainingForm(ordinal: bad) == nil) }
        for bad in [-1, Audience.allCases.count, 255] { #expect(Audience(ordinal: bad) == nil) }
    }

    /// A training row of every form and audience (none included) comes back from the spill's coder as it went
    /// in, with its form and audience bytes where the decoder reads them.
    @Test func everyFormAndAudienceRoundTripsThroughTheCoder() throws {
        let audiences: [Audience?] = [nil] + Audience.allCases.map { $0 }
        var bytes: [UInt8] = []
        var rows: [TrainingRow] = []
        for (k, form) in TrainingForm.allCases.enumerated() {
            for (a, audience) in audiences.enumerated() {
                let row = TrainingRow(line: 2 + k * 7 + a, date: try #require(Day(year: 2026, month: 10, day: 1 + a)),
                                      groupCode: a % 2 == 0 ? nil : "G0\(a)", form: form, theme: "主题\(k)",
                                      audience: audience, participants: k * 10 + a, hours: a == 3 ? 1.5 : nil,
                                      materials: a == 4 ? 20 : nil)
                let start = bytes.count
                RowCoder.trainings.encode(row, &bytes)
                // The row ends with the form's code, then the audience's plus one (0 for none).
                #expect(bytes[bytes.count - 2] == UInt8(k))
                #expect(bytes[bytes.count - 1] == UInt8(a))
                #expect(bytes.count > start)
                rows.append(row)
            }
        }
        var p = 0
        for row in rows { #expect(RowCoder.trainings.decode(bytes, &p) == row) }
        #expect(p == bytes.count)
    }
}
