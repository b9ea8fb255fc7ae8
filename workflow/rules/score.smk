# Scoring: one score-genome job per model and job of test contigs (scatter: results/plan.tsv
# gives large contigs a job each and packs small ones; neural models on GPU nodes, k-mer and
# markov models on CPU nodes), then merge-scores gathers each model's jobs into one folder.
# The per-job folders are temporary (removed once merged) unless score.keep_chroms.


rule score_kmer:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        plan=PLAN,
        repeats=rules.mask_repeats.output.bed,
        classes=CLASS_BEDS,
        copies=copies_bed("results/copies/{job}.bed"),
        model="results/kmers/{kmer}/kmers.parquet",
    output:
        tracks=chrom_output(expand("results/scores/{{kmer}}/jobs/{{job}}/{track}.bw", track=TRACKS)),
        metrics=chrom_output("results/scores/{kmer}/jobs/{job}/metrics.parquet"),
        tsv=chrom_output("results/scores/{kmer}/jobs/{job}/metrics.tsv"),
        calibration=chrom_output("results/scores/{kmer}/jobs/{job}/calibration.parquet"),
    params:
        outdir=lambda wc, output: os.path.dirname(output.metrics),
        tracks="--tracks" if config["score"]["all_tracks"] else "",
        rc="--rc-average" if config["score"]["rc_average"] else "",
        prec=f"--precision {config['score']['precision']}",
        classes=classes_flags,
        extra=lambda wc: "--pseudocount {} {}".format(
            MODELS[wc.kmer].get("pseudocount", 4),
            "" if MODELS[wc.kmer].get("backoff", True) else "--no-backoff",
        ),
        exe=tool("score-genome"),
    log:
        "logs/score/{kmer}/{job}.log",
    threads: 2
    resources:
        mem_mb=lambda wc: int(MODELS[wc.kmer].get("memory_gb", 4) * 1024) + 4000,
        runtime=120,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        score_cmd("{input.model}")


rule score_markov:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        plan=PLAN,
        repeats=rules.mask_repeats.output.bed,
        classes=CLASS_BEDS,
        copies=copies_bed("results/copies/{job}.bed"),
        model=MARKOV_INDEX,
    output:
        tracks=chrom_output(expand("results/scores/{{markov}}/jobs/{{job}}/{track}.bw", track=TRACKS)),
        metrics=chrom_output("results/scores/{markov}/jobs/{job}/metrics.parquet"),
        tsv=chrom_output("results/scores/{markov}/jobs/{job}/metrics.tsv"),
        calibration=chrom_output("results/scores/{markov}/jobs/{job}/calibration.parquet"),
    params:
        outdir=lambda wc, output: os.path.dirname(output.metrics),
        tracks="--tracks" if config["score"]["all_tracks"] else "",
        rc="--rc-average" if config["score"]["rc_average"] else "",
        prec=f"--precision {config['score']['precision']}",
        classes=classes_flags,
        extra=lambda wc: markov_flags(wc.markov),
        exe=tool("score-genome"),
    log:
        "logs/score/{markov}/{job}.log",
    threads: 2
    resources:
        mem_mb=markov_score_mb,
        runtime=240,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        score_cmd("{input.model}")


rule score_neural:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        plan=PLAN,
        repeats=rules.mask_repeats.output.bed,
        classes=CLASS_BEDS,
        copies=copies_bed("results/copies/{job}.bed"),
        weights="results/models/{neural}/weights.safetensors",
    output:
        tracks=chrom_output(expand("results/scores/{{neural}}/jobs/{{job}}/{track}.bw", track=TRACKS)),
        metrics=chrom_output("results/scores/{neural}/jobs/{job}/metrics.parquet"),
        tsv=chrom_output("results/scores/{neural}/jobs/{job}/metrics.tsv"),
        calibration=chrom_output("results/scores/{neural}/jobs/{job}/calibration.parquet"),
    params:
        outdir=lambda wc, output: os.path.dirname(output.metrics),
        folder=lambda wc, input: os.path.dirname(input.weights),
        tracks="--tracks" if config["score"]["all_tracks"] else "",
        rc="--rc-average" if config["score"]["rc_average"] else "",
        prec=f"--precision {config['score']['precision']}",
        classes=classes_flags,
        extra=f"--device {config['device']}",
        exe=tool("score-genome"),
    log:
        "logs/score/{neural}/{job}.log",
    threads: 4
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=240,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        score_cmd("{params.folder}")


rule merge_scores:
    input:
        metrics=expand("results/scores/{{model}}/jobs/{job}/metrics.parquet", job=TEST_JOBS),
        # every per-chromosome file, so that temporary ones stay until they are merged
        tracks=expand("results/scores/{{model}}/jobs/{job}/{track}.bw", job=TEST_JOBS, track=TRACKS),
        tsv=expand("results/scores/{{model}}/jobs/{job}/metrics.tsv", job=TEST_JOBS),
        calibration=expand("results/scores/{{model}}/jobs/{job}/calibration.parquet", job=TEST_JOBS),
    output:
        tracks=expand("results/scores/{{model}}/{track}.bw", track=TRACKS),
        metrics="results/scores/{model}/metrics.parquet",
        tsv="results/scores/{model}/metrics.tsv",
        calibration="results/scores/{model}/calibration.parquet",
    params:
        dirs=lambda wc, input: " ".join(os.path.dirname(m) for m in input.metrics),
        outdir=lambda wc, output: os.path.dirname(output.metrics),
        exe=tool("merge-scores"),
    log:
        "logs/merge_scores/{model}.log",
    # the six tracks' blocks are read side by side (a reader per thread; a writer per track)
    threads: 4
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} {params.dirs} -o {params.outdir} -t {threads} 2> {log}"
