"""The cross-fitted metrics of every model in one table with a fold column: each
chromosome's rows (with the fold whose models scored it), each fold's rows summed from its
chromosomes (chrom `all`), and the genome's rows as merge-scores computed them (fold `all`).

Hits come from the accuracies (exact for any count below 2^52); bits are averaged weighted
by positions; every target (base, pair, type) gets its rows.

Run by the workflow's `crossfit_metrics` rule (snakemake `script:`)."""

import polars as pl

COLUMNS = ["model", "fold", "chrom", "class", "target", "n", "accuracy", "bits"]


def fold_rows(df, fold_of):
    """Per chromosome rows with their fold, and one summed row per fold and class."""
    chroms = df.filter(pl.col("chrom") != "all")
    unknown = set(chroms["chrom"]) - set(fold_of)
    if unknown:
        raise ValueError(f"chromosomes {sorted(unknown)} are in no fold")
    chroms = chroms.with_columns(pl.col("chrom").replace_strict(fold_of).alias("fold"))
    sums = (
        chroms.with_columns(
            # hits: exact from the accuracy (a ratio of counts far below 2^52)
            (pl.col("accuracy").fill_null(0) * pl.col("n")).round().alias("hits"),
            (pl.col("bits").fill_null(0) * pl.col("n")).alias("bit_sum"),
        )
        .group_by("fold", "class", "target", maintain_order=True)
        .agg(pl.col("n").sum(), pl.col("hits").sum(), pl.col("bit_sum").sum())
        .with_columns(
            pl.lit("all").alias("chrom"),
            # an annotation class absent from a fold's chromosomes: no value, as merge-scores writes it
            pl.when(pl.col("n") > 0).then(pl.col("hits") / pl.col("n")).alias("accuracy"),
            pl.when(pl.col("n") > 0).then(pl.col("bit_sum") / pl.col("n")).alias("bits"),
        )
    )
    return chroms, sums


def main(metrics, names, folds, out_parquet, out_tsv):
    fold_of = {c: f for f, chroms in folds.items() for c in chroms}
    order = {f: i for i, f in enumerate(list(folds) + ["all"])}
    frames = []
    for path, name in zip(metrics, names):
        df = pl.read_parquet(path)
        if "target" not in df.columns:
            df = df.with_columns(pl.lit("base").alias("target"))
        chroms, sums = fold_rows(df, fold_of)
        genome = df.filter(pl.col("chrom") == "all").with_columns(pl.lit("all").alias("fold"))
        for part in (chroms, sums, genome):
            frames.append(part.with_columns(pl.lit(name).alias("model")).select(COLUMNS))
    model_order = {n: i for i, n in enumerate(names)}
    # model by model, target by target, fold by fold: its chromosomes, then its sums; the
    # genome's rows last
    table = (
        pl.concat(frames)
        .with_columns(pl.col("n").cast(pl.UInt64))
        .with_row_index("_row")
        .sort(
            pl.col("model").replace_strict(model_order, return_dtype=pl.UInt32),
            pl.col("target").replace_strict({"base": 0, "pair": 1, "type": 2}, return_dtype=pl.UInt32),
            pl.col("fold").replace_strict(order, return_dtype=pl.UInt32),
            pl.col("chrom") == "all",
            "_row",
        )
    )
    table = table.select(COLUMNS)
    table.write_parquet(out_parquet)
    table.write_csv(out_tsv, separator="\t", float_precision=6)


if __name__ == "__main__":
    sm = snakemake  # noqa: F821 (provided by Snakemake)
    main(sm.input.metrics, sm.params.names, sm.params.folds, sm.output.parquet, sm.output.tsv)
