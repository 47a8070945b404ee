// One decode step of Mamba2's SSD recurrence, f32, as backend/cpu/ssdStep.ts (the specification):
//   S'[h, p, n] = exp(dt_h·A_h)·S[h, p, n] + (x[h, p]·dt_h)·B[g, n],   y[h, p] = Σ_n S'[h, p, n]·C[g, n] + D_h·x[h, p]
// state and stateOut [H, P, N] (the same array for an in-place update), x and y [H, P], dt, A, D [H], B, C [G, N].
// Arguments: (heads, headDim, stateSize, groups, state, x, dt, A, B, C, D, stateOut, y).
//
// Memory-bound: each state value is read once and written once, 8 lanes at a time (FMA), and y is summed from
// the new values while they are in registers. Heads are split over the pool's threads (a head is P·N values).
// Precision: f32 arithmetic with the decay exp(dt·A) in double; within a few f32 ulps of the reference.
#include "common.h"
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <cmath>

namespace tessera {

static inline float horizontalSum(__m256 s) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

static void stepHeads(int64_t h0, int64_t h1, int64_t P, int64_t N, int64_t r, const float* state, const float* x, const float* dt, const float* A,
                      const float* B, const float* C, const float* D, float* stateOut, float* y) {
  for (int64_t h = h0; h < h1; h++) {
    const float decay = static_cast<float>(std::exp(static_cast<double>(dt[h]) * A[h]));
    const float* b = B + (h / r) * N;
    const float* c = C + (h / r) * N;
    const __m256 vdecay = _mm256_set1_ps(decay);
    for (int64_t q = 0; q < P; q++) {
      const float xv = x[h * P + q], xdt = xv * dt[h];
      const __m256 vxdt = _mm256_set1_ps(xdt);
      const float* s = state + (h * P + q) * N;
      float* so = stateOut + (h * P + q) * N;
      __m256 acc = _mm256_setzero_ps();
      int64_t n = 0;
      for (; n + 8 <= N; n += 8) {
        const __m256 v = _mm256_fmadd_ps(vdecay, _mm256_loadu_ps(s + n), _mm256_mul_ps(vxdt, _mm256_loadu_ps(b + n)));
        _mm256_storeu_ps(so + n, v);
        acc = _mm256_fmadd_ps(v, _mm256_loadu_ps(c + n), acc);
      }
      float total = horizontalSum(acc);
      for (; n < N; n++) {
        const float v = std::fma(decay, s[n], xdt * b[n]);
        so[n] = v;
        total += v * c[n];
      }
      y[h * P + q] = total + D[h] * xv;
    }
  }
}

static Napi::Value SsdStep(const Napi::CallbackInfo& info) {
  const char* op = "ssdStep";
  const int64_t H = intArg(info, 0, op, "heads"), P = intArg(info, 1, op, "headDim"), N = intArg(info, 2, op, "stateSize"), G = intArg(info, 3, op, "groups");
  if (G == 0 || H % G != 0) throw fail(info.Env(), op, "groups must divide heads");
  const size_t states = static_cast<size_t>(H * P * N), rows = static_cast<size_t>(H * P);
  const float* state = arrayArg<float>(info, 4, states, op, "state");
  const float* x = arrayArg<float>(info, 5, rows, op, "x");
  const float* dt = arrayArg<float>(info, 6, static_cast<size_t>(H), op, "dt");
  const float* A = arrayArg<float>(info, 7, static_cast<size_t>(H), op, "A");
  const float* B = arrayArg<float>(info, 8, static_cast<size_t>(G * N), op, "B");
  const float* C = arrayArg<float>(info, 9, static_cast<size_t>(G * N), op, "C");
  const float* D = arrayArg<float>(info, 10, static_cast<size_t>(H), op, "D");
  float* stateOut = arrayArg<float>(info, 11, states, op, "stateOut");
  float* y = arrayArg<float>(info, 12, rows, op, "y");
  const int64_t r = H / G;
  // ~32 KiB of state per head at Zamba2's sizes: a few heads per chunk keep the hand-offs rare.
  const int64_t chunk = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, P * N));
  parallelChunks(H, chunk, kernelThreads(), [&](int64_t h0, int64_t h1) { stepHeads(h0, h1, P, N, r, state, x, dt, A, B, C, D, stateOut, y); });
  return info.Env().Undefined();
}

void registerSsd(Napi::Env env, Napi::Object exports) {
  exports.Set("ssdStep", Napi::Function::New(env, SsdStep));
}

}  // namespace tessera
