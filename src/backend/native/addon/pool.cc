// 2-D max and average pooling and their backward passes, parallel over (image, channel) planes.
// Semantics are the cpu reference's (backend/cpu/pool2d.ts): padded cells are −∞ for max (first
// maximum on ties, NaN wins) and counted zeros for average.
// Arguments: (params Int32Array[12] = n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW, ...arrays).
#include "common.h"
#include <cmath>
#include <cstring>
#include <limits>
#include <algorithm>
#include <type_traits>
#include <immintrin.h>
#include <vector>

namespace tessera {

struct Pool {
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, outH, outW;
  int64_t planes() const { return n * c; }
};

static Pool poolArg(const Napi::CallbackInfo& info, const char* op) {
  const int32_t* p = arrayArg<int32_t>(info, 0, 12, op, "params");
  for (int i = 0; i < 12; i++) if (p[i] < 0) throw fail(info.Env(), op, "negative pool parameter");
  Pool q{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
  if (q.kh < 1 || q.kw < 1 || q.sh < 1 || q.sw < 1) throw fail(info.Env(), op, "kernel and stride must be ≥ 1");
  return q;
}

/** mask ? a : b for an all-ones / all-zeros mask, on the bit patterns. */
template <typename T>
static inline T selectBits(int64_t mask, T a, T b) {
  using Bits = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  Bits ia, ib;
  std::memcpy(&ia, &a, sizeof(T));
  std::memcpy(&ib, &b, sizeof(T));
  const Bits m = static_cast<Bits>(mask);
  const Bits r = (ia & m) | (ib & ~m);
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

/**
 * Flat input index of the window maximum of output (plane, oy, ox), or −1 for an all-padding window.
 * Branch-free selects (the comparisons are data-dependent and mispredict on real images); once a NaN is
 * the best, nothing replaces it, as the reference's early exit.
 */
template <typename T>
static inline int64_t argmaxAt(const Pool& p, const T* __restrict x, int64_t plane, int64_t oy, int64_t ox) {
  const int64_t base = plane * p.h * p.w;
  const int64_t y0 = oy * p.sh - p.ph, y1 = std::min(y0 + p.kh, p.h), ys = std::max<int64_t>(y0, 0);
  const int64_t x0 = ox * p.sw - p.pw, x1 = std::min(x0 + p.kw, p.w), xs = std::max<int64_t>(x0, 0);
  if (ys >= y1 || xs >= x1) return -1;
  int64_t at = base + ys * p.w + xs;
  T best = x[at];
  for (int64_t iy = ys; iy < y1; iy++) {
    const T* row = x + base + iy * p.w;
    for (int64_t ix = (iy == ys ? xs + 1 : xs); ix < x1; ix++) {
      const T v = row[ix];
      // take = all ones when v replaces best; selects by bit masks so gcc cannot turn them into branches.
      const int64_t take = -static_cast<int64_t>((best == best) & ((v > best) | (v != v)));
      best = selectBits(take, v, best);
      at = (take & (base + iy * p.w + ix)) | (~take & at);
    }
  }
  return at;
}

/**
 * The common 2×2, stride-2, unpadded window in float with AVX2, 8 outputs of one row at a time: loads 16
 * input columns of both window rows, splits even/odd columns, and applies the same take rule as argmaxAt
 * in scan order (0,0) (0,1) (1,0) (1,1) with vector compares and blends. `at` gets flat input indices.
 */
static inline bool isPool2x2(const Pool& p) {
  return p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 && p.planes() * p.h * p.w < (int64_t(1) << 31);
}

/** Lanes j < n all ones (n in 0..8). */
static inline __m256i firstLanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/** Columns r[0 … 2n) split into even and odd lanes; masked loads never read past the window row. */
static inline void evenOdd(const float* r, int64_t n, __m256& even, __m256& odd) {
  const __m256 a = _mm256_maskload_ps(r, firstLanes(2 * n)), b = _mm256_maskload_ps(r + 8, firstLanes(2 * n - 8));
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
}

static inline void takeIf(__m256& best, __m256i& at, __m256 v, __m256i idx) {
  const __m256 take = _mm256_and_ps(_mm256_cmp_ps(best, best, _CMP_ORD_Q), _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
  best = _mm256_blendv_ps(best, v, take);
  at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(idx), take));
}

/** Argmaxes (and maxima) of outputs (plane, oy, ox0 … ox0 + n − 1), n ≤ 8 (other lanes undefined). */
static inline void pool2x2x8(const Pool& p, const float* x, int64_t plane, int64_t oy, int64_t ox0, int64_t n, __m256& best, __m256i& at) {
  const int32_t row0 = static_cast<int32_t>(plane * p.h * p.w + 2 * oy * p.w + 2 * ox0);
  const float* r0 = x + row0;
  const __m256i lanes2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i i00 = _mm256_add_epi32(_mm256_set1_epi32(row0), lanes2), one = _mm256_set1_epi32(1), down = _mm256_set1_epi32(static_cast<int32_t>(p.w));
  __m256 e0, o0, e1, o1;
  evenOdd(r0, n, e0, o0);
  evenOdd(r0 + p.w, n, e1, o1);
  best = e0;
  at = i00;
  takeIf(best, at, o0, _mm256_add_epi32(i00, one));
  takeIf(best, at, e1, _mm256_add_epi32(i00, down));
  takeIf(best, at, o1, _mm256_add_epi32(_mm256_add_epi32(i00, down), one));
}

// Each loop runs in a function of its own over restrict-qualified pointers: with the N-API argument
// objects in scope gcc kept reloading through possibly-aliased memory (measured 5–30× slower).
/**
 * at[ox] = the flat input index of the window maximum of every output (plane, oy, ·), or −1 for an
 * all-padding window: the one window walk both max-pool passes share (AVX2 for 2×2/stride-2 floats).
 */
template <typename T>
static void rowArgmax(const Pool& p, const T* __restrict x, int64_t plane, int64_t oy, int64_t* __restrict at) {
  int64_t ox = 0;
  if constexpr (std::is_same<T, float>::value) {
    for (; isPool2x2(p) && ox < p.outW; ox += 8) {
      const int64_t n = std::min<int64_t>(8, p.outW - ox);
      __m256 best;
      __m256i idx;
      pool2x2x8(p, x, plane, oy, ox, n, best, idx);
      alignas(32) int32_t lanes[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), idx);
      for (int64_t l = 0; l < n; l++) at[ox + l] = lanes[l];
    }
  }
  for (; ox < p.outW; ox++) at[ox] = argmaxAt(p, x, plane, oy, ox);
}

// Each loop runs in a function of its own over restrict-qualified pointers: with the N-API argument
// objects in scope gcc kept reloading through possibly-aliased memory (measured 5–30× slower).
template <typename T>
static void maxForwardLoop(const Pool& p, const T* __restrict x, T* __restrict y) {
#pragma omp parallel if (p.planes() * p.outH * p.outW > 16384)
  {
    std::vector<int64_t> at(p.outW);
#pragma omp for schedule(static)
    for (int64_t plane = 0; plane < p.planes(); plane++) {
      for (int64_t oy = 0; oy < p.outH; oy++) {
        rowArgmax(p, x, plane, oy, at.data());
        T* row = y + (plane * p.outH + oy) * p.outW;
        for (int64_t ox = 0; ox < p.outW; ox++) row[ox] = at[ox] < 0 ? -std::numeric_limits<T>::infinity() : x[at[ox]];
      }
    }
  }
}

template <typename T>
static void maxBackwardLoop(const Pool& p, const T* __restrict x, const T* __restrict dy, T* __restrict dx) {
#pragma omp parallel if (p.planes() * p.outH * p.outW > 16384)
  {
    std::vector<int64_t> at(p.outW);
#pragma omp for schedule(static)
    for (int64_t plane = 0; plane < p.planes(); plane++) {
      std::memset(dx + plane * p.h * p.w, 0, sizeof(T) * p.h * p.w);
      for (int64_t oy = 0; oy < p.outH; oy++) {
        rowArgmax(p, x, plane, oy, at.data());
        const T* g = dy + (plane * p.outH + oy) * p.outW;
        for (int64_t ox = 0; ox < p.outW; ox++) if (at[ox] >= 0) dx[at[ox]] += g[ox];
      }
    }
  }
}

template <typename T>
static void avgForwardLoop(const Pool& p, const T* __restrict x, T* __restrict y) {
  const double area = static_cast<double>(p.kh * p.kw);
#pragma omp parallel for schedule(static) if (p.planes() * p.outH * p.outW > 16384)
  for (int64_t plane = 0; plane < p.planes(); plane++) {
    const T* xp = x + plane * p.h * p.w;
    for (int64_t oy = 0; oy < p.outH; oy++) {
      const int64_t y0 = oy * p.sh - p.ph, y1 = std::min(y0 + p.kh, p.h), ys = std::max<int64_t>(y0, 0);
      for (int64_t ox = 0; ox < p.outW; ox++) {
        const int64_t x0 = ox * p.sw - p.pw, x1 = std::min(x0 + p.kw, p.w), xs = std::max<int64_t>(x0, 0);
        double s = 0;
        for (int64_t iy = ys; iy < y1; iy++) for (int64_t ix = xs; ix < x1; ix++) s += xp[iy * p.w + ix];
        y[(plane * p.outH + oy) * p.outW + ox] = static_cast<T>(s / area);
      }
    }
  }
}

template <typename T>
static void avgBackwardLoop(const Pool& p, const T* __restrict dy, T* __restrict dx) {
  const double area = static_cast<double>(p.kh * p.kw);
#pragma omp parallel for schedule(static) if (p.planes() * p.outH * p.outW > 16384)
  for (int64_t plane = 0; plane < p.planes(); plane++) {
    T* dp = dx + plane * p.h * p.w;
    std::memset(dp, 0, sizeof(T) * p.h * p.w);
    for (int64_t oy = 0; oy < p.outH; oy++) {
      const int64_t y0 = oy * p.sh - p.ph, y1 = std::min(y0 + p.kh, p.h), ys = std::max<int64_t>(y0, 0);
      for (int64_t ox = 0; ox < p.outW; ox++) {
        const int64_t x0 = ox * p.sw - p.pw, x1 = std::min(x0 + p.kw, p.w), xs = std::max<int64_t>(x0, 0);
        const T g = static_cast<T>(dy[(plane * p.outH + oy) * p.outW + ox] / area);
        for (int64_t iy = ys; iy < y1; iy++) for (int64_t ix = xs; ix < x1; ix++) dp[iy * p.w + ix] += g;
      }
    }
  }
}

template <typename T>
static void maxForward(const Napi::CallbackInfo& info) {
  const Pool p = poolArg(info, "maxPool2d");
  maxForwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2d", "x"), arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2d", "y"));
}

template <typename T>
static void maxBackward(const Napi::CallbackInfo& info) {
  const Pool p = poolArg(info, "maxPool2dBackward");
  maxBackwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2dBackward", "x"),
                  arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2dBackward", "dy"),
                  arrayArg<T>(info, 3, p.planes() * p.h * p.w, "maxPool2dBackward", "dx"));
}

template <typename T>
static void avgForward(const Napi::CallbackInfo& info) {
  const Pool p = poolArg(info, "avgPool2d");
  avgForwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "avgPool2d", "x"), arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "avgPool2d", "y"));
}

template <typename T>
static void avgBackward(const Napi::CallbackInfo& info) {
  const Pool p = poolArg(info, "avgPool2dBackward");
  avgBackwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.outH * p.outW, "avgPool2dBackward", "dy"),
                  arrayArg<T>(info, 2, p.planes() * p.h * p.w, "avgPool2dBackward", "dx"));
}

void registerPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2d", Napi::Function::New(env, floatEntry<maxForward<float>, maxForward<double>, 1>));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, floatEntry<maxBackward<float>, maxBackward<double>, 1>));
  exports.Set("avgPool2d", Napi::Function::New(env, floatEntry<avgForward<float>, avgForward<double>, 1>));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, floatEntry<avgBackward<float>, avgBackward<double>, 1>));
}

}  // namespace tessera
