// 2-D max and average pooling and their backward passes, parallel over (image, channel) planes.
// Semantics are the cpu reference's (backend/cpu/pool2d.ts): padded cells are −∞ for max (first
// maximum on ties, NaN wins) and counted zeros for average.
// Arguments: (params Int32Array[12] = n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW, ...arrays).
#include "common.h"
#include <cmath>
#include <cstring>
#include <limits>
#include <algorithm>

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

/** Flat input index of the window maximum of output (plane, oy, ox), or −1 for an all-padding window. */
template <typename T>
static inline int64_t argmaxAt(const Pool& p, const T* x, int64_t plane, int64_t oy, int64_t ox) {
  const int64_t base = plane * p.h * p.w;
  const int64_t y0 = oy * p.sh - p.ph, y1 = std::min(y0 + p.kh, p.h), ys = std::max<int64_t>(y0, 0);
  const int64_t x0 = ox * p.sw - p.pw, x1 = std::min(x0 + p.kw, p.w), xs = std::max<int64_t>(x0, 0);
  T best = -std::numeric_limits<T>::infinity();
  int64_t at = -1;
  for (int64_t iy = ys; iy < y1 && !(best != best); iy++) {
    for (int64_t ix = xs; ix < x1; ix++) {
      const T v = x[base + iy * p.w + ix];
      if (v > best || at < 0 || v != v) {
        best = v;
        at = base + iy * p.w + ix;
        if (v != v) break;
      }
    }
  }
  return at;
}

template <typename T>
static void maxForward(const Napi::CallbackInfo& info, const Pool& p) {
  const T* x = arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2d", "x");
  T* y = arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2d", "y");
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
static void maxBackward(const Napi::CallbackInfo& info, const Pool& p) {
  const T* x = arrayArg<T>(info, 1, p.planes() * p.h * p.w, "maxPool2dBackward", "x");
  const T* dy = arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "maxPool2dBackward", "dy");
  T* dx = arrayArg<T>(info, 3, p.planes() * p.h * p.w, "maxPool2dBackward", "dx");
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
static void avgForward(const Napi::CallbackInfo& info, const Pool& p) {
  const T* x = arrayArg<T>(info, 1, p.planes() * p.h * p.w, "avgPool2d", "x");
  T* y = arrayArg<T>(info, 2, p.planes() * p.outH * p.outW, "avgPool2d", "y");
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
static void avgBackward(const Napi::CallbackInfo& info, const Pool& p) {
  const T* dy = arrayArg<T>(info, 1, p.planes() * p.outH * p.outW, "avgPool2dBackward", "dy");
  T* dx = arrayArg<T>(info, 2, p.planes() * p.h * p.w, "avgPool2dBackward", "dx");
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
