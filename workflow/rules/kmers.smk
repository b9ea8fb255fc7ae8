# k-mer models: count per job of train contigs (scatter: results/plan.tsv packs small contigs
# into one job), then merge the shards (gather).


rule count_kmers:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        plan=PLAN,
    output:
        shard="results/kmers/{kmer}/shards/{job}.parquet",
    params:
        k=lambda wc: MODELS[wc.kmer]["k"],
        strands=lambda wc: "--both-strands" if MODELS[wc.kmer].get("both_strands", False) else "",
        memory=lambda wc: MODELS[wc.kmer].get("memory_gb", 4),
        exe=tool("count-kmers"),
    log:
        "logs/count_kmers/{kmer}/{job}.log",
    threads: 2
    resources:
        mem_mb=lambda wc: int(MODELS[wc.kmer].get("memory_gb", 4) * 1024) + 2000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} --windows {input.windows} --split train "
        "--plan {input.plan} --job {wildcards.job} -k {params.k} {params.strands} "
        "--memory-gb {params.memory} -t {threads} -o {output.shard} 2> {log}"


rule merge_kmers:
    input:
        shards=expand("results/kmers/{{kmer}}/shards/{job}.parquet", job=TRAIN_JOBS),
    output:
        table="results/kmers/{kmer}/kmers.parquet",
    params:
        memory=lambda wc: MODELS[wc.kmer].get("memory_gb", 4),
        exe=tool("count-kmers"),
    log:
        "logs/merge_kmers/{kmer}.log",
    threads: 1
    resources:
        mem_mb=lambda wc: int(MODELS[wc.kmer].get("memory_gb", 4) * 1024) * 2 + 2000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} --merge {input.shards} --memory-gb {params.memory} "
        "-o {output.table} 2> {log}"
