#!/usr/bin/env bash
# One cold run under `perf record`, bucketed: how many cores were busy per 100 ms, and on what (our frames).
#
# Usage: scripts/timeline.sh BIN TOWN [PERIOD] [BUCKET_MS]   (default 2026-10, 100 ms)
# TOWN: a folder with pipeline.json and inputs/ (its outputs/ is moved aside first, into TOWN/.timeline-aside-*,
# and left there: delete those folders when nothing is being measured). Samples every thread at 1,000 Hz
# (cpu-clock: this VM has no hardware counters) with frame-pointer call chains; a bucket's "cores" is its samples
# over 1,000 × the bucket's seconds. Each bucket then names the three commonest frames of SafetyReport (the
# innermost of our own frames in each sample, demangled) with their share of the bucket's samples, and the
# threads that sampled. PERF_ARGS adds options to `perf record` (e.g. "--call-graph dwarf" for C frames).
set -euo pipefail
bin=${1:?usage: scripts/timeline.sh BIN TOWN [PERIOD] [BUCKET_MS]}
town=${2:?usage: scripts/timeline.sh BIN TOWN [PERIOD] [BUCKET_MS]}
period=${3:-2026-10}
bucket=${4:-100}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -d "$town/outputs" ] && mv "$town/outputs" "$town/.timeline-aside-$(date +%s%N)"
echo "load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u '+%F %H:%M UTC'); $bin"
(cd "$town" && perf record -q -F 1000 -e cpu-clock -g ${PERF_ARGS:-} -o "$tmp/perf.data" -- \
  "$bin" run --period "$period" --timings --quiet >"$tmp/out" 2>&1) || { cat "$tmp/out"; exit 1; }
perf script -i "$tmp/perf.data" -F tid,time,ip,sym 2>/dev/null >"$tmp/script"
python3 - "$tmp/script" "$bucket" <<'PY'
import collections, subprocess, sys
path, bucket = sys.argv[1], int(sys.argv[2]) / 1000.0
samples = []  # (time, tid, innermost SafetyReport frame or the leaf)
tid = t = None; frames = []
def flush():
    if t is None: return
    ours = next((f for f in frames if 'SafetyReport' in f or 'safety_report' in f), None)
    samples.append((t, tid, ours or (frames[0] if frames else '?')))
for line in open(path, errors='replace'):
    if not line.strip():
        flush(); t = None; frames = []; continue
    if not line.startswith('\t'):
        flush(); frames = []
        parts = line.split()
        tid, t = parts[0], float(parts[1].rstrip(':'))
    else:
        parts = line.split(None, 1)
        frames.append(parts[1].strip() if len(parts) > 1 else '?')
flush()
if not samples: sys.exit('no samples')
names = sorted({s[2] for s in samples if s[2].startswith('$s')})
plain = {}
if names:
    out = subprocess.run(['swift', 'demangle', '--simplified', '--compact'], input='\n'.join(names), capture_output=True, text=True).stdout.splitlines()
    plain = dict(zip(names, out))
def short(s):
    s = plain.get(s, s)
    for junk in ('SafetyReport.', 'Swift.', ' with unmangled suffix'): s = s.replace(junk, '')
    return (s[:60] + '…') if len(s) > 61 else s
t0 = min(s[0] for s in samples)
buckets = collections.defaultdict(list)
for time, tid, frame in samples: buckets[int((time - t0) / bucket)].append((tid, frame))
total = 0
for b in range(max(buckets) + 1):
    got = buckets.get(b, [])
    total += len(got)
    cores = len(got) / (1000 * bucket)
    top = collections.Counter(short(f) for _, f in got).most_common(3)
    threads = len({tid for tid, _ in got})
    what = '; '.join(f'{n * 100 // max(1, len(got))}% {f}' for f, n in top)
    print(f'{b * bucket:5.1f}-{(b + 1) * bucket:4.1f} s  cores {cores:4.2f}  threads {threads}  {what}')
span = (max(s[0] for s in samples) - t0)
print(f'samples {total}, {span:.2f} s from first to last sample, {total / 1000 / max(span, 1e-9):.2f} cores busy on average')
PY
grep -E '^(read, val|  saved|  roll-up|summary|workbooks|manifest)' "$tmp/out" || true
