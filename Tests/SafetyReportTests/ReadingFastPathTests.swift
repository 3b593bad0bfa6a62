// The reader's byte-level shortcuts (line feeds counted by words, the BOM dropper's fast path, signatures read
// in the first piece) against the plain loops they replace, on random text cut into pieces of every size.
import Testing
@testable import SafetyReport

@Suite struct ReadingFastPathTests {
    typealias Random = SeededRandom

    /// Bytes drawn mostly from line breaks and their neighbours in value (0x09–0x0B, 0x8A, 0x0A + 0x80).
    static func text(_ n: Int, _ rng: inout Random) -> [UInt8] {
        let alphabet: [UInt8] = [0x0A, 0x0A, 0x0D, 0x0B, 0x09, 0x8A, 0x2C, 0x61, 0x00, 0xFF, 0x7A]
        return (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    }

    @Test func lineFeedsCountedByWordsEqualTheByteLoop() {
        var rng = Random(state: 7)
        for n in Array(0...70) + [255, 256, 257, 4_099] {
            let bytes = Self.text(n + 3, &rng)
            for offset in 0..<3 {   // unaligned starts
                let slice = Array(bytes[offset..<offset + n])
                let expected = slice.filter { $0 == 0x0A }.count
                let counted = slice.withUnsafeBufferPointer { b in b.baseAddress.map { Surveyor.countLineFeeds($0, n) } ?? 0 }
                #expect(counted == expected, "length \(n), offset \(offset)")
            }
        }
    }

    /// Strict UTF-8 across pieces finds the first ill-formed byte where the whole-text check does, on random
    /// bytes drawn around the three-byte leads (E0, E1–EC, ED, EE–EF) and continuation bounds (7F, 80, 9F, A0, BF, C0).
    @Test func utf8ValidatorAgreesWithTheWholeTextCheck() {
        var rng = Random(state: 3)
        let alphabet: [UInt8] = [0x61, 0x0A, 0xE0, 0xE1, 0xE5, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xC2, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0x8F]
        let valid = Array("安全社区月报，排查隐患\u{3000}\u{FEFF}\u{E000}\u{FFFD}\u{1F600}é".utf8)
        for round in 0..<3_000 {
            var bytes = Array(valid.prefix(Int(rng.next() % UInt64(valid.count + 1))))
            for _ in 0..<Int(rng.next() % 8) { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            bytes += valid.prefix(Int(rng.next() % 7))
            let expected = TextDecoding.firstInvalidUTF8(bytes)
            for piece in [1, 2, 3, 5, bytes.count + 1] {
                #expect(firstInvalidUTF8(bytes, inPiecesOf: piece) == expected, "round \(round), \(bytes), pieces of \(piece)")
            }
        }
    }

    /// The record estimate (line breaks + 1: CR LF, lone LF, lone CR) is the same for every piece size, with
    /// CRs in some pieces and not in others, and pairs split across pieces.
    @Test func recordEstimateIsTheSameForEveryPieceSize() {
        var rng = Random(state: 11)
        for round in 0..<40 {
            var bytes = Array("a,b\n".utf8) + Self.text(Int(rng.next() % 300), &rng).map { $0 == 0x00 || $0 == 0xFF || $0 == 0x8A ? 0x62 : $0 }
            if round % 3 == 0 { bytes = bytes.map { $0 == 0x0D ? 0x0A : $0 } }   // LF only: the word path throughout
            var breaks = 0, i = 0
            while i < bytes.count {
                if bytes[i] == 0x0D { breaks += 1; if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 } }
                else if bytes[i] == 0x0A { breaks += 1 }
                i += 1
            }
            for piece in [1, 2, 3, 7, 8, 9, 64, 1 << 16] {
                let survey = CSVStream.survey(bytes: bytes, limits: ReadLimits(pieceBytes: piece))
                guard case .success(let stream) = survey.outcome else { Issue.record("round \(round) not read"); continue }
                #expect(stream.recordEstimate == breaks + 1, "round \(round), pieces of \(piece)")
            }
        }
    }

    /// Text without a BOM passes the dropper whole; with one (or several, or a partial one) it is dropped
    /// exactly as before, however the text is cut.
    @Test func leadingBOMsAreDroppedForEverySplit() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let cases: [([UInt8], [UInt8])] = [
            (Array("a,b".utf8), Array("a,b".utf8)),
            (bom + Array("a,b".utf8), Array("a,b".utf8)),
            (bom + bom + Array("x".utf8), Array("x".utf8)),
            ([0xEF, 0xBB] + Array("x".utf8), [0xEF, 0xBB] + Array("x".utf8)),
            ([0xEF, 0xBB], [0xEF, 0xBB]),
            (Array("\u{FEFF}".utf8).dropFirst().map { $0 }, [0xBB, 0xBF]),
            ([], []),
        ]
        for (input, expected) in cases {
            for cut in 0...input.count {
                var dropper = LeadingBOMDropper()
                var out: [UInt8] = []
                input[..<cut].withUnsafeBufferPointer { dropper.feed($0) { out += $0 } }
                input[cut...].withUnsafeBufferPointer { dropper.feed($0) { out += $0 } }
                dropper.finish { out += $0 }
                #expect(out == expected, "input \(input), cut at \(cut)")
            }
        }
    }

    /// Signatures, UTF-16 BOMs and the UTF-8 BOM are told the same whether the first piece holds eight bytes
    /// or they come one byte at a time.
    @Test func signaturesAreToldTheSameForEveryPieceSize() {
        let texts: [[UInt8]] = [
            [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0],
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
            [0xFF, 0xFE] + Array("a\0,\0b\0\n\0".utf8),
            [0xFE, 0xFF] + Array("\0a\0,\0b\0\n".utf8),
            [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8),
            Array("a,b\n1,2\n".utf8), Array("a\tb".utf8), Array("ab".utf8), [],
        ]
        for text in texts {
            let whole = CSVStream.survey(bytes: text, limits: ReadLimits(pieceBytes: 1 << 16))
            for piece in 1...9 {
                let cut = CSVStream.survey(bytes: text, limits: ReadLimits(pieceBytes: piece))
                #expect(cut.sha256 == whole.sha256)
                switch (cut.outcome, whole.outcome) {
                case (.success(let a), .success(let b)):
                    #expect(a.encoding == b.encoding && a.separator == b.separator && a.recordEstimate == b.recordEstimate, "\(text), pieces of \(piece)")
                case (.failure(let a), .failure(let b)):
                    #expect(a == b, "\(text), pieces of \(piece)")
                default:
                    Issue.record("\(text), pieces of \(piece): \(cut.outcome) against \(whole.outcome)")
                }
            }
        }
    }
}

/// What `UTF8Validator` finds when it is fed `bytes` in pieces of `piece` bytes (the streaming check of pass 1).
func firstInvalidUTF8(_ bytes: [UInt8], inPiecesOf piece: Int) -> Int? {
    var v = UTF8Validator()
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + piece)
        bytes[start..<end].withUnsafeBufferPointer { v.feed($0) }
        start = end
    }
    v.finish()
    return v.firstInvalid
}
