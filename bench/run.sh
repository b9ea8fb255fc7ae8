#!/usr/bin/env bash
# The benchmarks by area, behind one runner. Each script prints Markdown for
# docs/benchmarks.md, whose sections say which script made each figure.
#
#   bench/run.sh                  # the areas, and what each script measures
#   bench/run.sh AREA [ARGS...]   # every script of AREA in turn, ARGS passed to each
#   bench/run.sh AREA/SCRIPT [ARGS...]   # one script, e.g. bench/run.sh markov/copies
set -euo pipefail
cd "$(dirname "$0")"

# area: its scripts, in the order they run
declare -A AREAS=(
    [peers]="peers dust"
    [markov]="markov copies"
    [nn]="nn budget sweep depth fusion"
    [quality]="quality tracks"
    [gpu]="gpu gpu-score gpu-targets gpu-sweep"
    [scale]="scale human-scale crossfit scaffolds dryrun"
    [check]="compare lookups host score-scaffolds"
)
ORDER="peers markov nn quality scale gpu check"

script_of() { # NAME -> its file
    if [ -f "$1.sh" ]; then echo "$1.sh"; elif [ -f "$1.py" ]; then echo "$1.py"; else return 1; fi
}

what() { # FILE -> its first comment line (what it measures)
    sed -n '2,4p' "$1" | sed -e 's/^# \{0,1\}//' -e 's/^"""//' | head -n 1
}

list() {
    echo "bench/run.sh AREA [ARGS...]: the scripts of an area, in turn"
    for area in $ORDER; do
        echo
        echo "$area:"
        for name in ${AREAS[$area]}; do
            printf '  %-12s %s\n' "$name" "$(what "$(script_of "$name")")"
        done
    done
    echo
    echo "Helpers: lib.sh, measure.sh, builds.sh (sourced), gpu-carry.sh and gpu-carried.sh (a build carried"
    echo "to a lent GPU machine), kernels.py, ops.py and conv_layouts.py (profiles), ensemble.py."
}

run_one() { # NAME ARGS...
    local file
    file=$(script_of "$1") || { echo "bench/run.sh: no script $1 in bench/" >&2; exit 2; }
    shift
    echo "<!-- bench/$file $* -->"
    case $file in
        *.py) python3 "$file" "$@" ;;
        *) bash "$file" "$@" ;;
    esac
}

if [ $# -eq 0 ] || [ "$1" = list ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    list
    exit 0
fi
target=$1
shift
case $target in
    */*)
        area=${target%%/*}
        name=${target#*/}
        [[ " ${AREAS[$area]:-} " == *" $name "* ]] || { echo "bench/run.sh: $name is not in area $area" >&2; exit 2; }
        run_one "$name" "$@"
        ;;
    *)
        [ -n "${AREAS[$target]:-}" ] || { echo "bench/run.sh: no area $target (bench/run.sh lists them)" >&2; exit 2; }
        for name in ${AREAS[$target]}; do
            run_one "$name" "$@"
        done
        ;;
esac
