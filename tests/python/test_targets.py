"""A two-class model (train-model --target pair) end to end, its outputs read by pyBigWig and
polars: the tracks are its classes' probabilities (p_A = p_T and p_C = p_G, each half of its
pair's), p_ref and entropy are of the reference's pair, and the metrics table has pair rows
only, whose accuracy and bits match a naive computation from the tracks."""

import gzip

import numpy as np
import polars as pl
import pyBigWig
import pytest

from conftest import BIN, YEAST, copy_genome, run

pytestmark = pytest.mark.skipif(not (BIN / "train-model").exists(), reason="built without the torch feature")

START, END = 2000, 12000


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("targets")
    copy_genome(YEAST, d / "y.fa.gz")
    run([str(BIN / "make-windows"), "-g", str(d / "y.fa.gz"), "--train", "chrI", "--valid-fraction", "0.2",
         "--size", "10000", "-o", str(d / "w.parquet"), "-q"])
    (d / "m.yaml").write_text(
        "model:\n  architecture: cnn\n  channels: 16\n  kernel_sizes: [3, 3, 3]\n  dilations: [1, 2, 4]\n"
        "  residual: true\n  dense: [16]\ntrain:\n  chunk: 256\n  batch: 8\n  steps: 60\n  valid_every: 20\n"
        "  valid_chunks: 8\n  warmup: 5\n")
    run([str(BIN / "train-model"), "-g", str(d / "y.fa.gz"), "--windows", str(d / "w.parquet"),
         "--config", str(d / "m.yaml"), "--target", "pair", "-o", str(d / "pair"), "--device", "cpu", "-q"])
    (d / "r.bed").write_text(f"chrI\t{START}\t{END}\n")
    run([str(BIN / "score-genome"), "-g", str(d / "y.fa.gz"), "-m", str(d / "pair"), "--regions", str(d / "r.bed"),
         "--tracks", "--precision", "full", "--device", "cpu", "-o", str(d / "scores"), "-q"])
    return d


def test_pair_tracks_and_metrics(scored):
    bw = {t: pyBigWig.open(str(scored / "scores" / f"{t}.bw")) for t in ["p_ref", "entropy", "p_A", "p_C", "p_G", "p_T"]}
    v = {t: np.array(b.values("chrI", START, END)) for t, b in bw.items()}
    assert np.allclose(v["p_A"], v["p_T"]) and np.allclose(v["p_C"], v["p_G"])
    at, cg = 2 * v["p_A"], 2 * v["p_C"]
    assert np.allclose(at + cg, 1.0, atol=1e-5)
    seq = "".join(l.strip() for l in gzip.open(scored / "y.fa.gz", "rt") if not l.startswith(">"))[START:END].upper()
    ref_at = np.array([b in "AT" for b in seq])
    p_ref = np.where(ref_at, at, cg)
    assert np.allclose(p_ref, v["p_ref"], atol=1e-6)
    entropy = -(at * np.log2(at) + cg * np.log2(cg))
    assert np.allclose(entropy, v["entropy"], atol=1e-4)
    # a trained model of the pair is better than chance
    hits = (cg > at) == ~ref_at
    assert hits.mean() > 0.5
    m = pl.read_parquet(scored / "scores" / "metrics.parquet")
    assert set(m["target"]) == {"pair"}
    assert m.filter(pl.col("target") == "pair")["conf_AA"].null_count() == m.height
    row = m.filter((pl.col("chrom") == "all") & (pl.col("class") == "all")).row(0, named=True)
    assert row["n"] == END - START
    assert row["accuracy"] == pytest.approx(hits.mean(), abs=1e-9)
    assert row["bits"] == pytest.approx(-np.log2(p_ref).mean(), abs=1e-4)
    tsv = pl.read_csv(scored / "scores" / "metrics.tsv", separator="\t", null_values="NA")
    assert tsv["target"].to_list() == m["target"].to_list()


def test_pair_folder_merges(scored):
    d = scored
    out = d / "merged"
    run([str(BIN / "merge-scores"), str(d / "scores"), "-o", str(out), "-q"])
    m = pl.read_parquet(out / "metrics.parquet")
    assert set(m["target"]) == {"pair"}
    a = pl.read_parquet(d / "scores" / "metrics.parquet").sort("chrom", "class")
    assert np.allclose(m.sort("chrom", "class")["accuracy"], a["accuracy"])
