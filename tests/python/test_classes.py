"""Annotation classes (score-genome --classes): metrics rows per class, checked against a naive
computation from the full-precision p_A..p_T tracks read by pyBigWig; merge-scores keeps them;
bad class BEDs are refused with the file and line.

The classes are real annotations of the demo genome: mask-repeats' BED names each interval by
its source (softmask: the assembly's soft-masking; dust: low-complexity intervals; both:
`softmask,dust`, which counts in each), and a second file adds one of our own labels (a fixed
stretch, `stretch`) that overlaps both."""

import gzip

import numpy as np
import polars as pl
import pyBigWig
import pytest

from conftest import DEMO, copy_genome, run, tool

CHROMS = ["chr_14", "chr_15"]


def sequences(path, names):
    seqs, name = {}, None
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                name = line[1:].split()[0]
                if name in names:
                    seqs[name] = []
            elif name in seqs:
                seqs[name].append(line.strip())
    return {n: "".join(s) for n, s in seqs.items()}


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("classes")
    g = copy_genome(DEMO, d / "g.fa.gz")
    run([tool("make-windows"), "-g", g, "--train", "chr_16,chr_17,chr_18", "--test", ",".join(CHROMS),
         "--size", "50000", "-o", str(d / "w.parquet"), "-q"])
    run([tool("count-kmers"), "-g", g, "--windows", str(d / "w.parquet"), "--split", "train", "-k", "4",
         "-o", str(d / "k4.parquet"), "-q"])
    run([tool("mask-repeats"), "-g", g, "--dust", "-o", str(d / "repeats.bed"), "-q"])
    (d / "stretch.bed").write_text("# our own label\nchr_14\t100000\t160000\tstretch\nchr_15\t0\t5000\tstretch\n")
    classes = ["--classes", str(d / "repeats.bed"), "--classes", str(d / "stretch.bed")]
    common = ["-g", g, "-m", str(d / "k4.parquet"), "--windows", str(d / "w.parquet"), "--tracks",
              "--precision", "full", *classes, "-q"]
    run([tool("score-genome"), *common, "-o", str(d / "both")])
    for c in CHROMS:
        run([tool("score-genome"), *common, "--chrom", c, "-o", str(d / c)])
    run([tool("merge-scores"), *(str(d / c) for c in CHROMS), "-o", str(d / "merged"), "-q"])
    return d


def intervals(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        c, s, e, names = line.split("\t")[:4]
        for name in names.strip().split(","):
            out.setdefault(name, []).append((c, int(s), int(e)))
    return out


def test_class_rows_match_a_naive_computation(scored):
    d = scored
    seqs = sequences(d / "g.fa.gz", CHROMS)
    tracks = {t: pyBigWig.open(str(d / "both" / f"{t}.bw")) for t in ("p_A", "p_C", "p_G", "p_T")}
    labels = {**intervals(d / "repeats.bed"), **intervals(d / "stretch.bed")}
    assert set(labels) == {"softmask", "dust", "stretch"}
    table = pl.read_parquet(d / "both" / "metrics.parquet")
    assert table["class"].unique(maintain_order=True).to_list() == ["all", "repeat", "non_repeat", "softmask", "dust", "stretch"]
    for chrom in CHROMS:
        n = len(seqs[chrom])
        p = np.stack([np.array(tracks[t].values(chrom, 0, n), dtype=np.float64) for t in tracks])
        ref = np.array(["ACGT".find(b) for b in seqs[chrom].upper()])
        scored_here = ~np.isnan(p[0])
        for name, ivs in labels.items():
            inside = np.zeros(n, dtype=bool)
            for c, s, e in ivs:
                if c == chrom:
                    inside[s:e] = True
            m = inside & scored_here
            row = table.filter((pl.col("chrom") == chrom) & (pl.col("class") == name)).row(0, named=True)
            assert row["n"] == m.sum(), (chrom, name)
            if m.sum() == 0:
                continue
            q = p[:, m]
            hits = (q.argmax(axis=0) == ref[m]).sum()
            assert row["accuracy"] == pytest.approx(hits / m.sum(), abs=1e-12), (chrom, name)
            bits = -np.log2(q[ref[m], np.arange(m.sum())]).mean()
            assert row["bits"] == pytest.approx(bits, abs=1e-5), (chrom, name)
            # the pair (A:T against C:G) and the type (purine A/G against pyrimidine C/T):
            # sums of the base probabilities, the first class on a tie
            for target, of in (("pair", np.array([0, 1, 1, 0])), ("type", np.array([0, 1, 0, 1]))):
                two = np.stack([q[of == 0].sum(0), q[of == 1].sum(0)])
                truth = of[ref[m]]
                hits = ((two[1] > two[0]).astype(int) == truth).sum()
                r2 = table.filter((pl.col("chrom") == chrom) & (pl.col("class") == name)
                                  & (pl.col("target") == target)).row(0, named=True)
                assert r2["n"] == m.sum()
                # ties may fall either way between f32 sums here and f64 sums there: a few
                assert abs(r2["accuracy"] * m.sum() - hits) <= 2, (chrom, name, target)
                bits2 = -np.log2(two[truth, np.arange(m.sum())]).mean()
                assert r2["bits"] == pytest.approx(bits2, abs=1e-5), (chrom, name, target)
    # the genome's rows sum the chromosomes'
    for name in labels:
        rows = table.filter((pl.col("class") == name) & (pl.col("target") == "base"))
        assert rows.filter(pl.col("chrom") == "all")["n"][0] == rows.filter(pl.col("chrom") != "all")["n"].sum()


def test_merge_keeps_the_classes(scored):
    a = pl.read_parquet(scored / "both" / "metrics.parquet")
    b = pl.read_parquet(scored / "merged" / "metrics.parquet")
    assert a.select("chrom", "class", "n").equals(b.select("chrom", "class", "n"))
    assert np.allclose(a["accuracy"].fill_null(0).to_numpy(), b["accuracy"].fill_null(0).to_numpy(), atol=1e-12)
    assert "softmask" in open(scored / "both" / "metrics.tsv").read()


def test_merge_refuses_different_classes(scored, tmp_path):
    g = str(scored / "g.fa.gz")
    other = tmp_path / "other"
    run([tool("score-genome"), "-g", g, "-m", str(scored / "k4.parquet"), "--windows", str(scored / "w.parquet"),
         "--tracks", "--chrom", "chr_15", "--classes", str(scored / "stretch.bed"), "-o", str(other), "-q"])
    res = run([tool("merge-scores"), str(scored / "chr_14"), str(other), "-o", str(tmp_path / "m"), "-q"], check=False)
    assert res.returncode != 0 and "annotation classes" in res.stderr and "--classes" in res.stderr


@pytest.mark.parametrize("line,message", [
    ("chr_14\t10\t20\n", ":2: no class name"),
    ("chr_14\t10\t20\trepeat\n", ":2: class 'repeat' is one of the metrics' own classes"),
    ("chr_14\t10\t20\tmy exon\n", ":2: class name 'my exon' has ' '"),
    ("chr_99\t10\t20\texon\n", ":2: contig 'chr_99' is not in the genome"),
])
def test_bad_class_beds_name_file_and_line(scored, tmp_path, line, message):
    bed = tmp_path / "bad.bed"
    bed.write_text("chr_14\t0\t10\texon\n" + line)
    res = run([tool("score-genome"), "-g", str(scored / "g.fa.gz"), "-m", str(scored / "k4.parquet"),
               "--windows", str(scored / "w.parquet"), "--classes", str(bed), "-o", str(tmp_path / "o"), "-q"],
              check=False)
    assert res.returncode != 0
    assert f"{bed}{message}" in res.stderr, res.stderr
    assert not (tmp_path / "o" / "metrics.parquet").exists()
