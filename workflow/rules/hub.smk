# Browsing the tracks: a UCSC assembly hub (results/hub/), an IGV desktop session
# (results/igv_session.xml) and a self-contained igv.js page (results/browse.html) with every
# model's p_ref and entropy tracks. See workflow/scripts/hub.py.

rule hub:
    input:
        genome=GENOME,
        igv=igv_js,
        tracks=expand("results/scores/{model}/{track}.bw", model=MODEL_NAMES, track=TRACKS),
        crossfit=expand("results/crossfit/scores/{model}/{track}.bw", model=MODEL_NAMES, track=TRACKS)
        if FOLDS
        else [],
    output:
        hub="results/hub/hub.txt",
        genomes="results/hub/genomes.txt",
        trackdb=f"results/hub/{genome_id()}/trackDb.txt",
        twobit=f"results/hub/{genome_id()}/genome.2bit",
        session="results/igv_session.xml",
        page="results/browse.html",
    params:
        models=MODEL_NAMES,
        kinds={m: MODELS[m]["kind"] for m in MODEL_NAMES},
        tracks=TRACKS,
        crossfit=bool(FOLDS),
        genome_id=genome_id(),
        locus=default_locus(),
        email=config["hub"]["email"],
        title=config["report"]["title"],
    log:
        "logs/hub.log",
    threads: 1
    resources:
        mem_mb=lambda wc: 2000 + max(CONTIG_LENGTHS.values()) * 3 // 2**20,
        runtime=60,
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/hub.py"
