"""Do a network's per-position features carry signal? Reads an embed-regions table, and
- projects the features on their first two principal components, coloured by repeat (soft-
  masked) against not, into a figure;
- splits k-means (k = 2, on the standardized features) and reports how well its clusters
  match repeat against not;
- trains a nearest-centroid classifier of repeat against not on half the positions and scores
  the other half, beside always guessing the larger class.

    python3 examples/embed_clusters.py features.parquet embed.png

Needs numpy, polars and matplotlib (all in the project's venv)."""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402


def kmeans2(x, rng, steps=50):
    centers = x[rng.choice(len(x), 2, replace=False)]
    for _ in range(steps):
        label = ((x[:, None, :] - centers[None]) ** 2).sum(-1).argmin(1)
        centers = np.stack([x[label == k].mean(0) if (label == k).any() else centers[k] for k in range(2)])
    return label


def main(path, figure):
    df = pl.read_parquet(path)
    x = df.select(pl.selectors.starts_with("f")).to_numpy().astype(np.float64)
    repeat = df["soft"].to_numpy()
    x = (x - x.mean(0)) / (x.std(0) + 1e-9)
    rng = np.random.default_rng(1)
    # principal components
    _, s, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    pc = x @ vt[:2].T
    explained = (s[:2] ** 2) / (s ** 2).sum()
    # k-means against the repeat mask
    label = kmeans2(x, rng)
    agree = max((label == repeat).mean(), (label != repeat).mean())
    # nearest centroid on a held-out half
    order = rng.permutation(len(x))
    train, test = order[: len(x) // 2], order[len(x) // 2:]
    c1, c0 = x[train][repeat[train]].mean(0), x[train][~repeat[train]].mean(0)
    guess = ((x[test] - c1) ** 2).sum(1) < ((x[test] - c0) ** 2).sum(1)
    acc = (guess == repeat[test]).mean()
    base = max(repeat[test].mean(), 1 - repeat[test].mean())
    print(f"{len(x)} positions, {x.shape[1]} features, {repeat.mean():.1%} repeats")
    print(f"first two principal components: {explained[0]:.1%} and {explained[1]:.1%} of the variance")
    print(f"k-means (k = 2) clusters against repeat / not: {agree:.1%} agreement")
    print(f"nearest centroid, held-out half: {acc:.1%} correct (always the larger class: {base:.1%})")
    fig, ax = plt.subplots(figsize=(6, 5))
    for flag, colour, name in ((False, "#1f77b4", "not repeat"), (True, "#d62728", "repeat (soft-masked)")):
        m = repeat == flag
        ax.scatter(pc[m, 0], pc[m, 1], s=2, alpha=0.3, c=colour, label=name, rasterized=True)
    ax.set_xlabel(f"PC1 ({explained[0]:.0%})")
    ax.set_ylabel(f"PC2 ({explained[1]:.0%})")
    ax.legend(markerscale=6)
    ax.set_title(f"{x.shape[1]} features per position; held-out repeat call {acc:.0%} (baseline {base:.0%})",
                 fontsize=9)
    fig.savefig(figure, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main(*sys.argv[1:3])
