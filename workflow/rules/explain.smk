# What the flanks contribute: explain-flanks per model on the test split (accuracy and bits
# when bands of flank distances are shuffled or randomized), shown in the report. Neural
# models run on a GPU node, k-mer and markov models on a CPU node.


rule explain_kmer:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        model="results/kmers/{kmer}/kmers.parquet",
    output:
        parquet="results/explain/{kmer}.parquet",
        tsv="results/explain/{kmer}.tsv",
    params:
        **EXPLAIN_PARAMS,
        extra=lambda wc: "--memory-gb {}".format(MODELS[wc.kmer].get("memory_gb", 4)),
    log:
        "logs/explain/{kmer}.log",
    threads: 2
    resources:
        mem_mb=lambda wc: int(MODELS[wc.kmer].get("memory_gb", 4) * 1024) + 4000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        explain_cmd("{input.model}")


rule explain_markov:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        model=MARKOV_INDEX,
    output:
        parquet="results/explain/{markov}.parquet",
        tsv="results/explain/{markov}.tsv",
    params:
        **EXPLAIN_PARAMS,
        extra=lambda wc: markov_flags(wc.markov),
    log:
        "logs/explain/{markov}.log",
    threads: 2
    resources:
        mem_mb=markov_score_mb,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        explain_cmd("{input.model}")


rule explain_neural:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        weights="results/models/{neural}/weights.safetensors",
    output:
        parquet="results/explain/{neural}.parquet",
        tsv="results/explain/{neural}.tsv",
    params:
        **EXPLAIN_PARAMS,
        folder=lambda wc, input: os.path.dirname(input.weights),
        extra=f"--device {config['device']}",
    log:
        "logs/explain/{neural}.log",
    threads: 4
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        explain_cmd("{params.folder}")
