"""The workflow at cluster scale: the comparison table and report, the gather step against
the per-chromosome outputs, the SLURM profile's job graph, schema errors, and a run killed
mid-job that finishes on the next run without redoing completed jobs."""

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import polars as pl
import pyBigWig
import pytest
import yaml

from conftest import job_of, BIN, DEMO, REPO, run

CONFIG = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
MODELS = [m["name"] for m in CONFIG["models"]]
# what each model predicts: the base, or a two-class model's pair or type (train.target)
TARGET = {m["name"]: (m.get("train") or {}).get("target", "base") for m in CONFIG["models"]}
SNAKEMAKE = shutil.which("snakemake") or str(os.path.join(os.path.dirname(sys.executable), "snakemake"))


def with_splits(cfg):
    """A user's config carries its own splits (nothing is inherited from the demo's): the demo's."""
    demo = yaml.safe_load(open(REPO / "config" / "config.yaml"))
    return {"splits": demo["splits"], **cfg}


def snakemake(workdir, configfile, *extra, check=True):
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(configfile), *extra]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and res.returncode != 0:
        pytest.fail(f"snakemake failed:\n{res.stdout}\n{res.stderr}")
    return res


def test_comparison_table_and_report(workflow_run):
    comp = pl.read_parquet(workflow_run / "results/comparison.parquet")
    assert comp.columns == ["model", "kind", "flank", "chrom", "class", "n", "accuracy", "bits", "target"]
    assert comp["target"].unique(maintain_order=True).to_list() == ["base", "pair", "type"]
    chroms = set(CONFIG["splits"]["test"]) | {"all"}
    for model in MODELS:
        rows = comp.filter((pl.col("model") == model) & (pl.col("target") == TARGET[model]))
        assert set(rows["chrom"]) == chroms
        bands = ["train_copy_none", "train_copy_21_31bp", "train_copy_33bp"]  # find-copies' (score.train_copies)
        # .test/classes.bed's after the built-in, then the copy bands
        classes = ["all", "repeat", "non_repeat", "first_100kb", "ends", "late", *bands]
        assert rows["class"].unique(maintain_order=True).to_list() == classes
        assert rows.height == len(chroms) * len(classes)
        per_chrom = rows.group_by("chrom").agg(
            pl.col("n").filter(pl.col("class").is_in(bands)).sum().alias("bands"),
            pl.col("n").filter(pl.col("class") == "all").first().alias("all"))
        assert per_chrom["bands"].to_list() == per_chrom["all"].to_list(), "the bands partition the test positions"
        merged = pl.read_parquet(workflow_run / f"results/scores/{model}/metrics.parquet")
        a = rows.filter(pl.col("chrom") == "all").sort("class")
        b = merged.filter((pl.col("chrom") == "all") & (pl.col("target") == TARGET[model])).sort("class")
        assert a["n"].to_list() == b["n"].to_list()
        assert a["accuracy"].to_list() == pytest.approx(b["accuracy"].to_list())
    tsv = pl.read_csv(workflow_run / "results/comparison.tsv", separator="\t")
    assert tsv.height == comp.height
    page = (workflow_run / "results/report.html").read_text()
    assert page.count("data:image/png;base64,") == 7  # six plots of the test split, one cross-fitted
    assert "http://" not in page and "https://" not in page, "the report must be self-contained"
    assert "<td>first_100kb</td>" in page and "<td>late</td>" in page
    for heading in ["Per chromosome", "Repeats", "Learning curves", "Calibration", "Flank size", "What the flanks contribute",
                    "Cross-fitted, every chromosome", "Annotation classes", "Base, pair and type"]:
        assert heading in page


def test_explain_tables(workflow_run):
    """explain-flanks ran for every model of the base (not for a model of the pair): the
    undisturbed row first, then a row per band and disturbance, the same positions in each; the
    nearest bases matter more than the farthest."""
    pair_models = [m for m in MODELS if TARGET[m] == "pair"]
    assert pair_models, "the CI config has a model of the pair"
    for model in pair_models:
        assert not (workflow_run / f"results/explain/{model}.parquet").exists()
    for model in (m for m in MODELS if m not in pair_models):
        df = pl.read_parquet(workflow_run / f"results/explain/{model}.parquet")
        assert df.columns == ["mode", "band_start", "band_end", "n", "accuracy", "bits",
                              "delta_accuracy", "delta_bits"]
        assert df.row(0, named=True)["mode"] == "none" and df["delta_accuracy"][0] == 0
        n = df["n"][0]
        assert 0.9 * CONFIG["explain"]["positions"] < n <= CONFIG["explain"]["positions"]
        assert (df["n"] == n).all()
        rnd = df.filter(pl.col("mode") == "random").sort("band_start")
        assert rnd["band_start"][0] == 1 and rnd.height >= 3
        assert rnd["delta_bits"][0] > 0 and rnd["delta_accuracy"][0] < 0
        assert rnd["delta_bits"][0] > rnd["delta_bits"][-1], rnd
        tsv = pl.read_csv(workflow_run / f"results/explain/{model}.tsv", separator="\t")
        assert tsv["n"].to_list() == df["n"].to_list()


def test_gather_matches_the_per_chromosome_outputs(workflow_run):
    for model in MODELS:
        merged = pl.read_parquet(workflow_run / f"results/scores/{model}/metrics.parquet")
        total = 0
        for chrom in CONFIG["splits"]["test"]:
            part = pl.read_parquet(workflow_run / f"results/scores/{model}/jobs/{job_of(workflow_run, chrom)}/metrics.parquet")
            row = part.filter((pl.col("chrom") == chrom) & (pl.col("class") == "all")).row(0, named=True)
            mrow = merged.filter((pl.col("chrom") == chrom) & (pl.col("class") == "all")).row(0, named=True)
            assert row == mrow
            total += row["n"]
            whole = pyBigWig.open(str(workflow_run / f"results/scores/{model}/p_ref.bw"))
            piece = pyBigWig.open(str(workflow_run / f"results/scores/{model}/jobs/{job_of(workflow_run, chrom)}/p_ref.bw"))
            length = piece.chroms()[chrom]
            assert whole.intervals(chrom, 0, length) == piece.intervals(chrom, 0, length)
        all_row = merged.filter((pl.col("chrom") == "all") & (pl.col("class") == "all")).row(0, named=True)
        assert all_row["n"] == total
        acc = sum(r["accuracy"] * r["n"] for r in merged.filter(
            (pl.col("chrom") != "all") & (pl.col("class") == "all") & (pl.col("target") == TARGET[model])).iter_rows(named=True)) / total
        assert all_row["accuracy"] == pytest.approx(acc)
        # the pair and type rows survive the gather (their hits read back from the accuracy);
        # a two-class model has its own target's only
        for t in ("pair", "type") if TARGET[model] == "base" else (TARGET[model],):
            rows = merged.filter((pl.col("class") == "all") & (pl.col("target") == t))
            per = rows.filter(pl.col("chrom") != "all")
            whole_row = rows.filter(pl.col("chrom") == "all").row(0, named=True)
            assert whole_row["accuracy"] == pytest.approx((per["accuracy"] * per["n"]).sum() / total, abs=1e-12)
            assert whole_row["bits"] == pytest.approx((per["bits"] * per["n"]).sum() / total, rel=1e-9)
            for chrom in CONFIG["splits"]["test"]:
                part = pl.read_parquet(workflow_run / f"results/scores/{model}/jobs/{job_of(workflow_run, chrom)}/metrics.parquet")
                a = part.filter((pl.col("chrom") == chrom) & (pl.col("target") == t)).sort("class")
                b = merged.filter((pl.col("chrom") == chrom) & (pl.col("target") == t)).sort("class")
                assert a["n"].to_list() == b["n"].to_list()
                assert np.allclose(a["accuracy"].fill_null(0), b["accuracy"].fill_null(0), atol=1e-12)
                assert np.allclose(a["bits"].fill_null(0), b["bits"].fill_null(0), rtol=1e-9)
        cal = pl.read_parquet(workflow_run / f"results/scores/{model}/calibration.parquet")
        assert cal["n"].sum() == (4 if TARGET[model] == "base" else 2) * total


def test_slurm_profile_job_graph(tmp_path):
    """A dry run with the SLURM profile on a multi-chromosome config: one count job per
    train chromosome and k-mer model, one score job per test chromosome and model, GPUs
    only for neural training and scoring; the same scatter per fold when cross-fitting."""
    cfg = {
        "genome": str(DEMO),
        "splits": {"train": [f"chr_{i}" for i in range(1, 6)], "test": [f"chr_{i}" for i in range(8, 12)],
                   "valid_fraction": 0.05},
        "models": [
            {"name": "k5", "kind": "kmer", "k": 5},
            {"name": "k6", "kind": "kmer", "k": 6},
            {"name": "net", "kind": "neural", "prior": "k6", "model": {"architecture": "lstm"}},
        ],
        "crossfit": {"folds": 3, "chroms": [f"chr_{i}" for i in range(1, 10)]},
    }
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    path = tmp_path / "multi.yaml"
    path.write_text(yaml.safe_dump(with_splits(cfg)))
    out = snakemake(tmp_path, path, "-n", "--profile", str(REPO / "workflow" / "profiles" / "slurm")).stdout
    jobs, rule = [], None
    for line in out.splitlines():
        if line.startswith("rule ") or line.startswith("localrule "):
            rule = line.split()[1].rstrip(":")
            jobs.append({"rule": rule})
        elif line.strip().startswith("wildcards:") and jobs:
            jobs[-1]["wildcards"] = line.strip()[len("wildcards:"):].strip()
        elif line.strip().startswith("resources:") and jobs:
            jobs[-1]["resources"] = line.strip()
    count = lambda r: sum(j["rule"] == r for j in jobs)
    assert count("count_kmers") == 2 * 5
    assert count("score_kmer") == 2 * 4
    assert count("score_neural") == 1 * 4
    assert count("train_model") == 1
    assert count("merge_scores") == 3
    assert count("explain_kmer") == 2 and count("explain_neural") == 1
    # cross-fitting: per fold, counts of its 6 train chromosomes, one training; per
    # chromosome, one score job per model, by its fold's model
    assert count("crossfit_windows") == 3
    assert count("crossfit_count_kmers") == 2 * 3 * 6
    assert count("crossfit_train_model") == 3
    assert count("crossfit_score_neural") == 9 and count("crossfit_score_kmer") == 2 * 9
    assert count("crossfit_merge_scores") == 3
    gpu_rules = ("train_model", "score_neural", "explain_neural", "crossfit_train_model", "crossfit_score_neural")
    for j in jobs:
        gpu = "gpu=1" in j.get("resources", "")
        assert gpu == (j["rule"] in gpu_rules), j
        if gpu:
            assert "slurm_partition=gpu" in j["resources"]
        elif "resources" in j and j["rule"] != "all":
            assert "slurm_partition=cpu" in j["resources"], j
    # every chromosome is its own job
    scored = {j["wildcards"] for j in jobs if j["rule"] == "score_kmer"}
    assert len(scored) == 8


def test_schema_errors_name_the_field(tmp_path):
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    bad = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
    bad["models"][0]["k"] = 50
    (tmp_path / "k.yaml").write_text(yaml.safe_dump(bad))
    res = snakemake(tmp_path, tmp_path / "k.yaml", "-n", check=False)
    msg = res.stdout + res.stderr
    assert res.returncode != 0 and "['models'][0]" in msg and "'k': 50" in msg, msg
    bad = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
    bad["windows"]["sise"] = 10
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(bad))
    res = snakemake(tmp_path, tmp_path / "w.yaml", "-n", check=False)
    assert res.returncode != 0 and "sise" in res.stdout + res.stderr


@pytest.mark.parametrize("bound_gb", [None, 0.25])
def test_memory_requests_follow_the_genome_split_and_bound(tmp_path, bound_gb):
    """Each Markov job asks for what the genome, split and bound make it need (the README's
    resources table): the index what one pass takes (10 bytes per train base and 1 GiB) up to
    index_max_memory_gb, passed on as --max-memory; a scoring job 4 GB, the mapped index (a
    byte per train base) and 10 bytes per base of the largest contig."""
    cfg = with_splits({"genome": str(DEMO), "models": [{"name": "m16", "kind": "markov", "k": 16}],
                       "explain": {"enabled": False}})
    if bound_gb is not None:
        cfg["index_max_memory_gb"] = bound_gb
    path = tmp_path / "mem.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = snakemake(tmp_path, path, "-n", "-p", "--profile", str(REPO / "workflow" / "profiles" / "slurm")).stdout
    mem, rule = {}, None
    for line in out.splitlines():
        if line.startswith("rule "):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("resources:") and rule:
            fields = dict(f.split("=", 1) for f in line.strip()[len("resources:"):].strip().split(", "))
            mem.setdefault(rule, set()).add(int(fields["mem_mb"]))
    lengths = {r.split("\t")[0]: int(r.split("\t")[1]) for r in open(f"{DEMO}.fai").read().splitlines()}
    train = sum(lengths[c] for c in cfg["splits"]["train"])
    mib = lambda n: -(-n // 2**20)
    one_pass = mib(10 * train) + 1024
    index = one_pass if bound_gb is None else int(bound_gb * 1024)
    assert bound_gb is None or index < one_pass
    assert mem["index_genome"] == {index}, mem
    assert f"--max-memory {index}M" in out
    assert mem["score_markov"] == {4000 + mib(train) + mib(10 * max(lengths.values()))}, mem


def test_killed_run_finishes_on_rerun(tmp_path, demo_copy):
    """Kill the whole workflow while it trains the network; the next run finishes, resumes
    the training from its checkpoint, and leaves the jobs that had finished alone."""
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    cfg = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
    cfg["genome"] = str(demo_copy)
    tiny = next(m for m in cfg["models"] if m["name"] == "tiny")
    # a copy: the CI config shares one train: block between its networks (a YAML anchor)
    tiny["train"] = {**tiny["train"], "steps": 200, "valid_every": 20}
    cfg["score"]["keep_chroms"] = False  # the default: per-chromosome folders removed once merged
    cfg["score"]["classes"] = [str(REPO / ".test" / "classes.bed")]
    cfg.pop("crossfit")  # the kill and rerun are about the test split's jobs: keep the run short
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(path), "--cores", "2", "-q"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    state = tmp_path / "results/models/tiny/checkpoint.yaml"
    started = time.time()
    while not state.exists():
        assert proc.poll() is None, "the workflow ended before it could be killed"
        assert time.time() - started < 300, "training never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "results/models/tiny/weights.safetensors").exists()
    done = {p: p.stat().st_mtime_ns for p in [tmp_path / "results/repeats.bed", tmp_path / "results/windows.parquet",
                                             tmp_path / "results/kmers/kmer4/kmers.parquet"]}
    # a SIGKILL leaves Snakemake's lock behind: unlock, then run again
    snakemake(tmp_path, path, "--unlock")
    snakemake(tmp_path, path, "--cores", "2", "--rerun-incomplete")
    for p, mtime in done.items():
        assert p.stat().st_mtime_ns == mtime, f"{p} was made again"
    assert "resum" in (tmp_path / "logs/train_model/tiny.log").read_text().lower() or \
        pl.read_parquet(tmp_path / "results/models/tiny/metrics.parquet")["step"].to_list()[0] == 20
    steps = pl.read_parquet(tmp_path / "results/models/tiny/metrics.parquet")["step"].to_list()
    assert steps == list(range(20, 201, 20)), "the resumed training carries its metrics over"
    for model in MODELS:
        bw = pyBigWig.open(str(tmp_path / f"results/scores/{model}/p_ref.bw"))
        assert bw.isBigWig() and bw.chroms()
        left = [p for p in (tmp_path / f"results/scores/{model}/jobs").rglob("*") if p.is_file()]
        assert left == [], f"per-chromosome files left after merging: {left}"
    assert (tmp_path / "results/report.html").exists()
    # a third run has nothing to do
    again = snakemake(tmp_path, path, "--cores", "2", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.parametrize("crossfit,message", [
    ({"folds": 30}, "crossfit.folds is 30 but there are 21 chromosomes"),
    ({"folds": [["chr_1", "chr_2"], ["chr_2"]]}, "crossfit chromosome 'chr_2' is in folds 1 and 2"),
    ({"folds": [["chr_1"], ["chrX"]]}, "lacks: chrX"),
    ({"folds": [["chr_1"], ["chr_2"]], "chroms": ["chr_1"]}, "crossfit.chroms is only for folds: N"),
    ({"folds": 1}, "crossfit"),
])
def test_bad_crossfit_configs_are_refused(tmp_path, crossfit, message):
    """Folds that cannot work stop the workflow before anything runs, naming the problem;
    explicit folds are taken as given."""
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    cfg = {"genome": str(DEMO), "models": [{"name": "k3", "kind": "kmer", "k": 3}], "crossfit": crossfit}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(with_splits(cfg)))
    res = snakemake(tmp_path, tmp_path / "c.yaml", "-n", check=False)
    msg = res.stdout + res.stderr
    assert res.returncode != 0 and message in msg, msg[-3000:]


def test_explicit_folds(tmp_path):
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    cfg = {"genome": str(DEMO), "models": [{"name": "k3", "kind": "kmer", "k": 3}],
           "crossfit": {"folds": [["chr_20", "chr_21"], ["chr_19"]]}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(with_splits(cfg)))
    out = snakemake(tmp_path, tmp_path / "c.yaml", "-n", "-p", "crossfit").stdout
    assert "--fold fold1" in out and "--fold fold2" in out
    plan = pl.read_csv(tmp_path / "results/plan.tsv", separator="\t", infer_schema_length=0)
    fold = dict(zip(plan["contig"], plan["fold"]))
    assert (fold["chr_20"], fold["chr_21"], fold["chr_19"]) == ("fold1", "fold1", "fold2")
    assert {f for c, f in fold.items() if c not in ("chr_19", "chr_20", "chr_21")} == {"."}


def test_a_repeat_classifier_is_refused_as_a_workflow_model(tmp_path):
    """A neural model of `train: {target: repeat}` predicts repeats, not bases: the workflow
    says so before anything runs."""
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    cfg = {"genome": str(DEMO), "models": [
        {"name": "cls", "kind": "neural", "model": {"architecture": "cnn"}, "train": {"target": "repeat"}}]}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(with_splits(cfg)))
    res = snakemake(tmp_path, tmp_path / "c.yaml", "-n", check=False)
    msg = res.stdout + res.stderr
    assert res.returncode != 0 and "model cls is a repeat classifier" in msg, msg[-3000:]
