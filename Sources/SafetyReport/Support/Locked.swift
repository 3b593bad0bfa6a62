// A value that worker threads share, behind a pthread mutex (NSLock) that ThreadSanitizer can see.

import Foundation

/// A value guarded by a lock, for the few places where worker threads take jobs and hand back results.
/// Synchronization's `Mutex` would do as much, but ThreadSanitizer on Linux does not see its futex-based
/// locking and reports every guarded access as a race; `scripts/sanitize.sh thread` must run clean.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// The value before adding one (a job counter: each caller gets its own index).
    func next() -> Int where Value == Int {
        withLock { v in defer { v += 1 }; return v }
    }
}
