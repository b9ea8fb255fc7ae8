#!/usr/bin/env bash
# Side-by-side benchmarks of dnactx and peer tools, in one run, on the demo genome.
# Prints a Markdown report (copy it into docs/benchmarks.md). Needs the release build,
# the peer tools (scripts/setup.sh --peers) and GNU time (/usr/bin/time).
#
#   bench/peers.sh [threads]     # default 2 (or: bench/run.sh peers)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
bin=$PWD/target/release
genome=$PWD/data/ztritici_IPO323.fa.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$genome"* .
g=ztritici_IPO323.fa.gz
zcat "$g" > g.fa
size=$(awk '{s+=$2} END {print s}' "$g.fai")

# runs a command 3 times, keeps the fastest wall time and the largest peak RSS
measure() {
    local label=$1; shift
    local best="" mem=0
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o t.txt "$@" > /dev/null 2> err.txt || { cat err.txt >&2; exit 1; }
        read -r sec kb < t.txt
        if [ -z "$best" ] || awk "BEGIN{exit !($sec < $best)}"; then best=$sec; fi
        [ "$kb" -gt "$mem" ] && mem=$kb
    done
    printf '| %s | %s | %.1f |\n' "$label" "$best" "$(awk "BEGIN{print $mem/1024}")"
    echo "$best" > "last_time"
}

echo "## Run of $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "Genome: ztritici_IPO323.fa.gz ($size bases, bgzip). Threads: $threads. Best of 3 runs; peak RSS is the largest of the 3."
echo
echo "### k-mer counting: count-kmers -k 5 (11-mers) vs jellyfish count -m 11"
echo
echo "| command | seconds | peak MB |"
echo "| --- | --- | --- |"
measure "count-kmers -k 5 -t $threads (bgzip input)" $bin/count-kmers -g $g -k 5 -t "$threads" -o k5.parquet -q
measure "jellyfish count -m 11 -s 50M -t $threads (plain FASTA)" jellyfish count -m 11 -s 50M -t "$threads" -o jf.jf g.fa
measure "count-kmers -k 5 --both-strands -t $threads" $bin/count-kmers -g $g -k 5 --both-strands -t "$threads" -o k5b.parquet -q
measure "jellyfish count -m 11 -C (canonical) -s 50M -t $threads" jellyfish count -m 11 -C -s 50M -t "$threads" -o jfc.jf g.fa
measure "count-kmers -k 7 (sparse table) -t $threads" $bin/count-kmers -g $g -k 7 -t "$threads" -o k7.parquet -q
echo
echo "### Low-complexity masking: mask-repeats --dust vs dustmasker (window 64, threshold 20)"
echo
echo "| command | seconds | peak MB |"
echo "| --- | --- | --- |"
measure "mask-repeats --dust --no-softmask -t 1" $bin/mask-repeats -g $g --dust --no-softmask -t 1 -o dust.bed -q
measure "dustmasker -outfmt interval" dustmasker -in g.fa -outfmt interval -out dm.txt
echo
echo "### Scoring: score-genome with the k = 5 model (backoff), bigWig writing included"
echo
$bin/make-windows -g $g --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest -o w.parquet -q
$bin/mask-repeats -g $g --dust -o rep.bed -q
$bin/count-kmers -g $g --windows w.parquet -k 5 -o train5.parquet -q
scored=$($bin/score-genome -g $g -m train5.parquet --windows w.parquet --repeats rep.bed -o s 2>&1 | sed -n 's/^scored \([0-9]*\) positions.*/\1/p')
echo "Test split: $scored scored positions (chr_8..chr_21)."
echo
echo "| command | seconds | peak MB | bases/s |"
echo "| --- | --- | --- | --- |"
for tracks in "" "--tracks"; do
    label="score-genome -k 5 -t $threads ${tracks:-(p_ref, entropy)}"
    row=$(measure "$label" $bin/score-genome -g $g -m train5.parquet --windows w.parquet --repeats rep.bed $tracks -t "$threads" -o s -q)
    t=$(cat last_time)
    echo "${row% } $(awk "BEGIN{printf \"%.2e\", $scored/$t}") |"
done
echo
echo "### Memory per base of one large chromosome"
echo
# One 240 Mb record of real sequence (the demo genome six times), bgzip-indexed.
{ echo ">big"; for _ in 1 2 3 4 5 6; do grep -v '>' g.fa; done | tr -d '\n' | fold -w 60; echo; } \
    | bgzip -@ "$threads" > big.fa.gz
samtools faidx big.fa.gz
big=$(cut -f2 big.fa.gz.fai)
echo "| command | seconds | peak MB | peak bytes/base |"
echo "| --- | --- | --- | --- |"
row=$(measure "count-kmers -k 1 on one $big-base chromosome" $bin/count-kmers -g big.fa.gz -k 1 -t "$threads" -o big.parquet -q)
mem=$(echo "$row" | awk -F'|' '{print $4}')
echo "${row% } $(awk "BEGIN{printf \"%.2f\", $mem*1048576/$big}") |"
