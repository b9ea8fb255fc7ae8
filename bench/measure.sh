# Sourced by bench/dust.sh and bench/scaffolds.sh: `measure REPS LABEL CMD...` runs CMD REPS
# times under GNU time and prints a Markdown row: the label, the fastest wall time in seconds
# and the largest peak resident memory in MB over the runs.
measure() {
    local reps=$1 label=$2
    shift 2
    : > times.txt
    for _ in $(seq "$reps"); do
        /usr/bin/time -a -o times.txt -f "%e %M" "$@" > /dev/null 2> err.txt \
            || { cat err.txt >&2; return 1; }
    done
    awk -v label="$label" 'NR == 1 || $1 < best {best = $1} $2 > mem {mem = $2}
        END {printf "| %s | %.2f | %.1f |\n", label, best, mem / 1024}' times.txt
}
