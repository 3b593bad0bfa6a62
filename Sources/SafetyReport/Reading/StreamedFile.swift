// A CSV submission read in fixed pieces, twice, so memory is bounded by one record rather than by the file.
//
// Pass 1 (`CSVStream.survey`) reads the file once: SHA-256 for the manifest, the size cap, and everything
// the SPEC's fixed decoding rules need (signatures, BOM, NUL bytes, strict UTF-8 across piece boundaries,
// UTF-16 through iconv), plus the separator from the header row. Only then is the encoding known — a
// file that stops being UTF-8 on its last line is GB18030 from its first — so pass 2
// (`CSVStream.forEachRecord`) reads it again, decodes, parses and hands each record on, keeping nothing.
// A file no bigger than one piece is kept from pass 1 instead of being read again. Pass 2 checks that it
// read the same file (device, inode, size, times, and a 64-bit fingerprint of every byte); a file
// changed between the passes is rejected whole (`ReadFailure.changedWhileRead`), never half old, half new.

#if canImport(Glibc)
import Glibc
#endif

/// Why an input file could not be read into memory.
public enum InputReadError: Error, Equatable, Sendable {
    /// Larger than the limit: nothing was read.
    case tooLarge(bytes: Int)
    /// Not a regular file once opened (replaced by a FIFO, a device or a folder since the scan).
    case notRegularFile
    /// The system refused (`errno` text).
    case io(String)

    /// Why `open` failed: a refused permission in the words the scanner used when it still checked access(2)
    /// (the scan now leaves that to the open), anything else as the system says it.
    static func opening(errno code: Int32) -> InputReadError {
        code == EACCES ? .io(InputReadError.noPermission) : .io(String(cString: strerror(code)))
    }

    /// A file or folder the user running the tool may not read.
    static let noPermission = "没有读取权限"

    /// The reason in English, for the command line's own messages (logs are English).
    public var english: String {
        switch self {
        case .tooLarge(let size): "file too large (\(size) bytes)"
        case .notRegularFile: "not a regular file"
        case .io(let why): why == InputReadError.noPermission ? String(cString: strerror(EACCES)) : why
        }
    }

    /// The reason, in Chinese, for a clerk's issue.
    var chinese: String {
        switch self {
        case .tooLarge: "文件过大"
        case .notRegularFile: "不是普通文件"
        case .io(let why): why
        }
    }
}

/// What identifies an open file's version: a change between the passes alters at least one of these.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64, inode: UInt64, size: Int
    var modified: Int, modifiedNanos: Int, changed: Int, changedNanos: Int
}

/// Reads a clerk's file in pieces with `InputLoader.readInput`'s guarantees: no blocking on a FIFO
/// swapped in after the scan (O_NONBLOCK, then refused as not a regular file), a size from the open
/// descriptor checked before reading, at most `limit + 1` bytes ever read, EINTR retried.
enum ChunkedFile {
    /// Opens a clerk's file for reading without blocking on a FIFO, and refuses what is not a regular file or is
    /// larger than `limit` by the open descriptor's size, before reading anything. The caller closes the descriptor.
    static func openRegularFile(_ path: String, limit: Int) throws(InputReadError) -> (fd: Int32, stat: stat) {
        var noAtime = true
        return try openRegularFile(path, limit: limit, noAtime: &noAtime)
    }

    /// `O_NOATIME` (Linux's `__O_NOATIME`, not exported by Swift's Glibc module); 0 where its value differs.
    #if os(Linux) && (arch(x86_64) || arch(arm64))
    static let noAtimeFlag: Int32 = 0o1000000
    #else
    static let noAtimeFlag: Int32 = 0
    #endif

    /// The same, opened with `O_NOATIME` while `noAtime` is true: reading a clerk's file then does not make ext4
    /// write its inode's access time (5 % of the first cold `check` after a town was copied; with relatime, every
    /// read of a file not read for a day). Only the file's owner (or root) may ask for it; the open refused with
    /// EPERM is made again without it and `noAtime` turns false, so the caller stops asking.
    static func openRegularFile(_ path: String, limit: Int, noAtime: inout Bool) throws(InputReadError) -> (fd: Int32, stat: stat) {
        let plain = O_RDONLY | O_NONBLOCK | O_CLOEXEC
        var fd: Int32
        if noAtime && noAtimeFlag != 0 {
            fd = open(path, plain | noAtimeFlag)
            if fd < 0 && errno == EPERM { noAtime = false; fd = open(path, plain) }
        } else {
            fd = open(path, plain)
        }
        guard fd >= 0 else { throw .opening(errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let why = String(cString: strerror(errno)); close(fd); throw .io(why) }
        guard st.st_mode & S_IFMT == S_IFREG else { close(fd); throw .notRegularFile }
        if Int(st.st_size) > limit { close(fd); throw .tooLarge(bytes: Int(st.st_size)) }
        return (fd, st)
    }

    /// Calls `body` with successive pieces of `pieceBytes` (the last may be shorter) until the end or
    /// until `body` returns false. Returns the identity fstat gave when the file was opened and the
    /// bytes read.
    static func read(_ path: String, limit: Int, pieceBytes: Int,
                     _ body: (UnsafeBufferPointer<UInt8>) -> Bool) throws(InputReadError) -> (FileIdentity, Int) {
        var noAtime = true
        return try read(path, limit: limit, pieceBytes: pieceBytes, noAtime: &noAtime, body)
    }

    /// The same, with `O_NOATIME` while `noAtime` is true (see `openRegularFile(_:limit:noAtime:)`).
    static func read(_ path: String, limit: Int, pieceBytes: Int, noAtime: inout Bool,
                     _ body: (UnsafeBufferPointer<UInt8>) -> Bool) throws(InputReadError) -> (FileIdentity, Int) {
        let (fd, st) = try openRegularFile(path, limit: limit, noAtime: &noAtime)
        defer { close(fd) }
        let size = Int(st.st_size)
        let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: size,
                                    modified: Int(st.st_mtim.tv_sec), modifiedNanos: Int(st.st_mtim.tv_nsec),
                                    changed: Int(st.st_ctim.tv_sec), changedNanos: Int(st.st_ctim.tv_nsec))
        let piece = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, min(pieceBytes, size + 1)))
        defer { piece.deallocate() }
        var total = 0
        var more = true
        while more {
            var filled = 0
            var atEnd = false
            while filled < piece.count {
                let room = min(piece.count - filled, limit + 1 - total - filled)
                if room == 0 { break }
                let n = Glibc.read(fd, piece.baseAddress! + filled, room)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io(String(cString: strerror(errno)))
                }
                if n == 0 { atEnd = true; break }
                filled += n
                // A short read that ends exactly at the size fstat gave is the end: asking again only returns 0.
                // (A file grown since still fills the whole request, so growth past the size is still seen.)
                if n < room && total + filled == size { atEnd = true; break }
            }
            total += filled
            if total > limit { throw .tooLarge(bytes: total) }
            if filled > 0 { more = body(UnsafeBufferPointer(rebasing: piece[0..<filled])) }
            if atEnd || filled == 0 { break }
        }
        return (identity, total)
    }
}

/// A 64-bit fingerprint of a byte stream, the same however it is cut into pieces. Not cryptographic:
/// it only tells pass 2 whether it read what pass 1 hashed, together with the file's identity.
///
/// Four lanes: word `k` of the stream is mixed into lane `k % 4`, and the lanes are mixed together at the end. With
/// one lane every word waited for the previous word's multiply (a chain of ~6 cycles a word, run twice over every
/// byte of a file: pass 1 and pass 2); four independent chains let the core overlap them. Only ever compared within
/// one run (pass 1 against pass 2), never stored.
struct Fingerprint: Sendable, Equatable {
    /// The lanes; `a` takes the next whole word (the lanes turn round by one for each word mixed alone).
    private var a: UInt64 = 0xCBF2_9CE4_8422_2325
    private var b: UInt64 = 0x8422_2325_CBF2_9CE4
    private var c: UInt64 = 0x9E37_79B9_CBF2_9CE4
    private var d: UInt64 = 0xCBF2_9CE4_9E37_79B9
    private var word: UInt64 = 0
    private var wordBytes = 0
    private(set) var count = 0

    private static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let m = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        return m ^ (m >> 29)
    }

    /// Mixes one word into lane `a` and turns the lanes, so that the next word goes to the next lane.
    @inline(__always)
    private mutating func mixAlone(_ w: UInt64) {
        let m = Self.mix(a, w)
        a = b; b = c; c = d; d = m
    }

    mutating func update(_ buf: UnsafeBufferPointer<UInt8>) {
        _ = update(buf, countingLineFeeds: false)
    }

    /// `update`, returning the LF bytes in `buf` (what `Surveyor.countLineFeeds` counts): counted in the same word
    /// loop, where they cost next to nothing beside the mix's multiplies; counted in a pass of their own they
    /// were 2 % of a big file's `check`.
    mutating func update(countingLineFeeds buf: UnsafeBufferPointer<UInt8>) -> Int {
        update(buf, countingLineFeeds: true)
    }

    @inline(__always)
    private mutating func update(_ buf: UnsafeBufferPointer<UInt8>, countingLineFeeds: Bool) -> Int {
        count += buf.count
        var i = 0, feeds = 0
        let n = buf.count
        while wordBytes != 0 && i < n {
            if countingLineFeeds { feeds &+= buf[i] == 0x0A ? 1 : 0 }
            word |= UInt64(buf[i]) << (8 * UInt64(wordBytes)); i += 1; wordBytes += 1
            if wordBytes == 8 { mixAlone(word); word = 0; wordBytes = 0 }
        }
        guard let raw = UnsafeRawPointer(buf.baseAddress) else { return feeds }
        // As `countLineFeeds`: a byte of `x` is zero exactly where `w` holds an LF.
        @inline(__always) func lineFeeds(_ w: UInt64) -> Int {
            let x = w ^ 0x0A0A_0A0A_0A0A_0A0A
            return (~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x) & 0x8080_8080_8080_8080).nonzeroBitCount
        }
        var h0 = a, h1 = b, h2 = c, h3 = d
        while i + 32 <= n {
            let w0 = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            let w1 = raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self).littleEndian
            let w2 = raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self).littleEndian
            let w3 = raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self).littleEndian
            h0 = Self.mix(h0, w0); h1 = Self.mix(h1, w1); h2 = Self.mix(h2, w2); h3 = Self.mix(h3, w3)
            if countingLineFeeds { feeds &+= lineFeeds(w0) &+ lineFeeds(w1) &+ lineFeeds(w2) &+ lineFeeds(w3) }
            i += 32
        }
        a = h0; b = h1; c = h2; d = h3
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            mixAlone(w)
            if countingLineFeeds { feeds &+= lineFeeds(w) }
            i += 8
        }
        while i < n {
            if countingLineFeeds { feeds &+= buf[i] == 0x0A ? 1 : 0 }
            word |= UInt64(buf[i]) << (8 * UInt64(wordBytes)); i += 1; wordBytes += 1
        }
        return feeds
    }

    var final: UInt64 { Self.mix(Self.mix(Self.mix(Self.mix(Self.mix(a, b), c), d) ^ word, UInt64(wordBytes)), UInt64(count)) }
}

/// Strict UTF-8 (Unicode Table 3-7, as `TextDecoding.firstInvalidUTF8`) checked across piece boundaries.
struct UTF8Validator {
    /// Bytes of a sequence begun at the end of the last piece.
    private var pending: [UInt8] = []
    /// Bytes fed before the current piece.
    private var fed = 0
    /// Offset of the first byte not part of a well-formed sequence.
    private(set) var firstInvalid: Int?

    /// Length of the well-formed sequence at `p` (> 0), 0 when it is ill-formed, -1 when the `available`
    /// bytes are a valid beginning of a longer one.
    static func sequence(_ p: UnsafePointer<UInt8>, _ available: Int) -> Int {
        let b0 = p[0]
        if b0 < 0x80 { return 1 }
        let length: Int, lo: UInt8, hi: UInt8
        switch b0 {
        case 0xC2...0xDF: length = 2; lo = 0x80; hi = 0xBF
        case 0xE0: length = 3; lo = 0xA0; hi = 0xBF
        case 0xE1...0xEC, 0xEE, 0xEF: length = 3; lo = 0x80; hi = 0xBF
        case 0xED: length = 3; lo = 0x80; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90; hi = 0xBF
        case 0xF1...0xF3: length = 4; lo = 0x80; hi = 0xBF
        case 0xF4: length = 4; lo = 0x80; hi = 0x8F
        default: return 0
        }
        if available < 2 { return -1 }
        guard p[1] >= lo && p[1] <= hi else { return 0 }
        for k in 2..<length {
            if available <= k { return -1 }
            guard p[k] & 0xC0 == 0x80 else { return 0 }
        }
        return length
    }

    /// Whether the low three bytes of `w` (little-endian: the first is the lowest) are a well-formed three-byte
    /// sequence with a lead E1–EC, EE or EF: a lead 1110xxxx and two continuations 10xxxxxx, other than E0 and ED
    /// (whose second byte has a narrower range, left to `sequence`). Such a lead takes any continuations (Table 3-7).
    @inline(__always)
    static func isCommonThreeByteSequence(_ w: UInt32) -> Bool {
        let lead = w & 0xFF
        return w & 0x00C0_C0F0 == 0x0080_80E0 && lead != 0xE0 && lead != 0xED
    }

    mutating func feed(_ buf: UnsafeBufferPointer<UInt8>) {
        defer { fed += buf.count }
        guard firstInvalid == nil, let base = buf.baseAddress else { return }
        let n = buf.count
        var i = 0
        if !pending.isEmpty {
            let joined = pending + UnsafeBufferPointer(rebasing: buf[0..<min(3, n)])
            let length = joined.withUnsafeBufferPointer { Self.sequence($0.baseAddress!, $0.count) }
            if length == 0 { firstInvalid = fed - pending.count; return }
            if length < 0 { pending = joined; return }
            i = length - pending.count
            pending = []
        }
        let raw = UnsafeRawPointer(base)
        while i < n {
            // ASCII eight bytes at a time: most of any CSV file. A word holding a non-ASCII byte skips the ASCII
            // bytes before it at once (in a clerk's file nearly every word holds some Chinese: taken a byte at a
            // time, each of them loaded and tested the word again).
            // `&+`: `i` stays within the piece (each `+` was an overflow check).
            while i &+ 8 <= n {
                let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & 0x8080_8080_8080_8080
                if high == 0 { i &+= 8; continue }
                i &+= high.trailingZeroBitCount >> 3
                break
            }
            if i >= n { break }
            // Most Chinese text: a run of three-byte sequences whose lead E1–EC, EE or EF takes any two continuation
            // bytes (Table 3-7), each checked as one 4-byte load and two compares, staying here for the whole run:
            // going round the word loop again for each character (a load, a test and a count of zeros to find that
            // it starts at once) was a third of this check on a big file of short Chinese rows (thirteenth session).
            while i &+ 4 <= n {
                let w = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                guard Self.isCommonThreeByteSequence(w) else { break }
                i &+= 3
            }
            if i >= n { break }
            let b0 = base[i]
            if b0 < 0x80 { i += 1; continue }
            if i + 3 <= n, (b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF,
               base[i + 1] & 0xC0 == 0x80, base[i + 2] & 0xC0 == 0x80 { i += 3; continue }
            let length = Self.sequence(base + i, n - i)
            if length > 0 { i += length; continue }
            if length == 0 { firstInvalid = fed + i; return }
            pending = Array(UnsafeBufferPointer(rebasing: buf[i...]))
            return
        }
    }

    /// The end of the input: a sequence still open is ill-formed.
    mutating func finish() {
        if firstInvalid == nil && !pending.isEmpty { firstInvalid = fed - pending.count }
        pending = []
    }
}

/// A CSV file whose encoding and separator pass 1 has decided: pass 2 reads it again, record by record.
public struct CSVStream: Sendable, Equatable {
    enum Source: Sendable, Equatable {
        /// Re-read from disk; it must still be the file pass 1 read.
        case file(path: String, identity: FileIdentity)
        /// Kept from pass 1 (a file no bigger than one piece, or bytes given in memory).
        case bytes([UInt8])
    }
    var source: Source
    public internal(set) var encoding: DetectedEncoding
    public internal(set) var separator: Separator
    var limits: ReadLimits
    /// Bytes and fingerprint pass 1 saw.
    var size: Int
    var fingerprint: UInt64
    /// For GB18030 files: where (offset, line) UTF-8 decoding failed in pass 1, since an undecodable file
    /// is reported where it stops being readable in the encoding that got further.
    var invalidUTF8: (offset: Int, line: Int)?
    /// Whether pass 2 opens the file with `O_NOATIME` (false once pass 1's open was refused it).
    var noAtime = true
    /// An upper bound on the records (line breaks + 1), for reserving the accepted rows once.
    public internal(set) var recordEstimate: Int

    public static func == (a: CSVStream, b: CSVStream) -> Bool {
        a.source == b.source && a.encoding == b.encoding && a.separator == b.separator && a.limits == b.limits
            && a.size == b.size && a.fingerprint == b.fingerprint && a.invalidUTF8?.offset == b.invalidUTF8?.offset
    }

    /// What pass 1 found: the SHA-256 and size for the manifest, and the stream or why the file is rejected whole.
    public struct Survey: Sendable {
        /// The SHA-256, kept as 32 bytes (what an `InputRecord` keeps).
        public var digest: HexDigest
        /// The SHA-256 as 64 lowercase hex digits.
        public var sha256: String { digest.hex }
        public var bytes: Int
        public var outcome: Result<CSVStream, ReadFailure>
        /// Seconds hashing (SHA-256) and checking the encoding, for `run --timings`.
        public var hashSeconds = 0.0, checkSeconds = 0.0
    }

    /// Pass 1 over a file on disk. Throws only when the file cannot be read (or is over the size cap).
    public static func survey(path: String, limits: ReadLimits) throws(InputReadError) -> Survey {
        var noAtime = true
        return try survey(path: path, limits: limits, noAtime: &noAtime)
    }

    /// The same, opening the file with `O_NOATIME` while `noAtime` is true; it turns false when the open was
    /// refused that (the file is not the caller's), so a loader stops asking (see `ChunkedFile.openRegularFile`).
    static func survey(path: String, limits: ReadLimits, noAtime: inout Bool) throws(InputReadError) -> Survey {
        var surveyor = Surveyor(limits: limits)
        let (identity, total) = try ChunkedFile.read(path, limit: limits.maxFileBytes, pieceBytes: limits.pieceBytes,
                                                     noAtime: &noAtime) {
            surveyor.feed($0); return true
        }
        var survey = surveyor.finish()
        if case .success(var stream) = survey.outcome, case nil = surveyor.kept {
            stream.source = .file(path: path, identity: identity)
            stream.noAtime = noAtime
            survey.outcome = .success(stream)
        }
        _ = total
        return survey
    }

    /// Pass 1 over bytes in memory (read in pieces all the same, so every path of the reader is the file's).
    public static func survey(bytes: [UInt8], limits: ReadLimits) -> Survey {
        var surveyor = Surveyor(limits: limits, keepAll: true)
        if bytes.count > limits.maxFileBytes {
            return Survey(digest: HexDigest(digest: SHA256.hash(bytes)), bytes: bytes.count,
                          outcome: .failure(.fileTooLarge(bytes: bytes.count, limit: limits.maxFileBytes)))
        }
        forEachPiece(of: bytes, limits.pieceBytes) { surveyor.feed($0); return true }
        return surveyor.finish()
    }

    static func forEachPiece(of bytes: [UInt8], _ pieceBytes: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(all.count, start + max(1, pieceBytes))
                if !body(UnsafeBufferPointer(rebasing: all[start..<end])) { return }
                start = end
            }
        }
    }

    /// Pass 2: decodes and parses the file again, handing every record (header and blank ones included)
    /// to `body` as soon as it is complete; returns the line endings seen. Throws why the file is rejected
    /// whole: a decoding or parsing failure (a decoding one first, as when the file is decoded whole), or
    /// `changedWhileRead` when this is not the file pass 1 read. Records already handed on then count for nothing.
    public func forEachRecord(_ body: (RawRecord) -> Void) throws(ReadFailure) -> LineEndings {
        try forEachRecordBytes { body($0.rawRecord()) }
    }

    /// `forEachRecord` lending each record as bytes (validation makes Strings only of the cells it keeps).
    func forEachRecordBytes(_ body: (RecordBytes) -> Void) throws(ReadFailure) -> LineEndings {
        var parser = CSVRecordParser(separator: separator, limits: limits)
        var decodeFailure: ReadFailure?, parseFailure: ReadFailure?
        var fingerprint = Fingerprint()
        var skip = encoding == .utf8BOM ? 3 : (encoding == .utf16LE || encoding == .utf16BE) ? 2 : 0
        var dropper = LeadingBOMDropper()
        var outputLines = 1
        let converter: IconvStream?
        switch encoding {
        case .utf8, .utf8BOM: converter = nil
        case .gb18030: converter = try? IconvStream(from: "GB18030", to: "UTF-8")
        case .utf16LE: converter = try? IconvStream(from: "UTF-16LE", to: "UTF-8")
        case .utf16BE: converter = try? IconvStream(from: "UTF-16BE", to: "UTF-8")
        }
        if converter == nil && encoding != .utf8 && encoding != .utf8BOM { throw decodingFailure(at: .unsupported(from: "", to: ""), line: 1) }

        func parse(_ text: UnsafeBufferPointer<UInt8>) {
            guard parseFailure == nil else { return }
            do { try parser.feed(text, body) } catch { parseFailure = error }
        }
        func decode(_ piece: UnsafeBufferPointer<UInt8>) {
            var piece = piece
            if skip > 0 { let k = min(skip, piece.count); skip -= k; piece = UnsafeBufferPointer(rebasing: piece[k...]) }
            guard decodeFailure == nil, !piece.isEmpty else { return }
            guard let converter else {
                if encoding == .utf8 { parse(piece) } else { dropper.feed(piece) { parse($0) } }
                return
            }
            do {
                try converter.feed(piece) { text in
                    if encoding == .gb18030 { outputLines += Surveyor.countLineFeeds(text.baseAddress!, text.count); parse(text) }
                    else { dropper.feed(text) { parse($0) } }
                }
            } catch {
                decodeFailure = decodingFailure(at: error, line: outputLines)
            }
        }
        /// Once parsing has failed, only a decoding failure could still change the verdict.
        func goOn() -> Bool { parseFailure == nil || (converter != nil && decodeFailure == nil) }

        switch source {
        case .bytes(let bytes):
            Self.forEachPiece(of: bytes, limits.pieceBytes) { decode($0); return goOn() }
        case .file(let path, let identity):
            do {
                var noAtime = self.noAtime
                let (now, _) = try ChunkedFile.read(path, limit: size, pieceBytes: limits.pieceBytes, noAtime: &noAtime) { piece in
                    fingerprint.update(piece)
                    decode(piece)
                    return goOn()
                }
                guard now == identity else { throw ReadFailure.changedWhileRead }
            } catch let error as InputReadError {
                // Grown past the size or swapped for a non-file is a change; a refusal of the system is not.
                if case .io(let why) = error { throw ReadFailure.unreadable(why) }
                throw ReadFailure.changedWhileRead
            } catch {
                throw ReadFailure.changedWhileRead
            }
            if goOn() && (fingerprint.count != size || fingerprint.final != self.fingerprint) { throw .changedWhileRead }
        }
        if decodeFailure == nil, let converter {
            do { try converter.finish() } catch { decodeFailure = decodingFailure(at: error, line: outputLines) }
        }
        if let decodeFailure { throw decodeFailure }
        dropper.finish { parse($0) }
        if parseFailure == nil { do { try parser.finish(body) } catch { parseFailure = error } }
        if let parseFailure { throw parseFailure }
        return parser.lineEndings
    }

    private func decodingFailure(at error: IconvError, line: Int) -> ReadFailure {
        switch error {
        case .invalidSequence(let offset), .truncatedSequence(let offset): decodingFailure(at: offset, line: line)
        case .unsupported: encoding == .gb18030 ? .undecodable(line: 1) : .changedWhileRead
        }
    }

    private func decodingFailure(at offset: Int, line: Int) -> ReadFailure {
        switch encoding {
        case .gb18030:
            if let bad = invalidUTF8, bad.offset > offset { return .undecodable(line: bad.line) }
            return .undecodable(line: line)
        case .utf16LE, .utf16BE, .utf8, .utf8BOM:
            // Pass 1 decoded these whole already: only a file changed since can fail here.
            return .changedWhileRead
        }
    }
}

/// Pass 1's state over the pieces of one file.
struct Surveyor {
    let limits: ReadLimits
    private var sha = SHA256()
    private var fingerprint = Fingerprint()
    /// The LF bytes of the piece being fed, counted by the fingerprint's loop (nil: count them, `countBreaks`).
    private var pieceLineFeeds: Int?
    private var size = 0
    /// The first bytes (up to 8), until the signatures and BOMs can be told.
    private var head: [UInt8] = []
    private enum Mode { case bytes, utf16(DetectedEncoding), signature(ReadFailure) }
    private var mode: Mode?
    private var hasNUL = false
    private var startsWithUTF8BOM = false
    private var utf8 = UTF8Validator()
    private var lineFeeds = 0, carriageReturns = 0
    /// CR LF pairs (one line break, not two) and whether the last byte counted was a CR, for `recordEstimate`.
    private var crlfPairs = 0, lastWasCR = false
    private var invalidLine: Int?
    private var detector = SeparatorDetector()
    private var dropper = LeadingBOMDropper()
    private var utf16: IconvStream?
    private var utf16Skip = 2
    private var utf16Failure: ReadFailure?
    /// The whole file while it fits in one piece (or always, for bytes given in memory).
    private(set) var kept: [UInt8]? = []
    private let keepAll: Bool
    private var hashSeconds = 0.0, checkSeconds = 0.0

    init(limits: ReadLimits, keepAll: Bool = false) { self.limits = limits; self.keepAll = keepAll }

    mutating func feed(_ piece: UnsafeBufferPointer<UInt8>) {
        var clock = Self.now()
        sha.update(UnsafeRawBufferPointer(piece))
        pieceLineFeeds = fingerprint.update(countingLineFeeds: piece)
        hashSeconds += Self.since(&clock)
        size += piece.count
        if kept != nil {
            if keepAll || size <= limits.pieceBytes { kept!.append(contentsOf: piece) } else { kept = nil }
        }
        if mode == nil && head.isEmpty && piece.count >= 8 {
            // The first piece holds the signatures: decided from it, not from a copy (one per small file).
            decideMode(piece)
            check(piece)
        } else if mode == nil {
            pieceLineFeeds = nil   // the bytes checked are the joined head, not this piece
            head.append(contentsOf: piece)
            if head.count >= 8 { let h = head; head = []; h.withUnsafeBufferPointer { decideMode($0); check($0) } }
        } else {
            check(piece)
        }
        pieceLineFeeds = nil
        checkSeconds += Self.since(&clock)
    }

    /// Monotonic seconds (the reader does not depend on the pipeline's clock, so the fuzz targets build without it).
    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    private static func since(_ clock: inout Double) -> Double { let t = now(); defer { clock = t }; return t - clock }

    private mutating func decideMode(_ head: UnsafeBufferPointer<UInt8>) {
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { mode = .signature(.workbookNamedCSV) }
        else if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { mode = .signature(.spreadsheetFile) }
        else if head.starts(with: [0xFF, 0xFE]) { mode = .utf16(.utf16LE) }
        else if head.starts(with: [0xFE, 0xFF]) { mode = .utf16(.utf16BE) }
        else { mode = .bytes; startsWithUTF8BOM = head.starts(with: [0xEF, 0xBB, 0xBF]) }
        if case .utf16(let e) = mode {
            do { utf16 = try IconvStream(from: e == .utf16LE ? "UTF-16LE" : "UTF-16BE", to: "UTF-8") }
            catch { utf16Failure = .invalidForBOM(e, line: 1) }
        }
    }

    private mutating func check(_ piece: UnsafeBufferPointer<UInt8>) {
        switch mode! {
        case .signature:
            return
        case .bytes:
            guard let base = piece.baseAddress, !piece.isEmpty else { return }
            if !hasNUL, memchr(base, 0, piece.count) != nil { hasNUL = true }
            let feedsBefore = lineFeeds
            countBreaks(piece, lineFeeds: pieceLineFeeds)
            if utf8.firstInvalid == nil {
                let start = size - piece.count
                utf8.feed(piece)
                if let bad = utf8.firstInvalid {
                    // Bytes of a sequence carried from the last piece are never line feeds.
                    var line = 1 + feedsBefore
                    if bad > start { for b in piece[..<(bad - start)] where b == 0x0A { line += 1 } }
                    invalidLine = line
                }
            }
            if detector.decided == nil { dropper.feed(piece) { detector.feed($0) } }
        case .utf16(let encoding):
            var piece = piece
            if utf16Skip > 0 { let k = min(utf16Skip, piece.count); utf16Skip -= k; piece = UnsafeBufferPointer(rebasing: piece[k...]) }
            guard utf16Failure == nil, let converter = utf16, !piece.isEmpty else { return }
            do {
                try converter.feed(piece) { text in self.checkUTF16Text(text) }
            } catch {
                utf16Failure = .invalidForBOM(encoding, line: 1 + lineFeeds)
            }
        }
    }

    /// Counts line feeds, carriage returns and CR LF pairs (a pair may fall across pieces).
    /// `lineFeeds`: the LFs of `text` when already counted.
    private mutating func countBreaks(_ text: UnsafeBufferPointer<UInt8>, lineFeeds counted: Int?) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        // Most files have LF endings or no CR at all: count the LFs eight bytes at a time, and take the
        // byte loop below only when the piece holds a CR or one ended the last piece (a pair across pieces).
        if !lastWasCR, memchr(base, 0x0D, text.count) == nil {
            lineFeeds += counted ?? Self.countLineFeeds(base, text.count)
            return
        }
        var lf = 0, cr = 0, pairs = 0
        var previousCR = lastWasCR
        // Eight bytes at a time (a CR LF file's every piece came here, a byte at a time): the bytes that are LF and
        // those that are CR as high bits (as `countLineFeeds`), and a pair wherever an LF's byte follows a CR's, within
        // the word (a byte up is 8 bits up: little-endian) or across words (a CR last, then an LF first).
        @inline(__always) func bytesEqual(_ w: UInt64, _ pattern: UInt64) -> UInt64 {
            let x = w ^ pattern
            return ~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x) & 0x8080_8080_8080_8080
        }
        let raw = UnsafeRawPointer(base), n = text.count
        var i = 0
        while i &+ 8 <= n {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let lfs = bytesEqual(w, 0x0A0A_0A0A_0A0A_0A0A), crs = bytesEqual(w, 0x0D0D_0D0D_0D0D_0D0D)
            lf &+= lfs.nonzeroBitCount; cr &+= crs.nonzeroBitCount
            pairs &+= ((crs << 8) & lfs).nonzeroBitCount &+ (previousCR && lfs & 0x80 != 0 ? 1 : 0)
            previousCR = crs >> 63 != 0
            i &+= 8
        }
        while i < n {
            let b = base[i]
            let isLF = b == 0x0A
            lf &+= isLF ? 1 : 0; cr &+= b == 0x0D ? 1 : 0; pairs &+= isLF && previousCR ? 1 : 0
            previousCR = b == 0x0D
            i &+= 1
        }
        if !text.isEmpty { lastWasCR = previousCR }
        lineFeeds += lf; carriageReturns += cr; crlfPairs += pairs
    }

    /// The LF bytes in `p[0..<n]`: a word's byte is LF exactly when `x = word ^ 0x0A…` has a zero byte there,
    /// and `~(((x & 0x7F…) + 0x7F…) | x) & 0x80…` sets the high bit of exactly those bytes (no carry between bytes).
    static func countLineFeeds(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let raw = UnsafeRawPointer(p)
        var count = 0, i = 0
        while i + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
            let high = ~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x) & 0x8080_8080_8080_8080
            count &+= high.nonzeroBitCount
            i += 8
        }
        while i < n { if p[i] == 0x0A { count += 1 }; i += 1 }
        return count
    }

    private mutating func checkUTF16Text(_ text: UnsafeBufferPointer<UInt8>) {
        if !hasNUL, memchr(text.baseAddress!, 0, text.count) != nil { hasNUL = true }
        countBreaks(text, lineFeeds: nil)
        if detector.decided == nil { dropper.feed(text) { detector.feed($0) } }
    }

    mutating func finish() -> CSVStream.Survey {
        if mode == nil { let h = head; head = []; h.withUnsafeBufferPointer { decideMode($0); check($0) } }
        utf8.finish()
        if case .bytes = mode, invalidLine == nil, utf8.firstInvalid != nil {
            // A sequence still open at the end: every line feed came before it.
            invalidLine = 1 + lineFeeds
        }
        if case .utf16(let e) = mode, utf16Failure == nil, let converter = utf16 {
            do { try converter.finish() } catch { utf16Failure = .invalidForBOM(e, line: 1 + lineFeeds) }
        }
        dropper.finish { detector.feed($0) }
        let digest = HexDigest(digest: sha.finalize())
        func done(_ outcome: Result<CSVStream, ReadFailure>) -> CSVStream.Survey {
            CSVStream.Survey(digest: digest, bytes: size, outcome: outcome, hashSeconds: hashSeconds, checkSeconds: checkSeconds)
        }
        // Every line break (CR LF, a lone LF, a lone CR) may end a record: with mixed endings the
        // earlier max(LF, CR) fell short (found by the StreamedReader fuzz target).
        let lineBreaks = lineFeeds + carriageReturns - crlfPairs
        func stream(_ encoding: DetectedEncoding, invalid: (Int, Int)? = nil) -> CSVStream.Survey {
            done(.success(CSVStream(source: .bytes(kept ?? []), encoding: encoding, separator: detector.separator,
                                    limits: limits, size: size, fingerprint: fingerprint.final,
                                    invalidUTF8: invalid.map { (offset: $0.0, line: $0.1) },
                                    recordEstimate: lineBreaks + 1)))
        }
        switch mode! {
        case .signature(let failure):
            return done(.failure(failure))
        case .utf16(let encoding):
            if let utf16Failure { return done(.failure(utf16Failure)) }
            if hasNUL { return done(.failure(.binary)) }
            return stream(encoding)
        case .bytes:
            if hasNUL { return done(.failure(.binary)) }
            let bad = utf8.firstInvalid
            if startsWithUTF8BOM {
                if bad != nil { return done(.failure(.invalidForBOM(.utf8BOM, line: invalidLine!))) }
                return stream(.utf8BOM)
            }
            guard let bad else { return stream(.utf8) }
            return stream(.gb18030, invalid: (bad, invalidLine!))
        }
    }
}
