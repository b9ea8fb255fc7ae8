# Helpers shared by the rules: the genome's chromosomes, the splits, the models, and where
# the dnactx binaries live.

import gzip
import os
import re


def tool(name):
    """A dnactx binary: from config['bin_dir'] when set, from PATH otherwise."""
    bin_dir = config.get("bin_dir", "")
    return os.path.join(bin_dir, name) if bin_dir else name


def genome_contigs():
    """Contig names in file order: from the .fai index when there is one, else the FASTA."""
    genome = config["genome"]
    fai = f"{genome}.fai"
    if os.path.exists(fai):
        with open(fai) as f:
            return [line.split("\t")[0] for line in f if line.strip()]
    opener = gzip.open if genome.endswith(".gz") else open
    with opener(genome, "rt") as f:
        return [line[1:].split()[0] for line in f if line.startswith(">")]


def split_chroms(split):
    """Chromosomes of a split, expanding the 'rest' keyword."""
    splits = config["splits"]
    value = splits.get(split, [])
    if value == "rest":
        named = set()
        for other in ("train", "valid", "test"):
            if other != split and splits.get(other, []) != "rest":
                named.update(splits.get(other, []))
        return [c for c in genome_contigs() if c not in named]
    return list(value)


MODELS = {m["name"]: m for m in config["models"]}
if len(MODELS) != len(config["models"]):
    raise ValueError("config: two models share a name")
MODEL_NAMES = list(MODELS)
KMER_MODELS = [n for n, m in MODELS.items() if m["kind"] == "kmer"]
NEURAL_MODELS = [n for n, m in MODELS.items() if m["kind"] == "neural"]
for _name in NEURAL_MODELS:
    _prior = MODELS[_name].get("prior")
    if _prior is not None and _prior not in KMER_MODELS:
        raise ValueError(
            f"config: model {_name} takes its prior from '{_prior}', which is not a kmer model ({KMER_MODELS})"
        )

TRACKS = ["p_ref", "entropy"] + (
    ["p_A", "p_C", "p_G", "p_T"] if config["score"]["all_tracks"] else []
)
TRAIN_CHROMS = split_chroms("train")
TEST_CHROMS = split_chroms("test")


def alternatives(names):
    """A wildcard constraint matching exactly these names (or nothing)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


wildcard_constraints:
    chrom=alternatives(TRAIN_CHROMS + [c for c in TEST_CHROMS if c not in TRAIN_CHROMS]),
    kmer=alternatives(KMER_MODELS),
    neural=alternatives(NEURAL_MODELS),
    model=alternatives(MODEL_NAMES),


def model_flank(name):
    """Bases of context each side: k for k-mer models, the configured flank otherwise."""
    m = MODELS[name]
    if m["kind"] == "kmer":
        return m["k"]
    arch = m.get("model", {})
    if "flank" in arch:
        return arch["flank"]
    if arch.get("architecture", "cnn") == "cnn":
        ks = arch.get("kernel_sizes", [2, 3, 4, 6, 8, 10])
        ds = arch.get("dilations", [2, 2, 3, 4, 4, 4])
        return 1 + sum((k - 1) * d for k, d in zip(ks, ds))
    return {"mlp": 50, "lstm": 200, "transformer": 100}[arch["architecture"]]


def model_input(wildcards):
    """What score-genome reads for a model: its count table or its folder's weights."""
    if wildcards.model in KMER_MODELS:
        return f"results/kmers/{wildcards.model}/kmers.parquet"
    return f"results/models/{wildcards.model}/weights.safetensors"


def prior_table(wildcards):
    """The count table a neural model takes as its prior, if any."""
    prior = MODELS[wildcards.neural].get("prior")
    return [f"results/kmers/{prior}/kmers.parquet"] if prior else []


def score_cmd(model_path):
    """The score-genome command of one model and test chromosome."""
    return (
        f"{{params.exe}} -g {{input.genome}} --model {model_path} "
        "--windows {input.windows} --split test --chrom {wildcards.chrom} "
        "--repeats {input.repeats} {params.tracks} {params.rc} {params.extra} "
        "-t {threads} -o {params.outdir} -q 2> {log}"
    )


def explain_cmd(model_path):
    """The explain-flanks command of one model on the test split."""
    return (
        f"{{params.exe}} -g {{input.genome}} -m {model_path} --windows {{input.windows}} "
        "--split test --positions {params.positions} {params.bands} {params.extra} "
        "-t {threads} -o {output.parquet} -q 2> {log}"
    )


EXPLAIN_PARAMS = dict(
    positions=config["explain"]["positions"],
    bands=f"--bands {config['explain']['bands']}" if config["explain"]["bands"] else "",
    exe=tool("explain-flanks"),
)
