#!/usr/bin/env bash
# Shared-cache check: four `potau run` processes on one config and one cache,
# started together, plus a `--dry-run` (which also cleans the cache's stale
# temporary folders) every 0.2 s while they run. Passes when every process
# succeeds, every stage was computed exactly once over all four processes,
# and each process's metrics.jsonl equals a single-process run's byte for
# byte.
#
# Counting: a process logs "computing stage <stage>/<key>" exactly when it
# has claimed a key that is not cached and starts computing it (see
# runner.cached in experiments/pipeline.go); the four logs together must name
# each key once, and name as many keys as the cache holds entries.
#   usage: scripts/concurrent-cache.sh [CONFIG] [extra potau run flags...]
set -euo pipefail
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ $# -ge 1 ] && [ -f "$1" ]; then cfg=$1; shift; else
  cfg=$work/concurrent.yaml
  cat >"$cfg" <<'YAML'
name: concurrent
seed: 5
data:
  name: synthetic
  synthetic: {users: 300, items: 400, interactions: 12000, min_per_user: 12}
  split: {negatives: 49}
model: {dim: 16, epochs: 4, batch_size: 512, selection: test}
unlearn: {methods: [U2U, D2D-R], steps: 40}
attack:
  attackers: [mlp, gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 10}
  mlp: {max_iter: 50}
export: {embeddings: true}
sweep:
  model.kind: [mf, lightgcn]
  unlearn.alpha: [1.0e-4, 1.0e-2]
YAML
fi
bin=$work/potau
go build -o "$bin" ./cmd/potau
echo "== single-process run"
s=$SECONDS
"$bin" run "$cfg" --out "$work/single" --cache "$work/single-cache" --no-report -q "$@" >/dev/null
echo "   $(( SECONDS - s ))s"
echo "== four processes on one cache, a dry run every 0.2 s"
s=$SECONDS
for i in 1 2 3 4; do
  "$bin" run "$cfg" --out "$work/p$i" --cache "$work/cache" --no-report "$@" >"$work/p$i.out" 2>"$work/p$i.log" &
  pids+=($!)
done
dry=0; dryfail=0
running() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
  if "$bin" run "$cfg" --out "$work/dry" --cache "$work/cache" --dry-run "$@" >/dev/null 2>"$work/dry.err"; then
    dry=$((dry+1))
  else
    dryfail=$((dryfail+1)); cat "$work/dry.err"
  fi
  sleep 0.2
done
fail=0
for i in 1 2 3 4; do
  if wait "${pids[$((i-1))]}"; then echo "   process $i: ok"; else echo "   process $i: FAILED"; tail -5 "$work/p$i.log"; fail=1; fi
done
pids=()
echo "   $(( SECONDS - s ))s; $dry dry runs succeeded, $dryfail failed"
[ "$dryfail" -eq 0 ] || fail=1
computed=$(cat "$work"/p?.log | grep -o 'computing stage [^ ]*' | awk '{print $3}' | sort)
total=$(printf '%s\n' "$computed" | grep -c . || true)
distinct=$(printf '%s\n' "$computed" | sort -u | grep -c . || true)
entries=$(find "$work/cache" -name MANIFEST | wc -l)
for i in 1 2 3 4; do echo "   process $i computed $(grep -c 'computing stage' "$work/p$i.log" || true) stage(s)"; done
echo "   stages computed: $total over the four processes, $distinct distinct keys, $entries cache entries"
if [ "$total" -ne "$distinct" ]; then
  echo "FAIL: some stages were computed more than once:"; printf '%s\n' "$computed" | uniq -d; fail=1
fi
[ "$distinct" -eq "$entries" ] || { echo "FAIL: $distinct computed keys but $entries cache entries"; fail=1; }
tmp=$(find "$work/cache" -name '.tmp-*' | wc -l)
[ "$tmp" -eq 0 ] || { echo "FAIL: $tmp temporary folders left in the cache"; fail=1; }
for i in 1 2 3 4; do
  if ! cmp -s "$work/single/metrics.jsonl" "$work/p$i/metrics.jsonl"; then echo "FAIL: process $i metrics.jsonl differs from the single-process run"; fail=1; fi
done
[ "$fail" -eq 0 ] || exit 1
echo "OK: 4 processes + $dry dry runs succeeded; each of the $entries stages computed exactly once; metrics.jsonl equals the single-process run's ($(wc -l <"$work/single/metrics.jsonl") records)"
