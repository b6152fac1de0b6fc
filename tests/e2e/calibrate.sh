#!/usr/bin/env bash
# `judgegrad calibrate` recovers what it should: observations made on a world whose knobs are set
# away from the preset (judge.lapse 0.45, judge.coverage_gain 0.35, another world seed) are fitted
# from the preset's 0.6 and 0.6; the fit must find the knobs within three of its standard errors
# (and a tenth of their ranges) and the held-out rows inside their intervals. With the training
# values shuffled between steps and criteria, the same fit must report that nothing fits. Killed
# midway and run again, it simulates only what was missing; run once more, nothing.
# Usage: calibrate.sh <judgegrad binary>   (JUDGEGRAD_DATA names the data directory)
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
bg=
cleanup() {
  set +e
  [ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -c 2500 "$f"; }; done
  exit 1
}
. "$(dirname "$0")/../support/expect.sh"
cd "$work"

# The observed world, and what it observed.
echo '{"judge": {"lapse": 0.45, "coverage_gain": 0.9}, "seed": 977}' >true.json
expect 0 observed "$bin" run --modes single-task SSS --gates none --seeds 1 2 --steps 3 --sim-config true.json --out observed --quiet --resamples 0
has observed.out "knobs of a knob file"
expect 0 observe "$bin" observe observed -o observed.json

cat >calibration.json <<'JSON'
{"format": "judgegrad-calibration", "format_version": 1, "name": "recover",
 "observations": "observed.json",
 "train": ["single-task/*"], "held_out": ["SSS/*"],
 "knobs": ["judge.lapse", "judge.coverage_gain"],
 "study": {"modes": ["single-task", "SSS"], "gates": ["none"], "seeds": [1, 2], "steps": 3},
 "world_seeds": [1, 2], "evaluations": 14}
JSON

# Killed midway (once some evaluations are in the file), then run again to the end.
"$bin" calibrate calibration.json --out fit >killed.out 2>killed.err &
bg=$!
for _ in $(seq 600); do
  [ -f fit/evaluations.jsonl ] && [ "$(wc -l <fit/evaluations.jsonl)" -ge 12 ] && break
  kill -0 "$bg" 2>/dev/null || fail "calibrate ended before it was killed"
  sleep 0.2
done
kill -9 "$bg"
wait "$bg" 2>/dev/null || true
bg=
kept=$(($(wc -l <fit/evaluations.jsonl) - 1))
expect 0 resumed "$bin" calibrate calibration.json --out fit --quiet
python3 - "$kept" <<'PY' || fail "the calibration did not recover the knobs"
import json, sys
r = json.load(open("fit/calibration.json"))
truth = {"judge.lapse": 0.45, "judge.coverage_gain": 0.9}
for k in r["knobs"]:
    t, v, se, width = truth[k["knob"]], k["value"], k["standard_error"], k["upper"] - k["lower"]
    print(f'{k["knob"]}: fitted {v:.3f} +- {se:.3f}, true {t} ({abs(v - t) / se:.1f} standard errors, {100 * abs(v - t) / width:.0f}% of its range)')
    assert abs(v - t) <= 0.1 * width, k
print(f'train loss {r["loss"]:.2f} (p {r["fit_p"]:.3f}); held out: rms z {r["held_out_rms_z"]:.2f}, {100 * r["held_out_inside"]:.0f}% inside; '
      f'{r["simulations"]} simulated, {r["cached"]} from the file, {r["evaluations"]} evaluations, {r["seconds"]:.0f} s')
assert r["fits"] and r["held_out"] == 28 and r["held_out_inside"] >= 0.75, r
assert r["cached"] >= int(sys.argv[1]), "the evaluations kept before the kill were simulated again"
PY
cp fit/fitted.json fitted-first.json
grep -q '"lapse"' fit/fitted.json || fail "fitted.json holds no knobs"
# The fitted world runs.
expect 0 fitted_run "$bin" run --modes single-task --gates none --seeds 1 --steps 1 --sim-config fit/fitted.json --out fitted-run --quiet --resamples 0

# Run again: every evaluation from the file, the same fit.
expect 0 again "$bin" calibrate calibration.json --out fit --quiet
has again.out "0 simulated studies"
cmp -s fit/fitted.json fitted-first.json || fail "a calibration run again from its evaluations fitted other knobs"

# Shuffled: the training values permuted among the training observations of each quantity.
python3 - <<'PY'
import json, random
d = json.load(open("observed.json"))
rng = random.Random(7)
for q in {o["quantity"] for o in d["observations"]}:
    idx = [i for i, o in enumerate(d["observations"]) if o["quantity"] == q and o["id"].startswith("single-task/")]
    values = [d["observations"][i]["value"] for i in idx]
    rng.shuffle(values)
    for i, v in zip(idx, values):
        d["observations"][i]["value"] = v
json.dump(d, open("shuffled.json", "w"))
s = json.load(open("calibration.json"))
s["observations"] = "shuffled.json"
json.dump(s, open("shuffled-calibration.json", "w"))
PY
# The true trajectory rises (coverage_gain 0.9); shuffled, the values no longer do, and no knobs
# fit them: exit 8, the report says so (measured: loss 413 against the true values' 41).
expect 8 shuffled "$bin" calibrate shuffled-calibration.json --out shuffled --quiet
has shuffled.out "does not fit the training observations"
python3 - <<'PY' || fail "the shuffled observations fitted nearly as well as the true ones"
import json
true, shuffled = json.load(open("fit/calibration.json")), json.load(open("shuffled/calibration.json"))
print(f'loss: true {true["loss"]:.2f}, shuffled {shuffled["loss"]:.2f} (p {shuffled["fit_p"]:.2g})')
assert shuffled["loss"] >= 5 * true["loss"] and not shuffled["fits"]
PY

# Bad input: named, exit 4.
echo '{"format": "judgegrad-calibration", "format_version": 1, "observations": "observed.json", "train": ["*"], "knobs": ["judge.nosie"]}' >bad.json
expect 4 bad_knob "$bin" calibrate bad.json --out bad
has bad_knob.err "'judge.nosie' is not a knob a calibration can fit"
echo '{"format": "judgegrad-calibration", "format_version": 1, "observations": "observed.json", "train": ["single-task/none/step7*"], "knobs": ["judge.lapse"]}' >none.json
expect 4 no_train "$bin" calibrate none.json --out none
has no_train.err "matches \"train\""
echo "calibrate: recovered, resumed, refused the shuffled observations and the bad files"
