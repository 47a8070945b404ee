// Causal attention of a few queries over a key/value cache, f32, as backend/cpu/cachedAttention.ts (the
// specification): q [queries, heads·d], keys and values [keys, kvHeads·d] row-major, out [queries, heads·d];
// query i at position start + i sees keys j ≤ start + i; query head h reads KV head ⌊h / (heads/kvHeads)⌋.
// Arguments: (queries, keys, heads, kvHeads, headDim, scale, start, q, keys, values, out).
//
// Split-K over positions (flash-decoding): the visible positions are cut into chunks on the pool's threads;
// a chunk walks its key rows contiguously (every head's dot product from one row), keeps per head its
// running maximum m, the sum l of exp(score − m) and acc = Σ exp(score − m)·value (values read contiguously
// too), rescaling when the maximum grows. The chunks are merged in order: M = max m_c,
// out = Σ_c e^{m_c − M}·acc_c / Σ_c e^{m_c − M}·l_c. Each cache byte is read once per query.
// Precision: dot products in f32 over 8 lanes (FMA), softmax weights and the merge in float64; results
// within a few f32 ulps of the float64 reference times the values' scale.
#include "common.h"
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <vector>

namespace tessera {

static constexpr int64_t kRowsPerChunk = 256;  // positions per chunk (4 MiB of 16 KiB rows per chunk at 1.2B)

static inline float dot(const float* a, const float* b, int64_t d) {
  __m256 s = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= d; c += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), _mm256_loadu_ps(b + c), s);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  float total = _mm_cvtss_f32(h);
  for (; c < d; c++) total += a[c] * b[c];
  return total;
}

struct ChunkState {
  std::vector<double> max, sum;  // [heads]
  std::vector<double> acc;       // [heads·d]
};

static void attendChunk(const float* q, const float* keys, const float* values, int64_t heads, int64_t kvHeads, int64_t d, double scale,
                        int64_t s0, int64_t s1, ChunkState& st) {
  const int64_t kw = kvHeads * d, group = heads / kvHeads;
  st.max.assign(heads, -INFINITY);
  st.sum.assign(heads, 0.0);
  st.acc.assign(heads * d, 0.0);
  std::vector<double> w(heads);
  for (int64_t s = s0; s < s1; s++) {
    const float* k = keys + s * kw;
    const float* v = values + s * kw;
    for (int64_t h = 0; h < heads; h++) {
      const double score = scale * dot(q + h * d, k + (h / group) * d, d);
      if (score > st.max[h]) {
        const double rescale = std::exp(st.max[h] - score);  // 0 for the first position
        st.sum[h] *= rescale;
        for (int64_t c = 0; c < d; c++) st.acc[h * d + c] *= rescale;
        st.max[h] = score;
      }
      w[h] = std::exp(score - st.max[h]);
      st.sum[h] += w[h];
    }
    for (int64_t h = 0; h < heads; h++) {
      const float* vh = v + (h / group) * d;
      double* a = st.acc.data() + h * d;
      for (int64_t c = 0; c < d; c++) a[c] += w[h] * vh[c];
    }
  }
}

static Napi::Value CachedAttention(const Napi::CallbackInfo& info) {
  const char* op = "cachedAttention";
  const int64_t queries = intArg(info, 0, op, "queries"), nk = intArg(info, 1, op, "keys"), heads = intArg(info, 2, op, "heads");
  const int64_t kvHeads = intArg(info, 3, op, "kvHeads"), d = intArg(info, 4, op, "headDim");
  const double scale = numberArg(info, 5, op, "scale");
  const int64_t start = intArg(info, 6, op, "start");
  if (kvHeads == 0 || heads % kvHeads != 0) throw fail(info.Env(), op, "kvHeads must divide heads");
  const float* q = arrayArg<float>(info, 7, static_cast<size_t>(queries * heads * d), op, "q");
  const float* keys = arrayArg<float>(info, 8, static_cast<size_t>(nk * kvHeads * d), op, "keys");
  const float* values = arrayArg<float>(info, 9, static_cast<size_t>(nk * kvHeads * d), op, "values");
  float* out = arrayArg<float>(info, 10, static_cast<size_t>(queries * heads * d), op, "out");
  for (int64_t i = 0; i < queries; i++) {
    const int64_t visible = std::min(nk, start + i + 1);
    const int64_t chunks = (visible + kRowsPerChunk - 1) / kRowsPerChunk;
    std::vector<ChunkState> states(chunks);
    const float* qi = q + i * heads * d;
    parallelChunks(chunks, 1, kernelThreads(), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++) {
        attendChunk(qi, keys, values, heads, kvHeads, d, scale, c * kRowsPerChunk, std::min(visible, (c + 1) * kRowsPerChunk), states[c]);
      }
    });
    for (int64_t h = 0; h < heads; h++) {
      double M = -INFINITY;
      for (const auto& st : states) M = std::max(M, st.max[h]);
      double total = 0;
      std::vector<double> acc(d, 0.0);
      for (const auto& st : states) {
        const double f = std::exp(st.max[h] - M);
        total += f * st.sum[h];
        for (int64_t c = 0; c < d; c++) acc[c] += f * st.acc[h * d + c];
      }
      for (int64_t c = 0; c < d; c++) out[(i * heads + h) * d + c] = static_cast<float>(acc[c] / total);
    }
  }
  return info.Env().Undefined();
}

void registerAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("cachedAttention", Napi::Function::New(env, CachedAttention));
}

}  // namespace tessera
