#!/usr/bin/python3
"""Golden values for judgegrad's statistics, printed for tests/stats/metrics.cpp to compare against.

Correlations come from SciPy 1.10 (spearmanr, kendalltau tau-b, pearsonr) on the complete pairs;
MAE, RMSE, accuracy, off-by-k, quadratic weighted kappa and macro F1 from plain numpy formulas
(kappa from the weighted confusion matrix, F1 from per-label tp/fp/fn), independent of the C++ code.

Output, one case after another:
    case <id> <kind> <n>
    gold <values...>
    pred <values...>
    mask <0/1...>           (or "mask -" when there is none)
    <metric> <value>         (repr, so doubles round-trip exactly; "nan" when undefined, "skip" if not computed)
    used <complete pairs>
    end
"""
import argparse
import sys
import warnings

import numpy as np
import scipy
import scipy.stats

warnings.simplefilter("ignore")


def lengths(rng):
    # Log-uniform over 3..2000, so most cases are small and a few are long.
    return int(round(np.exp(rng.uniform(np.log(3), np.log(2000)))))


def make_case(rng, kind):
    n = lengths(rng)
    if kind == "likert":  # SummEval-like 1..5 with heavy ties and skew towards 5
        p5 = rng.uniform(0.2, 0.9)
        probs = np.array([1, 1, 1, 1, 0]) * (1 - p5) / 4 + np.array([0, 0, 0, 0, p5])
        gold = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=n, p=probs)
        noise = rng.normal(0, rng.uniform(0.2, 2.0), size=n)
        pred = np.clip(np.round(gold + noise), 1, 5)
    elif kind == "intensity":  # BRIGHTER-like 0..3
        gold = rng.choice([0.0, 1.0, 2.0, 3.0], size=n, p=[0.6, 0.2, 0.12, 0.08])
        pred = np.clip(np.round(gold * rng.uniform(-0.5, 1.2) + rng.normal(0, 1, size=n)), 0, 3)
    elif kind == "continuous":  # negatives, few ties, some correlation
        gold = rng.normal(rng.uniform(-50, 50), rng.uniform(0.1, 20), size=n)
        pred = gold * rng.uniform(-2, 2) + rng.normal(0, rng.uniform(0.1, 30), size=n)
    elif kind == "halves":  # means of two raters: multiples of 0.5, negative offsets
        gold = rng.integers(-4, 5, size=n) / 2.0
        pred = rng.integers(-4, 5, size=n) / 2.0
    elif kind == "thirds":  # means of three raters (the standard SummEval release): 1, 1.33, 1.67, ...
        gold = rng.integers(1, 6, size=(n, 3)).mean(axis=1)
        pred = np.clip(np.round(gold + rng.normal(0, 1, size=n)), 1, 5) if rng.uniform() < 0.5 else rng.integers(1, 6, size=(n, 3)).mean(axis=1)
    elif kind == "levels":  # a few dozen distinct reals per side, on both sides of 64 distinct values
        levels_g = rng.normal(0, 3, size=int(rng.integers(40, 90)))
        levels_p = rng.normal(0, 3, size=int(rng.integers(40, 90)))
        gold = rng.choice(levels_g, size=n)
        pred = rng.choice(levels_p, size=n) if rng.uniform() < 0.5 else np.round(gold * 4) / 4
        if rng.uniform() < 0.3:
            gold[rng.uniform(size=n) < 0.1] = -0.0
            pred[rng.uniform(size=n) < 0.1] = 0.0
    elif kind == "constant":  # one or both sides constant
        c = float(rng.integers(1, 6))
        gold = np.full(n, c)
        pred = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=n)
        which = rng.integers(0, 3)
        if which == 1:
            gold, pred = pred, gold
        elif which == 2:
            pred = np.full(n, c if rng.uniform() < 0.5 else c + 1)
    elif kind == "large":  # beyond the radix-sort threshold: continuous, or wide integers with ties
        n = int(rng.integers(4096, 12000))
        if rng.uniform() < 0.5:
            gold = rng.normal(0, 1, size=n)
            pred = gold + rng.normal(0, 1, size=n)
            gold[rng.uniform(size=n) < 0.01] = 0.0
            pred[rng.uniform(size=n) < 0.01] = -0.0
        elif rng.uniform() < 0.5:
            gold = rng.integers(-3000, 3000, size=n).astype(float)
            pred = gold + rng.integers(-2000, 2000, size=n)
        else:  # means of three raters, long
            gold = rng.integers(1, 6, size=(n, 3)).mean(axis=1)
            pred = np.clip(gold + rng.integers(-1, 2, size=(n, 3)).mean(axis=1), 1, 5)
    elif kind == "wide":  # integers too wide for counting, but fine-grained ties
        gold = rng.integers(0, 100000, size=n).astype(float) * 0.25
        pred = np.round(gold + rng.normal(0, 5000, size=n))
    else:  # "tiny": 1..4 pairs, the degenerate edge
        n = int(rng.integers(1, 5))
        gold = rng.choice([1.0, 2.0, 3.0], size=n)
        pred = rng.choice([1.0, 2.0, 3.0], size=n)
    gold = gold.astype(float)
    pred = pred.astype(float)
    # Missing values: NaN in either input, and sometimes a mask.
    if rng.uniform() < 0.4:
        frac = rng.uniform(0, 0.5)
        gold[rng.uniform(size=n) < frac * 0.3] = np.nan
        pred[rng.uniform(size=n) < frac] = np.nan
    mask = None
    if rng.uniform() < 0.25:
        mask = rng.uniform(size=n) >= rng.uniform(0, 0.5)
    return gold, pred, mask


def qwk_reference(g, p):
    if g.size == 0:
        return float("nan")
    labels = np.union1d(g, p)
    if labels.size > 300:
        return None
    gi = np.searchsorted(labels, g)
    pi = np.searchsorted(labels, p)
    k = labels.size
    observed = np.zeros((k, k))
    np.add.at(observed, (gi, pi), 1.0)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / g.size
    weights = (labels[:, None] - labels[None, :]) ** 2
    denom = (weights * expected).sum()
    if denom == 0:
        return float("nan")
    return 1.0 - (weights * observed).sum() / denom


def f1_reference(g, p):
    if g.size == 0:
        return float("nan")
    labels = np.union1d(g, p)
    gi = np.searchsorted(labels, g)
    pi = np.searchsorted(labels, p)
    tp = np.bincount(gi[g == p], minlength=labels.size).astype(float)
    in_gold = np.bincount(gi, minlength=labels.size).astype(float)
    in_pred = np.bincount(pi, minlength=labels.size).astype(float)
    fp = in_pred - tp
    fn = in_gold - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return float(f1.mean())


def metrics(gold, pred, mask):
    ok = ~np.isnan(gold) & ~np.isnan(pred)
    if mask is not None:
        ok &= mask
    g, p = gold[ok], pred[ok]
    n = g.size
    out = {}
    out["spearman"] = float(scipy.stats.spearmanr(g, p).correlation) if n >= 2 else float("nan")
    out["kendall"] = float(scipy.stats.kendalltau(g, p).correlation) if n >= 2 else float("nan")
    out["pearson"] = float(scipy.stats.pearsonr(g, p)[0]) if n >= 2 else float("nan")
    nan = float("nan")
    out["mae"] = float(np.mean(np.abs(p - g))) if n else nan
    out["rmse"] = float(np.sqrt(np.mean((p - g) ** 2))) if n else nan
    out["accuracy"] = float(np.mean(g == p)) if n else nan
    out["off_by_1"] = float(np.mean(np.abs(p - g) <= 1)) if n else nan
    out["off_by_2"] = float(np.mean(np.abs(p - g) <= 2)) if n else nan
    q = qwk_reference(g, p)
    out["qwk"] = "skip" if q is None else float(q)
    out["f1"] = f1_reference(g, p)
    return out, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2400)
    ap.add_argument("--large", type=int, default=0, help="extra cases of 4096..12000 pairs")
    args = ap.parse_args()
    if not scipy.__version__.startswith("1.10"):
        print(f"scipy {scipy.__version__} is not 1.10", file=sys.stderr)
    rng = np.random.default_rng(args.seed)
    kinds = ["likert"] * 5 + ["intensity"] * 2 + ["continuous"] * 2 + ["halves", "thirds", "levels", "constant", "tiny", "wide"]
    w = sys.stdout.write
    for case in range(args.cases + args.large):
        kind = kinds[case % len(kinds)] if case < args.cases else "large"
        gold, pred, mask = make_case(rng, kind)
        values, used = metrics(gold, pred, mask)
        w(f"case {case} {kind} {gold.size}\n")
        w("gold " + " ".join(repr(float(v)) for v in gold) + "\n")
        w("pred " + " ".join(repr(float(v)) for v in pred) + "\n")
        w("mask " + ("-" if mask is None else " ".join("1" if m else "0" for m in mask)) + "\n")
        for name, v in values.items():
            w(f"{name} {v if isinstance(v, str) else repr(v)}\n")
        w(f"used {used}\nend\n")


if __name__ == "__main__":
    main()
