#!/usr/bin/env bash
# Peak memory and wall time of re-running a month that is already built, two builds side by side.
#
# Usage: scripts/bench-rerun.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]   (default 3 rounds; TOWN: a folder with
#        pipeline.json and inputs/ of a demo town ending 2026-10, e.g. one made by scripts/bench.sh's TOWNS)
# Each side works in its own copy of the town (inputs hard-linked), builds 2026-09 once, then per round, alternating
# the sides:  first    outputs/2026-10 moved aside, 2026-10 built (what scripts/bench.sh's monthly mode measures);
#             same     2026-10 run again on the same inputs (the build id is the same: the change log is carried);
#             changed  one village's trainings.csv of 2026-10 gains (or loses again) a row, and 2026-10 is run again
#                      (the office's re-run after a correction: change log against the replaced build, history/).
# Prints each run's wall time and peak RSS (/usr/bin/time) and its "summary CSVs" stage (`--timings`: where the replaced
# report is read), then the medians per side and kind.
set -euo pipefail
before=${1:?usage: scripts/bench-rerun.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]}
after=${2:?usage: scripts/bench-rerun.sh BEFORE_BIN AFTER_BIN [ROUNDS] [TOWN]}
rounds=${3:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
town=${4:-}
if [ -z "$town" ]; then
  town=$tmp/town
  "$after" demo --out "$town" --villages 2000 --months 12 --end 2026-10 --seed 1 >/dev/null 2>&1
fi
# The village whose trainings.csv is toggled: the first one in 2026-10 with a UTF-8 or GB18030 file ending in a newline.
village=
for f in "$town"/inputs/2026-10/*/trainings.csv; do
  head -c 2 "$f" | od -An -tx1 | grep -qE 'ff fe|fe ff' && continue
  [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] || continue
  village=$(basename "$(dirname "$f")"); break
done
[ -n "$village" ] || { echo "no village with a UTF-8 trainings.csv in 2026-10"; exit 1; }
for side in before after; do
  mkdir -p "$tmp/$side" "$tmp/aside-$side"
  cp -a "$town/pipeline.json" "$tmp/$side/"
  cp -al "$town/inputs" "$tmp/$side/inputs"
  f=$tmp/$side/inputs/2026-10/$village/trainings.csv
  cp "$f" "$tmp/$side.orig"; rm "$f"; cp "$tmp/$side.orig" "$f"   # its own inode: it is rewritten below
  { cat "$tmp/$side.orig"; tail -n 1 "$tmp/$side.orig"; } >"$tmp/$side.more"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u '+%F %H:%M UTC'); toggled: 2026-10/$village/trainings.csv"
run() {  # run SIDE KIND ROUND
  local bin=$before; [ "$1" = after ] && bin=$after
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  (cd "$tmp/$1" && /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" run --period 2026-10 --quiet --timings >"$tmp/out" 2>&1) \
    || { cat "$tmp/out"; exit 1; }
  read -r wall rss <"$tmp/time"
  local csvs; csvs=$(grep -E '^summary CSVs' "$tmp/out" | sed -E 's/.* ([0-9.]+) s$/\1/')
  echo "$1 $2 $3 $wall $((rss / 1024)) $load ${csvs:-0}" | tee -a "$tmp/results" |
    awk '{printf "round %s %-6s %-8s wall %6.2f s  peak RSS %4d MB  \"summary CSVs\" %.3f s  load %s\n", $3, $1, $2, $4, $5, $7, $6}'
}
for side in before after; do
  bin=$before; [ $side = after ] && bin=$after
  (cd "$tmp/$side" && "$bin" run --period 2026-09 --quiet >/dev/null 2>&1)
done
for r in $(seq "$rounds"); do
  order="before after"; [ $((r % 2)) = 0 ] && order="after before"
  for kind in first same changed; do
    for side in $order; do
      case $kind in
        first) [ -d "$tmp/$side/outputs/2026-10" ] && mv "$tmp/$side/outputs/2026-10" "$tmp/aside-$side/$r" ;;
        changed) f=$tmp/$side/inputs/2026-10/$village/trainings.csv
                 if cmp -s "$f" "$tmp/$side.orig"; then cp "$tmp/$side.more" "$f"; else cp "$tmp/$side.orig" "$f"; fi ;;
      esac
      run $side $kind "$r"
    done
  done
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for side in before after; do
  for kind in first same changed; do
    printf '%-6s %-8s median of %d: wall %.2f s, peak RSS %s MB, "summary CSVs" %.3f s\n' $side $kind "$rounds" \
      "$(awk -v s=$side -v k=$kind '$1==s && $2==k {print $4}' "$tmp/results" | median)" \
      "$(awk -v s=$side -v k=$kind '$1==s && $2==k {print $5}' "$tmp/results" | median)" \
      "$(awk -v s=$side -v k=$kind '$1==s && $2==k {print $7}' "$tmp/results" | median)"
  done
done
