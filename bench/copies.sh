#!/usr/bin/env bash
# Copies in training (issue 28, point 9): find-copies on the demo genome's test split (the demo
# config's splits: chr_1..chr_7 train, the rest test) against the FM-index of the train split,
# on 1 and 2 threads: wall time, peak memory, positions per second, the BED's bytes per test
# base and the share of test positions in each band. The index build is timed too (it is the
# Markov model's, shared). Prints Markdown.
#
#   bench/copies.sh            # needs the release build and .venv (scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
genome=data/ztritici_IPO323.fa.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timed() { /usr/bin/time -f '%e %M' -o "$work/time" "$@"; read -r wall rss < "$work/time"; }

make-windows -g "$genome" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest \
    -o "$work/windows.parquet" -q
timed index-genome -g "$genome" --windows "$work/windows.parquet" --split train -o "$work/index.fmd" -t 2 -q
echo "index of the train split: ${wall} s, peak ${rss} KB, $(stat -c %s "$work/index.fmd") bytes"
echo
echo "| threads | wall (s) | peak RSS (MB) | test positions | positions/s | BED bytes per base |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for t in 1 2; do
    timed find-copies -g "$genome" -m "$work/index.fmd" --windows "$work/windows.parquet" --split test \
        -t "$t" -o "$work/copies.$t.bed" -q
    n=$(awk '{n += $3 - $2} END {print n}' "$work/copies.$t.bed")
    bytes=$(stat -c %s "$work/copies.$t.bed")
    awk -v t="$t" -v w="$wall" -v r="$rss" -v n="$n" -v b="$bytes" \
        'BEGIN {printf "| %d | %.1f | %.0f | %d | %.0f | %.2f |\n", t, w, r / 1024, n, n / w, b / n}'
done
cmp "$work/copies.1.bed" "$work/copies.2.bed" && echo && echo "(the BED is byte-identical on 1 and 2 threads)"
echo
echo "| band | share of test positions |"
echo "| --- | ---: |"
awk '{n[$4] += $3 - $2; all += $3 - $2} END {for (b in n) printf "| %s | %.2f%% |\n", b, 100 * n[b] / all}' \
    "$work/copies.2.bed" | sort
