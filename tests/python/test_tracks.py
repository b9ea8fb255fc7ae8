"""Compact tracks read back by pyBigWig: score-genome --precision D (and merge-scores
--precision D) round the tracks' values to D decimals and leave the metrics as they were;
every value is within half a unit of the D-th decimal of the full-precision track; zoom levels
exist and pyBigWig's summaries agree with the values; rounding shrinks the files."""


import numpy as np
import pyBigWig
import pytest

from conftest import YEAST, copy_genome, run, tool

@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("tracks")
    copy_genome(YEAST, d / "y.fa.gz")
    g = str(d / "y.fa.gz")
    run([tool("make-windows"), "-g", g, "--train", "chrI", "--size", "20000", "-o", str(d / "w.parquet"), "-q"])
    run([tool("count-kmers"), "-g", g, "--windows", str(d / "w.parquet"), "--split", "train", "-k", "4",
         "-o", str(d / "k4.parquet"), "-q"])
    for p in ("full", "3", "1"):
        run([tool("score-genome"), "-g", g, "-m", str(d / "k4.parquet"), "--windows", str(d / "w.parquet"),
             "--split", "train", "--tracks", "--precision", p, "-o", str(d / p), "-q"])
    run([tool("merge-scores"), str(d / "full"), "--precision", "2", "-o", str(d / "merged2"), "-q"])
    return d


def values(path):
    bw = pyBigWig.open(str(path))
    (chrom, length), = bw.chroms().items()
    return bw, chrom, np.array(bw.values(chrom, 0, length), dtype=np.float64)


@pytest.mark.parametrize("folder,decimals", [("3", 3), ("1", 1), ("merged2", 2)])
@pytest.mark.parametrize("track", ["p_ref", "entropy", "p_A", "p_T"])
def test_values_are_rounded_full_values(scored, folder, decimals, track):
    _, _, full = values(scored / "full" / f"{track}.bw")
    _, _, got = values(scored / folder / f"{track}.bw")
    ok = ~np.isnan(full)
    assert ok.sum() > 100_000
    assert (ok == ~np.isnan(got)).all(), "rounding changed which positions have a value"
    scale = 10.0 ** decimals
    # within half a unit of the last decimal kept (and f32's own rounding)
    assert np.abs(got[ok] - full[ok]).max() <= 0.5 / scale + 1e-6
    # each value is the f32 nearest to a multiple of 10^-D: the same rounding numpy does
    assert np.abs(got[ok] - np.round(full[ok] * scale) / scale).max() <= 1e-6
    assert len(np.unique(got[ok])) <= int(scale * max(1.0, full[ok].max())) + 1


def test_metrics_are_those_of_unrounded_values(scored):
    full = (scored / "full" / "metrics.tsv").read_text()
    assert (scored / "3" / "metrics.tsv").read_text() == full
    assert (scored / "1" / "metrics.tsv").read_text() == full


def test_zoom_levels_and_summaries(scored):
    for folder in ("full", "3"):
        bw, chrom, x = values(scored / folder / "p_ref.bw")
        assert bw.header()["nLevels"] > 0
        ok = ~np.isnan(x)
        assert bw.stats(chrom, type="mean", exact=True)[0] == pytest.approx(x[ok].mean(), abs=1e-6)
        assert bw.stats(chrom, type="max", exact=True)[0] == pytest.approx(x[ok].max(), abs=1e-6)
        assert bw.stats(chrom, type="coverage", exact=True)[0] == pytest.approx(ok.mean(), abs=1e-9)
        # from the zoom levels: the mean of the whole chromosome holds up to f32 summing
        assert bw.stats(chrom, type="mean")[0] == pytest.approx(x[ok].mean(), rel=1e-4)


def test_rounding_shrinks_the_files(scored):
    size = {p: (scored / p / "p_ref.bw").stat().st_size for p in ("full", "3", "1")}
    assert size["1"] < size["3"] < size["full"], size
