// Row iteration over an output shape with per-operand broadcast strides (0 along broadcast dims):
// calls row(offsets of each operand, length of the last dim, stride of each operand in it) for every row,
// the same walk as the cpu reference's forEachRow (backend/cpu/strided.ts).
#pragma once
#include <cstdint>
#include <vector>

namespace tessera {

/** Strides of `shape` read as if broadcast to `out` (right-aligned; 0 on size-1 or missing dims). */
inline std::vector<int64_t> broadcastStrides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out) {
  std::vector<int64_t> s(out.size(), 0);
  int64_t stride = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1, j = static_cast<int64_t>(out.size()) - 1; i >= 0; i--, j--) {
    s[j] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return s;
}

inline int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/** For rows r in [r0, r1) of `shape` (all dims but the last), the operands' offsets at the row start. */
template <size_t N, typename Row>
void forRows(const std::vector<int64_t>& shape, const std::vector<int64_t> (&strides)[N], int64_t r0, int64_t r1, Row row) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t len = rank ? shape[rank - 1] : 1;
  int64_t inner[N];
  for (size_t k = 0; k < N; k++) inner[k] = rank ? strides[k][rank - 1] : 0;
  std::vector<int64_t> idx(rank > 1 ? rank - 1 : 0, 0);
  int64_t off[N] = {};
  // Position the counters at row r0.
  int64_t rest = r0;
  for (int64_t d = rank - 2; d >= 0; d--) {
    idx[d] = rest % shape[d];
    rest /= shape[d];
  }
  for (size_t k = 0; k < N; k++) {
    off[k] = 0;
    for (int64_t d = 0; d + 1 < rank; d++) off[k] += idx[d] * strides[k][d];
  }
  for (int64_t r = r0; r < r1; r++) {
    row(off, len, inner);
    for (int64_t d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (size_t k = 0; k < N; k++) off[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; k++) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace tessera
