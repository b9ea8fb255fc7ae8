#!/usr/bin/env bash
# The FM-index (bidirectional Markov) model on the demo genome, for docs/benchmarks.md: the
# index of the train split (time, peak memory, bytes per base), scoring throughput at
# k = 8, 12, 16 with 1 and 2 threads, the choice of alpha and the lowest order on the valid
# windows, and the quality table rows (k = 6..16) beside count-kmers k = 7. Same split and
# test positions as bench/quality.sh (train chr_1..chr_7 with a seeded 5% as valid, every
# third test window). Prints Markdown.
#
#   bench/markov.sh [workdir] [parts]     # parts: any of build,speed,choose,quality (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=${1:-bench-quality}
parts=${2:-build,speed,choose,quality}
mkdir -p "$work"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
alpha=${ALPHA:-}
min_order=${MIN_ORDER:-}
[ -f w.parquet ] || make-windows -g "$g" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest \
    --valid-fraction 0.05 --seed 1 -o w.parquet --bed w.bed -q
[ -f soft.bed ] || mask-repeats -g "$g" -o soft.bed -q
[ -f test_positions.bed ] || awk '$4 == "test" && (++n % 3) == 1' w.bed > test_positions.bed
has() { [[ ",$parts," == *",$1,"* ]]; }
timed() {  # command...; prints "seconds peakMB"
    /usr/bin/time -f "%e %M" -o t.txt "$@" > /dev/null 2> err.txt || { cat err.txt >&2; exit 1; }
    awk '{printf "%s %.0f\n", $1, $2 / 1024}' t.txt
}
metrics() {  # metrics.tsv -> "acc bits racc nacc rbits nbits"
    awk -F'\t' '$1 == "all" && ($NF == "base" || NF <= 21) && $2 == "all" {a = $4; b = $5} $1 == "all" && ($NF == "base" || NF <= 21) && $2 == "repeat" {ra = $4; rb = $5}
        $1 == "all" && ($NF == "base" || NF <= 21) && $2 == "non_repeat" {na = $4; nb = $5}
        END {printf "%.4f %.4f %.4f %.4f %.4f %.4f\n", a, b, ra, na, rb, nb}' "$1"
}
markov_flags() { [ -n "$alpha" ] && printf -- '--alpha %s ' "$alpha"; [ -n "$min_order" ] && printf -- '--min-order %s ' "$min_order"; true; }

if has build; then
    rm -f train.fmd
    read -r sec mb < <(timed index-genome -g "$g" --windows w.parquet --split train -o train.fmd -t 2)
    bases=$(awk '$4 == "train" {s += $3 - $2} END {print s}' w.bed)
    size=$(stat -c %s train.fmd)
    echo "### Building the index of the train split"
    echo
    echo "| step | train bases | indexed positions (both strands) | seconds | peak MB | peak bytes per indexed position | file MB | file bytes per train base |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    awk -v b="$bases" -v s="$sec" -v m="$mb" -v f="$size" 'BEGIN {printf "| index-genome, train split | %d | %d | %s | %s | %.2f | %.1f | %.2f |\n", b, 2 * b, s, m, m * 1048576 / (2 * b), f / 1048576, f / b}'
    read -r sec mb < <(timed count-kmers -g "$g" --windows w.parquet --split train -k 7 -t 2 -o k7.parquet)
    printf '| count-kmers -k 7 (sparse table), train split | %d | - | %s | %s | - | %.1f | %.2f |\n' "$bases" "$sec" "$mb" \
        "$(awk -v f="$(stat -c %s k7.parquet)" 'BEGIN {print f / 1048576}')" "$(awk -v f="$(stat -c %s k7.parquet)" -v b="$bases" 'BEGIN {print f / b}')"
    echo
fi

if has speed; then
    # the first 1,000,000 test positions
    awk -v want=1000000 'want > 0 {n = $3 - $2; if (n > want) n = want; print $1 "\t" $2 "\t" $2 + n; want -= n}' test_positions.bed > speed.bed
    echo "### Scoring throughput (score-genome end to end: reading, predicting, two bigWig tracks)"
    echo
    echo "| k | threads | positions | seconds | peak MB | positions/s | positions/s per core |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    for k in 8 12 16; do
        for t in 1 2; do
            rm -rf speed_out
            read -r sec mb < <(timed score-genome -g "$g" -m train.fmd --max-order $k $(markov_flags) --regions speed.bed -t $t -o speed_out)
            awk -v k=$k -v t=$t -v s="$sec" -v m="$mb" 'BEGIN {printf "| %d | %d | 1000000 | %s | %s | %.0f | %.0f |\n", k, t, s, m, 1e6 / s, 1e6 / s / t}'
        done
    done
    echo
fi

if has choose; then
    valid() {  # flags... -> "acc / bits" on the valid windows
        rm -rf choose_out
        score-genome -g "$g" -m train.fmd "$@" --windows w.parquet --split valid -t 2 -o choose_out -q
        awk -F'\t' '$1 == "all" && ($NF == "base" || NF <= 21) && $2 == "all" {printf "%.4f / %.4f\n", $4, $5}' choose_out/metrics.tsv
    }
    echo "### Choosing alpha and the lowest order: k = 12 on the valid windows (held out of the index)"
    echo
    echo "| alpha | min order 0: accuracy / bits | min order 3 | min order 6 |"
    echo "| --- | --- | --- | --- |"
    for a in ${ALPHAS:-0.5 1 2 4 8 16 32 64 128}; do
        row="| $a |"
        for j in 0 3 6; do
            row="$row $(valid --max-order 12 --alpha "$a" --min-order $j) |"
        done
        echo "$row"
    done
    echo
    echo "| k | alpha 24 | alpha 32 |"
    echo "| --- | --- | --- |"
    for k in 8 10 14 16; do
        echo "| $k | $(valid --max-order $k --alpha 24) | $(valid --max-order $k --alpha 32) |"
    done
    echo
fi

if has quality; then
    echo "### Quality: test positions of bench/quality.sh"
    echo
    echo "| model | field | index/table MB | score peak MB | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    size=$(awk -v f="$(stat -c %s train.fmd)" 'BEGIN {printf "%.1f", f / 1048576}')
    for k in ${KS:-6 7 8 9 10 11 12 13 14 15 16}; do
        rm -rf "scores/markov$k"
        read -r _ mb < <(timed score-genome -g "$g" -m train.fmd --max-order $k $(markov_flags) --regions test_positions.bed --repeats soft.bed -t 2 -o "scores/markov$k")
        read -r acc bits racc nacc rbits nbits < <(metrics "scores/markov$k/metrics.tsv")
        echo "| FM-index Markov k=$k $(markov_flags)| $k | $size | $mb | $acc | $bits | $racc | $nacc | $rbits | $nbits |"
    done
    if [ -f k7.parquet ]; then
        rm -rf scores/k7
        read -r _ mb < <(timed score-genome -g "$g" -m k7.parquet --regions test_positions.bed --repeats soft.bed -t 2 -o scores/k7)
        read -r acc bits racc nacc rbits nbits < <(metrics scores/k7/metrics.tsv)
        echo "| count-kmers k=7 (backoff, pseudocount 4) | 7 | $(awk -v f="$(stat -c %s k7.parquet)" 'BEGIN {printf "%.1f", f / 1048576}') | $mb | $acc | $bits | $racc | $nacc | $rbits | $nbits |"
    fi
    echo
fi
