"""`-` as standard input and output (docs/cli.md, "One grammar"): dnactx steps in pipes with
samtools, bedtools and bcftools, and with each other, give what the same steps give with
files; a failed step sends nothing down the pipe."""

import shutil
import subprocess

import polars as pl
import pytest

from conftest import REPO, YEAST, copy_genome, run, tool

DATA = REPO / "tests" / "data"


def pipe(*cmds, cwd=None):
    """Runs `cmd1 | cmd2 | ...` (lists of arguments); returns the last one's stdout as bytes
    and every exit status."""
    procs, prev = [], None
    for cmd in cmds:
        p = subprocess.Popen([str(c) for c in cmd], stdin=prev, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cwd)
        if prev is not None:
            prev.close()
        prev = p.stdout
        procs.append(p)
    out = procs[-1].stdout.read()
    codes, errs = [], []
    for p in procs:
        p.wait()
        codes.append(p.returncode)
        errs.append(p.stderr.read().decode())
    assert all(c == 0 for c in codes), (codes, errs)
    return out


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    for tool_name in ("samtools", "bedtools", "bcftools"):
        if not shutil.which(tool_name):
            pytest.fail(f"{tool_name} is missing: scripts/setup.sh --peers installs it")
    d = tmp_path_factory.mktemp("pipes")
    return d, copy_genome(YEAST, d / "y.fa.gz")


def test_samtools_into_dnactx_into_bedtools(genome, tmp_path):
    d, g = genome
    # the same FASTA from a file and from samtools through a pipe: the same repeats
    plain = tmp_path / "chrI.fa"
    plain.write_bytes(run(["samtools", "faidx", g, "chrI"], check=True).stdout.encode())
    run([tool("mask-repeats"), "-g", plain, "--dust", "-o", tmp_path / "file.bed", "-q"])
    piped = pipe(["samtools", "faidx", g, "chrI"],
                 [tool("mask-repeats"), "-g", "-", "--dust", "-o", "-", "-q"])
    assert piped == (tmp_path / "file.bed").read_bytes()
    # and on into bedtools
    merged = pipe([tool("mask-repeats"), "-g", g, "--dust", "-o", "-", "-q"],
                  ["bedtools", "merge", "-i", "-"])
    want = run(["bedtools", "merge", "-i", tmp_path / "file.bed"]).stdout.encode()
    assert merged == want and merged.count(b"\n") > 10


def test_two_dnactx_steps_in_a_pipe(genome, tmp_path):
    d, g = genome
    run([tool("mask-repeats"), "-g", g, "-o", tmp_path / "r.bed", "-q"])
    run([tool("make-windows"), "-g", g, "--train", "chrI", "--repeats", tmp_path / "r.bed",
         "--size", "10000", "-o", tmp_path / "file.parquet", "-q"])
    pipe([tool("mask-repeats"), "-g", g, "-o", "-", "-q"],
         [tool("make-windows"), "-g", g, "--train", "chrI", "--repeats", "-", "--size", "10000",
          "-o", tmp_path / "piped.parquet", "-q"])
    a = pl.read_parquet(tmp_path / "file.parquet")
    b = pl.read_parquet(tmp_path / "piped.parquet")
    assert a.equals(b) and a.height > 10
    # a Parquet table to a pipe, read back by polars
    out = pipe([tool("make-windows"), "-g", g, "--train", "chrI", "-o", "-", "-q"])
    assert out[:4] == b"PAR1"


def test_dnactx_into_bcftools(genome, tmp_path):
    for ext in ("", ".fai", ".gzi"):
        shutil.copy(DATA / f"saureus_NCTC8325.fa.gz{ext}", tmp_path / f"s.fa.gz{ext}")
    vcf = DATA / "saureus_NCTC8325.variants.vcf.gz"
    run([tool("count-kmers"), "-g", "s.fa.gz", "-k", "3", "-o", "k.parquet", "-q"], cwd=tmp_path)
    run([tool("score-variants"), "-g", "s.fa.gz", "-m", "k.parquet", "-i", vcf, "-o", "file.vcf", "-q"],
        cwd=tmp_path)
    records = pipe([tool("score-variants"), "-g", "s.fa.gz", "-m", "k.parquet", "-i", vcf, "-o", "-", "-q"],
                   ["bcftools", "view", "-H", "-"], cwd=tmp_path)
    want = run(["bcftools", "view", "-H", "file.vcf"], cwd=tmp_path).stdout.encode()
    assert records == want and b"DNACTX_LLR" in records
    # the VCF from standard input too (bcftools writing it)
    again = pipe(["bcftools", "view", vcf],
                 [tool("score-variants"), "-g", "s.fa.gz", "-m", "k.parquet", "-i", "-", "-o", "-", "-q"],
                 ["bcftools", "view", "-H", "-"], cwd=tmp_path)
    assert again == want


def test_query_index_to_stdout_and_a_bed_from_stdin(genome, tmp_path):
    d, g = genome
    run([tool("index-genome"), "-g", g, "-o", tmp_path / "i.fmd", "-q"])
    bed = tmp_path / "q.bed"
    bed.write_text("chrI\t1000\t1200\nchrI\t50000\t50100\n")
    run([tool("query-index"), "-g", g, "-m", tmp_path / "i.fmd", "--regions", bed, "-o", tmp_path / "q.tsv", "-q"])
    out = pipe(["cat", bed], [tool("query-index"), "-g", g, "-m", tmp_path / "i.fmd", "--regions", "-",
                              "-o", "-", "-q"])
    assert out == (tmp_path / "q.tsv").read_bytes() and out.count(b"\n") == 301


def test_a_failed_step_sends_nothing_and_one_stdin_only(genome, tmp_path):
    d, g = genome
    bad = tmp_path / "bad.bed"
    bad.write_text("chrI\t10\t5\n")
    run([tool("index-genome"), "-g", g, "-o", tmp_path / "i.fmd", "-q"])
    res = subprocess.run([tool("query-index"), "-g", g, "-m", str(tmp_path / "i.fmd"), "--regions", str(bad),
                          "-o", "-", "-q"], capture_output=True)
    assert res.returncode != 0 and res.stdout == b"", res.stderr
    res = subprocess.run([tool("query-index"), "-g", "-", "-m", str(tmp_path / "i.fmd"), "--regions", "-",
                          "-o", "-"], input=b">x\nACGT\n", capture_output=True)
    assert res.returncode != 0 and b"one input only" in res.stderr, res.stderr
    res = subprocess.run([tool("score-genome"), "-g", g, "-m", str(tmp_path / "i.fmd"), "--regions", str(bad),
                          "-o", "-"], capture_output=True)
    assert res.returncode != 0 and b"writes a folder" in res.stderr, res.stderr


def test_process_substitution_and_named_pipes_are_read_as_files(genome, tmp_path):
    """`--regions <(...)` (a /dev/fd pipe) and a named pipe: readers that look at the first
    bytes and then read again get the whole input, as from a file."""
    d, g = genome
    run([tool("index-genome"), "-g", g, "-o", tmp_path / "i.fmd", "-q"])
    bed = tmp_path / "q.bed"
    bed.write_text("chrI\t1000\t1200\nchrI\t50000\t50100\n")
    want_cmd = [tool("query-index"), "-g", g, "-m", tmp_path / "i.fmd", "--regions", bed, "-o", tmp_path / "q.tsv", "-q"]
    run(want_cmd)
    want = (tmp_path / "q.tsv").read_bytes()
    # the shell's process substitution, a gzip BED and a FASTA through two pipes at once
    script = (f"{tool('query-index')} -g <(samtools faidx {g} chrI) -m {tmp_path / 'i.fmd'} "
              f"--regions <(gzip -c {bed}) -o - -q")
    res = subprocess.run(["bash", "-c", script], capture_output=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout == want and res.stdout.count(b"\n") == 301
    # a named pipe
    fifo = tmp_path / "sites.fifo"
    subprocess.run(["mkfifo", fifo], check=True)
    writer = subprocess.Popen(["bash", "-c", f"cat {bed} > {fifo}"])
    res = subprocess.run([tool("query-index"), "-g", g, "-m", tmp_path / "i.fmd", "--regions", fifo,
                          "-o", "-", "-q"], capture_output=True)
    writer.wait()
    assert res.returncode == 0 and res.stdout == want, res.stderr
