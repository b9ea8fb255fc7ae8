#!/usr/bin/env bash
# mask-repeats --dust beside pydustmasker (PyPI, SDUST in Rust behind Python), one thread each,
# window 64 and threshold 20, on chr_1 of the demo genome (the largest chromosome we have,
# 6.1 Mb) and on the whole demo genome joined into one 39.7 Mb sequence. Both read the same
# plain FASTA and write a BED; pydustmasker's figure includes reading the FASTA in Python.
# Best of 5 wall times, the largest peak RSS of the 5 (GNU time). Prints Markdown.
#
#   bench/dust.sh            # needs the release build and .venv with pydustmasker
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/measure.sh
bin=$PWD/target/release
py=$PWD/.venv/bin/python
genome=$PWD/data/ztritici_IPO323.fa.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

zcat "$genome" | awk '/^>/ {p = ($1 == ">chr_1")} p' > chr1.fa
# one record, lines of 60 (faidx needs equal lines)
zcat "$genome" | grep -v '>' | tr -d '\n' | fold -w 60 | { echo ">all"; cat; } > all.fa
cat > pydust.py <<'EOF'
import sys, time
import pydustmasker
t0 = time.perf_counter()
name, parts, seqs = None, [], []
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith(">"):
            if name: seqs.append((name, "".join(parts)))
            name, parts = line[1:].split()[0], []
        else:
            parts.append(line.rstrip())
seqs.append((name, "".join(parts)))
t1 = time.perf_counter()
with open(sys.argv[2], "w") as out:
    for name, seq in seqs:
        for s, e in pydustmasker.DustMasker(seq, 64, 20).intervals:
            out.write(f"{name}\t{s}\t{e}\n")
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}", file=sys.stderr)
EOF

echo "## Run of $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "pydustmasker $("$py" -c 'import pydustmasker; print(pydustmasker.__version__)'); best of 5 runs, peak RSS the largest of the 5."
echo
echo "Start-up alone: \`mask-repeats --version\` (scripts/build.sh builds the k-mer tools without libtorch):"
echo
echo "| command | seconds | peak MB |"
echo "| --- | --- | --- |"
measure 5 "mask-repeats --version" "$bin/mask-repeats" --version
for fa in chr1.fa all.fa; do
    "$bin/mask-repeats" -g "$fa" --no-softmask --dust -o warm.bed -q   # builds the .fai
    bases=$(awk '{s += $2} END {print s}' "$fa.fai")
    echo
    echo "### $fa: $bases bases, plain FASTA"
    echo
    echo "| command | seconds | peak MB |"
    echo "| --- | --- | --- |"
    measure 5 "mask-repeats --dust --no-softmask -t 1" "$bin/mask-repeats" -g "$fa" --dust --no-softmask -t 1 -o ours.bed -q
    measure 5 "mask-repeats --dust -t 1 (soft-masked runs too)" "$bin/mask-repeats" -g "$fa" --dust -t 1 -o both.bed -q
    measure 5 "mask-repeats -t 1 (soft-masked runs only: reading, no DUST)" "$bin/mask-repeats" -g "$fa" -t 1 -o soft.bed -q
    measure 5 "pydustmasker.DustMasker (Python reads the FASTA)" "$py" pydust.py "$fa" theirs.bed
    "$py" pydust.py "$fa" theirs.bed 2> split.txt
    read -r read_s dust_s < split.txt
    echo
    echo "pydustmasker inside the script: reading $read_s s, DUST $dust_s s (one run)."
    cut -f1-3 ours.bed | cmp -s - theirs.bed && echo "The two BEDs are identical." \
        || { echo "The BEDs differ:"; diff <(cut -f1-3 ours.bed) theirs.bed | head; }
done
