// glibc malloc settings that keep a run's peak RSS down (measured on the 2,000 × 12 town; see README "Memory").

#if canImport(Glibc)
import Glibc
#endif

/// How the process asks glibc's malloc for memory.
public enum Allocator {
    /// The size from which glibc serves an allocation with its own mmap, returned to the system on free.
    public static let mmapThreshold = 4 << 20

    /// Pins glibc's mmap threshold at `mmapThreshold`. By default glibc raises the threshold to the size of each
    /// large block freed (up to 32 MB), so after the first large arrays go, later ones (the report's lists,
    /// file buffers, libxlsxwriter's) come from the arenas and stay resident, scattered among small objects,
    /// after they are freed. On the 2,000 × 12 town (cold, side by side with main): 152 MB peak RSS by default,
    /// 117–119 MB pinned at 4 MB at about the same time; lower thresholds save a few MB more (64 KB: 112 MB) but
    /// cost up to 1.7 s of system time in mmap/munmap churn (README "Memory"). Call once at start, before other
    /// threads allocate. A threshold set in the environment (`MALLOC_MMAP_THRESHOLD_`, `GLIBC_TUNABLES`) wins;
    /// a no-op where glibc is not the allocator.
    public static func pinMmapThreshold() {
        #if canImport(Glibc)
        if getenv("MALLOC_MMAP_THRESHOLD_") != nil { return }
        if let tunables = getenv("GLIBC_TUNABLES"), String(cString: tunables).contains("mmap_threshold") { return }
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "mallopt") else { return }
        let M_MMAP_THRESHOLD: Int32 = -3  // malloc.h
        _ = unsafeBitCast(sym, to: MallOpt.self)(M_MMAP_THRESHOLD, Int32(mmapThreshold))
        #endif
    }
}
