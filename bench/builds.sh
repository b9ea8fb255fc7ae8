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
