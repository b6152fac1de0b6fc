#!/bin/sh
# The forward pass end to end, as a user runs it: `judgegrad serve` on loopback plays the LLM,
# `judgegrad evaluate --config` reaches it through the HTTP client, the cache and the meter, and
# the report must equal, line for line, the one made by the in-process simulator (the simulator
# answers from the request's content alone). A second run must be answered from the cache alone
# (replay-only: a miss would be an error), with the same report.
# Usage: evaluate_over_http.sh <path to the judgegrad binary>   (JUDGEGRAD_DATA names the data)
set -eu
bin="$1"
work=$(mktemp -d)
pid=
cleanup() { set +e; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do echo "--- $f"; cat "$f"; done; exit 1; }

. "$(dirname "$0")/../support/start_serve.sh"
start_serve "$bin" "$work/serve.out" "$work/serve.err" --rate-429 0.05 --rate-5xx 0.05 --retry-after 0

config() {  # config <cache mode>
  cat >"$work/llm.json" <<JSON
{
  "endpoints": {"sim": {"base_url": "http://127.0.0.1:$port/v1", "max_concurrent": 16, "max_retries": 8,
                        "backoff_initial": 0.001, "backoff_max": 0.01}},
  "roles": {"judge": {"model": "judgegrad-sim", "temperature": 0.1, "max_tokens": 256}},
  "cache": {"path": "cache.sqlite", "mode": "$1"}
}
JSON
}
tables() { grep -E '^(fluency|relevance|coherence|consistency|mean) ' "$1"; }
args="evaluate --limit 60 --resamples 200"

"$bin" $args >"$work/local.out" 2>"$work/local.err" || fail "in-process evaluation"
grep -q "SIMULATED LLM" "$work/local.out" || fail "the in-process run does not say it is simulated"
config read_write
"$bin" $args --config "$work/llm.json" >"$work/http.out" 2>"$work/http.err" || fail "evaluation over HTTP"
[ "$(tables "$work/local.out")" = "$(tables "$work/http.out")" ] || fail "HTTP and in-process reports differ"
[ "$(tables "$work/local.out" | wc -l)" -eq 14 ] || fail "expected 14 report lines (two layouts, one comparison)"
# Hits: the first call went alone before the batch (a dead endpoint fails there), then in it; and a
# request a batch holds twice is sent once. The meter's account goes to stderr, in words.
grep -Eq '[0-9]+ calls to the endpoints \([1-9][0-9]* answered from the cache, 0 failed\)' "$work/http.err" ||
  fail "the first run over HTTP should hit the cache for its first call"

kill "$pid"; wait "$pid" || true; pid=
config replay_only
"$bin" $args --config "$work/llm.json" >"$work/replay.out" 2>"$work/replay.err" || fail "replay from the cache"
[ "$(tables "$work/local.out")" = "$(tables "$work/replay.out")" ] || fail "the replayed report differs"
echo "evaluate over HTTP and from the cache equals the in-process report"
