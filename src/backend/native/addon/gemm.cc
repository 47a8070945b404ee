// Batched GEMM: C[b] = op(A[b]) · op(B[b]) through sgemm / dgemm, b < batch, C contiguous [batch, m, n].
// Arguments: (m, n, k, transA, transB, batch, aOffsets Int32Array, bOffsets Int32Array, a, b, c).
#include "common.h"
#include "blas.h"
#include <cstring>

namespace tessera {

template <typename T>
static void batchedGemm(const Napi::CallbackInfo& info, int64_t m, int64_t n, int64_t k, bool ta, bool tb, int64_t batch,
                        const int32_t* aOff, const int32_t* bOff) {
  const char* op = "gemm";
  size_t aNeed = 0, bNeed = 0;
  for (int64_t t = 0; t < batch; t++) {
    if (aOff[t] < 0 || bOff[t] < 0) throw fail(info.Env(), op, "negative batch offset");
    aNeed = std::max(aNeed, static_cast<size_t>(aOff[t]) + static_cast<size_t>(m * k));
    bNeed = std::max(bNeed, static_cast<size_t>(bOff[t]) + static_cast<size_t>(k * n));
  }
  const T* a = arrayArg<T>(info, 8, aNeed, op, "a");
  const T* b = arrayArg<T>(info, 9, bNeed, op, "b");
  T* c = arrayArg<T>(info, 10, static_cast<size_t>(batch * m * n), op, "c");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::memset(c, 0, sizeof(T) * batch * m * n);
    return;
  }
  for (int64_t t = 0; t < batch; t++) {
    gemmRowMajor(ta, tb, m, n, k, T(1), a + aOff[t], ta ? m : k, b + bOff[t], tb ? k : n, T(0), c + t * m * n, n);
  }
}

static Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* op = "gemm";
  int64_t m = intArg(info, 0, op, "m"), n = intArg(info, 1, op, "n"), k = intArg(info, 2, op, "k");
  bool ta = boolArg(info, 3), tb = boolArg(info, 4);
  int64_t batch = intArg(info, 5, op, "batch");
  const int32_t* aOff = arrayArg<int32_t>(info, 6, batch, op, "aOffsets");
  const int32_t* bOff = arrayArg<int32_t>(info, 7, batch, op, "bOffsets");
  if (isF32(info[8])) batchedGemm<float>(info, m, n, k, ta, tb, batch, aOff, bOff);
  else batchedGemm<double>(info, m, n, k, ta, tb, batch, aOff, bOff);
  return info.Env().Undefined();
}

void registerGemm(Napi::Env env, Napi::Object exports) { exports.Set("gemm", Napi::Function::New(env, Gemm)); }

}  // namespace tessera
