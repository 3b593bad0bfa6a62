#!/usr/bin/env bash
# Our tool and the issue-5 peer (scripts/peer/peer.py: pandas + XlsxWriter) measured side by side on this machine.
#
# Usage:
#   scripts/bench-peer.sh [VILLAGES] [MONTHS] [ROUNDS]      default 2000 12 5
# Environment:
#   BIN=path        our binary (default: a release build of this checkout, --static-swift-stdlib, as bench.sh)
#   PEER_VENV=dir   an existing venv with the pinned packages below (default: one made in the temp folder, from PyPI)
#   TOWN=dir        an existing town (pipeline.json + inputs/), read only (default: generated with our `demo
#                   --end 2026-10 --seed 1` into the temp folder)
#   DEMO_FLAGS=...  extra flags for the generated town's `demo`: "--agreements-every-month" gives the shape of the
#                   issue's yardstick town (every village sends all four files every month: 92,000 files at 2,000 × 12)
#   PERIOD=YYYY-MM  the month reported (default 2026-10, the demo's last month: the whole year is replayed)
#
# Each round runs, alternating (ours first in odd rounds, the peer first in even ones), our cold `run --period
# PERIOD` and the peer on the same inputs, each into a fresh outputs folder (no saved state: cold), and measures
# both with `/usr/bin/time -f "%e %M"`: wall seconds and the peak RSS of the largest process. %M is ru_maxrss of the
# process and of the children it waited for (the largest, not the sum); the peer's two workers are waited for by the
# peer's main process, and the peer logs each worker's own peak, printed once below to show %M covers them.
# CPU seconds (user + system, %U + %S, the process and its waited-for children: both our threads and the peer's
# workers) are printed too: on a machine shared with other jobs the wall ratio moves with the load, the CPU ratio
# much less. After round 1 the two tools' summary CSVs and hazard ledger are compared (cmp), and validation_issues
# without its message column (the peer words its messages itself).
# The town is never written: each tool gets a pipeline.json in the temp folder whose `inputs` is TOWN's inputs
# (absolute path) and whose `outputs` is a new folder. Old outputs stay until exit (deleting 2,000 workbooks right
# before a run makes the next run's file creation slower on these file systems; see bench.sh), then everything
# made in the temp folder is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
villages=${1:-2000} months=${2:-12} rounds=${3:-5}
period=${PERIOD:-2026-10}
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${BIN:-}" ]; then
  swift build -c release --static-swift-stdlib --product safety-report >/dev/null
  bin=$(swift build -c release --static-swift-stdlib --show-bin-path)/safety-report
else
  bin=$BIN
fi

# The peer's packages, pinned (what the eleventh session measured with).
PINS="pandas==2.2.3 numpy==2.4.6 XlsxWriter==3.2.0 python-dateutil==4.0.0 pytz==2026.6 tzdata==2026.6"
if [ -n "${PEER_VENV:-}" ]; then
  py=$PEER_VENV/bin/python
else
  python3 -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" install -q $PINS >/dev/null
  py=$tmp/venv/bin/python
fi
"$py" -c 'import pandas, numpy, xlsxwriter, sys; print("peer: Python %s, pandas %s, numpy %s, XlsxWriter %s" % (sys.version.split()[0], pandas.__version__, numpy.__version__, xlsxwriter.__version__))'

if [ -n "${TOWN:-}" ]; then
  town=$(cd "$TOWN" && pwd)
else
  town=$tmp/town
  # shellcheck disable=SC2086  # DEMO_FLAGS is a list of flags
  "$bin" demo --out "$town" --villages "$villages" --months "$months" --end "$period" --seed 1 ${DEMO_FLAGS:-} >/dev/null 2>&1
fi
nfiles=$(find "$town/inputs" -type f | wc -l)
echo "town: $town ($villages villages x $months months requested; $nfiles input files, $(find "$town/inputs" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}') MB); period $period"

# config TOOL ROUND: a pipeline.json for one run, reading TOWN's inputs, writing a fresh outputs folder
config() {
  local dir=$tmp/$1-$2
  mkdir -p "$dir"
  python3 - "$town/pipeline.json" "$dir/pipeline.json" "$town/inputs" "$dir/outputs" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1], encoding='utf-8'))
c['inputs'], c['outputs'] = sys.argv[3], sys.argv[4]
json.dump(c, open(sys.argv[2], 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
EOF
  echo "$dir"
}

# measure TOOL ROUND: one run; appends "TOOL ROUND wall rss_kb load" to $tmp/results
measure() {
  local tool=$1 round=$2 dir load
  dir=$(config "$tool" "$round")
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$tool" = ours ]; then
    (cd "$dir" && /usr/bin/time -f "TIME %e %M %U %S" "$bin" run --period "$period" >"$dir/log" 2>"$dir/err") \
      || { cat "$dir/err"; exit 1; }
  else
    (cd "$dir" && /usr/bin/time -f "TIME %e %M %U %S" "$py" "$repo/scripts/peer/peer.py" "$dir" "$period" >"$dir/log" 2>"$dir/err") \
      || { cat "$dir/err" "$dir/log"; exit 1; }
  fi
  [ -d "$dir/outputs/$period/villages" ] || { echo "$tool wrote no $period outputs"; exit 1; }
  echo "$tool $round $(grep '^TIME' "$dir/err" | awk '{print $2, $3, $4 + $5}') $load" >>"$tmp/results"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
printf '%-6s %8s %8s %9s %9s %8s %8s %7s %7s %9s %s\n' round ours_s peer_s ours_cpu peer_cpu ours_MB peer_MB wall_x cpu_x mem_ratio load
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then measure ours "$r"; measure peer "$r"; else measure peer "$r"; measure ours "$r"; fi
  read -r _ _ ow orss ocpu oload < <(grep "^ours $r " "$tmp/results")
  read -r _ _ pw prss pcpu pload < <(grep "^peer $r " "$tmp/results")
  printf '%-6s %8.2f %8.2f %9.2f %9.2f %8.1f %8.1f %7.1f %7.1f %9.3f %s\n' "$r" "$ow" "$pw" "$ocpu" "$pcpu" \
    "$(echo "$orss/1024" | bc -l)" "$(echo "$prss/1024" | bc -l)" "$(echo "$pw/$ow" | bc -l)" \
    "$(echo "$pcpu/$ocpu" | bc -l)" "$(echo "$orss/$prss" | bc -l)" "$oload/$pload"
  if [ "$r" = 1 ]; then
    a=$tmp/ours-1/outputs/$period b=$tmp/peer-1/outputs/$period same=""
    for f in summary_town summary_villages summary_groups summary_categories hazard_ledger; do
      if cmp -s "$a/$f.csv" "$b/$f.csv"; then same="$same $f"; else same="$same $f(DIFFERS)"; fi
    done
    if cmp -s <(cut -d, -f1-9 "$a/validation_issues.csv" | sort) <(cut -d, -f1-9 "$b/validation_issues.csv" | sort); then
      same="$same validation_issues(but messages)"; else same="$same validation_issues(DIFFERS)"; fi
    echo "round 1 outputs compared:$same" >"$tmp/compared"
  fi
done
ow=$(awk '$1=="ours" {print $3}' "$tmp/results" | median); pw=$(awk '$1=="peer" {print $3}' "$tmp/results" | median)
orss=$(awk '$1=="ours" {print $4}' "$tmp/results" | median); prss=$(awk '$1=="peer" {print $4}' "$tmp/results" | median)
oc=$(awk '$1=="ours" {print $5}' "$tmp/results" | median); pc=$(awk '$1=="peer" {print $5}' "$tmp/results" | median)
tx=$(awk '$1=="ours" {o[$2]=$3} $1=="peer" {p[$2]=$3} END {for (r in o) print p[r]/o[r]}' "$tmp/results" | median)
mx=$(awk '$1=="ours" {o[$2]=$4} $1=="peer" {p[$2]=$4} END {for (r in o) print o[r]/p[r]}' "$tmp/results" | median)
printf 'median of %d: ours %.2f s, %.1f MB; peer %.2f s, %.1f MB\n' "$rounds" "$ow" "$(echo "$orss/1024" | bc -l)" "$pw" "$(echo "$prss/1024" | bc -l)"
printf 'median CPU (user+sys): ours %.2f s, peer %.2f s: peer/ours %.1fx\n' "$oc" "$pc" "$(echo "$pc/$oc" | bc -l)"
printf 'ratios: peer/ours wall %.1fx (median of per-round ratios %.1fx); ours/peer peak RSS %.3f (per-round median %.3f)\n' \
  "$(echo "$pw/$ow" | bc -l)" "$tx" "$(echo "$orss/$prss" | bc -l)" "$mx"
cat "$tmp/compared"
echo "peer's own log (round 1): $(grep 'village workbooks' "$tmp/peer-1/log" | sed 's/^[^ ]* //')"
echo "ours (round 1): $(grep ' done ' "$tmp/ours-1/err" "$tmp/ours-1/log" 2>/dev/null | head -1 | sed 's/^.* done /done /')"
echo "peer (round 1): $(grep ' done ' "$tmp/peer-1/log" | sed 's/^.* done /done /')"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
