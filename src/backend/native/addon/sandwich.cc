// positionSandwich: out[b] = w·A_i (M[b] + alpha·M2[b]) B_jᵀ + c for [P, P] matrices, block b = i·n2 + j (self: n2 = 1
// and j = i), as backend/cpu/positions.ts (the specification) — the linear-scaling attention kernel map.
// Arguments: (params Int32Array[4] = n1, n2, P, self, w, c, alpha, A, B, M, M2|null, out).
//
// Pairs split over the worker pool. Each pair is two small products C = X·Y in register tiles (up to 4 rows × 3
// vectors of 4 columns, FMA over k): columns are padded with zeros to Pc = 4·⌈P/4⌉ in per-thread scratch, and
// every Bᵀ_j is transposed once per call, so both products read rows of Y contiguously. The sums run in k order
// per entry with FMA, so they differ from the reference's by rounding only; a block's result depends only on its
// inputs (never on where it sits), so a self block and the pair block of the same input agree to the bit.
#include "common.h"
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <vector>

namespace tessera {

/** C[r, 4v0 …] = Σ_k X[r, k]·Y[k, 4v0 …] for R rows and V column vectors (Y and C rows are ld apart). */
template <int R, int V>
static inline void tile(const double* X, int64_t ldx, const double* Y, int64_t ld, double* C, int64_t K) {
  __m256d acc[R][V];
  for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_pd();
  for (int64_t k = 0; k < K; k++) {
    __m256d y[V];
    for (int v = 0; v < V; v++) y[v] = _mm256_loadu_pd(Y + k * ld + 4 * v);
    for (int r = 0; r < R; r++) {
      const __m256d x = _mm256_broadcast_sd(X + r * ldx + k);
      for (int v = 0; v < V; v++) acc[r][v] = _mm256_fmadd_pd(x, y[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) _mm256_storeu_pd(C + r * ld + 4 * v, acc[r][v]);
}

template <int R>
static inline void tileRows(const double* X, int64_t ldx, const double* Y, int64_t ld, double* C, int64_t K, int64_t vectors) {
  int64_t v = 0;
  for (; v + 3 <= vectors; v += 3) tile<R, 3>(X, ldx, Y + 4 * v, ld, C + 4 * v, K);
  if (vectors - v == 2) tile<R, 2>(X, ldx, Y + 4 * v, ld, C + 4 * v, K);
  else if (vectors - v == 1) tile<R, 1>(X, ldx, Y + 4 * v, ld, C + 4 * v, K);
}

/** C [P, Pc] = X [P, P] (rows ldx apart) · Y [P, Pc]; Y's padding columns carry into C's. */
static void product(const double* X, int64_t ldx, const double* Y, double* C, int64_t P, int64_t Pc) {
  const int64_t vectors = Pc / 4;
  int64_t r = 0;
  for (; r + 4 <= P; r += 4) tileRows<4>(X + r * ldx, ldx, Y, Pc, C + r * Pc, P, vectors);
  switch (P - r) {
    case 3: tileRows<3>(X + r * ldx, ldx, Y, Pc, C + r * Pc, P, vectors); break;
    case 2: tileRows<2>(X + r * ldx, ldx, Y, Pc, C + r * Pc, P, vectors); break;
    case 1: tileRows<1>(X + r * ldx, ldx, Y, Pc, C + r * Pc, P, vectors); break;
    default: break;
  }
}

static Napi::Value PositionSandwich(const Napi::CallbackInfo& info) {
  const char* op = "positionSandwich";
  const int32_t* p = arrayArg<int32_t>(info, 0, 4, op, "params");
  const int64_t n1 = p[0], n2 = p[1], P = p[2];
  const bool self = p[3] != 0;
  if (n1 < 0 || n2 < 0 || P < 1 || (self && n2 != 1)) throw fail(info.Env(), op, "bad sizes");
  const double w = numberArg(info, 1, op, "w"), c = numberArg(info, 2, op, "c"), alpha = numberArg(info, 3, op, "alpha");
  const int64_t PP = P * P, nB = self ? n1 : n2;
  const double* A = arrayArg<double>(info, 4, static_cast<size_t>(n1 * PP), op, "A");
  const double* B = arrayArg<double>(info, 5, static_cast<size_t>(nB * PP), op, "B");
  const double* M = arrayArg<double>(info, 6, static_cast<size_t>(n1 * n2 * PP), op, "M");
  const double* M2 = optionalArrayArg<double>(info, 7, static_cast<size_t>(n1 * n2 * PP), op, "M2");
  double* out = arrayArg<double>(info, 8, static_cast<size_t>(n1 * n2 * PP), op, "out");
  const int64_t Pc = (P + 3) / 4 * 4;
  // Bt[j] [P, Pc]: Bt[j][k, q] = B_j[q, k], zero for q ≥ P
  std::vector<double> Bt(nB * P * Pc, 0.0);
  parallelChunks(nB, 16, kernelThreads(), [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) for (int64_t q = 0; q < P; q++) for (int64_t k = 0; k < P; k++) Bt[(j * P + k) * Pc + q] = B[j * PP + q * P + k];
  });
  parallelChunks(n1 * n2, 8, kernelThreads(), [&](int64_t b0, int64_t b1) {
    std::vector<double> m(P * Pc, 0.0), tmp(P * Pc), C(P * Pc);
    for (int64_t b = b0; b < b1; b++) {
      const int64_t i = b / n2, j = self ? i : b % n2;
      const double* Mb = M + b * PP;
      const double* M2b = M2 ? M2 + b * PP : nullptr;
      for (int64_t r = 0; r < P; r++) {
        for (int64_t q = 0; q < P; q++) m[r * Pc + q] = M2b ? Mb[r * P + q] + alpha * M2b[r * P + q] : Mb[r * P + q];
      }
      product(A + i * PP, P, m.data(), tmp.data(), P, Pc);
      product(tmp.data(), Pc, Bt.data() + j * P * Pc, C.data(), P, Pc);
      double* o = out + b * PP;
      for (int64_t r = 0; r < P; r++) for (int64_t q = 0; q < P; q++) o[r * P + q] = w * C[r * Pc + q] + c;
    }
  });
  return info.Env().Undefined();
}

void registerSandwich(Napi::Env env, Napi::Object exports) { exports.Set("positionSandwich", Napi::Function::New(env, PositionSandwich)); }

}  // namespace tessera
