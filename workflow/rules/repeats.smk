rule mask_repeats:
    input:
        genome=GENOME,
        beds=config["repeats"]["beds"],
    output:
        bed="results/repeats.bed",
    params:
        dust="--dust" if config["repeats"]["dust"] else "",
        soft="" if config["repeats"]["softmask"] else "--no-softmask",
        beds=lambda wc, input: " ".join(f"--bed {b}" for b in input.beds),
        exe=tool("mask-repeats"),
    log:
        "logs/mask_repeats.log",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} -o {output.bed} {params.dust} {params.soft} "
        "{params.beds} 2> {log}"
