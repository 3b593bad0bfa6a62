#!/bin/sh
# Builds the libFuzzer targets in Fuzz/ with swiftc (-sanitize=fuzzer,address) and runs each for a while,
# seeded with the sample town's inputs and a generated demo town. Leaves the main package untouched.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 600 seconds, both targets
#
# Work files go to .build-fuzz/ (corpus, crash artifacts, logs). A crash input is saved as
# .build-fuzz/artifacts-<target>/crash-<sha1>; add it to Tests/SafetyReportTests/FuzzRegressionTests.swift.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-600}
[ $# -gt 0 ] && shift
TARGETS=${*:-DecodeAndParse SubmissionFile}
OUT=.build-fuzz
mkdir -p "$OUT"
SRC=Sources/SafetyReport
# The pure stages only (no libxlsxwriter): what reads and validates a clerk's file.
# The .xlsx reader (and inspect's view of a workbook) is left out: it needs ZIPFoundation, which this swiftc line does not build.
LIB="$SRC/Model/*.swift $(ls $SRC/Reading/*.swift | grep -v -e XlsxReader.swift -e InspectWorkbook.swift | tr '\n' ' ') $SRC/Validation/*.swift $SRC/Support/*.swift $SRC/Config/*.swift $SRC/Writing/CSVWriter.swift"

# Seeds: every CSV of the sample town and of a small demo town (all encodings, header styles, deliberate errors).
SEEDS="$OUT/seeds"
if [ ! -d "$SEEDS" ]; then
    swift build --product safety-report >/dev/null
    rm -rf "$OUT/demo" && mkdir -p "$SEEDS"
    "$(swift build --show-bin-path)/safety-report" demo --out "$OUT/demo" --villages 4 --months 2 --end 2026-10 --seed 3 >/dev/null
    i=0
    find inputs "$OUT/demo/inputs" -type f -iname '*.csv' | sort | while read -r f; do
        i=$((i + 1)); cp "$f" "$SEEDS/seed-$i-$(basename "$f")"
    done
fi

for t in $TARGETS; do
    # shellcheck disable=SC2086
    swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name SafetyReport \
        $LIB "Fuzz/$t.swift" -o "$OUT/fuzz-$t" 2> "$OUT/build-$t.log" || { cat "$OUT/build-$t.log"; exit 1; }
    mkdir -p "$OUT/corpus-$t" "$OUT/artifacts-$t"
    echo "== $t: $SECS s"
    "$OUT/fuzz-$t" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts-$t/" "$OUT/corpus-$t" "$SEEDS" > "$OUT/$t.log" 2>&1 || true
    grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" "$OUT/$t.log" || tail -5 "$OUT/$t.log"
    echo "   corpus: $(ls "$OUT/corpus-$t" | wc -l) inputs; crashes: $(ls "$OUT/artifacts-$t" | wc -l)"
done
