"""The bidirectional Markov model (index-genome + query-index) against a naive Python reference
(markov_reference.py: brute-force string counting on both strands, no dnactx code): for k = 10,
with and without leave-one-out, every probability agrees to 1e-9.

The reference is first checked here against a second, slower formulation written differently
(regex lookahead counting over the '#'-joined strings, leave-one-out as "skip the occurrences made
of exactly the position's own window, on either strand", exact fractions) on a small hand-made
genome; that check needs no binary. The binary tests skip when index-genome or query-index is
not built."""

import math
import re
import shutil
from fractions import Fraction

import numpy as np
import pytest

from conftest import BIN, REPO, run
from markov_reference import NaiveIndex, clean_order, counts, predict, read_fasta, revcomp

DATA = REPO / "tests" / "data"
YEAST = DATA / "yeast_R64_chrI.fa.gz"
CELEGANS = DATA / "celegans_htslib_test.fa"
K = 10
TOL = 1e-9
COLUMNS = ["chrom", "pos", "ref", "p_A", "p_C", "p_G", "p_T"]


def find_tool(name):
    """The built binary (target/release, as conftest's tool()) or one on PATH; None if neither."""
    built = BIN / name
    if built.exists():
        return str(built)
    return shutil.which(name)


_MISSING = [n for n in ("index-genome", "query-index") if find_tool(n) is None]
needs_tools = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"{' and '.join(_MISSING)} not built (neither in {BIN} nor on PATH): cargo build --release",
)

# (alpha, j_min, leave-one-out)
CASES = [
    pytest.param(3.0, 2, True, id="alpha3-jmin2-loo"),
    pytest.param(3.0, 2, False, id="alpha3-jmin2-no-loo"),
    pytest.param(3.0, 0, True, id="alpha3-jmin0-loo"),
    pytest.param(0.5, 0, False, id="alpha0.5-jmin0-no-loo"),
]


# ---------------------------------------------------------------------------------------------
# A second formulation of the model, for the self-check of the reference.


def _tagged_strings(seqs, indexed):
    """The indexed strings as (text, tags): tags[i] = (contig, genome coordinate) of text[i]."""
    out = []
    for chrom in indexed:
        seq = seqs[chrom].decode()
        cur = []
        for i, ch in enumerate(seq + "#"):
            if ch.upper() in "ACGT":
                cur.append((ch.upper(), (chrom, i)))
                continue
            if cur:
                out.append(("".join(c for c, _ in cur), [t for _, t in cur]))
                comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
                rc = [(comp[c], t) for c, t in reversed(cur)]
                out.append(("".join(c for c, _ in rc), [t for _, t in rc]))
            cur = []
    return out


def slow_predict(seqs, indexed, chrom, p, k, alpha, j_min, loo):
    """The model by regex counting and exact fractions; None where there is no prediction."""
    strings = _tagged_strings(seqs, indexed)
    joined = "#".join(t for t, _ in strings)
    tags = []
    for i, (_, tg) in enumerate(strings):
        if i:
            tags.append(None)
        tags.extend(tg)
    seq = seqs[chrom].decode().upper()
    if seq[p] not in "ACGT":
        return None
    c = 0
    while c < k and p - c - 1 >= 0 and p + c + 1 < len(seq) and seq[p - c - 1] in "ACGT" and seq[p + c + 1] in "ACGT":
        c += 1
    prob = [Fraction(1, 4)] * 4
    for j in range(min(j_min, c), min(k, c) + 1):
        own = {(chrom, q) for q in range(p - j, p + j + 1)} if loo and chrom in indexed else None
        n = []
        for b in "ACGT":
            hits = 0
            for m in re.finditer(f"(?=({seq[p - j:p]}{b}{seq[p + 1:p + j + 1]}))", joined):
                if own is not None and set(tags[m.start() : m.start() + 2 * j + 1]) == own:
                    continue  # one of the position's own two occurrences
                hits += 1
            n.append(hits)
        total = sum(n)
        a = Fraction(alpha)
        prob = [(n[b] + a * prob[b]) / (total + a) for b in range(4)]
    return prob


TINY = {
    "c1": b"ACGAATTCGTacgtNNGAATTTCCGGAATTCaTTGACGCGTCAGAATTTCGCCAGGAC",
    "c2": b"GAATTTCGTACGNacgAATTCCG",  # not indexed
    "c3": b"TTnGAATTCGTCCAGGt",
    "c4": b"N",
    "c5": b"RAC",  # not indexed
}
TINY_INDEXED = ["c1", "c3", "c4"]


def test_reference_by_hand():
    """Genome AC, both bases indexed, k = 1: only order 0 is clean at either end. Leave-one-out
    drops the A of "AC" and the T of its reverse complement "GT" at position 0."""
    seqs = {"x": b"AC"}
    index = NaiveIndex(seqs, ["x"])
    got = predict(index, seqs["x"], "x", 0, 1, 1.0, 0, True)
    assert got == pytest.approx([0.25 / 3, 1.25 / 3, 1.25 / 3, 0.25 / 3], abs=1e-15)
    got = predict(index, seqs["x"], "x", 0, 1, 1.0, 0, False)
    assert got == pytest.approx([1.25 / 5, 1.25 / 5, 1.25 / 5, 1.25 / 5], abs=1e-15)
    assert predict(NaiveIndex({"y": b"AN"}, ["y"]), b"AN", "y", 1, 1, 1.0, 0, True) is None


def test_reference_agrees_with_a_second_formulation():
    index = NaiveIndex(TINY, TINY_INDEXED)
    # The genome is worth checking on: leave-one-out with L_j == revcomp(R_j) (the reverse
    # strand occurrence is removed too) at orders above 1, on an indexed contig.
    palin = [
        (chrom, p, j)
        for chrom in TINY_INDEXED
        for p in range(len(TINY[chrom]))
        for j in range(2, max(clean_order(TINY[chrom], p, K), 0) + 1)
        if TINY[chrom][p - j : p].upper() == revcomp(TINY[chrom][p + 1 : p + j + 1]).upper()
    ]
    assert len(palin) >= 3, palin
    checked = 0
    for k in (1, 3, K):
        for alpha in (3.0, 0.5):
            for j_min in (0, 2):
                for loo in (True, False):
                    for chrom, seq in TINY.items():
                        for p in range(len(seq)):
                            want = slow_predict(TINY, TINY_INDEXED, chrom, p, k, alpha, j_min, loo)
                            got = predict(index, seq, chrom, p, k, alpha, j_min, loo)
                            where = (chrom, p, k, alpha, j_min, loo)
                            if want is None:
                                assert got is None, where
                                continue
                            assert got is not None, where
                            assert max(abs(g - float(w)) for g, w in zip(got, want)) <= 1e-13, (where, got, want)
                            checked += 1
    assert checked > 1000


# ---------------------------------------------------------------------------------------------
# The binaries against the reference.


def _merged_bed(path, positions, order):
    by_chrom = {}
    for chrom, p in positions:
        by_chrom.setdefault(chrom, set()).add(p)
    with open(path, "w") as f:
        for chrom in order:
            ps = sorted(by_chrom.get(chrom, ()))
            i = 0
            while i < len(ps):
                j = i
                while j + 1 < len(ps) and ps[j + 1] == ps[j] + 1:
                    j += 1
                f.write(f"{chrom}\t{ps[i]}\t{ps[j] + 1}\n")
                i = j + 1


def _read_tsv(path):
    lines = path.read_text().splitlines()
    head = lines[0].split("\t")
    assert head == COLUMNS, head
    rows = {}
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(COLUMNS), line
        key = (cells[0], int(cells[1]))
        assert key not in rows, f"{key} printed twice"
        rows[key] = (cells[2], [float(x) for x in cells[3:]])
    return rows


def _near(seq, p, span):
    return [q for q in range(p - span, p + span + 1) if 0 <= q < len(seq)]


def _yeast_positions(seqs, index):
    """About 300 positions of chrI: both ends, random ones, lowercase (repeat) ones, ones whose
    21-base window occurs elsewhere too, and ones with a reverse-complement palindromic context."""
    seq = seqs["chrI"]
    n = len(seq)
    rng = np.random.default_rng(20240611)
    pos = set(range(12)) | set(range(n - 12, n))
    pos |= set(rng.choice(n, 150, replace=False).tolist())
    lower = np.flatnonzero(np.frombuffer(seq, dtype=np.uint8) >= ord("a"))
    pos |= set(rng.choice(lower, 60, replace=False).tolist())
    w = 2 * K + 1
    per_text, srt = index.window_ids(w)
    ids = per_text[("chrI", 0, "+")]
    assert index.runs["chrI"] == [(0, n)]
    many = np.searchsorted(srt, ids, side="right") - np.searchsorted(srt, ids, side="left")
    dup = np.flatnonzero(many >= 2) + K
    pos |= set(rng.choice(dup, 40, replace=False).tolist())
    for j, want in ((3, 10), (5, 15)):
        pal = [p for p in range(j, n - j) if seq[p - j : p].upper() == revcomp(seq[p + 1 : p + j + 1]).upper()]
        pos |= set(rng.choice(pal, want, replace=False).tolist())
    return sorted(("chrI", int(p)) for p in pos)


def _multi_genome(seqs_yeast, seqs_ce):
    """Contigs of real sequence: N runs, a lone n and R inside, contigs starting or ending in N,
    one shorter than a k = 10 window; ctgC and ctgE are not indexed (ctgC holds a copy of part of
    the indexed ctgA)."""
    y = seqs_yeast["chrI"]
    ce1, ce2 = seqs_ce["CHROMOSOME_I"], seqs_ce["CHROMOSOME_II"]
    a = bytearray(b"NN" + y[0:12000])
    a[3000:3005] = b"NNNNN"
    a[6000] = ord("N")
    a[8000] = ord("n")
    a[10000] = ord("R")
    b_ = bytearray(ce1[0:8000] + b"NNN")
    b_[4000] = ord("N")
    return {
        "ctgA": bytes(a),
        "ctgB": bytes(b_),
        "ctgC": ce2[0:3000] + y[9000:11000] + b"N" + ce1[100:600],
        "ctgD": b"ACGTAcgtTA",
        "ctgE": b"acgtnACGT",
    }


MULTI_INDEXED = ["ctgA", "ctgB", "ctgD"]


def _multi_positions(seqs):
    rng = np.random.default_rng(7)
    pos = set()
    for chrom, seq in seqs.items():
        n = len(seq)
        pos |= {(chrom, p) for p in list(range(min(12, n))) + list(range(max(n - 12, 0), n))}
        odd = [p for p in range(n) if chr(seq[p]) not in "ACGTacgt"]
        for p in odd:
            pos |= {(chrom, q) for q in _near(seq, p, 12)}
        if n > 100:
            pos |= {(chrom, int(p)) for p in rng.choice(n, 40, replace=False)}
    return sorted(pos)


def _write_fasta(path, seqs):
    with open(path, "wb") as f:
        for name, seq in seqs.items():
            f.write(b">" + name.encode() + b" test contig\n")
            for i in range(0, len(seq), 60):
                f.write(seq[i : i + 60] + b"\n")


@pytest.fixture(scope="module")
def yeast_case(tmp_path_factory):
    d = tmp_path_factory.mktemp("markov_yeast")
    for suffix in ("", ".fai", ".gzi"):
        shutil.copy(str(YEAST) + suffix, d / (YEAST.name + suffix))
    genome = d / YEAST.name
    run([find_tool("index-genome"), "-g", str(genome), "--chrom", "chrI", "-o", str(d / "idx.fmd"), "-q"])
    seqs = read_fasta(genome)
    index = NaiveIndex(seqs, ["chrI"])
    return genome, d / "idx.fmd", seqs, index, _yeast_positions(seqs, index), list(seqs)


@pytest.fixture(scope="module")
def multi_case(tmp_path_factory):
    d = tmp_path_factory.mktemp("markov_multi")
    seqs = _multi_genome(read_fasta(YEAST), read_fasta(CELEGANS))
    genome = d / "multi.fa"
    _write_fasta(genome, seqs)
    cmd = [find_tool("index-genome"), "-g", str(genome), "-o", str(d / "idx.fmd"), "-q"]
    for chrom in MULTI_INDEXED:
        cmd += ["--chrom", chrom]
    run(cmd)
    assert read_fasta(genome) == seqs
    index = NaiveIndex(seqs, MULTI_INDEXED)
    return genome, d / "idx.fmd", seqs, index, _multi_positions(seqs), list(seqs)


def _coverage(seqs, index, positions, k, j_min, loo):
    """What the positions exercise: no-prediction ones, leave-one-out changing a count, the
    reverse-strand own occurrence being one of the queries, order-k contexts seen elsewhere."""
    none = changed = rc_own = seen_k = 0
    for chrom, p in positions:
        seq = seqs[chrom]
        c = clean_order(seq, p, k)
        if c < 0:
            none += 1
            continue
        if c == k and sum(counts(index, seq, chrom, p, k, loo)) > 0:
            seen_k += 1
        if loo and chrom in index.runs:
            for j in range(min(j_min, c), min(k, c) + 1):
                a, b = counts(index, seq, chrom, p, j, True), counts(index, seq, chrom, p, j, False)
                if a != b:
                    changed += 1
                if j >= 1 and sum(b) - sum(a) == 2:
                    rc_own += 1
    return none, changed, rc_own, seen_k


def _compare(tmp_path, case, alpha, j_min, loo):
    genome, idx, seqs, index, positions, order = case
    bed, out = tmp_path / "r.bed", tmp_path / "out.tsv"
    _merged_bed(bed, positions, order)
    cmd = [find_tool("query-index"), "-g", str(genome), "-m", str(idx), "--regions", str(bed),
           "--max-order", str(K), "--alpha", str(alpha), "--min-order", str(j_min), "-o", str(out), "-q"]
    if not loo:
        cmd.append("--no-leave-one-out")
    run(cmd)
    rows = _read_tsv(out)
    assert sorted(rows) == positions, "the TSV's positions differ from the BED's"
    bad = []
    for chrom, p in positions:
        ref, got = rows[(chrom, p)]
        seq = seqs[chrom]
        # dnactx reads every letter but A/C/G/T as unknown and writes it as N
        base = chr(seq[p]).upper()
        if ref.upper() != (base if base in "ACGT" else "N"):
            bad.append(f"{chrom}:{p} ref {ref!r}, genome has {chr(seq[p])!r}")
        want = predict(index, seq, chrom, p, K, alpha, j_min, loo)
        if want is None:
            if not all(math.isnan(x) for x in got):
                bad.append(f"{chrom}:{p} ({chr(seq[p])}) has no prediction, query-index gave {got}")
        elif any(math.isnan(x) for x in got) or max(abs(g - w) for g, w in zip(got, want)) > TOL:
            c = clean_order(seq, p, K)
            bad.append(f"{chrom}:{p} clean order {c}: query-index {got}, reference {want}, "
                       f"counts at order {min(K, c)} {counts(index, seq, chrom, p, min(K, c), loo)}")
    assert not bad, f"{len(bad)} of {len(positions)} positions differ:\n" + "\n".join(bad[:15])


def test_test_positions_cover_the_cases():
    """The yeast and multi-contig position sets (built without binaries) exercise what they are
    meant to: leave-one-out removing the reverse-strand occurrence too, order-10 contexts seen
    elsewhere, positions without a prediction, contexts cut short by N and contig ends."""
    yseqs = read_fasta(YEAST)
    yindex = NaiveIndex(yseqs, ["chrI"])
    ypos = _yeast_positions(yseqs, yindex)
    assert 280 <= len(ypos) <= 330, len(ypos)
    none, changed, rc_own, seen_k = _coverage(yseqs, yindex, ypos, K, 0, True)
    assert none == 0 and changed > 100 and rc_own >= 20 and seen_k >= 40, (none, changed, rc_own, seen_k)

    mseqs = _multi_genome(yseqs, read_fasta(CELEGANS))
    mindex = NaiveIndex(mseqs, MULTI_INDEXED)
    mpos = _multi_positions(mseqs)
    none, changed, rc_own, seen_k = _coverage(mseqs, mindex, mpos, K, 0, True)
    assert none >= 10 and changed > 100 and rc_own >= 5 and seen_k >= 10, (none, changed, rc_own, seen_k)
    short = {clean_order(mseqs[c], p, K) for c, p in mpos}
    assert set(range(-1, K + 1)) <= short, short  # every clean order from none to k
    assert any(c == "ctgC" and clean_order(mseqs[c], p, K) == K and sum(counts(mindex, mseqs[c], c, p, K, True)) > 0
               for c, p in mpos), "no order-10 context of the non-indexed contig is seen in the index"


@needs_tools
@pytest.mark.parametrize("alpha,j_min,loo", CASES)
def test_query_index_matches_reference_on_yeast(yeast_case, tmp_path, alpha, j_min, loo):
    _compare(tmp_path, yeast_case, alpha, j_min, loo)


@needs_tools
@pytest.mark.parametrize("alpha,j_min,loo", CASES[:2])
def test_query_index_matches_reference_on_some_indexed_contigs(multi_case, tmp_path, alpha, j_min, loo):
    _compare(tmp_path, multi_case, alpha, j_min, loo)
