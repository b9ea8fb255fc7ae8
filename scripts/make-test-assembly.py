#!/usr/bin/env python3
"""Writes a small assembly shaped like a real one, from real sequence (the demo genome's
accessory chromosomes, data/ztritici_IPO323.fa.gz), in one naming convention:

  ucsc     hg38-like: chr6, chr20, chr22; alts and a fix copying 60 kb of their parent with
           0.15% of bases changed; a decoy and two HLA alleles copying part of chr20/chr6;
           a chr20 random contig; unplaced contigs (one 95% N); chrM; chrEBV
  ensembl  the same contigs named as Ensembl does (6, 20, 22, MT, KI270725.1,
           CHR_HSCHR22_1_CTG3, ...)
  ncbi     RefSeq accessions with NCBI descriptions, and an *_assembly_report.txt beside it
  t2t      chr6, chr20, chr22, chrM only (CHM13 has no alts)

Plain gzip (as UCSC serves hg38.fa.gz), 70 bases a line. Seeded: the same files each time.
Usage: make-test-assembly.py CONVENTION OUT.fa.gz [--source FASTA]
"""

import argparse
import gzip
import pathlib
import random

REPO = pathlib.Path(__file__).resolve().parents[1]

# (ucsc name, ensembl name, refseq accession, genbank accession, role, parent label)
CHROMS = [("chr6", "6", "NC_000006.12", "CM000668.2", "chr_14"),
          ("chr20", "20", "NC_000020.11", "CM000682.2", "chr_15"),
          ("chr22", "22", "NC_000022.11", "CM000684.2", "chr_16")]


def read_fasta(path):
    seqs, name, parts = {}, None, []
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                if name:
                    seqs[name] = "".join(parts)
                name, parts = line[1:].split()[0], []
            else:
                parts.append(line.strip())
    if name:
        seqs[name] = "".join(parts)
    return seqs


def mutate(seq, rate, rng):
    s = list(seq)
    for i in range(len(s)):
        if s[i] in "ACGTacgt" and rng.random() < rate:
            s[i] = rng.choice([b for b in "ACGT" if b != s[i].upper()])
    return "".join(s)


def contigs(source, rng):
    """(ucsc, ensembl, refseq, genbank, role, parent label, sequence, description)."""
    src = read_fasta(source)
    chrom = {u: src[s] for u, _, _, _, s in CHROMS}
    out = []
    for u, e, r, g, _ in CHROMS:
        out.append((u, e, r, g, "assembled-molecule", u[3:], chrom[u],
                    f"Homo sapiens chromosome {u[3:]}, GRCh38.p14 Primary Assembly"))
    copy = lambda c, start, n, rate=0.0015: mutate(chrom[c][start:start + n], rate, rng)
    out += [
        ("chr20_KI270869v1_alt", "CHR_HSCHR20_1_CTG1", "NT_187577.1", "KI270869.1", "alt-scaffold", "20",
         copy("chr20", 100_000, 60_000), "Homo sapiens chromosome 20 genomic scaffold, GRCh38.p14 alternate locus group ALT_REF_LOCI_1 HSCHR20_1_CTG1"),
        ("chr22_KI270879v1_alt", "CHR_HSCHR22_1_CTG3", "NT_187633.1", "KI270879.1", "alt-scaffold", "22",
         copy("chr22", 200_000, 60_000), "Homo sapiens chromosome 22 genomic scaffold, GRCh38.p14 alternate locus group ALT_REF_LOCI_1 HSCHR22_1_CTG3"),
        ("chr6_KN196478v1_fix", "CHR_HG2128_PATCH", "NW_009646201.1", "KN196478.1", "fix-patch", "6",
         copy("chr6", 50_000, 40_000), "Homo sapiens chromosome 6 genomic patch of type FIX, GRCh38.p14 PATCHES HG2128_PATCH"),
        ("chr20_KI270725v1_random", "KI270725.1", "NT_187380.1", "KI270725.1", "unlocalized-scaffold", "20",
         src["chr_18"][:40_000], "Homo sapiens chromosome 20 unlocalized genomic scaffold, GRCh38.p14 Primary Assembly HSCHR20_RANDOM_CTG1"),
        ("chrUn_GL000195v1", "GL000195.1", "NT_113901.1", "GL000195.1", "unplaced-scaffold", "na",
         src["chr_19"][:50_000], "Homo sapiens unplaced genomic scaffold, GRCh38.p14 Primary Assembly HSCHRUN_RANDOM_CTG1"),
        ("chrUn_KI270442v1", "KI270442.1", "NT_187407.1", "KI270442.1", "unplaced-scaffold", "na",
         "N" * 19_000 + src["chr_19"][60_000:61_000], "Homo sapiens unplaced genomic scaffold, GRCh38.p14 Primary Assembly HSCHRUN_RANDOM_CTG7"),
        ("chrM", "MT", "NC_012920.1", "J01415.2", "assembled-molecule", "MT",
         src["chr_20"][:16_569], "Homo sapiens mitochondrion, complete genome"),
    ]
    # analysis-set extras, not in NCBI's report
    out += [
        ("chrUn_JTFH01000001v1_decoy", "chrUn_JTFH01000001v1_decoy", "chrUn_JTFH01000001v1_decoy", None, None, None,
         copy("chr20", 300_000, 30_000, 0.002), ""),
        ("chrEBV", "chrEBV", "chrEBV", None, None, None, src["chr_21"][:30_000], ""),
        ("HLA-A*01:01:01:01", "HLA-A*01:01:01:01", "HLA-A*01:01:01:01", None, None, None,
         copy("chr6", 400_000, 10_000, 0.001), ""),
        ("HLA-B*07:02:01", "HLA-B*07:02:01", "HLA-B*07:02:01", None, None, None,
         copy("chr6", 420_000, 8_000, 0.002), ""),
    ]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("convention", choices=["ucsc", "ensembl", "ncbi", "t2t"])
    ap.add_argument("out")
    ap.add_argument("--source", default=str(REPO / "data" / "ztritici_IPO323.fa.gz"))
    a = ap.parse_args()
    rng = random.Random(20261205)
    rows = contigs(a.source, rng)
    if a.convention == "t2t":
        rows = [r for r in rows if r[0] in ("chr6", "chr20", "chr22", "chrM")]
    if a.convention == "ensembl":
        rows = [r for r in rows if r[3] is not None]  # Ensembl ships no decoys, HLA or EBV
    col = {"ucsc": 0, "t2t": 0, "ensembl": 1, "ncbi": 2}[a.convention]
    with gzip.open(a.out, "wt", compresslevel=6) as f:
        for r in rows:
            desc = f" {r[7]}" if a.convention == "ncbi" and r[7] else ""
            f.write(f">{r[col]}{desc}\n")
            seq = r[6]
            for i in range(0, len(seq), 70):
                f.write(seq[i:i + 70] + "\n")
    if a.convention == "ncbi":
        report = pathlib.Path(a.out.replace(".fna.gz", "").replace(".fa.gz", "") + "_assembly_report.txt")
        with open(report, "w") as f:
            f.write("# Assembly name:  dnactx-test (shaped like GRCh38.p14)\n")
            f.write("# Sequence-Name\tSequence-Role\tAssigned-Molecule\tAssigned-Molecule-Location/Type\t"
                    "GenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\tSequence-Length\tUCSC-style-name\n")
            for u, e, r, g, role, label, seq, _ in rows:
                if role is None:
                    continue
                loc = "Mitochondrion" if label == "MT" else ("Chromosome" if label != "na" else "na")
                f.write(f"{e}\t{role}\t{label}\t{loc}\t{g}\t=\t{r}\tPrimary Assembly\t{len(seq)}\t{u}\n")


if __name__ == "__main__":
    main()
