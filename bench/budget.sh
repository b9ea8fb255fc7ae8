#!/usr/bin/env bash
# Issue 11's measurements on this machine (docs/benchmarks.md, "Neural models by budget"):
#   producer   targets/s of the cpu-small CNN with the FM-index prior, batches made by a loader
#              thread (--prefetch 4) against on the training thread (--prefetch 0), and f32
#              against bf16 on the CPU, with the FM-index and a k = 6 count-table prior;
#              2 threads, 100 steps each (bf16: 20), --profile.
#   quality    the quality table's split and test positions (bench/quality.sh's workdir):
#              the cpu-small CNN and LSTM with the FM-index prior (k = 16) for 30 and 120
#              CPU-minutes (a time budget, one libtorch thread each, so two run side by side
#              on 2 cores), then scored.
#
#   bench/budget.sh [parts, default "producer quality"] [workdir, default bench-quality]
# Needs the torch build (scripts/setup.sh --torch) and bench/quality.sh's inputs (it makes
# them when missing). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
parts=${1:-producer quality}
work=${2:-bench-quality}
mkdir -p "$work"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
quality_split
mkdir -p budget

# targets/s after the first validation, the mean data wait, and the batch preparation rate
# (positions of the batches' chunks per second of waiting) of a model folder
rate() {
    python3 - "$1" <<'PY'
import sys, yaml, pyarrow.parquet as pq
cfg = yaml.safe_load(open(f"{sys.argv[1]}/config.yaml"))
rows = pq.read_table(f"{sys.argv[1]}/metrics.parquet").to_pylist()
a, b = rows[0], rows[-1]
rate = (b["targets_seen"] - a["targets_seen"]) / (b["wall_seconds"] - a["wall_seconds"])
wait = sum(r["data_wait"] for r in rows[1:]) / max(len(rows) - 1, 1)
waited = sum(r["data_wait"] * (r["wall_seconds"] - p["wall_seconds"]) for p, r in zip(rows, rows[1:]))
t = cfg["train"]
positions = (b["step"] - a["step"]) * t["batch"] * (t["chunk"] + 2 * cfg["field"])
# only where the data was made on the training thread (waiting is then making it)
prep = f"{positions / waited:,.0f}" if sum(r["data_wait"] for r in rows) > 0.01 * len(rows) else "-"
print(f"{rate:,.0f} | {100 * wait:.1f}% | {prep}")
PY
}

if [[ " $parts " == *" producer "* ]]; then
    echo "### Loader thread against none: cpu-small CNN, 2 threads, 100 steps (bf16: 20)"
    echo
    echo "| batches made | prior | precision | targets/s | waiting for data | positions prepared per second waited |"
    echo "| --- | --- | --- | --- | --- | --- |"
    [ -f k6.parquet ] || count-kmers -g "$g" --windows w.parquet --split train -k 6 -t 2 -o k6.parquet -q
    # bf16 is 11 times slower than f32 on this CPU (no bf16 instructions): 20 steps for it
    for run in "0 f32 train.fmd 100" "4 f32 train.fmd 100" "4 bf16 train.fmd 20" "0 f32 k6.parquet 100" "4 f32 k6.parquet 100"; do
        set -- $run
        m=budget/producer-$1-$2-${3%.*}
        rm -rf "$m"
        train-model -g "$g" --windows w.parquet --preset cpu-small --prior "$3" --steps "$4" \
            --max-minutes 0 --prefetch "$1" --dtype "$2" -t 2 --device cpu -o "$m" -q \
            --config <(printf 'train:\n  valid_every: 10\n  valid_chunks: 16\n  warmup: 20\n')
        what=$([ "$1" = 0 ] && echo "on the training thread" || echo "by a loader thread (prefetch $1)")
        prior=$([ "$3" = train.fmd ] && echo "FM-index, k = 16" || echo "count table, k = 6")
        echo "| $what | $prior | $2 | $(rate "$m") |"
    done
    echo
fi

if [[ " $parts " == *" quality "* ]]; then
    for minutes in 30 120; do
        for arch in cnn lstm; do
            m=budget/$arch+markov-$minutes
            [ -f "$m/weights.safetensors" ] && continue
            rm -rf "$m"
            train-model -g "$g" --windows w.parquet --preset cpu-small --architecture "$arch" \
                --prior train.fmd --steps 0 --max-minutes "$minutes" -t 1 --device cpu -o "$m" -q &
        done
        wait
    done
    echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    [ -f scores/markov16/metrics.tsv ] || score-genome -g "$g" -m train.fmd --max-order 16 \
        --regions test_positions.bed --repeats soft.bed -t 2 -o scores/markov16 -q
    row "FM-index Markov k=16 (alpha 24, both strands)" "index" "16" "index" "-" "scores/markov16/metrics.tsv"
    for minutes in 30 120; do
        for arch in cnn lstm; do
            a=$arch+markov-$minutes
            rm -rf "scores/$a"
            score-genome -g "$g" -m "budget/$a" --regions test_positions.bed --repeats soft.bed -t 2 \
                --device cpu -o "scores/$a" -q
            p=$(awk '/^parameters:/ {print $2}' "budget/$a/config.yaml")
            f=$(awk '/^field:/ {print $2}' "budget/$a/config.yaml")
            last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('budget/$a/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
            row "cpu-small $arch + Markov prior, $minutes CPU-minutes" "$p" "$f" "${last% *}" "${last##* }" "scores/$a/metrics.tsv"
        done
    done
fi
