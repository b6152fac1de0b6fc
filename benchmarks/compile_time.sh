#!/usr/bin/env bash
# Compile-time cost of composing variants: one translation unit runs optimize<V> for every variant
# of a grid of 1, 8, 40 or 80 variants (8 decomposition modes x 5 gates x 2 judge layouts), built
# with GCC 12 and Clang 14 at -O2; prints seconds and peak memory of each compile (/usr/bin/time -v)
# as a Markdown table. Targets: 80 variants in one TU under 90 s and 4 GB.
#   benchmarks/compile_time.sh [OUT.md]      (about 5 minutes on 2 cores; compiles run one at a time)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/dev/stdout}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -x /usr/bin/time ]] || { echo "compile_time.sh: /usr/bin/time is missing (Debian package: time)" >&2; exit 2; }

unit() {  # $1: modes, $2: gates, $3: layouts (each a comma-separated list of type names)
  cat <<CPP
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim.hpp>
namespace jg = judgegrad;
namespace hana = boost::hana;
using se = jg::summeval::all;
struct nothing_backend {  // a chat backend that answers nothing: only the composition is compiled
  std::vector<jg::llm::result> complete(std::span<const jg::llm::request> batch) {
    jg::llm::error e;
    e.kind = jg::llm::error_kind::cancelled;
    e.message = "no model";
    return std::vector<jg::llm::result>(batch.size(), jg::llm::result(e));
  }
};
constexpr auto grid = jg::grid<se>(hana::tuple_t<$1>, hana::tuple_t<$2>, hana::tuple_t<$3>);
std::size_t run_all(const jg::data::splits<se>& data) {
  nothing_backend backend;
  std::size_t steps = 0;
  jg::for_each_variant(grid, [&](auto v) {
    steps += jg::optimize<typename decltype(v)::type>(backend, jg::judge::summeval_prompt<se>(), data).steps.size();
  });
  return steps;
}
CPP
}

modes="jg::sss, jg::ssc, jg::scs, jg::scc, jg::css, jg::csc, jg::ccs, jg::ccc"
gates="jg::gate::always, jg::gate::non_regression<jg::metric::mae>, jg::gate::non_regression<jg::metric::spearman>, jg::gate::paired<jg::metric::mae>, jg::gate::pareto<jg::metric::mae>"
layouts="jg::layout::joint, jg::layout::per_criterion"
unit "jg::sss" "jg::gate::always" "jg::layout::joint" >"$work/v1.cpp"
unit "$modes" "jg::gate::always" "jg::layout::joint" >"$work/v8.cpp"
unit "$modes" "$gates" "jg::layout::joint" >"$work/v40.cpp"
unit "$modes" "$gates" "$layouts" >"$work/v80.cpp"

{
  echo "| variants | compiler | seconds | peak memory (MB) |"
  echo "|---:|---|---:|---:|"
  for compiler in g++-12 clang++-14; do
    for n in 1 8 40 80; do
      /usr/bin/time -v "$compiler" -std=c++20 -O2 -I"$root/include" -c "$work/v$n.cpp" -o "$work/v$n.o" 2>"$work/time.txt" ||
        { cat "$work/time.txt" >&2; exit 1; }
      seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/time.txt")
      peak=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/time.txt")
      echo "| $n | $("$compiler" --version | head -1) | $seconds | $peak |"
    done
  done
} >"$out"
