#!/usr/bin/env bash
# Crawl benchmark: cxaudit side by side with wget (and any other baseline of the kit) on the kit's synthetic shops,
# interleaved round by round in one run, reported as ratios to wget --delete-after. Not a test: it needs the
# benchmark kit (../shared/bench, or CXBENCH_KIT) and nginx, which the kit's serve.sh installs.
#
#   benches/crawl.sh [PAGES] [RUNS] [crawler...]     defaults: 1000 5 wget-delete wget-spider cxaudit
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${CXBENCH_KIT:-$(cd ../shared/bench && pwd)}
PAGES=${1:-1000}; RUNS=${2:-5}; shift 2 || true
CRAWLERS=${*:-wget-delete wget-spider cxaudit}
PORT=$((8000 + PAGES / 1000 % 100 + 88))
SHOP=/tmp/cxbench-shop-$PAGES
RESULTS=${RESULTS:-/tmp/cxbench-$PAGES-$(date +%Y%m%d-%H%M%S).jsonl}

cargo build --release --quiet
[ -f "$SHOP/manifest.json" ] || python3 "$KIT/gen_shop.py" --pages "$PAGES" --seed 42 --base-url "http://127.0.0.1:$PORT" --out "$SHOP"
"$KIT/serve.sh" stop "$PORT" >/dev/null 2>&1 || true
"$KIT/serve.sh" start "$SHOP" >/dev/null
trap '"$KIT/serve.sh" stop "$PORT" >/dev/null 2>&1 || true' EXIT

# Full page facts for every page, written to audit.json, with the default politeness (4 concurrent requests).
# Pages as served (`--render never`): wget renders nothing; what `auto` adds is measured apart (BENCHMARKS.md).
export CXAUDIT_CMD="$PWD/target/release/cxaudit audit \"\$URL\" --max-pages 100000 --render never --quiet -o /tmp/cxbench-audit-$PAGES"
# From /tmp: wget --spider leaves empty host folders in its working directory.
(cd /tmp && "$KIT/run_baselines.sh" "$SHOP" "$RUNS" "$RESULTS" $CRAWLERS)
python3 "$KIT/measure.py" report --results "$RESULTS" --baseline wget-delete
echo "raw runs: $RESULTS"
