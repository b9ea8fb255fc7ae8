# Helpers shared by the rules: the genome's chromosomes, the splits, the models, and where
# the dnactx binaries live.

import gzip
import os
import re


def tool(name):
    """A dnactx binary: from config['bin_dir'] when set, from PATH otherwise."""
    bin_dir = config.get("bin_dir", "")
    return os.path.join(bin_dir, name) if bin_dir else name


def config_path(path):
    """A path from the config: absolute as given; relative to the config file's folder when
    it names a file there; else as given (relative to the working folder, e.g. --config)."""
    if not path or os.path.isabs(path):
        return path
    beside = os.path.join(CONFIG_DIR, path)
    return beside if os.path.exists(beside) else path


SOURCE_GENOME = config_path(config["genome"])
if not os.path.exists(SOURCE_GENOME):
    raise ValueError(f"config: genome {SOURCE_GENOME} does not exist (relative paths are taken from {CONFIG_DIR})")
config["repeats"]["beds"] = [config_path(b) for b in config["repeats"]["beds"]]
config["score"]["classes"] = [config_path(b) for b in config["score"]["classes"]]


def is_bgzf(path):
    """bgzip's magic: gzip with the BC extra field."""
    with open(path, "rb") as f:
        head = f.read(16)
    return len(head) >= 14 and head[:2] == b"\x1f\x8b" and head[3] & 4 and head[12:14] == b"BC"


def reads_fast(path):
    """Whether every job can read any contig of `path` without decompressing the rest: bgzip
    or plain FASTA with its .fai (and .gzi for bgzip); never a UCSC .2bit (its magic, in
    either byte order), which prepare-genome converts."""
    if not os.path.exists(f"{path}.fai"):
        return False
    with open(path, "rb") as f:
        head = f.read(4)
    if head in (b"\x43\x27\x41\x1a", b"\x1a\x41\x27\x43"):
        return False
    gz = head[:2] == b"\x1f\x8b"
    return not gz or (is_bgzf(path) and os.path.exists(f"{path}.gzi"))


# The genome every job reads: the user's when it reads fast, else a bgzip copy that
# prepare_genome writes once (plain gzip as downloaded, ragged lines, no index, .2bit).
PREPARED = not reads_fast(SOURCE_GENOME)
GENOME_STEM = re.sub(r"(\.(fa|fasta|fna|2bit|gz|bgz))+$", "", os.path.basename(SOURCE_GENOME))
GENOME = f"results/genome/{GENOME_STEM}.fa.gz" if PREPARED else SOURCE_GENOME


# The split plan (plan-splits): every contig's class, parent, split, crossfit fold and job,
# computed when the workflow is read, printed before any job runs, written to
# results/plan.tsv (rewritten only when it changes, so that its date says when the
# assignment changed) and, with windows counted, to results/splits.tsv.
PLAN = "results/plan.tsv"


def write_if_changed(path, text):
    if os.path.exists(path) and open(path).read() == text:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def plan_flags():
    flags = []
    for key, flag in (("assembly_report", "--assembly-report"), ("contig_table", "--contig-table")):
        if config.get(key):
            flags += [flag, config_path(config[key])]
    return flags


def make_plan():
    """Runs plan-splits on the config's splits and crossfit sections; returns its rows."""
    import subprocess
    import yaml

    sections = {"splits": config["splits"]}
    if config.get("crossfit"):
        sections["crossfit"] = config["crossfit"]
    settings = "results/.plan-config.yaml"
    write_if_changed(settings, yaml.safe_dump(sections, sort_keys=True))
    readable = GENOME if os.path.exists(f"{GENOME}.fai") else SOURCE_GENOME
    cmd = [tool("plan-splits"), "-g", readable, "--config", settings, *plan_flags(), "-o", "-"]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise ValueError(f"{cmd[0]} is missing: build dnactx (scripts/setup.sh) and put its binaries on PATH or set bin_dir")
    if res.returncode != 0:
        raise ValueError(f"the splits of {SOURCE_GENOME}:\n{res.stderr.strip()}")
    # stderr: "splits of GENOME:" and the summary lines
    return res.stdout, "\n".join(res.stderr.strip().splitlines()[1:])


def read_plan():
    """The plan's rows and summary (the summary empty in a job, which reads results/plan.tsv)."""
    summary = ""
    if workflow.is_main_process or not os.path.exists(PLAN):
        text, summary = make_plan()
        if workflow.is_main_process:
            write_if_changed(PLAN, text)
    else:
        text = open(PLAN).read()
    lines = text.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]], summary


PLAN_ROWS, PLAN_SUMMARY = read_plan()


if workflow.is_main_process:
    import sys

    # plan-splits' own summary (Plan::summary): contigs and bases per split, fold and left-out class
    print(f"dnactx: splits of {SOURCE_GENOME} ({PLAN}; with windows: results/splits.tsv)", file=sys.stderr)
    print(PLAN_SUMMARY, file=sys.stderr)

CONTIG_LENGTHS = {r["contig"]: int(r["length"]) for r in PLAN_ROWS}
CONTIGS = list(CONTIG_LENGTHS)


def plan_jobs(keep):
    """Jobs whose contigs satisfy `keep` (a job's contigs share one split and fold), in order."""
    return list(dict.fromkeys(r["job"] for r in PLAN_ROWS if r["job"] != "." and keep(r)))


TRAIN_JOBS = plan_jobs(lambda r: r["split"] == "train")
TEST_JOBS = plan_jobs(lambda r: r["split"] == "test")
TEST_CHROMS = [r["contig"] for r in PLAN_ROWS if r["split"] == "test"]
TRAIN_CHROMS = [r["contig"] for r in PLAN_ROWS if r["split"] == "train"]
JOB_FOLD = {r["job"]: r["fold"] for r in PLAN_ROWS if r["job"] != "."}
if not TEST_JOBS:
    raise ValueError("config: the test split has no contig (results/plan.tsv says why for each)")
if not TRAIN_JOBS:
    raise ValueError("config: the train split has no contig (results/plan.tsv says why for each)")


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
            "it in a fusion model (docs/cli.md, 'Repeat classifier and fusion')"
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
FOLDS = sorted({r["fold"] for r in PLAN_ROWS if r["fold"] != "."}, key=lambda f: int(f[4:]))
FOLD_JOBS = {f: plan_jobs(lambda r, f=f: r["fold"] == f) for f in FOLDS}
CROSSFIT_JOBS = [j for f in FOLDS for j in FOLD_JOBS[f]]
if FOLDS and NEURAL_MODELS and not config["splits"].get("valid_fraction", 0):
    raise ValueError(
        "config: crossfit trains neural models on the other folds' chromosomes and validates "
        "them on splits.valid_fraction of their windows, which is 0"
    )


def fold_train_jobs(fold):
    """The jobs of the contigs a fold's models train on: every other fold's."""
    return [j for f in FOLDS if f != fold for j in FOLD_JOBS[f]]


def alternatives(names):
    """A wildcard constraint matching exactly these names (or nothing)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


wildcard_constraints:
    job=alternatives(list(dict.fromkeys(TRAIN_JOBS + TEST_JOBS + CROSSFIT_JOBS))),
    fold=alternatives(list(FOLDS)),
    kmer=alternatives(KMER_MODELS),
    markov=alternatives(MARKOV_MODELS),
    neural=alternatives(NEURAL_MODELS),
    model=alternatives(MODEL_NAMES),


# train-model's presets (`train-model --list-presets`): their YAML, which train-model builds
# in and the workflow reads for the flank column of the comparison table and the report.
PRESETS_DIR = os.path.join(workflow.basedir, "..", "config", "presets")


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


def train_bases(fold=None):
    """Bases of the train chromosomes (the plan's lengths); of a crossfit fold's train (every
    fold but its own) when `fold` is given."""
    if fold:
        return sum(int(r["length"]) for r in PLAN_ROWS if r["fold"] not in (".", fold))
    return sum(CONTIG_LENGTHS[c] for c in TRAIN_CHROMS)


def markov_index_mb(wildcards=None):
    """Memory of index_genome, MiB, also passed as its --max-memory: the largest `memory_gb`
    of the markov models when one sets it; else what one pass needs (5 bytes per indexed
    position, two positions per train base, and 1 GiB for the process and one contig), up to
    `index_max_memory_gb` (default 16), beyond which index-genome sorts the train split in
    parts merged within that bound (a 1.5 Gb train split: 16 GiB instead of 29; see
    docs/benchmarks.md, "A human-size genome on one node")."""
    explicit = [MODELS[n]["memory_gb"] for n in MARKOV_MODELS if "memory_gb" in MODELS[n]]
    if explicit:
        return int(max(explicit) * 1024)
    bases = train_bases(getattr(wildcards, "fold", None))
    one_pass = -(-10 * bases // 2**20) + 1024
    return min(one_pass, int(config.get("index_max_memory_gb", 16) * 1024))


def markov_score_mb(wildcards=None):
    """Memory of a job that reads the FM-index (score, explain, find-copies): 4 GB (the
    model's tables of the lowest orders, at most 107 MB, among the rest), the index, read
    into the job's memory (about half a byte per indexed position: one byte per train base) and the largest
    contig a job reads, as bytes and as predictions (about 10 bytes a base)."""
    index_mb = -(-train_bases(getattr(wildcards, "fold", None)) // 2**20)
    largest = max(CONTIG_LENGTHS.values()) if CONTIG_LENGTHS else 0
    return 4000 + index_mb + -(-10 * largest // 2**20)


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


def copies_bed(path):
    """An input function: the job's find-copies BED (`path`, with {job} and maybe {fold}) when
    score.train_copies, else nothing."""
    if not config["score"]["train_copies"]:
        return lambda wc: []
    return lambda wc: path.format(fold=JOB_FOLD.get(wc.job, "."), job=wc.job)


def classes_flags(wc, input):
    """--classes for the annotation BEDs and the job's copies BED."""
    copies = [input.copies] if isinstance(input.copies, str) else list(input.copies)
    return " ".join(f"--classes {b}" for b in [*CLASS_BEDS, *copies])


def score_cmd(model_path):
    """The score-genome command of one model and test chromosome."""
    return (
        f"{{params.exe}} -g {{input.genome}} --model {model_path} "
        "--windows {input.windows} --split test --plan {input.plan} --job {wildcards.job} "
        "--repeats {input.repeats} {params.classes} {params.tracks} {params.rc} {params.prec} {params.extra} "
        "-t {threads} -o {params.outdir} 2> {log}"
    )


def score_inputs(windows, copies, **model):
    """A score job's inputs: the genome and its plan, the windows (`windows`), the repeats and
    class BEDs, the job's find-copies BED (`copies`, with {job} and maybe {fold}) and the model."""
    return dict(
        genome=GENOME,
        windows=windows,
        plan=PLAN,
        repeats=rules.mask_repeats.output.bed,
        classes=CLASS_BEDS,
        copies=copies_bed(copies),
        **model,
    )


def score_files(folder):
    """The files one score-genome run writes into `folder`: six tracks, metrics, calibration."""
    return dict(
        tracks=expand(f"{folder}/{{track}}.bw", track=TRACKS, allow_missing=True),
        metrics=f"{folder}/metrics.parquet",
        tsv=f"{folder}/metrics.tsv",
        calibration=f"{folder}/calibration.parquet",
    )


def score_job_outputs(root, model):
    """A score job's outputs under `root` for the model wildcard `model` (temporary unless
    score.keep_chroms)."""
    files = score_files(f"{root}/scores/{{{model}}}/jobs/{{job}}")
    return {name: chrom_output(paths) for name, paths in files.items()}


def merge_inputs(root, jobs):
    """Every file of a model's score jobs under `root`, so that temporary ones stay until they
    are merged."""
    files = score_files(f"{root}/scores/{{model}}/jobs/{{job}}")
    first = {"metrics": files.pop("metrics")}  # the folders to merge are read from the metrics
    return {name: expand(paths, job=jobs, allow_missing=True) for name, paths in {**first, **files}.items()}


# The flags every score job passes (score_cmd); each rule adds its model's as `extra`.
SCORE_PARAMS = dict(
    outdir=lambda wc, output: os.path.dirname(output.metrics),
    tracks="--tracks" if config["score"]["all_tracks"] else "",
    rc="--rc-average" if config["score"]["rc_average"] else "",
    prec=f"--precision {config['score']['precision']}",
    classes=classes_flags,
    exe=tool("score-genome"),
)


def explain_cmd(model_path):
    """The explain-flanks command of one model on the test split."""
    return (
        f"{{params.exe}} -g {{input.genome}} -m {model_path} --windows {{input.windows}} "
        "--split test --positions {params.positions} {params.bands} {params.extra} "
        "-t {threads} -o {output.parquet} 2> {log}"
    )


EXPLAIN_PARAMS = dict(
    positions=config["explain"]["positions"],
    bands=f"--bands {config['explain']['bands']}" if config["explain"]["bands"] else "",
    exe=tool("explain-flanks"),
)


def fold_file(path):
    """An input function: `path` (with {fold}) for the fold of the job's chromosome."""
    return lambda wc: path.format(fold=JOB_FOLD[wc.job], **dict(wc.items()))


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
    name = os.path.basename(SOURCE_GENOME)
    for ext in (".gz", ".bgz", ".fa", ".fasta", ".fna"):
        name = name[: -len(ext)] if name.endswith(ext) else name
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def default_locus():
    """hub.locus, else the first 20 kb of the first test chromosome (of the first fold's
    when cross-fitting)."""
    if config["hub"]["locus"]:
        return config["hub"]["locus"]
    fold_chroms = [r["contig"] for r in PLAN_ROWS if r["fold"] == "fold1"]
    chrom = (fold_chroms or TEST_CHROMS)[0]
    return f"{chrom}:1-{min(20000, CONTIG_LENGTHS[chrom])}"
