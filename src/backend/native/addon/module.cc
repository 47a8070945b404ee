// Module entry: the CPU check, the thread knob shared by OpenBLAS and our OpenMP kernels, and the
// registration of every kernel file.
#include "common.h"
#include <cblas.h>
#include <omp.h>
#include <malloc.h>
#include <cstdlib>
#include <cstring>

extern "C" {
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace tessera {

static int threadsInUse = 1;
int kernelThreads() { return threadsInUse; }

static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = intArg(info, 0, "setThreads", "threads");
  if (n < 1) throw fail(info.Env(), "setThreads", "threads must be ≥ 1");
  threadsInUse = static_cast<int>(n);
  openblas_set_num_threads(threadsInUse);
  omp_set_num_threads(threadsInUse);
  return info.Env().Undefined();
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("blas", Napi::String::New(env, openblas_get_config()));
  o.Set("core", Napi::String::New(env, openblas_get_corename()));
  o.Set("blasThreads", Napi::Number::New(env, openblas_get_num_threads()));
  o.Set("threads", Napi::Number::New(env, threadsInUse));
  o.Set("maxThreads", Napi::Number::New(env, omp_get_num_procs()));
  return o;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    throw Napi::Error::New(env, "this CPU lacks AVX2/FMA, which the native kernels are compiled for");
  }
  // Node allocates typed-array storage with calloc; glibc serves blocks above its mmap threshold with fresh
  // pages, so every new activation or gradient array page-faults on first touch (a 6.4 MB relu VJP took 3.2 ms
  // into a fresh array vs 0.8 ms into a reused one). Keeping blocks up to 256 MiB in the heap, and not
  // trimming it below 1 GiB, lets freed arrays be reused (calloc then clears them with memset).
  // TESSERA_NATIVE_MALLOC=0 leaves glibc's defaults.
  const char* mallocEnv = std::getenv("TESSERA_NATIVE_MALLOC");
  if (!mallocEnv || std::strcmp(mallocEnv, "0") != 0) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  threadsInUse = omp_get_num_procs();
  openblas_set_num_threads(threadsInUse);
  omp_set_num_threads(threadsInUse);
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  registerGemm(env, exports);
  registerConv(env, exports);
  registerPool(env, exports);
  registerElementwise(env, exports);
  registerReduce(env, exports);
  registerNorm(env, exports);
  registerSoftmax(env, exports);
  registerFanIn(env, exports);
  registerLinalg(env, exports);
  registerOptim(env, exports);
  registerWeightGemv(env, exports);
  registerAttention(env, exports);
  registerSsd(env, exports);
  registerPositions(env, exports);
  registerSandwich(env, exports);
  registerPairMaps(env, exports);
  registerPipeline(env, exports);
  return exports;
}

}  // namespace tessera

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tessera::Init(env, exports); }

NODE_API_MODULE(tessera_native, InitModule)
