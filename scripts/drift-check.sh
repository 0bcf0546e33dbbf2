#!/usr/bin/env bash
# Compare every baseline window in BASE_DIR with the window of the same name in
# CURRENT_DIR (as written by refresh-baselines.sh) and fail on drift.
#
#   scripts/drift-check.sh BASE_DIR CURRENT_DIR REPORT_DIR [diff options...]
#
# Writes REPORT_DIR/<window>-drift.{md,json}. Exit 0: no window drifted;
# 1: at least one drifted or is stale (pass --max-age 2d for freshness);
# 2: usage error or an unreadable artifact. The binary: $AUDITSUM, else
# `auditsum` on PATH, else this checkout's target/release or target/debug build.
# The windows are one family of tests: each diff gets --comparisons N (N the
# number of windows), so the whole check keeps diff's false-alarm rate.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
base=$1 current=$2 reports=$3; shift 3
. "$(dirname "$0")/find-auditsum.sh"
find_auditsum
mkdir -p "$reports"

names=()
for b in "$base"/*.json; do
  [ -f "$b" ] || continue
  name=$(basename "$b" .json)
  if [ -f "$current/$name.json" ]; then
    names+=("$name")
  else
    echo "drift-check: $name: no $current/$name.json, skipped" >&2
  fi
done
[ ${#names[@]} -gt 0 ] || { echo "drift-check: no window in $base has a match in $current" >&2; exit 2; }

status=0
for name in "${names[@]}"; do
  out="$reports/$name-drift"
  set +e
  "$bin" diff "$base/$name.json" "$current/$name.json" -q --out "$out" \
    --comparisons "${#names[@]}" "$@"
  rc=$?
  set -e
  case $rc in
    0)
      if grep -q '"warnings"' "$out.json" 2>/dev/null; then
        echo "ok     $name (with warnings, see $out.md)"
      else
        echo "ok     $name"
      fi ;;
    1)
      status=1
      # the report says why: failing rows, a stale CURRENT, or both
      fails=$(grep -o '"fail": *[0-9]*' "$out.json" | head -1 | grep -o '[0-9]*$' || true)
      stale=no
      grep -q '"stale": *{' "$out.json" && stale=yes
      if [ "${fails:-0}" != 0 ] && [ $stale = yes ]; then
        echo "DRIFT  $name, and STALE (see $out.md)"
      elif [ $stale = yes ]; then
        echo "STALE  $name (no recent events; see $out.md)"
      else
        echo "DRIFT  $name (see $out.md)"
      fi ;;
    *) echo "ERROR  $name" >&2; exit 2 ;;
  esac
done
exit $status
