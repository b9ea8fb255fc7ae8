#!/usr/bin/env bash
# Two builds side by side on the demo genome (a refactor's "within noise" check): each
# torch-free tool's main step timed with the old and the new binaries in turn, REPS rounds,
# best wall time and peak memory of each, and whether their outputs are byte-identical.
#
#   bench/compare.sh OLD_BIN_DIR NEW_BIN_DIR [REPS] [WORKDIR]
#   e.g. bench/compare.sh ../base-target/release target/release 3
# Prints Markdown. The rounds alternate old and new, so a slower or busier moment of the
# machine falls on both.
set -euo pipefail
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
reps=${3:-3}
cd "$(dirname "$0")/.."
repo=$PWD
work=${4:-bench-compare}
mkdir -p "$work"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz

# the shared inputs, made once with the new build
if [ ! -f w.parquet ]; then
    "$new/make-windows" -g "$g" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest \
        --valid-fraction 0.05 --seed 1 -o w.parquet --bed w.bed -q
    "$new/index-genome" -g "$g" --windows w.parquet --split train -o train.fmd -q
    "$new/count-kmers" -g "$g" --windows w.parquet --split train -k 6 -o k6.parquet -q
    # the first 1,000,000 positions of every third test window
    awk '$4 == "test" && (++n % 3) == 1' w.bed |
        awk -v want=1000000 'want > 0 {n = $3 - $2; if (n > want) n = want; print $1 "\t" $2 "\t" $2 + n; want -= n}' > speed.bed
fi

# name|command, with BIN for the binaries' folder and OUT for this run's output
steps=(
    "count-kmers -k 7, train split, 2 threads|BIN/count-kmers -g $g --windows w.parquet --split train -k 7 -t 2 -o OUT.parquet -q"
    "mask-repeats --dust, whole genome|BIN/mask-repeats -g $g --dust -o OUT.bed -q"
    "make-windows, whole genome|BIN/make-windows -g $g --train chr_1,chr_2 --test rest -o OUT.parquet -q"
    "index-genome, train split, 2 threads|BIN/index-genome -g $g --windows w.parquet --split train -o OUT.fmd -t 2 -q"
    "score-genome Markov k=16, 1 M test positions, 2 threads|BIN/score-genome -g $g -m train.fmd --regions speed.bed -o OUT -t 2 -q"
    "score-genome k=6 counts, 1 M test positions, 2 threads|BIN/score-genome -g $g -m k6.parquet --regions speed.bed -o OUT -t 2 -q"
    "find-copies, 1 M test positions, 2 threads|BIN/find-copies -g $g -m train.fmd --regions speed.bed -o OUT.bed -t 2 -q"
)

. "$repo/bench/builds.sh"

echo "| step | old s | new s | new/old | old peak MB | new peak MB | outputs |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for step in "${steps[@]}"; do
    name=${step%%|*}
    cmd=${step#*|}
    same=$(alternate "$old" "$new" "$reps" "$cmd")
    paste old.txt new.txt | awk -v name="$name" -v same="$same" '
        NR == 1 || $1 < o {o = $1} NR == 1 || $3 < n {n = $3} $2 > om {om = $2} $4 > nm {nm = $4}
        END {printf "| %s | %.2f | %.2f | %.3f | %.0f | %.0f | %s |\n", name, o, n, n / o, om / 1024, nm / 1024, same}'
done
