#!/usr/bin/env bash
# Compare every baseline window in BASE_DIR with the window of the same name in
# CURRENT_DIR (as written by refresh-baselines.sh) and fail on drift.
#
#   scripts/drift-check.sh BASE_DIR CURRENT_DIR REPORT_DIR [diff options...]
#
# Writes REPORT_DIR/<window>-drift.{md,json}. Exit 0: no window drifted;
# 1: at least one drifted or is stale (pass --max-age 2d for freshness);
# 2: usage error or an unreadable artifact. AUDITSUM overrides the binary.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
base=$1 current=$2 reports=$3; shift 3
bin=${AUDITSUM:-auditsum}
mkdir -p "$reports"

status=0
found=0
for b in "$base"/*.json; do
  name=$(basename "$b" .json)
  c="$current/$name.json"
  [ -f "$c" ] || { echo "drift-check: $name: no $c, skipped" >&2; continue; }
  found=1
  set +e
  "$bin" diff "$b" "$c" -q --out "$reports/$name-drift" "$@"
  rc=$?
  set -e
  case $rc in
    0) echo "ok     $name" ;;
    1) echo "DRIFT  $name (see $reports/$name-drift.md)"; status=1 ;;
    *) echo "ERROR  $name" >&2; exit 2 ;;
  esac
done
[ $found = 1 ] || { echo "drift-check: no window in $base has a match in $current" >&2; exit 2; }
exit $status
