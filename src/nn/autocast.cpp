// What tch 0.26 does not offer, as plain C calls (built by build.rs with the `torch` feature):
// - libtorch's autocast with a chosen dtype: tch only switches CUDA autocast on, in its default
//   float16. dnactx_autocast_enter/exit run a region in bfloat16 on CPU or CUDA, nesting as
//   torch.autocast does.
// - CUDA numerics: cuDNN's benchmark mode, and TF32 on or off (tch sets neither TF32 switch).
// - pinning host memory without naming a device (tch's pin_memory passes one, which libtorch
//   deprecates with a warning at every call).
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>

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
