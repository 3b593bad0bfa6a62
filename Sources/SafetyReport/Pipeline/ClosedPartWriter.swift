// Writing a saved state's closed part (see `ClosedPart` for its format), at the I/O edge.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a part (`ClosedPart`'s payload) to a temporary file as the save hands it each owner's closed hazards, hashed
/// on the way, and names it by its digest at the end. The cold run's save runs beside the roll-up, at the run's peak:
/// gathered whole, the part's records and ids were its size on top of that peak; here only a 64 KB buffer and the
/// records' offsets (4 bytes each) are held. A class: the save hands it around as an optional it may drop.
final class ClosedPartWriter {
    let year: Int
    let folder: URL
    private var fd: Int32 = -1
    private let temp: String
    private var buffer: [UInt8] = []
    private var hash = SHA256()
    /// Payload bytes handed to the file so far.
    private var flushed = 0
    private var offsets: [UInt32] = []
    private var owners = StateWriter()
    private var ownerCount = 0
    private var failed = false
    private var headerSize: Int { ClosedPart.magic.utf8.count + 65 }

    init(year: Int, folder: URL) {
        self.year = year
        self.folder = folder
        temp = folder.appendingPathComponent(".closed-\(year).\(getpid()).tmp").path
    }

    deinit { abandon() }

    var isEmpty: Bool { ownerCount == 0 }
    var recordCount: Int { offsets.count }

    /// Adds an owner's closed hazards (owners in sorted order; none: nothing is added). False when the part cannot
    /// hold them (an id of 64 KB or more, a part past 4 GB, the file not written): no part is written then.
    func add<C: Collection>(owner: String, _ closed: C) -> Bool where C.Element == HazardLedger.ClosedHazard {
        guard !closed.isEmpty else { return true }
        guard !failed, fd >= 0 || open() else { failed = true; return false }
        owners.string(owner); owners.int(closed.count); ownerCount += 1
        func u16(_ v: Int) { buffer.append(UInt8(v & 0xFF)); buffer.append(UInt8(v >> 8 & 0xFF)) }
        for c in closed {
            let length = c.id.utf8.count
            let at = flushed + buffer.count
            guard length <= 0xFFFF, at + length + ClosedPart.fixedSize < 0xFFFF_0000 else { failed = true; return false }
            offsets.append(UInt32(at))
            u16(length)
            buffer += c.id.utf8
            u16(c.registeredIn.year); buffer.append(UInt8(c.registeredIn.month))
            u16(c.registeredFoundDate.year); buffer.append(UInt8(c.registeredFoundDate.month))
            buffer.append(UInt8(c.registeredFoundDate.day))
            u16(c.rectifiedSince.year); buffer.append(UInt8(c.rectifiedSince.month))
        }
        if buffer.count >= 1 << 16 { flush() }
        return !failed
    }

    /// Ends the payload (offsets, owners, sizes), writes the checksum line and renames the file to
    /// `closed-<year>-<16 hex>.bin`; gives its name and digest, nil when nothing was added or it could not be written.
    func finish() -> (name: String, digest: String)? {
        guard !failed, !isEmpty, fd >= 0 else { abandon(); return nil }
        func u32(_ v: Int) {
            buffer.append(UInt8(v & 0xFF)); buffer.append(UInt8(v >> 8 & 0xFF))
            buffer.append(UInt8(v >> 16 & 0xFF)); buffer.append(UInt8(v >> 24 & 0xFF))
        }
        let indexAt = flushed + buffer.count
        let recordCount = offsets.count
        for offset in offsets { u32(Int(offset)); if buffer.count >= 1 << 16 { flush() } }
        offsets = []
        let ownersAt = flushed + buffer.count
        buffer += owners.bytes
        owners = StateWriter()
        u32(year); u32(ownerCount); u32(recordCount)
        u32(indexAt); u32(ownersAt)
        guard ownersAt < 0xFFFF_0000 else { abandon(); return nil }
        flush()
        let digest = hash.hexDigest()
        let header = Array((ClosedPart.magic + digest + "\n").utf8)
        let name = "closed-\(Day.pad(year, 4))-\(digest.prefix(16)).bin"
        guard !failed, header.count == headerSize, write(header, at: 0), close(fd) == 0 else { abandon(); return nil }
        fd = -1
        guard rename(temp, folder.appendingPathComponent(name).path) == 0 else { abandon(); return nil }
        return (name, digest)
    }

    /// The temporary file opened, a placeholder for the checksum line first.
    private func open() -> Bool {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        fd = Glibc.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        buffer.reserveCapacity((1 << 16) + (1 << 12))
        return write([UInt8](repeating: 0x30, count: headerSize), at: 0)
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        hash.update(buffer)
        if !failed && !write(buffer, at: headerSize + flushed) { failed = true }
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: [UInt8], at offset: Int) -> Bool {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }

    /// No part: the temporary file closed and removed.
    private func abandon() {
        if fd >= 0 { _ = close(fd); fd = -1; unlink(temp) }
        failed = true
    }
}
