// Constant fan-in sparse matmul, as backend/cpu/fanInMatmul.ts:
//   batch-major    x [batch, in], y [batch, out]:  y[b, o] = Σ_j values[o, j] · x[b, indices[o, j]]
//   feature-major  x [in, batch], y [out, batch]:  y[o, :] = Σ_j values[o, j] · x[indices[o, j], :]
// f32 batch-major rows use AVX2 gathers (8 indices widened from u16 or read as i32, two FMA accumulators);
// feature-major rows are contiguous axpys the compiler vectorises. Outputs split over threads.
// Arguments: (batch, inFeatures, outFeatures, fanIn, indicesValidated, x, values, indices, y).
#include "common.h"
#include <immintrin.h>
#include <vector>

namespace tessera {

template <typename I> static inline __m256i load8(const I* p);
template <> inline __m256i load8<uint16_t>(const uint16_t* p) { return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
template <> inline __m256i load8<int32_t>(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <typename I>
static inline float gatherDot(const float* x, const float* v, const I* idx, int64_t fanIn) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= fanIn; j += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j), _mm256_i32gather_ps(x, load8(idx + j), 4), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j + 8), _mm256_i32gather_ps(x, load8(idx + j + 8), 4), a1);
  }
  for (; j + 8 <= fanIn; j += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j), _mm256_i32gather_ps(x, load8(idx + j), 4), a0);
  float s = hsum(_mm256_add_ps(a0, a1));
  for (; j < fanIn; j++) s += v[j] * x[idx[j]];
  return s;
}

template <typename T, typename I>
static void batchMajor(int64_t batch, int64_t in, int64_t out, int64_t fanIn, const T* x, const T* v, const I* idx, T* y) {
#pragma omp parallel for schedule(static) if (out * fanIn * batch > 65536)
  for (int64_t o = 0; o < out; o++) {
    const T* vo = v + o * fanIn;
    const I* io = idx + o * fanIn;
    for (int64_t b = 0; b < batch; b++) {
      if constexpr (std::is_same<T, float>::value) {
        y[b * out + o] = gatherDot(x + b * in, vo, io, fanIn);
      } else {
        double s = 0;
        for (int64_t j = 0; j < fanIn; j++) s += vo[j] * x[b * in + io[j]];
        y[b * out + o] = s;
      }
    }
  }
}

template <typename T, typename I>
static void featureMajor(int64_t batch, int64_t out, int64_t fanIn, const T* x, const T* v, const I* idx, T* y) {
#pragma omp parallel for schedule(static) if (out * fanIn * batch > 65536)
  for (int64_t o = 0; o < out; o++) {
    T* row = y + o * batch;
    for (int64_t b = 0; b < batch; b++) row[b] = 0;
    for (int64_t j = 0; j < fanIn; j++) {
      const T w = v[o * fanIn + j];
      const T* src = x + static_cast<int64_t>(idx[o * fanIn + j]) * batch;
      for (int64_t b = 0; b < batch; b++) row[b] += w * src[b];
    }
  }
}

template <typename T, typename I>
static void run(const Napi::CallbackInfo& info, bool featureMajorLayout) {
  const char* op = featureMajorLayout ? "fanInMatmulFeatureMajor" : "fanInMatmul";
  const int64_t batch = intArg(info, 0, op, "batch"), in = intArg(info, 1, op, "inFeatures");
  const int64_t out = intArg(info, 2, op, "outFeatures"), fanIn = intArg(info, 3, op, "fanIn");
  const bool validated = boolArg(info, 4);
  const T* x = arrayArg<T>(info, 5, batch * in, op, "x");
  const T* v = arrayArg<T>(info, 6, out * fanIn, op, "values");
  const I* idx = arrayArg<I>(info, 7, out * fanIn, op, "indices");
  T* y = arrayArg<T>(info, 8, batch * out, op, "y");
  if (!validated) {
    for (int64_t k = 0; k < out * fanIn; k++) {
      if (idx[k] < 0 || static_cast<int64_t>(idx[k]) >= in) {
        throw fail(info.Env(), op, "index " + std::to_string(idx[k]) + " at position " + std::to_string(k) + " is outside [0, " + std::to_string(in) + ")");
      }
    }
  }
  if (featureMajorLayout) featureMajor<T, I>(batch, out, fanIn, x, v, idx, y);
  else batchMajor<T, I>(batch, in, out, fanIn, x, v, idx, y);
}

template <bool featureMajorLayout>
static Napi::Value Entry(const Napi::CallbackInfo& info) {
  const bool f32 = isF32(info[5]);
  const bool u16 = info[7].IsTypedArray() && info[7].As<Napi::TypedArray>().TypedArrayType() == napi_uint16_array;
  if (f32 && u16) run<float, uint16_t>(info, featureMajorLayout);
  else if (f32) run<float, int32_t>(info, featureMajorLayout);
  else if (u16) run<double, uint16_t>(info, featureMajorLayout);
  else run<double, int32_t>(info, featureMajorLayout);
  return info.Env().Undefined();
}

void registerFanIn(Napi::Env env, Napi::Object exports) {
  exports.Set("fanInMatmul", Napi::Function::New(env, Entry<false>));
  exports.Set("fanInMatmulFeatureMajor", Napi::Function::New(env, Entry<true>));
}

}  // namespace tessera
