#!/usr/bin/env bash
# Time and peak memory of every workflow step on the largest real genome we have (the demo,
# 39.7 Mb, 21 chromosomes), per chromosome where the workflow scatters, for the projection
# to a human genome in docs/benchmarks.md. Needs the build with the torch feature and a
# trained model folder with a prior (default: bench-quality/models/cnn+prior from
# bench/quality.sh). Prints Markdown.
#
#   bench/scale.sh [model folder]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
model=$(realpath "${1:-bench-quality/models/cnn+prior}")
g=$PWD/data/ztritici_IPO323.fa.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$g"* .
g=ztritici_IPO323.fa.gz
len() { awk -v c="$1" '$1 == c {print $2}' "$g.fai"; }

measure() {  # label, bases, command...
    local label=$1 bases=$2; shift 2
    /usr/bin/time -f "%e %M" -o t.txt "$@" > /dev/null 2> err.txt || { cat err.txt >&2; exit 1; }
    read -r sec kb < t.txt
    printf '| %s | %s | %s | %.0f | %.2e |\n' "$label" "$bases" "$sec" "$(awk "BEGIN{print $kb/1024}")" \
        "$(awk -v b="$bases" -v s="$sec" 'BEGIN{print (b != "-" && s > 0 ? b / s : 0)}')"
}

echo "## Steps on the demo genome, $(date -u +%Y-%m-%d), $(nproc) cores"
echo
echo "| step | bases | seconds | peak MB | bases/s |"
echo "| --- | --- | --- | --- | --- |"
total=$(awk '{s+=$2} END {print s}' "$g.fai")
train="chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7"
measure "mask-repeats --dust (whole genome, 1 thread)" "$total" mask-repeats -g $g --dust -t 1 -o rep.bed -q
measure "make-windows (whole genome)" "$total" make-windows -g $g --train "$train" --test rest --valid-fraction 0.05 --repeats rep.bed -o w.parquet -q
for c in chr_1 chr_7; do
    measure "count-kmers -k 6, one train chromosome ($c), 2 threads" "$(len $c)" count-kmers -g $g --windows w.parquet --chrom $c -k 6 -t 2 -o "k6_$c.parquet" -q
done
for c in chr_2 chr_3 chr_4 chr_5 chr_6; do count-kmers -g $g --windows w.parquet --chrom $c -k 6 -t 2 -o "k6_$c.parquet" -q; done
measure "count-kmers --merge of 7 shards (k = 6)" "-" count-kmers --merge k6_chr_*.parquet -o k6.parquet -q
for c in chr_8 chr_21; do
    measure "score-genome k = 6, one test chromosome ($c), 2 threads, 6 tracks" "$(len $c)" score-genome -g $g -m k6.parquet --windows w.parquet --chrom $c --repeats rep.bed --tracks -t 2 -o "s_$c" -q
done
for c in chr_8 chr_21; do
    measure "score-genome CNN + prior (CPU), one test chromosome ($c), 6 tracks" "$(len $c)" score-genome -g $g -m "$model" --windows w.parquet --chrom $c --repeats rep.bed --tracks -t 2 --device cpu -o "n_$c" -q
done
measure "merge-scores of 2 chromosomes, 6 tracks" "$(( $(len chr_8) + $(len chr_21) ))" merge-scores -o merged s_chr_8 s_chr_21 -q
measure "explain-flanks k = 6, 20000 positions, default bands (6 bands x 2 modes)" "20000" explain-flanks -g $g -m k6.parquet --windows w.parquet --split test -t 2 -o ex_k6.parquet -q
measure "explain-flanks CNN + prior (CPU), 2000 positions, default bands (8 bands)" "2000" explain-flanks -g $g -m "$model" --windows w.parquet --split test --positions 2000 -t 2 --device cpu -o ex_cnn.parquet -q

# score-variants: random SNVs spread over the whole genome (REF from the genome, ALT another
# base), bgzip VCF in, bgzip VCF + index out; the "bases" column holds variants.
python3 - "$g" <<'PY'
import gzip, random, sys
random.seed(1)
g = {}
name = None
for line in gzip.open(sys.argv[1], "rt"):
    if line.startswith(">"):
        name = line[1:].split()[0]; g[name] = []
    else:
        g[name].append(line.strip())
g = {n: "".join(s).upper() for n, s in g.items()}
for n_var, path in [(1_000_000, "snv1m.vcf"), (100_000, "snv100k.vcf")]:
    total = sum(map(len, g.values()))
    with open(path, "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        for n, s in g.items():
            f.write(f"##contig=<ID={n},length={len(s)}>\n")
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for n, s in g.items():
            k = round(n_var * len(s) / total)
            for p in sorted(random.sample(range(len(s)), k)):
                if s[p] in "ACGT":
                    alt = random.choice([b for b in "ACGT" if b != s[p]])
                    f.write(f"{n}\t{p + 1}\t.\t{s[p]}\t{alt}\t.\t.\t.\n")
PY
bgzip -f snv1m.vcf && bgzip -f snv100k.vcf
n1=$(zcat snv1m.vcf.gz | grep -vc '^#')
n2=$(zcat snv100k.vcf.gz | grep -vc '^#')
measure "score-variants k = 6, $n1 SNVs, bgzip VCF + index out, 2 threads (variants)" "$n1" score-variants -g $g -m k6.parquet -i snv1m.vcf.gz -o out1.vcf.gz --index -t 2 -q
measure "score-variants k = 6, $n1 SNVs, Parquet out, 2 threads (variants)" "$n1" score-variants -g $g -m k6.parquet -i snv1m.vcf.gz --parquet out1.parquet -t 2 -q
measure "score-variants CNN + prior (CPU), $n2 SNVs, bgzip VCF out (variants)" "$n2" score-variants -g $g -m "$model" -i snv100k.vcf.gz -o out2.vcf.gz -t 2 --device cpu -q

# A chromosome of human size: one 238 Mb record of real sequence (the demo genome six times,
# bgzip-indexed), as large as a human chr2. Every per-chromosome step holds one chromosome at
# a time, so these are the per-job figures of a human run.
echo
echo "### One chromosome of human size"
echo
echo "| step | bases | seconds | peak MB | bases/s |"
echo "| --- | --- | --- | --- | --- |"
{ echo ">big"; zcat $g | grep -v '>' | tr -d '\n' > one.txt; for _ in 1 2 3 4 5 6; do cat one.txt; done | fold -w 60; echo; } \
    | bgzip -@ 2 > big.fa.gz
rm one.txt
samtools faidx big.fa.gz
big=$(cut -f2 big.fa.gz.fai)
printf 'big\t0\t%s\n' "$big" > big.bed
awk -v n="$big" 'BEGIN {printf "big\t0\t%d\ttrain\nbig\t%d\t%d\ttest\n", n / 2, n / 2, n}' > big_split.bed
printf 'big\t100000000\t101000000\n' > big_1mb.bed
measure "mask-repeats --dust, 1 thread" "$big" mask-repeats -g big.fa.gz --dust -t 1 -o big_rep.bed -q
measure "count-kmers -k 6 (dense table), 2 threads" "$big" count-kmers -g big.fa.gz -k 6 -t 2 -o big_k6.parquet -q
measure "count-kmers -k 7 (sparse table, --memory-gb 4), 2 threads" "$big" count-kmers -g big.fa.gz -k 7 -t 2 -o big_k7.parquet -q
measure "score-genome k = 6, whole chromosome, 2 threads, 6 tracks" "$big" score-genome -g big.fa.gz -m big_k6.parquet --regions big.bed --repeats big_rep.bed --tracks -t 2 -o big_s -q
measure "score-genome CNN + prior (CPU), 1 Mb of the chromosome, 6 tracks" "1000000" score-genome -g big.fa.gz -m "$model" --regions big_1mb.bed --tracks -t 2 --device cpu -o big_n -q
make-windows -g big.fa.gz --train big --valid-fraction 0.05 --seed 1 -o big_w.parquet -q
measure "train-model CNN + k = 6 prior (CPU), 100 steps of 16 x 1024 targets, train split 95% of the chromosome" "$big" train-model -g big.fa.gz --windows big_w.parquet --preset cpu-small --prior big_k6.parquet --steps 100 --max-minutes 0 -t 2 --device cpu -o big_model -q
