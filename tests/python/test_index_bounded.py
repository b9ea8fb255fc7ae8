"""index-genome in bounded memory (issue 29): a text sorted in parts and merged answers as the
one-pass index does; a bound too small is refused with one that works; a build killed part
way leaves no index; an index refuses a genome whose indexed contig has other bases under the
same name and length."""

import random
import resource
import signal
import subprocess
import time

import pytest

from conftest import DEMO, run, tool


def fasta(records, path):
    with open(path, "w") as f:
        for name, seq in records:
            f.write(f">{name}\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    run(["samtools", "faidx", str(path)])
    return path


def read_fasta(text):
    records, name, seq = [], None, []
    for line in text.splitlines():
        if line.startswith(">"):
            if name:
                records.append((name, "".join(seq)))
            name, seq = line[1:].split()[0], []
        else:
            seq.append(line.strip())
    records.append((name, "".join(seq)))
    return records


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    """Four real chromosomes of the demo genome (13.5 Mb in all) and a copy whose chr_2 is
    shuffled: the same names and lengths, other bases."""
    d = tmp_path_factory.mktemp("bounded")
    records = read_fasta(run(["samtools", "faidx", str(DEMO), "chr_1", "chr_2", "chr_3", "chr_4"]).stdout)
    real = fasta(records, d / "real.fa")
    rng = random.Random(29)
    shuffled = [(n, "".join(rng.sample(s, len(s))) if n == "chr_2" else s) for n, s in records]
    return d, real, fasta(shuffled, d / "shuffled.fa")


def query(g, index, bed, out, *extra, check=True):
    return run([tool("query-index"), "-g", str(g), "-m", str(index), "--regions", str(bed), "-o", str(out),
                "-q", *extra], check=check)


def test_parts_merged_answer_as_one_pass(genome, tmp_path):
    _, g, _ = genome
    one, parts = tmp_path / "one.fmd", tmp_path / "parts.fmd"
    run([tool("index-genome"), "-g", str(g), "--chrom", "chr_1,chr_2,chr_3", "-o", str(one), "-q"])
    res = run([tool("index-genome"), "-g", str(g), "--chrom", "chr_1,chr_2,chr_3", "-o", str(parts),
               "--max-memory", "260M"])
    assert "sorted in 2 parts" in res.stderr and "merging" in res.stderr, res.stderr
    # the same size (a block per 128 rows; one sentinel row more per part)
    assert abs(parts.stat().st_size - one.stat().st_size) <= 64
    # leave-one-out on indexed contigs, and a contig outside the index
    bed = tmp_path / "q.bed"
    bed.write_text("chr_1\t0\t20000\nchr_2\t1000000\t1020000\nchr_3\t3000000\t3020000\nchr_4\t5000\t25000\n")
    query(g, one, bed, tmp_path / "one.tsv")
    query(g, parts, bed, tmp_path / "parts.tsv")
    assert (tmp_path / "one.tsv").read_text() == (tmp_path / "parts.tsv").read_text()


def test_a_bound_too_small_is_refused_with_one_that_works(genome, tmp_path):
    _, g, _ = genome
    out = tmp_path / "i.fmd"
    res = run([tool("index-genome"), "-g", str(g), "-o", str(out), "--max-memory", "50M", "-q"], check=False)
    assert res.returncode != 0 and "smallest that works is --max-memory" in res.stderr, res.stderr
    assert not out.exists()
    works = res.stderr.split("--max-memory ")[-1].split()[0]
    run([tool("index-genome"), "-g", str(g), "-o", str(out), "--max-memory", works, "-q"])
    assert out.exists()


def test_a_killed_build_leaves_no_index(genome, tmp_path):
    _, g, _ = genome
    out = tmp_path / "i.fmd"
    proc = subprocess.Popen([tool("index-genome"), "-g", str(g), "-o", str(out), "--max-memory", "300M", "-q"],
                            stderr=subprocess.PIPE)
    time.sleep(0.8)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".fmd"], list(tmp_path.iterdir())
    # a run killed while writing leaves its hidden temporary file (named after the host and
    # its process, here one that is not running): the rerun removes it and says so
    host = open("/proc/sys/kernel/hostname").read().strip()
    stale = tmp_path / f".i.fmd.tmp.{host}.4194305"
    stale.write_bytes(b"half an index")
    res = run([tool("index-genome"), "-g", str(g), "-o", str(out), "--max-memory", "300M", "-q"])
    assert f"removed {stale}, left by a run that was killed" in res.stderr, res.stderr
    assert sorted(tmp_path.iterdir()) == [out]


def test_a_build_that_runs_out_of_disk_leaves_no_index(genome, tmp_path):
    """The disk filling up while the index is written, as a file size limit makes it (with
    SIGXFSZ ignored, a write past the limit fails as on a full disk instead of killing the
    process): an error naming the output, and nothing left behind."""
    _, g, _ = genome
    out = tmp_path / "i.fmd"

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    res = subprocess.run([tool("index-genome"), "-g", str(g), "-o", str(out), "-q"], preexec_fn=small_disk,
                         capture_output=True, text=True)
    assert res.returncode != 0 and str(out) in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == []
    run([tool("index-genome"), "-g", str(g), "-o", str(out), "-q"])
    assert out.exists()


def test_another_genome_with_the_same_names_and_lengths_is_refused(genome, tmp_path):
    _, g, shuffled = genome
    index = tmp_path / "i.fmd"
    run([tool("index-genome"), "-g", str(g), "--chrom", "chr_1,chr_2", "-o", str(index), "-q"])
    bed = tmp_path / "q.bed"
    bed.write_text("chr_1\t1000\t1100\nchr_2\t1000\t1100\n")
    res = query(shuffled, index, bed, tmp_path / "x.tsv", check=False)
    assert res.returncode != 0 and "shuffled.fa has other bases than the chr_2 indexed" in res.stderr, res.stderr
    assert not (tmp_path / "x.tsv").exists()
    # score-genome too
    windows = tmp_path / "w.parquet"
    run([tool("make-windows"), "-g", str(shuffled), "--train", "chr_1,chr_2", "--test", "rest",
         "-o", str(windows), "-q"])
    res = run([tool("score-genome"), "-g", str(shuffled), "-m", str(index), "--windows", str(windows),
               "--split", "train", "--chrom", "chr_2", "-o", str(tmp_path / "scores"), "-q"], check=False)
    assert res.returncode != 0 and "chr_2" in res.stderr and "other bases" in res.stderr, res.stderr
    # a network's training prior leaves counts out too: checked before training starts
    run([tool("make-windows"), "-g", str(shuffled), "--train", "chr_1,chr_2", "--valid-fraction", "0.2",
         "--size", "100000", "-o", str(windows), "-q"])
    cfg = tmp_path / "cnn.yaml"
    cfg.write_text("model:\n  architecture: cnn\n  channels: 8\n  kernel_sizes: [3, 3]\n  dilations: [1, 2]\n"
                   "  dense: [8]\ntrain:\n  chunk: 128\n  batch: 2\n  steps: 2\n  valid_every: 1\n"
                   "  valid_chunks: 2\n  warmup: 1\n")
    res = run([tool("train-model"), "-g", str(shuffled), "--windows", str(windows), "--config", str(cfg),
               "--prior", str(index), "--prior-order", "6", "--device", "cpu", "-o", str(tmp_path / "m"), "-q"],
              check=False)
    assert res.returncode != 0 and "other bases than the chr_2 indexed" in res.stderr, res.stderr
    assert not (tmp_path / "m").exists()
    # a contig the index does not hold needs no check; --other-genome turns leave-one-out off
    bed.write_text("chr_3\t1000\t1100\n")
    query(shuffled, index, bed, tmp_path / "y.tsv")
    bed.write_text("chr_2\t1000\t1100\n")
    query(shuffled, index, bed, tmp_path / "z.tsv", "--other-genome")
