#!/bin/sh
# `judgegrad serve` as a user runs it: it listens on loopback, curl gets OpenAI-shaped answers, a
# bearer token is enforced, and SIGTERM or SIGINT stop it cleanly with exit code 0.
# Usage: serve_cli.sh <path to the judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -eu
bin="$1"
work=$(mktemp -d)
pid=
cleanup() { set +e; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
out="$work/out"
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out" || true; echo "--- stderr"; cat "$work/err" || true; exit 1; }

runs=0
. "$(dirname "$0")/../support/start_serve.sh"
start() {  # start <args...>: runs the server on a free port, sets pid and port
  # A fresh output file each time: the background shell may truncate a reused one too late.
  runs=$((runs + 1))
  out="$work/out.$runs"
  start_serve "$bin" "$out" "$work/err" "$@"
}

stop() {  # stop <signal name>: sends it, expects a clean exit
  kill "-$1" "$pid"
  rc=0
  wait "$pid" || rc=$?
  pid=
  [ "$rc" -eq 0 ] || fail "exit code $rc after SIG$1"
  grep -q "SIG$1 received, stopped after" "$out" || fail "no clean-stop message after SIG$1"
}

body='{"model": "judgegrad-sim", "messages": [{"role": "user", "content": "## Scores\n- fluency: predicted 2, human 5\n"}], "metadata": {"judgegrad_role": "loss"}}'

start --seed 7
curl -sf "http://127.0.0.1:$port/health" | grep -q '"simulated":true' || fail "/health"
curl -sf "http://127.0.0.1:$port/v1/models" | grep -q '"id":"judgegrad-sim"' || fail "/v1/models"
reply=$(curl -sf "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' -d "$body") || fail "completion"
echo "$reply" | grep -q '"object":"chat.completion"' || fail "not a chat completion: $reply"
echo "$reply" | grep -q 'too low, so the judge was too harsh by 3 points' || fail "not the loss critique: $reply"
echo "$reply" | grep -q '"usage":{"prompt_tokens":' || fail "no usage: $reply"
curl -sf "http://127.0.0.1:$port/metrics" | grep -q 'judgegrad_sim_completions_total{outcome="ok"} 1' || fail "/metrics"
stop TERM

export JUDGEGRAD_SERVE_TEST_KEY=k3y
start --api-key-env JUDGEGRAD_SERVE_TEST_KEY --rate-429 1 --retry-after 9
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" -d "$body")
[ "$code" = 401 ] || fail "expected 401 without a token, got $code"
headers=$(curl -s -D - -o /dev/null -H 'Authorization: Bearer k3y' "http://127.0.0.1:$port/v1/chat/completions" -d "$body")
echo "$headers" | grep -q '^HTTP/1.1 429' || fail "expected 429: $headers"
echo "$headers" | grep -qi '^Retry-After: 9' || fail "expected Retry-After: 9: $headers"
stop INT

# A second server proxies to a first one, with faults in front.
start --seed 7
first=$port
first_pid=$pid
first_out=$out
pid=
start --upstream "http://127.0.0.1:$first/v1" --rate-5xx 1
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" -d "$body")
case "$code" in 500|502|503) ;; *) fail "expected a 5xx from the proxy, got $code" ;; esac
stop TERM
start --upstream "http://127.0.0.1:$first/v1"
curl -sf "http://127.0.0.1:$port/v1/chat/completions" -d "$body" | grep -q 'too harsh by 3 points' || fail "proxied completion"
stop TERM
pid=$first_pid
out=$first_out
stop TERM

# Bad input is a clear error, not a crash.
rc=0
"$bin" serve --port 0 --data "$work/nowhere" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" -eq 3 ] || fail "a missing data directory should exit 3 (data), got $rc"
grep -q "nowhere" "$work/err" || fail "the error should name the missing path"
echo '{"judge": {"nosie": 1}}' >"$work/bad.json"
rc=0
"$bin" serve --sim-config "$work/bad.json" --print-config >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" -eq 4 ] && grep -q "unknown knob 'judge.nosie'" "$work/err" || fail "a bad knob should exit 4 (configuration) naming it"
"$bin" serve --preset noiseless --print-config | grep -q '"noise":0' || fail "--print-config"
echo "ok"
