# Cross-fitting (config `crossfit`): out-of-sample predictions for every chromosome. The
# chromosomes go into folds; each fold gets its own run of the usual rules (windows with the
# other folds' chromosomes as train and its own as test, count tables, FM-index, networks)
# under results/crossfit/{fold}/; each chromosome is scored by its fold's models, which never
# saw it, and merge-scores gathers them into genome-wide tracks under results/crossfit/scores/.
# The rules are the usual ones (same commands and resources) with a fold's paths.

# A score job's windows and copies BED: those of its chromosome's fold.
FOLD_WINDOWS = fold_file("results/crossfit/{fold}/windows.parquet")
FOLD_COPIES = "results/crossfit/{fold}/copies/{job}.bed"


use rule make_windows as crossfit_windows with:
    output:
        parquet="results/crossfit/{fold}/windows.parquet",
        bed="results/crossfit/{fold}/windows.bed",
    params:
        select=lambda wc: f"--fold {wc.fold}",
    log:
        "logs/crossfit/{fold}/make_windows.log",


use rule count_kmers as crossfit_count_kmers with:
    input:
        genome=GENOME,
        windows="results/crossfit/{fold}/windows.parquet",
        plan=PLAN,
    output:
        shard="results/crossfit/{fold}/kmers/{kmer}/shards/{job}.parquet",
    log:
        "logs/crossfit/{fold}/count_kmers/{kmer}/{job}.log",


use rule merge_kmers as crossfit_merge_kmers with:
    input:
        shards=lambda wc: expand(
            "results/crossfit/{fold}/kmers/{kmer}/shards/{job}.parquet",
            fold=wc.fold, kmer=wc.kmer, job=fold_train_jobs(wc.fold),
        ),
    output:
        table="results/crossfit/{fold}/kmers/{kmer}/kmers.parquet",
    log:
        "logs/crossfit/{fold}/merge_kmers/{kmer}.log",


use rule index_genome as crossfit_index_genome with:
    input:
        genome=GENOME,
        windows="results/crossfit/{fold}/windows.parquet",
    output:
        index="results/crossfit/{fold}/markov/index.fmd",
    log:
        "logs/crossfit/{fold}/index_genome.log",


use rule train_model as crossfit_train_model with:
    input:
        genome=GENOME,
        windows="results/crossfit/{fold}/windows.parquet",
        repeats=rules.mask_repeats.output.bed,
        config="results/models/{neural}.yaml",
        prior=prior_table,
    output:
        weights="results/crossfit/{fold}/models/{neural}/weights.safetensors",
        config="results/crossfit/{fold}/models/{neural}/config.yaml",
        metrics="results/crossfit/{fold}/models/{neural}/metrics.parquet",
    log:
        "logs/crossfit/{fold}/train_model/{neural}.log",


use rule score_kmer as crossfit_score_kmer with:
    input:
        **score_inputs(FOLD_WINDOWS, FOLD_COPIES, model=fold_file("results/crossfit/{fold}/kmers/{kmer}/kmers.parquet")),
    output:
        **score_job_outputs("results/crossfit", "kmer"),
    log:
        "logs/crossfit/score/{kmer}/{job}.log",


use rule score_markov as crossfit_score_markov with:
    input:
        **score_inputs(FOLD_WINDOWS, FOLD_COPIES, model=fold_file("results/crossfit/{fold}/markov/index.fmd")),
    output:
        **score_job_outputs("results/crossfit", "markov"),
    log:
        "logs/crossfit/score/{markov}/{job}.log",


use rule score_neural as crossfit_score_neural with:
    input:
        **score_inputs(FOLD_WINDOWS, FOLD_COPIES,
                       weights=fold_file("results/crossfit/{fold}/models/{neural}/weights.safetensors")),
    output:
        **score_job_outputs("results/crossfit", "neural"),
    log:
        "logs/crossfit/score/{neural}/{job}.log",


use rule merge_scores as crossfit_merge_scores with:
    input:
        **merge_inputs("results/crossfit", CROSSFIT_JOBS),
    output:
        **score_files("results/crossfit/scores/{model}"),
    log:
        "logs/crossfit/merge_scores/{model}.log",


rule crossfit_metrics:
    """Every model's genome-wide metrics with a fold column: the rows of each chromosome
    (with its fold), each fold's sums (chrom `all`) and the genome's (fold `all`)."""
    input:
        metrics=expand("results/crossfit/scores/{model}/metrics.parquet", model=MODEL_NAMES),
    output:
        parquet="results/crossfit/metrics.parquet",
        tsv="results/crossfit/metrics.tsv",
    params:
        names=MODEL_NAMES,
        folds={f: [r["contig"] for r in PLAN_ROWS if r["fold"] == f] for f in FOLDS},
    log:
        "logs/crossfit/metrics.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/crossfit_metrics.py"


CROSSFIT_TARGETS = [
    *expand("results/crossfit/scores/{model}/{track}.bw", model=MODEL_NAMES, track=TRACKS),
    "results/crossfit/metrics.tsv",
]


rule crossfit:
    """Only the cross-fitted outputs: `snakemake --cores N crossfit`."""
    input:
        CROSSFIT_TARGETS if FOLDS else [],
