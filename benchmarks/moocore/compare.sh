#!/usr/bin/env bash
# Times judgegrad's exact hypervolume against moocore's (github.com/multi-objective/moocore) on the
# same points in one process. moocore is not a dependency of judgegrad: name a checkout of it.
#   benchmarks/moocore/compare.sh MOOCORE_CHECKOUT [Google Benchmark options]
# Prints each case's time ratio (moocore time / judgegrad time; > 1: judgegrad is faster).
set -euo pipefail
checkout=${1:?usage: benchmarks/moocore/compare.sh MOOCORE_CHECKOUT [benchmark options]}
shift
here=$(cd "$(dirname "$0")" && pwd)
src=$checkout/c
[[ -f $src/hv.c ]] || { echo "compare.sh: $src/hv.c not found: is $checkout a moocore checkout?" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in hv hv3dplus hv4d hvc3d hv_contrib libutil; do
  gcc -O3 -DNDEBUG -std=gnu11 -c "$src/$f.c" -o "$out/$f.o"
done
g++ -std=c++20 -O2 -DNDEBUG -I"$here/../../include" "$here/compare.cpp" "$out"/*.o -o "$out/compare" -lbenchmark -lpthread -lfmt
"$out/compare" "$@"
