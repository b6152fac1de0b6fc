#!/bin/sh
# The judgegrad tool as a new user meets it: every failure class has its exit code and a message in
# the tool's words, nothing is spent before the outputs are known to be writable, what answered is
# what the report says, and it runs from any directory.
# Usage: cli.sh <path to the judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -eu
bin="$1"
work=$(mktemp -d)
pid=
pid2=
cleanup() { set +e; [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid2" ] && kill "$pid2" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }
. "$(dirname "$0")/../support/expect.sh"

. "$(dirname "$0")/../support/start_serve.sh"
start_serve "$bin" "$work/serve.out" "$work/serve.err"
requests() { server_metric judgegrad_sim_completions_total; }

# Usage errors, in the tool's words, exit 2.
expect 2 unknown "$bin" optimize
has unknown.err "unknown command 'optimize'; the commands are"
expect 2 limit "$bin" evaluate --limit -3
has limit.err "must be 0 or more, not -3"
expect 2 batch "$bin" variants --batch 0
has batch.err "must be 1 or more, not 0"
# The reference's accounting of the paper preset, dealt into shards: 339,936 calls on SummEval
# (docs/experiments.md), the shards' calls adding up to it; BRIGHTER's five criteria and 2767 test items.
expect 0 variants "$bin" variants --shards 5
has variants.out "all    48    339936"
[ "$(awk '$1 ~ /^[0-9]\/5$/ { n += $3 } END { print n }' "$work/variants.out")" = 339936 ] || fail "the shards' calls do not add up to 339936"
[ "$(awk '$1 ~ /^[0-9]\/5$/ { n += $2 } END { print n }' "$work/variants.out")" = 48 ] || fail "the shards' runs do not add up to 48"
expect 0 variants_brighter "$bin" variants --dataset brighter --shards 2
has variants_brighter.out "on BRIGHTER (5 criteria), batch 3, 100 validation and 2767 test items"
has variants_brighter.out "single-task (x5 runs)"
has variants_brighter.out "all    54   1988622"
expect 2 serveconfig "$bin" serve --config llm.json
has serveconfig.err "simulator's knobs as --sim-config"
# An unwritable output is found before the first call: the server sees nothing.
cat >"$work/llm.json" <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1", "max_retries": 2, "backoff_initial": 0.001}},
 "roles": {"judge": {"model": "judgegrad-sim"}}}
JSON
before=$(requests)
expect 2 unwritable "$bin" evaluate --config "$work/llm.json" --predictions "$work/no/such/dir/p.jsonl"
has unwritable.err "cannot write this file"
[ "$(requests)" = "$before" ] || fail "a call was made before the output path was checked"

# Data and configuration errors: 3 and 4.
expect 3 nodata "$bin" evaluate --data "$work/none"
has nodata.err "pass --data DIR or set JUDGEGRAD_DATA"
cat >"$work/hot.json" <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1"}}, "roles": {"judge": {"model": "m", "temperature": 99}}}
JSON
expect 4 hot "$bin" evaluate --config "$work/hot.json"
has hot.err "roles.judge.temperature: 99 is outside 0..2"

# A dead endpoint: exit 5 after one request's retries, saying what failed.
cat >"$work/dead.json" <<JSON
{"endpoints": {"dead": {"base_url": "http://127.0.0.1:9/v1", "max_retries": 2, "backoff_initial": 0.001}},
 "roles": {"judge": {"model": "m"}}}
JSON
expect 5 dead "$bin" evaluate --config "$work/dead.json"
has dead.err "the first call to the endpoints of"
has dead.err "transport"
# A budget that runs out: the refused calls are counted, coverage falls short, exit 6.
cat >"$work/budget.json" <<JSON
{"endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1"}}, "roles": {"judge": {"model": "judgegrad-sim"}},
 "budget": {"max_calls": 10}}
JSON
expect 6 budget "$bin" evaluate --config "$work/budget.json" --layout joint --limit 50 --quiet
has budget.err "budget_exhausted"
has budget.err "coverage below --min-coverage"

# Through the server, from another directory: labelled SIMULATED by what answered; JSON report;
# no intervals with --resamples 0; progress only without --quiet.
cd "$work"
expect 0 http "$bin" evaluate --config "$work/llm.json" --limit 40 --resamples 0 --json "$work/report.json" --predictions "$work/p.jsonl"
head -1 "$work/http.out" | grep -q "(SIMULATED)" || fail "the first line does not say SIMULATED"
grep -q '"simulated":true' "$work/report.json" || fail "the JSON report does not say simulated"
grep -q '"kendall":{"value":' "$work/report.json" || fail "the JSON report lacks Kendall"
grep -q '\[' "$work/http.out" && fail "--resamples 0 printed an interval"
grep -q '"layout":"per_criterion"' "$work/p.jsonl" || fail "predictions lack their layout"
grep -q '"model":"simulated:judgegrad-sim"' "$work/p.jsonl" || fail "predictions lack the model that answered"
grep -q "calls" "$work/http.err" || fail "no progress lines on stderr"
expect 0 quiet "$bin" evaluate --limit 20 --resamples 0 --quiet
[ -s "$work/quiet.err" ] && fail "--quiet printed on stderr"
expect 0 intervals "$bin" evaluate --limit 20 --resamples 100 --json "$work/r2.json" --quiet
grep -q '"method":"percentile bootstrap over items"' "$work/r2.json" || fail "the interval method is not named"
has intervals.out "spearman [95% CI]"
has intervals.out "kendall [95% CI]"

# The reference's own llm.json schema (four DeepSeek roles, one endpoint with its limits and a USD
# budget): first as shipped (api_base null: OpenRouter), then pointed at the loopback server.
reference() {
  cat >"$work/ref.json" <<JSON
{"task_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 4096, "temperature": 0.1, "timeout": 60},
 "optimizer_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 16384, "temperature": 0.7, "timeout": 600},
 "gradient_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 8192, "temperature": 0.7, "timeout": 600},
 "loss_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 1024, "temperature": 0.7, "timeout": 60},
 "endpoints": {"endpoint_0": {"endpoint_id": "endpoint_0", "api_key": "\${OPENROUTER_API_KEY}", "max_calls_5h": 10000,
                              "max_calls_1w": 50000, "budget_5h_usd": 100, "max_concurrent": 10}},
 "api_base": $1, "load_balancing": "RoundRobin", "endpoint_env_vars": []}
JSON
}
export OPENROUTER_API_KEY=sk-or-v1-test-0000000000000000
reference null
expect 5 refnull "$bin" evaluate --config "$work/ref.json" --limit 1 --quiet  # OpenRouter is not reachable from here
has refnull.err "openrouter.ai"
reference "\"http://127.0.0.1:$port/v1\""
expect 0 ref "$bin" evaluate --config "$work/ref.json" --limit 30 --resamples 0 --quiet
has ref.err "judgegrad's table of list prices"
grep -q "^mean .*+0\\." "$work/ref.out" || fail "the reference file gave no scores"
# Only the judge's model is needed to evaluate.
cat >"$work/task_only.json" <<JSON
{"task_model": {"name": "judgegrad-sim"}, "api_base": "http://127.0.0.1:$port/v1"}
JSON
expect 0 taskonly "$bin" evaluate --config "$work/task_only.json" --limit 10 --resamples 0 --quiet

# Faithful mode's abort names the layout and what to do.
expect 5 faithful "$bin" evaluate --faithful --resamples 0 --quiet
has faithful.err "the per_criterion layout"
has faithful.err "run without --faithful"

# One port, one server.
expect 2 second "$bin" serve --port "$port"
has second.err "already in use"
echo "the tool's exit codes, messages and labels hold"
