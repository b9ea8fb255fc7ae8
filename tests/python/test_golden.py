"""Outputs stay byte-identical across refactors: a small pipeline on yeast chrI and the
S. aureus variants (every tool that needs no torch), each output's SHA-256 against
tests/data/golden.tsv, recorded with the release that last changed an output on purpose.

After a change that alters an output on purpose, rewrite the record and say why in the commit:
    DNACTX_GOLDEN_WRITE=1 pytest tests/python/test_golden.py
"""

import hashlib
import os
import shutil

from conftest import REPO, YEAST, copy_genome, run, tool

DATA = REPO / "tests" / "data"
GOLDEN = DATA / "golden.tsv"


def pipeline(d):
    """Runs the steps in `d` (relative paths only, so that no output records a temporary
    folder); returns the outputs to compare."""
    copy_genome(YEAST, d / "y.fa.gz")
    for ext in ("", ".fai", ".gzi"):
        shutil.copy(DATA / f"saureus_NCTC8325.fa.gz{ext}", d / f"s.fa.gz{ext}")
    shutil.copy(DATA / "saureus_NCTC8325.variants.vcf.gz", d / "v.vcf.gz")
    (d / "q.bed").write_text("chrI\t1000\t1500\nchrI\t100000\t100300\n")
    steps = [
        ["mask-repeats", "-g", "y.fa.gz", "--dust", "-o", "repeats.bed"],
        ["make-windows", "-g", "y.fa.gz", "--train", "chrI", "--valid-fraction", "0.3", "--size", "20000",
         "--repeats", "repeats.bed", "-o", "windows.parquet", "--bed", "windows.bed"],
        ["count-kmers", "-g", "y.fa.gz", "--windows", "windows.parquet", "-k", "4", "-o", "k4.parquet"],
        ["index-genome", "-g", "y.fa.gz", "--windows", "windows.parquet", "-o", "train.fmd"],
        ["query-index", "-g", "y.fa.gz", "-m", "train.fmd", "--regions", "q.bed", "-o", "q.tsv"],
        ["find-copies", "-g", "y.fa.gz", "-m", "train.fmd", "--windows", "windows.parquet", "--split", "valid",
         "-o", "copies.bed"],
        ["score-genome", "-g", "y.fa.gz", "-m", "k4.parquet", "--windows", "windows.parquet", "--split", "valid",
         "--repeats", "repeats.bed", "--classes", "copies.bed", "--tracks", "-o", "scores-k4"],
        ["score-genome", "-g", "y.fa.gz", "-m", "train.fmd", "--windows", "windows.parquet", "--split", "valid",
         "--max-order", "12", "-o", "scores-markov"],
        ["count-kmers", "-g", "s.fa.gz", "-k", "3", "-o", "s3.parquet"],
        ["score-variants", "-g", "s.fa.gz", "-m", "s3.parquet", "-i", "v.vcf.gz", "-o", "v.scored.vcf",
         "--parquet", "v.scored.parquet"],
    ]
    for step in steps:
        run([tool(step[0]), *step[1:], "-t", "2", "-q"], cwd=d)
    outputs = ["repeats.bed", "windows.parquet", "windows.bed", "k4.parquet", "train.fmd", "q.tsv", "copies.bed",
               "v.scored.vcf", "v.scored.parquet"]
    for folder in ("scores-k4", "scores-markov"):
        outputs += sorted(f"{folder}/{p.name}" for p in (d / folder).iterdir())
    return outputs


def digests(d, outputs):
    return {name: hashlib.sha256((d / name).read_bytes()).hexdigest() for name in outputs}


def test_outputs_are_byte_identical_to_the_record(tmp_path):
    got = digests(tmp_path, pipeline(tmp_path))
    if os.environ.get("DNACTX_GOLDEN_WRITE"):
        GOLDEN.write_text("".join(f"{name}\t{h}\n" for name, h in got.items()))
    want = dict(line.split("\t") for line in GOLDEN.read_text().splitlines())
    differ = [name for name in sorted(set(got) | set(want)) if got.get(name) != want.get(name)]
    assert not differ, f"outputs differ from {GOLDEN.name}: {differ}"
