"""The workflow's track hub, IGV session and igv.js page (workflow/scripts/hub.py), checked
with independent readers: the hub's files by their spec's keys and every bigDataUrl opened by
pyBigWig, the .2bit by py2bit against the FASTA, the session by an XML parser, and the page
served on localhost (with range requests) and opened in headless Chromium, which must load
every track and read its values; its screenshot is kept in target/test-artifacts/."""

import gzip
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET

import py2bit
import pyBigWig
import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO / "workflow" / "scripts"))
import serve  # noqa: E402

CONFIG = yaml.safe_load(open(REPO / ".test" / "config.yaml"))
MODELS = [m["name"] for m in CONFIG["models"]]
GENOME_ID = "ztritici_IPO323"
ARTIFACTS = REPO / "target" / "test-artifacts"


def stanzas(text):
    """The blank-line separated stanzas of a hub file, as dicts (indentation ignored)."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        out.append(dict(line.split(" ", 1) for line in lines))
    return out


def test_hub_files(workflow_run):
    hub = workflow_run / "results" / "hub"
    h = stanzas((hub / "hub.txt").read_text())[0]
    assert {"hub", "shortLabel", "longLabel", "genomesFile", "email"} <= set(h)
    g = stanzas((hub / h["genomesFile"]).read_text())[0]
    assert g["genome"] == GENOME_ID
    for key in ("trackDb", "twoBitPath", "organism", "defaultPos", "description"):
        assert key in g, key
    assert (hub / g["twoBitPath"]).exists()
    trackdb = hub / g["trackDb"]
    tracks = stanzas(trackdb.read_text())
    composites = {t["track"] for t in tracks if t.get("compositeTrack") == "on"}
    assert composites == {f"{m}_{s}" for m in MODELS for s in ("test", "crossfit")}
    subtracks = [t for t in tracks if "bigDataUrl" in t]
    assert len(subtracks) == 2 * len(MODELS) * 6
    for t in subtracks:
        assert t["parent"].split()[0] in composites
        path = (trackdb.parent / t["bigDataUrl"]).resolve()
        assert path.is_relative_to((workflow_run / "results").resolve())
        bw = pyBigWig.open(str(path))
        assert bw.isBigWig() and bw.chroms()
        lo, hi = map(float, t["viewLimits"].split(":"))
        assert t["type"] == f"bigWig {t['viewLimits'].replace(':', ' ')}"
        assert (lo, hi) == ((0.0, 2.0) if t["track"].endswith("_entropy") else (0.0, 1.0))
        assert len(t["color"].split(",")) == 3


def test_twobit_is_the_genome(workflow_run, demo_copy):
    tb = py2bit.open(str(workflow_run / "results" / "hub" / GENOME_ID / "genome.2bit"), True)
    names, seqs, name = [], {}, None
    with gzip.open(demo_copy, "rt") as f:
        for line in f:
            if line.startswith(">"):
                name = line[1:].split()[0]
                names.append(name)
                seqs[name] = []
            else:
                seqs[name].append(line.strip())
    assert list(tb.chroms()) == names
    for name in names:
        # soft-masking kept (py2bit's storeMasked), N blocks as N
        assert tb.sequence(name) == "".join(seqs[name]), name


def test_igv_session(workflow_run, demo_copy):
    root = ET.parse(workflow_run / "results" / "igv_session.xml").getroot()
    assert root.tag == "Session"
    assert root.get("genome") == str(demo_copy.resolve()) or root.get("genome") == str(demo_copy)
    paths = [r.get("path") for r in root.iter("Resource")]
    assert len(paths) == 2 * len(MODELS) * 2  # p_ref and entropy of both track sets
    for p in paths:
        assert pyBigWig.open(str(workflow_run / "results" / p)).isBigWig()
    assert len(list(root.iter("Track"))) == len(paths)


def test_range_requests(tmp_path):
    (tmp_path / "f.bin").write_bytes(bytes(range(256)) * 4)
    httpd = serve.server(tmp_path)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}/f.bin"
    try:
        for header, expect in (("bytes=10-19", bytes(range(10, 20))), ("bytes=1020-", bytes(range(252, 256))),
                               ("bytes=-3", bytes(range(253, 256)))):
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Range": header})) as r:
                assert r.status == 206 and r.read() == expect, header
        with urllib.request.urlopen(url) as r:
            assert r.status == 200 and len(r.read()) == 1024
    finally:
        httpd.shutdown()


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("headless Chromium is missing: scripts/setup.sh --peers installs Debian's chromium")
    return exe


def open_page(results, locus, *args):
    httpd = serve.server(results)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/browse.html?locus={locus}"
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--virtual-time-budget=30000", "--window-size=1400,760", *args, url],
            capture_output=True, text=True, timeout=180,
        )
    finally:
        httpd.shutdown()


def status(dom):
    """The page's data-status (its body's attribute) in Chromium's dump of the DOM."""
    found = re.search(r'<body data-status="([^"]*)"', dom)
    return found.group(1) if found else f"no status in: {dom[:300]}"


def test_page_loads_every_track_in_chromium(workflow_run):
    results = workflow_run / "results"
    locus = "chr_18:20001-21000"
    dom = open_page(results, locus, "--dump-dom").stdout
    n = 2 * len(MODELS)  # p_ref and entropy of each model, cross-fitted
    assert status(dom) == f"loaded {n} tracks, {n} with values at {locus}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "browse.png"
    shot.unlink(missing_ok=True)
    open_page(results, locus, f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000


def test_page_reports_a_missing_track(workflow_run, tmp_path):
    """The check above can fail: a page whose track file is gone says so."""
    results = tmp_path / "results"
    shutil.copytree(workflow_run / "results", results, ignore=shutil.ignore_patterns("chroms", "kmers", "models", "markov"))
    (results / "crossfit" / "scores" / MODELS[0] / "p_ref.bw").unlink()
    dom = open_page(results, "chr_18:20001-21000", "--dump-dom").stdout
    n = 2 * len(MODELS)
    assert status(dom) == f"error: {n - 1} of {n} tracks loaded"
