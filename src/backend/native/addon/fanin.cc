// Constant fan-in sparse matmul, as backend/cpu/fanInMatmul.ts (the specification):
//   batch-major    x [batch, in], y [batch, out]:  y[b, o] = Σ_j values[o, j] · x[b, indices[o, j]]
//   feature-major  x [in, batch], y [out, batch]:  y[o, b] = Σ_j values[o, j] · x[indices[o, j], b]
// Arguments: (batch, inFeatures, outFeatures, fanIn, indicesValidated, x, values, indices, y). Returns −1,
// or the first position k whose index is outside [0, inFeatures), and then y is unspecified; the TS wrapper
// raises the TesseraError. Every index is tested before it is read, validated or not (the flag is accepted
// and ignored): the tests are fused into the kernels and cost ≤ 2% (below), so no read is ever out of bounds.
//
// What measured fastest (2-core Xeon VM, AVX2; 4096→4096 at 90%, fan-in 409, u16 indices, 1 thread,
// medians of 200 calls in a C++ harness, then in the addon):
// * batch ≤ 2, f32: AVX2 gathers (vgatherdps, 8 indices widened from u16 or read as i32) into FMA
//   accumulators. The kernel streams 10 MB of values + indices per call and is bound by that stream: a loop
//   that only sums values and indices runs in 0.34 ms (~29 GB/s, this VM's single-core read bandwidth).
//   Plain gathers with 2 or 4 accumulators took 0.41 ms; scalar loads (8 vmovss + inserts, or 8 scalar FMA
//   chains) 0.52–0.56 ms; software prefetches of values and indices 512 elements (2 KiB of values) ahead
//   bring gathers to 0.34 ms, the stream bound (256 ahead: 0.37, 2048: 0.38). More accumulators no longer
//   matter there, so two. Indices are clamped and their maximum tracked in the same loop (0.355 ms with,
//   0.356 without). At batch 2 both rows share each index vector and the values stream.
// * batch ≥ 3, f32, either layout: x is packed into batch panels of 32 lanes, [in][32] each (the tail panel
//   padded to a multiple of 8 with zeros), and each output row is a sum of broadcast-weight × panel-row FMAs
//   (4 ymm per row, 2 chains over j; a narrower tail panel gets more chains). Panels are L2-resident: the
//   rows a chunk of outputs needs are random, so a panel is read from L2 for every output. Against gathering
//   batch-major rows (batch 8/64/256: 4.0/32/523 ms) or reading feature-major rows in place (1.6/6.2/49 ms;
//   32-lane slices of x [in, batch] with a 1 KiB row stride alias in L2: panel-outer in place was 89 ms at
//   batch 256), packed panels take 1.3–1.4/7.5–8/32–34 ms including the packing; at batch 3 they tie with
//   gathers, so gathers stop at 2. Panels go in groups that fit half the 2 MiB L2 (2 at in = 4096), a chunk
//   of outputs running over every panel of its group, so values and indices stream once per group (about
//   4% at batch 64). Software prefetch of the panel rows 16 indices ahead measured slower (batch 8: 1.6 ms).
// * Threads: the persistent pool of workers.cc (why not OpenMP: see there), output rows in chunks of ~32 Ki
//   multiply-adds and a multiple of 16 rows (one-row chunks let both cores write the same lines of a
//   batch-major y: batch 64/256 on 2 threads took 6.5/25 ms, 16-row multiples 4.7/19). Every row's
//   arithmetic is independent of the split, so 1 and 2 threads give bit-identical results. Below 64 Ki
//   multiply-adds one thread runs.
// f64 runs plain loops in the reference's j order (accuracy first; no kernel here is tuned for f64).
#include "common.h"
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <atomic>
#include <new>
#include <type_traits>
#include <vector>

namespace tessera {

static constexpr int64_t kParallelMinWork = 1 << 16;  // multiply-adds below which one thread runs
static constexpr int64_t kPrefetchAhead = 512;        // elements of values/indices prefetched ahead
static constexpr int64_t kPanel = 32;                 // batch lanes per packed panel
static constexpr int64_t kGroupBytes = 1 << 20;       // packed panels read together (half of a 2 MiB L2)

/**
 * Output rows per chunk of work for the pool: about 32 Ki multiply-adds (5–10 µs), rounded up to a multiple
 * of 16 rows, so two threads never write the same 64-byte line of a batch-major y [batch, out].
 */
static inline int64_t chunkRows(int64_t workPerRow) {
  const int64_t rows = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, workPerRow));
  return (rows + 15) / 16 * 16;
}

template <typename I> static inline __m256i load8(const I* p);
template <> inline __m256i load8<uint16_t>(const uint16_t* p) { return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
template <> inline __m256i load8<int32_t>(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/** The largest index a row may hold, in the lanes' unsigned type: in − 1 (clamped for u16). */
template <typename I>
static inline uint32_t indexLimit(int64_t in) {
  return static_cast<uint32_t>(std::min<int64_t>(in - 1, std::is_same<I, uint16_t>::value ? 0xffff : 0x7fffffff));
}

/** Whether every index of one output row lies in [0, in), in > 0; vectorised (unsigned, so a negative i32 is huge). */
template <typename I>
static bool rowInRange(const I* idx, int64_t fanIn, int64_t in) {
  const uint32_t limit = indexLimit<I>(in);
  int64_t j = 0;
  __m256i over = _mm256_setzero_si256();  // nonzero lanes: some index above limit
  if constexpr (std::is_same<I, uint16_t>::value) {
    const __m256i lim = _mm256_set1_epi16(static_cast<int16_t>(limit));
    for (; j + 16 <= fanIn; j += 16) over = _mm256_or_si256(over, _mm256_subs_epu16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + j)), lim));
  } else {
    const __m256i lim = _mm256_set1_epi32(static_cast<int32_t>(limit));
    for (; j + 8 <= fanIn; j += 8) {
      const __m256i i = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + j));
      over = _mm256_or_si256(over, _mm256_xor_si256(_mm256_max_epu32(i, lim), lim));
    }
  }
  bool ok = _mm256_testz_si256(over, over);
  for (; j < fanIn; j++) ok &= static_cast<uint32_t>(idx[j]) <= limit;
  return ok;
}

/**
 * R ∈ {1, 2} dot products sharing one index row: s[r] = Σ_j v[j] · x[r·rowStride + idx[j]·S/4].
 * S is the gather scale in bytes: 4 reads x[b, idx] (batch-major, rowStride = in), 8 reads x[idx, b] of a
 * feature-major x with batch 2 (rowStride = 1). Each index is clamped to `limit` before it is read (one
 * unsigned min per 8 indices; the stream bound hides it) and the row's largest index tracked (one max):
 * returns whether all were ≤ limit, i.e. whether s is the true sum. No read is ever out of bounds.
 */
template <int R, int S, typename I>
static inline bool gatherDots(const float* x, int64_t rowStride, const float* v, const I* idx, int64_t fanIn, uint32_t limit, float* s) {
  const __m256i lim = _mm256_set1_epi32(static_cast<int32_t>(limit));
  __m256i largest = _mm256_setzero_si256();
  auto indices8 = [&](int64_t at) {
    const __m256i raw = load8(idx + at);
    largest = _mm256_max_epu32(largest, raw);
    return _mm256_min_epu32(raw, lim);
  };
  __m256 a0[R], a1[R];
  for (int r = 0; r < R; r++) a0[r] = a1[r] = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= fanIn; j += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(v + j + kPrefetchAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(idx + j + kPrefetchAhead), _MM_HINT_T0);
    const __m256i i0 = indices8(j), i1 = indices8(j + 8);
    const __m256 w0 = _mm256_loadu_ps(v + j), w1 = _mm256_loadu_ps(v + j + 8);
    for (int r = 0; r < R; r++) {
      a0[r] = _mm256_fmadd_ps(w0, _mm256_i32gather_ps(x + r * rowStride, i0, S), a0[r]);
      a1[r] = _mm256_fmadd_ps(w1, _mm256_i32gather_ps(x + r * rowStride, i1, S), a1[r]);
    }
  }
  if (j + 8 <= fanIn) {
    const __m256i i0 = indices8(j);
    const __m256 w0 = _mm256_loadu_ps(v + j);
    for (int r = 0; r < R; r++) a0[r] = _mm256_fmadd_ps(w0, _mm256_i32gather_ps(x + r * rowStride, i0, S), a0[r]);
    j += 8;
  }
  bool ok = _mm256_testz_si256(_mm256_xor_si256(_mm256_max_epu32(largest, lim), lim), _mm256_set1_epi32(-1));
  float t[R];
  for (int r = 0; r < R; r++) t[r] = hsum(_mm256_add_ps(a0[r], a1[r]));
  for (; j < fanIn; j++) {
    const uint32_t i = static_cast<uint32_t>(idx[j]);
    ok &= i <= limit;
    for (int r = 0; r < R; r++) t[r] += v[j] * x[r * rowStride + static_cast<int64_t>(std::min(i, limit)) * (S / 4)];
  }
  for (int r = 0; r < R; r++) s[r] = t[r];
  return ok;
}

/**
 * Batch ≤ 2 for either layout (batch 1 is the same computation in both), output rows in chunks over the
 * pool. Returns whether every index was in range (otherwise y is unspecified).
 */
template <typename I>
static bool gatherPath(bool featureMajor, int64_t batch, int64_t in, int64_t out, int64_t fanIn, int threads,
                       const float* x, const float* v, const I* idx, float* y) {
  std::atomic<bool> bad{false};
  const uint32_t limit = indexLimit<I>(in);
  parallelChunks(out, chunkRows(batch * fanIn), threads, [&](int64_t o0, int64_t o1) {
    bool ok = true;
    for (int64_t o = o0; o < o1; o++) {
      const float* vo = v + o * fanIn;
      const I* io = idx + o * fanIn;
      float s[2];
      if (batch == 1) {
        ok &= gatherDots<1, 4>(x, 0, vo, io, fanIn, limit, s);
        y[o] = s[0];
      } else if (featureMajor) {  // x [in, 2], y [out, 2]
        ok &= gatherDots<2, 8>(x, 1, vo, io, fanIn, limit, s);
        y[2 * o] = s[0], y[2 * o + 1] = s[1];
      } else {  // x [2, in], y [2, out]
        ok &= gatherDots<2, 4>(x, in, vo, io, fanIn, limit, s);
        y[o] = s[0], y[out + o] = s[1];
      }
    }
    if (!ok) bad.store(true, std::memory_order_relaxed);
  });
  return !bad.load();
}

/**
 * One output row over one packed panel xp [in][8·NV]: acc lanes t[l] = Σ_j v[j] · xp[idx[j]][l], with C
 * independent chains over j (so 8·NV·C/8 FMAs are in flight: FMA latency 4, two ports).
 */
template <int NV, int C, typename I>
static inline void panelRow(const float* xp, const float* v, const I* idx, int64_t fanIn, float* t) {
  static_assert(16 % C == 0, "chains must divide a block of 16");
  constexpr int64_t P = 8 * NV;
  __m256 a[C][NV];
  for (int c = 0; c < C; c++) for (int q = 0; q < NV; q++) a[c][q] = _mm256_setzero_ps();
  auto step = [&](int c, int64_t j) {
    const float* row = xp + static_cast<int64_t>(idx[j]) * P;
    const __m256 w = _mm256_broadcast_ss(v + j);
    for (int q = 0; q < NV; q++) a[c][q] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * q), a[c][q]);
  };
  int64_t j = 0;
  for (; j + 16 <= fanIn; j += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(v + j + kPrefetchAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(idx + j + kPrefetchAhead), _MM_HINT_T0);
    for (int64_t u = 0; u < 16; u += C) for (int c = 0; c < C; c++) step(c, j + u + c);
  }
  for (; j < fanIn; j++) step(0, j);
  for (int q = 0; q < NV; q++) {
    __m256 s = a[0][q];
    for (int c = 1; c < C; c++) s = _mm256_add_ps(s, a[c][q]);
    _mm256_storeu_ps(t + 8 * q, s);
  }
}

/**
 * Output rows [o0, o1) over the panel of batch lanes [b0, b0 + width). With `check` (the first panel), each
 * row's indices are tested before it reads the panel; returns false (the row skipped) on a bad one.
 */
template <int NV, int C, typename I>
static bool panelRows(bool featureMajor, int64_t batch, int64_t b0, int64_t width, int64_t in, int64_t out, int64_t fanIn,
                      const float* xp, const float* v, const I* idx, float* y, int64_t o0, int64_t o1, bool check) {
  bool ok = true;
  for (int64_t o = o0; o < o1; o++) {
    if (check && !rowInRange(idx + o * fanIn, fanIn, in)) {
      ok = false;
      continue;
    }
    alignas(32) float t[8 * NV];
    panelRow<NV, C>(xp, v + o * fanIn, idx + o * fanIn, fanIn, t);
    if (featureMajor) std::copy(t, t + width, y + o * batch + b0);
    else for (int64_t l = 0; l < width; l++) y[(b0 + l) * out + o] = t[l];
  }
  return ok;
}

/** Lanes of the panel starting at batch lane b0: 32, or the tail rounded up to a multiple of 8. */
static inline int64_t panelLanes(int64_t batch, int64_t b0) { return std::min(kPanel, (batch - b0 + 7) / 8 * 8); }

/**
 * Batch ≥ 3: pack x into panels (panel at lane b0 starts at xb + b0·in, laid [in][lanes], pad lanes zero),
 * then run the panels one after another over all outputs, in chunks of output rows over the pool. The first
 * panel tests every row's indices and completes before the later panels start, so a bad index is never read.
 * Returns whether every index was in range (otherwise y is unspecified).
 */
template <typename I>
static bool panelPath(bool featureMajor, int64_t batch, int64_t in, int64_t out, int64_t fanIn, int threads,
                      const float* x, const float* v, const I* idx, float* y) {
  const int64_t padded = (batch + 7) / 8 * 8;
  thread_local std::vector<float> scratch;  // per JS thread (worker threads may load the addon too), kept at its largest size
  if (static_cast<int64_t>(scratch.size()) < padded * in) scratch.resize(padded * in);
  float* xb = scratch.data();
  // Pack in blocks of 64 features: reads stay within a few lines per batch row, writes are contiguous.
  parallelChunks((in + 63) / 64, chunkRows(64 * batch), threads, [&](int64_t k0, int64_t k1) {
    for (int64_t i0 = 64 * k0; i0 < std::min(in, 64 * k1); i0 += 64) {
      for (int64_t b0 = 0; b0 < batch; b0 += kPanel) {
        const int64_t lanes = panelLanes(batch, b0), width = std::min(kPanel, batch - b0);
        for (int64_t i = i0; i < std::min(in, i0 + 64); i++) {
          float* d = xb + b0 * in + i * lanes;
          if (featureMajor) std::copy(x + i * batch + b0, x + i * batch + b0 + width, d);
          else for (int64_t l = 0; l < width; l++) d[l] = x[(b0 + l) * in + i];
          std::fill(d + width, d + lanes, 0.0f);
        }
      }
    }
  });
  auto rows = [&](int64_t b0, int64_t o0, int64_t o1, bool check) {
    const int64_t lanes = panelLanes(batch, b0), width = std::min(kPanel, batch - b0);
    const float* xp = xb + b0 * in;
    if (lanes == 32) return panelRows<4, 2>(featureMajor, batch, b0, width, in, out, fanIn, xp, v, idx, y, o0, o1, check);
    if (lanes == 24) return panelRows<3, 4>(featureMajor, batch, b0, width, in, out, fanIn, xp, v, idx, y, o0, o1, check);
    if (lanes == 16) return panelRows<2, 4>(featureMajor, batch, b0, width, in, out, fanIn, xp, v, idx, y, o0, o1, check);
    return panelRows<1, 8>(featureMajor, batch, b0, width, in, out, fanIn, xp, v, idx, y, o0, o1, check);
  };
  // Panels in groups of about kGroupBytes (L2-resident together); a chunk of rows runs over every panel of
  // its group, so each group streams values and indices once. The first panel tests each row's indices and a
  // chunk with a bad one stops there; the first group completes before the later groups start.
  const int64_t panels = (batch + kPanel - 1) / kPanel;
  const int64_t group = std::max<int64_t>(1, kGroupBytes / (in * kPanel * static_cast<int64_t>(sizeof(float))));
  const int64_t groups = (panels + group - 1) / group;
  const int64_t chunk = chunkRows(std::min(batch, group * kPanel) * fanIn), perGroup = (out + chunk - 1) / chunk;
  auto groupRows = [&](int64_t g, int64_t o0, int64_t o1) {
    for (int64_t p = g * group; p < std::min(panels, (g + 1) * group); p++) {
      if (!rows(kPanel * p, o0, o1, p == 0)) return false;
    }
    return true;
  };
  std::atomic<bool> bad{false};
  parallelChunks(out, chunk, threads, [&](int64_t o0, int64_t o1) {
    if (!groupRows(0, o0, o1)) bad.store(true, std::memory_order_relaxed);
  });
  if (bad.load()) return false;
  // The later groups as one job of (group, row chunk) units, group-major so both threads share warm panels.
  parallelChunks((groups - 1) * perGroup, 1, threads, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; u++) {
      const int64_t o0 = (u % perGroup) * chunk;
      groupRows(1 + u / perGroup, o0, std::min(out, o0 + chunk));
    }
  });
  return true;
}

/** f64: the reference's loops and j order, each row's indices tested first. Returns whether all were in range. */
template <typename I>
static bool f64Path(bool featureMajor, int64_t batch, int64_t in, int64_t out, int64_t fanIn, int threads,
                    const double* x, const double* v, const I* idx, double* y) {
  std::atomic<bool> bad{false};
  parallelChunks(out, chunkRows(batch * fanIn), threads, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      const double* vo = v + o * fanIn;
      const I* io = idx + o * fanIn;
      if (!rowInRange(io, fanIn, in)) {
        bad.store(true, std::memory_order_relaxed);
        continue;
      }
      if (featureMajor) {
        double* row = y + o * batch;
        std::fill(row, row + batch, 0.0);
        for (int64_t j = 0; j < fanIn; j++) {
          const double w = vo[j], *src = x + static_cast<int64_t>(io[j]) * batch;
          for (int64_t b = 0; b < batch; b++) row[b] += w * src[b];
        }
      } else {
        for (int64_t b = 0; b < batch; b++) {
          double s = 0;
          for (int64_t j = 0; j < fanIn; j++) s += vo[j] * x[b * in + io[j]];
          y[b * out + o] = s;
        }
      }
    }
  });
  return !bad.load();
}

/** The first position whose index is outside [0, in) (the error path only), or −1. */
template <typename I>
static int64_t firstBadIndex(int64_t in, int64_t count, const I* idx) {
  for (int64_t k = 0; k < count; k++) {
    if (idx[k] < 0 || static_cast<int64_t>(idx[k]) >= in) return k;
  }
  return -1;
}

template <typename T, typename I>
static int64_t run(const Napi::CallbackInfo& info, bool featureMajor) {
  const char* op = featureMajor ? "fanInMatmulFeatureMajor" : "fanInMatmul";
  const int64_t batch = intArg(info, 0, op, "batch"), in = intArg(info, 1, op, "inFeatures");
  const int64_t out = intArg(info, 2, op, "outFeatures"), fanIn = intArg(info, 3, op, "fanIn");
  const T* x = arrayArg<T>(info, 5, batch * in, op, "x");
  const T* v = arrayArg<T>(info, 6, out * fanIn, op, "values");
  const I* idx = arrayArg<I>(info, 7, out * fanIn, op, "indices");
  T* y = arrayArg<T>(info, 8, batch * out, op, "y");
  if (!std::is_same<I, uint16_t>::value && in > INT32_MAX) throw fail(info.Env(), op, "inFeatures must be < 2^31 for i32 indices");
  if (batch == 0 || out == 0) return -1;
  if (in == 0 && fanIn > 0) return 0;  // no index can be in range (and indexLimit needs in ≥ 1)
  const int threads = batch * out * fanIn > kParallelMinWork ? kernelThreads() : 1;
  bool ok;
  if constexpr (std::is_same<T, float>::value) {
    ok = batch <= 2 ? gatherPath<I>(featureMajor, batch, in, out, fanIn, threads, x, v, idx, y)
                    : panelPath<I>(featureMajor, batch, in, out, fanIn, threads, x, v, idx, y);
  } else {
    ok = f64Path<I>(featureMajor, batch, in, out, fanIn, threads, x, v, idx, y);
  }
  return ok ? -1 : firstBadIndex(in, out * fanIn, idx);
}

template <bool featureMajor>
static Napi::Value Entry(const Napi::CallbackInfo& info) {
  const bool f32 = isF32(info[5]);
  const bool u16 = info[7].IsTypedArray() && info[7].As<Napi::TypedArray>().TypedArrayType() == napi_uint16_array;
  int64_t bad;
  try {
    if (f32 && u16) bad = run<float, uint16_t>(info, featureMajor);
    else if (f32) bad = run<float, int32_t>(info, featureMajor);
    else if (u16) bad = run<double, uint16_t>(info, featureMajor);
    else bad = run<double, int32_t>(info, featureMajor);
  } catch (const std::bad_alloc&) {  // the packed copy of x (batch · inFeatures floats)
    throw fail(info.Env(), featureMajor ? "fanInMatmulFeatureMajor" : "fanInMatmul", "out of memory for the packed input");
  }
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

void registerFanIn(Napi::Env env, Napi::Object exports) {
  exports.Set("fanInMatmul", Napi::Function::New(env, Entry<false>));
  exports.Set("fanInMatmulFeatureMajor", Napi::Function::New(env, Entry<true>));
}

}  // namespace tessera
