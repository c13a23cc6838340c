"""Independent reference computation of the fixture in this folder (composite-index.md §4.1
pipeline), written straight from the methodology without looking at the Rust engine.

Run `python3 reference.py` here: it prints every step and writes expected_scores.csv and
expected_treatment.csv, which the engine must reproduce to 1e-9. Pure Python (no SciPy); the
G1/G2 formulas are checked against SciPy in stats.rs.
"""
import csv
import math

EXCLUDE = {"ZZ"}
SKEW, KURT, WINMAX = 1.5, 1.0, 1  # method.toml [treat]
A, B = 0.0, 100.0  # method.toml [normalise] range

rows = list(csv.DictReader(open("data.csv", encoding="utf-8")))
inds = list(csv.DictReader(open("indicators.csv", encoding="utf-8")))
aggs = list(csv.DictReader(open("aggregates.csv", encoding="utf-8")))
units = [r["unit"] for r in rows]
num = lambda s: float(s) if s != "" else None


def g1g2(y):
    n = len(y)
    m = sum(y) / n
    m2 = sum((v - m) ** 2 for v in y) / n
    m3 = sum((v - m) ** 3 for v in y) / n
    m4 = sum((v - m) ** 4 for v in y) / n
    g1 = m3 / m2 ** 1.5
    g2 = m4 / m2**2 - 3
    return g1 * math.sqrt(n * (n - 1)) / (n - 2), ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))


# §3.1 denominate
den = {}
for ind in inds:
    col = []
    for r in rows:
        x = num(r[ind["code"]])
        if ind["denominator"]:
            d = num(r[ind["denominator"]])
            x = None if x is None or d is None or d == 0 else x / d
        col.append(x)
    den[ind["code"]] = col

# §3.2 group mean by `kind`
imp = {}
for code, col in den.items():
    out = list(col)
    for i, x in enumerate(col):
        if x is None:
            donors = [col[j] for j, r in enumerate(rows) if r["kind"] == rows[i]["kind"] and col[j] is not None]
            out[i] = sum(donors) / len(donors) if donors else None
    imp[code] = out

# §3.4b winsorisation, CT log fallback on the original column
tre, summary = {}, {}
for code, col in imp.items():
    y = list(col)
    vals = [v for v in y if v is not None]
    s, k = g1g2(vals)
    passes, high, low = 0, 0, 0
    while passes < WINMAX and abs(s) > SKEW and k > KURT:
        if s >= 0:
            m = max(vals)
            nxt = max(v for v in vals if v < m)
            high += 1
        else:
            m = min(vals)
            nxt = min(v for v in vals if v > m)
            low += 1
        y = [nxt if v == m else v for v in y]
        vals = [v for v in y if v is not None]
        passes += 1
        s, k = g1g2(vals)
    log = abs(s) > SKEW and k > KURT
    if log:
        x0 = [v for v in col if v is not None]
        lo, hi = min(x0), max(x0)
        y = [None if v is None else math.log(v - lo + 0.01 * (hi - lo)) for v in col]
        high = low = 0
    cells_high = sum(1 for a, b in zip(col, y) if a is not None and a != b and not log and high)
    cells_low = sum(1 for a, b in zip(col, y) if a is not None and a != b and not log and low)
    tre[code] = y
    summary[code] = (low, high, log, cells_low, cells_high)
    print(f"{code}: G1 {g1g2([v for v in col if v is not None])} passes low {low} high {high} log {log}")

# §3.6 min-max onto [0, 100], direction applied by negating
nor = {}
for ind in inds:
    sign = float(ind["direction"])
    col = [None if v is None else sign * v for v in tre[ind["code"]]]
    vals = [v for v in col if v is not None]
    lo, hi = min(vals), max(vals)
    nor[ind["code"]] = [None if v is None else A + (v - lo) / (hi - lo) * (B - A) for v in col]

# §3.7 arithmetic mean, weights renormalised over present children, bottom-up
agg = {}
def score(code, i):
    if code in nor:
        return nor[code][i]
    if (code, i) not in agg:
        kids = [(float(c["weight"]), c["code"]) for c in inds + aggs if c["parent"] == code]
        present = [(w, score(c, i)) for w, c in kids if score(c, i) is not None]
        agg[(code, i)] = sum(w * s for w, s in present) / sum(w for w, _ in present) if present else None
    return agg[(code, i)]

root = [a["code"] for a in aggs if a["parent"] == ""][0]
final = {a["code"]: [score(a["code"], i) for i in range(len(rows))] for a in aggs}

# §3.8 min-rank descending, excluded and missing not ranked
ranked = [(final[root][i], i) for i in range(len(rows)) if final[root][i] is not None and units[i] not in EXCLUDE]
rank = [None] * len(rows)
for s, i in ranked:
    rank[i] = 1 + sum(1 for t, _ in ranked if t > s)

fmt = lambda v: "" if v is None else repr(v)
order = sorted(range(len(rows)), key=lambda i: (rows[i]["period"], units[i]))
with open("expected_scores.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["unit", "period"] + [i["code"] for i in inds] + [a["code"] for a in aggs] + ["rank"])
    for i in order:
        w.writerow([units[i], rows[i]["period"]] + [fmt(nor[c["code"]][i]) for c in inds]
                   + [fmt(final[a["code"]][i]) for a in aggs] + [fmt(rank[i])])
with open("expected_treatment.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "period", "low", "high", "log", "cells_low", "cells_high"])
    for c in inds:
        low, high, log, cl, ch = summary[c["code"]]
        w.writerow([c["code"], rows[0]["period"], low, high, str(log).lower(), cl, ch])
for i in order:
    print(units[i], fmt(final[root][i]), rank[i])
