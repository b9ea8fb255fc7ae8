# Sourced by bench/compare.sh and bench/lookups.sh, which run two builds side by side.
# shellcheck shell=bash

# run_build BIN OUT COMMAND: COMMAND with BIN replaced by a build's folder and OUT by this
# run's output, timed; prints "seconds peakKB" (stops, showing stderr, when it fails).
run_build() {
    local cmd=${3//BIN/$1}
    cmd=${cmd//OUT/$2}
    rm -rf "$2" "$2".*
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M" -o t.txt $cmd > /dev/null 2> err.txt || { cat err.txt >&2; exit 1; }
    cat t.txt
}

# digest OUT: a digest of its file or folder (bigWig and Parquet carry no dates).
digest() {
    if [ -d "$1" ]; then (cd "$1" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-12
    else sha256sum "$(ls "$1".* | head -n 1)" | cut -c1-12; fi
}

# alternate OLD NEW REPS COMMAND: COMMAND run with the old and the new build in turn, REPS
# rounds (so a busier moment of the machine falls on both); their "seconds peakKB" lines go
# to old.txt and new.txt, the outputs to out_old and out_new; prints whether the last
# outputs are byte-identical ("identical" or "DIFFER").
alternate() {
    : > old.txt
    : > new.txt
    for _ in $(seq "$3"); do
        run_build "$1" out_old "$4" >> old.txt
        run_build "$2" out_new "$4" >> new.txt
    done
    [ "$(digest out_old)" = "$(digest out_new)" ] && echo identical || echo DIFFER
}
