#!/usr/bin/env python3
"""Accuracy of a cxaudit audit.json against the benchmark kit's ground truth (gen_shop.py's manifest.json).

    benches/check_manifest.py SHOP_DIR AUDIT_JSON

Prints, as Markdown rows: pages found and missed, click depths, robots.txt, broken links, redirects, windows-1252
decoding, and the phone detector's precision and recall over "this page shows a phone number"."""
import gzip
import json
import os
import sys
from urllib.parse import urlsplit

shop, audit_path = sys.argv[1], sys.argv[2]
manifest = json.load(open(f"{shop}/manifest.json"))
audit = json.load(open(audit_path))
path = lambda url: urlsplit(url)._replace(scheme="", netloc="").geturl()

truth = {p["path"]: p for p in manifest["pages"]}
fetchable = {p for p, e in truth.items() if (e["reachable_by_links"] or e["in_sitemap"]) and not e["robots_disallowed"]}
pages = audit["crawl"]["pages"]
# Schema 4 on, the page facts are in pages.jsonl.gz beside audit.json, one line per analysed page in the order of
# crawl.pages; earlier files keep them inline.
companion = os.path.join(os.path.dirname(audit_path), "pages.jsonl.gz")
if any(p.get("analysed") for p in pages):
    lines = (json.loads(line) for line in gzip.open(companion, "rt", encoding="utf-8"))
    for p in pages:
        if p.get("analysed"):
            line = next(lines)
            assert line["url"] == p["url"], (line["url"], p["url"])
            p["facts"] = line["facts"]
analysed = {path(p["final_url"]): p for p in pages if p.get("facts") is not None}
rows = []
rows.append(("HTML pages found (reachable by links or sitemap)", f"{len(fetchable & analysed.keys())} of {len(fetchable)}",
             f"missed {sorted(fetchable - analysed.keys())[:5]}, extra {sorted(analysed.keys() - fetchable)[:5]}"))
depth_ok = sum(1 for p in fetchable & analysed.keys() if truth[p]["reachable_by_links"] and analysed[p]["depth"] == truth[p]["depth"])
linked = sum(1 for p in fetchable & analysed.keys() if truth[p]["reachable_by_links"])
rows.append(("click depth equal to the manifest's", f"{depth_ok} of {linked}", ""))
orphans = set(manifest["orphans_sitemap_only"]) if isinstance(manifest["orphans_sitemap_only"][0], str) else {o["path"] for o in manifest["orphans_sitemap_only"]}
rows.append(("sitemap-only orphans found, with no depth", f"{sum(1 for o in orphans if o in analysed and analysed[o]['depth'] is None)} of {len(orphans)}", ""))
requested = {path(p["url"]) for p in pages} | {path(h["url"]) for p in pages for h in p["redirects"]}
disallowed = [p for p, e in truth.items() if e["robots_disallowed"]]
rows.append(("robots-disallowed pages requested", f"{sum(1 for p in disallowed if p in requested)} of {len(disallowed)}",
             f"skipped as robots-txt: {sorted(path(s['url']) for s in audit['crawl']['skipped'] if s['reason'] == 'robots-txt')}"))
panier_products = [p for p in fetchable if "panier" in p]
rows.append(('allowed products with "panier" in the slug fetched', f"{sum(1 for p in panier_products if p in analysed)} of {len(panier_products)}", ""))
broken_truth = {b["url"] if isinstance(b, dict) else b for b in manifest["broken_links"]}
broken_found = {path(b["url"]) for b in audit["crawl"]["broken_links"]}
rows.append(("broken links reported", f"{len(broken_truth & broken_found)} of {len(broken_truth)}", f"false: {sorted(broken_found - broken_truth)}"))
redirect_truth = set()
for r in manifest["redirects"]:
    redirect_truth.add(r["from"])
    redirect_truth.update(hop[1] for hop in r["hops"][:-1])
hops = {path(h["url"]) for c in audit["crawl"]["redirects"] for h in c["hops"]}
rows.append(("redirecting URLs reported", f"{len(redirect_truth & hops)} of {len(redirect_truth)}", ""))
cp = [p if isinstance(p, str) else p["path"] for p in manifest["windows_1252_pages"]]
ok = [p for p in cp if p in analysed and analysed[p]["charset"]["name"] == "windows-1252" and not analysed[p]["charset"]["had_errors"]
      and "\ufffd" not in json.dumps(analysed[p]["facts"]["text"], ensure_ascii=False)]
rows.append(("windows-1252 pages decoded without replacement characters", f"{len(ok)} of {len(cp)}", ""))

# The phone detector: a page "shows" a phone when its visible text does (not the JSON-LD, not the inline script).
without_truth = set(manifest["pages_without_phone"]) & analysed.keys()
with_truth = analysed.keys() - without_truth
without_found = {path(u) for u in audit["site"]["pages_without_phone"]} & analysed.keys()
with_found = analysed.keys() - without_found
tp = len(with_found & with_truth)
precision = tp / len(with_found) if with_found else 1.0
recall = tp / len(with_truth) if with_truth else 1.0
rows.append(("pages showing a phone: precision", f"{precision:.4f}", f"{len(with_found - with_truth)} false positives"))
rows.append(("pages showing a phone: recall", f"{recall:.4f}", f"{len(with_truth - with_found)} missed; {len(without_found)} pages without, manifest {len(without_truth)}"))

print(f"{manifest['pages_requested']}-page shop, seed {manifest['seed']}\n")
print("| check | result | note |\n|---|---|---|")
for name, result, note in rows:
    print(f"| {name} | {result} | {note} |")
