"""No module cycles in the library: among the modules of one parent (the crate's top-level
modules, or the files of one folder), none reaches back to itself through what it uses.
A cycle means two modules that cannot be read, tested or moved apart; break one by moving
the shared item down to where both can use it.

The graph is read from the source: every `crate::...`, `super::...` and `use crate::{...}`
path outside comments and unit tests, resolved to the longest module it names. The binaries
(src/bin) sit above the library and are left out."""

import re

from conftest import REPO

SRC = REPO / "src"


def modules():
    """Module path ('markov::index') -> file."""
    mods = {}
    for p in SRC.rglob("*.rs"):
        rel = p.relative_to(SRC).with_suffix("")
        if rel.parts[0] == "bin":
            continue
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib"):
            parts = parts[:-1]
        mods["::".join(parts)] = p
    return mods


def code(path):
    """The file's text without comments and its unit tests."""
    text = re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M)
    text = re.sub(r"//[^\n\"]*$", "", text, flags=re.M)
    return re.sub(r"#\[cfg\(test\)\]\s*mod tests\s*\{.*", "", text, flags=re.S)


def uses(mod, path, mods):
    """The modules `mod` names."""
    text = code(path)
    refs = set(re.findall(r"crate::((?:\w+::)*\w+)", text))
    for group in re.findall(r"crate::\{([^}]*)\}", text):
        refs |= {x.strip().split(" ")[0] for x in group.split(",") if x.strip()}
    parent = mod.rsplit("::", 1)[0] if "::" in mod else ""
    refs |= {f"{parent}::{r}" if parent else r for r in re.findall(r"super::((?:\w+::)*\w+)", text)}
    out = set()
    for r in refs:
        segs = r.split("::")
        for n in range(len(segs), 0, -1):
            target = "::".join(segs[:n])
            if target in mods:
                if target != mod and not mod.startswith(target + "::") and target:
                    out.add(target)
                break
    return out


def sibling_graph():
    """Edges between siblings: a use of b::x from a::y is an edge between the children of
    their common parent that hold them."""
    mods = modules()
    graph = {}
    for a, path in mods.items():
        for b in uses(a, path, mods):
            pa, pb = a.split("::"), b.split("::")
            i = 0
            while i < min(len(pa), len(pb)) and pa[i] == pb[i]:
                i += 1
            if i < len(pa) and i < len(pb):
                graph.setdefault("::".join(pa[: i + 1]), set()).add("::".join(pb[: i + 1]))
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_cycles():
    graph = sibling_graph()
    assert len(graph) > 20, "the module graph was not read"
    found = cycles(graph)
    detail = [f"{c}: " + ", ".join(f"{a} -> {b}" for a in c for b in sorted(graph[a]) if b in c) for c in found]
    assert not found, "module cycles:\n" + "\n".join(detail)
