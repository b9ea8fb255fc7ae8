"""embed-regions: a network's per-position features, read back with polars. One row per
A/C/G/T position of the BED with its coordinates; the same features however the positions are
grouped into chunks; --rc-average strand-symmetric (a contig and its reverse complement give
the same features, halves swapped); bad input refused, nothing written."""

import gzip

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import YEAST, run, tool

COMP = str.maketrans("ACGTacgtNn", "TGCAtgcaNn")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A tiny CNN trained on yeast chrI beside its reverse complement (contig chrI_rc)."""
    d = tmp_path_factory.mktemp("embed")
    with gzip.open(YEAST, "rt") as f:
        seq = "".join(line.strip() for line in f if not line.startswith(">"))
    rc = seq.translate(COMP)[::-1]
    with open(d / "g.fa", "w") as f:
        for name, s in (("chrI", seq), ("chrI_rc", rc)):
            f.write(f">{name}\n")
            for i in range(0, len(s), 60):
                f.write(s[i:i + 60] + "\n")
    run([tool("make-windows"), "-g", str(d / "g.fa"), "--train", "chrI,chrI_rc", "--valid-fraction", "0.2",
         "--size", "20000", "-o", str(d / "w.parquet"), "-q"])
    (d / "cnn.yaml").write_text(
        "model:\n  architecture: cnn\n  channels: 8\n  kernel_sizes: [3, 3]\n  dilations: [1, 2]\n  dense: [8]\n"
        "train:\n  chunk: 256\n  batch: 4\n  steps: 20\n  valid_every: 10\n  valid_chunks: 4\n  warmup: 2\n")
    run([tool("train-model"), "-g", str(d / "g.fa"), "--windows", str(d / "w.parquet"), "--config", str(d / "cnn.yaml"),
         "--device", "cpu", "-t", "2", "-o", str(d / "m"), "-q"])
    return d, len(seq), seq


def embed(d, bed_lines, out, *extra):
    (d / f"{out}.bed").write_text("".join(bed_lines))
    run([tool("embed-regions"), "-g", str(d / "g.fa"), "-m", str(d / "m"), "--regions", str(d / f"{out}.bed"),
         "--device", "cpu", "-t", "1", "-o", str(d / f"{out}.parquet"), "-q", *extra])
    return pl.read_parquet(d / f"{out}.parquet")


def features(df):
    return df.select(pl.selectors.starts_with("f")).to_numpy()


def test_rows_columns_and_chunking(model):
    d, n, seq = model
    lines = ["chrI\t0\t300\n", "chrI\t5000\t7000\n", "chrI\t100000\t100001\n"]
    df = embed(d, lines, "three")
    acgt = [p for s, e in ((0, 300), (5000, 7000), (100000, 100001)) for p in range(s, e) if seq[p] in "ACGTacgt"]
    assert df["pos"].to_list() == acgt
    assert df["ref"].to_list() == [seq[p].upper() for p in acgt]
    assert df["soft"].to_list() == [seq[p].islower() for p in acgt]
    assert df.columns[:4] == ["chrom", "pos", "ref", "soft"]
    meta = pq.read_metadata(d / "three.parquet").metadata
    assert meta[b"dnactx.kind"] == b"features" and meta[b"dnactx.target"] == b"base"
    x = features(df)
    assert x.shape == (len(acgt), 16)  # two streams of 8 channels, joined
    assert np.isfinite(x).all() and x.std() > 0
    # one interval at a time: other chunks, other batches, the same features
    parts = [features(embed(d, [line], f"one{i}")) for i, line in enumerate(lines)]
    assert np.allclose(np.concatenate(parts), x, atol=1e-5)


def test_rc_average_is_strand_symmetric(model):
    d, n, _ = model
    fwd = embed(d, ["chrI\t1000\t1400\n"], "fwd", "--rc-average")
    rev = embed(d, [f"chrI_rc\t{n - 1400}\t{n - 1000}\n"], "rev", "--rc-average")
    a = features(fwd)
    b = features(rev)[::-1]  # position p of chrI is n - 1 - p of chrI_rc
    assert fwd["pos"].to_list() == [n - 1 - p for p in rev["pos"].to_list()[::-1]]
    half = a.shape[1] // 2
    assert np.allclose(a, np.concatenate([b[:, half:], b[:, :half]], axis=1), atol=1e-5)
    plain = features(embed(d, ["chrI\t1000\t1400\n"], "plain"))
    assert not np.allclose(plain, a, atol=1e-3)  # averaging changed something


def test_bad_input(model, tmp_path):
    d, n, _ = model
    (tmp_path / "r.bed").write_text("chrI\t0\t1000\n")
    base = [tool("embed-regions"), "-g", str(d / "g.fa"), "--regions", str(tmp_path / "r.bed"), "--device", "cpu", "-q"]
    for extra, needle in [
        (["-m", str(d / "w.parquet"), "-o", str(tmp_path / "o.parquet")], "not a model folder"),
        (["-m", str(d / "m"), "--max-positions", "10", "-o", str(tmp_path / "o.parquet")], "above --max-positions 10"),
        (["-m", str(d / "m"), "--chrom", "chrX", "-o", str(tmp_path / "o.parquet")], "chrX"),
    ]:
        res = run(base + extra, check=False)
        assert res.returncode != 0 and needle in res.stderr, res.stderr
        assert not (tmp_path / "o.parquet").exists()
