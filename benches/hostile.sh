#!/usr/bin/env bash
# Peak memory and time of an audit of each hostile case of benches/hostile_server.py, at default settings (the
# issue 16 goal: peak RSS under 128 MB whatever the server sends). Not a test: it prints a table.
#
#   benches/hostile.sh [BINARY]      default: target/release/cxaudit (built if missing)
#   CASES="nul deep" CASE_TIMEOUT=240 benches/hostile.sh ...      some cases; each audit killed after that many seconds
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/cxaudit}
[ -x "$BIN" ] || cargo build --release --quiet
PORT=${PORT:-8716}
OUT=$(mktemp -d /tmp/cxaudit-hostile-XXXX)
python3 benches/hostile_server.py "$PORT" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 5))) 2>/dev/null && break; sleep 0.1; done
printf "%-10s %12s %10s %8s  %s\n" case "peak RSS MB" seconds exit pages
PORTS=(nul bomb deep trap sitemap all)
for case in ${CASES:-${PORTS[*]}}; do
  for i in "${!PORTS[@]}"; do [ "${PORTS[$i]}" = "$case" ] && url="http://127.0.0.1:$((PORT + i))/"; done
  /usr/bin/time -v -o "$OUT/$case.time" timeout "${CASE_TIMEOUT:-900}" "$BIN" audit "$url" -q --format json \
    --no-history -o "$OUT/$case" >/dev/null 2>"$OUT/$case.err" && code=0 || code=$?
  rss=$(awk -F: '/Maximum resident/ {print $2/1024}' "$OUT/$case.time")
  secs=$(awk -F': ' '/Elapsed/ {print $2}' "$OUT/$case.time")
  pages=$(python3 -c "import json,sys; c=json.load(open('$OUT/$case/audit.json'))['crawl']['counts']; print(c['pages'], 'fetched,', c['html_pages'], 'html')" 2>/dev/null || echo -)
  printf "%-10s %12.1f %10s %8s  %s\n" "$case" "$rss" "$secs" "$code" "$pages"
done
