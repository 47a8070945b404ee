// Optimizer updates in place, in the parameter's precision: the arithmetic of backend/cpu/optimizers.ts
// (formulas in optim/sgd.ts and optim/adam.ts), bit for bit. Each operation is one IEEE operation in T
// (float for f32 parameters, so every intermediate rounds to float as Math.fround does there); fused
// multiply-adds would round once instead of twice, so contraction is switched off for this file.
// sgdUpdate(p, g, momentum|null, negLr, mu, keep, l2, decay, decoupled, nesterov, first);
// adamUpdate(p, g, m, v, vMax|null, negStepSize, bc2Sqrt, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, l2, decay, decoupled).
#pragma GCC optimize("fp-contract=off")
#include "common.h"
#include <cmath>
#include <limits>

namespace tessera {

// Memory-bound: one thread streams a few MB faster than waking a second one.
constexpr int64_t kParallelFrom = 1 << 21;

template <typename T>
struct SgdScalars { T negLr, mu, keep, l2, decay; bool decoupled, nesterov, first; };

template <typename T>
static void sgdLoop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n, const SgdScalars<T> s) {
#pragma omp parallel for schedule(static) if (n > kParallelFrom)
  for (int64_t i = 0; i < n; i++) {
    T d = g[i];
    if (s.decoupled) p[i] = p[i] * s.decay;
    else if (s.l2 != 0) d = d + s.l2 * p[i];
    if (buf) {
      buf[i] = s.first ? d : s.mu * buf[i] + s.keep * d;
      d = s.nesterov ? d + s.mu * buf[i] : buf[i];
    }
    p[i] = p[i] + s.negLr * d;
  }
}

/** Math.max of JavaScript: NaN if either is NaN, +0 over −0. */
template <typename T>
static inline T jsMax(T a, T b) {
  if (a != a || b != b) return std::numeric_limits<T>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

template <typename T>
struct AdamScalars { T negStepSize, bc2Sqrt, b1, b2, c1, c2, eps, l2, decay; bool decoupled; };

template <typename T>
static void adamLoop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vMax, int64_t n, const AdamScalars<T> s) {
#pragma omp parallel for schedule(static) if (n > kParallelFrom)
  for (int64_t i = 0; i < n; i++) {
    T gi = g[i];
    if (s.decoupled) p[i] = p[i] * s.decay;
    else if (s.l2 != 0) gi = gi + s.l2 * p[i];
    m[i] = s.b1 * m[i] + s.c1 * gi;
    v[i] = s.b2 * v[i] + (s.c2 * gi) * gi;
    T vi = v[i];
    if (vMax) vi = vMax[i] = jsMax(vMax[i], vi);
    const T denom = std::sqrt(vi) / s.bc2Sqrt + s.eps;
    p[i] = p[i] + s.negStepSize * (m[i] / denom);
  }
}

template <typename T>
static void sgdEntry(const Napi::CallbackInfo& info) {
  const char* op = "sgdUpdate";
  const int64_t n = info[0].As<Napi::TypedArray>().ElementLength();
  T* p = arrayArg<T>(info, 0, n, op, "p");
  const T* g = arrayArg<T>(info, 1, n, op, "g");
  T* buf = optionalArrayArg<T>(info, 2, n, op, "momentum");
  auto num = [&](size_t i, const char* name) { return static_cast<T>(numberArg(info, i, op, name)); };
  const SgdScalars<T> s{num(3, "negLr"), num(4, "momentum"), num(5, "keep"), num(6, "l2"), num(7, "decay"), boolArg(info, 8), boolArg(info, 9), boolArg(info, 10)};
  sgdLoop<T>(p, g, buf, n, s);
}

template <typename T>
static void adamEntry(const Napi::CallbackInfo& info) {
  const char* op = "adamUpdate";
  const int64_t n = info[0].As<Napi::TypedArray>().ElementLength();
  T* p = arrayArg<T>(info, 0, n, op, "p");
  const T* g = arrayArg<T>(info, 1, n, op, "g");
  T* m = arrayArg<T>(info, 2, n, op, "m");
  T* v = arrayArg<T>(info, 3, n, op, "v");
  T* vMax = optionalArrayArg<T>(info, 4, n, op, "vMax");
  auto num = [&](size_t i, const char* name) { return static_cast<T>(numberArg(info, i, op, name)); };
  const AdamScalars<T> s{num(5, "negStepSize"), num(6, "bc2Sqrt"), num(7, "beta1"), num(8, "beta2"), num(9, "oneMinusBeta1"),
                         num(10, "oneMinusBeta2"), num(11, "eps"), num(12, "l2"), num(13, "decay"), boolArg(info, 14)};
  adamLoop<T>(p, g, m, v, vMax, n, s);
}

void registerOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, floatEntry<sgdEntry<float>, sgdEntry<double>>));
  exports.Set("adamUpdate", Napi::Function::New(env, floatEntry<adamEntry<float>, adamEntry<double>>));
}

}  // namespace tessera
