# Sourced by the shell tests that drive `judgegrad serve`.
# start_serve <binary> <stdout file> <stderr file> [serve options...]: starts the server on a free
# loopback port (or the --port given) in the background and waits until it listens; sets $pid and
# $port. On failure it calls the caller's `fail <message>`.
start_serve() {
  _serve_bin=$1 _serve_out=$2 _serve_err=$3
  shift 3
  _serve_port="--port 0"  # (POSIX sh: some of the scripts that source this are not bash)
  for _serve_arg in "$@"; do [ "$_serve_arg" = --port ] && _serve_port=""; done
  # shellcheck disable=SC2086
  "$_serve_bin" serve $_serve_port "$@" >"$_serve_out" 2>"$_serve_err" &
  pid=$!
  _serve_tries=0
  while ! grep -q "listening on" "$_serve_out" 2>/dev/null; do
    _serve_tries=$((_serve_tries + 1))
    [ $_serve_tries -gt 300 ] && fail "the server did not start"
    kill -0 "$pid" 2>/dev/null || fail "the server exited early"
    sleep 0.05
  done
  port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$_serve_out")
  [ -n "$port" ] || fail "no port in the listening line"
}
# server_metric <name> [port] [curl options...]: the sum of the values of the /metrics lines that
# start with <name> (a metric's name, or a name with its labels). A page that cannot be read, or
# one without such a line, fails the test, also inside $(...) (the reason goes to stderr).
server_metric() {
  _metric_name=$1 _metric_at=${2:-$port}
  shift
  [ $# -gt 0 ] && shift
  _metric_page=$(curl -sf "$@" "http://127.0.0.1:$_metric_at/metrics") || {
    echo "FAIL: cannot read the server's /metrics (127.0.0.1:$_metric_at)" >&2
    fail "cannot read the server's /metrics (127.0.0.1:$_metric_at)"
  }
  printf '%s\n' "$_metric_page" | awk -v name="$_metric_name" 'index($0, name) == 1 { n += $2; found = 1 } END { if (!found) exit 1; print n }' || {
    echo "FAIL: no $_metric_name on the server's /metrics" >&2
    fail "no $_metric_name on the server's /metrics"
  }
}
