// The format every remembered-state file under outputs/.state shares: a magic line, the payload's SHA-256 in hex and a
// newline, then the payload; written whole by rename, trusted only when the checksum holds.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum StateFile {
    /// Writes `payload` under `magic` to `url`, through a temporary file renamed over it (so a reader never sees half
    /// a file). Best effort: a file that cannot be written is simply not there next time.
    static func write(_ payload: [UInt8], magic: String, to url: URL) {
        let folder = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bytes = Array((magic + SHA256.hexDigest(of: payload) + "\n").utf8) + payload
        let stem = url.deletingPathExtension().lastPathComponent
        let temp = folder.appendingPathComponent(".\(stem).\(getpid()).tmp")
        do {
            try Data(bytes).write(to: temp)
            guard rename(temp.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: temp)
        }
    }

    /// The file's bytes when it is a regular file of at most `maxBytes`, read whole through one descriptor; nil when
    /// missing, not regular (a FIFO in its place must not block the run), too large or short.
    static func read(_ path: String, maxBytes: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= maxBytes else { return nil }
        let size = Int(st.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = Glibc.read(fd, buffer.baseAddress! + count, size - count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failed = true; break }
                count += n
            }
        }
        return failed ? nil : bytes
    }

    /// Where the payload of `bytes` starts when they begin with `magic` and the checksum matches the payload; nil
    /// for anything else (another format, a damaged or truncated file).
    static func payloadStart(_ bytes: [UInt8], magic: String) -> Int? {
        let header = Array(magic.utf8)
        let start = header.count + 65
        guard bytes.count > start, bytes[0..<header.count].elementsEqual(header), bytes[start - 1] == 0x0A else { return nil }
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        return bytes[header.count..<start - 1].elementsEqual(hash.hexDigest().utf8) ? start : nil
    }

    /// The verified payload of the file at `url` (see `read` and `payloadStart`); nil when missing or damaged.
    static func payload(at url: URL, magic: String, maxBytes: Int) -> [UInt8]? {
        guard let bytes = read(url.path, maxBytes: maxBytes), let start = payloadStart(bytes, magic: magic) else { return nil }
        return Array(bytes[start...])
    }
}
