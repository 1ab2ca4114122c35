#!/usr/bin/env python3
"""Parity of potau's attackers with scikit-learn and XGBoost (make parity).

Reads the data sets, fold assignments and potau results that
`go run ./scripts/parity --out DIR` wrote, fits scikit-learn 1.2's
MLPClassifier(hidden_layer_sizes=[100], alpha=1, max_iter=500,
learning_rate_init=0.01) and XGBoost 1.7's XGBClassifier(max_depth=4,
tree_method="hist", n_estimators=50, learning_rate=0.5, reg_lambda=1,
reg_alpha=0) on exactly the same training rows of every fold of every
repeat, and compares the mean held-out ROC-AUC of the positive class:
potau must be within 0.02 of scikit-learn's MLP and within 0.01 of
XGBoost on every data set not marked information-only. It also checks that
potau's unshuffled folds equal scikit-learn's StratifiedKFold(5) folds.

It then checks the leakage audit (attackers.Audit) on the audit's own
shuffled folds: make_pipeline(StandardScaler(), LogisticRegression(C=1.0)),
make_pipeline(StandardScaler(), KNeighborsClassifier(5, algorithm="brute"))
and make_pipeline(StandardScaler(), MLPClassifier(<the paper's settings>)),
plain and nested — inside outer fold f, the model fit on every fold but f
and g scores fold g, LogisticRegression(C=1.0) fit on those out-of-fold
P(class 1) maps the outer model's P(class 1) on fold f to the label —
and, on trained tables (--table), the paper's MLP and XGBoost nested too.
Tolerances on the mean AUC: logreg and knn (plain and nested) 0.005,
mlp-std 0.02; the nested paper attackers are shown, not gated.

Usage: compare.py DIR    (exit status 1 when a gated data set fails)
"""
import glob
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
import xgboost
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from xgboost import XGBClassifier

MLP_TOL, GBDT_TOL = 0.02, 0.01
AUDIT_TOL = {"logreg": 0.005, "knn": 0.005, "logreg+nested": 0.005, "knn+nested": 0.005,
             "mlp-std": 0.02, "mlp-std+nested": 0.02}


def fit_mlp(Xtr, ytr, Xte, pos, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=[100], alpha=1, max_iter=500,
                            learning_rate_init=0.01, random_state=seed)
        mlp.fit(Xtr, ytr)
        return mlp.predict_proba(Xte)[:, list(mlp.classes_).index(pos)]


def audit_model(name, seed):
    mlp = dict(hidden_layer_sizes=[100], alpha=1, max_iter=500, learning_rate_init=0.01, random_state=seed)
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    if name == "knn":
        return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5, algorithm="brute"))
    if name == "mlp-std":
        return make_pipeline(StandardScaler(), MLPClassifier(**mlp))
    if name == "mlp":
        return MLPClassifier(**mlp)
    if name == "gbdt":
        return XGBClassifier(max_depth=4, tree_method="hist", n_estimators=50, learning_rate=0.5,
                             reg_lambda=1, reg_alpha=0, n_jobs=1)
    raise ValueError(name)


def audit_compare(m, X, y):
    """scikit-learn's mean AUC of every audited attacker, plain and nested,
    on the audit's folds; returns {name: (potau, sklearn)}."""
    a = m["audit"]
    pos = m["positive"]
    names = sorted({n.replace("+nested", "") for n in a["go"]})
    out = {}
    for name in names:
        plain, nested = [], []
        for r, rep in enumerate(a["repeats"]):
            rows_r, fold = np.asarray(rep["rows"]), np.asarray(rep["fold"])
            k = fold.max() + 1
            cache = {}

            def p1(train_mask, test_mask, seed):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    mod = audit_model(name, seed)
                    mod.fit(X[rows_r[train_mask]], y[rows_r[train_mask]])
                    return mod.predict_proba(X[rows_r[test_mask]])[:, 1]

            for f in range(k):
                te = fold == f
                s_out = p1(fold != f, te, 1000 * r + f)
                yte = y[rows_r[te]]
                plain.append(roc_auc_score(yte == pos, s_out if pos == 1 else 1 - s_out))
                if name + "+nested" not in a["go"]:
                    continue
                feat, lab = [], []
                for g in range(k):
                    if g == f:
                        continue
                    key = (min(f, g), max(f, g))
                    if key not in cache:
                        held = (fold == key[0]) | (fold == key[1])
                        cache[key] = (held, p1(~held, held, 5000 + 100 * r + 10 * key[0] + key[1]))
                    held, sc = cache[key]
                    sel = fold[held] == g
                    feat.append(sc[sel])
                    lab.append(y[rows_r[held]][sel])
                cal = LogisticRegression(C=1.0).fit(np.concatenate(feat)[:, None], np.concatenate(lab))
                pc = cal.predict_proba(s_out[:, None])[:, list(cal.classes_).index(pos)]
                nested.append(roc_auc_score(yte == pos, pc))
        out[name] = (a["go"][name]["auc_mean"], float(np.mean(plain)))
        if nested:
            out[name + "+nested"] = (a["go"][name + "+nested"]["auc_mean"], float(np.mean(nested)))
    return out


def main(out):
    paths = sorted(glob.glob(os.path.join(out, "*.json")))
    paths = [p for p in paths if not p.endswith("parity_summary.json") and not p.endswith("parity_audit.json")]
    if not paths:
        sys.exit(f"compare.py: no data sets in {out}; run `go run ./scripts/parity --out {out}` first")
    print(f"scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__}, numpy {np.__version__}")
    rows, failed = [], False
    for p in paths:
        m = json.load(open(p))
        X = np.load(p[:-5] + ".npy")
        y = np.asarray(m["labels"])
        pos = m["positive"]
        folds_equal = True
        mlp_auc, mlp_auc2, xgb_auc = [], [], []
        t_mlp = t_xgb = c_mlp = c_xgb = 0.0
        for r, rep in enumerate(m["repeats"]):
            rows_r = np.asarray(rep["rows"])
            fold = np.asarray(rep["fold"])
            yr = y[rows_r]
            if not m["shuffle"]:
                sk = np.empty(len(yr), int)
                for f, (_, te) in enumerate(StratifiedKFold(5).split(np.zeros(len(yr)), yr)):
                    sk[te] = f
                folds_equal &= bool((sk == fold).all())
            for f in range(fold.max() + 1):
                tr, te = rows_r[fold != f], rows_r[fold == f]
                t0, c0 = time.perf_counter(), time.process_time()
                p_mlp = fit_mlp(X[tr], y[tr], X[te], pos, 1000 * r + f)
                t1, c1 = time.perf_counter(), time.process_time()
                xgb = XGBClassifier(max_depth=4, tree_method="hist", n_estimators=50, learning_rate=0.5,
                                    reg_lambda=1, reg_alpha=0, n_jobs=1)
                xgb.fit(X[tr], y[tr])
                p_xgb = xgb.predict_proba(X[te])[:, list(xgb.classes_).index(pos)]
                t2, c2 = time.perf_counter(), time.process_time()
                t_mlp += t1 - t0
                t_xgb += t2 - t1
                c_mlp += c1 - c0
                c_xgb += c2 - c1
                mlp_auc.append(roc_auc_score(y[te] == pos, p_mlp))
                xgb_auc.append(roc_auc_score(y[te] == pos, p_xgb))
                # The same folds with other seeds: how far scikit-learn's
                # mean moves by initialisation alone (the MLP noise floor).
                p2 = fit_mlp(X[tr], y[tr], X[te], pos, 7919 + 1000 * r + f)
                mlp_auc2.append(roc_auc_score(y[te] == pos, p2))
        g = m["go"]
        d_mlp = g["mlp"]["auc_mean"] - np.mean(mlp_auc)
        d_xgb = g["gbdt"]["auc_mean"] - np.mean(xgb_auc)
        fold_gap = float(np.max(np.abs(np.asarray(g["gbdt"]["fold_auc"]) - np.asarray(xgb_auc))))
        ok = abs(d_mlp) <= MLP_TOL and abs(d_xgb) <= GBDT_TOL and folds_equal
        gated = not m["info_only"]
        if gated and not ok:
            failed = True
        rows.append(dict(name=m["name"], shape=f'{m["rows"]}x{m["dims"]}', n_cv=len(m["repeats"][0]["rows"]),
                         potau_mlp=g["mlp"]["auc_mean"], sk_mlp=float(np.mean(mlp_auc)), d_mlp=float(d_mlp),
                         sk_mlp_std=float(np.std(mlp_auc)), potau_mlp_std=g["mlp"]["metrics"]["auc"]["std"],
                         sk_seed_gap=float(np.mean(mlp_auc2) - np.mean(mlp_auc)),
                         potau_gbdt=g["gbdt"]["auc_mean"], xgb=float(np.mean(xgb_auc)), d_gbdt=float(d_xgb),
                         max_fold_gap_gbdt=fold_gap, folds_equal=folds_equal,
                         potau_s=m["go_time_s"], potau_cpu_s=m.get("go_cpu_s", 0.0), potau_procs=m["go_procs"],
                         sklearn_s=t_mlp, xgboost_s=t_xgb, sklearn_cpu_s=c_mlp, xgboost_cpu_s=c_xgb,
                         status=("PASS" if ok else "FAIL") if gated else ("info: " + ("within" if ok else "outside") + " tolerance"),
                         about=m["about"]))
    print("\nLeakage audit (attackers.Audit, shuffled folds) against scikit-learn on the same folds:")
    ahdr = f'{"data set":<22} {"attacker":<15} {"potau":>7} {"sklearn":>7} {"Δ":>7} {"tol":>6} | status'
    print(ahdr)
    print("-" * len(ahdr))
    audit_rows = []
    for p in paths:
        m = json.load(open(p))
        if not m.get("audit"):
            continue
        if len(m["classes"]) != 2:
            print(f'{m["name"]:<22} skipped: the audit comparison is written for two classes')
            continue
        X = np.load(p[:-5] + ".npy")
        y = np.asarray(m["labels"])
        res = audit_compare(m, X, y)
        order = ["mlp", "gbdt", "mlp-std", "logreg", "knn"]
        for name in [n for n in order if n in res] + [n + "+nested" for n in order if n + "+nested" in res]:
            g, sk = res[name]
            tol = AUDIT_TOL.get(name)
            gated = tol is not None and not m["info_only"]
            ok = tol is None or abs(g - sk) <= tol
            if gated and not ok:
                failed = True
            status = ("PASS" if ok else "FAIL") if gated else "info"
            print(f'{m["name"]:<22} {name:<15} {g:7.4f} {sk:7.4f} {g - sk:+7.4f} {tol if tol else "-":>6} | {status}')
            audit_rows.append(dict(name=m["name"], attacker=name, potau=g, sklearn=sk, delta=g - sk, tol=tol, status=status))
    json.dump(audit_rows, open(os.path.join(out, "parity_audit.json"), "w"), indent=1)
    print()
    hdr = (f'{"data set":<22} {"rows×dims":>9} {"CV":>4} | {"potau MLP":>9} {"sklearn":>7} {"Δ":>7} {"sk seedΔ":>8} | '
           f'{"potau GBDT":>10} {"XGBoost":>7} {"Δ":>7} {"fold Δmax":>9} | {"folds=sk":>8} | '
           f'{"potau wall/CPU s":>16} {"sklearn wall/CPU":>16} {"xgb wall/CPU":>12} | status')
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f'{r["name"]:<22} {r["shape"]:>9} {r["n_cv"]:>4} | {r["potau_mlp"]:9.4f} {r["sk_mlp"]:7.4f} {r["d_mlp"]:+7.4f} {r["sk_seed_gap"]:+8.4f} | '
              f'{r["potau_gbdt"]:10.4f} {r["xgb"]:7.4f} {r["d_gbdt"]:+7.4f} {r["max_fold_gap_gbdt"]:9.4f} | '
              f'{str(r["folds_equal"]):>8} | {r["potau_s"]:7.1f}/{r["potau_cpu_s"]:<8.1f} {r["sklearn_s"]:7.1f}/{r["sklearn_cpu_s"]:<8.1f} '
              f'{r["xgboost_s"]:5.1f}/{r["xgboost_cpu_s"]:<6.1f} | {r["status"]}')
    print(f"\nMean held-out ROC-AUC over 5 folds × 3 repeats on identical folds. Tolerances: MLP {MLP_TOL}, GBDT {GBDT_TOL}.")
    print("sk seedΔ = scikit-learn's own mean AUC with other random_states minus its first: the MLP's seed noise floor.")
    print("fold Δmax = largest per-fold |potau GBDT − XGBoost| AUC gap (0 when every tree is identical).")
    print("potau wall/CPU = potau's full protocol (both attackers, folds in parallel on go_procs cores);")
    print("sklearn, xgb wall/CPU = summed fit+predict time of the 15 folds, one after another, one thread")
    print("(xgboost n_jobs=1, OMP/OpenBLAS threads 1 under make parity). CPU = process CPU time.")
    json.dump(rows, open(os.path.join(out, "parity_summary.json"), "w"), indent=1)
    if failed:
        print("parity: FAIL")
        sys.exit(1)
    print("parity: PASS")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
