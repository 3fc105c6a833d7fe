"""Precision and recall per fact type, shared by benches/accuracy.py (team labels) and benches/labels.py
(independent labels): found and labelled items compared set by set, every disagreement kept."""


def tally(name, got, want, totals, mistakes):
    """Adds one site's comparison to `totals` ({kind: [tp, fp, fn]}) and its disagreements to `mistakes`."""
    for kind in want:
        t = totals.setdefault(kind, [0, 0, 0])
        for item in sorted(got[kind] | want[kind]):
            if item in got[kind] and item in want[kind]:
                t[0] += 1
            elif item in got[kind]:
                t[1] += 1
                mistakes.append(f"{name}: {kind}: found {item!r}, not labelled")
            else:
                t[2] += 1
                mistakes.append(f"{name}: {kind}: missed {item!r}")


def print_table(totals, mistakes):
    print("| fact type | true pos. | false pos. | missed | precision | recall |")
    print("|---|---|---|---|---|---|")
    for kind, (tp, fp, fn) in totals.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"| {kind} | {tp} | {fp} | {fn} | {precision:.3f} | {recall:.3f} |")
    print()
    for m in mistakes:
        print("-", m)
