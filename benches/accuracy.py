#!/usr/bin/env python3
"""Scores the detectors against hand labels of the shared corpus (benches/corpus-labels.toml).

Each site of ../shared/corpus (or $CXAUDIT_CORPUS) is served on 127.0.0.1 by a static server that also answers
pretty URLs (/mentions-legales from mentions-legales.html), audited by target/release/cxaudit with the country
its real domain would give, and its facts compared with the labels: precision and recall per fact type, and
every disagreement listed. Usage: cargo build --release && python3 benches/accuracy.py [site...]
($CXAUDIT_BIN names another binary, such as a baseline build, to compare two versions in one run.)
"""
import json, os, subprocess, sys, tomllib, urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_static import start as serve  # noqa: E402
from scoring import print_table, tally  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CXAUDIT_CORPUS", ROOT.parent / "shared" / "corpus"))
OUT = Path(os.environ.get("OUT", "/tmp/cxaudit-accuracy"))
KINDS = ["contact", "faq", "legal-notice", "terms", "delivery", "returns", "privacy", "order-tracking"]


def page_path(url):
    path = urllib.parse.urlparse(url).path.lstrip("/")
    return "" if path in ("", "index.html") else path


def found(audit):
    site = audit["site"]
    return {
        "phones": {p["e164"] for p in site["phones"] if p["valid"]},
        "emails": {e["address"] for e in site["emails"]},
        "channels": {c["id"][len("channel-"):] for c in audit["checks"] if c["id"].startswith("channel-") and c["status"] == "pass"},
        "key pages": {f"{k} {page_path(site['key_pages'][k.replace('-', '_')])}" for k in KINDS if site["key_pages"].get(k.replace("-", "_"))},
        "payment": {s["name"] for s in site["payment_methods"]},
        "delivery": {s["name"] for s in site["delivery_options"]},
        "opening hours stated": {"yes"} if site["opening_hours"] else set(),
        "promise": {f"{site['response_time_promise']['hours']:g} h"} if site["response_time_promise"] else set(),
    }


def expected(label):
    return {
        "phones": set(label["phones"]),
        "emails": set(label["emails"]),
        "channels": set(label["channels"]),
        "key pages": {f"{k} {v}" for k, v in label["key_pages"].items()},
        "payment": set(label["payment"]),
        "delivery": set(label["delivery"]),
        "opening hours stated": {"yes"} if label.get("hours") else set(),
        "promise": {f"{label['promise_hours']:g} h"} if "promise_hours" in label else set(),
    }


def main():
    labels = tomllib.loads((ROOT / "benches" / "corpus-labels.toml").read_text())
    sites = sys.argv[1:] or sorted(labels)
    binary = Path(os.environ.get("CXAUDIT_BIN", ROOT / "target" / "release" / "cxaudit"))
    totals, mistakes = {}, []
    for name in sites:
        server = serve(CORPUS / name)
        out = OUT / name
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        run = subprocess.run([str(binary), "audit", url, "-q", "--country", labels[name]["country"], "-o", str(out)], capture_output=True, text=True)
        server.shutdown()
        if run.returncode != 0:
            mistakes.append(f"{name}: audit failed: {run.stderr.strip()}")
            continue
        audit = json.loads((out / "audit.json").read_text())
        tally(name, found(audit), expected(labels[name]), totals, mistakes)
    print(f"{len(sites)} corpus sites")
    print_table(totals, mistakes)


if __name__ == "__main__":
    main()
