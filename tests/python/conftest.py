"""Shared fixtures: the repository, the built binaries, and one run of the workflow."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = REPO / "target" / "release"
DEMO = REPO / "data" / "ztritici_IPO323.fa.gz"


def run(cmd, cwd=None, check=True):
    """Runs a command, failing the test with its stderr when it fails."""
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and res.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{res.stderr}")
    return res


def tool(name):
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: build with `cargo build --release` first")
    return str(path)


YEAST = REPO / "tests" / "data" / "yeast_R64_chrI.fa.gz"


def copy_genome(src, dest):
    """Copies a bgzipped FASTA with its .fai and .gzi to the path `dest`; returns it as a str."""
    for suffix in ("", ".fai", ".gzi"):
        shutil.copy(str(src) + suffix, str(dest) + suffix)
    return str(dest)


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory):
    """The demo genome with its indexes in a scratch folder."""
    if os.environ.get("DNACTX_REUSE_WORKFLOW"):
        return pathlib.Path(os.environ["DNACTX_REUSE_WORKFLOW"]).parent / "genome0" / DEMO.name
    d = tmp_path_factory.mktemp("genome")
    copy_genome(DEMO, d / DEMO.name)
    return d / DEMO.name


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory, demo_copy):
    """Runs the bundled workflow on .test/config.yaml in a scratch folder (or, to iterate on
    tests, reuses the finished run in $DNACTX_REUSE_WORKFLOW, made with this demo copy)."""
    if os.environ.get("DNACTX_REUSE_WORKFLOW"):
        return pathlib.Path(os.environ["DNACTX_REUSE_WORKFLOW"])
    work = tmp_path_factory.mktemp("workflow")
    shutil.copytree(REPO / "config", work / "config")
    (work / ".test").mkdir()
    shutil.copy(REPO / ".test" / "classes.bed", work / ".test" / "classes.bed")  # score.classes
    snakemake = shutil.which("snakemake") or str(pathlib.Path(sys.executable).parent / "snakemake")
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    cmd = [
        snakemake, "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--directory", str(work), "--configfile", str(REPO / ".test" / "config.yaml"),
        "--config", f"genome={demo_copy}", "--cores", "2", "-q",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        pytest.fail(f"workflow failed:\n{res.stdout}\n{res.stderr}")
    return work


def job_of(work, contig):
    """The job (results/plan.tsv) that counts or scores a contig in a workflow run."""
    import polars as pl

    plan = pl.read_csv(pathlib.Path(work) / "results/plan.tsv", separator="\t", infer_schema_length=0)
    return plan.filter(pl.col("contig") == contig)["job"][0]
