// What tch 0.26 does not offer, as plain C calls (built by build.rs with the `torch` feature):
// - libtorch's autocast with a chosen dtype: tch only switches CUDA autocast on, in its default
//   float16. dnactx_autocast_enter/exit run a region in bfloat16 on CPU or CUDA, nesting as
//   torch.autocast does.
// - a layer norm in its input's own precision (bfloat16 under autocast, which would otherwise
//   widen the input to float32 and back around every norm).
// - CUDA numerics: cuDNN's benchmark mode, and TF32 on or off (tch sets neither TF32 switch).
// - pinning host memory without naming a device (tch's pin_memory passes one, which libtorch
//   deprecates with a warning at every call).
// - one AdamW step over every variable at once: gradient clipping by the global norm and
//   libtorch's fused AdamW kernel, with no value read back to the host (tch has no binding for
//   the list-valued _foreach_ and _fused_ operators).
// - the weights' moving average updated in one _foreach_lerp_.
// - libtorch's profiler (Kineto): every operator and device kernel of a region, to a TSV.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

extern "C" int dnactx_autocast_enter(int cuda) {
  try {
    auto device = cuda ? at::kCUDA : at::kCPU;
    bool before = at::autocast::is_autocast_enabled(device);
    at::autocast::set_autocast_dtype(device, at::kBFloat16);
    at::autocast::set_autocast_enabled(device, true);
    at::autocast::increment_nesting();
    return before ? 1 : 0;
  } catch (...) {
    return -1;
  }
}

extern "C" void dnactx_autocast_exit(int cuda, int before) {
  try {
    auto device = cuda ? at::kCUDA : at::kCPU;
    if (at::autocast::decrement_nesting() == 0) {
      at::autocast::clear_cache();
    }
    at::autocast::set_autocast_enabled(device, before == 1);
  } catch (...) {
  }
}

// 1 where bfloat16 autocast is on for the device (CUDA or the CPU) on this thread, else 0.
extern "C" int dnactx_autocast_bf16(int cuda) {
  try {
    auto device = cuda ? at::kCUDA : at::kCPU;
    return at::autocast::is_autocast_enabled(device) &&
           at::autocast::get_autocast_dtype(device) == at::kBFloat16;
  } catch (...) {
    return 0;
  }
}

extern "C" void dnactx_cuda_numerics(int tf32) {
  try {
    auto& ctx = at::globalContext();
    ctx.setBenchmarkCuDNN(true);
    ctx.setAllowTF32CuDNN(tf32 != 0);
    ctx.setAllowTF32CuBLAS(tf32 != 0);
  } catch (...) {
  }
}

// A pinned copy of *t (an at::Tensor, as tch holds it), or null where libtorch refuses.
extern "C" void* dnactx_pin_memory(const void* t) {
  try {
    return new at::Tensor(static_cast<const at::Tensor*>(t)->pin_memory());
  } catch (...) {
    return nullptr;
  }
}

// Layer norm of *x over its last axis, computed in x's dtype (statistics in float32 inside
// the kernel) with the weight and bias cast to it, autocast bypassed; autograd records it as
// usual. Null on failure.
extern "C" void* dnactx_layer_norm(const void* x, const void* w, const void* b, double eps) {
  try {
    const at::Tensor& X = *static_cast<const at::Tensor*>(x);
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    at::Tensor W = static_cast<const at::Tensor*>(w)->to(X.scalar_type());
    at::Tensor B = static_cast<const at::Tensor*>(b)->to(X.scalar_type());
    return new at::Tensor(at::layer_norm(X, {X.size(-1)}, W, B, eps));
  } catch (...) {
    return nullptr;
  }
}

static std::string last_error;

extern "C" const char* dnactx_last_error() { return last_error.c_str(); }

// For shim_autograd.cpp, whose calls report through the same error.
extern "C" void dnactx_set_last_error(const char* msg) { last_error = msg; }

static std::vector<at::Tensor> tensors(void* const* p, int64_t n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int64_t i = 0; i < n; i++) out.push_back(*static_cast<at::Tensor*>(p[i]));
  return out;
}

// One AdamW step (decoupled weight decay, bias-corrected moments) over the n variables with a
// gradient: their gradients divided by (global norm + 1e-6) / clip when the global norm exceeds
// clip (clip > 0; the fused kernel's grad_scale, so no pass of its own), libtorch's fused AdamW,
// then on CUDA the gradients let go (set to none, as torch's zero_grad does by default: the
// next backward hands its gradients over instead of adding them into zeroed ones, one kernel
// less per variable, and the caching allocator gives their memory back at no cost); on the CPU
// zeroed, as there new gradients would come from malloc each step, large ones mapped and
// faulted in anew (cpu-small-mlp trained 0.72 times as fast so). `steps` are float scalars on
// the variables' device, all counted up here.
// Everything stays on the device. Returns 0, or -1 with dnactx_last_error() set.
extern "C" int dnactx_adamw_step(void* const* params, void* const* exp_avg, void* const* exp_avg_sq,
                                 void* const* steps, int64_t n, double lr, double beta1,
                                 double beta2, double eps, double weight_decay, double clip) {
  try {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> p, g, m, v, s;
    auto all_p = tensors(params, n), all_m = tensors(exp_avg, n), all_v = tensors(exp_avg_sq, n),
         all_s = tensors(steps, n);
    for (int64_t i = 0; i < n; i++) {
      at::Tensor grad = all_p[i].grad();
      if (!grad.defined()) continue;
      p.push_back(all_p[i]);
      g.push_back(grad);
      m.push_back(all_m[i]);
      v.push_back(all_v[i]);
      s.push_back(all_s[i]);
    }
    // every count moves, as the step number the bias corrections use is the run's
    at::_foreach_add_(all_s, 1.0);
    if (p.empty()) return 0;
    std::optional<at::Tensor> scale;
    if (clip > 0) {
      at::Tensor total = at::linalg_vector_norm(at::stack(at::_foreach_norm(g, 2)), 2);
      // (norm + 1e-6) / clip where the norm exceeds clip, else 1: the kernel divides by it
      scale = at::where(at::gt(total, clip), total.add(1e-6).div_(clip), 1.0);
    }
    at::_fused_adamw_(p, g, m, v, {}, s, lr, beta1, beta2, weight_decay, eps, false, false, scale);
    if (p[0].is_cuda()) {
      for (auto& t : p) t.mutable_grad().reset();
    } else {
      at::_foreach_zero_(g);
    }
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

// a[i] += w * (b[i] - a[i]) for the n pairs, in one operator (the weights' moving average:
// one launch on CUDA where a lerp_ per variable took one each). Returns 0, or -1 with
// dnactx_last_error() set.
extern "C" int dnactx_foreach_lerp(void* const* a, void* const* b, int64_t n, double w) {
  try {
    at::NoGradGuard no_grad;
    auto A = tensors(a, n), B = tensors(b, n);
    at::_foreach_lerp_(A, B, w);
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

namespace prof = torch::autograd::profiler;
namespace pimpl = torch::profiler::impl;

static pimpl::ProfilerConfig profiler_config() {
  return pimpl::ProfilerConfig(pimpl::ProfilerState::KINETO, /*report_input_shapes=*/false,
                               /*profile_memory=*/false, /*with_stack=*/false,
                               /*with_flops=*/true);
}

static std::set<pimpl::ActivityType> profiler_activities(int cuda) {
  std::set<pimpl::ActivityType> a{pimpl::ActivityType::CPU};
  if (cuda) a.insert(pimpl::ActivityType::CUDA);
  return a;
}

// Starts libtorch's profiler: operators on the CPU, and device kernels when cuda.
extern "C" int dnactx_profiler_start(int cuda) {
  try {
    auto cfg = profiler_config();
    auto acts = profiler_activities(cuda);
    prof::prepareProfiler(cfg, acts);
    prof::enableProfiler(cfg, acts);
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

static std::string clean(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

// Stops the profiler and writes its events to `path` as a TSV: name, device (cpu or cuda),
// start and duration (ns), correlation id, the correlation id of the operator that launched a
// kernel, and the operator's FLOPs where libtorch counts them. Returns the number of device
// events, or -1 with dnactx_last_error() set.
extern "C" int64_t dnactx_profiler_stop(const char* path) {
  try {
    auto result = prof::disableProfiler();
    std::ofstream out(path);
    out << "name\tdevice\tstart_ns\tdur_ns\tcorrelation\tlinked\tflops\n";
    int64_t kernels = 0;
    for (const auto& e : result->events()) {
      bool cuda = e.deviceType() == c10::DeviceType::CUDA;
      kernels += cuda;
      out << clean(e.name()) << '\t' << (cuda ? "cuda" : "cpu") << '\t' << e.startNs() << '\t'
          << e.durationNs() << '\t' << e.correlationId() << '\t' << e.linkedCorrelationId()
          << '\t' << e.flops() << '\n';
    }
    out.close();
    if (!out) throw std::runtime_error(std::string("cannot write ") + path);
    return kernels;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

// CUDA graphs (built only with DNACTX_CUDA_GRAPH=1, against a CUDA libtorch and the CUDA
// runtime's headers: bench/gpu-carry.sh): a step captured once and replayed, so that the host
// launches one graph instead of a few hundred kernels (seed-cnn's step is host-bound). The
// graph's memory comes from libtorch's caching allocator (at::cuda::CUDAGraph), so that
// nothing it uses is handed out again between replays. Elsewhere the calls fail with a reason.
#ifdef DNACTX_CUDA_GRAPH
#include <ATen/cuda/CUDAGraph.h>
#include <c10/core/Event.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <optional>

namespace {
struct Graph {
  at::cuda::CUDAGraph graph;
  c10::cuda::CUDAStream side;
  std::optional<c10::cuda::CUDAStreamGuard> guard;
  explicit Graph(int device) : side(c10::cuda::getStreamFromPool(false, device)) {}
};

// Work on `to` waits for what was queued on `from` so far.
void join(c10::cuda::CUDAStream from, c10::cuda::CUDAStream to) {
  c10::Event ev(c10::DeviceType::CUDA);
  ev.record(from.unwrap());
  ev.block(to.unwrap());
}
}  // namespace

extern "C" void* dnactx_graph_new(int device) {
  try {
    return new Graph(device);
  } catch (const std::exception& e) {
    last_error = e.what();
    return nullptr;
  }
}

// Makes the graph's side stream current (after what the current stream queued), or (on = 0)
// the stream before it again (after what the side stream queued): warm-up and capture run
// there, as CUDA graphs need.
extern "C" int dnactx_graph_side(void* g, int on) {
  try {
    auto* G = static_cast<Graph*>(g);
    if (on) {
      join(c10::cuda::getCurrentCUDAStream(G->side.device_index()), G->side);
      G->guard.emplace(G->side);
    } else {
      G->guard.reset();
      join(G->side, c10::cuda::getCurrentCUDAStream(G->side.device_index()));
    }
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

extern "C" int dnactx_graph_capture(void* g, int begin) {
  try {
    auto* G = static_cast<Graph*>(g);
    if (begin) {
      G->graph.capture_begin();
    } else {
      G->graph.capture_end();
    }
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

extern "C" int dnactx_graph_replay(void* g) {
  try {
    static_cast<Graph*>(g)->graph.replay();
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

extern "C" void dnactx_graph_free(void* g) { delete static_cast<Graph*>(g); }
#else
static int no_graphs() {
  last_error = "this build has no CUDA graphs (build with DNACTX_CUDA_GRAPH=1 against a CUDA libtorch)";
  return -1;
}
extern "C" void* dnactx_graph_new(int) {
  no_graphs();
  return nullptr;
}
extern "C" int dnactx_graph_side(void*, int) { return no_graphs(); }
extern "C" int dnactx_graph_capture(void*, int) { return no_graphs(); }
extern "C" int dnactx_graph_replay(void*) { return no_graphs(); }
extern "C" void dnactx_graph_free(void*) {}
#endif
