#!/usr/bin/env bash
# Our workbook writing against libxlsxwriter driven from C for the same cells, side by side on one demo town.
#
# Usage: scripts/xlsx-baseline/run.sh [VILLAGES] [MONTHS] [ROUNDS]   (default 2000 12 3)
# Needs gcc, libxlsxwriter-dev and python3 (standard library only). Our side is the thread-CPU time
# `run --timings` reports for writing the workbooks (hashing and fsync excluded); the C side is the CPU
# time of xlsx-baseline.c writing the same cells (values, number formats, bold, wrap, column widths — no
# conditional formats, merges, charts or print setup, which ours also writes) single-threaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
villages=${1:-2000}; months=${2:-12}; rounds=${3:-3}
swift build -c release --product safety-report >/dev/null
bin=$(swift build -c release --show-bin-path)/safety-report
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/xlsx-baseline" scripts/xlsx-baseline/xlsx-baseline.c $(pkg-config --cflags --libs xlsxwriter)
"$bin" demo --out "$tmp/town" --villages "$villages" --months "$months" --end 2026-10 --seed 1 >/dev/null 2>&1
(cd "$tmp/town" && "$bin" run --period 2026-10 >/dev/null 2>&1)
python3 scripts/xlsx-baseline/cells.py "$tmp/tsv" "$tmp"/town/outputs/2026-10/villages/*.xlsx "$tmp"/town/outputs/2026-10/*.xlsx
town_tsv=$(ls "$tmp"/tsv/*.tsv | grep -v '/[0-9]*\.tsv$')
mkdir -p "$tmp/c"
# The same temp folder for the C side's village workbooks as ours (WorkbookTempFolder: /dev/shm when TMPDIR is
# unset, /tmp is not a tmpfs and /dev/shm is one), so neither side pays ext4 creates the other does not.
village_tmp=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ "$(stat -f -c %T /tmp)" != tmpfs ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  village_tmp=/dev/shm
fi
echo "town: $villages villages × $months months; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  rm -rf "$tmp/town/outputs/2026-10"
  ours=$(cd "$tmp/town" && "$bin" run --period 2026-10 --timings 2>/dev/null)
  ot=$(echo "$ours" | grep 'town workbook (thread cpu)' | sed -E 's/.* ([0-9.]+) s$/\1/')
  ov=$(echo "$ours" | grep 'village workbooks (thread cpu)' | sed -E 's/.* ([0-9.]+) s$/\1/')
  ct=$("$tmp/xlsx-baseline" "$tmp/c" "$town_tsv" | sed -E 's/.*, ([0-9.]+) s cpu/\1/')
  cv=$(TMPDIR=$village_tmp "$tmp/xlsx-baseline" "$tmp/c" $(ls "$tmp"/tsv/[0-9]*.tsv) | sed -E 's/.*, ([0-9.]+) s cpu/\1/')
  printf 'round %d: town workbook ours %.2f s, C %.2f s (%.2f×); %d village workbooks ours %.2f s, C %.2f s (%.2f×)\n' \
    "$r" "$ot" "$ct" "$(echo "$ot / $ct" | bc -l)" "$villages" "$ov" "$cv" "$(echo "$ov / $cv" | bc -l)"
done
