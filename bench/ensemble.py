"""Accuracy and bits of the average of several models' predictions, from their score folders'
p_A..p_T tracks (score-genome --tracks --precision full), over the positions of a BED: an
ensemble without any new code. Each model alone is printed too (it must match its
metrics.tsv).

    python bench/ensemble.py GENOME.fa.gz REGIONS.bed SCORE_DIR [SCORE_DIR ...]
"""

import gzip
import sys

import numpy as np
import pyBigWig


def read_fasta(path):
    seqs, name, parts = {}, None, []
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                if name:
                    seqs[name] = "".join(parts)
                name, parts = line[1:].split()[0], []
            else:
                parts.append(line.strip())
    if name:
        seqs[name] = "".join(parts)
    return seqs


def main(genome, bed, dirs):
    seqs = read_fasta(genome)
    tracks = [[pyBigWig.open(f"{d}/p_{b}.bw") for b in "ACGT"] for d in dirs]
    code = np.full(256, -1, dtype=np.int64)
    for i, b in enumerate("ACGT"):
        code[ord(b)] = code[ord(b.lower())] = i
    hits = np.zeros(len(dirs) + 1)
    bits = np.zeros(len(dirs) + 1)
    n = 0
    for line in open(bed):
        chrom, start, end = line.split()[:3]
        start, end = int(start), int(end)
        ref = code[np.frombuffer(seqs[chrom][start:end].encode(), dtype=np.uint8)]
        probs = np.stack([np.stack([np.array(t.values(chrom, start, end)) for t in m], axis=1) for m in tracks])
        ok = (ref >= 0) & ~np.isnan(probs).any(axis=(0, 2))
        p = probs[:, ok]
        r = ref[ok]
        allp = np.concatenate([p, p.mean(axis=0, keepdims=True)])
        idx = np.arange(len(r))
        hits += (allp.argmax(axis=2) == r).sum(axis=1)
        bits += -np.log2(allp[:, idx, r]).sum(axis=1)
        n += len(r)
    names = list(dirs) + ["mean of all"]
    for name, h, b in zip(names, hits, bits):
        print(f"{name}\t{n}\t{h / n:.4f}\t{b / n:.4f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
