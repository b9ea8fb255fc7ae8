"""A naive, independent reference for the bidirectional Markov model (no dnactx code).

Definition (written from the model's description, not from the Rust source):

* Indexed text: every maximal run of A/C/G/T (either case; any other letter, N or an IUPAC code,
  ends a run) of each indexed contig, uppercased, and the reverse complement of each run, each a
  separate string: no occurrence spans two runs.
* Scored position p (0-based) whose base is A/C/G/T: its clean order c is the largest j <= k with
  p-j..p+j inside the contig and all A/C/G/T. L_j, R_j: the j bases left / right of p, uppercased.
* n_j(b): occurrences (overlapping ones too) of L_j + b + R_j in all indexed strings, both
  strands; N_j = sum over b.
* Leave-one-out (when asked, the contig is indexed and p-j..p+j lies inside one indexed run): the
  occurrences are counted over (run, strand, offset) triples, skipping two of them: the forward run
  at offset p-j, and the run's reverse complement at the mirrored offset run_end - (p+j+1).
* start = min(j_min, c); p_{start-1}(b) = 1/4; for j = start .. min(k, c):
  p_j(b) = (n_j(b) + alpha * p_{j-1}(b)) / (N_j + alpha). The prediction is p at order min(k, c).
* A position whose own base is not A/C/G/T has no prediction (None).

Counting is brute force: for each window width w = 2j+1 every offset of every indexed string is
read (as a base-4 number, first base most significant; w <= 31 fits an int64) and the sorted list
of all of them is searched. A skipped triple is handled by reading the window stored in the index
at that triple and subtracting one from the query it equals (if any), which is the same as
leaving that triple out of the enumeration.
"""

import bisect
import gzip

import numpy as np

BASES = "ACGT"
# ASCII -> 0..3 for ACGT/acgt, 4 for anything else.
CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    CODE[_b] = _i
    CODE[_b + 32] = _i
_COMP = bytes.maketrans(b"ACGTacgt", b"TGCAtgca")


def read_fasta(path):
    """{name: bytes} of a plain or (b)gzip FASTA; the name is the header up to the first space."""
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    seqs, name, parts = {}, None, []
    with opener(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line.startswith(b">"):
                if name is not None:
                    seqs[name] = b"".join(parts)
                name, parts = line[1:].split()[0].decode(), []
            elif line:
                parts.append(line.strip())
    if name is not None:
        seqs[name] = b"".join(parts)
    return seqs


def revcomp(s: bytes) -> bytes:
    return s.translate(_COMP)[::-1]


def is_acgt(ch: int) -> bool:
    return CODE[ch] < 4


def acgt_runs(seq: bytes):
    """Half-open (start, end) of every maximal run of A/C/G/T (either case)."""
    ok = np.concatenate([[False], CODE[np.frombuffer(seq, dtype=np.uint8)] < 4, [False]])
    edges = np.flatnonzero(ok[1:] != ok[:-1])
    return [(int(s), int(e)) for s, e in zip(edges[0::2], edges[1::2])]


def encode(s) -> int:
    """Base-4 id of an uppercase or lowercase ACGT string (str or bytes), first base most significant."""
    if isinstance(s, str):
        s = s.encode()
    v = 0
    for ch in s:
        c = int(CODE[ch])
        assert c < 4, s
        v = v * 4 + c
    return v


def clean_order(seq: bytes, p: int, k: int) -> int:
    """Largest j <= k with seq[p-j..p+j] inside the contig and all A/C/G/T (-1 if seq[p] is not)."""
    if not is_acgt(seq[p]):
        return -1
    j = 0
    while j < k and p - j - 1 >= 0 and p + j + 1 < len(seq) and is_acgt(seq[p - j - 1]) and is_acgt(seq[p + j + 1]):
        j += 1
    return j


class NaiveIndex:
    """The indexed strings of some contigs, counted by brute force."""

    def __init__(self, seqs, chroms):
        self.chroms = list(chroms)
        self.runs = {}  # chrom -> [(start, end)]
        self.texts = {}  # (chrom, run index, strand '+'/'-') -> uint8 codes 0..3
        for chrom in self.chroms:
            seq = seqs[chrom]
            self.runs[chrom] = acgt_runs(seq)
            for r, (s, e) in enumerate(self.runs[chrom]):
                fwd = seq[s:e].upper()
                self.texts[(chrom, r, "+")] = CODE[np.frombuffer(fwd, dtype=np.uint8)]
                self.texts[(chrom, r, "-")] = CODE[np.frombuffer(revcomp(fwd), dtype=np.uint8)]
        self._ids = {}  # w -> {text key: ids of every offset}
        self._sorted = {}  # w -> sorted ids of every offset of every text

    def window_ids(self, w):
        """({text key: id of the w-long string at each offset}, sorted ids of all offsets of all texts)."""
        if w not in self._ids:
            assert w <= 31
            per_text, every = {}, []
            for key, codes in self.texts.items():
                n = max(len(codes) - w + 1, 0)
                ids = np.zeros(n, dtype=np.int64)
                for t in range(w if n else 0):
                    ids = ids * 4 + codes[t : t + n].astype(np.int64)
                per_text[key] = ids
                every.append(ids)
            self._ids[w] = per_text
            self._sorted[w] = np.sort(np.concatenate(every)) if every else np.empty(0, np.int64)
        return self._ids[w], self._sorted[w]

    def count(self, w, qid):
        """Occurrences of the w-long string with id qid over every (run, strand, offset)."""
        _, srt = self.window_ids(w)
        return int(np.searchsorted(srt, qid, side="right") - np.searchsorted(srt, qid, side="left"))

    def id_at(self, key, offset, w):
        """Id of the w-long string that the indexed string `key` holds at `offset` (None if none)."""
        ids, _ = self.window_ids(w)
        arr = ids[key]
        return int(arr[offset]) if 0 <= offset < len(arr) else None

    def run_holding(self, chrom, start, end):
        """Index of the indexed run of chrom holding [start, end), or None."""
        runs = self.runs.get(chrom)
        if not runs:
            return None
        r = bisect.bisect_right(runs, (start, float("inf"))) - 1
        if r >= 0 and runs[r][0] <= start and end <= runs[r][1]:
            return r
        return None


def counts(index, seq, chrom, p, j, loo):
    """[n_j(A), n_j(C), n_j(G), n_j(T)] of position p of contig chrom (sequence seq)."""
    w = 2 * j + 1
    left, right = seq[p - j : p].upper(), seq[p + 1 : p + j + 1].upper()
    qids = [encode(left + b + right) for b in (b"A", b"C", b"G", b"T")]
    n = [index.count(w, q) for q in qids]
    if loo and chrom in index.runs:
        r = index.run_holding(chrom, p - j, p + j + 1)
        if r is not None:
            s, e = index.runs[chrom][r]
            skipped = [((chrom, r, "+"), p - j - s), ((chrom, r, "-"), e - (p + j + 1))]
            for key, off in skipped:
                held = index.id_at(key, off, w)
                assert held is not None
                for b in range(4):
                    if qids[b] == held:
                        n[b] -= 1
    assert min(n) >= 0
    return n


def predict(index, seq, chrom, p, k, alpha, j_min, loo):
    """[p(A), p(C), p(G), p(T)] (float64) of position p, or None when seq[p] is not A/C/G/T."""
    c = clean_order(seq, p, k)
    if c < 0:
        return None
    top, start = min(k, c), min(j_min, c)
    prob = [0.25] * 4
    for j in range(start, top + 1):
        n = counts(index, seq, chrom, p, j, loo)
        total = sum(n)
        prob = [(n[b] + alpha * prob[b]) / (total + alpha) for b in range(4)]
    return prob
