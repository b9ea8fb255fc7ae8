// libtorch's autocast with a chosen dtype: tch 0.26 only switches CUDA autocast on, in its
// default float16. These two calls run a region in bfloat16 on CPU or CUDA, nesting as
// torch.autocast does. Built by build.rs with the `torch` feature.
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
