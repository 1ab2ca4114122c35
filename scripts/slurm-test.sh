#!/usr/bin/env bash
# `make slurm-test`: potau on a real single-node Slurm cluster started here.
#
# Installs slurm-wlm and munge with apt-get when missing, starts munged,
# slurmctld and slurmd as root with a private configuration in a temporary
# folder (own munge socket and ports, so a system Slurm is not touched),
# then: runs a small sweep locally (synthetic data, 2 models × 4 α × 2 seeds
# = 16 cells); submits it with `potau slurm --submit` as a job array of 4
# shards plus a collect job; cancels one array task mid-way with scancel
# (and the collect job, whose afterok dependency can no longer be met);
# resubmits; waits for the collect job; compares the collected
# metrics.jsonl with the local run's byte for byte; and reports how many
# cells the resubmission computed (it must be exactly the cells the
# cancelled task had not finished). Every daemon it started is stopped by
# PID on exit. Skips (exit 0, with the reason) where it cannot run: not
# root, packages unavailable, daemons that will not start.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "slurm-test: SKIP: $*"; exit 0; }
say() { printf '[%4ds] %s\n' "$SECONDS" "$*"; }
[ "$(uname -s)" = Linux ] || skip "needs Linux"
[ "$(id -u)" = 0 ] || skip "needs root (it starts munged, slurmctld and slurmd itself)"
need() { for c in munged slurmctld slurmd sbatch squeue scancel scontrol; do command -v $c >/dev/null 2>&1 || return 1; done; }
if ! need; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y slurm-wlm munge >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y slurm-wlm munge >/dev/null 2>&1; }; } ||
    skip "could not install slurm-wlm and munge with apt-get"
  need || skip "slurm-wlm/munge installed but a command is missing"
fi

work=$(mktemp -d /tmp/potau-slurm.XXXXXX)
daemons=()
cleanup() {
  set +e
  if [ -n "${SLURM_CONF:-}" ]; then scancel --quiet --user=root 2>/dev/null; sleep 1; fi
  for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${daemons[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  if [ -n "${KEEP:-}" ]; then echo "slurm-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

host=$(hostname -s); cpus=$(nproc)
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
sock=$work/munge/munge.socket
munged --force --foreground --socket="$sock" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" \
  --log-file="$work/log/munged.log" >"$work/log/munged.out" 2>&1 &
daemons+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/log/munged.out" "$work/log/munged.log" 2>/dev/null | tail -5; skip "munged did not start"; }

port=$(( 20000 + RANDOM % 20000 ))
cat >"$work/slurm.conf" <<CONF
ClusterName=potau-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=potau Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
daemons+=($!)
up=
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
  sleep 0.2
done
if [ -z "$up" ]; then
  tail -5 "$work/log/slurmctld.log" "$work/log/slurmd.log" "$work/log/"*.out 2>/dev/null
  skip "the single-node cluster did not come up"
fi
say "cluster up: node $host, $cpus CPU(s), slurmctld port $port (munged, slurmctld, slurmd PIDs: ${daemons[*]})"

bin=$work/potau
go build -o "$bin" ./cmd/potau
cfg=$work/sweep.yaml
cat >"$cfg" <<'YAML'
name: slurm-test
seed: 1
data:
  name: synthetic
  synthetic: {users: 400, items: 500, interactions: 16000, min_per_user: 12}
  split: {negatives: 49}
model: {dim: 16, epochs: 6, batch_size: 512, selection: test}
unlearn: {methods: [D2D-R], steps: 150}
attack:
  attackers: [mlp, gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 20}
  mlp: {max_iter: 80}
export: {embeddings: true}
sweep:
  model.kind: [mf, lightgcn]
  unlearn.alpha: [1.0e-5, 1.0e-4, 1.0e-3, 1.0e-2]
  seed: [1, 2]
YAML

say "local run (one process, its own cache)"
s=$SECONDS
"$bin" run "$cfg" --out "$work/local" --cache "$work/local-cache" -q --no-report >/dev/null
say "local run: $((SECONDS - s))s, $(wc -l <"$work/local/metrics.jsonl") records"

submit() {
  "$bin" slurm "$cfg" --tasks 4 --cpus 1 --time 30 --out "$work/cluster" --cache "$work/cluster-cache" --submit >"$work/submit$1.out" 2>&1 ||
    { cat "$work/submit$1.out"; echo "FAIL: potau slurm --submit"; exit 1; }
  array=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' "$work/submit$1.out")
  collect=$(sed -n 's/^collect job \([0-9]*\) .*/\1/p' "$work/submit$1.out")
  [ -n "$array" ] && [ -n "$collect" ] || { cat "$work/submit$1.out"; echo "FAIL: no job ids"; exit 1; }
}
state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
log() { echo "$work/cluster/slurm/logs/potau-slurm-test-${1}_$2.log"; }

s=$SECONDS
submit 1
say "submitted: array job $array (4 tasks), collect job $collect"
# Cancel the first task seen running that has finished a stage ("… done") but
# not its shard.
victim=
for _ in $(seq 1500); do
  for t in 0 1 2 3; do
    l=$(log "$array" "$t")
    if [ "$(state "${array}_$t")" = RUNNING ] && [ -f "$l" ] && grep -q ' done' "$l" && ! grep -q '^shard ' "$l"; then
      victim=$t; break 2
    fi
  done
  sleep 0.2
done
[ -n "$victim" ] || { echo "FAIL: no array task was seen running mid-way"; exit 1; }
scancel "${array}_$victim"
say "cancelled task ${array}_$victim after it finished $(grep -c ' done' "$(log "$array" "$victim")") stage(s)"
for _ in $(seq 3000); do
  [ -z "$(squeue -h -j "$array" -t RUNNING,PENDING,CONFIGURING,COMPLETING -r 2>/dev/null | grep -v "^ *$collect ")" ] && break
  sleep 0.2
done
for t in 0 1 2 3; do say "  task ${array}_$t: $(state "${array}_$t"); $(grep '^shard ' "$(log "$array" "$t")" 2>/dev/null || echo 'no summary')"; done
say "collect job $collect: $(state "$collect") ($(scontrol show job "$collect" | grep -o 'Reason=[A-Za-z]*'))"
scancel "$collect"
missing=$("$bin" run "$cfg" --out "$work/cluster" --cache "$work/cluster-cache" --dry-run 2>/dev/null | awk '/^cell /{c=$0; next} /=todo/{print c}' | sort -u | wc -l)
say "first submission: $((SECONDS - s))s; cells not finished: $missing"
[ "$missing" -gt 0 ] || { echo "FAIL: the cancel left no cell unfinished (the task finished first)"; exit 1; }
if "$bin" collect "$cfg" --out "$work/cluster" --cache "$work/cluster-cache" --shards 4 >"$work/early-collect.out" 2>&1; then
  echo "FAIL: collect succeeded with missing cells"; exit 1
fi
say "collect before resubmitting fails as it should: $(grep -m1 'collect:' "$work/early-collect.out")"

s=$SECONDS
submit 2
say "resubmitted: array job $array, collect job $collect"
for _ in $(seq 3000); do
  st=$(state "$collect")
  case "$st" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 0.2
done
say "second submission: $((SECONDS - s))s; collect job $collect: $st"
recomputed=0; stages=0
for t in 0 1 2 3; do
  line=$(grep '^shard ' "$(log "$array" "$t")" 2>/dev/null || true)
  say "  task ${array}_$t: $line"
  n=$(echo "$line" | sed -n 's/.* cached, \([0-9]*\) computed (\([0-9]*\) stage.*/\1 \2/p')
  recomputed=$((recomputed + ${n%% *})); stages=$((stages + ${n##* }))
done
[ "$st" = COMPLETED ] || { tail -20 "$work/cluster/slurm/logs/potau-slurm-test-collect-$collect.log"; echo "FAIL: collect job $st"; exit 1; }
say "the resubmission computed $recomputed cell(s) ($stages stage(s)); $missing were missing"
[ "$recomputed" -eq "$missing" ] || { echo "FAIL: recomputed $recomputed cells, $missing were missing"; exit 1; }
if cmp -s "$work/local/metrics.jsonl" "$work/cluster/metrics.jsonl"; then
  say "OK: metrics.jsonl collected from the cluster equals the local run's byte for byte ($(wc -l <"$work/local/metrics.jsonl") records)"
else
  echo "FAIL: metrics.jsonl differs"; diff <(tr ',' '\n' <"$work/local/metrics.jsonl") <(tr ',' '\n' <"$work/cluster/metrics.jsonl") | head; exit 1
fi
