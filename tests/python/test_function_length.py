"""Functions stay short (issue 30): in the library and the binaries, unit tests included, no
function is over 60 lines and nine in ten are at most 25, counted from the line of `fn` to its
closing brace. A long function is steps that want names: split it into them (the hot loops
of the Markov model and DUST are among the longest, on purpose: one pass over the bases)."""

import re

from conftest import REPO

FN = re.compile(r'\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"C"\s+)?fn\s+(\w+)')


def lengths(path):
    """(lines, name, first line) of each function with a body in the file."""
    lines = path.read_text().split("\n")
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, started = 0, False
        for j in range(i, len(lines)):
            # braces in strings and chars are rare enough in signatures and bodies to be
            # counted as code; a declaration without a body ends at its semicolon
            depth += lines[j].count("{") - lines[j].count("}")
            started = started or "{" in lines[j]
            if started and depth <= 0:
                out.append((j - i + 1, m.group(7), i + 1))
                break
            if not started and lines[j].rstrip().endswith(";"):
                break
    return out


def test_functions_are_short():
    found = [(n, f"{p.relative_to(REPO)}:{line} {name}")
             for p in sorted((REPO / "src").rglob("*.rs")) for n, name, line in lengths(p)]
    assert len(found) > 1000, "the scan found too few functions"
    over = sorted((n, w) for n, w in found if n > 60)
    assert not over, f"functions over 60 lines: {over}"
    sizes = sorted(n for n, _ in found)
    p90 = sizes[int(len(sizes) * 0.9)]
    longest = sorted(found, reverse=True)[:15]
    assert p90 <= 25, f"the 90th percentile is {p90} lines (at most 25); the longest: {longest}"
