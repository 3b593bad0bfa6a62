#!/usr/bin/env bash
# Peak memory of `run` when one village sends one big trainings.csv (release build), for several sizes,
# so the growth with the file's size is visible. Rows are `2026-10-3,培训,x,1` (20 bytes, all valid);
# the town is `demo --villages 5 --months 3 --seed 42 --end 2026-10`.
#
# Usage: scripts/bench-bigfile.sh [MB…]     (default: 0 1 8 31; 31 MB ≈ 1.55 million rows, under the 32 MB cap)
#        BIN=/path/to/safety-report scripts/bench-bigfile.sh …   measures that binary instead (e.g. an older build
#        copied aside, to compare side by side); ENCODING=GB18030 writes the file in GB18030 instead of UTF-8;
#        FILE=inspections measures a big inspections.csv instead (rows `2026-10-3,张三1,0`, also 20 bytes);
#        ROW=… replaces the row; CMD=check runs `check` instead of `run` (no outputs written).
# Writes only into a temporary folder under $TMPDIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BIN:-}" ]; then bin=$BIN; else
  swift build -c release --static-swift-stdlib --product safety-report >/dev/null
  bin=$(swift build -c release --static-swift-stdlib --show-bin-path)/safety-report
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" demo --out "$tmp/town" --villages 5 --months 3 --seed 42 --end 2026-10 >/dev/null 2>&1
case "${FILE:-trainings}" in
  trainings) header='活动日期,活动形式,活动主题,参与人数'; row='2026-10-3,培训,x,1' ;;
  inspections) header='排查日期,排查人,发现隐患数'; row='2026-10-3,张三1,0' ;;
  *) echo "FILE must be trainings or inspections" >&2; exit 2 ;;
esac
file="$tmp/town/inputs/2026-10/330683105201/${FILE:-trainings}.csv"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(0 1 8 31)
printf '%-10s %10s %10s %10s %10s %14s\n' "file MB" "rows" "peak MB" "wall s" "user s" "MB/s per core"
for mb in "${sizes[@]}"; do
  rows=$(( mb * 1000000 / 20 ))
  python3 -c "import sys; open(sys.argv[1],'w',encoding=sys.argv[3]).write(sys.argv[5]+'\n'+(sys.argv[4]+'\n')*int(sys.argv[2]))" "$file" "$rows" "${ENCODING:-utf-8}" "${ROW:-$row}" "$header"
  rm -rf "$tmp/town/outputs"
  (cd "$tmp/town" && /usr/bin/time -f "TIME %e %M %U" "$bin" "${CMD:-run}" --period 2026-10 $([ "${CMD:-run}" = run ] && echo --quiet) >/dev/null 2>"$tmp/err") || { cat "$tmp/err"; exit 1; }
  read -r _ wall rss user < <(grep '^TIME' "$tmp/err")
  mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN{printf "%.1f", b/1e6}')
  printf '%-10s %10d %10.0f %10.2f %10.2f %14.1f\n' "$mb" "$rows" "$(echo "$rss / 1024" | bc -l)" "$wall" "$user" "$(awk -v m="$mb" -v u="$user" 'BEGIN{print (u > 0 ? m / u : 0)}')"
done
