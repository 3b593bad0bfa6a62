#!/usr/bin/env bash
# Resident memory of one command at its exit, by mapping: what of the binary's text, its read-only data, the heap
# and the anonymous mappings is resident when the process calls exit_group (text pages are never given back, so at
# exit they are their peak), with VmHWM (the peak RSS). How README's "code a run executes, laid out together"
# figures were read (docs/performance-log.md, *Code that runs, laid out together*).
#
# Usage: scripts/resident-at-exit.sh BIN ARGS…   (run it in the folder the command needs, e.g. a town's copy)
# Needs gdb. Example: (cd /tmp/town && scripts/resident-at-exit.sh /usr/local/bin/safety-report run --period 2026-10 --quiet)
set -euo pipefail
bin=${1:?usage: scripts/resident-at-exit.sh BIN ARGS…}; shift
script=$(mktemp); trap 'rm -f "$script"' EXIT
{
  echo 'set pagination off'
  echo 'catch syscall exit_group'
  printf 'run'; for a in "$@"; do printf ' %q' "$a"; done; echo ' > /dev/null'
  cat <<'PY'
python
import collections, gdb
pid = gdb.selected_inferior().pid
rss, cur = collections.Counter(), None
for line in open(f"/proc/{pid}/smaps"):
    f = line.split()
    if "-" in f[0] and len(f) >= 5:
        cur = (f[5] if len(f) > 5 else "[anon]") + " " + f[1]
    elif f[0] == "Rss:":
        rss[cur] += int(f[1])
for name, kb in rss.most_common(8):
    print(f"{kb:8d} KB  {name}")
for line in open(f"/proc/{pid}/status"):
    if line.startswith(("VmHWM", "RssAnon", "RssFile")):
        print(line.strip())
end
kill
quit
PY
} >"$script"
gdb -q -batch -x "$script" "$bin" 2>/dev/null | grep -E ' KB  |^Vm|^Rss'
