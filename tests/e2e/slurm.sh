#!/usr/bin/env bash
# A sweep on a real Slurm cluster (.ci/slurm-cluster starts a single-node one; simulated results):
# 1. `judgegrad slurm --submit` runs a 24-run grid as a 3-task job array and a dependent merge job;
#    the merged Table 1 and runs equal the same grid run on one machine.
# 2. The same through `judgegrad serve` over loopback (the LLM configuration and its API key only in
#    the environment of the submission), one shared cache: one array task is cancelled (scancel)
#    midway; the merge job after it fails, saying which runs have not finished; submitting again
#    resubmits that shard alone, and the result equals the one-machine run while the server saw no
#    completed call twice beyond those in flight at the cancel.
# Skipped (exit 77) when no cluster answers, unless JUDGEGRAD_REQUIRE_SLURM=1 (CI sets it).
# Usage: slurm.sh <judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -u
bin=$1
if ! sinfo -h >/dev/null 2>&1; then
  if [ "${JUDGEGRAD_REQUIRE_SLURM:-0}" = 1 ]; then echo "FAIL: no Slurm cluster answers (sinfo; SLURM_CONF=${SLURM_CONF:-unset})"; exit 1; fi
  echo "no Slurm cluster answers (start one: .ci/slurm-cluster start DIR; docs/scaling.md): skipped"
  exit 77
fi
work=$(mktemp -d /tmp/judgegrad-slurm-test.XXXXXX)  # the tasks must see it: a local path on this one node
pid=""
jobs_submitted=""
cleanup() {
  set +e  # cleaning up what is already gone must not fail a test that passed
  for j in $jobs_submitted; do scancel "$j" 2>/dev/null; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err "$work"/*/slurm/logs/*; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
. "$(dirname "$0")/../support/expect.sh"
. "$(dirname "$0")/../support/same_runs.sh"
. "$(dirname "$0")/../support/start_serve.sh"
cd "$work"

# job_state ID: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ...
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
# wait_job ID SECONDS: until the job has ended; prints its final state
wait_job() {
  for _ in $(seq $(( $2 * 2 ))); do
    s=$(job_state "$1")
    case "$s" in PENDING | RUNNING | CONFIGURING | COMPLETING | "") sleep 0.5 ;; *) echo "$s"; return 0 ;; esac
  done
  squeue >&2
  fail "job $1 did not end within $2 s (state $(job_state "$1"))"
}
submitted() { sed -n "s/^submitted $1 \([0-9]*\).*/\1/p" "$work/$2.out"; }

cat >exp.json <<'JSON'
{"name": "tiny", "modes": ["single-task", "SSC", "CCC"], "gates": ["none", "mae"], "seeds": [1, 2], "steps": 2, "parallel_runs": 2}
JSON
start=$(date +%s)
expect 0 whole "$bin" run --experiment exp.json --out whole --quiet
echo "the grid on one machine: $(( $(date +%s) - start )) s"

# 1. Submitted as a job array, merged and reported by the dependent job.
start=$(date +%s)
expect 0 submit "$bin" slurm exp.json --shards 3 --out sweep --max-running 2 --submit
grep -q -- "#SBATCH --array=1-3%2" sweep/slurm/array.sbatch || fail "array.sbatch does not throttle to 2 tasks at once"
array=$(submitted "job array" submit) merge=$(submitted "merge job" submit)
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in the submission's output"
jobs_submitted="$array $merge"
has submit.out "3 of 3 shards: 1,2,3"
[ "$(wait_job "$merge" 300)" = COMPLETED ] || fail "the merge job did not complete"
echo "the grid as a 3-task job array, merged and reported: $(( $(date +%s) - start )) s"
for i in 1 2 3; do
  [ "$(job_state "${array}_$i")" = COMPLETED ] || fail "array task $i: $(job_state "${array}_$i")"
  grep -q "judgegrad shard $i/3" "sweep/slurm/logs/shard-$i.out" || fail "shard-$i.out lacks its first line"
done
grep -q "^Table 1" sweep/slurm/logs/merge.out || fail "the merge job printed no Table 1"
cmp -s sweep/merged/results/table1.md whole/results/table1.md || { diff sweep/merged/results/table1.md whole/results/table1.md; fail "the merged Table 1 differs from the one-machine run's"; }
same_runs whole sweep/merged
expect 0 again "$bin" slurm exp.json --shards 3 --out sweep --submit
has again.out "nothing to submit"

# 2. Through judgegrad serve; one task cancelled midway, then resubmitted.
export JUDGEGRAD_PLANTED_KEY=sk-planted-9d4b21
start_serve "$bin" "$work/serve.out" "$work/serve.err" --latency-ms 20 --api-key-env JUDGEGRAD_PLANTED_KEY
cat >llm.json <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1", "api_key_env": "JUDGEGRAD_PLANTED_KEY", "max_concurrent": 8}},
 "roles": {"judge": {"model": "judgegrad-sim"}, "loss": {"model": "judgegrad-sim"}, "gradient": {"model": "judgegrad-sim"},
           "optimizer": {"model": "judgegrad-sim"}, "evaluator": {"model": "judgegrad-sim"}}}
JSON
repeated() { server_metric judgegrad_sim_repeated_total "$port" -H "Authorization: Bearer $JUDGEGRAD_PLANTED_KEY"; }
start=$(date +%s)
expect 0 submit2 env JUDGEGRAD_LLM_CONFIG="$work/llm.json" "$bin" slurm exp.json --shards 3 --out sweep2 --shared-cache --parallel 1 --submit
array=$(submitted "job array" submit2) merge=$(submitted "merge job" submit2)
jobs_submitted="$jobs_submitted $array $merge"
grep -rqe "$JUDGEGRAD_PLANTED_KEY" -e "llm.json" sweep2/slurm/*.sbatch && fail "a script holds the LLM configuration or its key"
# Cancel task 2 once it has finished its first run, before the shard ends.
for _ in $(seq 1200); do
  cat sweep2/shards/2-of-3/runs/*/state.json 2>/dev/null | jq -se 'any(.finished)' >/dev/null 2>&1 && break
  sleep 0.1
done
[ "$(job_state "${array}_2")" = RUNNING ] || fail "task 2 was not running when it was to be cancelled ($(job_state "${array}_2"))"
scancel "${array}_2"
[ "$(wait_job "$merge" 600)" = FAILED ] || fail "the merge job did not fail with a shard cancelled"
grep -q "have not finished" sweep2/slurm/logs/merge.out || fail "the merge job did not say which runs have not finished"
[ -e sweep2/merged ] && fail "a failed merge left sweep2/merged"
[ "$(job_state "${array}_2")" = CANCELLED ] || fail "task 2 is $(job_state "${array}_2"), not CANCELLED"
finished_before=$(cat sweep2/shards/2-of-3/runs/*/state.json | jq -s 'map(select(.finished)) | length')
before=$(repeated)
[ "$finished_before" -ge 1 ] && [ "$finished_before" -lt 8 ] || fail "task 2 was cancelled with $finished_before of 8 runs finished"
echo "task 2 cancelled with $finished_before of its 8 runs finished; $before calls sent twice so far"
expect 0 resubmit env JUDGEGRAD_LLM_CONFIG="$work/llm.json" "$bin" slurm exp.json --shards 3 --out sweep2 --shared-cache --parallel 1 --submit
has resubmit.out "1 of 3 shards: 2"
array=$(submitted "job array" resubmit) merge=$(submitted "merge job" resubmit)
jobs_submitted="$jobs_submitted $array $merge"
[ "$(wait_job "$merge" 600)" = COMPLETED ] || fail "the merge job after the resubmission did not complete"
echo "the grid through judgegrad serve with a task cancelled and resubmitted: $(( $(date +%s) - start )) s"
after=$(repeated)
echo "resubmission: $((after - before)) calls sent again (replies the cancelled task had not yet stored; at most 8 were in flight)"
[ $((after - before)) -le 8 ] || fail "$((after - before)) calls were sent twice after the cancel"
same_runs whole sweep2/merged
grep -q "resume" sweep2/shards/2-of-3/events.jsonl || fail "shard 2's log has no resume"
echo "slurm: all checks passed"
