"""The demo workflow on a small config, its outputs checked by independent readers:
pyBigWig for the tracks, polars and pyarrow for the tables, bedtools and samtools for
the BED files, and a separate Python implementation of the k-mer model for the values."""

import gzip
import math
import random

import numpy as np
import polars as pl
import pyarrow.parquet as papq
import pyBigWig
import pytest
import yaml

from conftest import job_of, REPO, run

CONFIG = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
KMER = next(m for m in CONFIG["models"] if m["kind"] == "kmer")
NEURAL = next(m for m in CONFIG["models"] if m["kind"] == "neural")
MARKOV = next(m for m in CONFIG["models"] if m["kind"] == "markov")
MARKOV_PRIORED = next(m for m in CONFIG["models"] if m.get("prior") == MARKOV["name"])
K = KMER["k"]
MODEL = KMER["name"]
TRACKS = ["p_ref", "entropy", "p_A", "p_C", "p_G", "p_T"]


def read_fasta(path):
    seqs, name = {}, None
    with gzip.open(path, "rt") as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            else:
                seqs[name].append(line)
    return {n: "".join(s) for n, s in seqs.items()}


@pytest.fixture(scope="module")
def genome(demo_copy):
    return read_fasta(demo_copy)


def test_lint_is_clean():
    res = run(["snakemake", "--lint", "--snakefile", str(REPO / "workflow" / "Snakefile"),
               "--directory", str(REPO)])
    assert "Congratulations" in res.stdout + res.stderr


def test_every_output_and_log(workflow_run):
    w = workflow_run
    for model in (MODEL, NEURAL["name"]):
        for t in TRACKS:
            assert (w / f"results/scores/{model}/{t}.bw").stat().st_size > 0
        for f in ["metrics.parquet", "metrics.tsv", "calibration.parquet"]:
            assert (w / f"results/scores/{model}/{f}").exists(), f
        for chrom in CONFIG["splits"]["test"]:
            assert (w / f"logs/score/{model}/{job_of(w, chrom)}.log").exists()
    for f in ["repeats.bed", "windows.parquet", "windows.bed", f"kmers/{MODEL}/kmers.parquet",
              "comparison.parquet", "comparison.tsv", "report.html"]:
        assert (w / "results" / f).exists(), f
    for f in ["config.yaml", "weights.safetensors", "metrics.parquet", "prior.parquet"]:
        assert (w / f"results/models/{NEURAL['name']}/{f}").exists(), f
    for chrom in CONFIG["splits"]["train"]:
        assert (w / f"results/kmers/{MODEL}/shards/{job_of(w, chrom)}.parquet").exists()
        assert (w / f"logs/count_kmers/{MODEL}/{job_of(w, chrom)}.log").exists()
    assert (w / "logs/mask_repeats.log").exists()
    assert (w / f"logs/train_model/{NEURAL['name']}.log").exists()


def test_markov_model_and_prior(workflow_run, genome):
    w = workflow_run
    index = w / "results/markov/index.fmd"
    assert index.read_bytes()[:8] == b"DNACTXFM"
    assert (w / "logs/index_genome.log").exists()
    # the index holds both strands of the train windows' A/C/G/T runs: about 1 byte per base
    df = pl.read_parquet(w / "results/windows.parquet").filter(pl.col("split") == "train")
    acgt = int(df["n_acgt"].sum())
    assert 0.9 * acgt < index.stat().st_size < 1.3 * acgt + 4096
    name = MARKOV["name"]
    for t in TRACKS:
        assert (w / f"results/scores/{name}/{t}.bw").stat().st_size > 0
    meta = papq.read_metadata(w / f"results/scores/{name}/metrics.parquet").metadata
    assert meta[b"dnactx.model_kind"] == b"markov"
    assert meta[b"dnactx.track_precision"] == b"full"  # .test/config.yaml's score.precision
    assert meta[b"dnactx.k"] == str(MARKOV["k"]).encode()
    assert meta[b"dnactx.alpha"] == str(MARKOV["alpha"]).encode()
    # the same test positions as the k-mer model, scored at least as well as a coin
    comp = pl.read_csv(w / "results/comparison.tsv", separator="\t")
    rows = comp.filter((pl.col("chrom") == "all") & (pl.col("class") == "all") & (pl.col("target") == "base"))
    by_model = {r["model"]: r for r in rows.iter_rows(named=True)}
    assert by_model[name]["kind"] == "markov" and by_model[name]["flank"] == MARKOV["k"]
    assert by_model[name]["n"] == by_model[MODEL]["n"]
    assert 0.3 < by_model[name]["accuracy"] < 0.6
    # p_A..p_T of every scored base sum to 1, strand-symmetric counts or not
    bws = {b: pyBigWig.open(str(w / f"results/scores/{name}/p_{b}.bw")) for b in "ACGT"}
    chrom = CONFIG["splits"]["test"][0]
    vals = np.array([bws[b].values(chrom, 10_000, 12_000, numpy=True) for b in "ACGT"])
    ok = ~np.isnan(vals).any(axis=0)
    assert ok.sum() > 1000
    assert np.allclose(vals[:, ok].sum(axis=0), 1.0, atol=1e-5)
    # a neural model with the Markov prior: the index copied into its folder
    folder = w / f"results/models/{MARKOV_PRIORED['name']}"
    assert (folder / "prior.fmd").read_bytes() == index.read_bytes()
    cfg = yaml.safe_load(open(folder / "config.yaml"))
    assert cfg["prior"]["table"] == "prior.fmd" and cfg["prior"]["k"] == MARKOV["k"]
    assert (w / f"results/scores/{MARKOV_PRIORED['name']}/metrics.tsv").exists()
    # it starts from a preset (`preset:` in the config) whose settings the config overrides
    assert cfg["preset"] == "cpu-small-cnn"
    assert cfg["model"]["residual"] is True and cfg["model"]["channels"] == 16
    assert cfg["train"]["max_minutes"] == 30 and cfg["train"]["steps"] == 30
    assert cfg["flops_per_base"] > 0
    flank = comp.filter(pl.col("model") == MARKOV_PRIORED["name"])["flank"][0]
    assert flank == cfg["field"]


def test_windows_table(workflow_run, genome):
    df = pl.read_parquet(workflow_run / "results/windows.parquet")
    assert df.schema == {"chrom": pl.String, "start": pl.UInt64, "end": pl.UInt64, "split": pl.String,
                         "n_acgt": pl.UInt64, "n_repeat": pl.UInt64, "gc": pl.Float64}
    meta = papq.read_metadata(workflow_run / "results/windows.parquet").metadata
    assert meta[b"dnactx.kind"] == b"windows"
    named = {c: s for s in ("train", "valid", "test") for c in CONFIG["splits"][s]}
    for row in df.iter_rows(named=True):
        seq = genome[row["chrom"]][row["start"]:row["end"]]
        acgt = sum(seq.upper().count(b) for b in "ACGT")
        assert row["n_acgt"] == acgt
        gc = sum(seq.upper().count(b) for b in "GC")
        assert row["gc"] == pytest.approx(gc / acgt)
        want = named[row["chrom"]]
        assert row["split"] == want or (want == "train" and row["split"] == "valid")
    # the seeded valid share of train windows
    train_like = df.filter(pl.col("chrom").is_in(CONFIG["splits"]["train"]))
    n_valid = train_like.filter(pl.col("split") == "valid").height
    assert n_valid == round(CONFIG["splits"]["valid_fraction"] * train_like.height)
    # windows.bed holds the same rows
    bed = [l.split("\t") for l in open(workflow_run / "results/windows.bed").read().splitlines()]
    assert [(c, int(s), int(e), sp) for c, s, e, sp in bed] == list(
        zip(df["chrom"], df["start"], df["end"], df["split"]))


def test_repeats_bed_is_sorted_merged_and_labelled(workflow_run, demo_copy, tmp_path):
    bed = workflow_run / "results/repeats.bed"
    rows = [l.split("\t") for l in bed.read_text().splitlines()]
    assert all(set(r[3].split(",")) <= {"softmask", "dust"} for r in rows)
    # bedtools merge (book-ended intervals merged) changes nothing
    merged = run(["bedtools", "merge", "-i", str(bed), "-c", "4", "-o", "distinct"]).stdout.splitlines()
    assert len(merged) == len(rows)
    # sorted in the genome's order (bedtools sort -faidx)
    resorted = run(["bedtools", "sort", "-faidx", str(demo_copy) + ".fai", "-i", str(bed)]).stdout
    assert resorted == bed.read_text()


def test_kmer_table(workflow_run):
    path = workflow_run / f"results/kmers/{MODEL}/kmers.parquet"
    df = pl.read_parquet(path)
    assert df.columns == ["left", "right", "count_A", "count_C", "count_G", "count_T"]
    assert all(len(x) == K for x in df["left"]) and all(len(x) == K for x in df["right"])
    meta = papq.read_metadata(path).metadata
    assert meta[b"dnactx.k"] == str(K).encode()
    assert meta[b"dnactx.strands"] == b"both"
    assert meta[b"dnactx.kind"] == b"kmer_counts"
    # both strands: the table is its own reverse complement
    comp = str.maketrans("ACGT", "TGCA")
    counts = {(l, r): (a, c, g, t) for l, r, a, c, g, t in df.iter_rows()}
    for (l, r), (a, c, g, t) in list(counts.items())[:500]:
        rc = counts[(r.translate(comp)[::-1], l.translate(comp)[::-1])]
        assert rc == (t, g, c, a)


class KmerModel:
    """An independent implementation of the backoff formula in docs/cli.md ("The k-mer model")."""

    def __init__(self, path, alpha):
        df = pl.read_parquet(path)
        self.k = len(df["left"][0])
        self.alpha = alpha
        self.counts = [dict() for _ in range(self.k + 1)]
        for l, r, *c in df.iter_rows():
            self.counts[self.k][(l, r)] = np.array(c, dtype=np.float64)
        for j in range(self.k, 0, -1):
            lower = self.counts[j - 1]
            for (l, r), c in self.counts[j].items():
                key = (l[1:], r[:-1])
                lower[key] = lower.get(key, 0) + c
        self.memo = {}

    def prob(self, left, right):
        key = (left, right)
        if key not in self.memo:
            j = len(left)
            prior = np.full(4, 0.25) if j == 0 else self.prob(left[1:], right[:-1])
            c = self.counts[j].get(key, np.zeros(4))
            self.memo[key] = (c + 4 * self.alpha * prior) / (c.sum() + 4 * self.alpha)
        return self.memo[key]

    def predict(self, seq, i):
        if seq[i].upper() not in "ACGT":
            return None
        up = seq.upper()
        j = 0
        while j < self.k and i - j - 1 >= 0 and i + j + 1 < len(seq) \
                and up[i - j - 1] in "ACGT" and up[i + j + 1] in "ACGT":
            j += 1
        return self.prob(up[i - j:i], up[i + 1:i + 1 + j])


def test_tracks_hold_the_models_values(workflow_run, genome):
    model = KmerModel(workflow_run / f"results/kmers/{MODEL}/kmers.parquet", KMER.get("pseudocount", 4))
    bws = {t: pyBigWig.open(str(workflow_run / f"results/scores/{MODEL}/{t}.bw")) for t in TRACKS}
    test = CONFIG["splits"]["test"]
    checked = 0
    for bw in bws.values():
        assert bw.isBigWig()
        assert bw.chroms() == {c: len(genome[c]) for c in test}
    rng = random.Random(5)
    windows = pl.read_parquet(workflow_run / "results/windows.parquet").filter(pl.col("split") == "test")
    for chrom in test:
        seq = genome[chrom]
        positions = rng.sample(range(len(seq)), 1500) + list(range(0, 10)) + list(range(len(seq) - 10, len(seq)))
        wins = windows.filter(pl.col("chrom") == chrom)
        inside = lambda p: any(s <= p < e for s, e in zip(wins["start"], wins["end"]))
        for p in positions:
            vals = {t: bws[t].values(chrom, p, p + 1)[0] for t in TRACKS}
            want = model.predict(seq, p) if inside(p) else None
            if want is None:
                assert all(math.isnan(v) for v in vals.values()), (chrom, p, vals)
                continue
            ref = "ACGT".index(seq[p].upper())
            assert vals["p_ref"] == pytest.approx(want[ref], abs=1e-5)
            for b, name in enumerate(["p_A", "p_C", "p_G", "p_T"]):
                assert vals[name] == pytest.approx(want[b], abs=1e-5)
            ent = -sum(x * math.log2(x) for x in want if x > 0)
            assert vals["entropy"] == pytest.approx(ent, abs=1e-4)
            checked += 1
    assert checked > 2000


def test_metrics_table(workflow_run, demo_copy, genome, tmp_path):
    path = workflow_run / f"results/scores/{MODEL}/metrics.parquet"
    full = pl.read_parquet(path)
    df = full.filter(pl.col("target") == "base")
    # the pair and type rows follow the base rows, one for each of theirs, same positions
    for t in ("pair", "type"):
        other = full.filter(pl.col("target") == t)
        assert other.select("chrom", "class", "n").equals(df.select("chrom", "class", "n"))
        assert other["conf_AA"].is_null().all()
    meta = papq.read_metadata(path).metadata
    assert meta[b"dnactx.model_kind"] == b"kmer"
    test = CONFIG["splits"]["test"]
    assert set(df["chrom"]) == set(test) | {"all"}
    conf = [f"conf_{a}{b}" for a in "ACGT" for b in "ACGT"]
    for row in df.iter_rows(named=True):
        total = sum(row[c] for c in conf)
        assert total == row["n"]
        if row["n"]:
            trace = sum(row[f"conf_{a}{a}"] for a in "ACGT")
            assert row["accuracy"] == pytest.approx(trace / row["n"])
    get = lambda chrom, cls: df.filter((pl.col("chrom") == chrom) & (pl.col("class") == cls)).row(0, named=True)
    assert get("all", "all")["n"] == get("all", "repeat")["n"] + get("all", "non_repeat")["n"]
    assert get("all", "all")["n"] == sum(get(c, "all")["n"] for c in test)
    # with backoff every A/C/G/T base of the test windows is scored; repeats are the bases
    # inside repeats.bed: count both independently with bedtools and samtools
    windows = pl.read_parquet(workflow_run / "results/windows.parquet").filter(pl.col("split") == "test")
    assert get("all", "all")["n"] == windows["n_acgt"].sum()
    test_bed = tmp_path / "test.bed"
    test_bed.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in windows.select("chrom", "start", "end").iter_rows()))
    inter = run(["bedtools", "intersect", "-a", str(test_bed), "-b", str(workflow_run / "results/repeats.bed")]).stdout
    regions = [f"{c}:{int(s) + 1}-{e}" for c, s, e in (l.split("\t")[:3] for l in inter.splitlines())]
    acgt = 0
    for i in range(0, len(regions), 500):
        fasta = run(["samtools", "faidx", str(demo_copy)] + regions[i:i + 500]).stdout
        seq = "".join(l for l in fasta.splitlines() if not l.startswith(">"))
        acgt += sum(seq.upper().count(b) for b in "ACGT")
    assert get("all", "repeat")["n"] == acgt
    tsv = pl.read_csv(workflow_run / f"results/scores/{MODEL}/metrics.tsv", separator="\t", null_values="NA")
    assert tsv["n"].to_list() == full["n"].to_list() and tsv["target"].to_list() == full["target"].to_list()


def test_a_model_of_the_pair(workflow_run):
    """A neural model with train: {target: pair}: a head of 2 outputs, its metrics rows and
    comparison rows of the pair only, tracks whose A and T (C and G) are equal halves of the
    pair's probability, and its pair cells (and NA for the base) in the report."""
    name = next(m["name"] for m in CONFIG["models"] if (m.get("train") or {}).get("target") == "pair")
    config = yaml.safe_load(open(workflow_run / f"results/models/{name}/config.yaml"))
    assert config["train"]["target"] == "pair"
    m = pl.read_parquet(workflow_run / f"results/scores/{name}/metrics.parquet")
    assert set(m["target"]) == {"pair"}
    comp = pl.read_parquet(workflow_run / "results/comparison.parquet").filter(pl.col("model") == name)
    assert comp.height > 0 and set(comp["target"]) == {"pair"}
    chrom = CONFIG["splits"]["test"][0]
    bw = {t: pyBigWig.open(str(workflow_run / f"results/scores/{name}/{t}.bw")) for t in ["p_A", "p_C", "p_G", "p_T"]}
    v = {t: np.array(b.values(chrom, 100_000, 110_000)) for t, b in bw.items()}
    ok = ~np.isnan(v["p_A"])
    assert ok.sum() > 5000
    assert np.allclose(v["p_A"][ok], v["p_T"][ok]) and np.allclose(v["p_C"][ok], v["p_G"][ok])
    assert np.allclose(2 * (v["p_A"][ok] + v["p_C"][ok]), 1.0, atol=1e-5)
    html = (workflow_run / "results/report.html").read_text()
    table = html[html.index("<h2>Base, pair and type</h2>"):]
    row = table[table.index(f"<tr><td>{name}</td>"):]
    row = row[:row.index("</tr>")]
    cells = [c.split("<")[0] for c in row.split("<td>")[2:]]
    assert cells[:2] == ["NA", "NA"] and cells[4:] == ["NA", "NA"], cells
    acc = comp.filter((pl.col("chrom") == "all") & (pl.col("class") == "all"))["accuracy"][0]
    assert cells[2] == f"{acc:.4f}"
