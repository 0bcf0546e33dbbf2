#!/usr/bin/env bash
# Render every ```mermaid block of a Markdown file with the real Mermaid
# renderer (@mermaid-js/mermaid-cli, Debian's chromium), one SVG/PNG per
# block: OUT-1.svg, OUT-2.svg … Exits non-zero on the first block that does
# not parse. Used by tests/it/mermaid_render.rs and for the README's image.
#   tests/mermaid/render.sh IN.md OUT.svg      (or OUT.png)
# Setup: apt-get install chromium; (cd tests/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mmdc="$here/node_modules/.bin/mmdc"
if [[ ! -x "$mmdc" ]]; then
  echo "render.sh: $mmdc missing; run: (cd tests/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)" >&2
  exit 2
fi
if [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
  echo "render.sh: no chromium at ${CHROMIUM:-/usr/bin/chromium}; apt-get install chromium (or set CHROMIUM)" >&2
  exit 2
fi
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
cat >"$config" <<JSON
{"executablePath": "${CHROMIUM:-/usr/bin/chromium}",
 "args": ["--no-sandbox", "--disable-setuid-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}
JSON
ext="${2##*.}"
exec "$mmdc" --quiet --puppeteerConfigFile "$config" --input "$1" --output "${2%.*}.md" --outputFormat "$ext" --backgroundColor white
