# Scoring: one score-genome job per model and job of test contigs (scatter: results/plan.tsv
# gives large contigs a job each and packs small ones; neural models on GPU nodes, k-mer and
# markov models on CPU nodes), then merge-scores gathers each model's jobs into one folder.
# The per-job folders are temporary (removed once merged) unless score.keep_chroms.
#
# Each rule is written once: its inputs, outputs and flags come from score_inputs, score_files
# and SCORE_PARAMS (rules/common.smk), which rules/crossfit.smk calls again with a fold's
# files (`use rule ... with:`).


rule score_kmer:
    input:
        **score_inputs(rules.make_windows.output.parquet, "results/copies/{job}.bed",
                       model="results/kmers/{kmer}/kmers.parquet"),
    output:
        **score_job_outputs("results", "kmer"),
    params:
        **SCORE_PARAMS,
        extra=lambda wc: "--pseudocount {} {}".format(
            MODELS[wc.kmer].get("pseudocount", 4),
            "" if MODELS[wc.kmer].get("backoff", True) else "--no-backoff",
        ),
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
        **score_inputs(rules.make_windows.output.parquet, "results/copies/{job}.bed", model=MARKOV_INDEX),
    output:
        **score_job_outputs("results", "markov"),
    params:
        **SCORE_PARAMS,
        extra=lambda wc: markov_flags(wc.markov),
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
        **score_inputs(rules.make_windows.output.parquet, "results/copies/{job}.bed",
                       weights="results/models/{neural}/weights.safetensors"),
    output:
        **score_job_outputs("results", "neural"),
    params:
        **SCORE_PARAMS,
        folder=lambda wc, input: os.path.dirname(input.weights),
        extra=f"--device {config['device']}",
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
        **merge_inputs("results", TEST_JOBS),
    output:
        **score_files("results/scores/{model}"),
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
