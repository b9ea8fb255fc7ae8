#!/usr/bin/env python3
"""One layer of gpu-large (a causal dilated convolution of 512 channels, kernel 5) on a CUDA
GPU in bf16, written several ways, forward and forward + backward (bench/gpu.sh; needs
PyTorch with CUDA): how fast each runs against the device's dense bf16 peak, to choose how the
network's convolutions are computed.

    python3 bench/conv_layouts.py [N L]      # default 32 chunks of 3058 positions (2048 + 2 x 505)

Ways: cuDNN channels-first (N x C x L, what dnactx ran before 2026-12), cuDNN channels-last
(N x L x C, what it runs now), the same without the bias in the convolution, and two written
as matrix products: im2col (the 5 taps gathered, one product of depth 5 x 512) and 5 products
accumulated over shifted rows of one padded buffer. Prints Markdown."""
import sys

import torch
import torch.nn.functional as F

PEAK = 989e12  # dense bf16, H100/H200 SXM


def bench(fn, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2] / 1e3


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    length = int(sys.argv[2]) if len(sys.argv) > 2 else 3058
    c, k = 512, 5
    torch.backends.cudnn.benchmark = True
    dev = "cuda"
    dt = torch.bfloat16
    print(f"## One gpu-large convolution on {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}: {n} x {length} positions, {c} channels, kernel {k}, bf16\n")
    print("| way | dilation | forward ms | forward TFLOP/s | forward + backward ms | fwd + bwd TFLOP/s | share of 989 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    flops = 2 * n * length * c * c * k
    w = (torch.randn(c, c, k, device=dev) * 0.02).to(dt).requires_grad_()
    bias = torch.zeros(c, device=dev, dtype=dt).requires_grad_()
    for d in (1, 8, 32):
        pad = (k - 1) * d
        x_nlc = torch.randn(n, length, c, device=dev, dtype=dt).requires_grad_()
        x_ncl = x_nlc.detach().transpose(1, 2).contiguous().requires_grad_()

        def cf():
            return F.conv1d(F.pad(x_ncl, (pad, 0)), w, bias, dilation=d)

        def cl(with_bias=True):
            x4 = x_nlc.unsqueeze(1).permute(0, 3, 1, 2)
            w4 = w.permute(0, 2, 1).contiguous().unsqueeze(1).permute(0, 3, 1, 2)
            y = F.conv2d(x4, w4, bias if with_bias else None, padding=(0, pad), dilation=(1, d))
            y = y.squeeze(2)[:, :, :length].permute(0, 2, 1)
            return y if with_bias else y + bias

        def im2col():
            xp = F.pad(x_nlc, (0, 0, pad, 0))
            cols = torch.cat([xp[:, j * d: j * d + length] for j in range(k)], dim=2)
            return cols @ w.permute(2, 1, 0).reshape(k * c, c) + bias

        def shifted():
            xp = F.pad(x_nlc, (0, 0, pad, 0))  # N x (L + pad) x C
            flat = xp.reshape(-1, c)
            m = flat.shape[0] - pad
            out = flat[0:m] @ w[:, :, 0].t()
            for j in range(1, k):
                out = out + flat[j * d: j * d + m] @ w[:, :, j].t()
            out = F.pad(out, (0, 0, pad, 0)).view(n, length + pad, c)[:, pad:] + bias
            return out

        ways = [("cuDNN channels-first (before)", cf), ("cuDNN channels-last (after)", cl),
                ("cuDNN channels-last, bias apart", lambda: cl(False)),
                ("im2col + one product", im2col), ("5 shifted products", shifted)]
        ref = cf().float().transpose(1, 2)
        for name, fn in ways:
            try:
                out = fn()
                got = out.float() if out.dim() == 3 and out.shape[1] == length else out.float().transpose(1, 2)
                err = ((got - ref).norm() / ref.norm()).item()
                g = torch.randn_like(out)

                def fb():
                    x_nlc.grad = x_ncl.grad = w.grad = bias.grad = None
                    fn().backward(g)
                tf = bench(fn)
                tfb = bench(fb)
                print(f"| {name} (rel. err {err:.0e}) | {d} | {tf * 1e3:.2f} | {flops / tf / 1e12:.0f} | "
                      f"{tfb * 1e3:.2f} | {3 * flops / tfb / 1e12:.0f} | {100 * 3 * flops / tfb / PEAK:.0f}% |")
            except Exception as e:  # a way that fails on this device is reported, not fatal
                print(f"| {name} | {d} | failed: {type(e).__name__}: {str(e)[:80]} | | | | |")
    # the layer norm, in float32 (autocast's) against bf16 (dnactx's now)
    x = torch.randn(n, length, c, device=dev, dtype=dt)
    ln_w, ln_b = torch.ones(c, device=dev), torch.zeros(c, device=dev)
    t32 = bench(lambda: F.layer_norm(x.float(), (c,), ln_w, ln_b).to(dt))
    t16 = bench(lambda: F.layer_norm(x, (c,), ln_w.to(dt), ln_b.to(dt)))
    tr = bench(lambda: F.layer_norm(x.transpose(1, 2).contiguous().float().transpose(1, 2), (c,), ln_w, ln_b)
               .to(dt).transpose(1, 2).contiguous())
    print(f"\nLayer norm over {n} x {length} x {c}: float32 with the casts {t32 * 1e3:.2f} ms, "
          f"bf16 {t16 * 1e3:.2f} ms, channels-first with transposes and casts {tr * 1e3:.2f} ms "
          f"(one pass over the bf16 tensor is {2 * x.numel() * 2 / 4.3e12 * 1e3:.2f} ms at 4.3 TB/s).")


if __name__ == "__main__":
    main()
