#!/usr/bin/env bash
# The quality table of docs/benchmarks.md: on the demo genome, train on chr_1..chr_7 (a
# seeded 5% of their windows as valid), test on chr_8..chr_21. k-mer models k = 3..7 (with
# backoff) and each architecture at its cpu-small preset (train-model --list-presets), trained for at most 30 minutes
# (train.max_minutes) on this machine: the CNN alone, and every architecture with the k = 6
# count table of the train windows as a prior (train-model --prior), and the CNN with the
# FM-index Markov model (index-genome of the train windows, k = 16) as its prior; the Markov
# model alone at k = 12 and 16; all scored on the same
# test positions (every third test window, about 5 Mb), repeats = soft-masked bases.
#
#   bench/quality.sh [workdir]     # default: bench-quality/ (reused: trained models are kept)
# Needs the build with the torch feature (scripts/setup.sh --torch). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
work=${1:-bench-quality}
mkdir -p "$work"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
threads=2
quality_split "$threads"
for k in 3 4 5 6 7; do
    [ -f "k$k.parquet" ] || count-kmers -g "$g" --windows w.parquet --split train -k "$k" -t "$threads" -o "k$k.parquet" -q
done
models="cnn cnn+prior mlp+prior lstm+prior transformer+prior cnn+markov"
steps() { case $1 in cnn) echo 4600 ;; lstm) echo 7300 ;; mlp) echo 9600 ;; transformer) echo 2100 ;; esac; }
for m in $models; do
    if [ ! -f "models/$m/weights.safetensors" ]; then
        rm -rf "models/$m"
        prior=()
        [ "${m%+prior}" != "$m" ] && prior=(--prior k6.parquet)
        # the Markov prior's run was given 90 minutes, as it shared the 2 cores: steps bound it
        [ "${m%+markov}" != "$m" ] && prior=(--prior train.fmd --max-minutes 90)
        arch=${m%+prior}
        arch=${arch%+markov}
        # the runs of the table: cpu-small's sizes, bounded by steps as well as 30 minutes
        train-model -g "$g" --windows w.parquet --preset cpu-small --architecture "$arch" \
            --steps "$(steps "$arch")" "${prior[@]}" -o "models/$m" -t "$threads" --device cpu -q
    fi
done
echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for k in 3 4 5 6 7; do
    score-genome -g "$g" -m "k$k.parquet" --regions test_positions.bed --repeats soft.bed -t "$threads" -o "scores/k$k" -q
    row "k-mer k=$k (backoff, pseudocount 4)" "$((3 * 4 ** (2 * k)))" "$k" "counts" "-" "scores/k$k/metrics.tsv"
done
for k in 12 16; do
    score-genome -g "$g" -m train.fmd --max-order $k --regions test_positions.bed --repeats soft.bed -t "$threads" -o "scores/markov$k" -q
    row "FM-index Markov k=$k (alpha 24, both strands)" "index" "$k" "index" "-" "scores/markov$k/metrics.tsv"
done
for a in $models; do
    score-genome -g "$g" -m "models/$a" --regions test_positions.bed --repeats soft.bed -t "$threads" --device cpu -o "scores/$a" -q
    p=$(awk '/^parameters:/ {print $2}' "models/$a/config.yaml")
    f=$(awk '/^field:/ {print $2}' "models/$a/config.yaml")
    last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('models/$a/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
    row "$a" "$p" "$f" "${last% *}" "${last##* }" "scores/$a/metrics.tsv"
done
