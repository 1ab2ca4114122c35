#!/usr/bin/env bash
# Crash-resume check: run CONFIG once uninterrupted; run it again in a fresh
# cache, kill -9 it after DELAY seconds, rerun it to completion, and compare
# the two metrics.jsonl byte for byte. Also reports which stages the rerun
# found cached (so were not redone). A kill that comes before the cache
# exists (a short DELAY) is fine: the rerun then computes everything. The
# temporary folder (under $TMPDIR) is removed however the script ends.
#   usage: scripts/kill9.sh CONFIG [DELAY_SECONDS] [extra potau run flags...]
set -euo pipefail
cfg=${1:?usage: scripts/kill9.sh CONFIG [DELAY] [flags]}; delay=${2:-60}; shift $(( $# >= 2 ? 2 : 1 ))
work=$(mktemp -d); bin=$work/potau; pid=
cleanup() { if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
# count PATTERN [find args...]: matching paths under the cache, 0 when the
# cache does not exist yet.
count() { local dir=$1; shift; { [ -d "$dir" ] && find "$dir" "$@" 2>/dev/null || true; } | wc -l; }
go build -o "$bin" ./cmd/potau
echo "== uninterrupted run"
s=$SECONDS; "$bin" run "$cfg" --out "$work/a/out" --cache "$work/a/cache" -q --no-report "$@" >/dev/null; echo "   $((SECONDS-s))s"
echo "== run killed with SIGKILL after ${delay}s"
"$bin" run "$cfg" --out "$work/b/out" --cache "$work/b/cache" --no-report "$@" >"$work/b.log1" 2>&1 &
pid=$!; sleep "$delay"; kill -9 "$pid" 2>/dev/null || echo "   (it had already finished)"; wait "$pid" 2>/dev/null || true; pid=
done_before=$(count "$work/b/cache" -name meta.json)
tmp_left=$(count "$work/b/cache" -maxdepth 2 -name '.tmp-*')
echo "   finished stages in the cache: $done_before; temporary folders left: $tmp_left"
if [ -e "$work/b/out/results.jsonl" ]; then echo "   results.jsonl exists after the kill (run had finished)"; fi
cached=$("$bin" run "$cfg" --out "$work/b/out" --cache "$work/b/cache" --dry-run "$@" | { grep -c "=cached" || true; })
echo "   stage entries reported cached before the rerun: $cached"
echo "== rerun"
s=$SECONDS; "$bin" run "$cfg" --out "$work/b/out" --cache "$work/b/cache" --no-report "$@" >"$work/b.log2" 2>&1; echo "   $((SECONDS-s))s"
after=$(count "$work/b/cache" -name meta.json)
echo "   stages computed by the rerun: $((after-done_before)) (of $after)"
if cmp -s "$work/a/out/metrics.jsonl" "$work/b/out/metrics.jsonl"; then
  echo "OK: metrics.jsonl of the resumed run equals the uninterrupted run byte for byte ($(wc -l <"$work/a/out/metrics.jsonl") records)"
else
  echo "FAIL: metrics.jsonl differs"; diff <(tr ',' '\n' <"$work/a/out/metrics.jsonl") <(tr ',' '\n' <"$work/b/out/metrics.jsonl") | head; exit 1
fi
