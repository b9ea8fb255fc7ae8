# The genome as every job reads it: a genome downloaded as plain gzip or UCSC .2bit (or
# without an index beside it) is copied once into bgzip with .fai and .gzi (prepare-genome);
# NCBI headers are cut to their first word, the name every tool uses.


if PREPARED:

    rule prepare_genome:
        input:
            genome=SOURCE_GENOME,
        output:
            fasta=GENOME,
            fai=f"{GENOME}.fai",
            gzi=f"{GENOME}.gzi",
        params:
            exe=tool("prepare-genome"),
        log:
            "logs/prepare_genome.log",
        threads: 2
        resources:
            mem_mb=2000,
            runtime=180,
        conda:
            "../../envs/dnactx.yaml"
        shell:
            "{params.exe} -g {input.genome} -o {output.fasta} -t {threads} 2> {log}"
