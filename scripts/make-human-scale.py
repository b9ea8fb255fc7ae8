#!/usr/bin/env python3
"""A genome of human size and shape from real sequence, for the human-scale benchmark
(issue 29): 24 chromosomes of GRCh38's lengths scaled to 3.1 Gb (chr1 about 250 Mb), built
from the real genomes in ../shared/data (about 45 Mb: Z. tritici, D. melanogaster chr4, yeast
chrI, S. aureus, C. elegans) as a mosaic of

- diverged copies (20-30% of bases substituted) of long stretches of the pool: sequence with
  real local composition that occurs nowhere else, the "unique" bulk (about 55%);
- copies of a library of 2,000 repeat elements (300 bases to 6 kb of the pool): old ones at
  8-20% divergence (about 28%), young ones at 0.5-5% (about 12%);
- segmental duplications: 10-200 kb of the genome already made, copied at 0.2-3% divergence,
  often onto another chromosome (about 5%);
- N: 10 kb telomeres and a centromere gap of 0.5-1.5% of each chromosome (1.2-3.7 Mb on chr1).

Soft-masking (lowercase) is carried from the source, so mask-repeats finds repeats. Seeded and
reproducible; about 4 minutes and 7 GB of memory; the output is plain FASTA (3.1 GB) with its
.fai. Not committed: generate it on demand.

    scripts/make-human-scale.py -o /big/disk/human-scale.fa [--seed 29] [--scale 1.0]
"""

import argparse
import gzip
import pathlib
import subprocess
import sys
import time

import numpy as np

DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
# GRCh38 primary chromosome lengths
LENGTHS = [
    ("chr1", 248956422), ("chr2", 242193529), ("chr3", 198295559), ("chr4", 190214555),
    ("chr5", 181538259), ("chr6", 170805979), ("chr7", 159345973), ("chr8", 145138636),
    ("chr9", 138394717), ("chr10", 133797422), ("chr11", 135086622), ("chr12", 133275309),
    ("chr13", 114364328), ("chr14", 107043718), ("chr15", 101991189), ("chr16", 90338345),
    ("chr17", 83257441), ("chr18", 80373285), ("chr19", 58617616), ("chr20", 64444167),
    ("chr21", 46709983), ("chr22", 50818468), ("chrX", 156040895), ("chrY", 57227415),
]
TARGET = 3_101_000_000

COMP = np.zeros(256, dtype=np.uint8)
for a, b in zip(b"ACGTacgtNn", b"TGCAtgcaNn"):
    COMP[a] = b
UPPER = np.frombuffer(b"ACGT", dtype=np.uint8)
CODE = np.full(256, 255, dtype=np.uint8)
for i, (u, l) in enumerate(zip(b"ACGT", b"acgt")):
    CODE[u] = i
    CODE[l] = i


def read_pool():
    """Every A/C/G/T of the real genomes, case kept, one array (N runs dropped)."""
    parts = []
    for f in sorted(DATA.iterdir()):
        if not (f.name.endswith(".fa") or f.name.endswith(".fa.gz")):
            continue
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rb") as h:
            seq = b"".join(line.strip() for line in h if not line.startswith(b">"))
        arr = np.frombuffer(seq, dtype=np.uint8)
        parts.append(arr[CODE[arr] != 255])
    return np.concatenate(parts)


def mutate(seg, rate, rng):
    """Substitutes a `rate` share of bases by one of the three others, case kept."""
    seg = seg.copy()
    hit = np.flatnonzero(rng.random(seg.size) < rate)
    if hit.size:
        old = CODE[seg[hit]]
        new = (old + rng.integers(1, 4, hit.size, dtype=np.uint8)) % 4
        lower = seg[hit] >= 97
        seg[hit] = UPPER[new] + 32 * lower
    return seg


def piece(pool, start, length, rng):
    s = pool[start:start + length]
    return COMP[s[::-1]] if rng.random() < 0.5 else s


def chromosome(length, pool, library, made, rng):
    out = np.empty(length, dtype=np.uint8)
    out[:10_000] = ord("N")
    out[-10_000:] = ord("N")
    gap = int(length * rng.uniform(0.005, 0.015))
    gap_at = int(length * rng.uniform(0.3, 0.6))
    at = 10_000
    end = length - 10_000
    while at < end:
        if gap_at <= at < gap_at + gap:
            n = min(gap_at + gap, end) - at
            out[at:at + n] = ord("N")
            at += n
            continue
        kind = rng.random()
        if kind < 0.55:
            n = int(rng.integers(2_000, 40_000))
            s = int(rng.integers(0, pool.size - n))
            seg = mutate(piece(pool, s, n, rng), rng.uniform(0.20, 0.30), rng)
        elif kind < 0.95:
            el = library[int(rng.integers(0, len(library)))]
            young = kind >= 0.83
            rate = rng.uniform(0.005, 0.05) if young else rng.uniform(0.08, 0.20)
            seg = mutate(COMP[el[::-1]] if rng.random() < 0.5 else el, rate, rng)
        else:
            src = made[int(rng.integers(0, len(made)))] if made and rng.random() < 0.7 else out[10_000:at]
            n = int(rng.integers(10_000, 200_000))
            if src.size <= n + 1:
                continue
            s = int(rng.integers(0, src.size - n))
            seg = src[s:s + n]
            if (seg == ord("N")).any():
                continue
            seg = mutate(COMP[seg[::-1]] if rng.random() < 0.5 else seg, rng.uniform(0.002, 0.03), rng)
        n = min(seg.size, end - at, (gap_at - at) if at < gap_at else end - at)
        out[at:at + n] = seg[:n]
        at += n
    return out


def write_fasta(f, name, seq):
    f.write(f">{name}\n".encode())
    full = seq.size // 60 * 60
    lines = np.hstack([seq[:full].reshape(-1, 60), np.full((full // 60, 1), 10, dtype=np.uint8)])
    f.write(lines.tobytes())
    if seq.size > full:
        f.write(seq[full:].tobytes() + b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True, type=pathlib.Path)
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the human size (for a quick try)")
    args = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(args.seed)
    pool = read_pool()
    library = []
    for _ in range(2000):
        n = int(rng.integers(300, 6_001))
        s = int(rng.integers(0, pool.size - n))
        library.append(pool[s:s + n].copy())
    factor = TARGET / sum(n for _, n in LENGTHS) * args.scale
    made = []
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "wb") as f:
        for name, n in LENGTHS:
            seq = chromosome(int(n * factor), pool, library, made, rng)
            write_fasta(f, name, seq)
            made.append(seq)
            print(f"{name}: {seq.size} bases ({time.time() - t0:.0f} s)", file=sys.stderr)
    tmp.rename(args.output)
    subprocess.run(["samtools", "faidx", str(args.output)], check=True)
    total = sum(s.size for s in made)
    print(f"{args.output}: {len(made)} chromosomes, {total} bases, pool {pool.size}, {time.time() - t0:.0f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
