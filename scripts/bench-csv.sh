#!/usr/bin/env bash
# Measures our CSV reader against SwiftCSV and CSV.swift (Benchmarks/, a separate package) and prints the tables.
# Usage: scripts/bench-csv.sh [--rows N] [--iterations N]
set -euo pipefail
cd "$(dirname "$0")/.."
# Build quietly first so only the tables reach stdout.
swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build --product csv-bench >&2
exec swift run -c release --skip-build --package-path Benchmarks --scratch-path Benchmarks/.build csv-bench "$@"
