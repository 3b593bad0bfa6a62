#!/usr/bin/env bash
# scripts/corrections-series.sh BIN DIR: in DIR (a copy of a demo town of 12 months ending 2026-10: pipeline.json and inputs/),
# builds 2026-08..10, then corrects earlier months (an edit in place with size and mtime put back, files added and
# removed, a folder renamed away and back) with status, run, rebuild and check after each; the log goes to DIR.log,
# durations masked. Run it with two binaries on two copies and diff the logs (timestamps and paths aside) and outputs/.
set -u
bin=$1; dir=$2; log=$dir.log; : >"$log"
cd "$dir"
r() { echo "### $*" >>"$log"; "$bin" "$@" 2>&1 | sed -E 's/[0-9]+\.[0-9]+s/Xs/g' >>"$log"; echo "rc=${PIPESTATUS[0]}" >>"$log"; }
v=$(ls inputs/2026-03 | sed -n 5p); w=$(ls inputs/2026-05 | sed -n 7p); x=$(ls inputs/2026-06 | sed -n 9p); y=$(ls inputs/2026-07 | sed -n 11p)
for p in 2026-08 2026-09 2026-10; do r run --period $p --quiet; done
sleep 3
# 1. an earlier hazards file edited in place, its size and mtime put back
python3 - "inputs/2026-03/$v/hazards.csv" <<'PY'
import os, sys
p = sys.argv[1]; st = os.stat(p); b = bytearray(open(p, 'rb').read())
i = b.rfind(b'\n', 0, len(b) - 2) + 1
b[i] = ord('X') if b[i] != ord('X') else ord('Y')
open(p, 'r+b').write(b); os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
r status; r run --period 2026-10; r status; r rebuild; r status
# 2. a file added in an earlier month (a trainings file where there was none, else a stray note)
if [ -e "inputs/2026-05/$w/trainings.csv" ]; then cp "inputs/2026-05/$w/trainings.csv" "inputs/2026-05/$w/说明.txt"; else cp "$(ls inputs/2026-05/*/trainings.csv | head -1)" "inputs/2026-05/$w/trainings.csv"; fi
cp "$(ls inputs/2026-09/*/agreements.csv | head -1)" "inputs/2026-09/$w/agreements.csv" 2>/dev/null || true
r status; r run --period 2026-10; r rebuild; r status
# 3. a file removed from an earlier month
rm -f "inputs/2026-06/$x/hazards.csv" "inputs/2026-06/$x/inspections.csv"
r status; r rebuild; r status
# 4. a folder renamed away and back
mv "inputs/2026-07/$y" "inputs/2026-07/.away"; r status; r run --period 2026-10 --quiet
mv "inputs/2026-07/.away" "inputs/2026-07/$y"; sleep 3; r status; r rebuild; r status
r check --period 2026-10
r check --period 2026-07
