// Float64 dense linear algebra over LAPACK/BLAS for row-major matrices (core/linalg.ts is the reference):
//   cholesky(A, n, L) → info:    L lower with A = L Lᵀ (dpotrf on the row-major buffer read as column-major
//                                 Aᵀ = A with uplo 'U': its U is our L). info > 0: the leading minor of that
//                                 order is not positive definite (L is then garbage).
//   solveTriangular(L, X, n, m, transpose): X [n, m] overwritten by L⁻¹X or L⁻ᵀX (dtrsm).
//   eighSym(A, n, values, vectors) → info: eigenvalues ascending, row k of vectors = unit eigenvector k
//                                 (dsyevd's column-major columns read row-major).
#include "common.h"
#include <cblas.h>
#include <cstring>
#include <vector>

extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace tessera {

static int checkedN(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int64_t n = intArg(info, i, op, "n");
  if (n > 46340) throw fail(info.Env(), op, "n above 46340 overflows LAPACK's 32-bit sizes");
  return static_cast<int>(n);
}

static Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  const char* op = "cholesky";
  const int n = checkedN(info, 1, op);
  const double* a = arrayArg<double>(info, 0, static_cast<size_t>(n) * n, op, "A");
  double* l = arrayArg<double>(info, 2, static_cast<size_t>(n) * n, op, "L");
  if (l != a) std::memcpy(l, a, sizeof(double) * n * n);
  int result = 0;
  const int lda = std::max(n, 1);
  if (n > 0) dpotrf_("U", &n, l, &lda, &result);
  if (result == 0) {
    for (int64_t i = 0; i < n; i++) std::memset(l + i * n + i + 1, 0, sizeof(double) * (n - i - 1));
  }
  return Napi::Number::New(info.Env(), result);
}

static Napi::Value SolveTriangular(const Napi::CallbackInfo& info) {
  const char* op = "solveTriangular";
  const int n = checkedN(info, 2, op);
  const int64_t m = intArg(info, 3, op, "m");
  const double* l = arrayArg<double>(info, 0, static_cast<size_t>(n) * n, op, "L");
  double* x = arrayArg<double>(info, 1, static_cast<size_t>(n) * m, op, "X");
  const bool transpose = boolArg(info, 4);
  if (n > 0 && m > 0) {
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit, n, static_cast<int>(m), 1.0, l, n, x,
                static_cast<int>(m));
  }
  return info.Env().Undefined();
}

static Napi::Value EighSym(const Napi::CallbackInfo& info) {
  const char* op = "eighSym";
  const int n = checkedN(info, 1, op);
  const double* a = arrayArg<double>(info, 0, static_cast<size_t>(n) * n, op, "A");
  double* w = arrayArg<double>(info, 2, n, op, "values");
  double* v = arrayArg<double>(info, 3, static_cast<size_t>(n) * n, op, "vectors");
  if (n == 0) return Napi::Number::New(info.Env(), 0);
  std::memcpy(v, a, sizeof(double) * n * n);
  int result = 0, lwork = -1, liwork = -1, iworkQuery = 0;
  double workQuery = 0;
  dsyevd_("V", "L", &n, v, &n, w, &workQuery, &lwork, &iworkQuery, &liwork, &result);
  if (result != 0) return Napi::Number::New(info.Env(), result);
  lwork = static_cast<int>(workQuery);
  liwork = iworkQuery;
  std::vector<double> work(std::max(lwork, 1));
  std::vector<int> iwork(std::max(liwork, 1));
  dsyevd_("V", "L", &n, v, &n, w, work.data(), &lwork, iwork.data(), &liwork, &result);
  return Napi::Number::New(info.Env(), result);
}

void registerLinalg(Napi::Env env, Napi::Object exports) {
  exports.Set("cholesky", Napi::Function::New(env, Cholesky));
  exports.Set("solveTriangular", Napi::Function::New(env, SolveTriangular));
  exports.Set("eighSym", Napi::Function::New(env, EighSym));
}

}  // namespace tessera
