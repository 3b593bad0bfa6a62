#!/usr/bin/env bash
# zlib against the vendored libdeflate (Sources/CLibdeflate) on the parts of real workbooks, each deflated alone at
# level 1 as minizip does (docs/performance-log.md, *Output side, seventh pass*).
#
# Usage: [BIN=…] scripts/deflate-bench/run.sh [VILLAGES] [ROUNDS]   (default 300 villages × 12 months, 15 rounds)
# Prints zlib at minizip's settings and with its other knobs (memLevel, window, level 2), and libdeflate.
# Generates a demo town, reports 2026-10, unzips every village workbook's parts (what libdeflate now deflates: each
# under 64 KB) and times both coders on all of them. Needs gcc and zlib1g-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."
villages=${1:-300}; rounds=${2:-15}
if [ -z "${BIN:-}" ]; then swift build -c release --product safety-report >/dev/null; fi
bin=${BIN:-$(swift build -c release --show-bin-path)/safety-report}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O2 -I Sources/CLibdeflate/include -o "$tmp/deflate-bench" scripts/deflate-bench/deflate-bench.c \
  $(find Sources/CLibdeflate -name '*.c' | sort) -lz
"$bin" demo --out "$tmp/town" --villages "$villages" --months 12 --end 2026-10 --seed 1 >/dev/null 2>&1
(cd "$tmp/town" && "$bin" run --period 2026-10 >/dev/null 2>&1)
for f in "$tmp"/town/outputs/2026-10/villages/*.xlsx; do
  d="$tmp/parts/$(basename "$f" .xlsx)"; mkdir -p "$d"; (cd "$d" && python3 -m zipfile -e "$f" . )
done
find "$tmp/parts" -type f | sort > "$tmp/list"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg); $villages villages' workbooks"
"$tmp/deflate-bench" "$tmp/list" "$rounds"
