# Shared by the quality benchmarks (bench/quality.sh, bench/budget.sh): one Markdown row of
# the quality table from a score-genome metrics.tsv.
# shellcheck shell=bash
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
