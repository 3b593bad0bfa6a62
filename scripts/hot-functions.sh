#!/usr/bin/env bash
# Writes Sources/safety-report/hot-functions.txt: every function of the release binary that a run executes, which
# Package.swift hands to lld (--symbol-ordering-file) so that code is laid out together (docs/performance-log.md,
# *Code that runs, laid out together*).
#
# Usage: scripts/hot-functions.sh [BIN]   (default: a release build of this checkout, made first)
# Runs BIN under `valgrind --tool=callgrind` on a demo town of 12 months (VILLAGES, default 60: the code a run
# executes does not depend on the size, only the time callgrind takes): a cold `run`, monthly runs (2026-09 and
# 2026-10 after 2026-08), a re-run of 2026-10 on the same inputs, `check`, and `inspect` of one file of each kind.
# Keeps the names callgrind saw executed that are functions defined in BIN: those `run` executes first, then those
# only `check` and `inspect` add, each group sorted by name (stable diffs; any order within a group is as compact).
# A stale list is harmless: lld skips names it no longer finds, and code not listed follows the listed code in the
# usual order.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  swift build -c release --static-swift-stdlib --product safety-report >&2
  bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/safety-report"
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
objcopy --strip-debug "$bin" "$tmp/bin"  # valgrind 3.19 rejects the DWARF 5 of the build
"$tmp/bin" demo --out "$tmp/town" --villages "${VILLAGES:-60}" --months 12 --end 2026-10 --seed 1 >/dev/null
cg() { (cd "$tmp/town" && valgrind --tool=callgrind --demangle=no --dump-instr=no \
         --callgrind-out-file="$tmp/cg.$1.out" "$tmp/bin" "${@:2}" >/dev/null 2>&1) || true; }
cg cold run --period 2026-10 --quiet
rm -rf "$tmp/town/outputs"
(cd "$tmp/town" && "$tmp/bin" run --period 2026-08 --quiet >/dev/null 2>&1)
cg m09 run --period 2026-09 --quiet
cg m10 run --period 2026-10 --quiet
cg rerun run --period 2026-10 --quiet
cg check check --period 2026-10
for kind in hazards inspections trainings agreements; do
  file=$(find "$tmp/town/inputs/2026-10" -iname "$kind.csv" -print -quit)
  [ -n "$file" ] && cg "inspect-$kind" inspect "$file"
done
nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$tmp/defined"
executed() { cat "$@" | sed -n 's/^c\{0,1\}fn=([0-9]*) \(.*\)$/\1/p' | sed "s/'[0-9]*$//" | sort -u; }
executed "$tmp"/cg.{cold,m09,m10,rerun}.out | comm -12 "$tmp/defined" - >"$tmp/run"
executed "$tmp"/cg.*.out | comm -12 "$tmp/defined" - | comm -23 - "$tmp/run" >"$tmp/other"
# What `run` executes first (reports are the large, frequent case), then what only `check` and `inspect` add.
cat "$tmp/run" "$tmp/other" >Sources/safety-report/hot-functions.txt
echo "$(wc -l <Sources/safety-report/hot-functions.txt) functions written to Sources/safety-report/hot-functions.txt" >&2
