#!/usr/bin/env bash
# Our workbook writing against libxlsxwriter driven from C for the same cells, side by side on one demo town.
#
# Usage: [BIN=…] [C_PARTS=files] [C_WRITERS=ours] scripts/xlsx-baseline/run.sh [VILLAGES] [MONTHS] [ROUNDS]   (default 2000 12 3)
# Needs gcc, libxlsxwriter-dev and python3 (standard library only). Our side is the thread-CPU time
# `run --timings` reports for writing the workbooks (hashing and fsync excluded); the C side is the CPU
# time of xlsx-baseline.c writing the same workbooks single-threaded: the same sheets in the same constant-memory
# mode, cells, formats (fonts, fills, borders, alignment), merges, row heights, conditional formats, freeze panes,
# autofilters, print setup and charts (cells.py reads them back from our files), with libxlsxwriter's temporary
# parts kept in memory by the same Sources/CMemoryParts as ours. Set C_PARTS=files for temporary files instead.
# Both sides deflate at the same level (Sources/CMemoryParts/zip_level.c); the C side deflates with zlib, ours with
# libdeflate up to 64 KB a part (deflate_reuse.c: other bytes, the same parts), and the C side does not reuse
# deflated constant parts or keep its zip in memory (ours does). Ours also writes libxlsxwriter's cells, tags and
# attributes with CMemoryParts' cell_writers.c and xml_attributes.c, hashes its format keys with hash_key.c and frees
# constant-memory sheets with sheet_free.c (the same bytes, less CPU); the C side uses libxlsxwriter's own, unless
# C_WRITERS=ours links those four files into it too, and with parts in memory our deflate (deflate_reuse.c and the vendored libdeflate) as well:
# libxlsxwriter as both sides then run it.
set -euo pipefail
cd "$(dirname "$0")/../.."
villages=${1:-2000}; months=${2:-12}; rounds=${3:-3}
# BIN=path measures a given build of ours instead of this checkout's release build.
if [ -z "${BIN:-}" ]; then swift build -c release --product safety-report >/dev/null; fi
bin=${BIN:-$(swift build -c release --show-bin-path)/safety-report}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
writers=""
if [ "${C_WRITERS:-libxlsxwriter}" = ours ]; then
  writers="Sources/CMemoryParts/cell_writers.c Sources/CMemoryParts/xml_attributes.c Sources/CMemoryParts/sheet_free.c
    Sources/CMemoryParts/hash_key.c"
  # With parts in memory, also our deflate: libdeflate for parts up to 64 KB (deflate_reuse.c, CLibdeflate).
  if [ "${C_PARTS:-memory}" = memory ]; then
    writers="$writers Sources/CMemoryParts/deflate_reuse.c $(find Sources/CLibdeflate -name '*.c' | sort) -I Sources/CLibdeflate/include -lz
      -Wl,--export-dynamic-symbol=deflate -Wl,--export-dynamic-symbol=deflateInit2_ -Wl,--export-dynamic-symbol=deflateEnd"
  fi
fi
# zip_level.c tells deflate_reuse.c when minizip opens a part; without our deflate linked, that call goes nowhere.
case "$writers" in
  *deflate_reuse.c*) ;;
  *) printf 'void memory_parts_minizip_opening(int on) { (void)on; }\n' >"$tmp/no-deflate-reuse.c"
     writers="$writers $tmp/no-deflate-reuse.c" ;;
esac
if [ "${C_PARTS:-memory}" = memory ]; then
  gcc -O2 -DMEMORY_PARTS -I Sources/CMemoryParts/include -o "$tmp/xlsx-baseline" scripts/xlsx-baseline/xlsx-baseline.c \
    Sources/CMemoryParts/memory_parts.c Sources/CMemoryParts/zip_level.c $writers $(pkg-config --cflags --libs xlsxwriter) -ldl -lm
else
  gcc -O2 -I Sources/CMemoryParts/include -o "$tmp/xlsx-baseline" scripts/xlsx-baseline/xlsx-baseline.c \
    Sources/CMemoryParts/zip_level.c $writers $(pkg-config --cflags --libs xlsxwriter) -ldl -lm
fi
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
