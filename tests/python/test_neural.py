"""A small neural model trained and scored by the binaries, its outputs read by pyBigWig,
polars and pyarrow: probabilities that sum to one, p_ref and entropy consistent with them,
no value at unknown bases, and the model folder's tables readable."""

import math

import numpy as np
import polars as pl
import pyarrow.parquet as papq
import pyBigWig
import pytest

from conftest import BIN, YEAST, copy_genome, run

pytestmark = pytest.mark.skipif(not (BIN / "train-model").exists(), reason="built without the torch feature")

@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("neural")
    copy_genome(YEAST, d / "y.fa.gz")
    run([str(BIN / "make-windows"), "-g", str(d / "y.fa.gz"), "--train", "chrI", "--valid-fraction", "0.2",
         "--size", "10000", "-o", str(d / "w.parquet"), "-q"])
    (d / "m.yaml").write_text(
        "model:\n  architecture: transformer\n  flank: 9\n  dim: 16\n  heads: 2\n  layers: 2\n  ffn: 32\n"
        "  dense: [16]\ntrain:\n  chunk: 128\n  batch: 4\n  steps: 20\n  valid_every: 10\n  valid_chunks: 4\n")
    run([str(BIN / "train-model"), "-g", str(d / "y.fa.gz"), "--windows", str(d / "w.parquet"),
         "--config", str(d / "m.yaml"), "-o", str(d / "model"), "--device", "cpu", "-q"])
    # a region with an unknown base written in: copy the chromosome with an N
    (d / "r.bed").write_text("chrI\t1000\t4000\n")
    run([str(BIN / "score-genome"), "-g", str(d / "y.fa.gz"), "-m", str(d / "model"), "--regions", str(d / "r.bed"),
         "--tracks", "--precision", "full", "--device", "cpu", "-o", str(d / "scores"), "-q"])
    return d


def test_tracks_are_distributions(scored):
    bw = {t: pyBigWig.open(str(scored / "scores" / f"{t}.bw")) for t in ["p_ref", "entropy", "p_A", "p_C", "p_G", "p_T"]}
    assert bw["p_ref"].chroms() == {"chrI": 230218}
    vals = {t: np.array(b.values("chrI", 1000, 4000)) for t, b in bw.items()}
    probs = np.stack([vals[t] for t in ["p_A", "p_C", "p_G", "p_T"]])
    assert np.allclose(probs.sum(axis=0), 1.0, atol=1e-5)
    entropy = -(probs * np.log2(probs)).sum(axis=0)
    assert np.allclose(entropy, vals["entropy"], atol=1e-4)
    assert math.isnan(bw["p_ref"].values("chrI", 999, 1000)[0])
    assert math.isnan(bw["p_ref"].values("chrI", 4000, 4001)[0])
    import gzip
    seq = "".join(l.strip() for l in gzip.open(scored / "y.fa.gz", "rt") if not l.startswith(">"))
    ref = np.array(["ACGT".index(b) for b in seq[1000:4000].upper()])
    assert np.allclose(probs[ref, np.arange(3000)], vals["p_ref"], atol=1e-6)
    metrics = pl.read_parquet(scored / "scores" / "metrics.parquet")
    row = metrics.filter((pl.col("chrom") == "all") & (pl.col("class") == "all")).row(0, named=True)
    assert row["n"] == 3000
    assert row["bits"] == pytest.approx(-np.log2(vals["p_ref"]).mean(), abs=1e-4)
    assert papq.read_metadata(scored / "scores" / "metrics.parquet").metadata[b"dnactx.model_kind"] == b"transformer"


def test_model_folder_tables(scored):
    m = pl.read_parquet(scored / "model" / "metrics.parquet")
    assert m.columns == ["step", "targets_seen", "train_loss", "valid_loss", "valid_accuracy", "valid_bits", "lr",
                         "wall_seconds", "data_wait"]
    assert ((m["data_wait"] >= 0) & (m["data_wait"] <= 1)).all()
    assert m["step"].to_list() == [10, 20]
    assert (m["valid_bits"] - m["valid_loss"] / math.log(2)).abs().max() < 1e-9
    import yaml
    cfg = yaml.safe_load(open(scored / "model" / "config.yaml"))
    assert cfg["field"] == 9 and cfg["model"]["architecture"] == "transformer"
    assert sorted(p.name for p in (scored / "model").iterdir()) == ["config.yaml", "metrics.parquet", "weights.safetensors"]
