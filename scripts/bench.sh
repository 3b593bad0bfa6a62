#!/usr/bin/env bash
# Benchmark of `run` on a demo town (release build): medians of wall time, peak RSS and each `--timings` stage.
#
# Usage:
#   scripts/bench.sh [VILLAGES] [MONTHS] [RUNS]     one town (default 2000 × 12, 5 runs)
#   scripts/bench.sh --scaling [RUNS]               200/2,000/10,000 villages × 3/12/36 months (default 3 runs)
#                                                   SKIP="10000x36" (space-separated) skips sizes
# Environment:
#   BIN=path      the binary to measure (default: a release build of this checkout, linked as README's install line
#                 says: --static-swift-stdlib)
#   BEFORE=path   with --scaling: another binary (e.g. a release build of main) measured on the same towns,
#                 alternating with BIN, its columns printed beside BIN's
#   MODES="cold monthly"   which modes to run (default both)
#   TOWNS=dir     keep generated towns in dir and reuse them (generating 2,000 × 36 takes minutes)
#   DEMO_FLAGS="--agreements-every-month"   extra `demo` flags: that one gives the shape of issue 5's yardstick
#                 town (every village sends all four files every month: 92,000 files at 2,000 × 12); a town made
#                 with flags is kept under TOWNS with them in its name
#
# Each town is generated with `demo --end 2026-10 --seed 1`, and the last month (2026-10) is reported:
#   cold     no outputs/ at all: every earlier month's hazards are read, validated and replayed;
#   monthly  as cron runs it: 2026-08 and 2026-09 were built first, one after the other, so 2026-09's saved
#            ledger state (outputs/.state/) is reused, and the hashes of earlier files remembered by those runs
#            (outputs/.state/hashes-*.bin) too; outputs/2026-10 is removed before each run, so every run is a
#            first build. The wall time includes `run`'s stale check of the 2026-08 and 2026-09 reports.
# Writes only into a temporary folder under $TMPDIR (default /tmp), or TOWNS.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  swift build -c release --static-swift-stdlib --product safety-report >/dev/null
  bin=$(swift build -c release --static-swift-stdlib --show-bin-path)/safety-report
else
  bin=$BIN
fi
tmp=$(mktemp -d)
# aside TOWN PATH: moves PATH (outputs/ or a month of it) into TOWN/.bench-trash instead of deleting it, and the
# trash is deleted at exit. ext4 without a journal (as on these machines) avoids reusing inodes freed in the last
# minute or so, so 2,000 workbooks created right after deleting 2,000 cost several times more than in a cron run;
# a run measured right after `rm -rf outputs` would measure that, not the tool.
trap 'rm -rf "$tmp"; [ -f "$tmp.trash" ] && xargs -d "\n" rm -rf < "$tmp.trash"; rm -f "$tmp.trash"' EXIT
aside() {
  [ -e "$2" ] || return 0
  mkdir -p "$1/.bench-trash"
  local dest
  dest=$(mktemp -d "$1/.bench-trash/XXXXXX")
  mv "$2" "$dest/" && echo "$dest" >>"$tmp.trash"
}
modes=${MODES:-cold monthly}

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# bench_mode TOWN MODE RUNS: prints medians for one mode; leaves per-run files in $tmp/runs.
bench_mode() {
  local town=$1 mode=$2 runs=$3
  local b=${4:-$bin}
  rm -rf "$tmp/runs" && mkdir -p "$tmp/runs"
  aside "$town" "$town/outputs"
  if [ "$mode" = monthly ]; then
    (cd "$town" && "$b" run --period 2026-08 >/dev/null 2>&1 && "$b" run --period 2026-09 >/dev/null 2>&1)
  fi
  for i in $(seq "$runs"); do
    if [ "$mode" = cold ]; then aside "$town" "$town/outputs"; else aside "$town" "$town/outputs/2026-10"; fi
    (cd "$town" && /usr/bin/time -f "TIME %e %M" "$b" run --period 2026-10 --timings >"$tmp/runs/$i.out" 2>"$tmp/runs/$i.err") \
      || { cat "$tmp/runs/$i.err"; exit 1; }
  done
  wall=$(for f in "$tmp"/runs/*.err; do grep '^TIME' "$f" | awk '{print $2}'; done | median)
  rss=$(for f in "$tmp"/runs/*.err; do grep '^TIME' "$f" | awk '{print $3}'; done | median)
  printf '%-8s median of %d: wall %.2f s, peak RSS %.0f MB\n' "$mode" "$runs" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

# stages: the median of every `--timings` line ("name   1.234 s") over the runs of the last bench_mode.
stages() {
  grep -h -E ' s$' "$tmp"/runs/*.out | sed -E 's/ +([0-9.]+) s$/\t\1/' | awk -F'\t' '!seen[$1]++ {print $1}' |
  while IFS= read -r name; do
    m=$(grep -h -F -- "$name" "$tmp"/runs/*.out | sed -E 's/.* ([0-9.]+) s$/\1/' | median)
    printf '  %-40s %8.3f s\n' "$name" "$m"
  done
  grep -h -E '^input ' "$tmp"/runs/1.out | sed 's/^/  /' || true
}

make_town() {  # make_town VILLAGES MONTHS → prints the town folder
  local v=$1 m=$2 town="${TOWNS:-$tmp}/town-$1x$2"
  [ -n "${DEMO_FLAGS:-}" ] && town="$town$(echo "$DEMO_FLAGS" | tr -c 'a-z\n' '-')"
  if [ ! -f "$town/pipeline.json" ]; then
    # shellcheck disable=SC2086  # DEMO_FLAGS is a list of flags
    "$bin" demo --out "$town" --villages "$v" --months "$m" --end 2026-10 --seed 1 ${DEMO_FLAGS:-} >/dev/null 2>&1
    sleep 2  # older than the remembered hashes' 2 s margin, as a month's files are by the time cron runs
  fi
  echo "$town"
}

describe() {
  local town=$1 v=$2 m=$3
  files=$(find "$town/inputs" -type f | wc -l)
  bytes=$(find "$town/inputs" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
  echo "town: $v villages × $m months, $files input files, $bytes MB; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ "${1:-}" = --scaling ]; then
  runs=${2:-3}
  header="| villages | months | input files | input MB |"
  for mode in $modes; do
    [ -n "${BEFORE:-}" ] && header="$header $mode wall s before | $mode peak MB before |"
    header="$header $mode wall s | $mode peak MB |"
  done
  echo "$header"
  echo "$header" | sed -E 's/[^|]+/---/g'
  for v in 200 2000 10000; do
    for m in 3 12 36; do
      if [[ " ${SKIP:-} " == *" ${v}x${m} "* ]]; then printf '| %s | %s | skipped | |\n' "$v" "$m"; continue; fi
      town=$(make_town "$v" "$m")
      files=$(find "$town/inputs" -type f | wc -l)
      mb=$(find "$town/inputs" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
      line="| $v | $m | $files | $mb |"
      for mode in $modes; do
        # Side by side: the old binary first, then this one, on the same town and the same minutes.
        if [ -n "${BEFORE:-}" ]; then
          line="$line $(bench_mode "$town" "$mode" "$runs" "$BEFORE" | sed -E 's/.*wall ([0-9.]+) s, peak RSS ([0-9]+) MB/\1 | \2/') |"
        fi
        line="$line $(bench_mode "$town" "$mode" "$runs" | sed -E 's/.*wall ([0-9.]+) s, peak RSS ([0-9]+) MB/\1 | \2/') |"
      done
      echo "$line"
      aside "$town" "$town/outputs"
      [ -n "${TOWNS:-}" ] || rm -rf "$town"
    done
  done
  exit 0
fi

villages=${1:-2000}
months=${2:-12}
runs=${3:-5}
town=$(make_town "$villages" "$months")
describe "$town" "$villages" "$months"
echo "peer (pandas + XlsxWriter, 2,000 × 12, from the issue): 14.2 s, 329 MB"
for mode in $modes; do
  bench_mode "$town" "$mode" "$runs"
  stages
done
echo "outputs: $(find "$town/outputs/2026-10" -type f | wc -l) files, $(du -sm "$town/outputs/2026-10" | cut -f1) MB"
