#!/usr/bin/python3
"""BCa intervals as SciPy 1.10 computes them, for tests/stats/uncertainty.cpp to compare against.

Given the data, a statistic and a bootstrap distribution (the resampled values judgegrad drew), this
computes the interval with SciPy's own BCa code (scipy.stats._resampling._bca_interval: the bias
correction from the share of resamples below the estimate, ties counted half; the acceleration from
SciPy's own jackknife of the statistic on the data) and numpy.percentile, as scipy.stats.bootstrap
does with method='BCa' and paired data. Nothing of judgegrad's C++ enters but the resampled values.

Input (a file named on the command line), one line each:
    statistic mean|variance|spearman     (of gold; of gold; of the pairs)
    alpha <(1 - confidence) / 2>
    gold <values...>
    pred <values...>
    theta_b <resampled values...>
Output: "lower <v>", "upper <v>", "acceleration <v>", "bias_correction <v>" (repr, exact doubles).
"""
import sys

import numpy as np
import scipy.stats
from scipy.special import ndtri
from scipy.stats._resampling import _bca_interval, _percentile_of_score


def statistic_of(name, gold, pred):
    def one(i):
        g, p = gold[i], pred[i]
        if name == "mean":
            return g.mean()
        if name == "variance":  # of integers, exact but for the division, as the C++ test computes it
            n = len(g)
            return (n * (g * g).sum() - g.sum() ** 2) / n**2
        if name == "spearman":
            return scipy.stats.spearmanr(g, p).correlation
        raise SystemExit(f"unknown statistic {name}")

    def statistic(i, axis=-1):  # SciPy passes item indices: 1-D for the estimate, 2-D for the jackknife
        i = np.asarray(i)
        return np.float64(one(i)) if i.ndim == 1 else np.apply_along_axis(one, -1, i)

    return statistic


def main():
    fields = {}
    with open(sys.argv[1]) as f:
        for line in f:
            key, *values = line.split()
            fields[key] = values
    name = fields["statistic"][0]
    alpha = float(fields["alpha"][0])
    gold = np.array([float(v) for v in fields["gold"]])
    pred = np.array([float(v) for v in fields["pred"]])
    theta_b = np.array([float(v) for v in fields["theta_b"]])
    statistic = statistic_of(name, gold, pred)
    data = (np.arange(len(gold)),)
    alpha_1, alpha_2, a_hat = _bca_interval(data, statistic, -1, alpha, theta_b, None)
    theta_hat = statistic(data[0])
    z0 = ndtri(_percentile_of_score(theta_b, theta_hat, -1))
    print("lower", repr(float(np.percentile(theta_b, alpha_1 * 100))))
    print("upper", repr(float(np.percentile(theta_b, alpha_2 * 100))))
    print("acceleration", repr(float(a_hat)))
    print("bias_correction", repr(float(z0)))


if __name__ == "__main__":
    main()
