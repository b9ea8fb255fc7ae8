# Helpers shared by the rules: the genome's chromosomes, the train chromosomes to count
# one by one, and where the dnactx binaries live.

import gzip
import os


def tool(name):
    """A dnactx binary: from config['bin_dir'] when set, from PATH otherwise."""
    bin_dir = config.get("bin_dir", "")
    return os.path.join(bin_dir, name) if bin_dir else name


def genome_contigs():
    """Contig names in file order: from the .fai index when there is one, else the FASTA."""
    genome = config["genome"]
    fai = genome + ".fai"
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


def kmer_model_name():
    return "kmer{}".format(config["kmer"]["k"])


TRACKS = ["p_ref", "entropy"] + (
    ["p_A", "p_C", "p_G", "p_T"] if config["score"]["all_tracks"] else []
)
TRAIN_CHROMS = split_chroms("train")


wildcard_constraints:
    chrom="|".join(TRAIN_CHROMS) if TRAIN_CHROMS else "__none__",
    model="[A-Za-z0-9_.-]+",
