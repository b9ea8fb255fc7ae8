"""dnactx against the tools genomics users already trust, on the demo genome:
count-kmers against jellyfish, mask-repeats --dust against dustmasker."""

import gzip
import shutil

import polars as pl

from conftest import run, tool


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
