#!/usr/bin/env python3
"""Builds data/fr-postcodes.tsv.gz from the `codes-postaux` npm package (Base Adresse Nationale, MIT; built from
INSEE's Code officiel géographique and the DGFiP's FIMOCT): one line per French postcode, the keys of the towns it
serves (commune names and La Poste's routing names), as src/facts/postcode.rs folds a written town.

Usage: npm pack codes-postaux && tar xzf codes-postaux-*.tgz && python3 data/fr-postcodes.py package/codes-postaux.json
"""
import collections, gzip, json, re, sys, unicodedata
from pathlib import Path


def town_key(name):
    """Lower case, no accents, letters and digits only, 'St'/'Ste' read as 'Saint'/'Sainte' (as postcode.rs does)."""
    name = name.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", name) if w]
    words = [{"st": "saint", "ste": "sainte"}.get(w, w) for w in words]
    return "".join(words)


def main(source):
    towns = collections.defaultdict(set)
    for entry in json.loads(Path(source).read_text(encoding="utf-8")):
        for name in (entry["nomCommune"], entry["libelleAcheminement"]):
            # "Marseille 3e Arrondissement" is written "Marseille": La Poste's routing name already says so.
            if "arrondissement" not in name.lower():
                towns[entry["codePostal"]].add(town_key(name))
    lines = [f"{code}\t{' '.join(sorted(keys))}\n" for code, keys in sorted(towns.items())]
    out = Path(__file__).resolve().parent / "fr-postcodes.tsv.gz"
    # mtime=0: the same source gives the same bytes.
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write("".join(lines).encode())
    print(f"{len(lines)} postcodes, {out.stat().st_size} bytes -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
