# Count per train chromosome (scatter), then merge the shards (gather).


rule count_kmers:
    input:
        genome=config["genome"],
        windows=rules.make_windows.output.parquet,
    output:
        shard="results/kmers/k{k}/shards/{chrom}.parquet",
    params:
        strands="--both-strands" if config["kmer"]["both_strands"] else "",
        memory=config["kmer"]["memory_gb"],
        exe=tool("count-kmers"),
    log:
        "logs/count_kmers/k{k}/{chrom}.log",
    threads: 2
    resources:
        mem_mb=lambda wc: int(config["kmer"]["memory_gb"] * 1024) + 2000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} --windows {input.windows} --split train "
        "--chrom {wildcards.chrom} -k {wildcards.k} {params.strands} "
        "--memory-gb {params.memory} -t {threads} -o {output.shard} -q 2> {log}"


rule merge_kmers:
    input:
        shards=expand("results/kmers/k{{k}}/shards/{chrom}.parquet", chrom=TRAIN_CHROMS),
    output:
        table="results/kmers/k{k}/kmers.parquet",
    params:
        memory=config["kmer"]["memory_gb"],
        exe=tool("count-kmers"),
    log:
        "logs/merge_kmers/k{k}.log",
    threads: 1
    resources:
        mem_mb=lambda wc: int(config["kmer"]["memory_gb"] * 1024) * 2 + 2000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} --merge {input.shards} --memory-gb {params.memory} "
        "-o {output.table} -q 2> {log}"
