#!/usr/bin/python3
"""judgegrad's correlations and bootstrap against SciPy 1.10 on the same data, as ratios.

Writes the data (n = 480 Likert scores with SummEval-like ties, n = 100,000 correlated normals),
runs bench.stats_correlation on it (built with -O2, see docs/statistics.md), times SciPy on the
same arrays in this process, and prints SciPy time / judgegrad time. CPU time on both sides, so
other load on the machine affects the ratio less.

    /usr/bin/python3 benchmarks/stats_vs_scipy.py [path/to/bench.stats_correlation]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
import warnings

import numpy as np
import scipy
import scipy.stats

warnings.simplefilter("ignore")


def data(n, rng):
    if n < 10_000:
        gold = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=n, p=[0.05, 0.1, 0.2, 0.25, 0.4])
        pred = np.clip(np.round(gold + rng.normal(0, 1, size=n)), 1, 5)
    else:
        gold = rng.normal(size=n)
        pred = gold + rng.normal(size=n)
    return gold, pred


def averaged(n, rng):
    """Gold: the mean of three raters' 1..5 scores (1, 4/3, 5/3, ...), as the standard SummEval
    release gives them; pred: Likert scores near it."""
    gold = rng.integers(1, 6, size=(n, 3)).mean(axis=1)
    pred = np.clip(np.round(gold + rng.normal(0, 1, size=n)), 1, 5)
    return gold, pred


def cpu_seconds(f):
    t = timeit.Timer(f, timer=time.process_time)
    number, _ = t.autorange()
    number = max(number, 1)
    return min(t.repeat(3, number)) / number


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/stats-release/benchmarks/bench.stats_correlation"
    rng = np.random.default_rng(2026)
    arrays = {n: data(n, rng) for n in (480, 100_000)}
    means = {n: averaged(n, rng) for n in (480, 100_000)}
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, sets in (("n", arrays), ("a", means)):
            for n, (g, p) in sets.items():
                with open(os.path.join(tmp, f"{prefix}{n}.txt"), "w") as f:
                    f.write(" ".join(repr(float(v)) for v in g) + "\n" + " ".join(repr(float(v)) for v in p) + "\n")
        out = os.path.join(tmp, "bench.json")
        subprocess.run([binary, "--benchmark_filter=^(spearman|kendall|pearson)(_averaged)?/|^bootstrap_spearman$",
                        f"--benchmark_out={out}", "--benchmark_out_format=json", "--benchmark_repetitions=3",
                        "--benchmark_report_aggregates_only=true"],
                       check=True, env=dict(os.environ, JUDGEGRAD_BENCH_DATA=tmp), stdout=subprocess.DEVNULL)
        with open(out) as f:
            report = json.load(f)
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    ours = {}
    for b in report["benchmarks"]:
        if b.get("aggregate_name") == "median":
            ours[b["run_name"]] = b["cpu_time"] * unit[b["time_unit"]]

    g480, p480 = arrays[480]
    cases = []
    for name, f in (("spearman", scipy.stats.spearmanr), ("kendall", scipy.stats.kendalltau),
                    ("pearson", scipy.stats.pearsonr)):
        for n in (480, 100_000):
            g, p = arrays[n]
            cases.append((f"{name} n={n}", cpu_seconds(lambda: f(g, p)), ours[f"{name}/{n}"],
                          "20x" if n == 480 else "1x"))
    for name, f, targets in (("spearman", scipy.stats.spearmanr, ("20x", "5x")), ("kendall", scipy.stats.kendalltau, ("30x", "10x"))):
        for n, target in zip((480, 100_000), targets):
            g, p = means[n]
            cases.append((f"{name} n={n}, gold = means of 3", cpu_seconds(lambda: f(g, p)), ours[f"{name}_averaged/{n}"], target))
    start = time.process_time()
    scipy.stats.bootstrap((g480, p480), lambda x, y: scipy.stats.spearmanr(x, y).correlation, paired=True,
                          vectorized=False, n_resamples=10_000, method="BCa", random_state=1)
    cases.append(("bootstrap BCa 10k, spearman n=480", time.process_time() - start, ours["bootstrap_spearman"], "20x"))

    print(f"SciPy {scipy.__version__}, numpy {np.__version__}; CPU time per call")
    print(f"{'case':36} {'SciPy':>12} {'judgegrad':>12} {'ratio':>9}  target")
    ok = True
    for label, theirs, mine, target in cases:
        ratio = theirs / mine
        ok = ok and ratio >= float(target[:-1])
        print(f"{label:36} {theirs * 1e6:10.1f}us {mine * 1e6:10.1f}us {ratio:8.1f}x  >= {target}")
    print("all targets met" if ok else "some targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
