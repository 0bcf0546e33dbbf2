#!/usr/bin/env bash
# Run the fuzz targets (cargo fuzz + libFuzzer) on a stable toolchain.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 300 s each, every target
#
# Targets: parse_line (the line parser), summarize (the whole path over bytes,
# plain or gzip/zstd, whole, truncated or corrupted), diff_artifact (diff's
# artifact reader: whole artifacts, `hdr` strings, raw histogram bytes), state
# (the state-file reader: arbitrary bytes, arbitrary payloads, corrupted real
# states), dialect (mapping files and the mapped line path of every built-in
# dialect), inspect (`auditsum inspect` over any log bytes). Each target's
# body is fuzz/checks/TARGET.rs; `cargo test --test it fuzz_replay` runs the same bodies over fuzz/seeds/ (and over corpus/ and
# artifacts/ when a fuzz run left them) on stable, without cargo-fuzz. Seeds
# come from fuzz/seeds/, fixtures/ and the built binary.
# Needs `cargo install cargo-fuzz`. RUSTC_BOOTSTRAP lets the stable compiler
# accept the -Z flags cargo-fuzz passes; `-s none` skips the sanitizer runtime
# (the code is safe Rust but for two `unsafe` blocks in the parser's fast path,
# whose preconditions `-a` keeps checked by debug assertions); we look for
# panics, hangs, disagreements between the parser's two paths and unbounded memory.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-300}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(parse_line summarize diff_artifact state dialect inspect)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

mkdir -p corpus/parse_line corpus/summarize corpus/diff_artifact corpus/state corpus/dialect corpus/inspect
for t in parse_line summarize diff_artifact state dialect inspect; do cp seeds/$t/* corpus/$t/; done
i=0
while IFS= read -r line; do
  printf '%s' "$line" > "corpus/parse_line/seed-$i"; i=$((i + 1))
done < <(cat ../fixtures/spellings/audit.jsonl; head -200 ../fixtures/messy-small/audit-000.jsonl)
for f in ../src/dialect/builtin/*.toml ../fixtures/mapped-gw/gw.toml; do
  { printf '\000'; cat "$f"; } > "corpus/dialect/seed-$(basename "$f")"
done
head -40 ../fixtures/openclaw-small/diagnostics-2026-03-11-0809.jsonl | while IFS= read -r line; do
  printf '\001%s' "$line" > "corpus/dialect/seed-line-$i"; i=$((i + 1))
done
for f in ../fixtures/spellings/audit.jsonl ../fixtures/spellings/nested/crlf-bom.ndjson; do
  { printf '\000'; cat "$f"; } > "corpus/summarize/seed-$(basename "$f")"
done

# diff_artifact: a real artifact (mode 0) and its histograms (modes 1, 2)
if art=$(cd .. && cargo run -q -- summarize fixtures/messy-small --json -q 2>/dev/null); then
  { printf '\000'; printf '%s' "$art"; } > corpus/diff_artifact/seed-artifact
  i=0
  while IFS= read -r h; do
    { printf '\001'; printf '%s' "$h"; } > "corpus/diff_artifact/seed-hdr-$i"
    { printf '\002'; printf '%s' "$h" | base64 -d; } > "corpus/diff_artifact/seed-raw-$i"
    i=$((i + 1))
  done < <(printf '%s' "$art" | grep -o '"hdr": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | head -20)
fi
# state: the log fixtures behind a mode byte that turns them into a state
# and corrupts one byte of it
for f in ../fixtures/messy-small/audit-000.jsonl ../fixtures/spellings/audit.jsonl; do
  { printf '\002'; head -c 16000 "$f"; } > "corpus/state/seed-$(basename "$f")"
done

for t in "${targets[@]}"; do
  echo "== $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O -a "$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
