"""One comparison table across models: accuracy and bits per base for all / repeat /
non-repeat positions (and annotation classes), per chromosome and overall (rows with chrom ==
"all"), for the base and, from the summed probabilities, the base pair and the base type
(column target: base, pair, type).

Run by the workflow's `compare_models` rule (snakemake `script:`)."""

import polars as pl


def main(metrics, names, kinds, flanks, out_parquet, out_tsv):
    frames = []
    for path, name, kind, flank in zip(metrics, names, kinds, flanks):
        df = pl.read_parquet(path)
        if "target" not in df.columns:  # tables from before the pair and type rows
            df = df.with_columns(pl.lit("base").alias("target"))
        df = df.select("chrom", "class", "n", "accuracy", "bits", "target")
        frames.append(df.with_columns(
            pl.lit(name).alias("model"), pl.lit(kind).alias("kind"), pl.lit(int(flank)).alias("flank")))
    table = pl.concat(frames).select("model", "kind", "flank", "chrom", "class", "n", "accuracy", "bits", "target")
    table.write_parquet(out_parquet)
    table.write_csv(out_tsv, separator="\t", float_precision=6)


if __name__ == "__main__":
    sm = snakemake  # noqa: F821 (provided by Snakemake)
    main(sm.input.metrics, sm.params.names, sm.params.kinds, sm.params.flanks, sm.output.parquet, sm.output.tsv)
