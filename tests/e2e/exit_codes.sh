#!/usr/bin/env bash
# README.md's table of which command ends with which exit code, checked cell by cell: every cell
# marked there is caused here and must give that code, and every code caused here must be marked
# there, so the table and the tool cannot drift apart.
# Usage: exit_codes.sh <judgegrad binary> <README.md>   (JUDGEGRAD_DATA names the data directory)
set -euo pipefail
bin=$(realpath "$1") readme=$(realpath "$2")
work=$(mktemp -d)
pid=
bg=
holder=
cleanup() {
  set +e  # cleaning up what is already gone must not fail a test that passed
  [ -n "${slowest_pid:-}" ] && kill "$slowest_pid" 2>/dev/null
  [ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -c 1500 "$f"; }; done
  exit 1
}
. "$(dirname "$0")/../support/expect.sh"
. "$(dirname "$0")/../support/start_serve.sh"
start_serve "$bin" "$work/serve.out" "$work/serve.err" --latency-ms 20
cd "$work"

caused=()
# cell <command> <code> <what...>: runs what, expects the code, records the cell.
cell() {
  local command=$1 code=$2
  shift 2
  expect "$code" "${command}_$code" "$@"
  caused+=("$command $code")
}
# interrupted <command> <ready-test> <what...>: runs what in the background, waits until the
# ready-test holds (an event, not a time), sends SIGINT, expects 130 and records the cell.
interrupted() {
  local command=$1 ready=$2
  shift 2
  "$@" >"$work/${command}_130.out" 2>"$work/${command}_130.err" &
  bg=$!
  local tries=0
  until eval "$ready"; do
    tries=$((tries + 1))
    [ $tries -gt 1200 ] && fail "$command: not ready to interrupt after 60 s"
    kill -0 "$bg" 2>/dev/null || fail "$command ended before it could be interrupted"
    sleep 0.05
  done
  kill -INT "$bg"
  local rc=0
  wait "$bg" || rc=$?
  bg=
  [ "$rc" = 130 ] || fail "$command interrupted: exit $rc, expected 130"
  has "${command}_130.err" "interrupted"
  caused+=("$command 130")
}
completions() { server_metric 'judgegrad_sim_completions_total{outcome="ok"}' "${1:-$port}"; }  # completions [port]

roles='"roles": {"judge": {"model": "m"}, "loss": {"model": "m"}, "gradient": {"model": "m"}, "optimizer": {"model": "m"}, "evaluator": {"model": "m"}}'
echo "{\"endpoints\": {\"sim\": {\"base_url\": \"http://127.0.0.1:$port/v1\"}}, $roles}" >sim.json
echo "{\"endpoints\": {\"sim\": {\"base_url\": \"http://127.0.0.1:$port/v1\", \"max_concurrent\": 2}}, $roles}" >slow.json
echo "{\"endpoints\": {\"dead\": {\"base_url\": \"http://127.0.0.1:9/v1\", \"max_retries\": 1, \"backoff_initial\": 0.001}}, $roles}" >dead.json
echo "{\"endpoints\": {\"sim\": {\"base_url\": \"http://127.0.0.1:$port/v1\"}}, $roles, \"budget\": {\"max_calls\": 5}}" >tiny.json
echo "{\"endpoints\": {\"a\": {\"base_url\": \"htp:/127.0.0.1::abc/v1\"}}, $roles}" >badurl.json
echo '{"modes": ["SSC"],' >broken.json
echo "not a cache" >notacache.sqlite
one=(--modes SSC --gates none --seeds 1 --steps 1 --quiet --resamples 0)

cell variants 0 "$bin" variants
cell variants 2 "$bin" variants --batch 0

cell run 0 "$bin" run "${one[@]}" --out done
cell run 2 "$bin" run --modes single-task --merges structured --out x
cell run 3 "$bin" run "${one[@]}" --data "$work/nowhere" --out x
cell run 4 "$bin" run "${one[@]}" --config badurl.json --out x
cell run 5 "$bin" run "${one[@]}" --config dead.json --out dead
cell run 6 "$bin" run "${one[@]}" --config tiny.json --out spent
mkdir held
flock held/lock sleep 60 &
holder=$!
until [ -e held/lock ]; do sleep 0.05; done
cell run 7 "$bin" run "${one[@]}" --out held
has run_7.err "in use by another judgegrad process"
interrupted run "[ -s 'slow/runs/SSC,seed=1/state.json' ]" "$bin" run --config slow.json --modes SSC --gates none --seeds 1 --steps 2 --quiet --out slow

cell resume 0 "$bin" resume done --quiet --resamples 0
cell resume 2 "$bin" resume "$work/nowhere"
cp -r "$JUDGEGRAD_DATA" data2 && chmod -R u+w data2
sed -i '1s/"fluency":5/"fluency":1/' data2/summeval/paper-test.jsonl
cmp -s data2/summeval/paper-test.jsonl "$JUDGEGRAD_DATA/summeval/paper-test.jsonl" && fail "the copied data were not changed"
cell resume 3 "$bin" resume done --data data2 --quiet
cell resume 4 "$bin" resume done --config sim.json --quiet
cell resume 5 "$bin" resume dead --quiet
cell resume 6 "$bin" resume spent --quiet
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
cp -r done held_done
flock held_done/lock sleep 60 &
holder=$!
sleep 0.2
cell resume 7 "$bin" resume held_done --quiet
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
holder=
before=$(completions)
interrupted resume "[ \"\$(completions)\" -gt $((before + 10)) ]" "$bin" resume slow --quiet

cp -r done damaged
truncate -s 10 "damaged/runs/SSC,seed=1/state.json"
cell report 0 "$bin" report done --resamples 0
cell report 2 "$bin" report "$work/nowhere"
cell report 7 "$bin" report damaged --resamples 0
cell check 0 "$bin" check done
cell check 2 "$bin" check "$work/nowhere"
cell check 7 "$bin" check damaged

two=(--modes SSC CCC --gates none --seeds 1 --steps 1 --quiet --resamples 0)
"$bin" run "${two[@]}" --shard 1/2 --out s1 >/dev/null 2>&1 || fail "shard 1 did not run"
"$bin" run "${two[@]}" --shard 2/2 --out s2 >/dev/null 2>&1 || fail "shard 2 did not run"
cell merge 0 "$bin" merge s1 s2 -o merged
cell merge 2 "$bin" merge s1 -o merged2

echo '{"name": "small", "dataset": "summeval", "modes": ["SSC"], "gates": ["none"], "seeds": [1], "steps": 1}' >small.json
cell slurm 0 "$bin" slurm small.json --shards 1 --out sweep
cell slurm 2 env PATH=/nonexistent "$bin" slurm small.json --shards 1 --out sweep2 --submit
[ -e sweep2 ] && fail "slurm --submit without sbatch wrote $(ls sweep2)"
cell slurm 4 "$bin" slurm broken.json --shards 1 --out sweep3
has slurm_4.err "broken.json: not valid JSON: line 2, column 1: expected a key in double quotes (the text ends here)"

cell cache 0 "$bin" cache stats done
cell cache 2 "$bin" cache stats "$work/nowhere"
cell cache 3 "$bin" cache stats notacache.sqlite

"$bin" run --modes single-task --gates mae --seeds 1 --steps 1 --quiet --resamples 0 --out single >/dev/null 2>&1 || fail "single-task did not run"
cell diagnose 0 "$bin" diagnose done --quiet --resamples 0
cell diagnose 2 "$bin" diagnose "$work/nowhere"
cell diagnose 4 "$bin" diagnose done --config badurl.json --quiet
cell diagnose 5 "$bin" diagnose done --config dead.json --quiet
cell diagnose 6 "$bin" diagnose done --config tiny.json --quiet
# Its 16 ratings, one at a time from an endpoint that takes 200 ms each, are interrupted once the
# first replies came back: seconds before the last would.
fast_pid=$pid fast_port=$port
start_serve "$bin" "$work/serve2.out" "$work/serve2.err" --latency-ms 200
slowest_port=$port slowest_pid=$pid
pid=$fast_pid port=$fast_port
echo "{\"endpoints\": {\"sim\": {\"base_url\": \"http://127.0.0.1:$slowest_port/v1\", \"max_concurrent\": 1}}, $roles}" >slowest.json
before=$(completions "$slowest_port")
interrupted diagnose "[ \"\$(completions $slowest_port)\" -gt $((before + 2)) ]" "$bin" diagnose single --config slowest.json --quiet --resamples 0
kill "$slowest_pid" 2>/dev/null; wait "$slowest_pid" 2>/dev/null || true
cell interference 0 "$bin" interference single --quiet --resamples 0 --repeats 1
cell interference 2 "$bin" interference single --gate foo
cell interference 4 "$bin" interference single --config badurl.json --quiet
cell interference 5 "$bin" interference single --config dead.json --quiet
before=$(completions)
interrupted interference "[ \"\$(completions)\" -gt $((before + 10)) ]" "$bin" interference single --config slow.json --quiet --resamples 0 --repeats 1

cell evaluate 0 "$bin" evaluate --limit 10 --resamples 0 --quiet
cell evaluate 2 "$bin" evaluate --limit -3
cell evaluate 3 "$bin" evaluate --data "$work/nowhere"
cell evaluate 4 "$bin" evaluate --config broken.json
cell evaluate 5 "$bin" evaluate --config dead.json --quiet
cell evaluate 6 "$bin" evaluate --config tiny.json --layout joint --limit 50 --quiet

cell serve 0 "$bin" serve --print-config
cell serve 2 "$bin" serve --port "$port"
cell serve 3 "$bin" serve --data "$work/nowhere" --port 0
cell serve 4 "$bin" serve --sim-config broken.json --port 0

cell observe 0 "$bin" observe done -o observed.json
cell observe 2 "$bin" observe "$work/nowhere"

# A calibration of one knob to the observations of `done` (SSC, one step), one world seed: quick.
calibration() {  # calibration <file> <observations> <train pattern>
  echo "{\"format\": \"judgegrad-calibration\", \"format_version\": 1, \"observations\": \"$2\", \"train\": [\"$3\"], \"held_out\": [\"SSC/none/step1*\"],
         \"knobs\": [\"judge.lapse\"], \"study\": {\"modes\": [\"SSC\"], \"gates\": [\"none\"], \"seeds\": [1], \"steps\": 1},
         \"world_seeds\": [1], \"evaluations\": 3}" >"$1"
}
calibration fits.json observed.json 'SSC/none/step0*'
# Observations no world can make: step 0 at 0.99 give or take 0.001.
python3 -c "
import json; d = json.load(open('observed.json'))
for o in d['observations']:
    if o['id'].startswith('SSC/none/step0'): o['value'], o['uncertainty'] = 0.99, {'standard_error': 0.001, 'n': 1, 'basis': 'made up'}
json.dump(d, open('impossible.json', 'w'))"
calibration nofit.json impossible.json 'SSC/none/step0*'
cell calibrate 0 "$bin" calibrate fits.json --out fitted --quiet
cell calibrate 2 "$bin" calibrate
cell calibrate 3 "$bin" calibrate fits.json --out fitted3 --data "$work/nowhere" --quiet
cell calibrate 4 "$bin" calibrate broken.json
cell calibrate 8 "$bin" calibrate nofit.json --out nofit --quiet
has calibrate_8.out "the world does not fit the training observations"

# The README's cells, one "command code" a line, against what was caused.
marked=$(awk -F'|' '/^\| `[a-z]+` \|/ {
  gsub(/[` ]/, "", $2); split("0 2 3 4 5 6 7 8 130", codes, " ")
  for (k = 1; k <= 9; k++) { v = $(k + 2); gsub(/ /, "", v); if (v == "✓") print $2 " " codes[k] } }' "$readme" | sort)
[ "$(printf '%s\n' "$marked" | wc -l)" -ge 50 ] || fail "README.md's table has only $(printf '%s\n' "$marked" | wc -l) cells"
done_cells=$(printf '%s\n' "${caused[@]}" | sort)
[ "$marked" = "$done_cells" ] || fail "README.md's table and the cells caused here differ:
$(diff <(printf '%s\n' "$marked") <(printf '%s\n' "$done_cells"))"
echo "every exit code of README.md's table: $(printf '%s\n' "$marked" | wc -l) cells caused and checked"
