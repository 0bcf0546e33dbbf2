# Sourced by the scripts in this folder: sets `bin` to the auditsum to run.
# In order: $AUDITSUM; `auditsum` on PATH (cargo install --path .); this
# checkout's own build, target/release then target/debug (or under
# $CARGO_TARGET_DIR). Otherwise says how to get one and exits 2.
find_auditsum() {
  if [ -n "${AUDITSUM:-}" ]; then
    bin=$AUDITSUM
    return
  fi
  if command -v auditsum >/dev/null 2>&1; then
    bin=auditsum
    return
  fi
  local root target b
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  target=${CARGO_TARGET_DIR:-$root/target}
  for b in "$target/release/auditsum" "$target/debug/auditsum"; do
    if [ -x "$b" ]; then
      bin=$b
      return
    fi
  done
  echo "$(basename "$0"): auditsum not found: not on PATH and not built in $target;" \
    "run 'cargo install --path $root' (or 'cargo build --release' there)," \
    "or set AUDITSUM=/path/to/auditsum" >&2
  exit 2
}
