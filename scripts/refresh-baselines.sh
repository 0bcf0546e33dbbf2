#!/usr/bin/env bash
# Refresh the baseline windows of the seed's workflow:
#   all, channel-origin, gateway-origin, backend pi, backend native.
#
#   scripts/refresh-baselines.sh LOG_DIR OUT_DIR [SINCE] [UNTIL]
#
# Writes OUT_DIR/{all,channel,gateway,backend-pi,backend-native}.{json,md}.
# SINCE/UNTIL take anything `auditsum summarize --since` takes (default: the
# last 7 days up to now). Anonymised when AUDITSUM_SALT is set (recommended for
# artifacts that are committed). AUDITSUM overrides the binary.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
logs=$1 out=$2 since=${3:-7d} until=${4:-}
bin=${AUDITSUM:-auditsum}
mkdir -p "$out"

window=(--since "$since")
[ -n "$until" ] && window+=(--until "$until")
# one clock for every window of this refresh
window+=(--now "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
privacy=()
[ -n "${AUDITSUM_SALT:-}" ] && privacy=(--anonymize)

summarize() {
  local name=$1; shift
  "$bin" summarize "$logs" -q "${window[@]}" "${privacy[@]}" "$@" --out "$out/$name"
  echo "refreshed $out/$name.{json,md}"
}
summarize all
summarize channel --where origin=channel
summarize gateway --where origin=gateway
summarize backend-pi --where backend=pi
summarize backend-native --where backend=native
