#!/usr/bin/env bash
# The HTML report in a real browser (headless Chromium), from a small simulated experiment run as
# a user runs it: run, diagnose, interference, report. Checks that the page loads without a
# console error and fetches nothing (self-contained), that "SIMULATED" is in its title, and that
# every chart is labelled (title, description, axis labels, a data table beside it) and has drawn
# marks for the right number of series: per configuration a trajectory with one series per
# criterion plus the mean, the HVI curve (one per TextGrad configuration), interference (4),
# specificity by mode (3) and by criterion (one per mode), calls by role (4), tokens (2). Saves
# a screenshot (and a PDF print) in ARTIFACTS.
# Skipped (exit 77) without Chromium, unless JUDGEGRAD_REQUIRE_BROWSER=1 (CI sets it).
# Usage: report_browser.sh <judgegrad binary> <artifact directory>   (JUDGEGRAD_DATA names the data)
set -u
bin=$1
artifacts=$2
here=$(cd "$(dirname "$0")" && pwd)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  if [ "${JUDGEGRAD_REQUIRE_BROWSER:-0}" = 1 ]; then echo "FAIL: no chromium on PATH"; exit 1; fi
  echo "no chromium on PATH (apt-get install chromium): skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done; exit 1; }
. "$here/../support/expect.sh"
cd "$work"
mkdir -p "$artifacts"

expect 0 run "$bin" run --modes single-task SSC CCC --gates mae --seeds 1 2 --steps 2 --out rd --quiet --resamples 100
expect 0 diagnose "$bin" diagnose rd --quiet --resamples 200
expect 0 interference "$bin" interference rd --quiet --repeats 1 --resamples 200
expect 0 report "$bin" report rd --resamples 100
for f in table1.md report.md report.html diagnostics.md interference.md; do [ -s "rd/results/$f" ] || fail "rd/results/$f was not written"; done
grep -q '<script' rd/results/report.html && fail "the report holds a script"
grep -qE '(src|href)="(https?:)?//' rd/results/report.html && fail "the report links to the network"

# The page as the browser drew it, with the check appended.
{ sed '/^<\/body>$/,$d' rd/results/report.html; [ -n "${JUDGEGRAD_BREAK_REPORT:-}" ] && echo "$JUDGEGRAD_BREAK_REPORT"; echo '<script>window.__errors=[];window.addEventListener("error",e=>window.__errors.push(String(e.message)));'
  cat "$here/report_check.js"; echo '</script></body></html>'; } >check.html
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions --enable-logging=stderr --v=0)
"$browser" "${flags[@]}" --virtual-time-budget=5000 --dump-dom "file://$work/check.html" >dom.out 2>browser.err || fail "chromium --dump-dom failed"
# The report holds no script: any console message (an error, a failed parse) is a defect.
if grep -q ':CONSOLE' browser.err; then grep ':CONSOLE' browser.err; fail "the browser console was not silent"; fi
python3 - "$work/dom.out" <<'PY' || fail "the browser check failed"
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="judgegrad-check">(.*?)</pre>', dom, re.S)
assert m, "the check did not run"
r = json.loads(html.unescape(m.group(1)))
problems = []
if "SIMULATED" not in r["title"]: problems.append("title lacks SIMULATED: " + r["title"])
if r["errors"]: problems.append("page errors: %s" % r["errors"])
if r["resources"]: problems.append("the page fetched: %s" % r["resources"])
expected = {"d0-trajectory-0": 5, "d0-trajectory-1": 5, "d0-trajectory-2": 5, "d0-hvi": 2, "d0-interference": 4,
            "d0-specificity-mode": 3, "d0-specificity-criterion": 3, "d0-calls": 4, "d0-tokens": 2}
seen = {c["id"]: c for c in r["charts"]}
if sorted(seen) != sorted(expected): problems.append("charts %s, expected %s" % (sorted(seen), sorted(expected)))
for cid, n in expected.items():
    c = seen.get(cid)
    if not c: continue
    if c["declared"] != n or len(c["series"]) != n: problems.append("%s: %d series drawn, %d declared, %d expected" % (cid, len(c["series"]), c["declared"], n))
    for s in c["series"]:
        if s["drawn"] == 0 or s["drawn"] != s["marks"]: problems.append("%s: series %s drew %d of %d marks" % (cid, s["name"], s["drawn"], s["marks"]))
    if not c["title"] or not c["desc"] or not c["labelled"]: problems.append(cid + ": title or description missing")
    if not c["axis_labels"] or any(not t for t in c["axis_labels"]): problems.append(cid + ": axis labels missing")
    if len(c["legend"]) != n: problems.append("%s: legend has %d entries" % (cid, len(c["legend"])))
    if not c["has_data_table"]: problems.append(cid + ": no data table behind it")
    if c["width"] < 100: problems.append(cid + ": drawn %g px wide" % c["width"])
print("%d charts checked: %s" % (len(r["charts"]), ", ".join("%s (%d series)" % (c["id"], len(c["series"])) for c in r["charts"])))
if problems:
    print("\n".join(problems)); sys.exit(1)
PY
"$browser" "${flags[@]}" --window-size=1280,3600 --screenshot="$artifacts/report.png" "file://$work/rd/results/report.html" >shot.out 2>shot.err || fail "screenshot failed"
[ -s "$artifacts/report.png" ] || fail "no screenshot"
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$artifacts/report.pdf" "file://$work/rd/results/report.html" >pdf.out 2>pdf.err || fail "printing failed"
[ -s "$artifacts/report.pdf" ] || fail "no PDF"
cp rd/results/report.html "$artifacts/report.html"
echo "screenshot: $artifacts/report.png; PDF: $artifacts/report.pdf"
