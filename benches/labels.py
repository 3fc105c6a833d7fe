#!/usr/bin/env python3
"""Scores cxaudit against the independent labels of the shared corpus (../shared/corpus/LABELS.toml).

Each site is served as its host would (../shared/bench/serve_site.py: pretty URLs, the site's absolute links to its
own domain kept on the site) and audited twice: with its country (`--country`) and without it, as a `.com` shop
would be (the loopback host says nothing). Precision and recall per fact type, for both runs, then every
disagreement. The labels' vocabulary is mapped onto the rules' term names below; a labelled item with no mapping
counts as missed, never as skipped.

Usage: python3 benches/labels.py [--only with|without] [site...]
When an audit rendered pages (`--render auto`, the default), the labeller's `js_*` fields (what a JavaScript-rendering
crawler sees) replace their static twins. Environment: CXAUDIT_BIN (default target/release/cxaudit), CXAUDIT_SHARED (default ../shared), OUT.
"""
import json, os, socket, subprocess, sys, time, tomllib, urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring import print_table, tally  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CXAUDIT_SHARED", ROOT.parent / "shared"))
OUT = Path(os.environ.get("OUT", "/tmp/cxaudit-labels"))
BINARY = Path(os.environ.get("CXAUDIT_BIN", ROOT / "target" / "release" / "cxaudit"))

# The rules' term names → the labeller's words. Names absent here are not in the labels' vocabulary.
PAYMENT = {
    "card": "card", "paypal": "paypal", "transfer": "transfer", "cheque": "cheque", "instalments": "instalments",
    "klarna": "instalments", "apple-pay": "other", "google-pay": "other", "gift-card": "other",
    "holiday-vouchers": "other", "mobile-money": "other", "twint": "other", "ideal": "other",
    "bancontact": "other", "direct-debit": "other", "cash": "cash", "cash-on-delivery": "cash",
    # Invoices are paid by bank transfer; the labeller files a public buyer's mandate under "other".
    "invoice": "transfer", "administrative-mandate": "other",
}
DELIVERY = {
    "colissimo": "colissimo", "mondial-relay": "mondial-relay", "chronopost": "chronopost",
    "store-pickup": "store-pickup", "pickup-point": "pickup", "relais-colis": "pickup",
    "cash-on-delivery": "cash-on-delivery", "home-delivery": "home-delivery", "own-delivery": "local-delivery",
    "dhl": "courier", "ups": "courier", "fedex": "courier", "dpd": "courier", "gls": "courier",
    "courier": "courier", "flat-rate": "shipping-flat-rate", "pallet": "carrier-pallet", "freight-carrier": "carrier-heavy",
}
CHANNELS = {  # label key → the rule whose pass says the channel is there
    "email": "channel-email", "fax": "channel-fax", "contact_form": "channel-contact-form",
    "postal_address": "channel-postal-address", "map": "channel-map", "whatsapp": "channel-messaging",
}
PAGES = {"contact_page": "contact", "faq_page": "faq", "legal_notice_page": "legal_notice", "terms_page": "terms"}


def path_of(url):
    path = urllib.parse.urlparse(url).path.strip("/").removesuffix(".html")
    # `contactez-nous/index.html` and `/contactez-nous/` are one page, as a host serves them.
    path = path.removesuffix("/index") if path != "index" else ""
    return path


def check(audit, rule):
    return next((c for c in audit["checks"] if c["id"] == rule), None)


def passes(audit, rule):
    c = check(audit, rule)
    return c is not None and c["status"] == "pass"


def found(audit):
    site = audit["site"]
    out = {
        "phones": {p["e164"] for p in site["phones"] if p["valid"]},
        "channels": {k for k, rule in CHANNELS.items() if passes(audit, rule)},
        "live chat": {"chat"} if site["chat_widgets"] else set(),
        "social": {s["network"] for s in site["social"]},
        # A key page that is the home page is a section of it ("#contact"), which the labels write as no page.
        "key pages": {
            f"{k} {path_of(site['key_pages'][v])}"
            for k, v in PAGES.items()
            if site["key_pages"].get(v) and path_of(site["key_pages"][v])
        },
        "payment": {PAYMENT.get(s["name"], s["name"]) for s in site["payment_methods"]},
        "delivery": {DELIVERY.get(s["name"], s["name"]) for s in site["delivery_options"]},
        "promise stated": {"yes"} if site["response_time_promise"] else set(),
        "opening hours stated": {"yes"} if site["opening_hours"] else set(),
        "order tracking": {"yes"} if passes(audit, "order-tracking") else set(),
    }
    delays = check(audit, "delivery-delays")
    if delays and "delay" in (delays.get("details") or {}).get("found", []):
        out["delivery"].add("delivery-delay-stated")
    return out


def as_rendered(label, audit):
    """The labels of what a JavaScript-rendering crawler sees (the labeller's `js_*` fields) when the audit rendered
    pages in Chromium; the static ones otherwise. Fields without a `js_` twin stay as labelled."""
    rendering = (audit or {}).get("crawl", {}).get("rendering") or {}
    if not rendering.get("rendered_pages"):
        return label
    label = dict(label)
    for key, value in list(label.items()):
        if key.startswith("js_"):
            label[key[3:]] = value
    return label


def expected(label):
    return {
        "phones": set(label["phone_numbers"]),
        "channels": {k for k in CHANNELS if label.get(k)},
        "live chat": {"chat"} if label.get("chat_widget") else set(),
        "social": set(label.get("social", [])),
        "key pages": {f"{k} {path_of(label[k])}" for k in PAGES if label.get(k)},
        "payment": set(label.get("payment", [])),
        "delivery": set(label.get("delivery", [])),
        "promise stated": {"yes"} if label.get("response_time_promise") else set(),
        "opening hours stated": {"yes"} if label.get("opening_hours") else set(),
        "order tracking": {"yes"} if label.get("order_tracking") else set(),
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def audit_site(name, country):
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SHARED / "bench" / "serve_site.py"), str(SHARED / "corpus" / name), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        out = OUT / ("with" if country else "without") / name
        command = [str(BINARY), "audit", f"http://127.0.0.1:{port}/", "-q", "--format", "json", "-o", str(out)]
        if country:
            command += ["--country", country]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            return None, run.stderr.strip()
        return json.loads((out / "audit.json").read_text()), None
    finally:
        server.terminate()
        server.wait()


def score(labels, sites, with_country):
    totals, mistakes = {}, []
    for name in sites:
        audit, error = audit_site(name, labels[name]["country"] if with_country else None)
        if audit is None:
            mistakes.append(f"{name}: audit failed: {error}")
            continue
        tally(name, found(audit), expected(as_rendered(labels[name], audit)), totals, mistakes)
    return totals, mistakes


def main():
    args = sys.argv[1:]
    modes = ["with", "without"]
    if args[:1] == ["--only"]:
        modes, args = [args[1]], args[2:]
    labels = tomllib.loads((SHARED / "corpus" / "LABELS.toml").read_text())
    sites = args or sorted(labels)
    for mode in modes:
        totals, mistakes = score(labels, sites, mode == "with")
        print(f"{len(sites)} corpus sites, {mode} the country given")
        print_table(totals, mistakes)
        print()


if __name__ == "__main__":
    main()
