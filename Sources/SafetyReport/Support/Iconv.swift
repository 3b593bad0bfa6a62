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
    /// For GB18030 → UTF-8: glibc's own conversion of every one- and two-byte code, looked up instead of calling
    /// iconv for them (see `GB18030Table`); nil for other conversions.
    private let table: GB18030Table?
    /// The table path's converted bytes (apart from `output`, which the iconv path may replace).
    private var fastOutput: [UInt8] = []
    /// Bytes of an incomplete character at the end of the last piece.
    private var carry: [UInt8] = []
    /// Bytes fed before the current piece (carry excluded), for absolute error offsets.
    private var consumed = 0
    private var output: [UInt8] = []

    /// `lookup: false` converts every byte through iconv (the tests' reference for the GB18030 table).
    init(from: String, to: String, lookup: Bool = true) throws(IconvError) {
        GconvPins.hold(from); GconvPins.hold(to)
        guard let cd = iconv_open(to, from), cd != iconv_t(bitPattern: -1) else { throw .unsupported(from: from, to: to) }
        self.cd = cd
        table = lookup && from == "GB18030" && to == "UTF-8" ? GB18030Table.shared : nil
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
        if let table { try convert(input, start: start, table: table, body) } else { try convertByIconv(input, start: start, body) }
    }

    /// GB18030 through the table: ASCII and two-byte codes glibc converts are copied from its own conversions; anything
    /// else (a four-byte code, a byte no code starts with, a code cut by the piece's end) goes to iconv, exactly the
    /// span a four-byte code takes or, for anything odd, the rest of the input. GB18030 is stateless, so iconv given a
    /// span that starts where a character starts converts it as it would within the whole, fails at the same offset
    /// and carries the same bytes; what was converted before a failure is handed on before it, as iconv's path does.
    private func convert(_ input: UnsafeBufferPointer<UInt8>, start: Int, table: GB18030Table,
                         _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(IconvError) {
        let n = input.count
        guard n > 0, let base = input.baseAddress else { return }
        // ASCII is one byte out per byte in, a two-byte code at most three, a four-byte code is never taken here.
        let capacity = n + n / 2 + 16
        if fastOutput.count < capacity { fastOutput = [UInt8](repeating: 0, count: capacity) }
        var i = 0
        var failure: IconvError?
        fastOutput.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            var produced = 0
            func flush() {
                if produced > 0 { body(UnsafeBufferPointer(start: o, count: produced)); produced = 0 }
            }
            let raw = UnsafeRawPointer(base)
            while i < n {
                // Eight ASCII bytes at a time: the digits, dates and commas of every row.
                while i + 8 <= n {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    guard word & 0x8080_8080_8080_8080 == 0 else { break }
                    UnsafeMutableRawPointer(o + produced).storeBytes(of: word, as: UInt64.self)
                    produced += 8; i += 8
                }
                guard i < n else { break }
                let b = base[i]
                if b < 0x80 { o[produced] = b; produced += 1; i += 1; continue }
                if i + 1 < n, let entry = table.twoByte(b, base[i + 1]) {
                    // Its (up to three) bytes stored at once, the count moved by as many (the buffer has room past).
                    UnsafeMutableRawPointer(o + produced).storeBytes(of: (entry >> 8).littleEndian, as: UInt32.self)
                    produced += Int(entry & 0xFF)
                    i += 2
                    continue
                }
                // iconv decides: a four-byte code (its second byte a digit) alone, anything else with all that follows.
                flush()
                let fourByte = i + 4 <= n && b >= 0x81 && b <= 0xFE && base[i + 1] >= 0x30 && base[i + 1] <= 0x39
                let end = fourByte ? i + 4 : n
                do throws(IconvError) {
                    try convertByIconv(UnsafeBufferPointer(rebasing: input[i..<end]), start: start + i, body)
                } catch {
                    failure = error
                    return
                }
                if !carry.isEmpty && end < n {
                    // Never for a complete four-byte span; should iconv leave bytes over, it converts the rest itself.
                    carry.removeAll(keepingCapacity: true)
                    do throws(IconvError) {
                        try convertByIconv(UnsafeBufferPointer(rebasing: input[i...]), start: start + i, body)
                    } catch {
                        failure = error
                    }
                    return
                }
                i = end
            }
            flush()
        }
        if let failure { throw failure }
    }

    private func convertByIconv(_ input: UnsafeBufferPointer<UInt8>, start: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(IconvError) {
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

/// glibc's GB18030 → UTF-8 conversion of every one- and two-byte code, made once per process by iconv itself, so a
/// GB18030 file's ASCII and two-byte codes (every Chinese character of a clerk's file) are converted by a lookup: iconv
/// per piece was ~10 % of a GB18030 file's `check` (its module's loop and glibc's UTF-8 writer). Whatever glibc's
/// GB18030 version maps a code to, the table holds; a code it refuses, or that converts to anything but one character
/// of at most three UTF-8 bytes, is not in the table and still goes to iconv. When ASCII does not convert to itself,
/// or iconv cannot be opened, there is no table and every byte goes to iconv.
final class GB18030Table: Sendable {
    /// Per code `(lead - 0x81) * 191 + (trail - 0x40)`: the UTF-8 bytes from bit 8 up, their count in the low byte;
    /// 0 for a code iconv refused or a trail byte outside 0x40–0xFE.
    private let entries: [UInt32]

    /// Made on first use (thread-safely, once) and kept for the process; nil when glibc cannot provide it.
    static let shared: GB18030Table? = GB18030Table()

    @inline(__always)
    func twoByte(_ lead: UInt8, _ trail: UInt8) -> UInt32? {
        guard lead >= 0x81, lead <= 0xFE, trail >= 0x40, trail <= 0xFE else { return nil }
        let entry = entries.withUnsafeBufferPointer { $0[Int(lead &- 0x81) &* 191 &+ Int(trail &- 0x40)] }
        return entry == 0 ? nil : entry
    }

    private init?() {
        GconvPins.hold("GB18030")
        guard let cd = iconv_open("UTF-8", "GB18030"), cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        // One input and one output buffer for every conversion below: the table is 23,940 codes converted one at a
        // time, and three arrays made and freed per code (input, output, result) were three quarters of its ~65 M
        // instructions (callgrind), paid by every process that reads a GB18030 file.
        let inCapacity = 0x80, outCapacity = 0x80 * 4 + 16
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inCapacity)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outCapacity)
        defer { input.deallocate(); output.deallocate() }
        /// iconv's output for `input[0..<count]` as one whole conversion: how many bytes it wrote at `output`, or nil
        /// when it refuses or leaves any of them.
        func convert(_ count: Int) -> Int? {
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(input).assumingMemoryBound(to: CChar.self)
            var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
            var inLeft = count, outLeft = outCapacity
            _ = iconv(cd, nil, nil, nil, nil)  // the initial state, whatever the last call left
            guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1, inLeft == 0 else { return nil }
            return outCapacity - outLeft
        }
        for b in 0..<0x80 { input[b] = UInt8(b) }
        guard convert(0x80) == 0x80, (0..<0x80).allSatisfy({ output[$0] == UInt8($0) }) else { return nil }
        var entries = [UInt32](repeating: 0, count: 126 * 191)
        for lead in 0x81...0xFE {
            for trail in 0x40...0xFE where trail != 0x7F {
                // One code at a time: which codes glibc refuses must not depend on their neighbours.
                // One character: its first byte says how many bytes it takes, and that is all iconv gave.
                input[0] = UInt8(lead); input[1] = UInt8(trail)
                guard let count = convert(2), count > 0 else { continue }
                let first = output[0]
                guard count == (first < 0x80 ? 1 : first & 0xE0 == 0xC0 ? 2 : first & 0xF0 == 0xE0 ? 3 : 0) else { continue }
                var entry = UInt32(count)
                for k in 0..<count { entry |= UInt32(output[k]) << (8 * UInt32(k + 1)) }
                entries[(lead - 0x81) * 191 + (trail - 0x40)] = entry
            }
        }
        self.entries = entries
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
