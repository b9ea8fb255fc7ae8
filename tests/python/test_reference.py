"""An independent reference for the figures in data/README.md, written from their definition
with gzip + numpy only (no dnactx code): the plain central k-mer model, k bases each side,
forward strand, pseudocount 1, no backoff, trained on chr_1..chr_7 of the demo genome and
tested on chr_8..chr_21. A position counts (in training and in testing) only when its whole
2k+1 window lies inside the chromosome and holds A, C, G or T only (either case); it is a
repeat when its own base is lowercase. Prediction: the most probable base, the first of
A, C, G, T on ties; bits: -log2 p(reference base).

The second test runs dnactx on the same definition and compares its metrics with the
reference beyond the table's 4 decimals."""

import gzip
import pathlib

import numpy as np
import pytest

from conftest import DEMO, REPO, run, tool

TRAIN = [f"chr_{i}" for i in range(1, 8)]
TEST = [f"chr_{i}" for i in range(8, 22)]
KS = (3, 4, 5, 6)

# ASCII -> 0..3 for ACGT/acgt, 4 for anything else.
CODE = np.full(256, 4, dtype=np.uint8)
for i, b in enumerate(b"ACGT"):
    CODE[b] = i
    CODE[b + 32] = i


def read_fasta(path):
    """{name: bytes} of a (b)gzip FASTA; the name is the header up to the first space."""
    seqs, name, parts = {}, None, []
    with gzip.open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line.startswith(b">"):
                if name is not None:
                    seqs[name] = b"".join(parts)
                name, parts = line[1:].split()[0].decode(), []
            else:
                parts.append(line)
    if name is not None:
        seqs[name] = b"".join(parts)
    return seqs


def readme_table():
    """{k: (accuracy, bits, repeat acc, non-repeat acc)} as printed in data/README.md."""
    table = {}
    for line in (REPO / "data" / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            table[int(cells[0])] = tuple(cells[1:])
    return table


def windows(raw, k):
    """Centers (indices into raw) whose 2k+1 window is all ACGT, the window's id as a
    (2k+1)-mer in base 4 (first base most significant), and whether the center is lowercase."""
    codes = CODE[np.frombuffer(raw, dtype=np.uint8)]
    n, w = len(codes), 2 * k + 1
    if n < w:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool)
    bad = np.concatenate([[0], np.cumsum(codes == 4)])
    ok = (bad[w:] - bad[:-w]) == 0  # ok[s]: window starting at s is clean
    starts = np.flatnonzero(ok)
    ids = np.zeros(len(starts), dtype=np.int64)
    for j in range(w):
        ids = (ids << 2) | codes[starts + j]
    centers = starts + k
    lower = np.frombuffer(raw, dtype=np.uint8)[centers] >= ord("a")
    return centers, ids, lower


def reference_metrics(seqs, k):
    """(accuracy, bits/base, repeat accuracy, non-repeat accuracy) of the k model."""
    counts = np.zeros(4 ** (2 * k + 1), dtype=np.int64)
    for name in TRAIN:
        _, ids, _ = windows(seqs[name], k)
        counts += np.bincount(ids, minlength=len(counts))
    right = 4**k
    correct, bits, n = [], 0.0, 0
    rep_hits = rep_n = non_hits = non_n = 0
    for name in TEST:
        _, ids, lower = windows(seqs[name], k)
        center = (ids // right) % 4
        ctx = ids - center * right  # the id with its center base set to A
        per_base = np.stack([counts[ctx + b * right] for b in range(4)], axis=1)
        total = per_base.sum(axis=1)
        pred = np.argmax(per_base, axis=1)  # first maximum: A, C, G, T order on ties
        p_ref = (per_base[np.arange(len(ids)), center] + 1) / (total + 4)
        hit = pred == center
        bits += float(-np.log2(p_ref).sum())
        n += len(ids)
        correct.append(hit.sum())
        rep_hits += int(hit[lower].sum())
        rep_n += int(lower.sum())
        non_hits += int(hit[~lower].sum())
        non_n += int((~lower).sum())
    return (sum(correct) / n, bits / n, rep_hits / rep_n, non_hits / non_n)


@pytest.fixture(scope="module")
def demo_seqs():
    return read_fasta(DEMO)


@pytest.fixture(scope="module")
def reference(demo_seqs):
    return {k: reference_metrics(demo_seqs, k) for k in KS}


def test_windows_against_a_loop():
    """The vectorized window ids equal a plain loop over a small sequence with N and lowercase."""
    raw = b"ACgtNACGTTGCAacgtRACGTAC"
    k = 2
    want = []
    for c in range(k, len(raw) - k):
        win = raw[c - k : c + k + 1].upper()
        if all(b in b"ACGT" for b in win):
            want.append((c, int("".join(str(b"ACGT".index(b)) for b in win), 4), raw[c] >= ord("a")))
    centers, ids, lower = windows(raw, k)
    assert list(zip(centers.tolist(), ids.tolist(), lower.tolist())) == want


def test_reference_reproduces_readme_table(reference):
    table = readme_table()
    assert sorted(table) == list(KS)
    for k in KS:
        got = tuple(f"{v:.4f}" for v in reference[k])
        assert got == table[k], (k, reference[k])


def test_dnactx_matches_the_reference(reference, demo_copy, tmp_path):
    """count-kmers + score-genome --no-backoff --pseudocount 1 on the same split agree with the
    reference to 1e-6 (the TSV's precision), not only to the table's 4 decimals."""
    g = str(demo_copy)
    run([tool("mask-repeats"), "-g", g, "-o", str(tmp_path / "soft.bed"), "-q"])
    run([tool("make-windows"), "-g", g, "--train", ",".join(TRAIN), "--test", "rest",
         "--max-unknown", "1", "-o", str(tmp_path / "w.parquet"), "-q"])
    for k in KS:
        model, out = tmp_path / f"k{k}.parquet", tmp_path / f"scores{k}"
        run([tool("count-kmers"), "-g", g, "--windows", str(tmp_path / "w.parquet"),
             "--split", "train", "-k", str(k), "-o", str(model), "-q"])
        run([tool("score-genome"), "-g", g, "--model", str(model), "--windows",
             str(tmp_path / "w.parquet"), "--split", "test", "--repeats", str(tmp_path / "soft.bed"),
             "--no-backoff", "--pseudocount", "1", "-o", str(out), "-q"])
        got = metrics_tsv(out / "metrics.tsv")
        want = dict(zip(["all", "bits", "repeat", "non_repeat"], reference[k]))
        assert got["all"] == pytest.approx(want["all"], abs=1e-6), k
        assert got["bits"] == pytest.approx(want["bits"], abs=1e-6), k
        assert got["repeat"] == pytest.approx(want["repeat"], abs=1e-6), k
        assert got["non_repeat"] == pytest.approx(want["non_repeat"], abs=1e-6), k


def metrics_tsv(path: pathlib.Path):
    """Accuracy per class and bits of class all, from the genome-wide ('all') rows."""
    rows = [l.split("\t") for l in path.read_text().splitlines()]
    head = rows[0]
    col = {c: i for i, c in enumerate(head)}
    out = {}
    for r in rows[1:]:
        if r[col["chrom"]] != "all" or r[col["target"]] != "base":
            continue
        out[r[col["class"]]] = float(r[col["accuracy"]])
        if r[col["class"]] == "all":
            out["bits"] = float(r[col["bits"]])
    return out
