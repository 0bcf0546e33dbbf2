#!/usr/bin/env bash
# Benchmark auditsum against DuckDB's read_ndjson on the same corpus.
#
#   scripts/bench.sh                 # 300 MB clean corpus, 3 alternating rounds
#   BENCH_MB=660 ROUNDS=5 scripts/bench.sh
#   BUCKET=1d scripts/bench.sh       # also time `--bucket 1d` in the same rounds
#   BASE=/tmp/old/auditsum scripts/bench.sh   # also time another build, same rounds
#   OPENCLAW_MB=100 scripts/bench.sh # also time OpenClaw-dialect logs (fixtures/openclaw-small
#                                    # repeated to about that size)
#
# Generates the corpora under bench-data/ if missing (deterministic seeds),
# installs duckdb with pip if missing, warms the page cache, then alternates
# auditsum (1 and 2 threads) and DuckDB (2 threads) and prints median wall time,
# throughput, peak RSS and the ratio to DuckDB. Then times the messy corpus
# (all spellings, gzip parts) for uncompressed and compressed throughput.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${BENCH_MB:-300}
ROUNDS=${ROUNDS:-3}
BUCKET=${BUCKET:-}
BASE=${BASE:-}
OPENCLAW_MB=${OPENCLAW_MB:-}
MESSY_RUNS=${MESSY_RUNS:-60000}
DATA=bench-data
CLEAN=$DATA/clean-$MB
MESSY=$DATA/messy-$MESSY_RUNS

command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
cargo build --release --quiet
BIN=target/release/auditsum

mkdir -p "$DATA"
[ -d "$CLEAN" ] || python3 scripts/gen_corpus.py --clean --megabytes "$MB" --seed 1 "$CLEAN"
[ -d "$MESSY" ] || python3 scripts/gen_corpus.py --messy --runs "$MESSY_RUNS" --seed 2 "$MESSY"
bytes=$(cat "$CLEAN"/*.jsonl | wc -c)   # also warms the page cache

# run LABEL CMD... -> appends "LABEL wall_s rss_kb" to $results
results=$(mktemp)
trap 'rm -f "$results"' EXIT
run() {
  local label=$1; shift
  /usr/bin/time -f "$label %e %M" -a -o "$results" "$@" > /dev/null
}
for ((i = 1; i <= ROUNDS; i++)); do
  run auditsum-1t "$BIN" summarize "$CLEAN" --json -q --threads 1
  run auditsum-2t "$BIN" summarize "$CLEAN" --json -q --threads 2
  if [ -n "$BUCKET" ]; then
    run bucket-1t "$BIN" summarize "$CLEAN" --json -q --threads 1 --bucket "$BUCKET"
    run bucket-2t "$BIN" summarize "$CLEAN" --json -q --threads 2 --bucket "$BUCKET"
  fi
  if [ -n "$BASE" ]; then
    run base-1t "$BASE" summarize "$CLEAN" --json -q --threads 1
    run base-2t "$BASE" summarize "$CLEAN" --json -q --threads 2
  fi
  run duckdb-2t python3 scripts/bench_duckdb.py "$CLEAN" 2
done

echo "clean corpus: $CLEAN, $bytes bytes, $ROUNDS rounds (median)"
python3 - "$results" "$bytes" "$BUCKET" "$BASE" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    label, wall, rss = line.split()
    rows.setdefault(label, []).append((float(wall), int(rss)))
size = int(sys.argv[2])
med = {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in rows.items()}
duck = med["duckdb-2t"]
print("%-12s %9s %10s %12s %11s %10s" % ("tool", "wall s", "MB/s", "peak RSS MB", "wall/duckdb", "RSS/duckdb"))
for k in ("auditsum-1t", "auditsum-2t", "duckdb-2t"):
    w, r = med[k]
    print("%-12s %9.2f %10.0f %12.0f %11.2f %10.2f" % (k, w, size / 1e6 / w, r / 1024, w / duck[0], r / duck[1]))
w1, w2 = med["auditsum-1t"][0], med["auditsum-2t"][0]
print("auditsum 2-thread scaling: %.2fx (efficiency %.0f%%)" % (w1 / w2, 100 * w1 / w2 / 2))
for t in ("1t", "2t"):
    if "bucket-" + t in med:
        (w, r), (bw, br) = med["auditsum-" + t], med["bucket-" + t]
        print("--bucket %s, %s: wall %.2f s vs %.2f s (%+.1f%%), peak RSS %.0f MB vs %.0f MB"
              % (sys.argv[3], t, bw, w, 100 * (bw / w - 1), br / 1024, r / 1024))
    if "base-" + t in med:
        (w, r), (bw, br) = med["auditsum-" + t], med["base-" + t]
        print("this build vs BASE (%s), %s: wall %.2f s vs %.2f s (%+.1f%%), peak RSS %.0f MB vs %.0f MB"
              % (sys.argv[4], t, w, bw, 100 * (w / bw - 1), r / 1024, br / 1024))
PY

"$BIN" summarize "$CLEAN" --json -q | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("auditsum check: events=%d runs=%d completed=%d cancels=%d skip_reasons=%d" % (
    d["inputs"]["events"], d["runs"]["total"]["runs"], d["runs"]["total"]["completed"],
    d["cancels"]["total"]["count"], len(d["reactions"]["skip_reasons"])))'
echo "duckdb   check: $(python3 scripts/bench_duckdb.py "$CLEAN" 2)"

on_disk=$(du -sb "$MESSY" | cut -f1)
cat $(find "$MESSY" -type f) > /dev/null
: > "$results"
for ((i = 1; i <= ROUNDS; i++)); do
  run messy "$BIN" summarize "$MESSY" --json -q --threads 2
done
raw=$("$BIN" summarize "$MESSY" --json -q | python3 -c 'import json,sys; print(json.load(sys.stdin)["inputs"]["bytes"])')
python3 - "$results" "$raw" "$on_disk" "$MESSY" <<'PY'
import sys, statistics
walls = [float(l.split()[1]) for l in open(sys.argv[1])]
rss = max(int(l.split()[2]) for l in open(sys.argv[1]))
w = statistics.median(walls)
raw, disk = int(sys.argv[2]), int(sys.argv[3])
print("messy corpus: %s, %d bytes decompressed, %d on disk" % (sys.argv[4], raw, disk))
print("auditsum-2t  wall %.2f s, %.0f MB/s decompressed, %.0f MB/s on disk, peak RSS %.0f MB"
      % (w, raw / 1e6 / w, disk / 1e6 / w, rss / 1024))
PY

if [ -n "$OPENCLAW_MB" ]; then
  OC=$DATA/openclaw-$OPENCLAW_MB
  if [ ! -d "$OC" ]; then
    mkdir -p "$OC"
    one=$(mktemp)
    { zcat fixtures/openclaw-small/archive/*.gz; cat fixtures/openclaw-small/*.jsonl; } > "$one"
    per=$(wc -c < "$one")
    copies=$(( OPENCLAW_MB * 1000000 / per / 4 + 1 ))
    for part in 0 1 2 3; do
      for ((c = 0; c < copies; c++)); do cat "$one"; done > "$OC/diagnostics-$part.jsonl"
    done
    rm -f "$one"
  fi
  oc_bytes=$(cat "$OC"/*.jsonl | wc -c)
  : > "$results"
  for ((i = 1; i <= ROUNDS; i++)); do
    run openclaw "$BIN" summarize "$OC" --json -q --threads 2 --dialect openclaw
    run auto "$BIN" summarize "$OC" --json -q --threads 2
  done
  python3 - "$results" "$oc_bytes" "$OC" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    label, wall, rss = line.split()
    rows.setdefault(label, []).append((float(wall), int(rss)))
size = int(sys.argv[2])
print("openclaw corpus: %s, %d bytes" % (sys.argv[3], size))
for k, v in rows.items():
    w = statistics.median(x for x, _ in v)
    print("  --dialect %-9s 2t wall %.2f s, %.0f MB/s, peak RSS %.0f MB"
          % (k, w, size / 1e6 / w, max(r for _, r in v) / 1024))
PY
fi
