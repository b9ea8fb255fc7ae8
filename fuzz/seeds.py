#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/ from the repository's real data (heads of
tests/data and data/ genomes) and hand-made edge cases. Run from the repository root:
python3 fuzz/seeds.py"""
import gzip
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")


def head(path, lines):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(os.path.join(ROOT, path), "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def celegans_heads(lines_each):
    """The first lines of every C. elegans contig (a multi-contig file)."""
    with open(os.path.join(ROOT, "tests/data/celegans_htslib_test.fa"), "rb") as f:
        out, left = [], 0
        for line in f:
            if line.startswith(b">"):
                left = lines_each + 1
            if left > 0:
                out.append(line)
                left -= 1
        return b"".join(out)


def fai(fasta):
    """The samtools faidx index of a FASTA with even lines (LF or CRLF)."""
    rows, offset, rec = [], 0, None
    for line in fasta.splitlines(keepends=True):
        if line.startswith(b">"):
            if rec:
                rows.append(rec)
            name = re.split(rb"\s", line[1:].rstrip(b"\r\n"))[0].decode()
            rec = [name, 0, offset + len(line), None, None]
        elif rec is not None:
            bases = len(line.rstrip(b"\r\n"))
            if rec[3] is None:
                rec[3], rec[4] = bases, len(line)
            rec[1] += bases
        offset += len(line)
    rows.append(rec)
    return "".join("\t".join(map(str, r)) + "\n" for r in rows).encode()


FASTA = {
    "celegans_heads.fa": celegans_heads(4),
    "celegans_I.fa": head("tests/data/celegans_htslib_test.fa", 30),
    "yeast_chrI.fa": head("tests/data/yeast_R64_chrI.fa.gz", 12),
    "saureus.fa": head("tests/data/saureus_NCTC8325.fa.gz", 8),
    "ztritici_chr_1.fa": head("data/ztritici_IPO323.fa.gz", 12),
    "crlf_desc.fa": b">a some description\r\nACGTN\r\nacgtn\r\nAC\r\n>b\r\nGGGG\r\n",
    "ragged_comments.fa": b";comment\n\n>x\nACGTACGT\nAC\n;inside\nACGTACGTAA\n\n>y\tdesc\nRYSWKMBDHVNacgu\n",
    "n_runs.fa": b">chrN\nNNNNNNNNNN\nNNNNACGTNN\nNNNN\n>chrA\nA\n",
    "no_newline_at_end.fa": b">z\nACGT\nAC",
    "bad_empty_record.fa": b">a\n>b\nAC\n",
    "bad_duplicate.fa": b">a\nACGT\n>a\nAC\n",
    "bad_letter.fa": b">a\nAC-GT\n",
    "bad_no_header.fa": b"ACGT\n>a\nAC\n",
    "bad_empty.fa": b"",
}

BED = {
    "simple.bed": b"chr1\t0\t10\nchr1\t5\t20\tname\nchr2\t3\t7\nM\t0\t1\n",
    "headers_crlf.bed": b"track name=x\r\nbrowser position chr1:1-10\r\n#c\r\n\r\nchr1\t2\t4\tr1\r\nchr2\t0\t0\r\n",
    "unsorted_overlaps.bed": b"chr1\t20\t30\nchr1\t0\t5\nchr1\t4\t21\nchr2\t6\t7\tx\textra\t+\n",
    "bad_end.bed": b"chr1\t0\t31\n",
    "bad_contig.bed": b"chrX\t0\t1\n",
    "bad_order.bed": b"chr1\t5\t4\n",
    "bad_number.bed": b"chr1\t-1\t4\nchr1\t1\t4e2\n",
    "bad_columns.bed": b"chr1 0 4\n",
}

# VCF records against the vcf target's genome (chr1: 213 bases, chr2: ACGTNNNACGGT, M: A);
# without a header the target puts its own first (two contigs declared), with one the
# file is taken whole.
VCF_HEADER = (
    b"##fileformat=VCFv4.2\n##contig=<ID=chr1,length=213>\n"
    b"##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
VCF = {
    "snvs.vcf": b"chr1\t1\t.\tC\tA\t.\t.\t.\nchr1\t50\trs1\tA\tG,T\t30.5\tPASS\tDP=3\nchr1\t213\t.\tK\tG\t.\t.\t.\n",
    "indels_mixed.vcf": b"chr1\t2\t.\tGA\tG\t.\t.\t.\nchr1\t5\t.\tT\tTAA,<DEL>,*\t.\t.\t.\nchr2\t5\t.\tN\tA\t.\t.\t.\n",
    "mismatch_case.vcf": b"chr1\t3\t.\tg\tc\t1e3\t.\t.\nchr1\t4\t.\tG\tC\t.\t.\t.\nchr2\t12\t.\tT\t.\t.\t.\t.\n",
    "undeclared_contig.vcf": b"M\t1\t.\tA\tC\t.\t.\t.\tGT\t0/1\n",
    "bad_pos.vcf": b"chr1\t0\t.\tC\tA\t.\t.\t.\nchr1\t214\t.\tA\tC\t.\t.\t.\n",
    "bad_far.vcf": b"chr2\t1000\t.\tA\tC\t.\t.\t.\n",
    "bad_qual.vcf": b"chr1\t1\t.\tC\tA\tabc\t.\t.\n",
    "bad_contig.vcf": b"chrX\t1\t.\tC\tA\t.\t.\t.\n",
    "bad_columns.vcf": b"chr1\t1\t.\tC\tA\n",
}


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


for name, text in FASTA.items():
    write("fasta", name, text)
    write("fasta_gz", "gzip_" + name, b"\x00" + text)
    write("fasta_gz", "bgzf_" + name, b"\x01" + text)
    if not name.startswith("bad_") and name != "ragged_comments.fa":
        index = fai(text)
        write("fasta_index", name, text + b"\x00" + index)
        # the same index one byte off, and with its last line dropped
        shifted = re.sub(rb"\t(\d+)\t", lambda m: b"\t%d\t" % (int(m.group(1)) + 1), index, count=1)
        write("fasta_index", "shifted_" + name, text + b"\x00" + shifted)
        write("fasta_index", "short_" + name, text + b"\x00" + b"".join(index.splitlines(True)[:-1]))
for name, text in BED.items():
    write("bed", name, b"\x00" + text)
    write("bed", "gzip_" + name, b"\x01" + text)
for name, text in VCF.items():
    write("vcf", name, b"\x00" + text)
    write("vcf", "gzip_" + name, b"\x02" + text)
    write("vcf", "whole_" + name, b"\x01" + VCF_HEADER + text)
