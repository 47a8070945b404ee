// 2-D convolution by im2col + one GEMM per group over a chunk of images, and both backward passes.
// Shapes: x [n, cIn, h, w], weight [cOut, cIn/g, kh, kw], y [n, cOut, outH, outW].
// For a chunk of `nc` images and group g the column matrix is col [K = cInG·kh·kw, nc·outH·outW]:
//   forward        Y_g [cOutG, cols] = W_g [cOutG, K] · col
//   backward input dcol = W_gᵀ · dY_g, then col2im adds dcol into dx
//   backward filt. dW_g [cOutG, K] += dY_g · colᵀ
// Y_g / dY_g are [cOutG, cols] scratch matrices (image-major columns), copied to / from NCHW.
// Arguments: (params Int32Array[18] in Conv2dParams order, first, second, out).
#include "common.h"
#include "blas.h"
#include <cstring>
#include <vector>

namespace tessera {

struct Conv {
  int64_t n, cIn, h, w, cOut, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw, groups, outH, outW;
  int64_t cInG() const { return cIn / groups; }
  int64_t cOutG() const { return cOut / groups; }
  int64_t K() const { return cInG() * kh * kw; }
  int64_t hw() const { return outH * outW; }
};

static Conv convArg(const Napi::CallbackInfo& info, const char* op) {
  const int32_t* p = arrayArg<int32_t>(info, 0, 18, op, "params");
  for (int i = 0; i < 18; i++) if (p[i] < 0) throw fail(info.Env(), op, "negative conv parameter");
  Conv c{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17]};
  bool ok = c.groups >= 1 && c.sh >= 1 && c.sw >= 1 && c.dh >= 1 && c.dw >= 1 && c.cIn % c.groups == 0 && c.cOut % c.groups == 0 &&
            c.outH == (c.h + c.pt + c.pb - c.dh * (c.kh - 1) - 1) / c.sh + 1 && c.outW == (c.w + c.pl + c.pr - c.dw * (c.kw - 1) - 1) / c.sw + 1 &&
            c.h + c.pt + c.pb - c.dh * (c.kh - 1) - 1 >= 0 && c.w + c.pl + c.pr - c.dw * (c.kw - 1) - 1 >= 0;
  if (!ok) throw fail(info.Env(), op, "inconsistent conv parameters");
  return c;
}

/** Images per chunk so that the column matrix stays within 512 KiB, about L2 (at least one image): measured
 *  on the README CNN, 512 KiB beat 64 MiB (one chunk) by 2x, and 256 KiB and 1–4 MiB. */
static int64_t chunkImages(const Conv& c, size_t elementBytes) {
  size_t perImage = static_cast<size_t>(c.K() * c.hw()) * elementBytes;
  int64_t nc = static_cast<int64_t>((1u << 19) / std::max<size_t>(perImage, 1));
  return std::max<int64_t>(1, std::min(nc, c.n));
}

/** The output columns ox whose input column ox·sw − pl + kx·dw lies inside [0, w): [lo, hi). */
static inline void validColumns(const Conv& c, int64_t kx, int64_t& lo, int64_t& hi) {
  const int64_t shift = kx * c.dw - c.pl;  // ix = ox·sw + shift
  lo = shift >= 0 ? 0 : (-shift + c.sw - 1) / c.sw;
  hi = c.w - shift <= 0 ? 0 : std::min<int64_t>(c.outW, (c.w - shift + c.sw - 1) / c.sw);
  if (hi < lo) hi = lo;
}

/**
 * col [K, nc·hw] for images [i0, i0 + nc) and group g. Each output row is a zero head, a copy (a memcpy
 * at stride 1) and a zero tail, so there is no per-element bounds test.
 */
template <typename T>
static void im2col(const Conv& c, const T* __restrict x, int64_t i0, int64_t nc, int64_t g, T* __restrict col) {
  const int64_t K = c.K(), hw = c.hw(), cols = nc * hw;
#pragma omp parallel for schedule(static) if (K * cols > 32768)
  for (int64_t r = 0; r < K; r++) {
    const int64_t ci = g * c.cInG() + r / (c.kh * c.kw), ky = (r / c.kw) % c.kh, kx = r % c.kw;
    int64_t lo, hi;
    validColumns(c, kx, lo, hi);
    const int64_t shift = kx * c.dw - c.pl;
    T* __restrict row = col + r * cols;
    for (int64_t img = 0; img < nc; img++) {
      const T* __restrict plane = x + ((i0 + img) * c.cIn + ci) * c.h * c.w;
      T* __restrict out = row + img * hw;
      for (int64_t oy = 0; oy < c.outH; oy++) {
        const int64_t iy = oy * c.sh - c.pt + ky * c.dh;
        T* __restrict o = out + oy * c.outW;
        if (iy < 0 || iy >= c.h) { std::memset(o, 0, sizeof(T) * c.outW); continue; }
        const T* __restrict src = plane + iy * c.w + shift;
        for (int64_t ox = 0; ox < lo; ox++) o[ox] = T(0);
        if (c.sw == 1) std::memcpy(o + lo, src + lo, sizeof(T) * (hi - lo));
        else for (int64_t ox = lo; ox < hi; ox++) o[ox] = src[ox * c.sw];
        for (int64_t ox = hi; ox < c.outW; ox++) o[ox] = T(0);
      }
    }
  }
}

/** dx += col2im(dcol) for images [i0, i0 + nc) and group g; parallel over input channels (no races). */
template <typename T>
static void col2imAdd(const Conv& c, const T* __restrict col, int64_t i0, int64_t nc, int64_t g, T* __restrict dx) {
  const int64_t hw = c.hw(), cols = nc * hw, kk = c.kh * c.kw;
#pragma omp parallel for schedule(static) if (c.cInG() * kk * cols > 32768)
  for (int64_t cl = 0; cl < c.cInG(); cl++) {
    const int64_t ci = g * c.cInG() + cl;
    for (int64_t q = 0; q < kk; q++) {
      const int64_t ky = q / c.kw, kx = q % c.kw;
      int64_t lo, hi;
      validColumns(c, kx, lo, hi);
      const int64_t shift = kx * c.dw - c.pl;
      const T* __restrict row = col + (cl * kk + q) * cols;
      for (int64_t img = 0; img < nc; img++) {
        T* __restrict plane = dx + ((i0 + img) * c.cIn + ci) * c.h * c.w;
        const T* __restrict in = row + img * hw;
        for (int64_t oy = 0; oy < c.outH; oy++) {
          const int64_t iy = oy * c.sh - c.pt + ky * c.dh;
          if (iy < 0 || iy >= c.h) continue;
          T* __restrict dst = plane + iy * c.w + shift;
          const T* __restrict s = in + oy * c.outW;
          if (c.sw == 1) {
#pragma omp simd
            for (int64_t ox = lo; ox < hi; ox++) dst[ox] += s[ox];
          } else {
            for (int64_t ox = lo; ox < hi; ox++) dst[ox * c.sw] += s[ox];
          }
        }
      }
    }
  }
}

/**
 * Copies the output-shaped planes of group g between NCHW and the [cOutG, nc·hw] scratch layout:
 * planes (co, img) of `from` to `to`, with `from` in scratch layout when toNchw, else in NCHW.
 */
template <typename T>
static void copyGroupPlanes(const Conv& c, const T* __restrict from, T* __restrict to, int64_t i0, int64_t nc, int64_t g, bool toNchw) {
  const int64_t hw = c.hw(), cols = nc * hw;
#pragma omp parallel for collapse(2) schedule(static) if (c.cOutG() * cols > 32768)
  for (int64_t co = 0; co < c.cOutG(); co++) {
    for (int64_t img = 0; img < nc; img++) {
      const int64_t nchw = ((i0 + img) * c.cOut + g * c.cOutG() + co) * hw, scratch = co * cols + img * hw;
      std::memcpy(to + (toNchw ? nchw : scratch), from + (toNchw ? scratch : nchw), sizeof(T) * hw);
    }
  }
}

template <typename T>
static void forward(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  const Conv c = convArg(info, op);
  const T* x = arrayArg<T>(info, 1, c.n * c.cIn * c.h * c.w, op, "x");
  const T* wt = arrayArg<T>(info, 2, c.cOut * c.K(), op, "weight");
  T* y = arrayArg<T>(info, 3, c.n * c.cOut * c.hw(), op, "y");
  const int64_t step = chunkImages(c, sizeof(T));
  std::vector<T> col(c.K() * step * c.hw()), yg(c.cOutG() * step * c.hw());
  for (int64_t i0 = 0; i0 < c.n; i0 += step) {
    const int64_t nc = std::min(step, c.n - i0), cols = nc * c.hw();
    for (int64_t g = 0; g < c.groups; g++) {
      im2col(c, x, i0, nc, g, col.data());
      gemmRowMajor(false, false, c.cOutG(), cols, c.K(), T(1), wt + g * c.cOutG() * c.K(), c.K(), col.data(), cols, T(0), yg.data(), cols);
      copyGroupPlanes(c, yg.data(), y, i0, nc, g, true);
    }
  }
}

template <typename T>
static void backwardInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardInput";
  const Conv c = convArg(info, op);
  const T* dy = arrayArg<T>(info, 1, c.n * c.cOut * c.hw(), op, "dy");
  const T* wt = arrayArg<T>(info, 2, c.cOut * c.K(), op, "weight");
  T* dx = arrayArg<T>(info, 3, c.n * c.cIn * c.h * c.w, op, "dx");
  std::memset(dx, 0, sizeof(T) * c.n * c.cIn * c.h * c.w);
  const int64_t step = chunkImages(c, sizeof(T));
  std::vector<T> col(c.K() * step * c.hw()), dyg(c.cOutG() * step * c.hw());
  for (int64_t i0 = 0; i0 < c.n; i0 += step) {
    const int64_t nc = std::min(step, c.n - i0), cols = nc * c.hw();
    for (int64_t g = 0; g < c.groups; g++) {
      copyGroupPlanes(c, dy, dyg.data(), i0, nc, g, false);
      gemmRowMajor(true, false, c.K(), cols, c.cOutG(), T(1), wt + g * c.cOutG() * c.K(), c.K(), dyg.data(), cols, T(0), col.data(), cols);
      col2imAdd(c, col.data(), i0, nc, g, dx);
    }
  }
}

template <typename T>
static void backwardFilter(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardFilter";
  const Conv c = convArg(info, op);
  const T* x = arrayArg<T>(info, 1, c.n * c.cIn * c.h * c.w, op, "x");
  const T* dy = arrayArg<T>(info, 2, c.n * c.cOut * c.hw(), op, "dy");
  T* dw = arrayArg<T>(info, 3, c.cOut * c.K(), op, "dweight");
  std::memset(dw, 0, sizeof(T) * c.cOut * c.K());
  const int64_t step = chunkImages(c, sizeof(T));
  std::vector<T> col(c.K() * step * c.hw()), dyg(c.cOutG() * step * c.hw());
  for (int64_t i0 = 0; i0 < c.n; i0 += step) {
    const int64_t nc = std::min(step, c.n - i0), cols = nc * c.hw();
    for (int64_t g = 0; g < c.groups; g++) {
      im2col(c, x, i0, nc, g, col.data());
      copyGroupPlanes(c, dy, dyg.data(), i0, nc, g, false);
      gemmRowMajor(false, true, c.cOutG(), c.K(), cols, T(1), dyg.data(), cols, col.data(), cols, T(1), dw + g * c.cOutG() * c.K(), c.K());
    }
  }
}

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, floatEntry<forward<float>, forward<double>, 1>));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, floatEntry<backwardInput<float>, backwardInput<double>, 1>));
  exports.Set("conv2dBackwardFilter", Napi::Function::New(env, floatEntry<backwardFilter<float>, backwardFilter<double>, 1>));
}

}  // namespace tessera
