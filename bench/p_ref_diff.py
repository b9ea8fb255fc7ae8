"""Two score-genome p_ref bigWigs of the same regions compared: the positions scored, those
scored in one only, and the largest |p_ref difference| (the device benchmarks' check that CUDA
predicts what the CPU does).
    python3 bench/p_ref_diff.py A.bw B.bw "label"
"""
import sys

import numpy as np
import pyBigWig

a, b = (pyBigWig.open(p) for p in sys.argv[1:3])
worst, n, one_only = 0.0, 0, 0
for chrom, length in a.chroms().items():
    x, y = (np.array(t.values(chrom, 0, length), dtype=float) for t in (a, b))
    ok = ~np.isnan(x) & ~np.isnan(y)
    one_only += int((np.isnan(x) != np.isnan(y)).sum())
    n += int(ok.sum())
    worst = max(worst, float(np.abs(x[ok] - y[ok]).max())) if ok.any() else worst
print(f"- {sys.argv[3]}: {n} positions, {one_only} scored in one only, "
      f"largest |p_ref difference| {worst:.2e}")
