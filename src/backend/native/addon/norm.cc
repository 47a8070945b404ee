// Fused batch normalisation with batch statistics over x [N, C, S], as backend/cpu/batchNorm.ts:
//   forward:  μ_c, σ²_c over (n, s) (two-pass, double);  y = γ·(x − μ)/√(σ² + eps) + β
//   backward: dβ_c = Σ g;  dγ_c = Σ g·x̂ = Σ g·(x − μ)/σ;  dx = γ/√(σ² + eps) · (g − dβ_c/M − x̂·dγ_c/M),  M = N·S
// Channels are independent, so both passes split over threads by channel.
// batchNormForward(x, weight|null, bias|null, eps, n, c, s, y);
// batchNormBackward(x, weight|null, eps, n, c, s, g, dx, dweight|null, dbias|null).
#include "common.h"
#include <cmath>

namespace tessera {

// Loops run over restrict-qualified pointers in functions of their own (see pool.cc), and the double
// sums use `omp simd` reductions so they vectorise (a reassociated sum: a few ulps of double).
template <typename T>
static inline double sumOf(const T* __restrict p, int64_t s) {
  double a = 0;
#pragma omp simd reduction(+ : a)
  for (int64_t i = 0; i < s; i++) a += p[i];
  return a;
}

template <typename T>
static inline double squaredDeviations(const T* __restrict p, int64_t s, double mean) {
  double a = 0;
#pragma omp simd reduction(+ : a)
  for (int64_t i = 0; i < s; i++) { const double v = p[i] - mean; a += v * v; }
  return a;
}

template <typename T>
static void moments(const T* __restrict x, int64_t n, int64_t c, int64_t s, int64_t ch, double& mean, double& var) {
  double acc = 0;
  for (int64_t b = 0; b < n; b++) acc += sumOf(x + (b * c + ch) * s, s);
  const double m = static_cast<double>(n * s);
  mean = acc / m;
  acc = 0;
  for (int64_t b = 0; b < n; b++) acc += squaredDeviations(x + (b * c + ch) * s, s, mean);
  var = acc / m;
}

template <typename T>
static void forwardLoop(const T* __restrict x, const T* w, const T* bias, double eps, int64_t n, int64_t c, int64_t s, T* __restrict y) {
#pragma omp parallel for schedule(dynamic) if (n * c * s > 16384)
  for (int64_t ch = 0; ch < c; ch++) {
    double mean, var;
    moments(x, n, c, s, ch, mean, var);
    const double scale = (w ? static_cast<double>(w[ch]) : 1.0) / std::sqrt(var + eps);
    const double shift = (bias ? static_cast<double>(bias[ch]) : 0.0) - mean * scale;
    for (int64_t b = 0; b < n; b++) {
      const T* __restrict p = x + (b * c + ch) * s;
      T* __restrict q = y + (b * c + ch) * s;
#pragma omp simd
      for (int64_t i = 0; i < s; i++) q[i] = static_cast<T>(p[i] * scale + shift);
    }
  }
}

/**
 * Three passes per channel: Σx (the mean); then Σ(x − μ)², Σg and Σg·(x − μ) together; then dx.
 * Σg·x̂ = Σg·(x − μ)/σ, so the variance is not needed before the sums.
 */
template <typename T>
static void backwardLoop(const T* __restrict x, const T* w, double eps, int64_t n, int64_t c, int64_t s, const T* __restrict g,
                         T* __restrict dx, T* dw, T* db) {
  const double m = static_cast<double>(n * s);
#pragma omp parallel for schedule(dynamic) if (n * c * s > 16384)
  for (int64_t ch = 0; ch < c; ch++) {
    double total = 0;
    for (int64_t b = 0; b < n; b++) total += sumOf(x + (b * c + ch) * s, s);
    const double mean = total / m;
    double sq = 0, sg = 0, sgd = 0;
    for (int64_t b = 0; b < n; b++) {
      const T* __restrict px = x + (b * c + ch) * s;
      const T* __restrict pg = g + (b * c + ch) * s;
      double a = 0, ag = 0, agd = 0;
#pragma omp simd reduction(+ : a, ag, agd)
      for (int64_t i = 0; i < s; i++) {
        const double d = px[i] - mean;
        a += d * d;
        ag += pg[i];
        agd += pg[i] * d;
      }
      sq += a;
      sg += ag;
      sgd += agd;
    }
    const double is = 1 / std::sqrt(sq / m + eps), sgx = sgd * is;
    const double k = (w ? static_cast<double>(w[ch]) : 1.0) * is, meanG = sg / m, meanGX = sgx / m;
    for (int64_t b = 0; b < n; b++) {
      const T* __restrict px = x + (b * c + ch) * s;
      const T* __restrict pg = g + (b * c + ch) * s;
      T* __restrict q = dx + (b * c + ch) * s;
#pragma omp simd
      for (int64_t i = 0; i < s; i++) q[i] = static_cast<T>(k * (pg[i] - meanG - (px[i] - mean) * is * meanGX));
    }
    if (dw) dw[ch] = static_cast<T>(sgx);
    if (db) db[ch] = static_cast<T>(sg);
  }
}

template <typename T>
static void forward(const Napi::CallbackInfo& info) {
  const char* op = "batchNormForward";
  const double eps = numberArg(info, 3, op, "eps");
  const int64_t n = intArg(info, 4, op, "n"), c = intArg(info, 5, op, "c"), s = intArg(info, 6, op, "s");
  forwardLoop(arrayArg<T>(info, 0, n * c * s, op, "x"), optionalArrayArg<T>(info, 1, c, op, "weight"), optionalArrayArg<T>(info, 2, c, op, "bias"), eps, n,
              c, s, arrayArg<T>(info, 7, n * c * s, op, "y"));
}

template <typename T>
static void backward(const Napi::CallbackInfo& info) {
  const char* op = "batchNormBackward";
  const double eps = numberArg(info, 2, op, "eps");
  const int64_t n = intArg(info, 3, op, "n"), c = intArg(info, 4, op, "c"), s = intArg(info, 5, op, "s");
  backwardLoop(arrayArg<T>(info, 0, n * c * s, op, "x"), optionalArrayArg<T>(info, 1, c, op, "weight"), eps, n, c, s, arrayArg<T>(info, 6, n * c * s, op, "g"),
               arrayArg<T>(info, 7, n * c * s, op, "dx"), optionalArrayArg<T>(info, 8, c, op, "dweight"), optionalArrayArg<T>(info, 9, c, op, "dbias"));
}

void registerNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForward", Napi::Function::New(env, floatEntry<forward<float>, forward<double>>));
  exports.Set("batchNormBackward", Napi::Function::New(env, floatEntry<backward<float>, backward<double>>));
}

}  // namespace tessera
