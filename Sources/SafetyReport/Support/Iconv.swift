// Strict byte conversion through glibc's iconv: never substitutes, fails on the first bad sequence.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a conversion failed: the encoding is unknown to iconv, or the bytes are not valid
/// in the source encoding (at `offset`), or they end in the middle of a character.
public enum IconvError: Error, Equatable, Sendable {
    case unsupported(from: String, to: String)
    case invalidSequence(offset: Int)
    case truncatedSequence(offset: Int)
}

public enum Iconv {
    /// Converts `bytes` from one encoding to another (names as iconv knows them: "GB18030",
    /// "UTF-8", "UTF-16LE"). Strict: no transliteration, no replacement characters.
    public static func convert(_ bytes: [UInt8], from: String, to: String) throws(IconvError) -> [UInt8] {
        let cd = iconv_open(to, from)
        if cd == iconv_t(bitPattern: -1) { throw .unsupported(from: from, to: to) }
        defer { iconv_close(cd) }
        if bytes.isEmpty { return [] }
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        var input = bytes
        var produced = 0
        var failure: IconvError?
        input.withUnsafeMutableBufferPointer { inBuf in
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
            var inLeft = inBuf.count
            while inLeft > 0 {
                let before = inLeft
                let rc: Int = output.withUnsafeMutableBufferPointer { outBuf in
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count - produced
                    let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    produced = outBuf.count - outLeft
                    return rc
                }
                if rc != -1 { break }
                let offset = inBuf.count - inLeft
                switch errno {
                case E2BIG: output.append(contentsOf: [UInt8](repeating: 0, count: output.count))
                case EILSEQ: failure = .invalidSequence(offset: offset); return
                case EINVAL: failure = .truncatedSequence(offset: offset); return
                default: failure = .invalidSequence(offset: offset); return
                }
                _ = before
            }
        }
        if let failure { throw failure }
        output.removeSubrange(produced...)
        return output
    }
}
