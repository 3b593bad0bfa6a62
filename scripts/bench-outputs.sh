#!/usr/bin/env bash
# Two builds side by side on one demo town, cold runs alternating: wall, CPU, peak RSS and the output stages.
#
# Usage: scripts/bench-outputs.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]   (default 5 rounds; TOWN: a folder
#        with pipeline.json and inputs/, default a new 2,000 × 12 demo town)
# Environment: BEFORE_ENV / AFTER_ENV, e.g. "TMPDIR=/dev/shm", set for that side's runs only.
# Each side reports 2026-10 in its own copy of the town. outputs/ is moved aside before each run and deleted at
# the end, not deleted just before a run: ext4 avoids reusing an inode deleted a minute ago, so creating 2,000
# workbooks right after deleting 2,000 costs far more than a cron run a month later pays. Ends with the medians,
# each pair's wall ratio (before / after), and whether the outputs of 2026-10 differ (manifest.json's built_at aside;
# outputs/.state, the tool's cache, is not compared).
set -euo pipefail
before=${1:?usage: scripts/bench-outputs.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]}
after=${2:?usage: scripts/bench-outputs.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]}
rounds=${3:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
town=${4:-}
if [ -z "$town" ]; then
  town=$tmp/town
  "$after" demo --out "$town" --villages 2000 --months 12 --end 2026-10 --seed 1 >/dev/null 2>&1
fi
# copy SIDE: the folder of that side's copy of the town. Both names are as long: the run keeps every input's path,
# so one more byte per path showed as up to 1 MB of peak RSS (and 2.8 MB of heap at 2,000 x 36) for the longer name.
copy() { if [ "$1" = before ]; then echo town-b; else echo town-a; fi; }
for side in before after; do
  mkdir -p "$tmp/$(copy $side)" "$tmp/aside-$side"
  cp -a "$town/pipeline.json" "$town/inputs" "$tmp/$(copy $side)/"
done
stage() { grep -E "^$1" "$2" | head -1 | sed -E 's/.* ([0-9.]+) s$/\1/'; }
echo "load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u '+%F %H:%M UTC')"
for r in $(seq "$rounds"); do
  for side in before after; do
    if [ $side = before ]; then bin=$before; envs=${BEFORE_ENV:-}; else bin=$after; envs=${AFTER_ENV:-}; fi
    dir=$tmp/$(copy $side)
    [ -d "$dir/outputs" ] && mv "$dir/outputs" "$tmp/aside-$side/$r"
    load=$(cut -d' ' -f1 /proc/loadavg)
    (cd "$dir" && env $envs /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$bin" run --period 2026-10 --timings --quiet \
      >"$tmp/out" 2>&1) || { cat "$tmp/out"; exit 1; }
    read -r wall user sys rss <"$tmp/time"
    printf '%s %d %s %s %s %s %s %s\n' "$side" "$r" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))" \
      "$(stage 'summary CSVs' "$tmp/out")" "$(stage 'workbooks' "$tmp/out")" "$load" | tee -a "$tmp/results" |
      awk '{printf "round %s %-6s wall %6.2f s  cpu %6.2f s  rss %4d MB  summary CSVs %6.3f s  workbooks %6.3f s  load %s\n", $2, $1, $3, $4, $5, $6, $7, $8}'
  done
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for side in before after; do
  printf '%-6s median of %d: wall %.2f s, cpu %.2f s, peak RSS %s MB, summary CSVs %.3f s, workbooks %.3f s\n' "$side" "$rounds" \
    "$(awk -v s=$side '$1==s {print $3}' "$tmp/results" | median)" "$(awk -v s=$side '$1==s {print $4}' "$tmp/results" | median)" \
    "$(awk -v s=$side '$1==s {print $5}' "$tmp/results" | median)" "$(awk -v s=$side '$1==s {print $6}' "$tmp/results" | median)" \
    "$(awk -v s=$side '$1==s {print $7}' "$tmp/results" | median)"
done
ratios=$(awk '$1=="before" {b[$2]=$3} $1=="after" {a[$2]=$3} END {for (r in b) printf "%.2f\n", b[r] / a[r]}' "$tmp/results" | sort -g)
echo "wall ratios before/after: $(echo $ratios) (median $(echo "$ratios" | median))"
# The report's outputs are compared, not outputs/.state: its manifest-P.bin holds the manifest (built_at included),
# its listing-P.bin the stats of the input folders (they differ between the two copies of the town), and its saved
# ledger state is the tool's own cache, whose format a build may change (the twelfth session's closed part did).
if diff -r -q -x manifest.json "$tmp/town-b/outputs/2026-10" "$tmp/town-a/outputs/2026-10" >/dev/null &&
   diff <(grep -v '"built_at"' "$tmp/town-b/outputs/2026-10/manifest.json") \
        <(grep -v '"built_at"' "$tmp/town-a/outputs/2026-10/manifest.json") >/dev/null; then
  echo "outputs: identical (built_at aside)"
else
  echo "outputs: DIFFER"
fi
