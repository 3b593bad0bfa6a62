#!/bin/sh
# Runs the whole test suite under each sanitizer, each in its own build folder so the normal .build stays as is.
#
#   scripts/sanitize.sh [address] [thread] [undefined]     default: address and thread
#
# undefined: swiftc 6.3.1 on Linux rejects -sanitize=undefined ("unsupported option '-sanitize=undefined' for
# target 'x86_64-unknown-linux-gnu'"), so `swift test --sanitize=undefined` fails to build. UBSan exists only for C
# (`-Xcc -fsanitize=undefined -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined` works for a C target), and
# this package compiles no C: CXlsxWriter and ZIPFoundation's CZlib are module maps over the system's prebuilt
# libxlsxwriter and zlib. Swift code traps on overflow, out-of-bounds access and bad unwraps by itself in every
# build we make (none uses -Ounchecked). Pass `undefined` to retry it on a newer toolchain.
#
# thread: the village workbooks are written on several threads (ReportRun), so TSan checks that too.
# Each run's output goes to .build-<sanitizer>/test.log; the script prints the summary line of each and
# exits non-zero if any run failed or a sanitizer reported anything.
set -u
cd "$(dirname "$0")/.."
status=0
for s in ${*:-address thread}; do
    dir=".build-$s"
    mkdir -p "$dir"
    echo "== --sanitize=$s (scratch path $dir)"
    # halt_on_error: the first report fails the run instead of scrolling past.
    # Only the chosen sanitizer's options are set: the tests look for TSAN_OPTIONS to skip the one test
    # ThreadSanitizer's runtime cannot start under (a file-size limit).
    case $s in
        address)   opts="ASAN_OPTIONS=detect_leaks=0:halt_on_error=1" ;;
        thread)    opts="TSAN_OPTIONS=halt_on_error=1" ;;
        undefined) opts="UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1" ;;
        *)         opts="SANITIZER=$s" ;;
    esac
    env "$opts" swift test --sanitize="$s" --scratch-path "$dir" > "$dir/test.log" 2>&1
    rc=$?
    grep -E "Test run with|Executed .* tests" "$dir/test.log" | tail -2
    if grep -qE "ERROR: (Address|Thread|Undefined)Sanitizer|runtime error:|WARNING: ThreadSanitizer" "$dir/test.log"; then
        echo "   sanitizer report found: see $dir/test.log"; rc=1
    fi
    echo "   exit $rc"
    [ $rc -ne 0 ] && status=1
done
exit $status
