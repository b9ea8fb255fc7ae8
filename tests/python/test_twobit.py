"""UCSC .2bit input: prepare-genome turns a .2bit (written by an independent writer,
twobit.py, from real soft-masked sequence with N runs) into bgzip FASTA with 60-base lines,
.fai and .gzi, and samtools reads back the same names, lengths and bases (case and N
included) as from the FASTA the .2bit was made from; other tools read a .2bit directly and
find what they find in its FASTA."""

import gzip
import os
import pathlib
import shutil
import subprocess
import sys

import polars as pl
import pytest

from conftest import BIN, DEMO, REPO, run, tool
from twobit import write_2bit


def read_fasta(text):
    """(name, sequence) pairs of FASTA text."""
    out = []
    for block in text.split(">")[1:]:
        lines = block.splitlines()
        out.append((lines[0].split()[0], "".join(lines[1:])))
    return out


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The records (two real contigs of the demo genome, soft-masked with N runs, and two
    made to hit the edges: N and masked runs at the ends, overlapping, lengths that are not
    a multiple of 4) and the plain FASTA (70-base lines) they were taken into, indexed by
    samtools."""
    d = tmp_path_factory.mktemp("twobit")
    real = read_fasta(run(["samtools", "faidx", str(DEMO), "chr_20", "chr_21"]).stdout)
    edges = [
        ("HLA-A*01:01:01:01", "NNNNacgtnnnnACGTnnNNacGTAcgtN"),
        ("chrUn_KI270742v1", "acg"),
    ]
    records = real + edges
    assert all(any(c in s for c in "Nn") for _, s in records[:2])
    assert all(any(c.islower() for c in s) for _, s in records[:2])
    fasta = d / "source.fa"
    fasta.write_text("".join(
        f">{name} from the test\n" + "".join(seq[i:i + 70] + "\n" for i in range(0, len(seq), 70))
        for name, seq in records
    ))
    run(["samtools", "faidx", str(fasta)])
    return d, records, fasta


def fai(path):
    return [line.split("\t") for line in open(path).read().splitlines()]


@pytest.mark.parametrize("order", ["<", ">"], ids=["little-endian", "big-endian"])
def test_prepare_genome_turns_a_2bit_into_the_fasta_it_came_from(source, tmp_path, order):
    d, records, fasta = source
    twobit = tmp_path / "genome.2bit"
    write_2bit(twobit, records, order)
    out = tmp_path / "genome.fa.gz"
    run([tool("prepare-genome"), "-g", str(twobit), "-o", str(out), "-q"])
    for suffix in ("", ".fai", ".gzi"):
        assert (tmp_path / f"genome.fa.gz{suffix}").exists(), suffix
    assert out.read_bytes()[12:14] == b"BC", "not bgzip"
    # names and lengths as samtools indexes the source; 60-base lines
    want = fai(str(fasta) + ".fai")
    got = fai(str(out) + ".fai")
    assert [r[:2] for r in got] == [r[:2] for r in want]
    assert all(r[3:] == ["60", "61"] for r in got if int(r[1]) > 60)
    text = gzip.decompress(out.read_bytes()).decode()
    lines = text.splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert [line for line in lines if line.startswith(">")] == [f">{n}" for n, _ in records]
    # every base, case and N included, read by samtools through the new index
    for name, seq in records:
        expected = read_fasta(run(["samtools", "faidx", str(fasta), name]).stdout)[0][1]
        assert expected == seq
        region = read_fasta(run(["samtools", "faidx", str(out), name]).stdout)[0][1]
        assert region == expected, name
    # a region in the middle of a real contig, across an N run and soft-masking
    name, seq = records[1]
    start = next(i for i, c in enumerate(seq) if c in "Nn")
    reg = f"{name}:{start - 99}-{start + 200}"
    assert (read_fasta(run(["samtools", "faidx", str(out), reg]).stdout)[0][1]
            == read_fasta(run(["samtools", "faidx", str(fasta), reg]).stdout)[0][1])


def test_other_tools_read_a_2bit_directly_as_its_fasta(source, tmp_path):
    _, records, fasta = source
    # named like FASTA: the format is told by the first bytes, not the name
    twobit = tmp_path / "genome.fa"
    write_2bit(twobit, records)
    tables = []
    for genome, out in [(twobit, "from_2bit"), (fasta, "from_fasta")]:
        run([tool("make-windows"), "-g", str(genome), "-o", str(tmp_path / f"{out}.parquet"),
             "--bed", str(tmp_path / f"{out}.bed"), "--size", "100000",
             "--train", "chr_20", "--test", "rest", "-q"])
        tables.append(pl.read_parquet(tmp_path / f"{out}.parquet"))
    # the same windows, with the same counts of bases, soft-masked bases and GC
    assert tables[0].equals(tables[1])
    assert tables[0]["n_repeat"].sum() > 0 and tables[0].height > 5
    assert (tmp_path / "from_2bit.bed").read_text() == (tmp_path / "from_fasta.bed").read_text()
    # the k-mer counts and the FM-index (whole-genome readers) see the same sequence too
    for genome, out in [(twobit, "from_2bit"), (fasta, "from_fasta")]:
        run([tool("count-kmers"), "-g", str(genome), "--windows", str(tmp_path / f"{out}.parquet"),
             "--split", "train", "-k", "3", "-o", str(tmp_path / f"{out}.k3.parquet"), "-q"])
        run([tool("index-genome"), "-g", str(genome), "--chrom", "chr_20", "-o", str(tmp_path / f"{out}.fmd"), "-q"])
    assert pl.read_parquet(tmp_path / "from_2bit.k3.parquet").equals(pl.read_parquet(tmp_path / "from_fasta.k3.parquet"))
    def index_body(path):  # after the 64-byte header and the metadata (which names the genome file)
        data = path.read_bytes()
        return data[64 + int.from_bytes(data[16:24], "little"):]
    assert index_body(tmp_path / "from_2bit.fmd") == index_body(tmp_path / "from_fasta.fmd")
    assert not (tmp_path / "genome.fa.fai").exists(), "a .2bit needs no .fai"


def test_a_truncated_2bit_leaves_no_output(source, tmp_path):
    _, records, _ = source
    twobit = tmp_path / "genome.2bit"
    write_2bit(twobit, records)
    twobit.write_bytes(twobit.read_bytes()[:-5000])
    out = tmp_path / "genome.fa.gz"
    res = run([tool("prepare-genome"), "-g", str(twobit), "-o", str(out), "-q"], check=False)
    assert res.returncode != 0
    assert "genome.2bit" in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == [twobit]


def test_the_workflow_prepares_a_2bit_genome_first(tmp_path):
    """A .2bit `genome:` goes through prepare_genome: the plan is made from the .2bit itself
    when the workflow is read, every job reads the bgzip copy the rule writes."""
    contigs = [f"chr_{i}" for i in range(14, 22)]  # those .test/config.yaml names
    records = read_fasta(run(["samtools", "faidx", str(DEMO), *contigs]).stdout)
    genome = tmp_path / "demo.2bit"
    write_2bit(genome, records)
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / ".test").mkdir()
    shutil.copy(REPO / ".test" / "classes.bed", tmp_path / ".test" / "classes.bed")
    snakemake = shutil.which("snakemake") or str(pathlib.Path(sys.executable).parent / "snakemake")
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    base = [
        snakemake, "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(tmp_path),
        "--configfile", str(REPO / ".test" / "config.yaml"), "--config", f"genome={genome}",
        "--cores", "1",
    ]
    res = subprocess.run([*base, "-n"], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout + res.stderr
    assert "rule prepare_genome" in out
    assert "results/genome/demo.fa.gz" in out
    plan = (tmp_path / "results" / "plan.tsv").read_text()
    assert all(c in plan for c in contigs)
    # the rule itself: the bgzip copy and its indexes, the source's contigs
    # (the target first: --config and -q take every word after them)
    res = subprocess.run([base[0], "results/genome/demo.fa.gz", *base[1:]],
                         capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    prepared = tmp_path / "results" / "genome" / "demo.fa.gz"
    assert [line.split("\t")[:2] for line in open(f"{prepared}.fai").read().splitlines()] == [
        [n, str(len(s))] for n, s in records
    ]
    assert (tmp_path / "results" / "genome" / "demo.fa.gz.gzi").exists()
