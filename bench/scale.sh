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
        "$(awk "BEGIN{print ($sec > 0 ? $bases/$sec : 0)}")"
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
measure "explain-flanks CNN + prior (CPU), 20000 positions" "20000" explain-flanks -g $g -m "$model" --windows w.parquet --split test -t 2 --device cpu -o ex_cnn.parquet -q

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
