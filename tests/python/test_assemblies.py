"""Real assemblies: test genomes shaped like UCSC's hg38 (alts, a fix, random, chrUn, a decoy,
HLA alleles, chrM, chrEBV; plain gzip), Ensembl, NCBI RefSeq with an assembly report, and
T2T, built from real sequence by scripts/make-test-assembly.py. Checked: every contig's class,
parent and split (plan-splits' table, read with polars), that no window of training and no
test-metric row comes from a copy of a train chromosome, crossfit folds that keep placed
contigs with their parents, bad input refused with a message that says what to do, and the
workflow from the plain gzip with a generated config, end to end."""

import gzip
import os
import pathlib
import shutil
import subprocess
import sys

import polars as pl
import pyBigWig
import pytest
import yaml

from conftest import REPO, run, tool

MAKE = REPO / "scripts" / "make-test-assembly.py"


@pytest.fixture(scope="module")
def asm(tmp_path_factory):
    d = tmp_path_factory.mktemp("assemblies")
    for conv, name in [("ucsc", "hg38like.fa.gz"), ("ensembl", "ensembl.fa.gz"),
                       ("ncbi", "GCF_test_genomic.fna.gz"), ("t2t", "chm13like.fa.gz")]:
        run([sys.executable, str(MAKE), conv, str(d / name)])
    return d


def plan(genome, cfg, tmp, *extra, check=True):
    """plan-splits' table for a config (a dict) as a polars frame, or the failed run."""
    p = tmp / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    res = run([tool("plan-splits"), "-g", str(genome), "--config", str(p), "-o", "-", *extra], check=check)
    if not check:
        return res
    lines = res.stdout
    out = tmp / "plan.tsv"
    out.write_text(lines)
    return pl.read_csv(out, separator="\t", infer_schema_length=0), res.stderr


def rows(df):
    return {r["contig"]: r for r in df.iter_rows(named=True)}


def test_ucsc_names_classes_and_a_test_split_of_primary_sequence_only(asm, tmp_path):
    df, summary = plan(asm / "hg38like.fa.gz", {"splits": {"train": ["chr20"], "test": "rest"}}, tmp_path)
    r = rows(df)
    want = {
        "chr6": ("primary", ".", "test"), "chr20": ("primary", ".", "train"), "chr22": ("primary", ".", "test"),
        "chr20_KI270869v1_alt": ("alt", "chr20", "excluded"), "chr22_KI270879v1_alt": ("alt", "chr22", "excluded"),
        "chr6_KN196478v1_fix": ("alt", "chr6", "excluded"), "chr20_KI270725v1_random": ("random", "chr20", "excluded"),
        "chrUn_GL000195v1": ("unplaced", ".", "excluded"), "chrUn_KI270442v1": ("unplaced", ".", "excluded"),
        "chrM": ("mito", ".", "excluded"), "chrUn_JTFH01000001v1_decoy": ("decoy", ".", "excluded"),
        "chrEBV": ("other", ".", "excluded"), "HLA-A*01:01:01:01": ("hla", "chr6", "excluded"),
        "HLA-B*07:02:01": ("hla", "chr6", "excluded"),
    }
    assert {c: (x["class"], x["parent"], x["split"]) for c, x in r.items()} == want
    assert "left out by default" in r["chr20_KI270869v1_alt"]["reason"]
    assert "test" in summary and "left out: alt" in summary
    # the lengths are the FASTA's (samtools faidx on a bgzip copy of it)
    bgz = tmp_path / "g.fa.gz"
    run([tool("prepare-genome"), "-g", str(asm / "hg38like.fa.gz"), "-o", str(bgz), "-q"])
    fai = run(["samtools", "faidx", str(bgz), "chrM"]).stdout
    assert len("".join(fai.splitlines()[1:])) == int(r["chrM"]["length"])


def test_included_copies_follow_their_parent_into_split_and_fold(asm, tmp_path):
    cfg = {"splits": {"train": ["chr20"], "test": "rest", "include": ["alt", "hla", "random", "unplaced"]},
           "crossfit": {"folds": 2}}
    df, _ = plan(asm / "hg38like.fa.gz", cfg, tmp_path)
    r = rows(df)
    for c, x in r.items():
        if x["parent"] != ".":
            p = r[x["parent"]]
            assert (x["split"], x["fold"]) == (p["split"], p["fold"]), c
            assert x["job"] != "." and p["job"] != "."
    # a job never mixes splits or folds
    for _, g in df.filter(pl.col("job") != ".").group_by("job"):
        assert g["split"].n_unique() == 1 and g["fold"].n_unique() == 1
    assert r["chrM"]["split"] == "excluded" and r["chrEBV"]["split"] == "excluded"


def test_refusals_say_what_to_do(asm, tmp_path):
    g = asm / "hg38like.fa.gz"
    res = plan(g, {"splits": {"train": ["chr20"], "test": ["chr20_KI270869v1_alt", "chr6"]}}, tmp_path, check=False)
    assert res.returncode != 0 and "its parent chr20 in train" in res.stderr, res.stderr
    res = plan(g, {"splits": {"train": ["chr20"], "test": "rest", "include": ["decoy"]}}, tmp_path, check=False)
    assert res.returncode != 0 and "chrUn_JTFH01000001v1_decoy" in res.stderr and "contig table" in res.stderr
    res = plan(g, {"splits": {"train": ["chrZ"], "test": "rest"}}, tmp_path, check=False)
    assert res.returncode != 0 and "lacks: chrZ" in res.stderr
    res = plan(g, {"splits": {"train": ["Chr20"], "test": "rest"}}, tmp_path, check=False)
    assert "did you mean chr20?" in res.stderr
    # a contig table places the decoy; then it follows chr20 into train
    table = tmp_path / "contigs.tsv"
    table.write_text("contig\tclass\tparent\nchrUn_JTFH01000001v1_decoy\tdecoy\tchr20\n")
    df, _ = plan(g, {"splits": {"train": ["chr20"], "test": "rest", "include": ["decoy"]}}, tmp_path,
                 "--contig-table", str(table))
    assert rows(df)["chrUn_JTFH01000001v1_decoy"]["split"] == "train"
    # two contigs with one name
    dup = tmp_path / "dup.fa"
    dup.write_text(">chr1\nACGTACGT\n>chr2\nACGT\n>chr1\nTTTT\n")
    res = plan(dup, {"splits": {"train": ["chr1"], "test": "rest"}}, tmp_path, check=False)
    assert res.returncode != 0 and "chr1" in res.stderr and "dup.fa" in res.stderr, res.stderr


def test_ncbi_with_its_assembly_report(asm, tmp_path):
    g = asm / "GCF_test_genomic.fna.gz"
    report = asm / "GCF_test_genomic_assembly_report.txt"
    cfg = {"splits": {"train": ["NC_000020.11"], "test": "rest", "include": ["alt", "random", "hla"]}}
    # without the report the NT_/NW_ scaffolds are unplaced: left out, never tested
    df, _ = plan(g, {"splits": {"train": ["NC_000020.11"], "test": "rest"}}, tmp_path)
    assert set(df.filter(pl.col("contig").str.starts_with("NT_"))["split"]) == {"excluded"}
    # and asked for, they are refused: an NT_ name does not say unplaced from alt
    res = plan(g, {"splits": {"train": ["NC_000020.11"], "test": "rest", "include": ["unplaced"]}}, tmp_path, check=False)
    assert res.returncode != 0 and "NT_187577.1" in res.stderr and "assembly_report" in res.stderr, res.stderr
    df, _ = plan(g, cfg, tmp_path, "--assembly-report", str(report))
    r = rows(df)
    assert (r["NT_187577.1"]["class"], r["NT_187577.1"]["parent"], r["NT_187577.1"]["split"]) == ("alt", "NC_000020.11", "train")
    assert (r["NW_009646201.1"]["class"], r["NW_009646201.1"]["parent"]) == ("alt", "NC_000006.12")
    assert (r["NT_187380.1"]["class"], r["NT_187380.1"]["split"]) == ("random", "train")
    assert r["NC_012920.1"]["class"] == "mito"
    assert r["HLA-A*01:01:01:01"]["parent"] == "NC_000006.12"
    # the first word of a header is the name
    assert "NC_000001.11" not in r and all(" " not in c for c in r)
    # a report of another assembly is refused, naming the contig and the line
    bad = tmp_path / "other_assembly_report.txt"
    bad.write_text(report.read_text().replace("\t639501\t", "\t639502\t"))
    res = plan(g, cfg, tmp_path, "--assembly-report", str(bad), check=False)
    assert res.returncode != 0 and "NC_000020.11" in res.stderr and "another assembly" in res.stderr, res.stderr


def test_ensembl_and_t2t_names(asm, tmp_path):
    df, _ = plan(asm / "ensembl.fa.gz", {"splits": {"train": ["20"], "test": "rest"}}, tmp_path)
    r = rows(df)
    assert r["MT"]["class"] == "mito" and r["KI270725.1"]["class"] == "unplaced"
    assert (r["CHR_HSCHR20_1_CTG1"]["class"], r["CHR_HSCHR20_1_CTG1"]["parent"]) == ("alt", "20")
    assert set(df.filter(pl.col("split") == "test")["contig"]) == {"6", "22"}
    # a patch whose chromosome the name does not give cannot be included without a table
    res = plan(asm / "ensembl.fa.gz", {"splits": {"train": ["20"], "test": "rest", "include": ["alt"]}},
               tmp_path, check=False)
    assert res.returncode != 0 and "CHR_HG2128_PATCH" in res.stderr
    df, _ = plan(asm / "chm13like.fa.gz", {"splits": {"train": ["chr20"], "test": "rest"}, "crossfit": {"folds": 3}},
                 tmp_path)
    r = rows(df)
    assert r["chrM"]["split"] == "excluded" and r["chrM"]["fold"] == "."
    assert sorted(x["fold"] for c, x in r.items() if c != "chrM") == ["fold1", "fold2", "fold3"]


def test_a_job_with_nothing_to_score_writes_empty_outputs(asm, tmp_path):
    g = tmp_path / "g.fa.gz"
    run([tool("prepare-genome"), "-g", str(asm / "hg38like.fa.gz"), "-o", str(g), "-q"])
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"splits": {"train": ["chr20"], "test": "rest", "include": ["unplaced"]}}))
    p = tmp_path / "plan.tsv"
    # many jobs: the mostly-N chrUn_KI270442v1 still shares one (1 Mb at least per pack)
    run([tool("plan-splits"), "-g", str(g), "--config", str(cfg), "-o", str(p), "-q"])
    text = p.read_text().replace("\tpack", "\tjob_")
    lines = [l if not l.startswith("chrUn_KI270442v1\t") else
             "\t".join(l.split("\t")[:6] + ["empty"] + l.split("\t")[7:]) for l in text.splitlines()]
    p.write_text("\n".join(lines) + "\n")
    w = tmp_path / "w.parquet"
    run([tool("make-windows"), "-g", str(g), "--plan", str(p), "--splits-out", str(tmp_path / "splits.tsv"),
         "-o", str(w), "-q"])
    splits = rows(pl.read_csv(tmp_path / "splits.tsv", separator="\t", infer_schema_length=0))
    assert "nothing to score" in splits["chrUn_KI270442v1"]["reason"]
    assert splits["chrUn_KI270442v1"]["windows"] == "0"
    k = tmp_path / "k.parquet"
    run([tool("count-kmers"), "-g", str(g), "--windows", str(w), "--split", "train", "-k", "3", "-o", str(k), "-q"])
    out = tmp_path / "scores"
    res = run([tool("score-genome"), "-g", str(g), "--model", str(k), "--windows", str(w), "--split", "test",
               "--plan", str(p), "--job", "empty", "-o", str(out), "-q"])
    assert "nothing to score" in res.stderr
    m = pl.read_parquet(out / "metrics.parquet")
    assert m.filter(pl.col("chrom") == "all")["n"].sum() == 0
    # a valid bigWig without data (bigtools lists only contigs with values)
    bw = pyBigWig.open(str(out / "p_ref.bw"))
    assert bw.header()["nBasesCovered"] == 0 and not bw.chroms()
    # and the merge takes it with a job that has scores
    full = tmp_path / "scores_chr6"
    run([tool("score-genome"), "-g", str(g), "--model", str(k), "--windows", str(w), "--split", "test",
         "--chrom", "chr6", "-o", str(full), "-q"])
    merged = tmp_path / "merged"
    run([tool("merge-scores"), str(full), str(out), "-o", str(merged), "-q"])
    bw = pyBigWig.open(str(merged / "p_ref.bw"))
    assert bw.chroms("chr6") == 773098


@pytest.fixture(scope="module")
def hg38like_run(asm, tmp_path_factory):
    """The workflow on the plain-gzip hg38-shaped assembly, from a folder of its own, with the
    config plan-splits --init-config writes (models made small for a test; the copies
    included so that they follow their parents; crossfit in 2 folds)."""
    proj = tmp_path_factory.mktemp("hg38like")
    cfg_dir = proj / "config"
    cfg_dir.mkdir()
    shutil.copy(asm / "hg38like.fa.gz", cfg_dir / "hg38like.fa.gz")
    run([tool("plan-splits"), "-g", str(cfg_dir / "hg38like.fa.gz"), "--init-config", str(cfg_dir / "my.yaml")])
    cfg = yaml.safe_load((cfg_dir / "my.yaml").read_text())
    cfg["genome"] = "hg38like.fa.gz"  # relative to the config file's folder
    cfg["splits"]["include"] = ["alt", "hla", "random", "unplaced"]
    cfg["crossfit"] = {"folds": 2}
    cfg["models"] = [
        {"name": "kmer4", "kind": "kmer", "k": 4},
        {"name": "markov10", "kind": "markov", "k": 10},
        {"name": "tiny", "kind": "neural", "prior": "kmer4",
         "model": {"architecture": "cnn", "channels": 8, "kernel_sizes": [3, 3], "dilations": [1, 2], "dense": [8]},
         "train": {"chunk": 256, "batch": 4, "steps": 6, "warmup": 2, "valid_every": 3, "valid_chunks": 4}},
    ]
    (cfg_dir / "my.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    snakemake = shutil.which("snakemake") or str(pathlib.Path(sys.executable).parent / "snakemake")
    env = dict(os.environ, PATH=f"{REPO / 'target' / 'release'}:{os.environ['PATH']}")
    work = proj / "run"
    cmd = [snakemake, "-s", str(REPO / "workflow" / "Snakefile"), "-d", str(work),
           "--configfile", str(cfg_dir / "my.yaml"), "--cores", "2", "-q"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=proj)
    if res.returncode != 0:
        pytest.fail(f"workflow failed:\n{res.stdout}\n{res.stderr}")
    return work, cfg, res.stderr


def test_workflow_from_plain_gzip_with_a_generated_config(hg38like_run):
    work, cfg, stderr = hg38like_run
    # the splits, on the terminal before any job and in results/splits.tsv and the report
    assert "dnactx: splits of" in stderr and "left out: mito" in stderr
    splits = rows(pl.read_csv(work / "results/splits.tsv", separator="\t", infer_schema_length=0))
    assert splits["chrM"]["split"] == "excluded"
    assert "nothing to score" in splits["chrUn_KI270442v1"]["reason"]
    assert "Left out, or nothing to score" in (work / "results/report.html").read_text()
    # converted once to bgzip with its indexes; the demo's config did not leak in
    assert (work / "results/genome/hg38like.fa.gz.gzi").exists()
    assert not (work / "results/scores/kmer5").exists() and not (work / "results/explain").exists()
    test = {c for c, x in splits.items() if x["split"] == "test"}
    train = {c for c, x in splits.items() if x["split"] == "train"}
    # no training window and no test-metric row from a copy of a train chromosome
    w = pl.read_parquet(work / "results/windows.parquet")
    for r in w.unique(["chrom", "split"]).iter_rows(named=True):
        own = splits[r["chrom"]]
        assert ("train" if r["split"] == "valid" else r["split"]) == own["split"], r
        if own["parent"] != ".":
            assert splits[own["parent"]]["split"] == own["split"], r
    m = pl.read_parquet(work / "results/scores/kmer4/metrics.parquet")
    chroms = set(m["chrom"]) - {"all"}
    assert chroms and chroms <= test
    assert not any(splits[c]["parent"] in train for c in chroms)
    # tracks keep the real names, HLA's '*' and ':' included, in the merged and crossfit bigWigs
    for path in ["results/scores/kmer4/p_ref.bw", "results/crossfit/scores/tiny/p_ref.bw"]:
        names = set(pyBigWig.open(str(work / path)).chroms())
        assert names <= set(splits) and names, path
    cf = set(pyBigWig.open(str(work / "results/crossfit/scores/kmer4/p_ref.bw")).chroms())
    assert "HLA-A*01:01:01:01" in cf and "chrM" not in cf
    # every fold's models trained on the other fold's contigs only, copies with their parents
    for fold in ("fold1", "fold2"):
        fw = pl.read_parquet(work / f"results/crossfit/{fold}/windows.parquet")
        for r in fw.iter_rows(named=True):
            own = splits[r["chrom"]]["fold"] == fold
            assert (r["split"] == "test") == own, r


def read_fasta(path):
    """Name -> upper-case sequence of a (gzip) FASTA."""
    seqs, name, parts = {}, None, []
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                if name is not None:
                    seqs[name] = "".join(parts).upper()
                name, parts = line[1:].split()[0], []
            else:
                parts.append(line.strip())
    seqs[name] = "".join(parts).upper()
    return seqs


def test_copies_in_training_measured_for_every_model(hg38like_run):
    """find-copies' bands against a naive search of the train windows' sequence, and every
    model's metrics split by band (the bands add up to all test positions)."""
    work, cfg, _ = hg38like_run
    seqs = read_fasta(work / "results/genome/hg38like.fa.gz")
    w = pl.read_parquet(work / "results/windows.parquet")
    train = "|".join(seqs[r["chrom"]][r["start"]:r["end"]]
                     for r in w.filter(pl.col("split") == "train").iter_rows(named=True))
    comp = str.maketrans("ACGT", "TGCA")
    beds = sorted((work / "results/copies").glob("*.bed"))
    assert beds
    bands = [line.split("\t") for b in beds for line in b.read_text().splitlines()]
    assert {b[3] for b in bands} == {"train_copy_none", "train_copy_21_31bp", "train_copy_33bp"}
    # a sample of positions of each band, checked by a substring search of either strand
    import random
    rng = random.Random(5)
    for name in ("train_copy_none", "train_copy_21_31bp", "train_copy_33bp"):
        runs = [b for b in bands if b[3] == name]
        for chrom, start, end, _ in rng.sample(runs, min(40, len(runs))):
            pos = rng.randrange(int(start), int(end))
            s, best = seqs[chrom], -1
            for j in range(17):
                if pos - j < 0 or pos + j >= len(s):
                    break
                win = s[pos - j:pos + j + 1]
                if "N" in win or not (win in train or win.translate(comp)[::-1] in train):
                    break
                best = j
            want = "train_copy_33bp" if best == 16 else "train_copy_21_31bp" if best >= 10 else "train_copy_none"
            assert name == want, (chrom, pos, best)
    # every model kind has the band rows, on the test split and cross-fitted
    for path in ["results/comparison.parquet", "results/crossfit/metrics.parquet"]:
        m = pl.read_parquet(work / path).filter((pl.col("chrom") == "all") & (pl.col("target") == "base"))
        if "fold" in m.columns:
            m = m.filter(pl.col("fold") == "all")
        for model in {x["name"] for x in cfg["models"]}:
            r = {x["class"]: x for x in m.filter(pl.col("model") == model).iter_rows(named=True)}
            assert sum(r[b]["n"] for b in ("train_copy_none", "train_copy_21_31bp", "train_copy_33bp")) == r["all"]["n"], (path, model)
    # the markov model finds what a copy gives it: near-perfect on copies, far from it elsewhere
    m = pl.read_parquet(work / "results/comparison.parquet").filter(
        (pl.col("chrom") == "all") & (pl.col("target") == "base") & (pl.col("model") == "markov10"))
    acc = dict(zip(m["class"], m["accuracy"]))
    assert acc["train_copy_33bp"] > 0.9 > 0.5 > acc["train_copy_none"]
    assert "Copies in training" in (work / "results/report.html").read_text()
