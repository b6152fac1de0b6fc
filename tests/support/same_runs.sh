# Sourced by the shell tests that compare run directories; they define $work and `fail <message>`.
# canon DIR [PATTERN]: the runs under DIR/runs (those whose id holds PATTERN) with what differs
# between executions removed (tests/support/canon.py).
_canon_py="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)/canon.py"
canon() { python3 "$_canon_py" "$1" "${2:-}" || fail "cannot read the runs of $1"; }
# same_runs A B [PATTERN]: the runs of run directories A and B are equal (as canon shows them).
same_runs() {
  canon "$1" "${3:-}" >"$work/a.canon"
  canon "$2" "${3:-}" >"$work/b.canon"
  cmp -s "$work/a.canon" "$work/b.canon" || { diff "$work/a.canon" "$work/b.canon" | head -c 2000; fail "runs of $1 and $2 differ"; }
}
