#!/usr/bin/env bash
# Shards and their merge as a user runs them, without a cluster (simulated results throughout):
# - a 24-run grid run whole, and run as 3 shards (two of them sharing one cache file), merges into
#   a directory whose runs, Table 1 (Markdown and JSON) equal the whole run's; resume and run on the
#   merged directory find nothing to do;
# - merge refuses a missing shard (named by index), a shard of another experiment, a shard given
#   twice, an unfinished shard and an existing output, each with exit 2 and nothing written; onto a
#   full disk it fails with exit 7 and leaves nothing (a skip, exit 77, when a tmpfs cannot be
#   mounted, unless JUDGEGRAD_REQUIRE_TMPFS=1 as in CI);
# - `run --shard` refuses a bad I/N and another shard's directory;
# - `judgegrad slurm` (not submitted) writes an array script and a merge script that hold no API key
#   and no LLM configuration; run by hand as Slurm would (SLURM_ARRAY_TASK_ID=1..3, then the merge
#   script) they give the same merged report.
# Usage: shards.sh <judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -u
bin=$1
work=$(mktemp -d)
mounted="" skipped=""
trap 'set +e; [ -n "$mounted" ] && umount "$mounted" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done; exit 1; }
. "$(dirname "$0")/../support/expect.sh"
. "$(dirname "$0")/../support/same_runs.sh"
cd "$work"

cat >exp.json <<'JSON'
{"name": "tiny", "modes": ["single-task", "SSC", "CCC"], "gates": ["none", "mae"], "seeds": [1, 2], "steps": 2, "parallel_runs": 2}
JSON
start=$(date +%s)
expect 0 whole "$bin" run --experiment exp.json --out whole --quiet
echo "whole grid: $(( $(date +%s) - start )) s"
[ "$(jq '.runs | length' whole/experiment.json)" = 24 ] || fail "the grid does not have 24 runs"

# The shards: 8 runs each, dealt out in turn.
start=$(date +%s)
expect 0 shard1 "$bin" run --experiment exp.json --shard 1/3 --out s1 --quiet
expect 0 shard2 "$bin" run --experiment exp.json --shard 2/3 --out s2 --cache shared.sqlite --quiet
expect 0 shard3 "$bin" run --experiment exp.json --shard 3/3 --out s3 --cache shared.sqlite --quiet
echo "three shards, one after another: $(( $(date +%s) - start )) s"
has shard2.out "8 runs of shard 2/3 (24 runs in all)"
[ "$(jq -c '.shard' s2/experiment.json)" = '{"index":2,"count":3}' ] || fail "s2's manifest does not say shard 2/3"
[ "$(jq -r '.cache' s2/experiment.json)" = "$work/shared.sqlite" ] || fail "s2's manifest does not name the shared cache"
[ -e s2/cache.sqlite ] && fail "s2 made a cache of its own beside the shared one"
[ "$(jq -r '.runs[1]' s1/experiment.json)" = "$(jq -r '.runs[3]' whole/experiment.json)" ] || fail "shard 1 does not hold every third run"
all=$(cat s1/experiment.json s2/experiment.json s3/experiment.json | jq -r '.runs[]' | sort | tr '\n' ' ')
[ "$all" = "$(jq -r '.runs[]' whole/experiment.json | sort | tr '\n' ' ')" ] || fail "the shards' runs are not the grid's"

# Refusals, each with nothing written.
expect 2 missing "$bin" merge s1 s3 -o merged
has missing.err "missing shard 2 of 3"
jq '.steps = 3' exp.json >other.json
expect 0 other "$bin" run --experiment other.json --shard 2/3 --out other --quiet
expect 2 mixed "$bin" merge s1 other s3 -o merged
has mixed.err "other holds another experiment"
expect 2 twice "$bin" merge s1 s2 s3 s2 -o merged
has twice.err "is given twice"
cp -r s2 unfinished
jq '.finished = false' s2/runs/"$(jq -r '.runs[0]' s2/experiment.json)"/state.json >unfinished/runs/"$(jq -r '.runs[0]' s2/experiment.json)"/state.json
expect 2 unfinished "$bin" merge s1 unfinished s3 -o merged
has unfinished.err "1 of 24 runs have not finished"
mkdir taken && echo x >taken/file
expect 2 taken "$bin" merge s1 s2 s3 -o taken
has taken.err "taken exists"
[ -e merged ] && fail "a refused merge left $work/merged"
expect 2 bad_shard "$bin" run --experiment exp.json --shard 4/3 --out s4 --quiet
has bad_shard.err "shard 4 of 3 does not exist"
expect 2 wrong_shard "$bin" run --experiment exp.json --shard 2/3 --out s1 --quiet
has wrong_shard.err "holds shard 1/3 of this experiment, not shard 2/3"

# A full disk: exit 7 naming the file, and nothing of the merge is left.
mkdir small
if mount -t tmpfs -o size=1500k tmpfs "$work/small" 2>/dev/null; then
  mounted="$work/small"
  expect 7 full "$bin" merge s1 s2 s3 -o small/merged
  has full.err "small/merged.merging"  # the file system says why (ENOSPC, or EIO from a copy onto a full tmpfs)
  [ -z "$(ls -A small)" ] || fail "a merge onto a full disk left $(ls -A small)"
  umount small; mounted=""
elif [ "${JUDGEGRAD_REQUIRE_TMPFS:-0}" = 1 ]; then
  fail "the full-disk case cannot mount a tmpfs (it needs root)"
else
  skipped="the full-disk case (it needs to mount a tmpfs: root)"
fi

# The merge equals the whole run.
expect 0 merge "$bin" merge s3 s1 s2 -o merged
has merge.out "3 shards, 24 runs"
expect 0 report "$bin" report merged
cmp -s merged/results/table1.md whole/results/table1.md || { diff merged/results/table1.md whole/results/table1.md; fail "the merged Table 1 differs from the whole run's"; }
cmp -s merged/results/table1.json whole/results/table1.json || fail "the merged table1.json differs from the whole run's"
same_runs whole merged
[ "$(jq -r '.runs | join(" ")' merged/experiment.json)" = "$(jq -r '.runs | join(" ")' whole/experiment.json)" ] || fail "the merged manifest lists the runs in another order"
[ "$(grep -c '"event":"merge"' merged/events.jsonl)" = 1 ] || fail "events.jsonl has no merge event"
expect 0 resume_merged "$bin" resume merged --quiet
has resume_merged.out "24 runs finished"
cmp -s merged/results/table1.md whole/results/table1.md || fail "resuming the merged directory changed its Table 1"

# judgegrad slurm, not submitted: the scripts, then run by hand as Slurm would run them.
export JUDGEGRAD_PLANTED_KEY=sk-planted-5c1e7e2
cat >llm.json <<'JSON'
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:1/v1", "api_key_env": "JUDGEGRAD_PLANTED_KEY"}},
 "roles": {"judge": {"model": "judgegrad-sim"}, "loss": {"model": "judgegrad-sim"}, "gradient": {"model": "judgegrad-sim"},
           "optimizer": {"model": "judgegrad-sim"}, "evaluator": {"model": "judgegrad-sim"}}}
JSON
expect 2 too_many env JUDGEGRAD_LLM_CONFIG="$work/llm.json" "$bin" slurm exp.json --shards 25 --out sweep
has too_many.err "the experiment has 24 runs, so at most 24 shards"
expect 0 slurm env JUDGEGRAD_LLM_CONFIG="$work/llm.json" "$bin" slurm exp.json --shards 3 --out sweep --partition main --time 00:10:00 --sbatch=--nice=10
has slurm.out "24 runs in 3 shards (8 runs each)"
for f in array.sbatch merge.sbatch; do
  [ -x "sweep/slurm/$f" ] || fail "sweep/slurm/$f is not an executable script"
  bash -n "sweep/slurm/$f" || fail "sweep/slurm/$f is not valid bash"
  grep -q -- "--partition=main" "sweep/slurm/$f" || fail "$f lacks the partition"
  grep -q -- "#SBATCH --nice=10" "sweep/slurm/$f" || fail "$f lacks the extra sbatch option"
  grep -qe "$JUDGEGRAD_PLANTED_KEY" -e "llm.json" -e "--config" "sweep/slurm/$f" && fail "$f holds the LLM configuration or its key"
done
grep -q -- "#SBATCH --array=1-3" sweep/slurm/array.sbatch || fail "array.sbatch does not ask for tasks 1-3"
for i in 1 2 3; do
  SLURM_ARRAY_TASK_ID=$i SLURM_JOB_ID=0 bash sweep/slurm/array.sbatch >"task$i.out" 2>"task$i.err" || fail "array task $i failed: $(tail -3 "task$i.err")"
done
has task2.out "judgegrad shard 2/3"
expect 0 merge_script bash sweep/slurm/merge.sbatch
cmp -s sweep/merged/results/table1.md whole/results/table1.md || fail "the scripts' merged Table 1 differs from the whole run's"
same_runs whole sweep/merged
expect 0 merge_again bash sweep/slurm/merge.sbatch  # a second merge job reports what is there
echo "shards: all checks passed"
# A case that could not run is reported as a skip (exit 77), after every other case has passed.
[ -z "$skipped" ] || { echo "SKIP: $skipped"; exit 77; }
