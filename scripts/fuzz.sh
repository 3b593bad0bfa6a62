#!/bin/sh
# Builds the libFuzzer targets in Fuzz/ with swiftc (-sanitize=fuzzer,address) and runs each for a while, one after another.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 600 seconds, all four targets
#
#   DecodeAndParse      any bytes through decoding and the CSV reader (seeds: every CSV of the sample and a demo town)
#   SubmissionFile      any bytes as each of the four CSV files through validation (same seeds)
#   SubmissionWorkbook  a clerk's .xlsx — whole submission workbook or one dataset's — unzipped (ZIPFoundation),
#                       read (XMLParser) and validated; seeds and a dictionary from scripts/fuzz-xlsx-seeds.py
#   StreamedReader      differential: the first byte picks a piece size and limits, the rest is written to a file and
#                       read by the streamed reader (CSVStream, as the pipeline reads a clerk's CSV) and by the
#                       whole-file reader; any difference in records, lines, endings, encoding, separator, failure
#                       or validation traps (seeds: the CSV seeds, each behind a few selector bytes)
#
# The whole SafetyReport library is compiled, instrumented, with its dependencies ZIPFoundation (from the checkout
# `swift package resolve` makes) and XlsxWriter, into .build-fuzz/lib/ (once; again when a source is newer);
# each target then links against it with `@testable import SafetyReport`. The main package is untouched.
# Work files go to .build-fuzz/ (corpus, crash artifacts, logs). A crash input is saved as
# .build-fuzz/artifacts-<target>/crash-<sha1>; add it as a test named after what it found.
set -eu
# Swift's own backtracer would race libFuzzer's crash handler (and confuse ASan); libFuzzer reports and saves the input.
export SWIFT_BACKTRACE=enable=no
cd "$(dirname "$0")/.."
SECS=${1:-600}
[ $# -gt 0 ] && shift
TARGETS=${*:-DecodeAndParse SubmissionFile SubmissionWorkbook StreamedReader}
OUT=.build-fuzz
LIB="$OUT/lib"
mkdir -p "$LIB"
FLAGS="-O -g -sanitize=fuzzer,address -parse-as-library -wmo"

ZF=.build/checkouts/ZIPFoundation/Sources
[ -d "$ZF/ZIPFoundation" ] || swift package resolve >/dev/null
# CZlib (ZIPFoundation's zlib module map) and CXlsxWriter are system-library module maps: -I finds them.
INCLUDES="-I $LIB -I $ZF/CZLib -I Sources/CXlsxWriter -I Sources/CSHA256/include -I Sources/CMemoryParts/include"

# module NAME SWIFT_VERSION EXTRA_FLAGS SOURCES...: one instrumented object and module per dependency.
module() {
    name=$1 version=$2 extra=$3; shift 3
    if [ -f "$LIB/$name.o" ] && [ -z "$(find "$@" -newer "$LIB/$name.o" 2>/dev/null | head -1)" ]; then return; fi
    echo "== building $name (instrumented)"
    # shellcheck disable=SC2086
    swiftc $FLAGS -swift-version "$version" $extra -module-name "$name" $INCLUDES \
        -emit-module -emit-module-path "$LIB/$name.swiftmodule" -c "$@" -o "$LIB/$name.o" > "$LIB/build-$name.log" 2>&1 \
        || { grep -v warning: "$LIB/build-$name.log" | head -40; exit 1; }
}
# shellcheck disable=SC2046
module ZIPFoundation 5 "-Xcc -D_GNU_SOURCE=1" $(ls "$ZF"/ZIPFoundation/*.swift)
# The wrapper's C part (libxlsxwriter's temporary parts in memory; its module map is in include/).
if [ ! -f "$LIB/CMemoryParts.o" ] || [ Sources/CMemoryParts/memory_parts.c -nt "$LIB/CMemoryParts.o" ]; then
    clang -O2 -g -fsanitize=fuzzer-no-link,address -I Sources/CMemoryParts/include \
        -c Sources/CMemoryParts/memory_parts.c -o "$LIB/CMemoryParts.o"
fi
module XlsxWriter 6 "" Sources/XlsxWriter/*.swift
# The library's C part (SHA-256 blocks through SHA-NI; its module map is in include/), instrumented like the rest.
if [ ! -f "$LIB/CSHA256.o" ] || [ Sources/CSHA256/sha256_ni.c -nt "$LIB/CSHA256.o" ]; then
    clang -O2 -g -fsanitize=fuzzer-no-link,address -I Sources/CSHA256/include -c Sources/CSHA256/sha256_ni.c -o "$LIB/CSHA256.o"
fi
# Every source of the library: nothing is left out. -enable-testing: the targets reach internal API.
# shellcheck disable=SC2046
module SafetyReport 6 "-enable-testing" $(find Sources/SafetyReport -name '*.swift' | sort)

# Seeds. CSV targets: every CSV of the sample town and of a small demo town (all encodings, header styles,
# deliberate errors). Workbook target: the demo town's submission templates, filled with its rows, and
# hand-made corner cases, each also as an XML bundle (see scripts/fuzz-xlsx-seeds.py).
SEEDS="$OUT/seeds"
XSEEDS="$OUT/seeds-xlsx"
if [ ! -d "$SEEDS" ] || [ ! -d "$XSEEDS" ]; then
    swift build --product safety-report > "$OUT/build-cli.log" 2>&1 || { tail -20 "$OUT/build-cli.log"; exit 1; }
    bin="$(swift build --show-bin-path)/safety-report"
    rm -rf "$OUT/demo" "$OUT/templates" "$SEEDS" "$XSEEDS" && mkdir -p "$SEEDS"
    "$bin" demo --out "$OUT/demo" --villages 4 --months 2 --end 2026-10 --seed 3 >/dev/null
    "$bin" templates --config "$OUT/demo/pipeline.json" --out "$OUT/templates" >/dev/null
    i=0
    find inputs "$OUT/demo/inputs" -type f -iname '*.csv' | sort | while read -r f; do
        i=$((i + 1)); cp "$f" "$SEEDS/seed-$i-$(basename "$f")"
    done
    python3 scripts/fuzz-xlsx-seeds.py "$OUT/templates" "$OUT/demo/inputs" "$XSEEDS"
fi
# StreamedReader: every CSV seed behind selector bytes for pieces of 1, 2, 7 and 64 bytes, the standard 256 KB
# (standard limits) and pieces of 3 and 256 bytes under tiny limits (see Fuzz/StreamedReader.swift).
SSEEDS="$OUT/seeds-streamed"
if [ ! -d "$SSEEDS" ]; then
    mkdir -p "$SSEEDS.tmp"
    for f in "$SEEDS"/*; do
        for sel in 000 001 006 077 100 202 367; do
            { printf "\\$sel"; cat "$f"; } > "$SSEEDS.tmp/$sel-$(basename "$f")"
        done
    done
    mv "$SSEEDS.tmp" "$SSEEDS"
fi

for t in $TARGETS; do
    support=""; seeds="$SEEDS"; extra=""
    [ "$t" = DecodeAndParse ] || support="Fuzz/Shared/*.swift"
    # detect_leaks=0 for the workbook: swift-corelibs-foundation's XMLParser leaks its error object (an NSError made
    # in _CFErrorCreateFromXMLInterface) on every malformed part, which is not ours to fix and would stop each run.
    leaks=1
    [ "$t" = SubmissionWorkbook ] && { seeds="$XSEEDS"; extra="-dict=Fuzz/xlsx.dict -detect_leaks=0"; leaks=0; }
    [ "$t" = StreamedReader ] && seeds="$SSEEDS"
    # shellcheck disable=SC2086
    swiftc $FLAGS -module-name "Fuzz$t" $INCLUDES "Fuzz/$t.swift" $support \
        "$LIB/SafetyReport.o" "$LIB/CSHA256.o" "$LIB/CMemoryParts.o" "$LIB/XlsxWriter.o" "$LIB/ZIPFoundation.o" -lxlsxwriter -lz \
        -o "$OUT/fuzz-$t" > "$OUT/build-$t.log" 2>&1 || { grep -v warning: "$OUT/build-$t.log" | head -40; exit 1; }
    mkdir -p "$OUT/corpus-$t" "$OUT/artifacts-$t"
    echo "== $t: $SECS s"
    # shellcheck disable=SC2086
    ASAN_OPTIONS="detect_leaks=$leaks" "$OUT/fuzz-$t" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 $extra \
        -artifact_prefix="$OUT/artifacts-$t/" "$OUT/corpus-$t" "$seeds" > "$OUT/$t.log" 2>&1 || true
    grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" "$OUT/$t.log" || tail -5 "$OUT/$t.log"
    grep -E "^#[0-9]+.*(DONE|pulse)" "$OUT/$t.log" | tail -1
    echo "   corpus: $(ls "$OUT/corpus-$t" | wc -l) inputs; crashes: $(ls "$OUT/artifacts-$t" | wc -l)"
done
