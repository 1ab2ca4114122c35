#!/usr/bin/env python3
"""Writes logreg_sklearn.json, the stored scikit-learn outputs that
TestLogRegSklearn compares the "logreg" attacker with:
make_pipeline(StandardScaler(), LogisticRegression(C=1.0, solver="newton-cg",
tol=1e-10)) on small seeded tables (two classes, three classes). newton-cg
warns that it did not converge: its tolerance is below what its own
rounding lets it certify; the solution is at the floating-point floor.

Usage: /usr/bin/python3 logreg_sklearn.py > logreg_sklearn.json
(Debian's python3-sklearn 1.2.1)."""
import json

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(7)
cases = []
for name, n, d, K, shift in [("binary 120x5", 120, 5, 2, 0.8), ("binary 200x12 weak", 200, 12, 2, 0.3),
                             ("three classes 150x4", 150, 4, 3, 1.0)]:
    y = rng.integers(0, K, n)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, d) + rng.normal(size=d)
    X[:, 0] += shift * y
    X[:, 1] -= 0.5 * shift * (y == K - 1)
    ntr = n * 3 // 4
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, solver="newton-cg", tol=1e-10, max_iter=10000))
    pipe.fit(X[:ntr], y[:ntr])
    lr = pipe[-1]
    cases.append(dict(name=name, X_train=X[:ntr].tolist(), y_train=y[:ntr].tolist(), X_test=X[ntr:].tolist(),
                      classes=K, coef=lr.coef_.tolist(), intercept=lr.intercept_.tolist(),
                      proba=pipe.predict_proba(X[ntr:]).tolist()))
print(json.dumps(cases))
