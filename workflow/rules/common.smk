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


def contig_lengths():
    """Contig lengths from the genome's .fai index; None when there is none."""
    fai = f"{config['genome']}.fai"
    if not os.path.exists(fai):
        return None
    with open(fai) as f:
        return {
            cols[0]: int(cols[1]) for cols in (line.split("\t") for line in f if line.strip())
        }


# The largest order (bases each side) score-genome, explain-flanks and train-model use for a
# markov model without `k`, i.e. their --max-order default (MarkovSettings::DEFAULT_K in
# src/markov/model.rs): only for the flank column of the comparison table and the report and
# the min_order check below; no flag is passed. Keep it in step with the tools.
MARKOV_DEFAULT_ORDER = 16


MODELS = {m["name"]: m for m in config["models"]}
if len(MODELS) != len(config["models"]):
    raise ValueError("config: two models share a name")
MODEL_NAMES = list(MODELS)
KMER_MODELS = [n for n, m in MODELS.items() if m["kind"] == "kmer"]
MARKOV_MODELS = [n for n, m in MODELS.items() if m["kind"] == "markov"]
NEURAL_MODELS = [n for n, m in MODELS.items() if m["kind"] == "neural"]
for _name in NEURAL_MODELS:
    _prior = MODELS[_name].get("prior")
    if _prior is not None and _prior not in KMER_MODELS + MARKOV_MODELS:
        raise ValueError(
            f"config: model {_name} takes its prior from '{_prior}', which is not a kmer or markov "
            f"model ({KMER_MODELS + MARKOV_MODELS})"
        )
    if (MODELS[_name].get("train") or {}).get("target") == "repeat":
        raise ValueError(
            f"config: model {_name} is a repeat classifier (train: {{target: repeat}}), which predicts "
            "repeats, not bases, so the workflow cannot score it; train it with train-model and use "
            "it in a fusion model (README, 'Repeat classifier and fusion')"
        )
# explain-flanks needs a model of the base: models of the pair or type (train: {target: ...})
# are scored, but not explained
EXPLAINED_MODELS = [
    n for n in MODEL_NAMES if (MODELS[n].get("train") or {}).get("target", "base") == "base"
]
for _name in MARKOV_MODELS:
    _m = MODELS[_name]
    if _m.get("min_order", 0) > _m.get("k", MARKOV_DEFAULT_ORDER):
        raise ValueError(
            f"config: markov model {_name} has min_order {_m['min_order']} above its k "
            f"{_m.get('k', MARKOV_DEFAULT_ORDER)}"
        )

TRACKS = ["p_ref", "entropy"] + (
    ["p_A", "p_C", "p_G", "p_T"] if config["score"]["all_tracks"] else []
)
TRAIN_CHROMS = split_chroms("train")
TEST_CHROMS = split_chroms("test")


def fasta_lengths():
    """Contig lengths, from the .fai when there is one, else by reading the FASTA once."""
    lengths = contig_lengths()
    if lengths is not None:
        return lengths
    genome = config["genome"]
    opener = gzip.open if genome.endswith(".gz") else open
    lengths, name = {}, None
    with opener(genome, "rt") as f:
        for line in f:
            if line.startswith(">"):
                name = line[1:].split()[0]
                lengths[name] = 0
            elif name is not None:
                lengths[name] += len(line.strip())
    return lengths


def crossfit_folds():
    """{fold name: chromosomes in genome order} of the crossfit section; {} without one.

    `folds: N` spreads `chroms` (every contig by default) over N folds balanced by length:
    longest first, each to the fold with the fewest bases so far (the first such fold on a
    tie), so the assignment depends on the genome alone. `folds: [[chr1, chr2], [chr3]]`
    names them instead."""
    cf = config.get("crossfit") or {}
    if "folds" not in cf:
        return {}
    contigs = genome_contigs()
    if isinstance(cf["folds"], list):
        if "chroms" in cf:
            raise ValueError("config: crossfit.chroms is only for folds: N (the lists name them)")
        folds = [list(f) for f in cf["folds"]]
    else:
        chroms = cf.get("chroms") or contigs
        if cf["folds"] > len(chroms):
            raise ValueError(
                f"config: crossfit.folds is {cf['folds']} but there are {len(chroms)} chromosomes"
            )
        lengths = fasta_lengths()
        folds, totals = [[] for _ in range(cf["folds"])], [0] * cf["folds"]
        for c in sorted(chroms, key=lambda c: -lengths.get(c, 0)):
            i = totals.index(min(totals))
            folds[i].append(c)
            totals[i] += lengths.get(c, 0)
    seen = {}
    for i, fold in enumerate(folds):
        if not fold:
            raise ValueError(f"config: crossfit fold {i + 1} has no chromosome")
        for c in fold:
            if c not in contigs:
                raise ValueError(f"config: crossfit chromosome '{c}' is not in {config['genome']}")
            if c in seen:
                raise ValueError(f"config: crossfit chromosome '{c}' is in folds {seen[c]} and {i + 1}")
            seen[c] = i + 1
    order = {c: i for i, c in enumerate(contigs)}
    return {f"fold{i + 1}": sorted(f, key=order.get) for i, f in enumerate(folds)}


FOLDS = crossfit_folds()
FOLD_OF = {c: f for f, chroms in FOLDS.items() for c in chroms}
CROSSFIT_CHROMS = [c for c in genome_contigs() if c in FOLD_OF] if FOLDS else []
if FOLDS and NEURAL_MODELS and not config["splits"].get("valid_fraction", 0):
    raise ValueError(
        "config: crossfit trains neural models on the other folds' chromosomes and validates "
        "them on splits.valid_fraction of their windows, which is 0"
    )


def fold_train(fold):
    """The chromosomes a fold's models train on: every other fold's."""
    return [c for c in CROSSFIT_CHROMS if FOLD_OF[c] != fold]


def alternatives(names):
    """A wildcard constraint matching exactly these names (or nothing)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


wildcard_constraints:
    chrom=alternatives(list(dict.fromkeys(TRAIN_CHROMS + TEST_CHROMS + CROSSFIT_CHROMS))),
    fold=alternatives(list(FOLDS)),
    kmer=alternatives(KMER_MODELS),
    markov=alternatives(MARKOV_MODELS),
    neural=alternatives(NEURAL_MODELS),
    model=alternatives(MODEL_NAMES),


# train-model's presets (`train-model --list-presets`): their YAML, read for the flank column
# of the comparison table and the report.
PRESETS_DIR = os.path.join(workflow.basedir, "..", "src", "nn", "presets")


def preset_model(preset, arch):
    """The `model:` section of a preset with `arch` (the user's settings) laid over it."""
    import yaml

    if preset == "cpu-small":
        preset = f"cpu-small-{arch.get('architecture', 'cnn')}"
    with open(os.path.join(PRESETS_DIR, f"{preset}.yaml")) as f:
        return {**yaml.safe_load(f)["model"], **arch}


def model_flank(name):
    """Bases of context each side: k for k-mer and markov models, the configured flank otherwise."""
    m = MODELS[name]
    if m["kind"] == "kmer":
        return m["k"]
    if m["kind"] == "markov":
        return m.get("k", MARKOV_DEFAULT_ORDER)
    arch = m.get("model", {})
    if "preset" in m:
        arch = preset_model(m["preset"], arch)
    if "flank" in arch:
        return arch["flank"]
    if arch.get("architecture", "cnn") == "cnn":
        ks = arch.get("kernel_sizes", [2, 3, 4, 6, 8, 10])
        ds = arch.get("dilations", [2, 2, 3, 4, 4, 4])
        return 1 + sum((k - 1) * d for k, d in zip(ks, ds))
    return {"mlp": 50, "lstm": 200, "transformer": 100}[arch["architecture"]]


# The FM-index of the train split (both strands) that every markov model counts from: it
# does not depend on a model's settings, so one index serves them all (index_genome, once).
MARKOV_INDEX = "results/markov/index.fmd"


def model_input(wildcards):
    """What score-genome reads for a model: its count table, the FM-index, or its weights."""
    if wildcards.model in KMER_MODELS:
        return f"results/kmers/{wildcards.model}/kmers.parquet"
    if wildcards.model in MARKOV_MODELS:
        return MARKOV_INDEX
    return f"results/models/{wildcards.model}/weights.safetensors"


def markov_flags(name, prefix=""):
    """The --max-order/--alpha/--min-order flags of a markov model (with `prefix`, e.g.
    --prior-order for train-model); a setting absent from the config passes no flag, so the
    tool's default applies."""
    m = MODELS[name]
    flags = []
    for key, flag in (("k", "order" if prefix else "max-order"), ("alpha", "alpha"), ("min_order", "min-order")):
        if key in m:
            flags.append(f"--{prefix}{flag} {m[key]}")
    return " ".join(flags)


def train_bases():
    """Bases of the train chromosomes (the .fai lengths); None without a .fai."""
    lengths = contig_lengths()
    if lengths is None:
        return None
    return sum(lengths.get(c, 0) for c in TRAIN_CHROMS)


def markov_index_mb():
    """Memory of index_genome, MiB: the largest `memory_gb` of the markov models when one sets
    it; else about 10 bytes per indexed base, both strands, i.e. 20 per train base (from the
    .fai) plus 1 GiB; else 8 GiB."""
    explicit = [MODELS[n]["memory_gb"] for n in MARKOV_MODELS if "memory_gb" in MODELS[n]]
    if explicit:
        return int(max(explicit) * 1024)
    bases = train_bases()
    if bases is None:
        return 8 * 1024
    return -(-20 * bases // 2**20) + 1024


def markov_score_mb():
    """Memory of a job that reads the FM-index (score, explain): 4 GB plus twice the index
    (about 1 byte per train base on disk; a tenth of the build memory without a .fai)."""
    bases = train_bases()
    index_mb = -(-bases // 2**20) if bases is not None else markov_index_mb() // 10
    return 4000 + 2 * index_mb


def run_dir(wildcards):
    """Where a run's windows, count tables, index and models go: results/, or a fold's
    results/crossfit/{fold}/ for a rule with a fold wildcard."""
    fold = getattr(wildcards, "fold", None)
    return f"results/crossfit/{fold}" if fold else "results"


def prior_table(wildcards):
    """The count table or FM-index a neural model takes as its prior, if any (of its fold's
    run when cross-fitting)."""
    prior = MODELS[wildcards.neural].get("prior")
    if not prior:
        return []
    if prior in MARKOV_MODELS:
        return [MARKOV_INDEX.replace("results", run_dir(wildcards), 1)]
    return [f"{run_dir(wildcards)}/kmers/{prior}/kmers.parquet"]


def prior_flags(wildcards, input):
    """train-model's prior flags: --prior with the count table for a kmer prior; --prior with
    the FM-index and the markov model's --prior-order/--prior-alpha/--prior-min-order."""
    if not input.prior:
        return ""
    prior = MODELS[wildcards.neural]["prior"]
    flags = f"--prior {input.prior[0]}"
    if prior in MARKOV_MODELS:
        extra = markov_flags(prior, prefix="prior-")
        flags += f" {extra}" if extra else ""
    return flags


def chrom_output(paths):
    """A per-chromosome score file: temporary (removed once merged) unless score.keep_chroms."""
    return paths if config["score"]["keep_chroms"] else temp(paths)


CLASS_BEDS = config["score"]["classes"]
CLASS_FLAGS = " ".join(f"--classes {b}" for b in CLASS_BEDS)


def score_cmd(model_path):
    """The score-genome command of one model and test chromosome."""
    return (
        f"{{params.exe}} -g {{input.genome}} --model {model_path} "
        "--windows {input.windows} --split test --chrom {wildcards.chrom} "
        "--repeats {input.repeats} {params.classes} {params.tracks} {params.rc} {params.prec} {params.extra} "
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


def fold_file(path):
    """An input function: `path` (with {fold}) for the fold of the job's chromosome."""
    return lambda wc: path.format(fold=FOLD_OF[wc.chrom], **dict(wc.items()))


def crossfit_score_outputs(model):
    """The per-chromosome outputs of the crossfit score rules, for the model wildcard `model`."""
    d = f"results/crossfit/scores/{{{model}}}/chroms/{{chrom}}"
    return dict(
        tracks=chrom_output(expand(f"{d}/{{track}}.bw", track=TRACKS, allow_missing=True)),
        metrics=chrom_output(f"{d}/metrics.parquet"),
        tsv=chrom_output(f"{d}/metrics.tsv"),
        calibration=chrom_output(f"{d}/calibration.parquet"),
    )


# The hub and browser page (rules/hub.smk).
IGV_JS = os.path.join(workflow.basedir, "page", "node_modules", "igv", "dist", "igv.min.js")


def igv_js(wildcards):
    """igv.js from the npm registry, which scripts/setup.sh installs into workflow/page."""
    if not os.path.exists(IGV_JS):
        raise ValueError(
            f"{IGV_JS} is missing: scripts/setup.sh installs it (npm ci --prefix workflow/page), "
            "or set hub.enabled: false"
        )
    return IGV_JS


def genome_id():
    """The hub's genome name: hub.genome_id, else the FASTA's file name without extensions."""
    if config["hub"]["genome_id"]:
        return config["hub"]["genome_id"]
    name = os.path.basename(config["genome"])
    for ext in (".gz", ".bgz", ".fa", ".fasta", ".fna"):
        name = name[: -len(ext)] if name.endswith(ext) else name
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def default_locus():
    """hub.locus, else the first 20 kb of the first test chromosome (of the first fold's
    when cross-fitting)."""
    if config["hub"]["locus"]:
        return config["hub"]["locus"]
    chrom = (CROSSFIT_CHROMS or TEST_CHROMS)[0]
    return f"{chrom}:1-{min(20000, fasta_lengths()[chrom])}"
