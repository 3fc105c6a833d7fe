#!/usr/bin/env bash
# Audits every site of the shared corpus (../shared/corpus, or CXAUDIT_CORPUS), each served by benches/serve_static.py
# on loopback, and prints one line per site: country and its source, pages showing a phone, the numbers, e-mails,
# key pages found. For reading beside the pages, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CXAUDIT_CORPUS:-$(cd ../shared/corpus && pwd)}
OUT=${OUT:-/tmp/cxaudit-corpus}
cargo build --release --quiet
port=9300
for site in "$CORPUS"/*/; do
  name=$(basename "$site"); port=$((port + 1))
  python3 benches/serve_static.py "$site" "$port" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  target/release/cxaudit audit "http://127.0.0.1:$port/" --quiet -o "$OUT/$name" || echo "$name: audit failed (exit $?)"
  kill "$server"
done
python3 - "$OUT" <<'PY'
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*/audit.json")):
    a = json.loads(path.read_text()); s = a["site"]; c = a["target"]["country"]
    phones = [f"{p['e164']}×{p['page_count']}" for p in s["phones"]][:3]
    keys = sorted(k for k, v in s["key_pages"].items() if v)
    sc = a["scores"]
    print(f"{path.parent.name}: country {c and c['value']} ({c and c['source']}), phone on {s['pages_showing_phone']}/{s['html_pages']} pages {phones}, "
          f"e-mails {[e['address'] for e in s['emails']][:3]}, key pages {keys}, errors {a['crawl']['counts']['errors']}, "
          f"score {sc['overall']} {sc['grade']} " + " ".join(f"{c['id']}={c['score']}" for c in sc["categories"]))
PY
