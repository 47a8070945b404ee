// GEMV over a weight in its stored dtype, as backend/cpu/weightGemv.ts (the specification):
//   y[r, o] = Σ_i x[r, i] · w[o, i]     x [rows, in] f32, w [out, in] bf16 / f16 / f32, y [rows, out] f32
// Arguments: (rows, in, out, dtype 0 = f32 | 1 = bf16 | 2 = f16, x, w, y); w is a Uint16Array for bf16 / f16.
// Also streamSum(x): the read-bandwidth probe the benches put beside it (below).
//
// Widening: 8 weights at a time into one ymm of f32, exactly — f32: a load; bf16: the 8 words zero-extended
// to 32 bits (vpmovzxwd) and shifted left by 16; f16: F16C's vcvtph2ps (subnormals, ±Infinity, NaN exact).
// Kernel: a block of O weight rows against R ≤ 4 input rows, R·O ymm accumulators (R = 1: O = 8, but 4 for
// f32; R = 2: O = 4; R = 3: O = 3; R = 4: O = 2; the last out % O rows one at a time). Each weight vector is
// widened once and used for the R rows; more input rows take further passes over the block, which the first
// pass left in L1/L2, so every weight byte comes from memory once per call. x rows (≤ 4·in·4 bytes) stay in L1/L2.
// Each weight row is prefetched 512 bytes ahead, one line at a time; near its end, the same row of the next
// block. Measured in a C++ harness (2048×8192 and 8192×2048 bf16 rotating over 512 MB, 1 / 2 threads):
// O = 4 without prefetch 13.0–13.5 / 25.7 GB/s; with it 13.5–14.3 / 26.6–27.8; wrapping to the next block
// 14.1–15.0 / 28.0–29.1 (it matters for short rows, in = 2048); O = 8 15.1–15.6 / 29.6–30.8; O = 2 lost
// 17%. f32 with O = 4 reaches 15.5–16 / 29–30 GB/s in the addon, with O = 8 only 13 / 26.
// Accumulation order of every y[r, o] (the same in every block shape, for any thread count, so 1 and N
// threads are bit-identical): 8 f32 lane sums s_l = FMA chain over i = l, l + 8, … below in rounded down to 8;
// then ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)); then the tail i = 8⌊in/8⌋ … in − 1 in order by
// scalar FMA. Error: within (in + 2)·2⁻²⁴·Σ_i |x_i·w_i| of the float64 reference.
// Threads: output rows in chunks of ~128 KiB of weights (a multiple of 16 rows, so no two threads write
// one 64-byte line of y) on the persistent pool of workers.cc; below 256 KiB of weights one thread runs.
#include "common.h"
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace tessera {

enum class Stored { f32 = 0, bf16 = 1, f16 = 2 };

static constexpr int64_t kChunkBytes = 1 << 17;        // weight bytes per chunk of output rows
static constexpr int64_t kParallelMinBytes = 1 << 18;  // weight bytes below which one thread runs
static constexpr int64_t kPrefetchBytes = 512;         // software prefetch distance along each weight row

template <Stored D> struct Word { using type = uint16_t; };
template <> struct Word<Stored::f32> { using type = float; };

/** 8 consecutive weights from p, widened to f32. */
template <Stored D> static inline __m256 widen8(const typename Word<D>::type* p);
template <> inline __m256 widen8<Stored::f32>(const float* p) { return _mm256_loadu_ps(p); }
template <> inline __m256 widen8<Stored::bf16>(const uint16_t* p) {
  const __m256i words = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(words, 16));
}
template <> inline __m256 widen8<Stored::f16>(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

/** One weight widened to f32 (the tail). */
template <Stored D> static inline float widen(typename Word<D>::type w) {
  if constexpr (D == Stored::f32) {
    return w;
  } else if constexpr (D == Stored::bf16) {
    const uint32_t bits = static_cast<uint32_t>(w) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  } else {
    return _cvtsh_ss(w);
  }
}

/** ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)). */
static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/**
 * y[r, o] for r < R, o < O: input rows x + r·in, weight rows w + o·in, outputs y + r·out + o.
 * R and O are compile-time so the R·O accumulators live in registers.
 */
template <Stored D, int R, int O>
static void block(const float* x, const typename Word<D>::type* w, float* y, int64_t in, int64_t out) {
  __m256 acc[R][O];
  for (int r = 0; r < R; r++)
    for (int o = 0; o < O; o++) acc[r][o] = _mm256_setzero_ps();
  using T = typename Word<D>::type;
  constexpr int64_t kLine = 64 / sizeof(T), kAhead = kPrefetchBytes / sizeof(T);  // in elements
  const int64_t vectorEnd = in / 8 * 8;
  for (int64_t i = 0; i < vectorEnd; i += 8) {
    if (i % kLine == 0) {
      // Past its row's end, row o prefetches the start of row o of the next block (rows o + O), not row o + 1.
      const int64_t ahead = i + kAhead < in ? i + kAhead : O * in + i + kAhead - in;
      for (int o = 0; o < O; o++) _mm_prefetch(reinterpret_cast<const char*>(w + o * in + ahead), _MM_HINT_T0);
    }
    __m256 wv[O];
    for (int o = 0; o < O; o++) wv[o] = widen8<D>(w + o * in + i);
    for (int r = 0; r < R; r++) {
      const __m256 xv = _mm256_loadu_ps(x + r * in + i);
      for (int o = 0; o < O; o++) acc[r][o] = _mm256_fmadd_ps(xv, wv[o], acc[r][o]);
    }
  }
  for (int r = 0; r < R; r++) {
    for (int o = 0; o < O; o++) {
      float s = hsum(acc[r][o]);
      for (int64_t i = vectorEnd; i < in; i++) s = std::fma(x[r * in + i], widen<D>(w[o * in + i]), s);
      y[r * out + o] = s;
    }
  }
}

/** Outputs [o0, o1) for input rows [r0, r0 + R): blocks of O weight rows, then single rows. */
template <Stored D, int R, int O>
static void rowsAgainstOutputs(const float* x, const typename Word<D>::type* w, float* y, int64_t in, int64_t out, int64_t r0, int64_t o0, int64_t o1) {
  int64_t o = o0;
  for (; o + O <= o1; o += O) block<D, R, O>(x + r0 * in, w + o * in, y + r0 * out + o, in, out);
  for (; o < o1; o++) block<D, R, 1>(x + r0 * in, w + o * in, y + r0 * out + o, in, out);
}

/** Outputs [o0, o1) for every input row, ≤ 4 rows per pass. Passes go block by block of 64 output rows, so a
 *  block's weights (64 rows · in · 2–4 bytes, L2-sized up to in = 8192 bf16) are read from memory once. */
template <Stored D>
static void outputRange(const float* x, const typename Word<D>::type* w, float* y, int64_t rows, int64_t in, int64_t out, int64_t o0, int64_t o1) {
  constexpr int64_t kBlockRows = 64;
  for (int64_t b0 = o0; b0 < o1; b0 += kBlockRows) {
    const int64_t b1 = std::min(o1, b0 + kBlockRows);
    for (int64_t r = 0; r < rows; r += 4) {
      switch (std::min<int64_t>(4, rows - r)) {
        case 1: rowsAgainstOutputs<D, 1, D == Stored::f32 ? 4 : 8>(x, w, y, in, out, r, b0, b1); break;
        case 2: rowsAgainstOutputs<D, 2, 4>(x, w, y, in, out, r, b0, b1); break;
        case 3: rowsAgainstOutputs<D, 3, 3>(x, w, y, in, out, r, b0, b1); break;
        default: rowsAgainstOutputs<D, 4, 2>(x, w, y, in, out, r, b0, b1); break;
      }
    }
  }
}

template <Stored D>
static void weightGemv(const Napi::CallbackInfo& info, int64_t rows, int64_t in, int64_t out) {
  const char* op = "weightGemv";
  using T = typename Word<D>::type;
  const float* x = arrayArg<float>(info, 4, static_cast<size_t>(rows * in), op, "x");
  const T* w = arrayArg<T>(info, 5, static_cast<size_t>(out * in), op, "w");
  float* y = arrayArg<float>(info, 6, static_cast<size_t>(rows * out), op, "y");
  if (rows == 0 || out == 0) return;
  const int64_t rowBytes = std::max<int64_t>(1, in * static_cast<int64_t>(sizeof(T)));
  const int64_t chunk = (std::max<int64_t>(1, kChunkBytes / rowBytes) + 15) / 16 * 16;
  const int threads = out * rowBytes >= kParallelMinBytes ? kernelThreads() : 1;
  parallelChunks(out, chunk, threads, [&](int64_t o0, int64_t o1) { outputRange<D>(x, w, y, rows, in, out, o0, o1); });
}

static Napi::Value WeightGemv(const Napi::CallbackInfo& info) {
  const char* op = "weightGemv";
  const int64_t rows = intArg(info, 0, op, "rows"), in = intArg(info, 1, op, "inWidth"), out = intArg(info, 2, op, "outWidth");
  const int64_t dtype = intArg(info, 3, op, "dtype");
  if (rows > INT32_MAX || in > INT32_MAX || out > INT32_MAX) throw fail(info.Env(), op, "sizes must be below 2^31");
  switch (static_cast<Stored>(dtype)) {
    case Stored::f32: weightGemv<Stored::f32>(info, rows, in, out); break;
    case Stored::bf16: weightGemv<Stored::bf16>(info, rows, in, out); break;
    case Stored::f16: weightGemv<Stored::f16>(info, rows, in, out); break;
    default: throw fail(info.Env(), op, "dtype must be 0 (f32), 1 (bf16) or 2 (f16)");
  }
  return info.Env().Undefined();
}

// streamSum(x): Σ x in f32 — the read-bandwidth probe the benches put beside the kernel. Chunks of 256 KiB go to
// the pool's threads; a chunk is read as 4 streams of 64 KiB at once, each prefetched 512 bytes ahead (as the
// kernel reads 4 weight rows; one stream without prefetch read 12–14 / 23–26 GB/s at 1 / 2 threads here, 4
// streams 16 / 31); the chunk sums are added in order. The native reduceSum sums in float64 and is
// compute-bound at about half the bandwidth. The rounding order of the sum is not part of the contract.
static Napi::Value StreamSum(const Napi::CallbackInfo& info) {
  if (!isF32(info[0])) throw fail(info.Env(), "streamSum", "x has the wrong array type");
  auto a = info[0].As<Napi::TypedArrayOf<float>>();
  const float* x = a.Data();
  constexpr int64_t kChunk = 1 << 16, kStreams = 4, kPart = kChunk / kStreams, kAhead = kPrefetchBytes / 4;
  const int64_t n = static_cast<int64_t>(a.ElementLength()), full = n / kChunk;
  std::vector<double> sums(full + 1, 0.0);
  parallelChunks(full, 1, kernelThreads(), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const float* p = x + c * kChunk;
      __m256 s[kStreams];
      for (int k = 0; k < kStreams; k++) s[k] = _mm256_setzero_ps();
      for (int64_t i = 0; i < kPart; i += 16) {
        for (int k = 0; k < kStreams; k++) {
          const float* q = p + k * kPart + i;
          _mm_prefetch(reinterpret_cast<const char*>(q + kAhead), _MM_HINT_T0);
          s[k] = _mm256_add_ps(s[k], _mm256_add_ps(_mm256_loadu_ps(q), _mm256_loadu_ps(q + 8)));
        }
      }
      sums[c] = hsum(_mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3])));
    }
  });
  for (int64_t i = full * kChunk; i < n; i++) sums[full] += x[i];
  double total = 0;
  for (double v : sums) total += v;
  return Napi::Number::New(info.Env(), total);
}

void registerWeightGemv(Napi::Env env, Napi::Object exports) {
  exports.Set("weightGemv", Napi::Function::New(env, WeightGemv));
  exports.Set("streamSum", Napi::Function::New(env, StreamSum));
}

}  // namespace tessera
