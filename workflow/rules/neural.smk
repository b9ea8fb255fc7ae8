# Neural models: one train-model job each, on a GPU node when the cluster has them. A job
# killed mid-training is resumed from its last checkpoint when the workflow runs again.


rule model_config:
    output:
        yaml="results/models/{neural}.yaml",
    params:
        run=lambda wc: {
            **({"preset": MODELS[wc.neural]["preset"]} if "preset" in MODELS[wc.neural] else {}),
            "model": MODELS[wc.neural].get(
                "model", {} if "preset" in MODELS[wc.neural] else {"architecture": "cnn"}
            ),
            "train": MODELS[wc.neural].get("train", {}),
        },
    log:
        "logs/model_config/{neural}.log",
    threads: 1
    resources:
        mem_mb=200,
        runtime=5,
    run:
        import yaml

        with open(output.yaml, "w") as f:
            yaml.safe_dump(params.run, f, sort_keys=False)


rule train_model:
    input:
        genome=GENOME,
        windows=rules.make_windows.output.parquet,
        repeats=rules.mask_repeats.output.bed,
        config="results/models/{neural}.yaml",
        prior=prior_table,
    output:
        weights="results/models/{neural}/weights.safetensors",
        config="results/models/{neural}/config.yaml",
        metrics="results/models/{neural}/metrics.parquet",
    params:
        folder=lambda wc, output: os.path.dirname(output.weights),
        prior=prior_flags,
        device=config["device"],
        exe=tool("train-model"),
    log:
        "logs/train_model/{neural}.log",
    threads: lambda wc: int(MODELS[wc.neural].get("threads", 4))
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=lambda wc: int(MODELS[wc.neural].get("runtime_minutes", 720)),
    conda:
        "../../envs/dnactx.yaml"
    shell:
        "if [ -f {params.folder}/checkpoint.yaml ]; then resume=--resume; "
        "else resume=; rm -rf {params.folder}; fi; "
        "{params.exe} -g {input.genome} --windows {input.windows} --repeats {input.repeats} "
        "--config {input.config} {params.prior} --device {params.device} -t {threads} "
        "-o {params.folder} $resume 2> {log}"
