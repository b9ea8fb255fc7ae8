"""results/report.html: a self-contained page (plots embedded as PNG) comparing the models.

Plots: accuracy per chromosome for every model; repeat against non-repeat accuracy; learning
curves of the neural models (their metrics.parquet); calibration (predicted probability
against observed frequency); accuracy against flank size; what each band of flank distances
contributes (explain-flanks); with cross-fitting, accuracy per fold and per chromosome.
Run by the workflow's `report`
rule (snakemake `script:`); matplotlib draws, polars reads."""

import base64
import datetime
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402


def figure_html(fig, caption):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'


def per_chromosome(table):
    rows = table.filter((pl.col("class") == "all") & (pl.col("chrom") != "all"))
    chroms = list(dict.fromkeys(rows["chrom"].to_list()))
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(chroms) + 3), 4))
    for model in dict.fromkeys(rows["model"].to_list()):
        r = rows.filter(pl.col("model") == model)
        acc = dict(zip(r["chrom"], r["accuracy"]))
        ax.plot(chroms, [acc.get(c) for c in chroms], marker="o", label=model)
    ax.set_xlabel("test chromosome")
    ax.set_ylabel("accuracy")
    ax.tick_params(axis="x", rotation=60)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure_html(fig, "Accuracy per test chromosome, every model")


def repeats(table):
    rows = table.filter(pl.col("chrom") == "all")
    models = list(dict.fromkeys(rows["model"].to_list()))
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(models) + 2), 4))
    width = 0.4
    for i, cls in enumerate(["repeat", "non_repeat"]):
        r = rows.filter(pl.col("class") == cls)
        acc = dict(zip(r["model"], r["accuracy"]))
        ax.bar([j + (i - 0.5) * width for j in range(len(models))], [acc.get(m) or 0 for m in models],
               width, label=cls.replace("_", "-"))
    ax.set_xticks(range(len(models)), models, rotation=30, ha="right")
    ax.set_ylabel("accuracy")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return figure_html(fig, "Repeat against non-repeat accuracy (all test chromosomes)")


def learning_curves(curves):
    if not curves:
        return "<p>No neural model in this run: no learning curves.</p>"
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    for name, path in curves:
        df = pl.read_parquet(path)
        a1.plot(df["targets_seen"], df["valid_accuracy"], marker=".", label=name)
        a2.plot(df["targets_seen"], df["valid_bits"], marker=".", label=f"{name} valid")
        a2.plot(df["targets_seen"], df["train_loss"] / 0.6931471805599453, ls="--", label=f"{name} train")
    a1.set_xlabel("targets seen")
    a1.set_ylabel("valid accuracy")
    a2.set_xlabel("targets seen")
    a2.set_ylabel("bits per base")
    for a in (a1, a2):
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    return figure_html(fig, "Learning curves: valid accuracy and bits, and training loss, against targets seen")


def calibration(cals):
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label="perfect")
    for name, path in cals:
        df = pl.read_parquet(path).filter(pl.col("n") > 0)
        ax.plot(df["mean_p"], df["observed"], marker="o", label=name)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure_html(fig, "Calibration: predicted probability of each base (of each class for a model of the pair or type) against how often it was the reference's")


def flank(table):
    rows = table.filter((pl.col("chrom") == "all") & (pl.col("class") == "all"))
    fig, ax = plt.subplots(figsize=(6, 4))
    markers = {"kmer": "s", "markov": "^", "neural": "o"}
    for kind in dict.fromkeys(rows["kind"].to_list()):
        marker = markers.get(kind, "D")
        r = rows.filter(pl.col("kind") == kind)
        if r.height:
            ax.scatter(r["flank"], r["accuracy"], marker=marker, label=kind)
            for m, f, a in zip(r["model"], r["flank"], r["accuracy"]):
                ax.annotate(m, (f, a), fontsize=8, xytext=(4, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("flank (bases each side)")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    return figure_html(fig, "Accuracy against flank size")


def explain(tables):
    if not tables:
        return "<p>explain-flanks was not run (config: explain.enabled).</p>"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, mode in zip(axes, ["random", "shuffle"]):
        for name, path in tables:
            df = pl.read_parquet(path).filter(pl.col("mode") == mode).sort("band_start")
            if df.height:
                mid = [(a + b) / 2 for a, b in zip(df["band_start"], df["band_end"])]
                ax.plot(mid, df["delta_accuracy"], marker="o", label=name)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("distance from the center (band middle)")
        ax.set_title(f"band {'replaced by random bases' if mode == 'random' else 'shuffled (each side)'}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("change in accuracy")
    return figure_html(fig, "What the flanks contribute: change in accuracy when the flank bases at a band of "
                            "distances (both sides) are randomized or shuffled (explain-flanks, test split)")


def summary_table(table):
    rows = table.filter(pl.col("chrom") == "all").sort("model", "class")
    head = "<tr><th>model</th><th>kind</th><th>flank</th><th>class</th><th>n</th><th>accuracy</th><th>bits/base</th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(r['model'])}</td><td>{r['kind']}</td><td>{r['flank']}</td><td>{r['class']}</td>"
        f"<td>{r['n']}</td><td>{(r['accuracy'] or float('nan')):.4f}</td><td>{(r['bits'] or float('nan')):.4f}</td></tr>"
        for r in rows.iter_rows(named=True))
    return f"<table>{head}{body}</table>"


COPY_BANDS = {
    "train_copy_33bp": "a 33-base copy (the whole order-16 window)",
    "train_copy_21_31bp": "a copy of 21 to 31 bases",
    "train_copy_none": "no copy of 21 bases or more",
}


def train_copies(table, cross=None):
    """Accuracy and bits of every model by the longest window around each test position that
    the train split holds (find-copies bands), with each band's share of the test positions;
    the cross-fitted genome's too when given (fold `all` of results/crossfit/metrics)."""
    sets = [("Test split", table.filter(pl.col("chrom") == "all"))]
    if cross is not None:
        c = cross.filter((pl.col("fold") == "all") & (pl.col("target") == "base"))
        if c.filter(pl.col("class").is_in(list(COPY_BANDS))).height:
            sets.append(("Cross-fitted, every chromosome", c))
    if not table.filter(pl.col("class").is_in(list(COPY_BANDS))).height:
        return ["<p>Not measured (score.train_copies: false).</p>"]
    out = ["<p>Each test position's band is the longest window centred on it (up to 33 bases) "
           "found on either strand in the train split's FM-index (find-copies; "
           "results/copies/). A model scores sequence with a copy in training (alt haplotypes, "
           "segmental duplications, young repeats) far better than the rest: read its accuracy "
           "on \"no copy\" as the one that carries to new sequence.</p>"]
    for name, rows in sets:
        models = list(dict.fromkeys(rows["model"].to_list()))
        cell = {(r["model"], r["class"]): r for r in rows.iter_rows(named=True)}
        total = cell[(models[0], "all")]["n"]
        head = "<tr><th>band</th><th>positions</th><th>share</th>" + "".join(
            f"<th>{html.escape(m)} accuracy</th><th>bits</th>" for m in models) + "</tr>"
        fmt = lambda r, k: "NA" if r is None or r[k] is None else f"{r[k]:.4f}"
        body = ""
        for band, what in [*COPY_BANDS.items(), ("all", "every test position")]:
            first = cell.get((models[0], band))
            n = first["n"] if first else 0
            body += (f"<tr><td>{what}</td><td>{n}</td><td>{100 * n / max(total, 1):.2f}%</td>"
                     + "".join(f"<td>{fmt(cell.get((m, band)), 'accuracy')}</td>"
                               f"<td>{fmt(cell.get((m, band)), 'bits')}</td>" for m in models)
                     + "</tr>")
        out += [f"<h3>{name}</h3>", f"<table>{head}{body}</table>"]
    return out


def annotation_classes(table):
    """Accuracy and bits per annotation class (score.classes) and model, over all scored
    chromosomes, beside all / repeat / non-repeat (the copy bands have their own section)."""
    rows = table.filter((pl.col("chrom") == "all") & ~pl.col("class").is_in(list(COPY_BANDS)))
    classes = list(dict.fromkeys(rows["class"].to_list()))
    if classes == ["all", "repeat", "non_repeat"]:
        return ["<p>No annotation classes (score.classes in the config).</p>"]
    models = list(dict.fromkeys(rows["model"].to_list()))
    cell = {(r["model"], r["class"]): r for r in rows.iter_rows(named=True)}
    head = "<tr><th>class</th><th>positions</th>" + "".join(
        f"<th>{html.escape(m)} accuracy</th><th>{html.escape(m)} bits</th>" for m in models) + "</tr>"
    fmt = lambda v: "NA" if v is None else f"{v:.4f}"
    body = "".join(
        f"<tr><td>{html.escape(c)}</td><td>{cell[(models[0], c)]['n']}</td>"
        + "".join(f"<td>{fmt(cell[(m, c)]['accuracy'])}</td><td>{fmt(cell[(m, c)]['bits'])}</td>" for m in models)
        + "</tr>"
        for c in classes)
    return ["<p>Every scored position of the test split in each class (a position may be in several).</p>",
            f"<table>{head}{body}</table>"]


def crossfit(path):
    """Cross-fitted accuracy (every chromosome scored by the models of the fold that did not
    train on it): a table per fold and per chromosome, and a plot per chromosome."""
    if not path:
        return []
    t = pl.read_parquet(path).filter(pl.col("class") == "all")
    # each model's target: the base, or a two-class model's own (named in its column)
    own = own_targets(t)
    t = t.filter(pl.col("target") == pl.col("model").replace_strict(own))
    models = list(dict.fromkeys(t["model"].to_list()))
    # one row per fold and chromosome (the fold's sums after its chromosomes), a column per model
    keys = list(dict.fromkeys(zip(t["fold"].to_list(), t["chrom"].to_list())))
    acc = {(r["model"], r["fold"], r["chrom"]): r for r in t.iter_rows(named=True)}
    head = "<tr><th>fold</th><th>chromosome</th><th>positions</th>" + "".join(
        f"<th>{html.escape(m)}{'' if own[m] == 'base' else f' ({own[m]})'}</th>" for m in models) + "</tr>"
    body = ""
    for fold, chrom in keys:
        first = acc[(models[0], fold, chrom)]
        cells = "".join(f"<td>{acc[(m, fold, chrom)]['accuracy']:.4f}</td>" for m in models)
        strong = chrom == "all"
        row = f"<td>{fold}</td><td>{'all' if strong else html.escape(chrom)}</td><td>{first['n']}</td>{cells}"
        body += f"<tr style=\"font-weight:bold\">{row}</tr>" if strong else f"<tr>{row}</tr>"
    rows = t.filter((pl.col("chrom") != "all"))
    chroms = list(dict.fromkeys(rows["chrom"].to_list()))
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(chroms) + 3), 4))
    for model in models:
        r = rows.filter(pl.col("model") == model)
        a = dict(zip(r["chrom"], r["accuracy"]))
        ax.plot(chroms, [a.get(c) for c in chroms], marker="o", label=model)
    fold_of = dict(zip(rows["chrom"], rows["fold"]))
    ax.set_xticks(range(len(chroms)), [f"{c}\n{fold_of[c]}" for c in chroms], rotation=60, fontsize=7)
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return [
        "<h2>Cross-fitted, every chromosome</h2>",
        "<p>Each chromosome scored by the models of its fold, trained on the other folds' "
        "chromosomes (results/crossfit/metrics.tsv; tracks in results/crossfit/scores/). Accuracy "
        "over all positions; bold rows are a fold's sums, the last the genome's.</p>",
        f"<table>{head}{body}</table>",
        figure_html(fig, "Cross-fitted accuracy per chromosome (and its fold), every model"),
    ]


def targets(full):
    """Accuracy and bits of every model for the base, the base pair (A:T against C:G) and
    the base type (purine against pyrimidine), over all test positions."""
    rows = full.filter((pl.col("chrom") == "all") & (pl.col("class") == "all"))
    models = list(dict.fromkeys(rows["model"].to_list()))
    cell = {(r["model"], r["target"]): r for r in rows.iter_rows(named=True)}
    names = {"base": "base (4 classes)", "pair": "pair (A:T / C:G)", "type": "type (purine / pyrimidine)"}
    head = "<tr><th>model</th>" + "".join(f"<th>{names[t]} accuracy</th><th>bits</th>" for t in names) + "</tr>"
    fmt = lambda r, k: "NA" if r is None or r[k] is None else f"{r[k]:.4f}"
    body = "".join(
        f"<tr><td>{html.escape(m)}</td>"
        + "".join(f"<td>{fmt(cell.get((m, t)), 'accuracy')}</td><td>{fmt(cell.get((m, t)), 'bits')}</td>" for t in names)
        + "</tr>"
        for m in models)
    return ["<p>Pair and type probabilities are sums of a model's base probabilities (chance: 50%, "
            "1 bit); a model trained for the pair or the type (train.target) has only its own "
            "target's cells.</p>", f"<table>{head}{body}</table>"]


def splits_section(path):
    """What each contig went to, from results/splits.tsv: contigs and bases per split (and
    fold) and class, then the contigs left out or with nothing to score (the first 50)."""
    if not path:
        return []
    df = pl.read_csv(path, separator="\t", infer_schema_length=0).with_columns(
        pl.col("length").cast(pl.Int64), pl.col("acgt_bases").cast(pl.Int64))
    groups = (df.group_by("split", "fold", "class", maintain_order=True)
              .agg(pl.len().alias("contigs"), pl.col("length").sum().alias("bases"),
                   pl.col("acgt_bases").sum().alias("acgt")))
    head = "<tr><th>split</th><th>fold</th><th>class</th><th>contigs</th><th>bases</th><th>A/C/G/T in windows</th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(r['split'])}</td><td>{html.escape(r['fold'])}</td><td>{html.escape(r['class'])}</td>"
        f"<td>{r['contigs']:,}</td><td>{r['bases']:,}</td><td>{r['acgt']:,}</td></tr>"
        for r in groups.iter_rows(named=True))
    odd = df.filter((pl.col("split") == "excluded") | pl.col("reason").str.contains("nothing to score"))
    items = "".join(f"<tr><td>{html.escape(r['contig'])}</td><td>{html.escape(r['class'])}</td>"
                    f"<td>{html.escape(r['reason'])}</td></tr>" for r in odd.head(50).iter_rows(named=True))
    more = f"<p>... and {odd.height - 50} more in results/splits.tsv.</p>" if odd.height > 50 else ""
    return [
        "<h2>Splits</h2>",
        "<p>Every contig's class, split, fold and the reason (results/splits.tsv). Alt haplotypes, "
        "fixes, decoys and HLA alleles are copies of a chromosome: they are left out, or go where "
        "their parent goes, so no test position has its copy in training.</p>",
        f"<table>{head}{body}</table>",
        f"<h3>Left out, or nothing to score</h3><table><tr><th>contig</th><th>class</th><th>why</th></tr>{items}</table>{more}"
        if odd.height else "",
    ]


def own_targets(df):
    """Each model's target: the base when it has base rows, else a two-class model's own."""
    targets = df.group_by("model", maintain_order=True).agg(pl.col("target").unique())
    return {m: "base" if "base" in t else t[0] for m, t in targets.iter_rows()}


def main(comparison, curves, cals, explains, title, out, crossfit_metrics=None, splits=None):
    full = pl.read_parquet(comparison)
    table = full.filter(pl.col("target") == "base")
    own = own_targets(full)
    # a two-class model's plots are of its classes: its name says which
    label = lambda m: m if own.get(m, "base") == "base" else f"{m} ({own[m]})"
    curves = [(label(m), p) for m, p in curves]
    cals = [(label(m), p) for m, p in cals]
    two_class = [m for m, t in own.items() if t != "base"]
    note = (f"<p>Models of the pair or type ({html.escape(', '.join(two_class))}) are in "
            "\"Base, pair and type\" and the plots of their own classes only.</p>") if two_class else ""
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Made by the dnactx workflow on {datetime.date.today().isoformat()}. Test split only (the "
        "cross-fitted scores of every chromosome, when configured, come last); "
        "repeat = inside the repeat mask (results/repeats.bed).</p>",
        "<h2>Overall</h2>", note, summary_table(table),
        "<h2>Per chromosome</h2>", per_chromosome(table),
        "<h2>Repeats</h2>", repeats(table),
        "<h2>Copies in training</h2>",
        *train_copies(table, pl.read_parquet(crossfit_metrics) if crossfit_metrics else None),
        "<h2>Annotation classes</h2>", *annotation_classes(table),
        "<h2>Base, pair and type</h2>", *targets(full),
        "<h2>Learning curves</h2>", learning_curves(curves),
        "<h2>Calibration</h2>", calibration(cals),
        "<h2>Flank size</h2>", flank(table),
        "<h2>What the flanks contribute</h2>", explain(explains),
        *crossfit(crossfit_metrics),
        *splits_section(splits),
    ]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "figure{margin:1em 0}img{max-width:100%}figcaption{color:#555;font-size:90%}")
    page = f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    with open(out, "w") as f:
        f.write(page)


if __name__ == "__main__":
    sm = snakemake  # noqa: F821 (provided by Snakemake)
    curves = list(zip(sm.params.neural_names, sm.input.learning))
    cals = list(zip(sm.params.names, sm.input.calibration))
    explains = list(zip(sm.params.explain_names, sm.input.explain))
    crossfit_metrics = sm.input.crossfit  # one file (a str), or [] without cross-fitting
    main(sm.input.comparison, curves, cals, explains, sm.params.title, sm.output.html,
         crossfit_metrics if isinstance(crossfit_metrics, str) else None, sm.input.splits)
