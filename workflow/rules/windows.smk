rule make_windows:
    input:
        genome=GENOME,
        repeats=rules.mask_repeats.output.bed,
        plan=PLAN,
    output:
        parquet="results/windows.parquet",
        bed="results/windows.bed",
        splits="results/splits.tsv",
    params:
        select=lambda wc, output: f"--splits-out {output.splits}",
        fraction=config["splits"]["valid_fraction"],
        seed=config["splits"]["seed"],
        size=config["windows"]["size"],
        max_unknown=config["windows"]["max_unknown"],
        exe=tool("make-windows"),
    log:
        "logs/make_windows.log",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "{params.exe} -g {input.genome} --repeats {input.repeats} "
        "--plan {input.plan} {params.select} "
        "--valid-fraction {params.fraction} --seed {params.seed} "
        "--size {params.size} --max-unknown {params.max_unknown} "
        "-o {output.parquet} --bed {output.bed} 2> {log}"
