// SHA-256 (FIPS 180-4) for the manifest's config and input hashes, kept in-tree so a debug build need not compile BoringSSL.

import CSHA256
import Foundation

/// A streaming SHA-256: `update` with any number of chunks, then `finalize`.
///
/// Not constant-time and not meant for secrets; it fingerprints files so the tool can tell
/// when a period's inputs or the config changed since its report was built.
///
/// Whole blocks go to the CPU's SHA instructions (CSHA256) when CPUID says it has them: the portable
/// loop below ran at ~300 MB/s, a tenth of `check`'s CPU on a big file and half of a 150 MB/s budget.
/// Both give the same digests (`SHA256Tests`); the portable loop serves every other CPU.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes not yet forming a whole 64-byte block, kept inline: an array here was a heap allocation for
    /// every small file hashed (the town's files average 620 bytes).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Message length so far, in bytes.
    private var length: UInt64 = 0
    /// Whole blocks through the SHA instructions.
    private let accelerated: Bool

    /// True when this CPU has the SHA extensions the accelerated path needs (asked once).
    static let hardwareAvailable: Bool = csha256_ni_available() != 0

    public init() { accelerated = Self.hardwareAvailable }

    /// `portable: true` always uses the Swift loop, so tests can compare it with the hardware path.
    init(portable: Bool) { accelerated = !portable && Self.hardwareAvailable }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        length &+= UInt64(bytes.count)
        var start = 0
        if pendingCount > 0 {
            let take = min(64 - pendingCount, bytes.count)
            let at = pendingCount
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: at).copyMemory(from: base, byteCount: take) }
            pendingCount += take
            start = take
            if pendingCount < 64 { return }
            var block = pending
            withUnsafeBytes(of: &block) { compress($0) }
            pendingCount = 0
        }
        let whole = (bytes.count - start) / 64 * 64
        if whole > 0 {
            compress(UnsafeRawBufferPointer(start: base + start, count: whole))
            start += whole
        }
        let rest = bytes.count - start
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: base + start, byteCount: rest) }
            pendingCount = rest
        }
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }
    public mutating func update(_ text: String) { update(Array(text.utf8)) }

    /// The 32-byte digest of everything given so far. Leaves `self` untouched, so hashing may go on.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = length &* 8
        // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, big-endian.
        let count = (pendingCount < 56 ? 64 : 128) - pendingCount
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            tail.initialize(repeating: 0)
            tail[0] = 0x80
            for i in 0..<8 { tail[count - 8 + i] = UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * i)) }
            copy.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: tail[0..<count])))
        }
        return withUnsafeBytes(of: copy.state) { words in
            [UInt8](unsafeUninitializedCapacity: 32) { out, n in
                for i in 0..<8 {
                    let word = words.load(fromByteOffset: i * 4, as: UInt32.self)
                    for j in 0..<4 { out[i * 4 + j] = UInt8(truncatingIfNeeded: word >> (24 - 8 * j)) }
                }
                n = 32
            }
        }
    }

    /// The digest as 64 lowercase hex digits.
    public func hexDigest() -> String { Self.lowercaseHex(finalize()) }

    /// Digest of one buffer.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    public static func hexDigest(of bytes: [UInt8]) -> String { lowercaseHex(hash(bytes)) }
    public static func hexDigest(of data: Data) -> String { var h = SHA256(); h.update(data); return h.hexDigest() }

    /// Digest of a file, read in 64 KiB chunks so large inputs need not fit in memory.
    public static func hexDigest(ofFileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var h = SHA256()
        while let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty { h.update(chunk) }
        return h.hexDigest()
    }

    static func lowercaseHex(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = hexDigit(b >> 4)
                out[2 * i + 1] = hexDigit(b & 0x0f)
            }
            return bytes.count * 2
        }
    }

    @inline(__always) private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Whole 64-byte blocks into the state (FIPS 180-4 §6.2.2). All blocks of a call in one loop with the state
    /// in locals, words loaded whole, eight rounds per step with the variables renamed instead of moved
    /// (`round`): hashing was an eighth of `check`'s CPU on one big file.
    private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        precondition(blocks.count % 64 == 0)
        guard let base = blocks.baseAddress else { return }
        if accelerated {
            withUnsafeMutableBytes(of: &state) { s in
                csha256_compress_ni(s.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                    base.assumingMemoryBound(to: UInt8.self), blocks.count / 64)
            }
            return
        }
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        Self.k.withUnsafeBufferPointer { kp in
            let k = kp.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wb in
                let w = wb.baseAddress!
                var offset = 0
                while offset < blocks.count {
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset + t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let w15 = w[t - 15], w2 = w[t - 2]
                        let s0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
                        let s1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
                    var t = 0
                    while t < 64 {
                        Self.round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        Self.round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        Self.round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        Self.round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        Self.round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        Self.round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                        Self.round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                        Self.round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                        t += 8
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                    offset += 64
                }
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }

    /// One round: the new `e` is `d + t1` and the new `a` is `t1 + t2`; the other six only shift one place,
    /// which the caller does by naming them in a different order in the next round.
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
        let ch = (e & f) ^ (~e & g)
        let t1 = h &+ s1 &+ ch &+ kw
        let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
        let maj = (a & b) ^ (a & c) ^ (b & c)
        d = d &+ t1
        h = t1 &+ s0 &+ maj
    }
}

private extension UInt32 {
    @inline(__always) func rotatedRight(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 &- n)) }
}
