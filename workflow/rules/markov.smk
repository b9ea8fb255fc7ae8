# Markov models: one FM-index of the train split's windows and their reverse complement,
# built once on a CPU node and shared by every markov model (and by neural models that take a
# markov prior); each model counts its contexts from it on demand when it scores or explains,
# with its own --max-order/--alpha/--min-order.


rule index_genome:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
    output:
        index=MARKOV_INDEX,
    params:
        exe=tool("index-genome"),
    log:
        "logs/index_genome.log",
    threads: 4
    resources:
        mem_mb=markov_index_mb,
        runtime=120,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} --windows {input.windows} --split train "
        "-o {output.index} -t {threads} --max-memory {resources.mem_mb}M 2> {log}"
