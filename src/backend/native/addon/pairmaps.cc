// pairMap: the closed-form elementwise kernel maps abRelu(a, b) and erf(a, b, c) of backend/cpu/pairMaps.ts (the
// specification, with the formulas), over kernel blocks laid out as kernels.ts PairMapParams says.
// Arguments: (kind 0 = abRelu, 1 = erf, a, b, c, params Int32Array[5] = n1, n2, P, self, diagonal,
//             nngp, ntk|null, var1, var2, outNngp, outNtk|null).
//
// Entries run four at a time in AVX2 (a row's K22 and K12 are contiguous), rows split over the worker pool; a
// row's tail is padded to four lanes and takes the same code, so an entry's value never depends on where it sits.
// The formulas are the reference's operation by operation (fp-contract off: a·b − c·d must round like it, since at
// K12 = K11 = K22 the square root of the determinant must come out exactly 0); only atan2 differs:
//   atan2(y, x): with s = min(|y|, |x|), g = max(|y|, |x|), t = s/g ∈ [0, 1], an anchor τ ∈ {0, tan(π/8), 1}
//   picked by t against tan(π/16) and tan(3π/16) gives u = (s − τg)/(g + τs) = tan(atan t − atan τ), |u| ≲ 0.199,
//   and atan u = u − u³/3 + u⁵/5 − … to u²³ (truncation < 1e-18·|u|; Horner in explicit FMAs); then atan t = atan τ + atan u, reflected to
//   π/2 − · when |y| > |x|, to π − · when x < 0 (its sign bit), and given y's sign. Error: a few ulps of the angle
//   (< 1e-15 relative), against Math.atan2's one.
// Before the includes: GCC does not inline a function into one compiled with other optimize options.
#pragma GCC optimize("fp-contract=off")
#include "common.h"
#include "workers.h"
#include "positionblocks.h"
#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <vector>


namespace tessera {

namespace {

const double kTan1 = std::tan(M_PI / 16), kTan3 = std::tan(3 * M_PI / 16), kTan2 = std::tan(M_PI / 8);

inline __m256d atan2v(__m256d y, __m256d x) {
  const __m256d sign = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
  const __m256d ay = _mm256_andnot_pd(sign, y), ax = _mm256_andnot_pd(sign, x);
  const __m256d big = _mm256_max_pd(ay, ax), small = _mm256_min_pd(ay, ax);
  const __m256d mid = _mm256_cmp_pd(small, _mm256_mul_pd(big, _mm256_set1_pd(kTan1)), _CMP_GT_OQ);
  const __m256d high = _mm256_cmp_pd(small, _mm256_mul_pd(big, _mm256_set1_pd(kTan3)), _CMP_GT_OQ);
  const __m256d tau = _mm256_blendv_pd(_mm256_and_pd(mid, _mm256_set1_pd(kTan2)), _mm256_set1_pd(1.0), high);
  const __m256d angle = _mm256_blendv_pd(_mm256_and_pd(mid, _mm256_set1_pd(M_PI / 8)), _mm256_set1_pd(M_PI / 4), high);
  const __m256d den = _mm256_add_pd(big, _mm256_mul_pd(tau, small));
  __m256d u = _mm256_div_pd(_mm256_sub_pd(small, _mm256_mul_pd(tau, big)), den);
  u = _mm256_andnot_pd(_mm256_cmp_pd(den, zero, _CMP_EQ_OQ), u);  // atan2(±0, ±0): angle 0 before the reflections
  const __m256d z = _mm256_mul_pd(u, u);
  // (−1)ᵏ/(2k + 1) for k = 11 … 1
  constexpr double c[11] = {-1.0 / 3, 1.0 / 5, -1.0 / 7, 1.0 / 9, -1.0 / 11, 1.0 / 13, -1.0 / 15, 1.0 / 17, -1.0 / 19, 1.0 / 21, -1.0 / 23};
  __m256d poly = _mm256_set1_pd(c[10]);
  for (int k = 9; k >= 0; k--) poly = _mm256_fmadd_pd(poly, z, _mm256_set1_pd(c[k]));  // explicit FMA: only here
  __m256d a = _mm256_add_pd(angle, _mm256_fmadd_pd(_mm256_mul_pd(u, z), poly, u));
  a = _mm256_blendv_pd(a, _mm256_sub_pd(_mm256_set1_pd(M_PI / 2), a), _mm256_cmp_pd(ay, ax, _CMP_GT_OQ));
  a = _mm256_blendv_pd(a, _mm256_sub_pd(_mm256_set1_pd(M_PI), a), x);  // x's sign bit (−0 too, as Math.atan2)
  a = _mm256_or_pd(a, _mm256_and_pd(sign, y));
  return _mm256_blendv_pd(a, _mm256_set1_pd(NAN), _mm256_cmp_pd(x, y, _CMP_UNORD_Q));
}

/** v when v > limit or NaN, else +0 (limit 0: Math.max(v, 0)). */
inline __m256d keepAbove(__m256d v, __m256d limit) {
  const __m256d keep = _mm256_or_pd(_mm256_cmp_pd(v, limit, _CMP_GT_OQ), _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
  return _mm256_and_pd(keep, v);
}

/** Math.max(v, 0): v when v > 0 or NaN, else +0. */
inline __m256d maxZero(__m256d v) {
  const __m256d keep = _mm256_or_pd(_mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_GT_OQ), _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
  return _mm256_and_pd(keep, v);
}

struct AbRelu {
  double mixed, even;
  void operator()(__m256d k11, __m256d k22, __m256d k12, __m256d& kNew, __m256d& kDot) const {
    const __m256d mixedV = _mm256_set1_pd(mixed), evenV = _mm256_set1_pd(even);
    // det ≤ COINCIDENT·K11K22 (4·2⁻⁵², pairMaps.ts) is rounding noise of a coincident pair: s = 0
    const __m256d prod = _mm256_mul_pd(k11, k22);
    const __m256d s = _mm256_sqrt_pd(keepAbove(_mm256_sub_pd(prod, _mm256_mul_pd(k12, k12)), _mm256_mul_pd(_mm256_set1_pd(4.0 / 4503599627370496.0), prod)));
    const __m256d theta = atan2v(s, k12);
    kDot = _mm256_sub_pd(evenV, _mm256_mul_pd(mixedV, theta));
    kNew = _mm256_add_pd(_mm256_mul_pd(mixedV, s), _mm256_mul_pd(kDot, k12));
  }
};

struct Erf {
  double b2, scaleNew, offset, scaleDot;
  void operator()(__m256d k11, __m256d k22, __m256d k12, __m256d& kNew, __m256d& kDot) const {
    const __m256d b2v = _mm256_set1_pd(b2), one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0);
    const __m256d x11 = _mm256_mul_pd(b2v, k11), x22 = _mm256_mul_pd(b2v, k22), x12 = _mm256_mul_pd(b2v, k12);
    const __m256d det = _mm256_sub_pd(_mm256_mul_pd(_mm256_add_pd(one, _mm256_mul_pd(two, x11)), _mm256_add_pd(one, _mm256_mul_pd(two, x22))),
                                      _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(4.0), x12), x12));
    const __m256d root = _mm256_sqrt_pd(maxZero(det));
    kNew = _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(scaleNew), atan2v(_mm256_mul_pd(two, x12), root)), _mm256_set1_pd(offset));
    kDot = _mm256_div_pd(_mm256_set1_pd(scaleDot), root);
  }
};

/**
 * One row of len entries: K11 = k11[e] (k11Step 1) or k11[0] (step 0), K22 = k22[e], K12 = k12[e];
 * outNngp[e] = K_new, outNtk[e] = K̇·ntk[e] when ntk is given.
 */
template <typename Map>
void mapRow(const Map& map, const double* k11, int64_t k11Step, const double* k22, const double* k12, const double* ntk, double* outNngp, double* outNtk, int64_t len) {
  __m256d kNew, kDot;
  int64_t e = 0;
  // three vectors per iteration (three independent sqrt → atan2 chains side by side; the same operations per lane,
  // so the same bits). Measured on the loaded 2-core VM: no faster than one vector (the sqrt and division bound it)
  for (; e + 12 <= len; e += 12) {
    __m256d kNew1, kDot1, kNew2, kDot2;
    const __m256d a0 = k11Step ? _mm256_loadu_pd(k11 + e) : _mm256_set1_pd(k11[0]);
    const __m256d a1 = k11Step ? _mm256_loadu_pd(k11 + e + 4) : a0;
    const __m256d a2 = k11Step ? _mm256_loadu_pd(k11 + e + 8) : a0;
    map(a0, _mm256_loadu_pd(k22 + e), _mm256_loadu_pd(k12 + e), kNew, kDot);
    map(a1, _mm256_loadu_pd(k22 + e + 4), _mm256_loadu_pd(k12 + e + 4), kNew1, kDot1);
    map(a2, _mm256_loadu_pd(k22 + e + 8), _mm256_loadu_pd(k12 + e + 8), kNew2, kDot2);
    _mm256_storeu_pd(outNngp + e, kNew);
    _mm256_storeu_pd(outNngp + e + 4, kNew1);
    _mm256_storeu_pd(outNngp + e + 8, kNew2);
    if (ntk) {
      _mm256_storeu_pd(outNtk + e, _mm256_mul_pd(kDot, _mm256_loadu_pd(ntk + e)));
      _mm256_storeu_pd(outNtk + e + 4, _mm256_mul_pd(kDot1, _mm256_loadu_pd(ntk + e + 4)));
      _mm256_storeu_pd(outNtk + e + 8, _mm256_mul_pd(kDot2, _mm256_loadu_pd(ntk + e + 8)));
    }
  }
  for (; e + 4 <= len; e += 4) {
    const __m256d a = k11Step ? _mm256_loadu_pd(k11 + e) : _mm256_set1_pd(k11[0]);
    map(a, _mm256_loadu_pd(k22 + e), _mm256_loadu_pd(k12 + e), kNew, kDot);
    _mm256_storeu_pd(outNngp + e, kNew);
    if (ntk) _mm256_storeu_pd(outNtk + e, _mm256_mul_pd(kDot, _mm256_loadu_pd(ntk + e)));
  }
  if (e == len) return;
  alignas(32) double a[4] = {1, 1, 1, 1}, b[4] = {1, 1, 1, 1}, c[4] = {0, 0, 0, 0}, t[4] = {0, 0, 0, 0}, rNew[4], rDot[4];
  for (int64_t l = 0; e + l < len; l++) {
    a[l] = k11[k11Step * (e + l)], b[l] = k22[e + l], c[l] = k12[e + l];
    if (ntk) t[l] = ntk[e + l];
  }
  map(_mm256_load_pd(a), _mm256_load_pd(b), _mm256_load_pd(c), kNew, kDot);
  _mm256_store_pd(rNew, kNew);
  _mm256_store_pd(rDot, _mm256_mul_pd(kDot, _mm256_load_pd(t)));
  for (int64_t l = 0; e + l < len; l++) {
    outNngp[e + l] = rNew[l];
    if (ntk) outNtk[e + l] = rDot[l];
  }
}

template <typename Map>
void mapBlocks(const Map& map, int64_t n1, int64_t n2, int64_t P, bool self, bool diagonal, const double* nngp, const double* ntk,
               const double* var1, const double* var2, double* outNngp, double* outNtk) {
  const int64_t blocks = n1 * n2;
  if (diagonal || (P == 1 && !self)) {
    // a row per block of P entries (diagonal), or per row i of a [n1, n2] vector kernel (P = 1: K22 = var2[j])
    const bool vectors = !diagonal;
    const int64_t rows = vectors ? n1 : blocks, len = vectors ? n2 : P;
    parallelChunks(rows, 16, kernelThreads(), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t i = vectors ? r : r / n2, j = vectors ? 0 : (self ? i : r % n2), at = r * len;
        mapRow(map, var1 + i * (vectors ? 1 : P), vectors ? 0 : 1, var2 + j * P, nngp + at, ntk ? ntk + at : nullptr, outNngp + at, ntk ? outNtk + at : nullptr, len);
      }
    });
    return;
  }
  // full [P, P] blocks: a row per (block, p), K11 = var1[i, p] for the whole row
  parallelChunks(blocks, std::max<int64_t>(1, 256 / P), kernelThreads(), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const int64_t i = b / n2, j = self ? i : b % n2;
      for (int64_t p = 0; p < P; p++) {
        const int64_t at = (b * P + p) * P;
        mapRow(map, var1 + i * P + p, 0, var2 + j * P, nngp + at, ntk ? ntk + at : nullptr, outNngp + at, ntk ? outNtk + at : nullptr, P);
      }
    }
  });
}

/** The map's constants, as the formulas use them. */
AbRelu abReluOf(double a, double b) { return AbRelu{(a - b) * (a - b) / (2 * M_PI), (a * a + b * b) / 2}; }
Erf erfOf(double a, double b, double c) { return Erf{b * b, a * a * (2 / M_PI), c * c, a * a * (b * b) * (4 / M_PI)}; }

template <typename Map>
void mapFullBlock(const Map& map, int64_t P, const double* var1, const double* var2, const double* nngp, const double* ntk, double* outNngp, double* outNtk) {
  for (int64_t p = 0; p < P; p++) {
    const int64_t at = p * P;
    mapRow(map, var1 + p, 0, var2, nngp + at, ntk ? ntk + at : nullptr, outNngp + at, ntk ? outNtk + at : nullptr, P);
  }
}

}  // namespace

void pairMapBlock(const PairMapSpec& m, int64_t P, const double* var1, const double* var2, const double* nngp, const double* ntk, double* outNngp, double* outNtk) {
  if (m.kind == 0) mapFullBlock(abReluOf(m.a, m.b), P, var1, var2, nngp, ntk, outNngp, outNtk);
  else mapFullBlock(erfOf(m.a, m.b, m.c), P, var1, var2, nngp, ntk, outNngp, outNtk);
}

static Napi::Value PairMap(const Napi::CallbackInfo& info) {
  const char* op = "pairMap";
  const int64_t kind = intArg(info, 0, op, "kind");
  const double a = numberArg(info, 1, op, "a"), b = numberArg(info, 2, op, "b"), c = numberArg(info, 3, op, "c");
  const int32_t* p = arrayArg<int32_t>(info, 4, 5, op, "params");
  const int64_t n1 = p[0], n2 = p[1], P = p[2];
  const bool self = p[3] != 0, diagonal = p[4] != 0;
  if (n1 < 0 || n2 < 0 || P < 1 || (self && n2 != 1) || kind > 1) throw fail(info.Env(), op, "bad sizes or kind");
  const int64_t entries = n1 * n2 * (diagonal ? P : P * P);
  const double* nngp = arrayArg<double>(info, 5, static_cast<size_t>(entries), op, "nngp");
  const double* ntk = optionalArrayArg<double>(info, 6, static_cast<size_t>(entries), op, "ntk");
  const double* var1 = arrayArg<double>(info, 7, static_cast<size_t>(n1 * P), op, "var1");
  const double* var2 = arrayArg<double>(info, 8, static_cast<size_t>((self ? n1 : n2) * P), op, "var2");
  double* outNngp = arrayArg<double>(info, 9, static_cast<size_t>(entries), op, "outNngp");
  double* outNtk = ntk ? arrayArg<double>(info, 10, static_cast<size_t>(entries), op, "outNtk") : nullptr;
  if (kind == 0) {
    mapBlocks(abReluOf(a, b), n1, n2, P, self, diagonal, nngp, ntk, var1, var2, outNngp, outNtk);
  } else {
    mapBlocks(erfOf(a, b, c), n1, n2, P, self, diagonal, nngp, ntk, var1, var2, outNngp, outNtk);
  }
  return info.Env().Undefined();
}

void registerPairMaps(Napi::Env env, Napi::Object exports) { exports.Set("pairMap", Napi::Function::New(env, PairMap)); }

}  // namespace tessera
