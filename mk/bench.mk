# bench-ml1m: issue 15's end-to-end benchmark — the ML-1M paper config on an
# ML-1M-sized synthetic data set (configs/bench/ml-1m-synthetic.yaml: NeuMF
# and LightGCN, 25 epochs at batch 256, the original and every post-training
# method, both attackers, the leakage audit). Every stage is computed afresh
# in its own cache ($(BENCH_ML1M_OUT)/.cache, emptied first); at the end it
# prints the wall time and the largest peak resident set size of the records.
# A shorter run: make bench-ml1m BENCH_ML1M_FLAGS='--set model.epochs=2'.
# Under 1 GB: GOMEMLIMIT=900MiB make bench-ml1m (the collector runs more
# often; results are identical; 1 epoch: 1,085 → 921 MB at the same time).
BENCH_ML1M_OUT   ?= runs/bench-ml-1m
BENCH_ML1M_FLAGS ?=

.PHONY: bench-ml1m
## bench-ml1m: the ML-1M-sized end-to-end benchmark (wall time, peak RSS)
bench-ml1m: build
	@rm -rf $(BENCH_ML1M_OUT)
	@start=$$(date +%s); \
	./$(BIN) run configs/bench/ml-1m-synthetic.yaml --out $(BENCH_ML1M_OUT) --cache $(BENCH_ML1M_OUT)/.cache $(BENCH_ML1M_FLAGS) || exit $$?; \
	end=$$(date +%s); \
	rss=$$(grep -o '"peak_rss_mb": *[0-9.]*' $(BENCH_ML1M_OUT)/results.jsonl | sed 's/.*: *//' | sort -n | tail -1); \
	echo "bench-ml1m: $$((end - start)) s wall, peak RSS $$rss MB (load average: $$(cut -d' ' -f1-3 /proc/loadavg))"
