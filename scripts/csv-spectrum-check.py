#!/usr/bin/env python3
"""Checks the CSV reader against a csv-spectrum style suite through `inspect --json`.

Usage: csv-spectrum-check.py DIR [BINARY]

For each DIR/csvs/NAME.csv, runs `BINARY inspect FILE --json` (BINARY defaults to
.build/debug/safety-report), turns the printed arrays into objects keyed by the header
(the first non-blank array; blank arrays are skipped, as the pipeline skips blank rows),
and compares them with DIR/json/NAME.json (an array of objects, every value a string).
location_coordinates is known to be broken upstream (its JSON does not match its CSV), so it
only has to not crash: a clean parse or a clean rejection (exit 1 with a message) both pass.
Prints 'N passed, N failed' and exits 1 when anything failed, 2 on a usage error.
"""
import json
import os
import subprocess
import sys

MUST_NOT_CRASH_ONLY = {"location_coordinates"}


def is_blank(record):
    return all(cell.strip(" \t\r\n\u3000\ufeff\u00a0") == "" for cell in record)


def as_objects(records):
    records = [r for r in records if not is_blank(r)]
    if not records:
        return []
    header, rows = records[0], records[1:]
    # A short row reads its missing cells as empty; extra cells have no key and are dropped.
    return [{key: (row[i] if i < len(row) else "") for i, key in enumerate(header)} for row in rows]


def run(binary, path):
    proc = subprocess.run([binary, "inspect", path, "--json"], capture_output=True, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")


def check(binary, directory, name):
    """Returns None when the case passes, else a one-line reason."""
    csv_path = os.path.join(directory, "csvs", name + ".csv")
    try:
        code, out, err = run(binary, csv_path)
    except subprocess.TimeoutExpired:
        return "timed out"
    # A negative code is a signal (a crash); 0 is a parse, 1 a clean rejection.
    if name in MUST_NOT_CRASH_ONLY:
        return None if code in (0, 1) else f"crashed (exit {code}): {err.strip()[:200]}"
    if code != 0:
        return f"exit {code}: {err.strip()[:200]}"
    try:
        records = [json.loads(line) for line in out.splitlines() if line != ""]
    except json.JSONDecodeError as e:
        return f"output is not one JSON array per line: {e}"
    if not all(isinstance(r, list) and all(isinstance(c, str) for c in r) for r in records):
        return "a line is not an array of strings"
    with open(os.path.join(directory, "json", name + ".json"), encoding="utf-8") as f:
        expected = json.load(f)
    got = as_objects(records)
    if got != expected:
        return f"expected {json.dumps(expected, ensure_ascii=False)}, got {json.dumps(got, ensure_ascii=False)}"
    return None


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    directory = argv[1]
    binary = argv[2] if len(argv) == 3 else ".build/debug/safety-report"
    csv_dir = os.path.join(directory, "csvs")
    if not os.path.isdir(csv_dir) or not os.access(binary, os.X_OK):
        print(f"need a folder {csv_dir} and an executable {binary}", file=sys.stderr)
        return 2
    names = sorted(f[:-4] for f in os.listdir(csv_dir) if f.endswith(".csv"))
    passed = failed = 0
    for name in names:
        reason = check(binary, directory, name)
        if reason is None:
            passed += 1
            print(f"ok    {name}")
        else:
            failed += 1
            print(f"FAIL  {name}: {reason}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
