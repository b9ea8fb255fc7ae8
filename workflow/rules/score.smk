rule score_genome_kmer:
    input:
        genome=config["genome"],
        windows=rules.make_windows.output.parquet,
        repeats=rules.mask_repeats.output.bed,
        model="results/kmers/k{k}/kmers.parquet",
    output:
        tracks=expand("results/scores/kmer{{k}}/{track}.bw", track=TRACKS),
        metrics="results/scores/kmer{k}/metrics.parquet",
        tsv="results/scores/kmer{k}/metrics.tsv",
    params:
        outdir=lambda wc, output: os.path.dirname(output.metrics),
        tracks="--tracks" if config["score"]["all_tracks"] else "",
        backoff="" if config["score"]["backoff"] else "--no-backoff",
        pseudocount=config["score"]["pseudocount"],
        memory=config["kmer"]["memory_gb"],
        exe=tool("score-genome"),
    log:
        "logs/score_genome/kmer{k}.log",
    threads: 2
    resources:
        mem_mb=lambda wc: int(config["kmer"]["memory_gb"] * 1024) + 4000,
        runtime=120,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} --model {input.model} "
        "--windows {input.windows} --split test --repeats {input.repeats} "
        "--pseudocount {params.pseudocount} {params.backoff} {params.tracks} "
        "--memory-gb {params.memory} -t {threads} -o {params.outdir} -q 2> {log}"
