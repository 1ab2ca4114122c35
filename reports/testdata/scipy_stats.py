#!/usr/bin/python3
"""Writes scipy's paired t-test and Wilcoxon signed-rank results for the
cases below as JSON on stdout; reports/stats_test.go checks potau's
PairedT and Wilcoxon against the stored output (testdata/scipy_stats.json)
and, where python3 with scipy exists, re-runs this script and checks that
the stored file is what scipy computes.

    /usr/bin/python3 reports/testdata/scipy_stats.py > reports/testdata/scipy_stats.json

Inputs are rounded to 6 decimals and written with repr, so Go reads the
very same float64 values.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats

cases = []


def add(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    t = stats.ttest_rel(x, y)
    w = stats.wilcoxon(x, y)  # scipy's defaults: zero_method="wilcox", correction=False, method="auto"
    cases.append({
        "name": name, "x": x, "y": y,
        "t": None if np.isnan(t.statistic) else float(t.statistic),
        "t_p": None if np.isnan(t.pvalue) else float(t.pvalue),
        "w": float(w.statistic), "w_p": float(w.pvalue),
    })


def nn(v):
    """NaN (no spread) as JSON null."""
    return None if np.isnan(v) else float(v)


rng = np.random.RandomState(20231009)
# Seeds of an unlearning run: worst-case AUC of a method vs the original
# (three seeds, as in a three-seed sweep of the quickstart).
add("three seeds, AUC drop", [0.512, 0.531, 0.498], [0.702, 0.689, 0.711])
add("three seeds, mixed signs", [0.6412, 0.6377, 0.6450], [0.6401, 0.6420, 0.6391])
# Exact distribution, no ties, various n.
for n in (4, 5, 7, 10, 20, 50):
    x = np.round(rng.normal(0.6, 0.05, n), 6)
    y = np.round(x - rng.normal(0.01, 0.03, n), 6)
    add("exact n=%d" % n, x, y)
# Normal approximation: more than 50 pairs.
x = np.round(rng.normal(0.6, 0.05, 60), 6)
add("approx n=60", x, np.round(x - rng.normal(0.005, 0.02, 60), 6))
# A zero difference switches scipy to the normal approximation.
x = np.round(rng.normal(0.6, 0.05, 12), 6)
y = np.round(x - rng.normal(0.0, 0.02, 12), 6)
y[3] = x[3]
add("zero difference n=12", x, y)
# Tied magnitudes with a zero (approximation with the tie correction).
add("ties and a zero", [1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.5, 8.0], [1.0, 1.5, 3.5, 4.0, 4.5, 7.0, 7.0, 9.0])

# A three-seed sweep of the quickstart (testdata/quickstart3.jsonl: the
# records of `potau run` on configs/quickstart.yaml with sweep seed [1, 2, 3],
# bulky fields removed). For every ordered pair of methods of a model and
# both metrics of the significance section, the per-seed values as potau
# defines them: worst-case AUC = max over attackers of max(AUC, 1 - AUC)
# (no leakage recorded), and HR@10.
import os
here = os.path.dirname(os.path.abspath(__file__))
rows = {}
for line in open(os.path.join(here, "quickstart3.jsonl")):
    r = json.loads(line)
    worst = max(max(a["auc"]["mean"], 1 - a["auc"]["mean"]) for a in r["attack"].values())
    key = (r["model"], r["method"])
    rows.setdefault(key, {})[r["seed"]] = {"worst-case AUC": worst, "HR@10": r["rec"]["hr@10"]}
quick = []
for (model, a), sa in sorted(rows.items()):
    for (model_b, b), sb in sorted(rows.items()):
        if model_b != model or a == b:
            continue
        seeds = sorted(set(sa) & set(sb))
        for metric in ("worst-case AUC", "HR@10"):
            x = [sa[s][metric] for s in seeds]
            y = [sb[s][metric] for s in seeds]
            d = np.subtract(x, y)
            t = stats.ttest_rel(x, y)
            entry = {"model": model, "row": a, "versus": b, "metric": metric, "x": x, "y": y,
                     "t": nn(t.statistic), "t_p": nn(t.pvalue)}
            if np.all(d == 0):
                entry["w_p"] = None
            else:
                w = stats.wilcoxon(x, y)
                wa = stats.wilcoxon(x, y, method="approx")
                nz = np.abs(d[d != 0])
                entry.update({"w": float(w.statistic), "w_p": float(w.pvalue), "w_p_approx": float(wa.pvalue),
                              "zero_or_tie": bool(len(nz) < len(d) or len(np.unique(nz)) < len(nz))})
            quick.append(entry)

json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "cases": cases, "quickstart3": quick}, sys.stdout, indent=1)
sys.stdout.write("\n")
