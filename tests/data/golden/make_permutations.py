#!/usr/bin/python3
"""Writes permutations.txt, the truth tests/data/splits.cpp checks judgegrad::data::permutation
against: for each (seed, n), NumPy's legacy numpy.random.RandomState(seed).permutation(n) (what
pandas' df.sample(frac=1, random_state=seed) reorders rows by), and for a few seeds the first
raw 32-bit MT19937 draws. Run from this folder with /usr/bin/python3 (Debian's NumPy).

Line format:  perm <seed> <n> <p0> <p1> ...   |   raw <seed> <u0> <u1> ...
"""
import numpy as np

cases = [(0, 1), (0, 10), (1, 10), (42, 160), (42, 480), (42, 2768), (3, 160), (12, 100),
         (2**32 - 1, 37), (7, 1000), (123456789, 5), (42, 100)]
with open("permutations.txt", "w") as out:
    for seed, n in cases:
        p = np.random.RandomState(seed).permutation(n)
        out.write(f"perm {seed} {n} " + " ".join(map(str, p)) + "\n")
    for seed in (0, 5489, 42, 2**32 - 1):
        bitgen = np.random.MT19937()
        bitgen._legacy_seeding(seed)
        raw = [int(x) for x in bitgen.random_raw(8)]
        out.write(f"raw {seed} " + " ".join(map(str, raw)) + "\n")
