#!/usr/bin/env bash
# judgegrad runs from a clone with nothing beside it: the data sets ship in its data/ folder, the
# tool finds them from where it was built (a build directory inside the clone) or installed
# (<prefix>/share/judgegrad/data), and a one-step run works from any other working directory with
# no JUDGEGRAD_DATA. The clone is of the committed tree.
# Usage: fresh_clone.sh <judgegrad binary> <source tree> <build tree>
set -euo pipefail
bin=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
if ! git -C "$src" rev-parse --verify -q HEAD >/dev/null; then
  echo "SKIP: $src is not a git repository with a commit to clone"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -c 2000 "$f"; }; done; exit 1; }
. "$(dirname "$0")/../support/expect.sh"
unset JUDGEGRAD_DATA

git clone --quiet --no-hardlinks "$src" "$work/box/judgegrad"
[ "$(ls -A "$work/box")" = judgegrad ] || fail "the clone has something beside it"
clone="$work/box/judgegrad"
# Every data file, byte for byte as in the source tree, and the README with sources and licences.
count=0
for f in summeval/paper-train.jsonl summeval/paper-test.jsonl summeval/docsplit-train.jsonl summeval/docsplit-test.jsonl \
         brighter/eng-train.csv brighter/eng-dev.csv brighter/eng-test.csv brighter/paper-train.jsonl brighter/paper-test.jsonl; do
  cmp -s "$clone/data/$f" "$src/data/$f" || fail "data/$f differs in the clone (or is missing)"
  count=$((count + 1))
done
[ "$count" = 9 ] || fail "checked $count data files, not 9"
grep -q "CC BY 4.0" "$clone/data/README.md" && grep -q "MIT" "$clone/data/README.md" || fail "data/README.md does not give the licences"

# The tool as built inside the clone, run from elsewhere.
mkdir -p "$clone/build/release/examples/cli" "$work/elsewhere"
cp "$bin" "$clone/build/release/examples/cli/judgegrad"
cd "$work/elsewhere"
expect 0 clone_run "$clone/build/release/examples/cli/judgegrad" run --modes SSC --gates none --seeds 1 --steps 1 --out one --quiet --resamples 0
[ "$(jq -r .data.directory one/experiment.json)" = "$clone/data" ] || fail "the run read $(jq -r .data.directory one/experiment.json), not the clone's data"
grep -q "^| SSC | none |" one/results/table1.md || fail "no Table 1 row for the run"

# The installed tool, run from elsewhere.
cmake --install "$build" --prefix "$work/prefix" >"$work/install.out" 2>&1 || fail "cmake --install failed"
[ -f "$work/prefix/share/judgegrad/data/summeval/paper-test.jsonl" ] || fail "the data were not installed"
expect 0 installed_run "$work/prefix/bin/judgegrad" run --modes SSC --gates none --seeds 1 --steps 1 --out two --quiet --resamples 0
[ "$(jq -r .data.directory two/experiment.json)" = "$work/prefix/share/judgegrad/data" ] ||
  fail "the installed tool read $(jq -r .data.directory two/experiment.json), not its installed data"
echo "a clone with nothing beside it runs, from its build and installed"
