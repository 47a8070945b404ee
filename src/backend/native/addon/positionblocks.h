// The per-block image kernels of positions.cc and pairmaps.cc, shared with pipeline.cc (the fused per-pair
// pipeline): one [P, P] position-covariance block in, one block out, no threads. The batched N-API kernels
// (positionGram, positionConv, positionPool, pairMap) loop these over their blocks, so a fused pipeline step
// rounds exactly like the layer-by-layer kernel it replaces. Each is compiled with fp-contract off in its own file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

/** out[p, q] = (Σ_c a[c, p]·y[c, q]) / C for one pair of inputs a, y [C, P]. */
void gramBlock(const double* a, const double* y, int64_t C, int64_t P, double* out);

/** A convolution's geometry (positions.cc has the layout of its scratch rows). */
struct ConvGeometry {
  int64_t H, W, kh, kw, stride, padH, padW, outH, outW, S, XW, TW;
  bool circular;
  std::vector<int64_t> rowIndex, colIndex;
  /** masks[(v/4)·kw + dw]: the lanes w′ = v … v + 3 (< outW) whose column w′ + dw − padW is in the image. */
  std::vector<int64_t> masks;  // four lanes each
};

/**
 * The geometry of params[10] = h, w, kh, kw, stride, padH, padW, outH, outW, circular; an empty string when
 * valid, else what is wrong (sizes, filters up to 16×16, an output that reads outside the padded image).
 */
std::string convGeometry(const int32_t* params, ConvGeometry& g);

/** One thread's scratch rows for convBlock (zeroed once: the padding columns stay zero). */
struct ConvScratch {
  std::vector<double> X, T, zeros;
  explicit ConvScratch(const ConvGeometry& g);
};

/** out [Q, Q] = scale·((1/(kh·kw)) Σ_d K[shifted]) + shift (+ add [Q, Q] when not null) for one block K [P, P]. */
void convBlock(const ConvGeometry& g, const double* K, ConvScratch& s, double scale, double shift, const double* add, double* out);

/** A local pooling's windows: output o reads input positions taps[start[o] … start[o + 1]). */
struct PoolGeometry {
  int64_t P, Q;
  double norm;  // 1/window⁴
  std::vector<int64_t> taps, start;
};

/** params[7] = h, w, window, stride, pad, outH, outW. */
PoolGeometry poolGeometry(const int32_t* params);

/** out [Q, Q] = (norm Σ_{a ∈ win(o1), c ∈ win(o2)} K[a, c])·scale; R is scratch of Q·P. */
void poolBlock(const PoolGeometry& g, const double* K, double* R, double scale, double* out);

/** Σ x[0, n) in four-lane partial sums (the order positionReduce uses). */
double blockSum(const double* x, int64_t n);

/** The closed-form pair map kind 0 = abRelu(a, b), 1 = erf(a, b, c) with its constants. */
struct PairMapSpec {
  int kind;
  double a, b, c;
};

/**
 * One full [P, P] block: outNngp[p, q] = K_new(var1[p], var2[q], nngp[p, q]); outNtk = K̇·ntk when ntk is not
 * null (pairMap's per-block loop).
 */
void pairMapBlock(const PairMapSpec& map, int64_t P, const double* var1, const double* var2, const double* nngp, const double* ntk,
                  double* outNngp, double* outNtk);

}  // namespace tessera
