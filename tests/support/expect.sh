# Sourced by the shell tests that drive the judgegrad tool; they define $work and `fail <message>`.
# expect <code> <name> <command...>: runs it (stdout, stderr to $work/<name>.out/.err), checks the exit code
expect() {
  want=$1 name=$2
  shift 2
  rc=0
  "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit code $rc, expected $want"
}
# has <file under $work> <text>: the file holds the text
has() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks: $2"; }
