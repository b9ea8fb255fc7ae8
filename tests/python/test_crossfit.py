"""Cross-fitting in the workflow (.test/config.yaml's crossfit section: 3 folds over the demo
genome's accessory chromosomes): every chromosome scored exactly once, by models whose own
metadata shows they never saw it; the folds balanced by length; per-fold rows that sum their
chromosomes; genome-wide tracks that pyBigWig reads back as the metrics say, also rounded."""

import numpy as np
import polars as pl
import pyarrow.parquet as papq
import pyBigWig
import pytest
import yaml

from conftest import job_of, REPO, run, tool

CONFIG = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
CHROMS = CONFIG["crossfit"]["chroms"]
FOLDS = CONFIG["crossfit"]["folds"]
MODELS = [m["name"] for m in CONFIG["models"]]


def lengths(genome):
    with open(f"{genome}.fai") as f:
        return {c[0]: int(c[1]) for c in (line.split("\t") for line in f)}


def meta(path):
    m = papq.ParquetFile(path).metadata.metadata
    return {k.decode(): v.decode() for k, v in m.items() if k.startswith(b"dnactx.")}


def trained_on(path):
    """The chromosomes a model saw, from its own files: a count table's metadata, the
    FM-index's header, a network's config.yaml (train and valid)."""
    if path.suffix == ".parquet":
        return set(meta(path)["dnactx.chroms"].split(","))
    if path.suffix == ".fmd":
        head = path.open("rb").read(1 << 16).decode("latin1")
        line = next(x for x in head.split("\n") if x.startswith("chroms: "))
        return set(line[len("chroms: "):].split(","))
    data = yaml.safe_load(open(path / "config.yaml"))["data"]
    return set(data["train_chroms"]) | set(data["valid_chroms"])


@pytest.fixture(scope="module")
def full_table(workflow_run):
    return pl.read_parquet(workflow_run / "results/crossfit/metrics.parquet")


@pytest.fixture(scope="module")
def table(full_table):
    """Each model's rows of its first target: the base (its pair and type rows have the same
    positions), or a two-class model's own target."""
    targets = full_table.group_by("model").agg(pl.col("target").unique())
    own = {m: "base" if "base" in t else t[0] for m, t in targets.iter_rows()}
    return full_table.filter(pl.col("target") == pl.col("model").replace_strict(own))


def fold_of(table):
    rows = table.filter((pl.col("chrom") != "all") & (pl.col("class") == "all"))
    return dict(zip(rows["chrom"], rows["fold"]))


def test_every_chromosome_scored_exactly_once(table):
    for model in MODELS:
        rows = table.filter((pl.col("model") == model) & (pl.col("class") == "all") & (pl.col("chrom") != "all"))
        assert sorted(rows["chrom"].to_list()) == sorted(CHROMS), model
        assert set(rows["fold"]) == {f"fold{i}" for i in range(1, FOLDS + 1)}
    # every model agrees on the folds
    folds = fold_of(table)
    for model in MODELS:
        rows = table.filter((pl.col("model") == model) & (pl.col("chrom") != "all"))
        assert all(folds[c] == f for c, f in zip(rows["chrom"], rows["fold"]))


def test_folds_balanced_by_length(table, demo_copy):
    """Longest first, each to the lightest fold so far: computed here independently."""
    size = lengths(demo_copy)
    totals = [0] * FOLDS
    expect = {}
    for c in sorted(CHROMS, key=lambda c: -size[c]):
        i = totals.index(min(totals))
        expect[c] = f"fold{i + 1}"
        totals[i] += size[c]
    assert fold_of(table) == expect
    assert max(totals) - min(totals) <= max(size[c] for c in CHROMS)


def test_each_chromosome_scored_by_a_model_that_never_saw_it(workflow_run, table):
    folds = fold_of(table)
    for model in MODELS:
        for chrom in CHROMS:
            m = meta(workflow_run / f"results/crossfit/scores/{model}/jobs/{job_of(workflow_run, chrom)}/metrics.parquet")
            model_path = workflow_run / m["dnactx.model_path"]
            seen = trained_on(model_path)
            others = {c for c in CHROMS if folds[c] != folds[chrom]}
            assert chrom not in seen, (model, chrom, model_path)
            assert seen <= others and seen, (model, chrom, seen)
            if model_path.suffix in (".parquet", ".fmd"):
                assert seen == others  # count models: every chromosome of the other folds
            assert f"/{folds[chrom]}/" in str(model_path)
            # the windows it scored: this chromosome as test, never as train
            windows = m["dnactx.regions"].split()[0]
            w = pl.read_parquet(workflow_run / windows)
            assert set(w.filter(pl.col("chrom") == chrom)["split"]) == {"test"}
            assert chrom not in set(w.filter(pl.col("split") == "train")["chrom"])


@pytest.mark.parametrize("target", ["base", "pair", "type"])
def test_fold_rows_sum_their_chromosomes(full_table, target):
    table = full_table.filter(pl.col("target") == target)
    # every model of the base has rows for the three targets; a two-class model for its own
    models = [m for m in MODELS if table.filter(pl.col("model") == m).height]
    assert len(models) >= len(MODELS) - 1, models
    for model in models:
        for cls in ("all", "repeat", "non_repeat"):
            t = table.filter((pl.col("model") == model) & (pl.col("class") == cls))
            chroms = t.filter(pl.col("chrom") != "all")
            folds = t.filter((pl.col("chrom") == "all") & (pl.col("fold") != "all"))
            genome = t.filter(pl.col("fold") == "all").row(0, named=True)
            for f in folds.iter_rows(named=True):
                c = chroms.filter(pl.col("fold") == f["fold"])
                assert f["n"] == c["n"].sum()
                assert f["accuracy"] == pytest.approx((c["accuracy"] * c["n"]).sum() / c["n"].sum(), abs=1e-9)
                assert f["bits"] == pytest.approx((c["bits"] * c["n"]).sum() / c["n"].sum(), rel=1e-9)
            assert genome["n"] == folds["n"].sum() == chroms["n"].sum()
            assert genome["accuracy"] == pytest.approx((folds["accuracy"] * folds["n"]).sum() / genome["n"], abs=1e-9)


def test_tracks_read_back_as_the_metrics_say(workflow_run, table):
    """pyBigWig: every chromosome in the genome-wide track; -log2 p_ref averaged over its
    values gives the metrics' bits; zoom levels and their summaries."""
    for model in MODELS:
        bw = pyBigWig.open(str(workflow_run / f"results/crossfit/scores/{model}/p_ref.bw"))
        assert sorted(bw.chroms()) == sorted(CHROMS)
        assert bw.header()["nLevels"] > 0
        for chrom in CHROMS:
            x = bw.values(chrom, 0, bw.chroms(chrom), numpy=True)
            ok = ~np.isnan(x)
            row = table.filter((pl.col("model") == model) & (pl.col("chrom") == chrom) & (pl.col("class") == "all")).row(0, named=True)
            assert ok.sum() == row["n"], (model, chrom)
            assert -np.log2(x[ok].astype(np.float64)).mean() == pytest.approx(row["bits"], abs=1e-5)
            assert bw.stats(chrom, type="mean", exact=True)[0] == pytest.approx(x[ok].mean(), abs=1e-6)
            assert bw.stats(chrom, type="mean")[0] == pytest.approx(x[ok].mean(), rel=1e-4)
            assert bw.stats(chrom, type="coverage", exact=True)[0] == pytest.approx(ok.mean(), abs=1e-9)


def test_rounded_cross_fitted_tracks(workflow_run, tmp_path):
    """merge-scores --precision 3 over the cross-fitted per-chromosome folders: values within
    5e-4 of the full ones, mean p_ref per chromosome within that too, metrics unchanged."""
    model = MODELS[-1]
    # the jobs in the workflow's order: fold by fold, each in genome order
    plan = pl.read_csv(workflow_run / "results/plan.tsv", separator="\t", infer_schema_length=0)
    plan = plan.with_row_index().filter(pl.col("fold") != ".")
    plan = plan.sort(pl.col("fold").str.slice(4).cast(pl.Int32), "index")
    dirs = [workflow_run / f"results/crossfit/scores/{model}/jobs/{j}" for j in dict.fromkeys(plan["job"])]
    run([tool("merge-scores"), *map(str, dirs), "--precision", "3", "-o", str(tmp_path), "-q"])
    full = pyBigWig.open(str(workflow_run / f"results/crossfit/scores/{model}/p_ref.bw"))
    rounded = pyBigWig.open(str(tmp_path / "p_ref.bw"))
    for chrom in CHROMS:
        a = full.values(chrom, 0, full.chroms(chrom), numpy=True)
        b = rounded.values(chrom, 0, full.chroms(chrom), numpy=True)
        ok = ~np.isnan(a)
        assert (np.isnan(b) == ~ok).all()
        assert np.abs(a[ok] - b[ok]).max() <= 5e-4 + 1e-7
        assert rounded.stats(chrom, type="mean", exact=True)[0] == pytest.approx(a[ok].mean(), abs=5e-4)
    same = pl.read_parquet(workflow_run / f"results/crossfit/scores/{model}/metrics.parquet")
    assert pl.read_parquet(tmp_path / "metrics.parquet").equals(same)


def test_report_shows_folds_and_chromosomes(workflow_run, table):
    page = (workflow_run / "results/report.html").read_text()
    assert "Cross-fitted, every chromosome" in page
    for chrom in CHROMS:
        assert f"<td>{chrom}</td>" in page
    for model in MODELS:
        acc = table.filter((pl.col("model") == model) & (pl.col("fold") == "fold1") & (pl.col("chrom") == "all")
                           & (pl.col("class") == "all"))["accuracy"][0]
        assert f"<td>{acc:.4f}</td>" in page
    # every row with positions has a number; an annotation class absent from a fold has none
    scored = table.filter(pl.col("n") > 0)
    assert scored["accuracy"].is_not_null().all() and not scored["accuracy"].is_nan().any()
    assert table.filter(pl.col("n") == 0)["accuracy"].is_null().all()
