#!/usr/bin/env bash
# A human-size genome on one node (issue 29): the 3.1 Gb genome of scripts/make-human-scale.py
# (24 chromosomes of human lengths from real sequence), then
#   1. the workflow's Markov path on a human-like split: train on the odd autosomes (1.48 Gb,
#      2.9 G indexed positions), test on chr2 (the largest test chromosome) and chr22: masking
#      (soft-mask and DUST), windows, the index of the train split within 12 GB
#      (index_max_memory_gb), copies in training, scoring with every track, merge-scores,
#      the report and the hub; every binary timed (wall, peak RSS) through bin_dir wrappers;
#   2. the index of the whole genome (6.2 G positions) within 16 GB;
#   3. the index of a cross-fitting fold's train (two thirds of the genome, 4.1 G positions)
#      within 16 GB.
# Prints Markdown: per step the wall time, peak memory and bytes on disk.
#
#   4. scoring speed, one thread, the same 5 Mb of chr22 against the demo's index and each
#      human-size index built (train split, fold, whole genome; positions per second per core,
#      k = 16);
#   5. merge-scores on chr21 and chr22 scored with every track (per-job folders, by the fold's
#      index): one thread against two, and against an older binary given as HS_OLD_MERGE.
#
#   bench/human-scale.sh [STAGE...]   # stages: genome workflow whole fold score merge
#                                     # (default: all)
#   HS_DIR=/big/disk bench/human-scale.sh   # where the genome and runs go (needs about 25 GB)
#   HS_TARGETS=results/windows.parquet HS_CORES=1 bench/human-scale.sh workflow   # a part only
#
# On this machine (2 cores, 24 GB) the whole script takes about 3 hours.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
dir=${HS_DIR:-/tmp/dnactx-human-scale}
mkdir -p "$dir"
genome=$dir/human-scale.fa
stages=${*:-genome workflow whole fold score merge}
has() { [[ " $stages " == *" $1 "* ]]; }
timed() { # timed LABEL CMD...: one Markdown row
    local label=$1; shift
    /usr/bin/time -f '%e %M' -o "$dir/time" "$@" > "$dir/$label.out" 2> "$dir/$label.err"
    read -r wall rss < "$dir/time"
    printf '| %s | %.0f | %.2f |\n' "$label" "$wall" "$(echo "$rss / 1048576" | bc -l)"
}

if has genome && [ ! -e "$genome.fai" ]; then
    echo "| step | wall (s) | peak RSS (GB) |"
    echo "| --- | ---: | ---: |"
    timed make-human-scale python3 scripts/make-human-scale.py -o "$genome"
    echo
fi

if has workflow; then
    run=$dir/workflow
    mkdir -p "$run/bin"
    timings=$run/timings.tsv   # appended to: a rerun of the stage goes on where the last stopped
    touch "$timings"
    # every dnactx binary behind a wrapper that appends its wall time and peak RSS
    for exe in target/release/*; do
        name=$(basename "$exe")
        [ -f "$exe" ] && [ -x "$exe" ] && [[ "$name" != *.* ]] || continue
        printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f "%s\\t%%e\\t%%M\\t%%C" %s "$@"\n' \
            "$timings" "$name" "$repo/$exe" > "$run/bin/$name"
        chmod +x "$run/bin/$name"
    done
    odd="chr1, chr3, chr5, chr7, chr9, chr11, chr13, chr15, chr17, chr19, chr21"
    cat > "$run/config.yaml" <<EOF
genome: $genome
bin_dir: $run/bin
index_max_memory_gb: 12
splits:
  train: [$odd]
  valid: []
  test: [chr2, chr22]
models:
  - {name: markov16, kind: markov, k: 16}
score:
  all_tracks: true
  keep_chroms: true   # the per-job folders stay, for merge-scores before and after
explain: {enabled: false}
hub: {enabled: true}
report: {title: "dnactx on a human-size genome"}
EOF
    /usr/bin/time -f '%e %M' -o "$run/total" snakemake ${HS_TARGETS:-} -s workflow/Snakefile -d "$run" \
        --configfile "$run/config.yaml" --cores "${HS_CORES:-2}" --resources mem_mb="${HS_MEM_MB:-22000}" \
        >> "$run/snakemake.log" 2>&1
    read -r wall rss < "$run/total"
    echo "Workflow: ${wall} s in all."
    echo
    echo "| binary | wall (s) | peak RSS (GB) | command |"
    echo "| --- | ---: | ---: | --- |"
    awk -F'\t' 'NF >= 4 {cmd = $4; sub(/^[^ ]+\//, "", cmd); if (length(cmd) > 90) cmd = substr(cmd, 1, 90) "..."
        printf "| %s | %.0f | %.2f | `%s` |\n", $1, $2, $3 / 1048576, cmd}' "$timings"
    echo
    echo "| output | bytes | bytes per base |"
    echo "| --- | ---: | ---: |"
    test_bases=$(awk '$1 == "chr2" || $1 == "chr22" {n += $2} END {printf "%.0f", n}' "$genome.fai")
    train_bases=$(awk '$1 ~ /^chr(1|3|5|7|9|11|13|15|17|19|21)$/ {n += $2} END {printf "%.0f", n}' "$genome.fai")
    for out in results/repeats.bed results/windows.parquet results/markov/index.fmd results/copies \
               results/scores/markov16 results/hub; do
        [ -e "$run/$out" ] || continue
        b=$(du -sb "$run/$out" | cut -f1)
        case $out in
            *index.fmd) per=$train_bases ;;
            results/repeats.bed|results/windows.parquet) per=$(awk '{n += $2} END {printf "%.0f", n}' "$genome.fai") ;;
            *) per=$test_bases ;;
        esac
        printf '| %s | %d | %.3f |\n' "$out" "$b" "$(echo "$b / $per" | bc -l)"
    done
    echo
fi

if has whole; then
    echo "| index | wall (s) | peak RSS (GB) |"
    echo "| --- | ---: | ---: |"
    timed index-whole index-genome -g "$genome" -o "$dir/whole.fmd" --max-memory 16G -t 2
    tail -n 1 "$dir/index-whole.err"
    echo
fi

if has fold; then
    # a fold of 3 holds out every third chromosome by length; its train is the other two thirds
    fold_train=$(sort -k2,2nr "$genome.fai" | awk 'NR % 3 != 1 {printf "%s%s", sep, $1; sep = ","}')
    echo "| index | wall (s) | peak RSS (GB) |"
    echo "| --- | ---: | ---: |"
    timed index-fold index-genome -g "$genome" --chrom "$fold_train" -o "$dir/fold.fmd" --max-memory 16G -t 2
    tail -n 1 "$dir/index-fold.err"
fi

if has score; then
    # the demo's index: its train split, chr_1..chr_7 (48.9 M positions, in the L3 cache's reach)
    demo=$dir/demo.fmd
    [ -e "$demo" ] || index-genome -g data/ztritici_IPO323.fa.gz --chrom chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 \
        -o "$demo" -q
    printf 'chr22\t20000000\t25000000\n' > "$dir/region.bed"
    echo "| index | positions indexed | score-genome -t 1 wall (s) | peak RSS (GB) | positions/s per core |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for pair in "demo:$demo:--other-genome" "train:$dir/workflow/results/markov/index.fmd:" "fold:$dir/fold.fmd:" \
                "whole:$dir/whole.fmd:"; do
        IFS=: read -r label index flag <<< "$pair"
        [ -e "$index" ] || continue
        rm -rf "$dir/score-$label"
        /usr/bin/time -f '%e %M' -o "$dir/time" score-genome -g "$genome" --regions "$dir/region.bed" -m "$index" \
            $flag -t 1 --profile -o "$dir/score-$label" > "$dir/score-$label.out" 2> "$dir/score-$label.err"
        read -r wall rss < "$dir/time"
        rate=$(grep -o '[0-9,]* positions/s' "$dir/score-$label.err" | head -n 1 | tr -d ', positions/s')
        rows=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(64); print(int.from_bytes(d[48:56],'little'))" "$index")
        printf '| %s | %s | %.0f | %.2f | %s |\n' "$label" "$rows" "$wall" "$(echo "$rss / 1048576" | bc -l)" "${rate:-?}"
    done
fi

if has merge; then
    index=$dir/fold.fmd
    [ -e "$index" ] || index=$dir/whole.fmd
    jobs=$dir/merge-jobs
    mkdir -p "$jobs"
    echo "| step | wall (s) | peak RSS (GB) |"
    echo "| --- | ---: | ---: |"
    for chrom in chr21 chr22; do
        [ -e "$jobs/$chrom/metrics.parquet" ] && continue
        awk -v c="$chrom" '$1 == c {print $1 "\t0\t" $2}' "$genome.fai" > "$jobs/$chrom.bed"
        timed "score-$chrom" score-genome -g "$genome" --regions "$jobs/$chrom.bed" -m "$index" --tracks -t 2 \
            -o "$jobs/$chrom"
    done
    merges="t1:merge-scores:1 t2:merge-scores:2"
    [ -n "${HS_OLD_MERGE:-}" ] && merges="old:$HS_OLD_MERGE:1 $merges"
    for m in $merges; do
        IFS=: read -r label exe threads <<< "$m"
        rm -rf "$dir/merged-$label"
        timed "merge-scores-$label" "$exe" "$jobs/chr21" "$jobs/chr22" -o "$dir/merged-$label" -t "$threads"
    done
    for m in $merges; do   # every run gives the same tracks
        IFS=: read -r label _ <<< "$m"
        for bw in "$dir/merged-t1"/*.bw; do
            cmp -s "$bw" "$dir/merged-$label/$(basename "$bw")" || echo "DIFFERS: merged-$label/$(basename "$bw")"
        done
    done
    echo
    echo "Bases merged: $(awk '$1 == "chr21" || $1 == "chr22" {n += $2} END {printf "%.0f", n}' "$genome.fai")."
fi
