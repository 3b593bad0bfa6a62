// Runs the workbook workers on threads of their own, so that glibc gives each a fresh malloc arena.

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(worker)` for `0..<count` on `count` new threads and waits for all of them.
///
/// Why new threads rather than Dispatch's pool: glibc serves a thread from the malloc arena it first got, and a pool
/// thread's arena is left full of small free holes by reading and validating (its live objects stay: the report).
/// libxlsxwriter allocates and frees several small blocks per cell; served from those holes, oldest first, each
/// allocation missed the cache (glibc's small-bin path: 8–11 % of the workbooks' CPU, against 2 % in libxlsxwriter
/// driven from C). A new thread gets a new arena while fewer than glibc's limit (8 per core) exist, or one whose
/// threads have all ended. The bytes written do not depend on it. If a thread cannot be started, its share runs
/// on the calling thread.
func runOnFreshThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    #if canImport(Glibc)
    final class Job: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let worker: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ worker: Int) { self.body = body; self.worker = worker }
    }
    var threads: [pthread_t] = []
    var inline: [Int] = []
    for worker in 0..<count {
        let job = Unmanaged.passRetained(Job(body, worker))
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.body(job.worker)
            return nil
        }, job.toOpaque())
        if started == 0 { threads.append(thread) } else { job.release(); inline.append(worker) }
    }
    for worker in inline { body(worker) }
    for thread in threads { pthread_join(thread, nil) }
    #else
    DispatchQueue.concurrentPerform(iterations: count) { body($0) }
    #endif
}
