#!/usr/bin/env python3
"""Decode every `hdr` string of the artifacts named on the command line with
the Python HdrHistogram implementation (PyPI `hdrhistogram`, not the Rust
crate auditsum encodes with) and check it against the summary beside it.
Prints one line per problem; exit 1 if any, 2 if hdrh is missing."""
import json
import sys

try:
    from hdrh.histogram import HdrHistogram
except ImportError:
    print("hdr_interop: the Python package `hdrhistogram` is missing (python3 -m pip install -r tests/support/requirements.txt)")
    sys.exit(2)


def walk(node, path, found):
    if isinstance(node, dict):
        if isinstance(node.get("hdr"), str):
            found.append((path, node))
        for k, v in node.items():
            walk(v, f"{path}/{k}", found)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{path}[{i}]", found)


problems = []
decoded = 0
for name in sys.argv[1:]:
    found = []
    walk(json.load(open(name)), "", found)
    for path, s in found:
        where = f"{name}:{path}"
        try:
            h = HdrHistogram.decode(s["hdr"])
        except Exception as e:  # any failure to decode is the finding
            problems.append(f"{where}: does not decode: {e!r}")
            continue
        decoded += 1
        if not 0 < h.highest_trackable_value < 2**63:
            problems.append(f"{where}: highest trackable value {h.highest_trackable_value}")
        if h.get_total_count() != s["count"]:
            problems.append(f"{where}: count {h.get_total_count()} != {s['count']}")
        if s["count"]:
            if not h.values_are_equivalent(h.get_min_value(), s["min"]):
                problems.append(f"{where}: min {h.get_min_value()} vs {s['min']}")
            if not h.values_are_equivalent(h.get_max_value(), s["max"]):
                problems.append(f"{where}: max {h.get_max_value()} vs {s['max']}")
            # percentile definitions differ between libraries (nearest rank
            # here): each percentile must be a recorded value's bucket
            for p in (50, 95, 99):
                if h.get_count_at_value(s[f"p{p}"]) == 0:
                    problems.append(f"{where}: p{p} {s[f'p{p}']} is no recorded value")
for p in problems:
    print(p)
print(f"hdr_interop: {decoded} histograms decoded, {len(problems)} problems", file=sys.stderr)
sys.exit(1 if problems or decoded == 0 else 0)
