"""score-variants checked by independent readers: bcftools reads the bgzip VCF and its index,
every record and header line of the real S. aureus variants is kept, and each SNV's LLR is
what a naive k-mer model counted here in Python says; the Parquet table agrees with the VCF."""

import gzip
import math
import shutil

import polars as pl
import pytest

from conftest import REPO, run, tool

DATA = REPO / "tests" / "data"
K, ALPHA = 3, 4.0


def read_genome(path):
    seqs, name = {}, None
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            else:
                seqs[name].append(line.strip())
    return {n: "".join(s) for n, s in seqs.items()}


class NaiveKmer:
    """Backoff k-mer model from the formula in docs/cli.md ("The k-mer model"), counted straight from the sequence."""

    def __init__(self, seq, k, alpha):
        self.k, self.alpha = k, alpha
        self.counts = [dict() for _ in range(k + 1)]
        up = seq.upper()
        for p in range(k, len(up) - k):
            w = up[p - k:p + k + 1]
            if any(c not in "ACGT" for c in w):
                continue
            b = "ACGT".index(up[p])
            for j in range(k + 1):
                key = (up[p - j:p], up[p + 1:p + 1 + j])
                self.counts[j].setdefault(key, [0, 0, 0, 0])[b] += 1

    def prob(self, left, right):
        j = len(left)
        prior = [0.25] * 4 if j == 0 else self.prob(left[1:], right[:-1])
        c = self.counts[j].get((left, right), [0, 0, 0, 0])
        n = sum(c)
        return [(c[b] + 4 * self.alpha * prior[b]) / (n + 4 * self.alpha) for b in range(4)]


def test_vcf_read_by_bcftools_and_llr_of_a_naive_model(tmp_path):
    if not shutil.which("bcftools"):
        pytest.fail("bcftools is missing: scripts/setup.sh --peers installs it")
    for ext in ("", ".fai", ".gzi"):
        shutil.copy(DATA / f"saureus_NCTC8325.fa.gz{ext}", tmp_path / f"s.fa.gz{ext}")
    vcf_in = DATA / "saureus_NCTC8325.variants.vcf.gz"
    run([tool("count-kmers"), "-g", "s.fa.gz", "-k", str(K), "-o", "k.parquet", "-q"], cwd=tmp_path)
    run([tool("score-variants"), "-g", "s.fa.gz", "-m", "k.parquet", "-i", str(vcf_in), "-o", "out.vcf.gz",
         "--index", "--parquet", "out.parquet", "-q"], cwd=tmp_path)
    out = tmp_path / "out.vcf.gz"
    assert (tmp_path / "out.vcf.gz.tbi").exists()

    # every record kept in order, every header line kept, the new INFO fields declared
    body = lambda path: run(["bcftools", "view", "-H", str(path)]).stdout.splitlines()
    before, after = body(vcf_in), body(out)
    assert len(before) == len(after) == 109
    for a, b in zip(before, after):
        assert a.split("\t")[:7] == b.split("\t")[:7]
    header_in = [l for l in gzip.open(vcf_in, "rt").read().splitlines() if l.startswith("##")]
    header_out = run(["bcftools", "view", "-h", str(out)]).stdout.splitlines()
    for line in header_in:
        assert line in header_out, line
    for field in ["DNACTX_P_REF", "DNACTX_P_ALT", "DNACTX_LLR", "DNACTX_PRED", "DNACTX_ENTROPY",
                  "DNACTX_NOT_SNV", "DNACTX_REF_MISMATCH"]:
        assert any(l.startswith(f"##INFO=<ID={field},") for l in header_out), field
    # the index answers a region query (bcftools reads the .tbi)
    chrom = before[0].split("\t")[0]
    region = run(["bcftools", "view", "-H", "-r", f"{chrom}:1-1000000", str(out)]).stdout.splitlines()
    assert 0 < len(region) < 109
    assert len(region) == sum(1 for l in before if int(l.split("\t")[1]) <= 1_000_000)

    # LLR and probabilities against the naive model
    genome = read_genome(tmp_path / "s.fa.gz")
    naive = {n: NaiveKmer(s, K, ALPHA) for n, s in genome.items()}
    q = run(["bcftools", "query", "-f",
             "%CHROM\t%POS\t%REF\t%ALT\t%INFO/DNACTX_P_REF\t%INFO/DNACTX_P_ALT\t%INFO/DNACTX_LLR\t%INFO/DNACTX_NOT_SNV\n",
             str(out)]).stdout.splitlines()
    scored = 0
    for line in q:
        c, pos, ref, alts, p_ref, p_alt, llr, not_snv = line.split("\t")
        alts = alts.split(",")
        if all(len(ref) == 1 and len(a) == 1 for a in alts):
            assert not_snv in (".", "0"), line  # bcftools prints an absent flag as "."
            p = int(pos) - 1
            seq = genome[c].upper()
            assert seq[p] == ref
            probs = naive[c].prob(seq[p - K:p], seq[p + 1:p + 1 + K])
            assert float(p_ref) == pytest.approx(probs["ACGT".index(ref)], rel=1e-3)
            for a, pa, l in zip(alts, p_alt.split(","), llr.split(",")):
                want = math.log2(probs["ACGT".index(a)]) - math.log2(probs["ACGT".index(ref)])
                assert float(l) == pytest.approx(want, abs=2e-3), line
                assert float(pa) == pytest.approx(probs["ACGT".index(a)], rel=1e-3)
            scored += 1
        else:
            assert not_snv == "1" and llr == ".", line
    assert scored >= 70  # 77 SNV records among the 109

    # the Parquet table: one row per ALT allele, the same LLRs
    t = pl.read_parquet(tmp_path / "out.parquet")
    assert t.columns == ["chrom", "pos", "ref", "alt", "scored", "reason", "p_ref", "p_alt", "llr", "pred", "entropy"]
    assert t.height == sum(len(l.split("\t")[4].split(",")) for l in before)
    vcf_llr = {}
    for line in q:
        c, pos, ref, alts, _, _, llr, _ = line.split("\t")
        for a, l in zip(alts.split(","), llr.split(",")):
            vcf_llr[(c, int(pos), a)] = l
    for r in t.iter_rows(named=True):
        l = vcf_llr[(r["chrom"], r["pos"], r["alt"])]
        if r["scored"]:
            assert r["reason"] is None and float(l) == pytest.approx(r["llr"], abs=1e-3)
        else:
            assert r["reason"] == "not_snv" and l == "." and r["llr"] is None
