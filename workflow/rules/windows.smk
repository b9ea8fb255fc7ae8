rule make_windows:
    input:
        genome=config["genome"],
        repeats=rules.mask_repeats.output.bed,
    output:
        parquet="results/windows.parquet",
        bed="results/windows.bed",
    params:
        train=",".join(split_chroms("train")),
        valid=",".join(split_chroms("valid")),
        test=",".join(split_chroms("test")),
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
        "--train '{params.train}' --valid '{params.valid}' --test '{params.test}' "
        "--valid-fraction {params.fraction} --seed {params.seed} "
        "--size {params.size} --max-unknown {params.max_unknown} "
        "-o {output.parquet} --bed {output.bed} -q 2> {log}"
