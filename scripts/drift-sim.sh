#!/usr/bin/env bash
# Measure diff's false-alarm and detection rates: windows drawn from a known
# process, summarised and compared with the real code (examples/drift_sim.rs),
# thousands of pairs, rates with 95 % Wilson intervals. Prints a Markdown table
# (docs/ci.md quotes it). About 5 minutes of one core with the defaults
# (the dev profile: it shares its build with `cargo test`).
#
#   scripts/drift-sim.sh [--pairs N] [--power-pairs N] [--seed S] [--only NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 5 cargo run -q --example drift_sim -- "$@"
