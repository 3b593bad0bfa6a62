// Folders listed through one open descriptor: getdents64 gives each entry's type, so no entry costs a path walk.

#if canImport(Glibc)
import Glibc
#endif

/// One entry of a folder, as listed.
struct DirectoryEntry: Sendable {
    /// The name as `FileManager.contentsOfDirectory` gives it (invalid UTF-8 repaired with U+FFFD).
    var name: String
    /// `DT_DIR`, `DT_REG`, `DT_LNK` … from the listing; `DT_UNKNOWN` where the file system does not say.
    var type: UInt8
    /// False when the name on disk is not valid UTF-8: `name` then reaches no file, as it never did.
    var exact: Bool
}

/// Lists and opens folders by descriptor. The caller closes what it opens.
enum DirectoryListing {
    /// Opens a folder for listing; -1 with `errno` set when it cannot be. `noFollow`: a symlink is refused (ELOOP).
    static func open(at parent: Int32, _ name: String, noFollow: Bool) -> Int32 {
        openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
    }

    /// Every entry but `.` and `..`, in the order the file system gives them; nil when the folder cannot be read.
    static func entries(_ fd: Int32) -> [DirectoryEntry]? {
        guard let getdents = getdents64 else { return entriesThroughReaddir(fd) }
        var result: [DirectoryEntry] = []
        // A village's folder holds its four files and a few more: room for them at once (grown one by one from
        // empty, the array was made four times per folder).
        result.reserveCapacity(8)
        let capacity = 32 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = getdents(fd, buffer, capacity)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return result }
            var offset = 0
            while offset < n {
                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
                let record = buffer + offset
                let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                let type = record.load(fromByteOffset: 18, as: UInt8.self)
                let name = (record + 19).assumingMemoryBound(to: CChar.self)
                if let entry = Self.entry(name, type) { result.append(entry) }
                guard length > 0 else { return nil }
                offset += length
            }
        }
    }

    private static func entry(_ name: UnsafePointer<CChar>, _ type: UInt8) -> DirectoryEntry? {
        if name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0)) { return nil }
        if let exact = String(validatingCString: name) { return DirectoryEntry(name: exact, type: type, exact: true) }
        return DirectoryEntry(name: String(cString: name), type: type, exact: false)
    }

    /// glibc's readdir over a duplicate of `fd`, where getdents64 is not exported (glibc before 2.30).
    private static func entriesThroughReaddir(_ fd: Int32) -> [DirectoryEntry]? {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else { if copy >= 0 { close(copy) }; return nil }
        defer { closedir(dir) }
        var result: [DirectoryEntry] = []
        while let e = readdir(dir) {
            let type = e.pointee.d_type
            let entry = withUnsafePointer(to: &e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { Self.entry($0, type) }
            }
            if let entry { result.append(entry) }
        }
        return result
    }

    private typealias GetDents = @convention(c) (Int32, UnsafeMutableRawPointer?, Int) -> Int

    /// glibc exports getdents64 (2.30 on) but Swift's Glibc module does not declare it.
    private static let getdents64: GetDents? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getdents64") else { return nil }
        return unsafeBitCast(symbol, to: GetDents.self)
    }()
}
