// Operators with gradients of their own, for the channels-last network (CUDA's layout,
// src/nn/layers.rs): each replaces a chain of small libtorch operators, and their backward
// nodes, by one operator and one backward node. On a GPU whose training step is bound by the
// host dispatching operators (seed-cnn's), each operator saved is host time saved; the kernels
// they launch are the same or fewer. Built by build.rs beside shim.cpp.
//
// - dnactx_conv_weights: a 1-D convolution's weight as the k x 1 channels-last kernel of a
//   convolution over rows (flipped along k for the anti-causal stream) and its bias, both in
//   the input's dtype. It was a flip, an unsqueeze and a copy (and autocast's cast of the bias)
//   forward, and as many backward. The head's 1x1 kernels as matrices the same way.
// - dnactx_relayout: activations moved from one row layout to another (or from N x L x C into
//   rows), zeros where the kernel reads beyond the valid positions. It was a permute, a
//   reshape, a narrow, a pad, a view and a permute forward, and as many backward.
// - dnactx_span_cat: the head's input, the two streams' (and the prior's) positions of the
//   chunk's span side by side. It was a permute, a reshape and two narrows per stream, a
//   narrow and a cast of the prior and two concatenations, and as many backward.
#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <optional>
#include <string>
#include <vector>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

extern "C" void dnactx_set_last_error(const char* msg);

namespace {

struct ConvWeights : public torch::autograd::Function<ConvWeights> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& w,
                               const std::optional<at::Tensor>& b, bool reverse, bool dense,
                               int64_t kind) {
    auto type = static_cast<c10::ScalarType>(kind);
    ctx->saved_data["reverse"] = reverse;
    ctx->saved_data["dense"] = dense;
    ctx->saved_data["w_type"] = static_cast<int64_t>(w.scalar_type());
    at::Tensor k;
    if (dense) {
      at::Tensor src = w.squeeze(2);
      k = at::empty(src.sizes(), w.options().dtype(type));
      k.copy_(src);
    } else {
      at::Tensor src = (reverse ? w.flip({2}) : w).unsqueeze(3);
      k = at::empty(src.sizes(),
                    w.options().dtype(type).memory_format(at::MemoryFormat::ChannelsLast));
      k.copy_(src);
    }
    variable_list out{k};
    if (b.has_value()) {
      ctx->saved_data["b_type"] = static_cast<int64_t>(b->scalar_type());
      out.push_back(b->to(type, /*non_blocking=*/false, /*copy=*/true));
    }
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    at::Tensor gw, gb;
    if (grads[0].defined()) {
      auto type = static_cast<c10::ScalarType>(ctx->saved_data["w_type"].toInt());
      bool dense = ctx->saved_data["dense"].toBool();
      at::Tensor g = dense ? grads[0].unsqueeze(2) : grads[0].squeeze(3);
      if (ctx->saved_data["reverse"].toBool()) g = g.flip({2});
      gw = at::empty(g.sizes(), g.options().dtype(type));
      gw.copy_(g);
    }
    if (grads.size() > 1 && grads[1].defined()) {
      gb = grads[1].to(static_cast<c10::ScalarType>(ctx->saved_data["b_type"].toInt()));
    }
    return {gw, gb, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// The N x P x C memory view of activations: N x L x C as it is, or N x C x rows x d with
// channels-last strides as N x (rows * d) x C (a view when they are laid out so, else a copy).
at::Tensor flat(const at::Tensor& x) {
  if (x.dim() == 3) return x;
  return x.permute({0, 2, 3, 1}).reshape({x.size(0), x.size(2) * x.size(3), x.size(1)});
}

// N x P x C as N x C x rows x d with channels-last strides (`rows` = 0: left N x P x C).
at::Tensor unflat(const at::Tensor& x, int64_t rows, int64_t d) {
  if (rows == 0) return x;
  return x.view({x.size(0), rows, d, x.size(2)}).permute({0, 3, 1, 2});
}

// N x `positions` x C, zero outside positions dst .. dst + m, which the caller fills: only the
// padding is zeroed (on gpu-large a zero fill of the whole tensor before the copy would be a
// third of a relayout's memory traffic).
at::Tensor zeros_around(int64_t n, int64_t positions, int64_t c, int64_t dst, int64_t m,
                        const at::TensorOptions& options) {
  at::Tensor out = at::empty({n, positions, c}, options);
  if (dst > 0) out.narrow(1, 0, dst).zero_();
  if (dst + m < positions) out.narrow(1, dst + m, positions - dst - m).zero_();
  return out;
}

// Positions src .. src + m of x's N x P x C view, placed at dst .. dst + m of zeros of
// `positions` positions, returned as `rows` x `d` (or N x P x C with rows 0).
at::Tensor place(const at::Tensor& x, int64_t src, int64_t dst, int64_t m, int64_t positions,
                 int64_t rows, int64_t d) {
  at::Tensor in = flat(x);
  at::Tensor out = zeros_around(in.size(0), positions, in.size(2), dst, m, in.options());
  out.narrow(1, dst, m).copy_(in.narrow(1, src, m));
  return unflat(out, rows, d);
}

struct Relayout : public torch::autograd::Function<Relayout> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, int64_t src, int64_t dst,
                            int64_t m, int64_t rows, int64_t d) {
    int64_t in_rows = x.dim() == 4 ? x.size(2) : 0, in_d = x.dim() == 4 ? x.size(3) : 0;
    int64_t in_positions = x.dim() == 4 ? in_rows * in_d : x.size(1);
    ctx->saved_data["src"] = src;
    ctx->saved_data["dst"] = dst;
    ctx->saved_data["m"] = m;
    ctx->saved_data["in_rows"] = in_rows;
    ctx->saved_data["in_d"] = in_d;
    ctx->saved_data["in_positions"] = in_positions;
    return place(x, src, dst, m, rows * d, rows, d);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto get = [&](const char* k) { return ctx->saved_data[k].toInt(); };
    at::Tensor g;
    int64_t src = get("src"), m = get("m"), in_positions = get("in_positions");
    if (grads[0].defined() && src == 0 && m == in_positions) {
      // every input position placed (a CNN's chunks hold whole rows): its gradient is a view
      // of the output's, with no zeros to write and nothing copied
      g = unflat(flat(grads[0]).narrow(1, get("dst"), m), get("in_rows"), get("in_d"));
    } else if (grads[0].defined()) {
      g = place(grads[0], get("dst"), src, m, in_positions, get("in_rows"), get("in_d"));
    }
    return {g, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};


// The span's `len` positions of several activations side by side in `kind`, N x len x sum C:
// input i from position starts[i] of its N x P x C view.
struct SpanCat : public torch::autograd::Function<SpanCat> {
  static at::Tensor forward(AutogradContext* ctx, at::TensorList xs, std::vector<int64_t> starts,
                            int64_t len, int64_t kind) {
    std::vector<int64_t> shapes, types;  // per input: 4 sizes (the 4th 0 for N x L x C), dtype
    int64_t channels = 0;
    for (const auto& x : xs) {
      at::Tensor f = flat(x);
      channels += f.size(2);
      for (int64_t i = 0; i < 4; i++) shapes.push_back(i < x.dim() ? x.size(i) : 0);
      types.push_back(static_cast<int64_t>(x.scalar_type()));
    }
    const at::Tensor& first = xs[0];
    at::Tensor out = at::empty({first.size(0), len, channels},
                               first.options().dtype(static_cast<c10::ScalarType>(kind)));
    int64_t c = 0;
    for (size_t i = 0; i < xs.size(); i++) {
      at::Tensor f = flat(xs[i]);
      out.narrow(2, c, f.size(2)).copy_(f.narrow(1, starts[i], len));
      c += f.size(2);
    }
    ctx->saved_data["starts"] = starts;
    ctx->saved_data["shapes"] = shapes;
    ctx->saved_data["types"] = types;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto starts = ctx->saved_data["starts"].toIntVector();
    auto shapes = ctx->saved_data["shapes"].toIntVector();
    auto types = ctx->saved_data["types"].toIntVector();
    size_t n = starts.size();
    variable_list out(n + 3);
    const at::Tensor& g = grads[0];
    int64_t c = 0;
    for (size_t i = 0; i < n; i++) {
      const int64_t* s = &shapes[4 * i];
      bool rows = s[3] != 0;
      int64_t positions = rows ? s[2] * s[3] : s[1], width = rows ? s[1] : s[2];
      if (g.defined() && ctx->needs_input_grad(i)) {
        at::Tensor gi = zeros_around(s[0], positions, width, starts[i], g.size(1),
                                     g.options().dtype(static_cast<c10::ScalarType>(types[i])));
        gi.narrow(1, starts[i], g.size(1)).copy_(g.narrow(2, c, width));
        out[i] = rows ? unflat(gi, s[2], s[3]) : gi;
      }
      c += width;
    }
    return out;
  }
};
}  // namespace

// The kernel (and, with b not null, the bias) of a 1-D convolution, C_out x C_in x k, as a
// C_out x C_in x k x 1 channels-last kernel (flipped along k when reverse), or with dense (k
// = 1) as the C_out x C_in matrix of a dense layer, in `kind` (an at::ScalarType), into
// *kernel and *bias. Returns 0, or -1 with dnactx_last_error() set.
extern "C" int dnactx_conv_weights(const void* w, const void* b, int reverse, int dense, int kind,
                                   void** kernel, void** bias) {
  try {
    RECORD_FUNCTION("dnactx::conv_weights", std::vector<c10::IValue>());
    const at::Tensor& W = *static_cast<const at::Tensor*>(w);
    std::optional<at::Tensor> B;
    if (b) B = *static_cast<const at::Tensor*>(b);
    auto out = ConvWeights::apply(W, B, reverse != 0, dense != 0, static_cast<int64_t>(kind));
    *kernel = new at::Tensor(out[0]);
    *bias = out.size() > 1 ? new at::Tensor(out[1]) : nullptr;
    return 0;
  } catch (const std::exception& e) {
    dnactx_set_last_error(e.what());
    return -1;
  }
}

// Positions src .. src + m of x (N x L x C, or N x C x rows x d with channels-last strides,
// position = row * d + phase) at dst .. dst + m of zeros laid out as N x C x rows x d with
// channels-last strides. Null with dnactx_last_error() set on failure.
extern "C" void* dnactx_relayout(const void* x, int64_t src, int64_t dst, int64_t m,
                                 int64_t rows, int64_t d) {
  try {
    RECORD_FUNCTION("dnactx::relayout", std::vector<c10::IValue>());
    const at::Tensor& X = *static_cast<const at::Tensor*>(x);
    return new at::Tensor(Relayout::apply(X, src, dst, m, rows, d));
  } catch (const std::exception& e) {
    dnactx_set_last_error(e.what());
    return nullptr;
  }
}

// The head's input: positions starts[i] .. starts[i] + len of each of the n activations xs[i]
// (N x L x C, or N x C x rows x d with channels-last strides), side by side as N x len x sum C
// in `kind`. Null with dnactx_last_error() set on failure.
extern "C" void* dnactx_span_cat(void* const* xs, const int64_t* starts, int64_t n, int64_t len,
                                 int kind) {
  try {
    RECORD_FUNCTION("dnactx::span_cat", std::vector<c10::IValue>());
    std::vector<at::Tensor> ts;
    for (int64_t i = 0; i < n; i++) ts.push_back(*static_cast<const at::Tensor*>(xs[i]));
    std::vector<int64_t> s(starts, starts + n);
    return new at::Tensor(SpanCat::apply(at::TensorList(ts), s, len, static_cast<int64_t>(kind)));
  } catch (const std::exception& e) {
    dnactx_set_last_error(e.what());
    return nullptr;
  }
}
