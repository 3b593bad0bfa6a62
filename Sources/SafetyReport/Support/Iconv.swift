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
        GconvPins.hold(from); GconvPins.hold(to)
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

/// A strict conversion fed in pieces of any size: a character split between two pieces is carried
/// over and converted once the rest arrives, so the result is the same as converting the whole at once.
/// Offsets in errors count from the start of everything fed. One per pass; not shared between threads.
final class IconvStream {
    private let cd: iconv_t
    /// Bytes of an incomplete character at the end of the last piece.
    private var carry: [UInt8] = []
    /// Bytes fed before the current piece (carry excluded), for absolute error offsets.
    private var consumed = 0
    private var output: [UInt8] = []

    init(from: String, to: String) throws(IconvError) {
        GconvPins.hold(from); GconvPins.hold(to)
        guard let cd = iconv_open(to, from), cd != iconv_t(bitPattern: -1) else { throw .unsupported(from: from, to: to) }
        self.cd = cd
    }
    deinit { iconv_close(cd) }

    /// Converts `piece` (after any carried bytes) and hands the converted bytes to `body`; bytes of a
    /// character that continues in the next piece are kept for it.
    func feed(_ piece: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(IconvError) {
        if piece.isEmpty { return }
        if carry.isEmpty {
            try convert(piece, start: consumed, body)
        } else {
            // Rare (once per piece at most): the carried bytes and the new piece made contiguous.
            let joined = carry + Array(piece)
            let start = consumed - carry.count
            carry.removeAll(keepingCapacity: true)
            try joined.withUnsafeBufferPointer { (b) throws(IconvError) in try convert(b, start: start, body) }
        }
        consumed += piece.count
    }

    /// The end of the input: a character still incomplete is a truncated sequence.
    func finish() throws(IconvError) {
        if !carry.isEmpty { throw .truncatedSequence(offset: consumed - carry.count) }
    }

    private func convert(_ input: UnsafeBufferPointer<UInt8>, start: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(IconvError) {
        let capacity = input.count * 2 + 16
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: input.baseAddress!).assumingMemoryBound(to: CChar.self)
        var inLeft = input.count
        var failure: IconvError?
        output.withUnsafeMutableBufferPointer { out in
            while inLeft > 0 {
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = out.count
                let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                let err = errno
                if out.count - outLeft > 0 { body(UnsafeBufferPointer(rebasing: out[0..<(out.count - outLeft)])) }
                if rc != -1 { break }
                switch err {
                case E2BIG: continue
                case EINVAL:
                    // An incomplete character at the end of this piece: keep it for the next.
                    carry = Array(UnsafeBufferPointer(rebasing: input[(input.count - inLeft)...]))
                    return
                default:
                    failure = .invalidSequence(offset: start + input.count - inLeft)
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}

/// Keeps glibc's GB18030 and UTF-16 conversion modules loaded for the life of the process.
///
/// glibc loads a gconv module with `dlopen` when a converter first needs it and unloads it (`dlclose`) once it has
/// gone unused through a few other converters' closes (`gconv_dl.c`, `TRIES_BEFORE_UNLOAD`). Each file gets its own
/// converter, so a town whose files alternate GB18030 and UTF-16 loaded `GB18030.so` and `UTF-16.so` again about
/// 1,400 times in one cold `check` of 2,000 × 12 (the loader's mapping, relocation and unmapping: ~5 % of its CPU).
/// One converter per module, opened the first time the module is wanted and never closed, keeps its use count above
/// zero. The pins convert nothing and are never shared: they only exist.
enum GconvPins {
    /// An open descriptor nobody converts with (so no thread ever touches its state).
    private struct Pin: @unchecked Sendable {
        let cd: iconv_t?
        init(_ encoding: String) {
            let cd = iconv_open("UTF-8", encoding)
            self.cd = cd == iconv_t(bitPattern: -1) ? nil : cd
        }
    }
    // Swift initializes each once, on first use, thread-safely; UTF-16LE and UTF-16BE share one module.
    private static let gb18030 = Pin("GB18030")
    private static let utf16 = Pin("UTF-16LE")

    /// Pins the module that converts `encoding` (an iconv name this tool uses), if it is one glibc loads on demand.
    @inline(__always)
    static func hold(_ encoding: String) {
        switch encoding {
        case "GB18030": withExtendedLifetime(gb18030) {}
        case "UTF-16LE", "UTF-16BE", "UTF-16": withExtendedLifetime(utf16) {}
        default: break
        }
    }

    /// Whether `encoding`'s module is pinned (for tests).
    static func isPinned(_ encoding: String) -> Bool {
        switch encoding {
        case "GB18030": gb18030.cd != nil
        case "UTF-16LE", "UTF-16BE", "UTF-16": utf16.cd != nil
        default: false
        }
    }
}
