#!/usr/bin/env bash
# Refresh the baseline windows of the seed's workflow:
#   all, channel-origin, gateway-origin, backend pi, backend native.
#
#   scripts/refresh-baselines.sh LOG_DIR OUT_DIR [SINCE] [UNTIL]
#
# Writes OUT_DIR/{all,channel,gateway,backend-pi,backend-native}.{json,md}.
# SINCE/UNTIL take anything `auditsum summarize --since` takes (2026-02-20,
# RFC 3339, or 7d before now); without them every event in LOG_DIR counts.
# The gateway window is chosen by content instead: the most recent whole
# buckets (up to UNTIL) holding at least GATEWAY_CANCELS cancels (default 200),
# so that it has cancel-latency figures (`--auto-window`). Every baseline has a
# time series and charts of BUCKET (default 1d; `off`: none).
# A window that selects nothing is not written (an old one is removed): it is
# reported EMPTY with what the data holds, and the script exits 1. Exit 2: no
# logs, or auditsum failed. Anonymised when AUDITSUM_SALT is set (recommended
# for committed artifacts). The binary: $AUDITSUM, else `auditsum` on PATH,
# else this checkout's target/release or target/debug build.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
logs=$1 out=$2 since=${3:-} until=${4:-}
. "$(dirname "$0")/find-auditsum.sh"
find_auditsum
mkdir -p "$out"

bucket=${BUCKET:-1d}
# one clock for every window of this refresh
common=(--now "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
[ "$bucket" != off ] && common+=(--bucket "$bucket")
[ -n "${AUDITSUM_SALT:-}" ] && common+=(--anonymize)
until_arg=()
[ -n "$until" ] && until_arg=(--until "$until")
window=("${until_arg[@]}")
[ -n "$since" ] && window+=(--since "$since")

status=0
summarize() {
  local name=$1 rc=0
  shift
  "$bin" summarize "$logs" -q --fail-empty "${common[@]}" "$@" \
    --out "$out/$name" || rc=$?
  case $rc in
    0) echo "refreshed $out/$name.{json,md}" ;;
    1)
      rm -f "$out/$name.json" "$out/$name.md"
      echo "EMPTY     $out/$name: the window selects nothing; not written" >&2
      status=1
      ;;
    *)
      echo "refresh-baselines: auditsum failed on window $name (exit $rc)" >&2
      exit 2
      ;;
  esac
}
summarize all "${window[@]}"
summarize channel "${window[@]}" --where origin=channel
summarize gateway --auto-window "cancels=${GATEWAY_CANCELS:-200}" "${until_arg[@]}" \
  --where origin=gateway
summarize backend-pi "${window[@]}" --where backend=pi
summarize backend-native "${window[@]}" --where backend=native
exit $status
