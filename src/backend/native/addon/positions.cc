// The infinite-width image kernels on [P, P] position-covariance blocks, float64, as backend/cpu/positions.ts
// (the specification; kernels.ts says what each computes). Blocks are independent, so every kernel splits
// the blocks over the worker pool (workers.h).
//   positionGram(params Int32Array[5] = n1, n2, C, P, self, x1, x2, out)
//       per pair, out[p, q] = Σ_c x1[c, p]·x2[c, q] summed in c order, then / C: the reference's numbers exactly
//       (vectorised over q; fp-contract off, see below), so a self block is exactly symmetric.
//   positionConv(params Int32Array[11] = blocks, h, w, kh, kw, stride, padH, padW, outH, outW, circular,
//                scale, shift, src, add|null, out)
//       separable: the taps (dh, dw) factor into a row part and a column part (a tap is valid iff its row index
//       and its column index are, or both are wrapped), so per block a pass over dw gives
//       T[(h1, w1′), (h2, w2′)] = Σ_dw src[(h1, c_dw(w1′)), (h2, c_dw(w2′))] and a pass over dh sums T's rows
//       r_dh(h1′), r_dh(h2′): kh + kw adds per entry instead of kh·kw. Each output is summed in a register from
//       unaligned four-lane loads (stride 1: masked loads of src for 'same' / 'valid', rows extended by the wrap
//       for 'circular', see convBlock) and stored once: read-modify-write of overlapping vectors stalls store
//       forwarding. The sum is associated by rows of taps, so it differs from the reference's tap order by
//       rounding only. 36×36 blocks, 3×3 'same', 1 thread, in cache: 1.8 µs per block (the first version, short
//       read-modify-write runs: 4.8 µs).
//   positionPool(params Int32Array[8] = blocks, h, w, window, stride, pad, outH, outW, scale, src, out)
//       per block R[o1, :] = Σ_{a ∈ win(o1)} src[a, :], then out[o1, o2] = Σ_{c ∈ win(o2)} R[o1, c]·norm·scale.
//   positionReduce(blocks, P, diagonalOnly, src, out)   four-lane partial sums (a reassociated sum).
// Contraction of a·b + c into one FMA is off in this file: an entry then rounds the same in the vector body
// and in a scalar tail, wherever its block sits, so a self block and the pair block of the same input give
// the same bits (the ReLU derivative kernel's square root at K12 = K11 = K22 is sensitive to one rounding).
// Before the includes: GCC does not inline a function into one compiled with other optimize options.
#pragma GCC optimize("fp-contract=off")
#include "common.h"
#include "workers.h"
#include "positionblocks.h"
#include <immintrin.h>
#include <algorithm>
#include <vector>


namespace tessera {

/** An input index along one axis: wrapped (circular) or −1 outside [0, n). */
static inline int64_t axisIndex(int64_t i, int64_t n, bool circular) {
  if (circular) return ((i % n) + n) % n;
  return i >= 0 && i < n ? i : -1;
}

/** dst[0, len) += src[0, len). */
static inline void addRun(double* __restrict dst, const double* __restrict src, int64_t len) {
  int64_t k = 0;
  for (; k + 4 <= len; k += 4) _mm256_storeu_pd(dst + k, _mm256_add_pd(_mm256_loadu_pd(dst + k), _mm256_loadu_pd(src + k)));
  for (; k < len; k++) dst[k] += src[k];
}

void gramBlock(const double* a, const double* y, int64_t C, int64_t P, double* o) {
  const double channels = static_cast<double>(C);
  for (int64_t r = 0; r < P; r++) {
    int64_t q = 0;
    for (; q + 4 <= P; q += 4) {
      __m256d s = _mm256_setzero_pd();
      for (int64_t c = 0; c < C; c++) s = _mm256_add_pd(s, _mm256_mul_pd(_mm256_set1_pd(a[c * P + r]), _mm256_loadu_pd(y + c * P + q)));
      _mm256_storeu_pd(o + r * P + q, _mm256_div_pd(s, _mm256_set1_pd(channels)));
    }
    for (; q < P; q++) {
      double s = 0;
      for (int64_t c = 0; c < C; c++) s += a[c * P + r] * y[c * P + q];
      o[r * P + q] = s / channels;
    }
  }
}

static Napi::Value PositionGram(const Napi::CallbackInfo& info) {
  const char* op = "positionGram";
  const int32_t* p = arrayArg<int32_t>(info, 0, 5, op, "params");
  const int64_t n1 = p[0], n2 = p[1], C = p[2], P = p[3];
  const bool self = p[4] != 0;
  if (n1 < 0 || n2 < 0 || C < 1 || P < 1 || (self && n2 != 1)) throw fail(info.Env(), op, "bad sizes");
  const double* x1 = arrayArg<double>(info, 1, static_cast<size_t>(n1 * C * P), op, "x1");
  const double* x2 = arrayArg<double>(info, 2, static_cast<size_t>((self ? n1 : n2) * C * P), op, "x2");
  double* out = arrayArg<double>(info, 3, static_cast<size_t>(n1 * n2 * P * P), op, "out");
  parallelChunks(n1 * n2, 16, kernelThreads(), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const int64_t i = b / n2, j = self ? i : b % n2;
      gramBlock(x1 + i * C * P, x2 + j * C * P, C, P, out + b * P * P);
    }
  });
  return info.Env().Undefined();
}

/** index[d·outN + o]: the input index output o reads at tap d along one axis (−1: outside, unless circular). */
static std::vector<int64_t> axisTable(int64_t n, int64_t k, int64_t stride, int64_t pad, int64_t outN, bool circular) {
  std::vector<int64_t> index(k * outN);
  for (int64_t d = 0; d < k; d++) for (int64_t o = 0; o < outN; o++) index[d * outN + o] = axisIndex(stride * o + d - pad, n, circular);
  return index;
}

/** The lanes of a partial vector: the first `count` of four. */
static inline __m256i firstLanes(int64_t count) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
}

/**
 * One conv block (see the header). X holds the block's rows with each image row as a segment of S ≥ W + 2·padW
 * columns (a multiple of 4), extended by the padding — zeros for 'same', the wrapped columns for 'circular' — so tap
 * dw of output column w′ reads extended column stride·w′ + dw whatever the padding. T rows (h1, w1′) hold packed
 * segments of outW columns for the image rows, with padH extra segments on each side (zeros, or wrapped rows), so
 * tap dh of output row h′ reads segment stride·h′ + dh; with stride 1 the row pass is then one flat sum over the
 * Q = outH·outW packed outputs. A tap whose row index is outside the image reads a zero row (taps are never
 * skipped: a fixed count of them per output).
 */
// struct ConvGeometry: positionblocks.h

/** Σ_k loadu(rows[k] + at) for k < n (n unrolled for the common filter sizes). */
template <int N>
static inline __m256d sumTapsN(const double* const* rows, int64_t at) {
  __m256d acc = _mm256_loadu_pd(rows[0] + at);
  for (int k = 1; k < N; k++) acc = _mm256_add_pd(acc, _mm256_loadu_pd(rows[k] + at));
  return acc;
}

static inline __m256d sumTaps(const double* const* rows, int64_t n, int64_t at) {
  switch (n) {
    case 1: return sumTapsN<1>(rows, at);
    case 2: return sumTapsN<2>(rows, at);
    case 3: return sumTapsN<3>(rows, at);
    case 5: return sumTapsN<5>(rows, at);
    default: {
      __m256d acc = _mm256_loadu_pd(rows[0] + at);
      for (int64_t k = 1; k < n; k++) acc = _mm256_add_pd(acc, _mm256_loadu_pd(rows[k] + at));
      return acc;
    }
  }
}

static void convBlockRows(const ConvGeometry& g, const double* __restrict K, double* __restrict X, double* __restrict T, const double* zeros,
                          double scale, double shift, double norm, const double* __restrict add, double* __restrict out) {
  const int64_t H = g.H, W = g.W, S = g.S, padW = g.padW, padH = g.padH, stride = g.stride, outW = g.outW, outH = g.outH;
  const int64_t P = H * W, XW = g.XW, TW = g.TW, Q = outH * outW, kh = g.kh, kw = g.kw;
  const int64_t* colIndex = g.colIndex.data();
  const int64_t* rowIndex = g.rowIndex.data();
  const bool circular = g.circular, direct = !circular && stride == 1;
  if (direct) {
    // columns straight from K: lane w′ of tap dw reads column w′ + dw − padW, masked when outside [0, W) (a masked
    // lane is never accessed, so a load may start before the row or run past the array)
    const int64_t end = (padH + H) * outW;
    const auto mask = [&](int64_t m) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.masks.data() + 4 * m)); };
    for (int64_t h1 = 0; h1 < H; h1++) {
      for (int64_t w1 = 0; w1 < outW; w1++) {
        double* t = T + (h1 * outW + w1) * TW;
        const double* rows[16];
        for (int64_t dw = 0; dw < kw; dw++) {
          const int64_t c1 = colIndex[dw * outW + w1];
          rows[dw] = (c1 >= 0 ? K + (h1 * W + c1) * P : zeros + 8) + dw - padW;
        }
        for (int64_t h2 = 0; h2 < H; h2++) {
          for (int64_t v = 0, m = 0; v < outW; v += 4, m += kw) {
            __m256d acc = _mm256_maskload_pd(rows[0] + h2 * W + v, mask(m));
            for (int64_t k = 1; k < kw; k++) acc = _mm256_add_pd(acc, _mm256_maskload_pd(rows[k] + h2 * W + v, mask(m + k)));
            _mm256_storeu_pd(t + (padH + h2) * outW + v, acc);
          }
        }
        for (int64_t e = end; e < end + 4; e++) t[e] = 0.0;  // the spill past the last segment
      }
    }
  }
  // X: the rows of K, each image row extended (the zero padding columns were written once by the caller);
  // copied in vectors (a short std::copy becomes a memmove call)
  const __m256i rowTail = firstLanes(W % 4);
  for (int64_t r = 0; r < P && !direct; r++) {
    for (int64_t h2 = 0; h2 < H; h2++) {
      const double* from = K + r * P + h2 * W;
      double* to = X + r * XW + h2 * S;
      int64_t e = 0;
      for (; e + 4 <= W; e += 4) _mm256_storeu_pd(to + padW + e, _mm256_loadu_pd(from + e));
      if (e < W) _mm256_maskstore_pd(to + padW + e, rowTail, _mm256_maskload_pd(from + e, rowTail));
      if (circular) for (int64_t e = 0; e < padW; e++) to[e] = from[W - padW + e], to[padW + W + e] = from[e];
    }
  }
  // columns: T[(h1, w1′), segment padH + h2, w2′] = Σ_dw X[(h1, c_dw(w1′)), (h2, stride·w2′ + dw)]
  const int64_t end = (padH + H) * outW;  // the first column after the image's segments
  for (int64_t h1 = 0; h1 < H && !direct; h1++) {
    for (int64_t w1 = 0; w1 < outW; w1++) {
      const double* rows[16];
      for (int64_t dw = 0; dw < kw; dw++) {
        const int64_t c1 = colIndex[dw * outW + w1];
        rows[dw] = (c1 >= 0 ? X + (h1 * W + c1) * XW : zeros) + dw;
      }
      double* t = T + (h1 * outW + w1) * TW;
      if (stride == 1) {
        // whole vectors; a segment's lanes past outW spill into the next, which overwrites them
        for (int64_t h2 = 0; h2 < H; h2++) {
          for (int64_t v = 0; v < outW; v += 4) _mm256_storeu_pd(t + (padH + h2) * outW + v, sumTaps(rows, kw, h2 * S + v));
        }
        for (int64_t e = end; e < end + 4; e++) t[e] = 0.0;  // the spill past the last segment
      } else {
        for (int64_t h2 = 0; h2 < H; h2++) for (int64_t w2 = 0; w2 < outW; w2++) {
          double acc = 0;
          for (int64_t k = 0; k < kw; k++) acc += rows[k][h2 * S + stride * w2];
          t[(padH + h2) * outW + w2] = acc;
        }
      }
      if (circular) {  // the wrapped row segments: image rows H − padH … H − 1 before, 0 … padH − 1 after
        for (int64_t e = 0; e < padH * outW; e++) t[e] = t[H * outW + e], t[end + e] = t[padH * outW + e];
      }
    }
  }
  // rows: out[(h1′, w1′), (h2′, w2′)] = scale·(norm·Σ_dh T[(r_dh(h1′), w1′), segment stride·h2′ + dh, w2′]) + shift (+ add)
  const __m256d scaleV = _mm256_set1_pd(scale), normV = _mm256_set1_pd(norm), shiftV = _mm256_set1_pd(shift);
  const auto finish = [&](__m256d acc, const double* a) {
    return _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(scaleV, _mm256_mul_pd(acc, normV)), shiftV), a ? _mm256_loadu_pd(a) : _mm256_setzero_pd());
  };
  const __m256i qTail = firstLanes(Q % 4), wTail = firstLanes(outW % 4);
  for (int64_t h1 = 0; h1 < outH; h1++) {
    for (int64_t w1 = 0; w1 < outW; w1++) {
      const double* rows[16];
      for (int64_t dh = 0; dh < kh; dh++) {
        const int64_t r1 = rowIndex[dh * outH + h1];
        rows[dh] = (r1 >= 0 ? T + (r1 * outW + w1) * TW : zeros) + dh * outW;
      }
      double* o = out + (h1 * outW + w1) * Q;
      const double* a = add ? add + (h1 * outW + w1) * Q : nullptr;
      if (stride == 1) {
        int64_t q = 0;
        for (; q + 4 <= Q; q += 4) _mm256_storeu_pd(o + q, finish(sumTaps(rows, kh, q), a ? a + q : nullptr));
        if (q < Q) {
          __m256d y = _mm256_add_pd(_mm256_mul_pd(scaleV, _mm256_mul_pd(sumTaps(rows, kh, q), normV)), shiftV);
          _mm256_maskstore_pd(o + q, qTail, _mm256_add_pd(y, a ? _mm256_maskload_pd(a + q, qTail) : _mm256_setzero_pd()));
        }
      } else {
        for (int64_t h2 = 0; h2 < outH; h2++) {
          const int64_t seg = stride * h2 * outW, at = h2 * outW;
          int64_t v = 0;
          for (; v + 4 <= outW; v += 4) _mm256_storeu_pd(o + at + v, finish(sumTaps(rows, kh, seg + v), a ? a + at + v : nullptr));
          if (v < outW) {
            __m256d y = _mm256_add_pd(_mm256_mul_pd(scaleV, _mm256_mul_pd(sumTaps(rows, kh, seg + v), normV)), shiftV);
            _mm256_maskstore_pd(o + at + v, wTail, _mm256_add_pd(y, a ? _mm256_maskload_pd(a + at + v, wTail) : _mm256_setzero_pd()));
          }
        }
      }
    }
  }
}

std::string convGeometry(const int32_t* p, ConvGeometry& g) {
  for (int t = 0; t < 10; t++) if (p[t] < 0) return "negative parameter";
  g.H = p[0], g.W = p[1], g.kh = p[2], g.kw = p[3], g.stride = p[4], g.padH = p[5], g.padW = p[6], g.outH = p[7], g.outW = p[8], g.circular = p[9] != 0;
  const int64_t padH = g.padH;
  if (g.H < 1 || g.W < 1 || g.kh < 1 || g.kw < 1 || g.stride < 1 || g.outH < 1 || g.outW < 1) return "sizes must be ≥ 1";
  if (g.kh > 16 || g.kw > 16) return "filters up to 16×16";
  if (g.circular && (padH > g.H || g.padW > g.W)) return "circular padding wider than the image";
  // every extended column a tap reads: stride·(outW − 1) + kw − 1 < W + 2·padW, or the conv is inconsistent
  if (g.stride * (g.outW - 1) + g.kw > g.W + 2 * g.padW || g.stride * (g.outH - 1) + g.kh > g.H + 2 * padH) return "outH/outW too large for the image";
  g.rowIndex = axisTable(g.H, g.kh, g.stride, padH, g.outH, g.circular);
  g.colIndex = axisTable(g.W, g.kw, g.stride, g.padW, g.outW, g.circular);
  g.S = (std::max(g.W + 2 * g.padW, g.outW) + 3) / 4 * 4;
  g.XW = g.H * g.S, g.TW = (g.H + 2 * g.padH) * g.outW + 4;  // T rows: their segments and the last one's spill
  for (int64_t v = 0; v < g.outW; v += 4) for (int64_t dw = 0; dw < g.kw; dw++) {
    int64_t lane[4];
    for (int64_t l = 0; l < 4; l++) {
      const int64_t w = v + l + dw - g.padW;
      lane[l] = v + l < g.outW && w >= 0 && w < g.W ? -1 : 0;
    }
    g.masks.insert(g.masks.end(), lane, lane + 4);
  }
  return "";
}

ConvScratch::ConvScratch(const ConvGeometry& g) {
  // X and the zero row have slack for the lanes past a row's last segment (read, never into the output)
  const int64_t P = g.H * g.W, slack = g.S + g.kw + 4;
  X.assign(P * g.XW + slack, 0.0), T.assign(g.H * g.outW * g.TW + slack, 0.0), zeros.assign(std::max({g.XW, g.TW, P}) + slack + 16, 0.0);
}

void convBlock(const ConvGeometry& g, const double* K, ConvScratch& s, double scale, double shift, const double* add, double* out) {
  convBlockRows(g, K, s.X.data(), s.T.data(), s.zeros.data(), scale, shift, 1.0 / static_cast<double>(g.kh * g.kw), add, out);
}

static Napi::Value PositionConv(const Napi::CallbackInfo& info) {
  const char* op = "positionConv";
  const int32_t* p = arrayArg<int32_t>(info, 0, 11, op, "params");
  for (int t = 0; t < 11; t++) if (p[t] < 0) throw fail(info.Env(), op, "negative parameter");
  const int64_t blocks = p[0];
  ConvGeometry g;
  const std::string problem = convGeometry(p + 1, g);
  if (!problem.empty()) throw fail(info.Env(), op, problem);
  const double scale = numberArg(info, 1, op, "scale"), shift = numberArg(info, 2, op, "shift");
  const int64_t P = g.H * g.W, Q = g.outH * g.outW;
  const double* src = arrayArg<double>(info, 3, static_cast<size_t>(blocks * P * P), op, "src");
  const double* add = optionalArrayArg<double>(info, 4, static_cast<size_t>(blocks * Q * Q), op, "add");
  double* out = arrayArg<double>(info, 5, static_cast<size_t>(blocks * Q * Q), op, "out");
  parallelChunks(blocks, 8, kernelThreads(), [&](int64_t b0, int64_t b1) {
    ConvScratch scratch(g);
    for (int64_t b = b0; b < b1; b++) convBlock(g, src + b * P * P, scratch, scale, shift, add ? add + b * Q * Q : nullptr, out + b * Q * Q);
  });
  return info.Env().Undefined();
}

PoolGeometry poolGeometry(const int32_t* p) {
  const int64_t H = p[0], W = p[1], window = p[2], stride = p[3], pad = p[4], outH = p[5], outW = p[6];
  PoolGeometry g;
  g.P = H * W, g.Q = outH * outW, g.norm = 1.0 / static_cast<double>(window * window * window * window);
  // windows: the in-image input positions of output o are taps[start[o] .. start[o + 1])
  g.start.push_back(0);
  for (int64_t oh = 0; oh < outH; oh++) for (int64_t ow = 0; ow < outW; ow++) {
    for (int64_t dh = 0; dh < window; dh++) for (int64_t dw = 0; dw < window; dw++) {
      const int64_t h = oh * stride + dh - pad, w = ow * stride + dw - pad;
      if (h >= 0 && h < H && w >= 0 && w < W) g.taps.push_back(h * W + w);
    }
    g.start.push_back(static_cast<int64_t>(g.taps.size()));
  }
  return g;
}

void poolBlock(const PoolGeometry& g, const double* K, double* R, double scale, double* y) {
  const int64_t P = g.P, Q = g.Q;
  const int64_t* taps = g.taps.data();
  const int64_t* start = g.start.data();
  std::fill(R, R + Q * P, 0.0);
  for (int64_t o = 0; o < Q; o++) for (int64_t t = start[o]; t < start[o + 1]; t++) addRun(R + o * P, K + taps[t] * P, P);
  for (int64_t o1 = 0; o1 < Q; o1++) {
    const double* r = R + o1 * P;
    for (int64_t o2 = 0; o2 < Q; o2++) {
      double s = 0;
      for (int64_t t = start[o2]; t < start[o2 + 1]; t++) s += r[taps[t]];
      y[o1 * Q + o2] = s * g.norm * scale;
    }
  }
}

static Napi::Value PositionPool(const Napi::CallbackInfo& info) {
  const char* op = "positionPool";
  const int32_t* p = arrayArg<int32_t>(info, 0, 8, op, "params");
  for (int t = 0; t < 8; t++) if (p[t] < 0) throw fail(info.Env(), op, "negative parameter");
  const int64_t blocks = p[0];
  if (p[1] < 1 || p[2] < 1 || p[3] < 1 || p[4] < 1 || p[6] < 1 || p[7] < 1) throw fail(info.Env(), op, "sizes must be ≥ 1");
  const double scale = numberArg(info, 1, op, "scale");
  const PoolGeometry g = poolGeometry(p + 1);
  const int64_t P = g.P, Q = g.Q;
  const double* src = arrayArg<double>(info, 2, static_cast<size_t>(blocks * P * P), op, "src");
  double* out = arrayArg<double>(info, 3, static_cast<size_t>(blocks * Q * Q), op, "out");
  parallelChunks(blocks, 16, kernelThreads(), [&](int64_t b0, int64_t b1) {
    std::vector<double> R(Q * P);
    for (int64_t b = b0; b < b1; b++) poolBlock(g, src + b * P * P, R.data(), scale, out + b * Q * Q);
  });
  return info.Env().Undefined();
}

/** Σ x[0, n) in four-lane partial sums (lanes by position from x, so the same block sums the same way anywhere). */
double blockSum(const double* x, int64_t n) {
  __m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd();
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    a = _mm256_add_pd(a, _mm256_loadu_pd(x + k));
    b = _mm256_add_pd(b, _mm256_loadu_pd(x + k + 4));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(a, b));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; k < n; k++) s += x[k];
  return s;
}

static Napi::Value PositionReduce(const Napi::CallbackInfo& info) {
  const char* op = "positionReduce";
  const int64_t blocks = intArg(info, 0, op, "blocks"), P = intArg(info, 1, op, "positions");
  const bool diagonalOnly = boolArg(info, 2);
  const double* src = arrayArg<double>(info, 3, static_cast<size_t>(blocks * P * P), op, "src");
  double* out = arrayArg<double>(info, 4, static_cast<size_t>(blocks), op, "out");
  const double norm = diagonalOnly ? 1.0 / static_cast<double>(P) : 1.0 / static_cast<double>(P * P);
  parallelChunks(blocks, 64, kernelThreads(), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const double* x = src + b * P * P;
      double s = 0;
      if (diagonalOnly) for (int64_t q = 0; q < P; q++) s += x[q * (P + 1)];
      else s = blockSum(x, P * P);
      out[b] = s * norm;
    }
  });
  return info.Env().Undefined();
}

void registerPositions(Napi::Env env, Napi::Object exports) {
  exports.Set("positionGram", Napi::Function::New(env, PositionGram));
  exports.Set("positionConv", Napi::Function::New(env, PositionConv));
  exports.Set("positionPool", Napi::Function::New(env, PositionPool));
  exports.Set("positionReduce", Napi::Function::New(env, PositionReduce));
}

}  // namespace tessera
