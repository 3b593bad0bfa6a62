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
///
/// UTF-16 (LE or BE) to UTF-8 is converted here, as glibc's UTF-16 module converts it (`utf16`), without iconv; a
/// GB18030 converter with the table opens iconv only when a code the table lacks appears. A cold run of a town opened
/// two iconv converters per UTF-16 file (pass 1 and pass 2, ~5 k instructions each) and one per GB18030 file, and
/// went through glibc's UTF-16 module for every byte of a UTF-16 file, twice.
final class IconvStream {
    private let from: String, to: String
    /// The iconv converter, once opened (at once for a conversion neither the table nor `utf16` does, else on the
    /// first input that needs it).
    private var cd: iconv_t?
    /// For GB18030 → UTF-8: glibc's own conversion of every one- and two-byte code, looked up instead of calling
    /// iconv for them (see `GB18030Table`); nil for other conversions.
    private let table: GB18030Table?
    /// For UTF-16 → UTF-8 done here: whether the code units are big-endian; nil when iconv converts.
    private let utf16BigEndian: Bool?
    /// The table path's converted bytes (apart from `output`, which the iconv path may replace).
    private var fastOutput: [UInt8] = []
    /// Bytes of an incomplete character at the end of the last piece.
    private var carry: [UInt8] = []
    /// Bytes fed before the current piece (carry excluded), for absolute error offsets.
    private var consumed = 0
    private var output: [UInt8] = []

    /// `lookup: false` converts every byte through iconv (the tests' reference for the GB18030 table and for UTF-16).
    init(from: String, to: String, lookup: Bool = true) throws(IconvError) {
        self.from = from; self.to = to
        utf16BigEndian = lookup && to == "UTF-8" ? (from == "UTF-16LE" ? false : from == "UTF-16BE" ? true : nil) : nil
        table = lookup && from == "GB18030" && to == "UTF-8" ? GB18030Table.shared : nil
        // The table was made by an open GB18030 converter (and its module stays pinned): opening one again succeeds.
        if utf16BigEndian == nil && table == nil { _ = try converter() }
    }
    deinit { if let cd { iconv_close(cd) } }

    /// The iconv converter, opened the first time it is needed.
    private func converter() throws(IconvError) -> iconv_t {
        if let cd { return cd }
        GconvPins.hold(from); GconvPins.hold(to)
        guard let opened = iconv_open(to, from), opened != iconv_t(bitPattern: -1) else { throw .unsupported(from: from, to: to) }
        cd = opened
        return opened
    }

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
        if let bigEndian = utf16BigEndian { try convertUTF16(input, start: start, bigEndian: bigEndian, body) }
        else if let table { try convert(input, start: start, table: table, body) }
        else { try convertByIconv(input, start: start, body) }
    }

    /// UTF-16 → UTF-8 exactly as glibc's UTF-16 module (with its UTF-8 writer) converts it: every code unit outside
    /// D800–DFFF is its own character; a high surrogate (D800–DBFF) followed by a low one (DC00–DFFF) is one character;
    /// a low surrogate alone, or a high one followed by anything else, is an invalid sequence at the high (or lone)
    /// surrogate, with everything before it handed on first; an odd byte, or a high surrogate without the two bytes
    /// after it, at the end of the input is carried to the next piece (incomplete at `finish`). U+0000 and U+FFFE are
    /// characters like any other (the callers judge them).
    private func convertUTF16(_ input: UnsafeBufferPointer<UInt8>, start: Int, bigEndian: Bool,
                              _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(IconvError) {
        let n = input.count
        guard n > 0, let base = input.baseAddress else { return }
        // A unit is at most three bytes out for two in; a pair four for four.
        let capacity = n / 2 * 3 + 16
        if fastOutput.count < capacity { fastOutput = [UInt8](repeating: 0, count: capacity) }
        var i = 0
        var failure: IconvError?
        fastOutput.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            var produced = 0
            let raw = UnsafeRawPointer(base)
            // Four ASCII units at a time (the digits, dates and commas of every row): their low bytes, at even
            // offsets (LE) or odd ones (BE), with every other byte zero.
            let asciiMask: UInt64 = bigEndian ? 0x80FF_80FF_80FF_80FF : 0xFF80_FF80_FF80_FF80
            let shift: UInt64 = bigEndian ? 8 : 0
            @inline(__always) func unit(_ k: Int) -> UInt32 {
                bigEndian ? UInt32(base[k]) << 8 | UInt32(base[k &+ 1]) : UInt32(base[k]) | UInt32(base[k &+ 1]) << 8
            }
            while i &+ 2 <= n {
                while i &+ 8 <= n {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    guard word & asciiMask == 0 else { break }
                    o[produced] = UInt8(truncatingIfNeeded: word >> shift)
                    o[produced &+ 1] = UInt8(truncatingIfNeeded: word >> (shift &+ 16))
                    o[produced &+ 2] = UInt8(truncatingIfNeeded: word >> (shift &+ 32))
                    o[produced &+ 3] = UInt8(truncatingIfNeeded: word >> (shift &+ 48))
                    produced &+= 4; i &+= 8
                }
                guard i &+ 2 <= n else { break }
                let u = unit(i)
                if u < 0x80 {
                    o[produced] = UInt8(u); produced &+= 1
                } else if u < 0x800 {
                    o[produced] = UInt8(0xC0 | u >> 6); o[produced &+ 1] = UInt8(0x80 | u & 0x3F); produced &+= 2
                } else if u < 0xD800 || u > 0xDFFF {
                    o[produced] = UInt8(0xE0 | u >> 12); o[produced &+ 1] = UInt8(0x80 | (u >> 6) & 0x3F)
                    o[produced &+ 2] = UInt8(0x80 | u & 0x3F); produced &+= 3
                } else {
                    guard u < 0xDC00 else { failure = .invalidSequence(offset: start + i); break }
                    guard i &+ 4 <= n else { break }   // its partner in the next piece (or missing: `finish` says so)
                    let low = unit(i &+ 2)
                    guard low >= 0xDC00 && low <= 0xDFFF else { failure = .invalidSequence(offset: start + i); break }
                    let scalar = 0x10000 &+ ((u &- 0xD800) << 10) &+ (low &- 0xDC00)
                    o[produced] = UInt8(0xF0 | scalar >> 18); o[produced &+ 1] = UInt8(0x80 | (scalar >> 12) & 0x3F)
                    o[produced &+ 2] = UInt8(0x80 | (scalar >> 6) & 0x3F); o[produced &+ 3] = UInt8(0x80 | scalar & 0x3F)
                    produced &+= 4; i &+= 2
                }
                i &+= 2
            }
            if produced > 0 { body(UnsafeBufferPointer(start: o, count: produced)) }
        }
        if let failure { throw failure }
        if i < n { carry = Array(UnsafeBufferPointer(rebasing: input[i...])) }
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
        let cd = try converter()
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
        // One input and one output buffer for every conversion below. A lead byte's 190 codes go to iconv together
        // (~1,400 instructions a call: the table's 23,940 one-code calls were 35 M instructions of every process that
        // reads a GB18030 file). No trail byte (0x40–0xFE) is a four-byte code's second byte (0x30–0x39) and GB18030
        // is stateless, so in a row iconv converts each code as it converts it alone, and stops at the first one it
        // refuses (left out; the row goes on after it). The output is cut into characters by their UTF-8 lead
        // bytes; a stretch that did not give one character per code is converted again one code at a time.
        let rowCodes = 190
        let inCapacity = 2 * rowCodes, outCapacity = 4 * rowCodes + 16
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inCapacity)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outCapacity)
        defer { input.deallocate(); output.deallocate() }
        /// iconv's conversion of `count` bytes at `from` as one call from the initial state: the bytes it took, the
        /// bytes it wrote at `output`, and why it stopped short (its errno; nil when it took them all).
        func convert(_ from: Int, _ count: Int) -> (taken: Int, written: Int, stop: Int32?) {
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(input + from).assumingMemoryBound(to: CChar.self)
            var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
            var inLeft = count, outLeft = outCapacity
            _ = iconv(cd, nil, nil, nil, nil)  // the initial state, whatever the last call left
            let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            let stop: Int32? = rc == -1 ? errno : inLeft == 0 ? nil : -1  // -1: stopped short without saying why
            return (count - inLeft, outCapacity - outLeft, stop)
        }
        /// The UTF-8 length its first byte gives a character; 0 for a byte that starts none.
        func length(_ first: UInt8) -> Int {
            first < 0x80 ? 1 : first & 0xE0 == 0xC0 ? 2 : first & 0xF0 == 0xE0 ? 3 : first & 0xF8 == 0xF0 ? 4 : 0
        }
        for b in 0..<0x80 { input[b] = UInt8(b) }
        let ascii = convert(0, 0x80)
        guard ascii.stop == nil, ascii.taken == 0x80, ascii.written == 0x80,
              (0..<0x80).allSatisfy({ output[$0] == UInt8($0) }) else { return nil }
        var entries = [UInt32](repeating: 0, count: 126 * 191)
        /// The entry of one character of `count` bytes at `output + at`: only one of at most three bytes is kept.
        func store(_ lead: Int, _ trail: Int, at: Int, count: Int) {
            guard count >= 1, count <= 3 else { return }
            var entry = UInt32(count)
            for k in 0..<count { entry |= UInt32(output[at + k]) << (8 * UInt32(k + 1)) }
            entries[(lead - 0x81) * 191 + (trail - 0x40)] = entry
        }
        let trails = (0x40...0xFE).filter { $0 != 0x7F }
        for lead in 0x81...0xFE {
            for (k, trail) in trails.enumerated() { input[2 * k] = UInt8(lead); input[2 * k + 1] = UInt8(trail) }
            /// The codes `first..<end` one at a time, as the table was first made: a code is kept when iconv takes
            /// it whole and gives one character.
            func oneByOne(_ first: Int, _ end: Int) {
                for k in first..<end {
                    let one = convert(2 * k, 2)
                    guard one.stop == nil, one.written > 0, length(output[0]) == one.written else { continue }
                    store(lead, trails[k], at: 0, count: one.written)
                }
            }
            var next = 0
            while next < rowCodes {
                let run = convert(2 * next, 2 * (rowCodes - next))
                let codes = run.taken / 2
                // The characters written, one per code taken, or the stretch again code by code.
                var at = 0, characters = 0
                while at < run.written {
                    let count = length(output[at])
                    guard count > 0, at + count <= run.written else { characters = -1; break }
                    at += count; characters += 1
                }
                if characters == codes && run.taken % 2 == 0 {
                    at = 0
                    for k in next..<(next + codes) {
                        let count = length(output[at])
                        store(lead, trails[k], at: at, count: count)
                        at += count
                    }
                } else {
                    oneByOne(next, min(rowCodes, next + (run.taken + 1) / 2))
                    next = min(rowCodes, next + (run.taken + 1) / 2)
                    if run.stop != nil && run.stop != E2BIG { oneByOne(next, rowCodes); next = rowCodes }
                    continue
                }
                next += codes
                switch run.stop {
                case nil: next = rowCodes
                case E2BIG: break
                case EILSEQ: next += 1        // refused: left out, as alone
                default: oneByOne(next, rowCodes); next = rowCodes
                }
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
