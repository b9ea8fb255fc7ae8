# One comparison table across all models, and a self-contained HTML report with plots.


rule compare_models:
    input:
        metrics=expand("results/scores/{model}/metrics.parquet", model=MODEL_NAMES),
    output:
        parquet="results/comparison.parquet",
        tsv="results/comparison.tsv",
    params:
        names=MODEL_NAMES,
        kinds=[MODELS[m]["kind"] for m in MODEL_NAMES],
        flanks=[model_flank(m) for m in MODEL_NAMES],
    log:
        "logs/compare_models.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/compare.py"


rule report:
    input:
        comparison=rules.compare_models.output.parquet,
        learning=expand("results/models/{neural}/metrics.parquet", neural=NEURAL_MODELS),
        calibration=expand("results/scores/{model}/calibration.parquet", model=MODEL_NAMES),
        explain=expand("results/explain/{model}.parquet", model=EXPLAINED_MODELS)
        if config["explain"]["enabled"]
        else [],
        crossfit=rules.crossfit_metrics.output.parquet if FOLDS else [],
        splits=rules.make_windows.output.splits,
    output:
        html="results/report.html",
    params:
        names=MODEL_NAMES,
        neural_names=NEURAL_MODELS,
        explain_names=EXPLAINED_MODELS,
        title=config["report"]["title"],
    log:
        "logs/report.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/report.py"
