#!/usr/bin/env bash
# Issue 13's repeat-aware models (docs/benchmarks.md, "Repeat-aware models and fusion"), on
# the quality table's split and test positions (bench/quality.sh's workdir) with its repeat
# BED (soft.bed): the cpu-small CNN with the FM-index prior (k = 16) for 30 CPU-minutes
# each (one libtorch thread, two runs side by side on the 2 cores, each pinned to its own),
#   repeat-only       train.only: repeat
#   non-repeat-only   train.only: non_repeat
#   classifier        train-model --target repeat (15 CPU-minutes)
#   fused             the two mixed by the classifier (a fusion YAML)
# against the cpu-small CNN trained on every position for 30 CPU-minutes (bench/budget.sh
# quality), every one scored on all, repeat and non-repeat test positions.
#
#   bench/fusion.sh [workdir, default bench-quality]
# Needs the torch build (scripts/setup.sh --torch) and bench/budget.sh quality's models
# (it trains the 30-minute CNN when missing). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
work=${1:-bench-quality}
mkdir -p "$work/fusion"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
# the split, the repeat BED, the test positions and the FM-index, as bench/budget.sh makes them
bash "$repo/bench/budget.sh" none "$PWD"

# train NAME CORE MINUTES [train-model flags]: a cpu-small CNN with the FM-index prior
train() {
    local name=$1 core=$2 minutes=$3
    shift 3
    [ -f "fusion/$name/weights.safetensors" ] && return 0
    rm -rf "fusion/$name"
    taskset -c "$core" train-model -g "$g" --windows w.parquet --preset cpu-small --repeats soft.bed \
        --prior train.fmd --steps 0 --max-minutes "$minutes" -t 1 --device cpu -o "fusion/$name" -q "$@"
}
printf 'train:\n  only: repeat\n' > fusion/only-repeat.yaml
printf 'train:\n  only: non_repeat\n' > fusion/only-non-repeat.yaml
train repeat-only 0 30 --config fusion/only-repeat.yaml &
train non-repeat-only 1 30 --config fusion/only-non-repeat.yaml &
wait
train classifier 1 15 --target repeat
[ -f budget/cnn+markov-30/weights.safetensors ] || taskset -c 0 train-model -g "$g" --windows w.parquet \
    --preset cpu-small --prior train.fmd --steps 0 --max-minutes 30 -t 1 --device cpu -o budget/cnn+markov-30 -q
printf 'fusion:\n  classifier: classifier\n  repeat: repeat-only\n  non_repeat: non-repeat-only\n' > fusion/fused.yaml

trained() {
    python3 -c "import pyarrow.parquet as pq; t = pq.read_table('$1/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])"
}
param() { awk "/^$2:/ {print \$2}" "$1/config.yaml"; }

echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for m in budget/cnn+markov-30 fusion/repeat-only fusion/non-repeat-only fusion/fused.yaml; do
    out=scores/${m//\//-}
    out=${out%.yaml}
    [[ $m == budget/* ]] && out=scores/${m#budget/}
    [ -f "$out/metrics.tsv" ] || score-genome -g "$g" -m "$m" --regions test_positions.bed --repeats soft.bed \
        -t 2 --device cpu -o "$out" -q
    case $m in
        *fused.yaml)
            p=$(( $(param fusion/classifier parameters) + $(param fusion/repeat-only parameters) + $(param fusion/non-repeat-only parameters) ))
            t1=$(trained fusion/repeat-only) t2=$(trained fusion/non-repeat-only) t3=$(trained fusion/classifier)
            row "fused: repeat-only and non-repeat-only mixed by the classifier" "$p" \
                "$(param fusion/repeat-only field)" "${t1% *} + ${t2% *} + classifier ${t3% *}" \
                "$(( ${t1##* } + ${t2##* } ))" "$out/metrics.tsv" ;;
        *)
            t=$(trained "$m")
            case $m in
                budget/*) name="cpu-small cnn + Markov prior, every position (the best single model at 30 CPU-minutes)" ;;
                *repeat-only) name="cpu-small cnn + Markov prior, ${m#fusion/}" ;;
            esac
            row "$name" "$(param "$m" parameters)" "$(param "$m" field)" "${t% *}" "${t##* }" "$out/metrics.tsv" ;;
    esac
done
echo
# the classifier on the valid split (its own metrics), and the share of repeats there
python3 - <<'PY'
import pyarrow.parquet as pq
rows = pq.read_table("fusion/classifier/metrics.parquet").to_pylist()
best = rows[-1]
print(f"Repeat classifier (cpu-small CNN, --target repeat, Markov prior as input): valid accuracy "
      f"{best['valid_accuracy']:.4f}, {best['valid_bits']:.4f} bits, after {best['targets_seen']:,} targets "
      f"({best['wall_seconds'] / 60:.1f} min).")
PY
