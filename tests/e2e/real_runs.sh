#!/usr/bin/env bash
# Runs a researcher can trust, against a loopback endpoint that answers as OpenAI does (under a
# dated snapshot of the model asked for): every call priced by the model asked for, one figure in
# the records, the ledger and the endpoint's own bill; a budget that holds across kills; a resume
# that refuses another model or other data unless told; Ctrl-C and SIGTERM that commit and say how
# to go on; damaged run files mended by resume; nothing left behind by a refused run.
# Usage: real_runs.sh <judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
pid=
bg=
cleanup() {
  set +e  # cleaning up what is already gone must not fail a test that passed
  [ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "${mortal_pid:-}" ] && kill "$mortal_pid" 2>/dev/null
  [ -n "${revived_pid:-}" ] && kill "$revived_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -c 3000 "$f"; }; done
  exit 1
}
. "$(dirname "$0")/../support/expect.sh"
. "$(dirname "$0")/../support/start_serve.sh"
. "$(dirname "$0")/../support/same_runs.sh"
start_serve "$bin" "$work/serve.out" "$work/serve.err" --model-suffix -2024-07-18 --latency-ms 10
first_pid=$pid first_port=$port
cd "$work"

# The endpoint's own bill in USD at $0.15 / $0.60 per million prompt / completion tokens. A metrics
# page that cannot be read fails the test (it is never taken for zero).
bill() {
  local page
  page=$(curl -sf "http://127.0.0.1:$port/metrics") || fail "cannot read the server's /metrics"
  printf '%s\n' "$page" | awk '/^judgegrad_sim_tokens_total\{kind="prompt"\}/ { p = $2; n++ }
                               /^judgegrad_sim_tokens_total\{kind="completion"\}/ { c = $2; n++ }
                               END { if (n != 2) exit 1; printf "%.10f\n", (p * 0.15 + c * 0.60) / 1e6 }' || fail "no token counts on /metrics"
}
# close <a> <b> <tolerance>: |a - b| <= tolerance
close() { python3 -c "import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) <= t else 1)" "$1" "$2" "$3"; }
at_most() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(0 if a <= b else 1)" "$1" "$2"; }
config() {  # config <file> <model> <budget JSON>
  cat >"$1" <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1"}},
 "roles": {"judge": {"model": "$2"}, "loss": {"model": "$2"}, "gradient": {"model": "$2"}, "optimizer": {"model": "$2"}},
 "prices": {"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.60}, "gpt-4o": {"input_per_mtok": 0.15, "output_per_mtok": 0.60}},
 "budget": $3}
JSON
}
small=(--modes SSC --gates none --seeds 1 --quiet)

# 1. Priced by the model asked for, though every reply names gpt-4o-mini-2024-07-18: each call's
#    USD is its tokens at the configured price, and the ledger equals the endpoint's bill.
config priced.json gpt-4o-mini '{}'
before=$(bill)
prompt_before=$(server_metric 'judgegrad_sim_tokens_total{kind="prompt"}') completion_before=$(server_metric 'judgegrad_sim_tokens_total{kind="completion"}')
expect 0 priced "$bin" run --config priced.json "${small[@]}" --steps 1 --out priced
spent=$(python3 -c "print($(bill) - $before)")
billed_tokens="$(($(server_metric 'judgegrad_sim_tokens_total{kind="prompt"}') - prompt_before)) prompt + $(($(server_metric 'judgegrad_sim_tokens_total{kind="completion"}') - completion_before)) completion tokens"
at_most 0.01 "$spent" || fail "the endpoint billed only \$$spent"
close "$(jq .total.usd priced/spend.json)" "$spent" 1e-9 || fail "the ledger says $(jq .total.usd priced/spend.json), the endpoint billed $spent"
calls=$(cat priced/runs/*/steps.jsonl | jq -s '[.[].calls[]] | length')
[ "$calls" -gt 50 ] || fail "only $calls calls recorded"
[ "$(cat priced/runs/*/steps.jsonl | jq -s '[.[].calls[] | select(.model == "gpt-4o-mini" and .answered_by == "simulated:gpt-4o-mini-2024-07-18")] | length')" = "$calls" ] ||
  fail "not every call records the model asked for and the one that answered"
wrong=$(cat priced/runs/*/steps.jsonl | jq -s '[.[].calls[] | select(((.prompt_tokens * 0.15 + .completion_tokens * 0.60) / 1e6 - .usd) | fabs > 1e-12)] | length')
[ "$wrong" = 0 ] || fail "$wrong calls are not priced at tokens x configured price"
recorded=$(cat priced/runs/*/steps.jsonl | jq -s '[.[].calls[] | select(.served.cache_hit | not) | .usd] | add')
has priced.out "$(printf '$%.4f' "$recorded")"  # the closing line gives the records' figure
expect 0 priced_report "$bin" report priced --resamples 0
grep -qF "$(printf '| %.4f |' "$recorded")" priced/results/report.md || fail "the cost table does not give the records' figure"

# 2. A budget is the run's: killed twice, resumed, the endpoint never bills more than the budget
#    beyond the calls in flight at the kills (16 at most each, under $0.001 apiece here).
config budget.json gpt-4o-mini '{"max_usd": 0.3}'
before=$(bill)
kill_after() {  # kill_after <seconds> <command...>: runs it in the background, kill -9 after the time
  local seconds=$1
  shift
  "$@" >"$work/killed.out" 2>&1 &
  bg=$!
  sleep "$seconds"
  kill -9 "$bg" 2>/dev/null || true
  wait "$bg" 2>/dev/null || true
  bg=
}
kill_after 1 "$bin" run --config budget.json --modes SSC CCC --gates none --seeds 1 --steps 4 --quiet --out budget
[ -f budget/spend.json ] || fail "the first process left no ledger"
kill_after 1 "$bin" resume budget --quiet
rc=0
"$bin" resume budget >"$work/budget3.out" 2>"$work/budget3.err" || rc=$?
[ "$rc" = 6 ] || [ "$rc" = 0 ] || fail "the last resume exited $rc"
has budget3.out "budget of the whole run: spent \$"
has budget3.out "of \$0.3000 by earlier processes"
total=$(python3 -c "print($(bill) - $before)")
at_most "$total" 0.332 || fail "three processes under a \$0.30 budget were billed \$$total"
at_most "$(jq .total.usd budget/spend.json)" 0.3 || fail "the ledger exceeds the budget"
if [ "$rc" = 6 ]; then
  has budget3.err "The budget is the run's"
  # Raising it is explicit: another file's budget is refused, --budget-usd is taken and recorded.
  config more.json gpt-4o-mini '{"max_usd": 5}'
  expect 4 budget_file "$bin" resume budget --config more.json --quiet
  has budget_file.err "sets another budget than the run's"
  expect 0 budget_raised "$bin" resume budget --budget-usd 5 --quiet
  [ "$(jq .budget.max_usd budget/llm.json)" = 5 ] || fail "the raised budget is not the run's"
  grep -q '"event":"budget"' budget/events.jsonl || fail "the raised budget is not in events.jsonl"
fi

# 3. A resume never mixes models silently.
config a.json gpt-4o-mini '{"max_calls": 700}'
expect 6 mix_start "$bin" run --config a.json "${small[@]}" --steps 2 --out mix
config b.json gpt-4o '{"max_calls": 700}'
expect 4 mix_refused "$bin" resume mix --config b.json --budget-calls 100000 --quiet
has mix_refused.err "roles.judge.model: gpt-4o-mini -> gpt-4o"
has mix_refused.err "--allow-change"
expect 0 mix_allowed "$bin" resume mix --config b.json --budget-calls 100000 --allow-change --resamples 0
has mix_allowed.out "‡"
grep -q '"event":"backend_change"' mix/events.jsonl || fail "the change is not in events.jsonl"
[ "$(jq '.backend_changes[0].runs | length' mix/experiment.json)" = 1 ] || fail "the change does not name the run it touched"
expect 0 mix_report "$bin" report mix --resamples 0
has mix_report.out "Mixed backends"

# 4. Other data under the same sizes: one score changed is refused, exit 3.
cp -r "$JUDGEGRAD_DATA" data2
chmod -R u+w data2
python3 - data2/summeval/paper-test.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows[7]["fluency"] = 1 if rows[7]["fluency"] != 1 else 2
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
expect 3 otherdata "$bin" resume priced --data data2 --quiet
has otherdata.err "differ from those the experiment began with: test (digest"

# 5. Ctrl-C and SIGTERM: calls stop, what finished is committed, the tool says how to go on; the
#    resumed run ends where an uninterrupted one does (the same Table 1).
#    Two calls at a time, so that a run outlasts its first committed step by seconds.
cat >slow.json <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1", "max_concurrent": 2}},
 "roles": {"judge": {"model": "gpt-4o-mini"}, "loss": {"model": "gpt-4o-mini"}, "gradient": {"model": "gpt-4o-mini"}, "optimizer": {"model": "gpt-4o-mini"}},
 "prices": {"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.60}}}
JSON
expect 0 whole "$bin" run --config slow.json "${small[@]}" --steps 2 --out whole --resamples 50
for signal in INT TERM; do
  "$bin" run --config slow.json "${small[@]}" --steps 2 --out "int_$signal" --resamples 50 >"$work/int_$signal.out" 2>"$work/int_$signal.err" &
  bg=$!
  tries=0  # wait for the first committed step, not for the clock
  until [ -s "int_$signal/runs/SSC,seed=1/state.json" ]; do
    tries=$((tries + 1))
    [ $tries -gt 600 ] && fail "no step was committed before the $signal"
    sleep 0.05
  done
  kill -s "$signal" "$bg"
  rc=0
  wait "$bg" || rc=$?
  bg=
  want=$([ "$signal" = INT ] && echo 130 || echo 143)
  [ "$rc" = "$want" ] || fail "SIG$signal: exit $rc, expected $want"
  has "int_$signal.err" "interrupted: every finished step is kept"
  has "int_$signal.err" "judgegrad resume int_$signal"
  grep -q '"event":"interrupted"' "int_$signal/events.jsonl" || fail "the interruption is not in events.jsonl"
  expect 0 "resumed_$signal" "$bin" resume "int_$signal" --quiet --resamples 50
  diff <(sed -n '/^| /p' "int_$signal/results/table1.md") <(sed -n '/^| /p' whole/results/table1.md) >/dev/null ||
    fail "the run interrupted by SIG$signal and resumed ends otherwise than the whole run"
done

# A second Ctrl-C ends the process at once; what was committed stays, and resume finishes the run.
"$bin" run --config slow.json "${small[@]}" --steps 2 --out twice --resamples 50 >"$work/twice.out" 2>"$work/twice.err" &
bg=$!
tries=0
until [ -s "twice/runs/SSC,seed=1/state.json" ]; do
  tries=$((tries + 1))
  [ $tries -gt 600 ] && fail "no step was committed before the double Ctrl-C"
  sleep 0.05
done
kill -INT "$bg"
kill -INT "$bg"
rc=0
wait "$bg" || rc=$?
bg=
[ "$rc" = 130 ] || fail "a double Ctrl-C: exit $rc, expected 130"
expect 0 twice_resumed "$bin" resume twice --quiet --resamples 50
diff <(sed -n '/^| /p' twice/results/table1.md) <(sed -n '/^| /p' whole/results/table1.md) >/dev/null ||
  fail "the run ended by a double Ctrl-C and resumed ends otherwise than the whole run"

# 6. Damaged run files are mended by resume, whatever the offset they are cut at: a run whose
#    logs lost committed lines is redone from the response cache; the same Table 1 comes back.
expect 0 clean "$bin" run --modes SSC CCC --gates none --seeds 1 --steps 2 --out clean --quiet --resamples 50
RANDOM=20261206
cuts=0
for round in 1 2 3 4 5 6 7 8; do
  rm -rf cut
  cp -r clean cut
  run=$(ls cut/runs | sed -n "$((RANDOM % 2 + 1))p")
  files=(steps.jsonl predictions.jsonl summary.json state.json)
  file=${files[$((RANDOM % 4))]}
  size=$(stat -c %s "cut/runs/$run/$file")
  offset=$(((RANDOM * 32768 + RANDOM) % size))
  truncate -s "$offset" "cut/runs/$run/$file"
  cuts=$((cuts + 1))
  expect 7 "check_$round" "$bin" check cut
  has "check_$round.out" "run $run: $file"
  expect 7 "report_$round" "$bin" report cut --resamples 50
  has "report_$round.err" "damaged run"
  has "report_$round.out" "Damaged, left out"
  expect 0 "mend_$round" "$bin" resume cut --quiet --resamples 50
  has "mend_$round.err" "repaired: run $run"
  expect 0 "checked_$round" "$bin" check cut
  diff <(sed -n '/^| /p' cut/results/table1.md) <(sed -n '/^| /p' clean/results/table1.md) >/dev/null ||
    fail "round $round: $run/$file cut at $offset of $size bytes: resume reached another Table 1"
done
[ "$cuts" = 8 ] || fail "only $cuts cuts were made"

# 7. Nothing left behind by a refused run; two runs started at once on a new directory: one runs,
#    the other is told who holds it.
cat >dup.json <<'JSON'
{"name": "dup", "dataset": "summeval", "modes": ["SSC"], "gates": ["mae"], "seeds": [1], "steps": 1, "variants": ["SSC/gate=mae"]}
JSON
expect 4 dup "$bin" run --experiment dup.json --out dup
[ -e dup ] && fail "a refused definition left $(ls dup)"
mkdir empty
expect 4 dup_empty "$bin" run --experiment dup.json --out empty
[ -z "$(ls -A empty)" ] || fail "a refused definition left $(ls -A empty) in an empty directory"
"$bin" run "${small[@]}" --steps 1 --out race >"$work/race1.out" 2>"$work/race1.err" &
first=$!
"$bin" run "${small[@]}" --steps 1 --out race >"$work/race2.out" 2>"$work/race2.err" &
second=$!
rc1=0 rc2=0
wait "$first" || rc1=$?
wait "$second" || rc2=$?
codes=$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')
# Either both ran in turn (the second found the first's finished directory), or one was told.
if [ "$codes" = "0 7 " ]; then
  cat "$work/race1.err" "$work/race2.err" | grep -Eq "is in use by another judgegrad process \(pid [0-9]+\)|became the run directory of another judgegrad process" ||
    fail "the loser was not told who holds the directory"
else
  [ "$codes" = "0 0 " ] || fail "two runs on one new directory exited $rc1 and $rc2"
fi
# 8. Shards keep their own ledgers; merge adds them up.
expect 0 shard1 "$bin" run --config priced.json --modes SSC CCC --gates none --seeds 1 --steps 1 --quiet --resamples 0 --shard 1/2 --out sh1
expect 0 shard2 "$bin" run --config priced.json --modes SSC CCC --gates none --seeds 1 --steps 1 --quiet --resamples 0 --shard 2/2 --out sh2
expect 0 merged "$bin" merge sh1 sh2 -o merged
close "$(jq .total.usd merged/spend.json)" "$(python3 -c "print($(jq .total.usd sh1/spend.json) + $(jq .total.usd sh2/spend.json))")" 1e-12 ||
  fail "the merged ledger is not the shards' sum"
[ "$(jq .total.calls merged/spend.json)" = $(($(jq .total.calls sh1/spend.json) + $(jq .total.calls sh2/spend.json))) ] ||
  fail "the merged ledger's calls are not the shards' sum"

# 9. What the tool decided for the user is said at the start of a command that calls a model: the
#    reference's 5-hour quota and budget, and a price from the built-in table.
cat >ref.json <<JSON
{"task_model": {"name": "gpt-4o-mini"}, "loss_model": {"name": "gpt-4o-mini"}, "gradient_model": {"name": "gpt-4o-mini"},
 "optimizer_model": {"name": "gpt-4o-mini"}, "api_base": "http://127.0.0.1:$port/v1",
 "endpoints": {"e": {"endpoint_id": "e", "api_key": "\${JUDGEGRAD_TEST_KEY}", "max_calls_5h": 10000, "budget_5h_usd": 100}}}
JSON
export JUDGEGRAD_TEST_KEY=sk-test-not-a-key
expect 0 reference "$bin" run --config ref.json "${small[@]}" --steps 1 --resamples 0 --out ref
has reference.err "max_calls_5h 10000 (summed over endpoints) becomes a rate of 33.3 requests/min with bursts of up to 18000 s"
has reference.err "budget_5h_usd 100 becomes a budget of \$100.00 for the whole run"
has reference.err "gpt-4o-mini is priced at \$0.15 in / \$0.6 out per million tokens from judgegrad's table of list prices"
has reference.out "budget of the whole run: spent \$0.0000 of \$100.0000"
# ... and the reference's output_dir is the working directory's, not the file's.
mkdir -p conf elsewhere
printf '{"llm": "../ref.json", "dataset": "SummEval", "steps": 1, "batch_size": 3, "eval_every": 1, "seed": 42, "output_dir": "out-here"}' >conf/exp.json
(cd elsewhere && "$bin" run --experiment ../conf/exp.json --modes SSC --gates none --quiet --resamples 0 >"$work/refexp.out" 2>"$work/refexp.err") ||
  fail "the reference's experiment file did not run: $(cat "$work/refexp.err")"
[ -f elsewhere/out-here/experiment.json ] || fail "output_dir was not taken from the working directory"

# 10. Messages: names and nearest spellings, flags that do not apply, the command resumed, no
#     intervals claimed without resamples, an unwritable --json found before anything is computed.
printf '{"name": "t", "dataset": "summeval", "modes": ["SSC"], "gates": ["none"], "seeds": [1], "steps": 1, "variants": ["%s"]}' \
  "SSC/merge=conflict_resolvin" >typo.json
expect 4 typo "$bin" run --experiment typo.json --out typo
has typo.err "variants[0]: \"SSC/merge=conflict_resolvin\" is not a variant judgegrad compiled; nearest: SSC/merge=conflict_resolving"
[ -e typo ] && fail "a misspelt variant left a directory"
printf '{"name": "t", "dataset": "summeval", "modes": ["SSC"], "gates": ["none"], "seeds": [1], "steps": 1, "variants": ["%s"]}' \
  "SSC/layout=per_criterion/gate=mae" >order.json
expect 0 order "$bin" run --experiment order.json --out order --quiet --resamples 0
[ "$(jq -r '.runs[1]' order/experiment.json)" = "SSC,gate=mae,layout=per_criterion,seed=1" ] || fail "the parts in another order were not read as one variant"
expect 0 all_variants "$bin" variants --all
grep -qx "SSC/merge=conflict_resolving" all_variants.out || fail "variants --all lacks a compiled remedy"
[ "$(wc -l <all_variants.out)" -gt 300 ] || fail "variants --all lists only $(wc -l <all_variants.out)"
expect 2 notapplicable "$bin" run --modes single-task --layouts per_criterion --out na
has notapplicable.err "--layouts does not apply to the modes single-task"
expect 0 resumed_words "$bin" resume order --resamples 0
has resumed_words.out "judgegrad resume: t — 2 runs on summeval (paper split), 1 step each"
grep -q "95%" order/results/table1.md && fail "--resamples 0 still speaks of 95% intervals"
expect 2 json_sys "$bin" report order --json /sys/x.json
has json_sys.err "--json /sys/x.json: cannot write this file"
expect 2 nothing "$bin"
has nothing.err "give a command; the commands are"
has nothing.err "  run "
# 11. cache stats and cache export agree with the cache file read by SQLite itself, with the replies
#     the priced run said it made and with the tokens the endpoint billed for them (section 1).
expect 0 cache_stats "$bin" cache stats priced
expect 0 cache_export "$bin" cache export priced --out priced-cache.jsonl
rows=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from responses').fetchone()[0])" priced/cache.sqlite)
[ "$rows" -gt 50 ] || fail "the priced run's cache holds only $rows replies"
[ "$(wc -l <priced-cache.jsonl)" = "$rows" ] || fail "cache export wrote $(wc -l <priced-cache.jsonl) lines for $rows entries"
has priced.out "this process made $rows replies (0 from the cache)"
has cache_stats.out "priced/cache.sqlite: $rows entries, $billed_tokens"
[ "$(jq -s '[.[].prompt_tokens] | add' priced-cache.jsonl)" = "${billed_tokens%% *}" ] || fail "the exported prompt tokens differ from the endpoint's bill"
[ "$(jq -s '[.[] | select(.model == "gpt-4o-mini" and .answered_by == "simulated:gpt-4o-mini-2024-07-18")] | length' priced-cache.jsonl)" = "$rows" ] ||
  fail "an exported entry lacks the model asked for or the one that answered"

# 12. A backend that dies mid-run: run, then resume, exit 5 keeping what was done; once the endpoint
#     answers again at the same address, resume finishes the run, equal to one never interrupted.
start_serve "$bin" "$work/mortal.out" "$work/mortal.err" --latency-ms 20
mortal_pid=$pid mortal_port=$port
pid=$first_pid port=$first_port
cat >mortal.json <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$mortal_port/v1", "max_retries": 1, "backoff_initial": 0.001, "max_concurrent": 2}},
 "roles": {"judge": {"model": "m"}, "loss": {"model": "m"}, "gradient": {"model": "m"}, "optimizer": {"model": "m"}}}
JSON
expect 0 immortal "$bin" run --config mortal.json "${small[@]}" --steps 2 --out immortal  # the same endpoint, alive throughout
"$bin" run --config mortal.json "${small[@]}" --steps 2 --out mortal >mortal_run.out 2>mortal_run.err &
bg=$!
until [ -s "mortal/runs/SSC,seed=1/steps.jsonl" ]; do  # a step committed (an event): the endpoint dies
  kill -0 "$bg" 2>/dev/null || fail "the run against the mortal endpoint ended before its first step"
  sleep 0.05
done
kill "$mortal_pid"; wait "$mortal_pid" 2>/dev/null || true
mortal_pid=
rc=0; wait "$bg" || rc=$?; bg=
[ "$rc" = 5 ] || fail "a run whose endpoint died exited $rc, expected 5"
[ "$(jq -s length "mortal/runs/SSC,seed=1/steps.jsonl")" -ge 1 ] || fail "the steps done before the endpoint died were lost"
expect 5 mortal_resume "$bin" resume mortal --quiet
start_serve "$bin" "$work/revived.out" "$work/revived.err" --latency-ms 20 --port "$mortal_port"
revived_pid=$pid
pid=$first_pid port=$first_port
expect 0 revived "$bin" resume mortal --quiet --resamples 0
kill "$revived_pid"; wait "$revived_pid" 2>/dev/null || true
revived_pid=
same_runs immortal mortal

echo "real runs: priced, budgeted, resumed, interrupted, mended, refused as they should be"
