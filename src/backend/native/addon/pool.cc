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

// Each loop runs in a function of its own over restrict-qualified pointers: with the N-API argument
// objects in scope gcc kept reloading through possibly-aliased memory (measured 5–30× slower).
template <typename T>
static void maxForwardLoop(const Pool& p, const T* __restrict x, T* __restrict y) {
#pragma omp parallel for schedule(static) if (p.planes() * p.outH * p.outW > 16384)
  for (int64_t plane = 0; plane < p.planes(); plane++) {
    for (int64_t oy = 0; oy < p.outH; oy++) {
      for (int64_t ox = 0; ox < p.outW; ox++) {
        const int64_t at = argmaxAt(p, x, plane, oy, ox);
        y[(plane * p.outH + oy) * p.outW + ox] = at < 0 ? -std::numeric_limits<T>::infinity() : x[at];
      }
    }
  }
}

template <typename T>
static void maxBackwardLoop(const Pool& p, const T* __restrict x, const T* __restrict dy, T* __restrict dx) {
#pragma omp parallel for schedule(static) if (p.planes() * p.outH * p.outW > 16384)
  for (int64_t plane = 0; plane < p.planes(); plane++) {
    std::memset(dx + plane * p.h * p.w, 0, sizeof(T) * p.h * p.w);
    for (int64_t oy = 0; oy < p.outH; oy++) {
      for (int64_t ox = 0; ox < p.outW; ox++) {
        const int64_t at = argmaxAt(p, x, plane, oy, ox);
        if (at >= 0) dx[at] += dy[(plane * p.outH + oy) * p.outW + ox];
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
static void maxForward(const Napi::CallbackInfo& info, const Pool& p) {
  maxForwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2d", "x"), arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2d", "y"));
}

template <typename T>
static void maxBackward(const Napi::CallbackInfo& info, const Pool& p) {
  maxBackwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2dBackward", "x"),
                  arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2dBackward", "dy"),
                  arrayArg<T>(info, 3, p.planes() * p.h * p.w, "maxPool2dBackward", "dx"));
}

template <typename T>
static void avgForward(const Napi::CallbackInfo& info, const Pool& p) {
  avgForwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.h * p.w, "avgPool2d", "x"), arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "avgPool2d", "y"));
}

template <typename T>
static void avgBackward(const Napi::CallbackInfo& info, const Pool& p) {
  avgBackwardLoop(p, arrayArg<T>(info, 1, p.planes() * p.outH * p.outW, "avgPool2dBackward", "dy"),
                  arrayArg<T>(info, 2, p.planes() * p.h * p.w, "avgPool2dBackward", "dx"));
}

#define POOL_ENTRY(Name, fn, dtypeArg)                          \
  static Napi::Value Name(const Napi::CallbackInfo& info) {     \
    Pool p = poolArg(info, #Name);                              \
    if (isF32(info[dtypeArg])) fn<float>(info, p);              \
    else fn<double>(info, p);                                   \
    return info.Env().Undefined();                              \
  }
POOL_ENTRY(MaxPool2d, maxForward, 1)
POOL_ENTRY(MaxPool2dBackward, maxBackward, 1)
POOL_ENTRY(AvgPool2d, avgForward, 1)
POOL_ENTRY(AvgPool2dBackward, avgBackward, 1)

void registerPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward));
  exports.Set("avgPool2d", Napi::Function::New(env, AvgPool2d));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward));
}

}  // namespace tessera
