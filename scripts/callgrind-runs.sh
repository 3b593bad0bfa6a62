#!/usr/bin/env bash
# Instruction counts of three runs under callgrind (immune to the machine's load): a cold `run --period 2026-10`
# of a VILLAGES × 12 town, and a monthly 2026-10 (2026-08 and 2026-09 built first, as cron does) of VILLAGES × 3 and
# VILLAGES × 36 towns, whose ratio is how a monthly run's cost grows with history.
#
# Usage: scripts/callgrind-runs.sh BIN [LABEL]      (VILLAGES=200 by default; TOWNS=dir reuses towns made there)
# Towns are `demo --end 2026-10 --seed 1`, made with BIN unless TOWNS already holds town-<V>x<M>. The binary is
# copied with its debug info stripped first (`objcopy --strip-debug`: valgrind 3.19 rejects DWARF 5). Compare two
# builds by running the script once for each (the counts do not depend on the load; give both copies labels of the
# same length: the run keeps every input's path). Writes only into a temporary folder under $TMPDIR, or TOWNS.
set -euo pipefail
bin=$(readlink -f "${1:?usage: scripts/callgrind-runs.sh BIN [LABEL]}")
label=${2:-run}
v=${VILLAGES:-200}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
d=$tmp/$label; mkdir -p "$d"
objcopy --strip-debug "$bin" "$d/bin"
count() {  # count NAME COMMAND… → "NAME instructions"
  valgrind --tool=callgrind --callgrind-out-file="$d/$1.out" "${@:2}" >/dev/null 2>&1
  callgrind_annotate "$d/$1.out" 2>/dev/null | awk -v n="$1" '/PROGRAM TOTALS/ && !done {print n, $1; done = 1}'
}
for m in 12 3 36; do
  town=${TOWNS:-$tmp}/town-${v}x$m
  [ -f "$town/pipeline.json" ] || "$bin" demo --out "$town" --villages "$v" --months "$m" --end 2026-10 --seed 1 >/dev/null 2>&1
  mkdir -p "$d/t$m"; cp -a "$town/pipeline.json" "$town/inputs" "$d/t$m/"
done
# The copies' ctimes are new: a run within FileHashCache's 2 s margin of them would not trust the hashes it
# remembers and would hash the earlier files again in every monthly run, which is not what cron sees.
sleep 3
echo "$(basename "$bin") ($label); $v villages; valgrind $(valgrind --version)"
(cd "$d/t12" && count "cold ${v}x12" "$d/bin" run --period 2026-10 --quiet)
for m in 3 36; do
  (cd "$d/t$m" && "$d/bin" run --period 2026-08 --quiet 2>/dev/null && "$d/bin" run --period 2026-09 --quiet 2>/dev/null \
    && count "monthly ${v}x$m" "$d/bin" run --period 2026-10 --quiet)
done
