# Shared by the quality benchmarks (bench/quality.sh, bench/budget.sh) and the GPU runs'
# packing (bench/gpu-carry.sh, bench/gpu-targets.sh): the quality split's inputs, and one
# Markdown row of the quality table from a score-genome metrics.tsv.
# shellcheck shell=bash

# quality_windows: in the current folder, the quality split's windows (chr_1 to chr_7 train,
# the rest test, 5% of the training windows for validation), w.parquet and w.bed, made unless
# there (seconds); needs $repo.
quality_windows() {
    [ -f w.parquet ] && [ -f w.bed ] && return
    make-windows -g "$repo/data/ztritici_IPO323.fa.gz" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 \
        --test rest --valid-fraction 0.05 --seed 1 -o w.parquet --bed w.bed -q
}

# quality_split [THREADS]: the windows, then the repeats (soft.bed) and the training split's
# FM-index (train.fmd, built by THREADS threads, default 2), each made unless there, and
# every third test window (test_positions.bed).
quality_split() {
    local g=$repo/data/ztritici_IPO323.fa.gz
    quality_windows
    [ -f soft.bed ] || mask-repeats -g "$g" -o soft.bed -q
    awk '$4 == "test" && (++n % 3) == 1' w.bed > test_positions.bed
    [ -f train.fmd ] || index-genome -g "$g" --windows w.parquet --split train -t "${1:-2}" -o train.fmd -q
}
# row NAME PARAMETERS FIELD TRAINED TARGETS METRICS_TSV
row() {
    awk -F'\t' -v name="$1" -v p="$2" -v f="$3" -v t="$4" -v n="$5" '
        $1 == "all" && ($NF == "base" || NF <= 21) && $2 == "all" {acc = $4; bits = $5}
        $1 == "all" && ($NF == "base" || NF <= 21) && $2 == "repeat" {racc = $4; rbits = $5}
        $1 == "all" && ($NF == "base" || NF <= 21) && $2 == "non_repeat" {nacc = $4; nbits = $5}
        END {printf "| %s | %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", name, p, f, t, n, acc, bits, racc, nacc, rbits, nbits}' "$6"
}

# need_inputs SCRIPT: stop unless the workdir holds bench/budget.sh's inputs.
need_inputs() {
    local f
    for f in w.parquet soft.bed train.fmd test_positions.bed; do
        [ -f "$f" ] || { echo "$1: $PWD/$f is missing: run bench/budget.sh quality first" >&2; exit 1; }
    done
}

# quality_workdir SCRIPT DEFAULT_MINUTES [MINUTES] [WORKDIR]: enter WORKDIR (default
# bench-quality, relative to the repository root in $repo) and stop unless it holds
# bench/budget.sh's inputs; sets minutes (MINUTES or DEFAULT_MINUTES) and g (the demo genome).
quality_workdir() {
    minutes=${3:-$2}
    cd "${4:-bench-quality}"
    g=$repo/data/ztritici_IPO323.fa.gz
    need_inputs "$1"
}
