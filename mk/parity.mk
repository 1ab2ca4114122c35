# parity: potau's attackers against scikit-learn's MLPClassifier and XGBoost's
# XGBClassifier on identical folds (scripts/parity), and the leakage audit's
# logreg, knn and mlp-std, plain and nested, against scikit-learn's
# LogisticRegression, KNeighborsClassifier and standardised MLPClassifier on
# the audit's folds (trained --table tables: every attacker nested). Needs Debian's
# python3-sklearn and python3-xgboost for the system python; tries to install
# them, and skips with a message when that is not possible. Writes to
# $(PARITY_OUT). Add trained tables (e.g. the exports of `potau run` with
# export.embeddings: true) with
#   make parity PARITY_FLAGS='--table neumf-original=DIR/users.npy,DIR/labels.csv --table neumf-U2U=...'
PARITY_PY    ?= /usr/bin/python3
PARITY_OUT   ?= bin/parity
PARITY_FLAGS ?=

parity:
	@if ! $(PARITY_PY) -c 'import sklearn, xgboost' 2>/dev/null; then \
		echo "parity: installing python3-sklearn python3-xgboost with apt-get"; \
		apt-get install -y python3-sklearn python3-xgboost >/dev/null 2>&1 || true; \
	fi; \
	if ! $(PARITY_PY) -c 'import sklearn, xgboost' 2>/dev/null; then \
		echo "parity: SKIPPED: $(PARITY_PY) cannot import sklearn and xgboost and 'apt-get install -y python3-sklearn python3-xgboost' failed"; \
		exit 0; \
	fi; \
	mkdir -p $(PARITY_OUT) && rm -f $(PARITY_OUT)/*.json $(PARITY_OUT)/*.npy && \
	$(GO) run ./scripts/parity --out $(PARITY_OUT) $(PARITY_FLAGS) && \
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PARITY_PY) scripts/parity/compare.py $(PARITY_OUT)
