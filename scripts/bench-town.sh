#!/usr/bin/env bash
# End-to-end benchmark: a demo town of N villages (default 2,000) × 3 months, reported in release mode.
# Prints the time of each stage (reading+validation+computation, CSVs, town workbook, village workbooks,
# manifest+commit), the whole run's wall time and peak memory. Writes only into a temporary folder.
#
# Usage: scripts/bench-town.sh [VILLAGES] [MONTHS]
set -euo pipefail
cd "$(dirname "$0")/.."
villages=${1:-2000}
months=${2:-3}
swift build -c release --static-swift-stdlib --product safety-report >/dev/null
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)/safety-report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" demo --out "$tmp/town" --villages "$villages" --months "$months" --end 2026-10 --seed 1 2>/dev/null
files=$(find "$tmp/town/inputs" -type f | wc -l)
mb=$(du -sm "$tmp/town/inputs" | cut -f1)
echo "town: $villages villages, $months months, $files input files, ${mb} MB; $(nproc) cores"
cd "$tmp/town"
for pass in first rerun; do
  echo "== run --period 2026-10 ($pass build)"
  /usr/bin/time -f "wall %e s, peak memory %M KiB" "$bin" run --period 2026-10 --timings 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  tail -n 1 "$tmp/err"
done
echo "outputs: $(find outputs/2026-10 -type f | wc -l) files, $(du -sm outputs/2026-10 | cut -f1) MB"
