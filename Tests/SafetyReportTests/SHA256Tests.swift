// SHA-256 against the NIST example vectors, the padding boundaries, and chunked updates.
import Foundation
import Testing
@testable import SafetyReport

@Suite struct SHA256Tests {
    @Test(arguments: [
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf" and "SHA2_Additional").
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(of: Array(message.utf8)) == digest)
        for portable in [true, false] {
            var h = SHA256(portable: portable)
            h.update(Array(message.utf8))
            #expect(h.hexDigest() == digest, "portable: \(portable)")
        }
    }

    @Test func oneMillionA() {
        #expect(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// 55 bytes leave room for the length in the last block; 56–63 push it into one more block.
    /// Expected values from coreutils `sha256sum` over n × "a".
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
    ])
    func paddingBoundaries(count: Int, digest: String) {
        #expect(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: count)) == digest)
    }

    @Test func chunkedUpdatesEqualOneShot() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let oneShot = SHA256.hash(message)
        // Chunk sizes that straddle block boundaries in every way, including empty updates.
        for sizes in [[1], [3, 61], [63, 0, 2], [64], [65, 127], [200]] {
            var h = SHA256()
            var i = 0, n = 0
            while i < message.count {
                let size = sizes[n % sizes.count]
                let end = min(i + size, message.count)
                h.update(Array(message[i..<end]))
                i = end; n += 1
            }
            #expect(h.finalize() == oneShot, "chunk sizes \(sizes)")
        }
        var viaData = SHA256()
        viaData.update(Data(message[..<500]))
        viaData.update(Data(message[500...]))
        #expect(viaData.finalize() == oneShot)
    }

    @Test func finalizeLeavesTheHasherUsable() {
        var h = SHA256()
        h.update("ab")
        #expect(h.hexDigest() == SHA256.hexDigest(of: Array("ab".utf8)))
        h.update("c")
        #expect(h.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func fileDigestMatchesBufferDigest() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = [UInt8](repeating: 0x61, count: 200_000)  // more than three 64 KiB reads
        try Data(bytes).write(to: url)
        #expect(try SHA256.hexDigest(ofFileAt: url) == SHA256.hexDigest(of: bytes))
    }

    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(SHA256.lowercaseHex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(SHA256.lowercaseHex(Array(0...255)) == (0...255).map { String(format: "%02x", $0) }.joined())
    }

    /// The SHA-NI path (CSHA256) and the portable Swift loop agree on every length up to 17 blocks, on
    /// long messages, and when the message comes in random pieces. On a CPU without SHA-NI both are the
    /// Swift loop and the test only checks that the portable path stays selectable.
    @Test func hardwareAndPortableGiveTheSameDigests() {
        var rng = SeededRandom(state: 0x5a17)
        let message = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        func digest(_ m: ArraySlice<UInt8>, portable: Bool, pieces: Bool) -> [UInt8] {
            var h = SHA256(portable: portable)
            if pieces {
                var i = m.startIndex
                while i < m.endIndex {
                    let end = min(m.endIndex, i + Int(rng.next() % 150))
                    h.update(Array(m[i..<end]))
                    i = end
                }
            } else {
                h.update(Array(m))
            }
            return h.finalize()
        }
        for n in Array(0...1_100) + [4_095, 4_096, 4_097, 65_535, 65_536, 70_000] {
            let m = message[0..<n]
            let portable = digest(m, portable: true, pieces: false)
            #expect(digest(m, portable: false, pieces: false) == portable, "length \(n)")
            if n % 37 == 0 || n > 1_100 {
                #expect(digest(m, portable: false, pieces: true) == portable, "length \(n), in pieces")
                #expect(digest(m, portable: true, pieces: true) == portable, "length \(n), portable in pieces")
            }
        }
        #expect(SHA256.hexDigest(of: Array(message[0..<1_000])) == SHA256.lowercaseHex(digest(message[0..<1_000], portable: true, pieces: false)))
    }

    /// CPUID and the kernel agree: where /proc/cpuinfo lists `sha_ni`, the accelerated path is taken.
    @Test func hardwarePathIsTakenWhereTheCPUHasIt() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        #expect(SHA256.hardwareAvailable == (flags.contains("sha_ni") && flags.contains("sse4_1") && flags.contains("ssse3")))
    }

    @Test func oneMillionAOnBothPaths() {
        for portable in [true, false] {
            var h = SHA256(portable: portable)
            let chunk = [UInt8](repeating: 0x61, count: 1_000)
            for _ in 0..<1_000 { h.update(chunk) }
            #expect(h.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "portable: \(portable)")
        }
    }
}
