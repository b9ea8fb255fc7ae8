"""What a genome browser needs to show every model's tracks, written by the workflow's `hub`
rule (snakemake `script:`):

- results/hub/: a UCSC assembly hub (hub.txt, genomes.txt, {genome}/trackDb.txt with one
  composite track per model and track set, and {genome}/genome.2bit, the sequence, so that
  it works for any genome), with bigDataUrls relative to trackDb.txt;
- results/igv_session.xml: an IGV desktop session (the genome FASTA by its absolute path, the
  tracks relative to the session);
- results/browse.html: a page with igv.js inlined (from the npm registry's `igv` package)
  showing the genome and every model's p_ref and entropy tracks at a locus the user types;
  the results folder has to be served over HTTP with range requests
  (`python3 workflow/scripts/serve.py results`). The page sets `data-status` on its body to
  `loaded N tracks` or `error: ...`, which the tests read from headless Chromium.
"""

import gzip
import html
import json
import os
import shutil
import struct
import tempfile

import numpy as np

# Colours (R,G,B) and view limits per track kind: p_ref in blue, entropy (bits, at most 2)
# in orange, the base probabilities in IGV's nucleotide colours.
KINDS = {
    "p_ref": ((31, 119, 180), (0, 1), "probability of the reference base"),
    "entropy": ((230, 120, 20), (0, 2), "entropy of the predicted distribution, bits"),
    "p_A": ((0, 150, 0), (0, 1), "probability of A"),
    "p_C": ((0, 0, 200), (0, 1), "probability of C"),
    "p_G": ((209, 113, 5), (0, 1), "probability of G"),
    "p_T": ((200, 0, 0), (0, 1), "probability of T"),
}
PAGE_TRACKS = ("p_ref", "entropy")

# 2bit: T, C, A, G are 0..3; every other letter is an N block (stored as T)
_CODE = np.zeros(256, dtype=np.uint8)
for _i, _b in enumerate(b"TCAG"):
    _CODE[_b] = _i
    _CODE[_b + 32] = _i
_ACGT = np.zeros(256, dtype=bool)
_ACGT[list(b"ACGTacgt")] = True
_LOWER = np.zeros(256, dtype=bool)
_LOWER[ord("a"):ord("z") + 1] = True


def fasta_records(path):
    """(name, sequence bytes) of each record of a FASTA file (plain or gzip/bgzip)."""
    opener = gzip.open if path.endswith((".gz", ".bgz")) else open
    name, parts = None, []
    with opener(path, "rb") as f:
        for line in f:
            if line.startswith(b">"):
                if name is not None:
                    yield name, b"".join(parts)
                name, parts = line[1:].split()[0].decode(), []
            else:
                parts.append(line.strip())
    if name is not None:
        yield name, b"".join(parts)


def runs(flags):
    """Starts and lengths of the runs of True in a boolean array."""
    edges = np.diff(np.concatenate(([0], flags.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    return starts, np.flatnonzero(edges == -1) - starts


def twobit_record(seq):
    """One sequence's 2bit record: size, N blocks, lowercase (mask) blocks, packed bases."""
    a = np.frombuffer(seq, dtype=np.uint8)
    n_starts, n_sizes = runs(~_ACGT[a])
    m_starts, m_sizes = runs(_LOWER[a])
    codes = _CODE[a]
    codes = np.concatenate((codes, np.zeros(-len(codes) % 4, dtype=np.uint8))).reshape(-1, 4)
    packed = (codes[:, 0] << 6) | (codes[:, 1] << 4) | (codes[:, 2] << 2) | codes[:, 3]
    u32 = lambda v: np.asarray(v, dtype="<u4").tobytes()
    return b"".join([
        u32([len(a), len(n_starts)]), u32(n_starts), u32(n_sizes),
        u32([len(m_starts)]), u32(m_starts), u32(m_sizes), u32([0]), packed.astype(np.uint8).tobytes(),
    ])


def write_twobit(fasta, out):
    """The UCSC .2bit (version 0) of a FASTA file, with its soft-masking and N blocks.

    Records go to a temporary file first: the index before them needs their offsets."""
    names, sizes = [], []
    with tempfile.TemporaryFile(dir=os.path.dirname(out) or ".") as body:
        for name, seq in fasta_records(fasta):
            record = twobit_record(seq)
            body.write(record)
            names.append(name.encode())
            sizes.append(len(record))
        offset = 16 + sum(1 + len(n) + 4 for n in names)
        if offset + sum(sizes) >= 2**32:
            raise ValueError(f"{fasta}: over 4 GiB as .2bit, which version 0 cannot address")
        with open(out + ".tmp", "wb") as f:
            f.write(struct.pack("<IIII", 0x1A412743, 0, len(names), 0))
            for name, size in zip(names, sizes):
                if len(name) > 255:
                    raise ValueError(f"{fasta}: sequence name {name[:40]!r}... is over 255 bytes")
                f.write(struct.pack("<B", len(name)) + name + struct.pack("<I", offset))
                offset += size
            body.seek(0)
            shutil.copyfileobj(body, f)
    os.replace(out + ".tmp", out)
    return names


def track_sets(models, crossfit):
    """(set id, label, folder under results/, models) of the tracks to show: the test split's,
    and the cross-fitted ones (every chromosome) when the config has folds."""
    sets = [("test", "test split", "scores", models)]
    if crossfit:
        sets.append(("crossfit", "cross-fitted", "crossfit/scores", models))
    return sets


def rgb(c):
    return ",".join(map(str, c))


def trackdb(models, kinds, tracks, sets):
    """trackDb.txt: one composite per model and track set, one bigWig subtrack per track."""
    out = []
    for set_id, set_label, folder, names in sets:
        for name in names:
            parent = f"{name}_{set_id}"
            out += [
                f"track {parent}",
                "compositeTrack on",
                f"shortLabel {name} ({set_label})"[:100],
                f"longLabel dnactx {name} ({kinds[name]} model), {set_label}: per-base predictions",
                "type bigWig",
                "visibility full",
                "",
            ]
            for t in tracks:
                colour, (lo, hi), what = KINDS[t]
                out += [
                    f"    track {parent}_{t}",
                    f"    parent {parent} {'on' if t in PAGE_TRACKS else 'off'}",
                    f"    shortLabel {name} {t}",
                    f"    longLabel {name} ({set_label}): {what}",
                    f"    type bigWig {lo} {hi}",
                    f"    bigDataUrl ../../{folder}/{name}/{t}.bw",
                    f"    color {rgb(colour)}",
                    f"    viewLimits {lo}:{hi}",
                    "    autoScale off",
                    "    maxHeightPixels 100:40:8",
                    "    windowingFunction mean",
                    "    visibility full",
                    "",
                ]
    return "\n".join(out)


def write_hub(hub_dir, genome_id, title, email, locus, models, kinds, tracks, sets, fasta):
    gdir = os.path.join(hub_dir, genome_id)
    os.makedirs(gdir, exist_ok=True)
    write_twobit(fasta, os.path.join(gdir, "genome.2bit"))
    with open(os.path.join(hub_dir, "hub.txt"), "w") as f:
        f.write(f"hub dnactx_{genome_id}\nshortLabel dnactx {genome_id}\nlongLabel {title}\n"
                f"genomesFile genomes.txt\nemail {email}\n")
    with open(os.path.join(hub_dir, "genomes.txt"), "w") as f:
        f.write(f"genome {genome_id}\ntrackDb {genome_id}/trackDb.txt\n"
                f"twoBitPath {genome_id}/genome.2bit\norganism {genome_id}\n"
                f"scientificName {genome_id}\ndescription {title}\n"
                f"defaultPos {locus}\norderKey 1\n")
    with open(os.path.join(gdir, "trackDb.txt"), "w") as f:
        f.write(trackdb(models, kinds, tracks, sets))


def igv_session(path, fasta, locus, sets, page_tracks):
    """An IGV desktop session: the genome FASTA (absolute: it is outside results/) and the
    tracks, relative to the session file."""
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
             f'<Session genome="{html.escape(os.path.abspath(fasta))}" locus="{html.escape(locus)}" version="8">',
             "    <Resources>"]
    panel = []
    for set_id, set_label, folder, names in sets:
        for name in names:
            for t in page_tracks:
                url = f"{folder}/{name}/{t}.bw"
                label = html.escape(f"{name} {t} ({set_label})")
                colour, (lo, hi), _ = KINDS[t]
                lines.append(f'        <Resource name="{label}" path="{url}" type="bigwig"/>')
                panel += [
                    f'        <Track attributeKey="{label}" autoScale="false" clazz="org.broad.igv.track.DataSourceTrack" '
                    f'color="{rgb(colour)}" fontSize="10" height="50" id="{url}" name="{label}" renderer="BAR_CHART" visible="true">',
                    f'            <DataRange baseline="0.0" drawBaseline="true" flipAxis="false" maximum="{hi}" minimum="{lo}" type="LINEAR"/>',
                    "        </Track>",
                ]
    lines += ["    </Resources>", '    <Panel height="800" name="DataPanel" width="1200">', *panel,
              "    </Panel>", "</Session>", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
#status {{ color: #555; font-size: 0.9em; }}
</style>
</head>
<body data-status="loading">
<h2>{title}</h2>
<p id="status">Loading; type a locus (e.g. {locus}) in the box above the tracks. Serve this folder over HTTP with range requests
(<code>python3 workflow/scripts/serve.py results</code>), then open <code>browse.html</code>; <code>?locus=chr:start-end</code> opens a locus.</p>
<div id="igv"></div>
<script>
{igv_js}
</script>
<script>
const options = {options};
const status = (text) => {{
  document.body.dataset.status = text;
  document.getElementById("status").textContent = text;
}};
window.addEventListener("error", (e) => status("error: " + e.message));
window.addEventListener("unhandledrejection", (e) => status("error: " + (e.reason && e.reason.message || e.reason)));
const locus = new URLSearchParams(window.location.search).get("locus");
if (locus) options.locus = locus;
igv.createBrowser(document.getElementById("igv"), options).then(async (browser) => {{
  // a track whose file failed to load is dropped by igv.js: count what is there, and read
  // each one's values in the view
  const tracks = browser.findTracks((t) => t.type === "wig");
  const frame = browser.referenceFrameList[0];
  const end = frame.start + frame.bpPerPixel * browser.columnContainer.clientWidth;
  let withData = 0;
  for (const t of tracks) {{
    const features = await t.getFeatures(frame.chr, Math.floor(frame.start), Math.ceil(end), frame.bpPerPixel);
    if (features && features.length > 0) withData += 1;
  }}
  if (tracks.length !== {n_tracks}) {{
    status("error: " + tracks.length + " of {n_tracks} tracks loaded");
  }} else {{
    status("loaded " + tracks.length + " tracks, " + withData + " with values at " + browser.currentLoci());
  }}
}}).catch((e) => status("error: " + (e.message || e)));
</script>
</body>
</html>
"""


def browse_page(path, igv_js, title, genome_id, locus, sets, page_tracks):
    """The self-contained page (igv.js inlined): the .2bit of the hub and the tracks of the
    cross-fitted set when there is one (every chromosome), else the test split's."""
    set_id, set_label, folder, names = sets[-1]
    tracks = []
    for name in names:
        for t in page_tracks:
            colour, (lo, hi), _ = KINDS[t]
            tracks.append({
                "name": f"{name} {t} ({set_label})", "type": "wig", "format": "bigwig",
                "url": f"{folder}/{name}/{t}.bw", "color": f"rgb({rgb(colour)})",
                "autoscale": False, "min": lo, "max": hi, "height": 50,
            })
    options = {
        "reference": {"id": genome_id, "name": genome_id, "twoBitURL": f"hub/{genome_id}/genome.2bit"},
        "locus": locus, "tracks": tracks, "showNavigation": True,
    }
    with open(igv_js) as f:
        code = f.read().replace("</script", "<\\/script")
    with open(path, "w") as f:
        f.write(PAGE.format(title=html.escape(title), locus=html.escape(locus), igv_js=code,
                            options=json.dumps(options, indent=1), n_tracks=len(tracks)))


def main(sm):
    p = sm.params
    sets = track_sets(p.models, p.crossfit)
    hub_dir = os.path.dirname(sm.output.hub)
    write_hub(hub_dir, p.genome_id, p.title, p.email, p.locus, p.models, p.kinds, p.tracks, sets,
              sm.input.genome)
    igv_session(sm.output.session, sm.input.genome, p.locus, sets, PAGE_TRACKS)
    browse_page(sm.output.page, sm.input.igv, p.title, p.genome_id, p.locus, sets, PAGE_TRACKS)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (provided by Snakemake)
