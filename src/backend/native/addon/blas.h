// Row-major GEMM over OpenBLAS for float and double: C[m,n] = alpha·op(A)·op(B) + beta·C.
#pragma once
#include <cblas.h>
#include <algorithm>

namespace tessera {

inline void gemmRowMajor(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
                         const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
              std::max(lda, 1), b, std::max(ldb, 1), beta, c, std::max(ldc, 1));
}

inline void gemmRowMajor(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
                         const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
              std::max(lda, 1), b, std::max(ldb, 1), beta, c, std::max(ldc, 1));
}

}  // namespace tessera
