// manifest.json written byte for byte as JSONEncoder writes it (pretty, sorted keys), without building a JSON tree.

/// Writes a `Manifest` as `JSONEncoder` with `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes` does: two-space
/// indents, `"key" : value`, keys in sorted order, an empty array as `[` + blank line + `]`, strings escaped as it
/// escapes them (`\\"`, `\\\\`, `\\b \\f \\n \\r \\t`, other controls as `\\u00xx`, everything else as is).
enum ManifestJSON {
    static func encode(_ m: Manifest) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(4096 + m.inputs.files.count * 150 + m.files.count * 220 + m.outputs.count * 140)
        write(m, &w)
        return w.bytes
    }

    /// The same bytes as `encode`, handed to `chunk` about `chunkBytes` at a time (between the elements of its
    /// lists), so the whole text (7 MB at 2,000 × 12) is never held: a run writes it straight to its file.
    static func encode(_ m: Manifest, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        streamed(m, chunkBytes: chunkBytes, chunk: chunk, write)
    }

    /// `encode(m, chunkBytes:chunk:)` in two calls: `head` writes everything before the outputs (built_at, config,
    /// counts, files, inputs: all but ≈ 300 KB of the text, known once the report is computed), `tail` the rest (the
    /// outputs, known once they are written, then period and tool). `head` then `tail` give `encode`'s bytes.
    static func encodeHead(_ m: Manifest, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        streamed(m, chunkBytes: chunkBytes, chunk: chunk, writeHead)
    }

    /// See `encodeHead`.
    static func encodeTail(_ m: Manifest, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void) {
        streamed(m, chunkBytes: chunkBytes, chunk: chunk, writeTail)
    }

    /// Runs `part` on a writer that hands `chunk` about `chunkBytes` at a time, then hands it the rest.
    private static func streamed(_ m: Manifest, chunkBytes: Int, chunk: @escaping ([UInt8]) -> Void,
                                 _ part: (Manifest, inout Writer) -> Void) {
        var w = Writer()
        w.chunkBytes = max(1, chunkBytes)
        w.chunk = chunk
        w.bytes.reserveCapacity(w.chunkBytes + 4096)
        part(m, &w)
        chunk(w.bytes)
    }

    private static func write(_ m: Manifest, _ w: inout Writer) {
        writeHead(m, &w)
        writeTail(m, &w)
    }

    /// The keys before "outputs", in sorted order, with the comma after the last.
    private static func writeHead(_ m: Manifest, _ w: inout Writer) {
        w.open("{")
        w.key("built_at", 1); w.string(m.builtAt); w.comma()
        w.key("config", 1); w.object(1, [("path", .s(m.config.path)), ("sha256", .s(m.config.sha256))]); w.comma()
        w.key("counts", 1)
        w.object(1, [("errors", .i(m.counts.errors)), ("files_rejected", .i(m.counts.filesRejected)),
                     ("rows_accepted", .i(m.counts.rowsAccepted)), ("rows_read", .i(m.counts.rowsRead)),
                     ("rows_rejected", .i(m.counts.rowsRejected)), ("warnings", .i(m.counts.warnings))])
        w.comma()
        w.key("files", 1)
        w.array(1, m.files) { w, f in
            w.object(2, [("file", .s(f.file)), ("folder", .s(f.folder)), ("kind", .s(f.kind)),
                         ("rows_accepted", .i(f.rowsAccepted)), ("rows_read", .i(f.rowsRead)),
                         ("rows_rejected", .i(f.rowsRejected)), ("state", .s(f.state))])
        }
        w.comma()
        w.key("inputs", 1)
        w.open("{")
        w.key("files", 2)
        w.array(2, m.inputs.files) { w, f in w.inputRecord(f) }
        w.comma()
        w.key("listing_sha256", 2); w.string(m.inputs.listingSHA256)
        w.close("}", 1)
        w.comma()
    }

    /// "outputs" and the keys after it, and the closing brace.
    private static func writeTail(_ m: Manifest, _ w: inout Writer) {
        w.key("outputs", 1)
        w.array(1, m.outputs) { w, o in w.object(2, [("bytes", .i(o.bytes)), ("name", .s(o.name)), ("sha256", .s(o.sha256))]) }
        w.comma()
        w.key("period", 1); w.string(m.period); w.comma()
        w.key("tool", 1); w.object(1, [("name", .s(m.tool.name)), ("version", .s(m.tool.version))])
        w.close("}", 0)
        w.bytes.append(0x0A)
    }

    enum Value { case s(String), i(Int) }

    struct Writer {
        var bytes: [UInt8] = []
        /// When set, `bytes` goes to it once past `chunkBytes`, between two elements of a list.
        var chunk: (([UInt8]) -> Void)? = nil
        var chunkBytes = Int.max

        mutating func indent(_ level: Int) { for _ in 0..<level { bytes.append(0x20); bytes.append(0x20) } }
        mutating func open(_ bracket: StaticString) { bytes.append(bracket.utf8Start.pointee); bytes.append(0x0A) }
        mutating func close(_ bracket: StaticString, _ level: Int) {
            bytes.append(0x0A); indent(level); bytes.append(bracket.utf8Start.pointee)
        }
        mutating func comma() { bytes.append(0x2C); bytes.append(0x0A) }
        /// `"name" : ` at `level`.
        mutating func key(_ name: StaticString, _ level: Int) {
            indent(level)
            bytes.append(0x22)
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            bytes.append(0x22); bytes.append(0x20); bytes.append(0x3A); bytes.append(0x20)
        }
        /// An object whose members are at `level + 1`, its closing brace at `level`; keys given in sorted order.
        mutating func object(_ level: Int, _ members: [(StaticString, Value)]) {
            open("{")
            for (i, (name, value)) in members.enumerated() {
                if i > 0 { comma() }
                key(name, level + 1)
                switch value {
                case .s(let s): string(s)
                case .i(let n): bytes.append(contentsOf: String(n).utf8)
                }
            }
            close("}", level)
        }
        /// An array whose elements (each written by `element` at `level + 1`) are indented one level deeper.
        mutating func array<T>(_ level: Int, _ items: [T], _ element: (inout Writer, T) -> Void) {
            open("[")
            for (i, item) in items.enumerated() {
                if i > 0 { comma() }
                indent(level + 1)
                element(&self, item)
                if bytes.count >= chunkBytes, let chunk {
                    chunk(bytes)
                    bytes.removeAll(keepingCapacity: true)
                }
            }
            if items.isEmpty { bytes.append(0x0A); indent(level); bytes.append(0x5D) } else { close("]", level) }
        }
        /// One input record as `object(3, [("bytes", .i), ("path", .s), ("sha256", .s)])` writes it, without the member
        /// array, the number's String and the digest's hex String per record (75,000 records at 2,000 × 36: most of the
        /// manifest's CPU).
        mutating func inputRecord(_ f: InputRecord) {
            bytes.append(0x7B); bytes.append(0x0A)
            key("bytes", 4); integer(f.bytes); comma()
            key("path", 4); string(f.path); comma()
            key("sha256", 4)
            if case .bytes(let a, let b, let c, let d) = f.digest {
                bytes.append(0x22)
                hex(a); hex(b); hex(c); hex(d)
                bytes.append(0x22)
            } else {
                string(f.sha256)
            }
            close("}", 3)
        }

        /// `String(n).utf8`, without the String.
        mutating func integer(_ n: Int) {
            if n < 0 { bytes.append(contentsOf: String(n).utf8); return }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                          UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var v = n
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[19 - count] = UInt8(0x30 + v % 10); v /= 10; count += 1 } while v > 0
                bytes.append(contentsOf: d[(20 - count)...])
            }
        }

        /// A digest word's 16 lower-case hex digits.
        @inline(__always)
        mutating func hex(_ word: UInt64) {
            for i in 0..<16 {
                let v = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * i)) & 0x0F
                bytes.append(v < 10 ? 0x30 + v : 0x57 + v)
            }
        }

        /// A JSON string. A run of bytes that need no escape (every byte of a path, a code or a digest as a rule) is
        /// appended at once; the rest byte by byte (`escaped`).
        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { utf8 in
                bytes.append(0x22)
                var clean = 0
                for (i, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<i]))
                    escaped(b)
                    clean = i + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
                bytes.append(0x22)
            }
        }

        /// One byte a JSON string cannot hold as it is.
        mutating func escaped(_ b: UInt8) {
            switch b {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, 0x62])
            case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, digits[Int(b >> 4)], digits[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
    }
}
