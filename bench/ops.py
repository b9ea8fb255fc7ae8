#!/usr/bin/env python3
"""Counts the operators a profiled training step dispatches from the host (examples/
step_bench.rs --profile DIR, libtorch's profiler), as Markdown: per profile the top-level
operators per step (those no other operator contains: each is one trip through libtorch's
dispatcher, and on CUDA one or more kernel launches), and the names that dispatch the most.
On a GPU whose step is bound by the host launching kernels (seed-cnn's: docs/benchmarks.md,
"On a GPU"), these counts are what a CUDA graph or fewer operators would save; on the CPU
(`step_bench --device cpu --channels-last --profile DIR`) they are measured without a GPU.

    bench/ops.py DIR [STEPS] [TOP]     # STEPS: steps per profile (2, as step_bench records)"""
import collections
import csv
import os
import sys


def top_level(rows):
    """The CPU operators that no other CPU operator contains (by their time intervals)."""
    ops = sorted(((int(r["start_ns"]), int(r["start_ns"]) + int(r["dur_ns"]), r["name"])
                  for r in rows if r["device"] == "cpu"), key=lambda o: (o[0], -o[1]))
    out, end = [], -1
    for start, stop, name in ops:
        if start >= end:
            out.append(name)
            end = stop
        # else: inside the operator that began last at or before it
    return out


def main():
    d = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    print("| profile | operators per step | the most dispatched (per step) |")
    print("| --- | --- | --- |")
    for f in sorted(os.listdir(d)):
        if not f.endswith(".tsv"):
            continue
        with open(os.path.join(d, f)) as fh:
            names = top_level(list(csv.DictReader(fh, delimiter="\t")))
        counts = collections.Counter(names).most_common(top)
        most = ", ".join(f"{n} {c / steps:g}" for n, c in counts)
        print(f"| {f[:-4]} | {len(names) / steps:g} | {most} |")


if __name__ == "__main__":
    main()
