# Copies in training (score.train_copies): for each test job, find-copies marks every test
# position by the longest window around it that the train split's FM-index holds (a 33-base
# copy, 21 to 31 bases, none); every model's score job takes that BED as metrics classes, so
# the metrics and the report show accuracy on test sequence with a near copy in training (alt
# haplotypes, segmental duplications, young repeats) apart from the rest. One job per test job,
# shared by every model; a cross-fitted job is searched in its own fold's index.


rule find_copies:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        plan=PLAN,
        index=MARKOV_INDEX,
    output:
        bed="results/copies/{job}.bed",
    params:
        exe=tool("find-copies"),
    log:
        "logs/find_copies/{job}.log",
    threads: 2
    resources:
        mem_mb=markov_score_mb,
        runtime=120,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} -m {input.index} --windows {input.windows} --split test "
        "--plan {input.plan} --job {wildcards.job} -t {threads} -o {output.bed} 2> {log}"


use rule find_copies as crossfit_find_copies with:
    input:
        genome=GENOME,
        windows="results/crossfit/{fold}/windows.parquet",
        plan=PLAN,
        index="results/crossfit/{fold}/markov/index.fmd",
    output:
        bed="results/crossfit/{fold}/copies/{job}.bed",
    log:
        "logs/crossfit/{fold}/find_copies/{job}.log",
