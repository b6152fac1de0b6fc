# Sourced by the shell tests that drive `judgegrad serve`.
# start_serve <binary> <stdout file> <stderr file> [serve options...]: starts the server on a free
# loopback port in the background and waits until it listens; sets $pid and $port. On failure it
# calls the caller's `fail <message>`.
start_serve() {
  _serve_bin=$1 _serve_out=$2 _serve_err=$3
  shift 3
  "$_serve_bin" serve --port 0 "$@" >"$_serve_out" 2>"$_serve_err" &
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
