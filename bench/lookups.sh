#!/usr/bin/env bash
# The FM-index lookups of two builds side by side (issue 31: the prior's lookups keeping up
# with a GPU on a human genome): score-genome (Markov k = 16) and find-copies on the same
# region of a human-size genome, once against an index in the caches' reach (the demo's train
# split, 49 M positions, --other-genome) and once against a human-size one (bench/human-scale.sh
# builds them; here any index of that genome that does not hold the region's chromosome),
# with 1 and 2 threads, each old and new in turn, REPS rounds. Prints Markdown: best wall
# times, positions per second, and whether the outputs are byte-identical.
#
#   bench/lookups.sh OLD_BIN_DIR NEW_BIN_DIR [REPS]
#   LK_GENOME=/tmp/dnactx-human-scale/human-scale.fa LK_INDEX=/tmp/dnactx-human-scale/odd.fmd \
#   LK_REGION=chr22:20000000-22000000 bench/lookups.sh /work/head-bin target/release 2
set -euo pipefail
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
reps=${3:-2}
cd "$(dirname "$0")/.."
repo=$PWD
genome=${LK_GENOME:-/tmp/dnactx-human-scale/human-scale.fa}
index=${LK_INDEX:-/tmp/dnactx-human-scale/odd.fmd}
region=${LK_REGION:-chr22:20000000-22000000}
work=${LK_WORK:-bench-lookups}
for f in "$genome" "$index"; do
    [ -e "$f" ] || { echo "bench/lookups.sh: $f is missing (bench/human-scale.sh genome; index-genome)" >&2; exit 1; }
done
mkdir -p "$work"
cd "$work"
demo=$PWD/demo.fmd
[ -e "$demo" ] || "$new/index-genome" -g "$repo/data/ztritici_IPO323.fa.gz" \
    --chrom chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 -o "$demo" -q
IFS=':-' read -r chrom from to <<< "$region"
printf '%s\t%s\t%s\n' "$chrom" "$from" "$to" > region.bed
positions=$((to - from))
rows() { python3 -c "import sys; d=open(sys.argv[1],'rb').read(64); print(int.from_bytes(d[48:56],'little'))" "$1"; }

. "$repo/bench/builds.sh"

echo "Region $region ($positions positions) of $(basename "$genome"); $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), L3 $(lscpu | sed -n 's/^L3 cache: *//p')."
echo
echo "| index (positions) | step | threads | old s | new s | old positions/s per thread | new positions/s per thread | speed-up | outputs |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for pair in "demo:$demo:--other-genome" "human-size:$index:"; do
    IFS=: read -r label idx flag <<< "$pair"
    n=$(rows "$idx")
    for step in "score-genome|BIN/score-genome -g $genome -m $idx $flag --regions region.bed -o OUT -q" \
                "find-copies|BIN/find-copies -g $genome -m $idx $flag --regions region.bed -o OUT.bed -q"; do
        name=${step%%|*}
        [ "$name" = find-copies ] && [ -n "$flag" ] && continue  # find-copies needs the index's genome
        for t in 1 2; do
            same=$(alternate "$old" "$new" "$reps" "${step#*|} -t $t")
            paste old.txt new.txt | awk -v l="$label ($n)" -v s="$name" -v t="$t" -v p="$positions" -v same="$same" '
                NR == 1 || $1 < o {o = $1} NR == 1 || $3 < n {n = $3}
                END {printf "| %s | %s | %d | %.2f | %.2f | %.0f | %.0f | %.2fx | %s |\n", l, s, t, o, n, p / o / t, p / n / t, o / n, same}'
        done
    done
done
