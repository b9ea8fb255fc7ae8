"""dnactx against the tools genomics users already trust, on the demo genome:
count-kmers against jellyfish, mask-repeats --dust against dustmasker and, base by base,
against pydustmasker (an independent SDUST in Rust, from PyPI)."""

import gzip
import pathlib
import re
import shutil

import polars as pl

import pydustmasker

from conftest import run, tool
from test_reference import read_fasta


def test_count_kmers_equals_jellyfish(demo_copy, tmp_path):
    """k = 5 each side: every 11-mer count equals `jellyfish count -m 11` (forward strand)."""
    fa = tmp_path / "g.fa"
    with gzip.open(demo_copy, "rb") as src, open(fa, "wb") as dst:
        shutil.copyfileobj(src, dst)
    run([tool("count-kmers"), "-g", str(demo_copy), "-k", "5", "-o", str(tmp_path / "k5.parquet"), "-q"])
    run(["jellyfish", "count", "-m", "11", "-s", "50M", "-t", "2", "-o", str(tmp_path / "jf.jf"), str(fa)])
    dump = run(["jellyfish", "dump", "-c", str(tmp_path / "jf.jf")]).stdout
    jf = {}
    for line in dump.splitlines():
        kmer, n = line.split()
        jf[kmer] = int(n)
    ours = {}
    for l, r, *counts in pl.read_parquet(tmp_path / "k5.parquet").iter_rows():
        for base, n in zip("ACGT", counts):
            if n:
                ours[l + base + r] = n
    assert len(ours) == len(jf)
    assert ours == jf


def test_dust_agrees_with_dustmasker(demo_copy, tmp_path):
    """Symmetric DUST (window 64, threshold 20) masks the same bases as dustmasker: Jaccard
    over masked bases of at least 0.95."""
    fa = tmp_path / "g.fa"
    with gzip.open(demo_copy, "rb") as src, open(fa, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ours_bed = tmp_path / "dust.bed"
    run([tool("mask-repeats"), "-g", str(demo_copy), "--dust", "--no-softmask", "-o", str(ours_bed), "-q"])
    out = run(["dustmasker", "-in", str(fa), "-outfmt", "interval"]).stdout
    theirs, chrom = [], None
    for line in out.splitlines():
        if line.startswith(">"):
            chrom = line[1:].split()[0]
        elif line.strip():
            s, e = line.split(" - ")
            theirs.append(f"{chrom}\t{s}\t{int(e) + 1}\n")  # inclusive -> half-open
    dm_bed = tmp_path / "dm.bed"
    dm_bed.write_text("".join(theirs))
    genome_file = tmp_path / "g.txt"
    genome_file.write_text("".join("\t".join(l.split("\t")[:2]) + "\n" for l in open(str(demo_copy) + ".fai")))
    dm_sorted = run(["bedtools", "sort", "-g", str(genome_file), "-i", str(dm_bed)]).stdout
    (tmp_path / "dm.sorted.bed").write_text(dm_sorted)
    dm_merged = run(["bedtools", "merge", "-i", str(tmp_path / "dm.sorted.bed")]).stdout
    (tmp_path / "dm.merged.bed").write_text(dm_merged)
    size = lambda text: sum(int(l.split("\t")[2]) - int(l.split("\t")[1]) for l in text.splitlines())
    inter = run(["bedtools", "intersect", "-a", str(ours_bed), "-b", str(tmp_path / "dm.merged.bed")]).stdout
    a, b, i = size(ours_bed.read_text()), size(dm_merged), size(inter)
    jaccard = i / (a + b - i)
    assert jaccard >= 0.95, (a, b, i, jaccard)


def dust_bed(bed_path):
    """{chrom: [(start, end)]} of a mask-repeats --dust --no-softmask BED."""
    out = {}
    for line in bed_path.read_text().splitlines():
        chrom, s, e, label = line.split("\t")
        assert label == "dust", line
        out.setdefault(chrom, []).append((int(s), int(e)))
    return out


def assert_same_dust(genome, seqs, tmp_path):
    """mask-repeats --dust on `genome` equals pydustmasker on each record of `seqs`, interval
    for interval; every interval lies in its record and on ACGT bases. Returns bases masked."""
    bed = tmp_path / (pathlib.Path(genome).name + ".dust.bed")
    run([tool("mask-repeats"), "-g", str(genome), "--dust", "--no-softmask",
         "--dust-window", "64", "--dust-threshold", "20", "-o", str(bed), "-q"])
    ours = dust_bed(bed)
    assert set(ours) <= set(seqs)
    masked = 0
    for chrom, raw in seqs.items():
        theirs = [tuple(iv) for iv in pydustmasker.DustMasker(raw.decode("ascii"), 64, 20).intervals]
        mine = ours.get(chrom, [])
        assert mine == theirs, (chrom, sorted(set(mine) ^ set(theirs))[:10])
        for s, e in mine:
            assert 0 <= s < e <= len(raw), (chrom, s, e)
            assert re.fullmatch(rb"[ACGTacgt]+", raw[s:e]), (chrom, s, e)
        masked += sum(e - s for s, e in mine)
    return masked


def test_dust_equals_pydustmasker(demo_copy, tmp_path):
    """mask-repeats --dust masks exactly the bases pydustmasker's DustMasker masks, with the
    same window (64) and threshold (20): on every chromosome of the demo genome (its N runs
    included), and on chr_21 cut into 6,800 scaffolds of 60 bases (many piece ends).

    Both follow Li's sdust: a non-ACGT base ends a piece (its pending intervals are written
    and the window emptied) and no interval reaches past the piece. They differ in code, not
    in result: pydustmasker clips ends to the sequence length (sdust issue #2), which dnactx
    never needs because it empties the window at an N (checked here: every interval lies in
    its chromosome, on ACGT bases only); at a piece's end pydustmasker steps the window start
    once before the first flush where sdust and dnactx step after it, which would only matter
    for a pending interval starting one base later than the last one saved, and no such case
    shows up here. No difference is left to explain."""
    seqs = read_fasta(demo_copy)
    assert assert_same_dust(demo_copy, seqs, tmp_path) > 100_000
    chr21 = seqs["chr_21"]
    pieces = {f"s{i}": chr21[i : i + 60] for i in range(0, len(chr21) - 59, 60)}
    fa = tmp_path / "pieces.fa"
    fa.write_text("".join(f">{n}\n{s.decode()}\n" for n, s in pieces.items()))
    assert assert_same_dust(fa, pieces, tmp_path) > 1_000
