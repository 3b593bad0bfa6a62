// Where libxlsxwriter keeps the village workbooks' temporary parts: a tmpfs when the user chose no TMPDIR.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libxlsxwriter 1.1.4 writes each XML part of a workbook to its own temporary file (about 14 per workbook,
/// created and unlinked at once) before zipping it. On an ext4 `/tmp` each create searches for an inode not
/// recently deleted, which cost about a third of a 2,000-village run's CPU; on a tmpfs a create is cheap. So,
/// when the user has not set `TMPDIR` and the default temp folder is not a tmpfs already, the village
/// workbooks (a few KB of parts each) use `/dev/shm` if it is a writable tmpfs with room. The town workbook
/// keeps the default folder: its constant-memory sheets can spill far more than a tmpfs (RAM) should hold.
public enum WorkbookTempFolder {
    /// What statfs/statvfs say about a folder.
    public struct Facts: Sendable, Equatable {
        public var isTmpfs: Bool
        public var writable: Bool
        public var freeBytes: UInt64
        public init(isTmpfs: Bool, writable: Bool, freeBytes: UInt64) {
            self.isTmpfs = isTmpfs; self.writable = writable; self.freeBytes = freeBytes
        }
    }

    /// The tmpfs tried when the user chose nothing.
    public static let sharedMemoryFolder = "/dev/shm"
    /// The folder libxlsxwriter uses when TMPDIR is unset (glibc's P_tmpdir).
    public static let defaultFolder = "/tmp"
    /// Below this much free space the tmpfs is left alone (two workbooks in flight need well under 1 MB).
    public static let minimumFreeBytes: UInt64 = 64 << 20

    /// The folder to pass as libxlsxwriter's `tmpdir`, nil for its default (TMPDIR, else /tmp). A pure function
    /// of the environment and of what the two folders are, so each case can be tested without mounting anything.
    public static func choose(environment: [String: String], defaultFolder: Facts?, sharedMemory: Facts?) -> String? {
        if let chosen = environment["TMPDIR"], !chosen.isEmpty { return nil }  // the user's choice stands
        if defaultFolder?.isTmpfs == true { return nil }  // nothing to gain
        guard let shm = sharedMemory, shm.isTmpfs, shm.writable, shm.freeBytes >= minimumFreeBytes else { return nil }
        return sharedMemoryFolder
    }

    /// The choice for this process (looked up once per run).
    public static func forVillageWorkbooks() -> String? {
        choose(environment: ProcessInfo.processInfo.environment,
               defaultFolder: facts(defaultFolder), sharedMemory: facts(sharedMemoryFolder))
    }

    /// statfs magic of a tmpfs (linux/magic.h).
    static let tmpfsMagic = 0x0102_1994

    private typealias StatFS = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32

    /// statfs(2)'s f_type, looked up at run time: Swift's Glibc module does not export sys/vfs.h. f_type is the
    /// first field (a long) of struct statfs on every Linux ABI; the buffer is larger than the struct (120 bytes).
    static func fileSystemType(_ path: String) -> Int? {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "statfs") else { return nil }
        let statfs = unsafeBitCast(sym, to: StatFS.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        guard statfs(path, buffer) == 0 else { return nil }
        return buffer.load(as: Int.self)
    }

    /// What a folder is, nil when it cannot be examined (missing, not a folder).
    public static func facts(_ path: String) -> Facts? {
        #if os(Linux)
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        var vfs = statvfs()
        guard let type = fileSystemType(path), statvfs(path, &vfs) == 0 else { return nil }
        let readOnly = (vfs.f_flag & UInt(ST_RDONLY)) != 0
        return Facts(isTmpfs: type == tmpfsMagic, writable: !readOnly && access(path, W_OK | X_OK) == 0,
                     freeBytes: UInt64(vfs.f_bavail) * UInt64(vfs.f_frsize))
        #else
        return nil
        #endif
    }
}
