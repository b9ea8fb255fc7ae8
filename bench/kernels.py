#!/usr/bin/env python3
"""Sums the device kernels of profiled training steps (examples/step_bench.rs --profile DIR,
libtorch's profiler) by kind, as Markdown: per kind the kernels and milliseconds per step, the
share of the step's kernel time, and the achieved FLOP/s where the kind's FLOPs are known (the
convolutions and the head's matrix products, counted from the preset's shapes: forward, input
gradients and weight gradients each). Then the kernels that take the most time.

    bench/kernels.py DIR [STEPS]     # STEPS: steps per profile (2, as step_bench records)

Each TSV is named {preset}-{precision}-{variant}-{chunk}x{batch}.tsv."""
import collections
import csv
import os
import re
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (kind, pattern) in order: the first that matches a kernel's name gives its kind
KINDS = [
    ("conv: forward", r"fprop|implicit_convolve|conv2d_.*fwd|convolve_sgemm|convFwd"),
    ("conv: input gradient", r"dgrad|convBwdData"),
    ("conv: weight gradient", r"wgrad|convBwdFilter|conv2d_.*bwd_filter"),
    ("optimizer (fused AdamW, foreach)", r"multi_tensor_apply|fused_adamw|FusedAdam|foreach"),
    ("matrix products (head, cuBLAS)", r"gemm|nvjet|cutlass|Kernel2|s16816|splitK"),
    ("layer norm", r"layer_norm|LayerNorm"),
    ("layout: transposes and copies", r"nchwToNhwc|nhwcToNchw|transpose|CatArray|copy|permute|flip"),
    ("softmax, gather, loss", r"softmax|gather|scatter|nll|log_"),
    ("reductions", r"reduce_kernel|Reduce|norm_kernel|sum_"),
    ("elementwise: relu", r"clamp|threshold|relu"),
    ("elementwise: fill", r"Fill|fill|zero"),
    ("elementwise: other", r"elementwise|vectorized|unrolled"),
    ("memory copies host-device", r"^Memcpy|^Memset"),
]


def kind_of(name):
    for kind, pat in KINDS:
        if re.search(pat, name):
            return kind
    return "other"


def preset_shapes(preset):
    with open(os.path.join(REPO, "config/presets", f"{preset}.yaml")) as f:
        m = yaml.safe_load(f)["model"]
    return m


def flops_per_step(preset, chunk, batch, variant, prior=4):
    """Forward, input-gradient and weight-gradient FLOPs of the convolutions, and of the head,
    per training step."""
    m = preset_shapes(preset)
    if m.get("architecture") != "cnn":
        return None
    c, ks, ds = m["channels"], m["kernel_sizes"], m["dilations"]
    field = 1 + sum((k - 1) * d for k, d in zip(ks, ds))
    positions = batch * (chunk + 2 * field)
    layer = [(4 if i == 0 else c) * c * k for i, k in enumerate(ks)]
    conv_fwd = 2 * 2 * sum(layer) * positions  # two streams, multiply-add = 2
    conv_dgrad = 2 * 2 * sum(layer[1:]) * positions  # the one-hot input needs no gradient
    head_rows = batch * chunk if variant == "after" else positions
    dims = [2 * c + prior] + list(m.get("dense", [])) + [4]
    head = 2 * sum(a * b for a, b in zip(dims, dims[1:])) * head_rows
    return {
        "conv: forward": conv_fwd,
        "conv: input gradient": conv_dgrad,
        "conv: weight gradient": conv_fwd,
        "matrix products (head, cuBLAS)": 3 * head,
        "_total": 3 * (sum(layer) * 2 * 2 * positions) + 3 * head,
    }


def summarize(path, steps):
    base = os.path.basename(path)[:-4]
    mt = re.match(r"(.+)-(bf16|tf32|f32)-(before|after)-(\d+)x(\d+)$", base)
    if not mt:
        return
    preset, precision, variant, chunk, batch = mt.groups()
    chunk, batch = int(chunk), int(batch)
    rows = list(csv.DictReader(open(path), delimiter="\t"))
    kernels = [r for r in rows if r["device"] == "cuda"]
    if not kernels:
        print(f"#### {base}: no device kernels recorded\n")
        return
    by = collections.defaultdict(lambda: [0, 0.0])
    names = collections.defaultdict(lambda: [0, 0.0])
    for r in kernels:
        ms = int(r["dur_ns"]) / 1e6
        k = kind_of(r["name"])
        by[k][0] += 1
        by[k][1] += ms
        names[r["name"]][0] += 1
        names[r["name"]][1] += ms
    total = sum(v[1] for v in by.values())
    # the step's span on the device: first kernel start to last kernel end
    starts = [int(r["start_ns"]) for r in kernels]
    ends = [int(r["start_ns"]) + int(r["dur_ns"]) for r in kernels]
    span = (max(ends) - min(starts)) / 1e6
    fl = flops_per_step(preset, chunk, batch, variant) or {}
    print(f"#### {preset}, {precision}, {variant}, {chunk} x {batch}\n")
    busy = 100 * total / span if span else 0
    line = f"{total / steps:.2f} ms of kernels per step, {span / steps:.2f} ms from the first to the last ({busy:.0f}% busy)"
    if fl:
        line += f"; {fl['_total'] / (span / steps * 1e-3) / 1e12:.0f} TFLOP/s over the step"
    print(line + ".\n")
    print("| kind | kernels per step | ms per step | share | TFLOP/s |")
    print("| --- | --- | --- | --- | --- |")
    for k, (n, ms) in sorted(by.items(), key=lambda x: -x[1][1]):
        f = fl.get(k)
        rate = f"{f / (ms / steps * 1e-3) / 1e12:.0f}" if f and ms > 0 else "-"
        print(f"| {k} | {n / steps:.0f} | {ms / steps:.2f} | {100 * ms / total:.1f}% | {rate} |")
    print()
    print("| kernel | calls per step | ms per step | kind |")
    print("| --- | --- | --- | --- |")
    for name, (n, ms) in sorted(names.items(), key=lambda x: -x[1][1])[:12]:
        short = name if len(name) < 90 else name[:87] + "..."
        short = short.replace("|", "/")
        print(f"| `{short}` | {n / steps:.0f} | {ms / steps:.2f} | {kind_of(name)} |")
    print()


def main():
    d = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    for f in sorted(os.listdir(d)):
        if f.endswith(".tsv"):
            summarize(os.path.join(d, f), steps)


if __name__ == "__main__":
    main()
