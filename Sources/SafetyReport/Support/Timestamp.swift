// ISO 8601 time stamps from the C library, so logs, the output lock and the manifest do not load ICU.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ISO8601DateFormatter`'s internet date-time form (`2026-11-30T12:34:56+08:00`, `…Z` at UTC), made with
/// `localtime_r`/`gmtime_r`. The formatter pulls ICU's calendar, time-zone and number-format data into memory
/// (about 5 MB of mapped pages of `lib_FoundationICU.so` in a run, README "Memory"); these stamps need none of it.
public enum Timestamp {
    /// The moment `seconds` (since 1970, UTC) in the local time zone, with its offset; "Z" when the offset is 0.
    public static func local(_ seconds: Int = Int(time(nil))) -> String {
        format(seconds, utc: false)
    }

    /// The moment `seconds` (since 1970) in UTC: what `ISO8601DateFormatter().string(from:)` gives.
    public static func utc(_ seconds: Int = Int(time(nil))) -> String {
        format(seconds, utc: true)
    }

    /// The year and month of the moment `seconds` in the local time zone (what `Calendar.current` gives, without
    /// loading ICU's calendar data: `run` without `--period` is the cron line).
    public static func localYearMonth(_ seconds: Int = Int(time(nil))) -> (year: Int, month: Int) {
        let saved = errno
        defer { errno = saved }
        var t = time_t(seconds)
        var parts = tm()
        _ = localtime_r(&t, &parts)
        return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1)
    }

    /// Drops a `TZ` the C library cannot read, so that local time is the system's zone (`/etc/localtime`).
    ///
    /// Why: glibc takes an empty or unknown `TZ` (`TZ=Asia/Beijing`, a common crontab slip) as UTC without a word,
    /// where Foundation, which the stamps and the cron line's month came from before, ignored it and used the
    /// system's zone. At 02:00 on the 1st in Beijing, UTC is still the last day of the month before: `run` without
    /// `--period` would report the wrong month every month. Call once, before any thread starts; returns the
    /// dropped value, for a warning.
    public static func dropUnreadableTZ() -> String? {
        guard let raw = getenv("TZ") else { return nil }
        let value = String(cString: raw)
        let folder = getenv("TZDIR").map { String(cString: $0) } ?? "/usr/share/zoneinfo"
        if readable(value, zoneFolder: folder) { return nil }
        unsetenv("TZ")
        tzset()
        return value
    }

    /// Whether glibc reads `value` as a time zone: a zone file (absolute, or under `zoneFolder`) or a POSIX rule
    /// with an offset (`CST-8`, `UTC0`, `<+08>-8`, `EST5EDT`); a leading ":" is skipped, as glibc does.
    static func readable(_ value: String, zoneFolder: String) -> Bool {
        var name = Array(value.utf8)
        if name.first == UInt8(ascii: ":") { name.removeFirst() }
        if name.isEmpty { return false }
        let text = String(decoding: name, as: UTF8.self)
        // UTC's names: without tzdata glibc finds no file for them, but its fallback is UTC, which they mean.
        if ["UTC", "UCT", "GMT", "Etc/UTC", "Etc/UCT", "Etc/GMT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"]
            .contains(text) { return true }
        let path = name.first == UInt8(ascii: "/") ? text : zoneFolder + "/" + text
        if let file = fopen(path, "rb") {
            defer { fclose(file) }
            var magic = [UInt8](repeating: 0, count: 4)
            if fread(&magic, 1, 4, file) == 4 && magic == Array("TZif".utf8) { return true }
        }
        // A POSIX rule: a name of three or more letters (or anything in <>), then an offset that starts with a digit.
        var i = 0
        if name.first == UInt8(ascii: "<") {
            guard let close = name.firstIndex(of: UInt8(ascii: ">")), close >= 4 else { return false }
            i = close + 1
        } else {
            while i < name.count, (name[i] | 0x20) >= UInt8(ascii: "a"), (name[i] | 0x20) <= UInt8(ascii: "z") { i += 1 }
            if i < 3 { return false }
        }
        if i < name.count, name[i] == UInt8(ascii: "+") || name[i] == UInt8(ascii: "-") { i += 1 }
        return i < name.count && name[i] >= UInt8(ascii: "0") && name[i] <= UInt8(ascii: "9")
    }

    private static func format(_ seconds: Int, utc: Bool) -> String {
        // localtime_r may read the zone files and set errno; callers log an error and then read errno for the exit
        // code (`inspect`), as they could with the formatter.
        let saved = errno
        defer { errno = saved }
        var t = time_t(seconds)
        var parts = tm()
        if utc { _ = gmtime_r(&t, &parts) } else { _ = localtime_r(&t, &parts) }
        let offset = utc ? 0 : Int(parts.tm_gmtoff)
        var text = pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
        text += "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60
        return text + (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
