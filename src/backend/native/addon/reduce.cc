// Reductions over a set of axes with double accumulation: sum and max (NaN propagates), as
// backend/cpu/reduce.ts. A reduction over trailing axes (each output a contiguous run) is split over
// threads by output; any other axis set walks the input rows once, accumulating into the outputs.
// reduceSum(x, shape, axes, out); reduceMax(x, shape, axes, out).
#include "common.h"
#include "broadcast.h"
#include <cmath>
#include <limits>

namespace tessera {

template <typename T, bool isMax>
static void reduce(const Napi::CallbackInfo& info, const char* op) {
  const auto shape = intListArg(info, 1, op, "shape"), axesList = intListArg(info, 2, op, "axes");
  const int64_t rank = shape.size(), n = product(shape);
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axesList) {
    if (a >= rank) throw fail(info.Env(), op, "axis out of range");
    reduced[a] = true;
  }
  int64_t outN = 1;
  for (int64_t d = 0; d < rank; d++) if (!reduced[d]) outN *= shape[d];
  const T* x = arrayArg<T>(info, 0, n, op, "x");
  T* out = arrayArg<T>(info, 3, outN, op, "out");
  const double init = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  auto combine = [](double acc, double v) {
    if (isMax) return (v > acc || v != v) ? v : acc;
    return acc + v;
  };
  // Trailing axes only: out[j] reduces the contiguous run x[j·len, (j+1)·len).
  int64_t firstReduced = rank;
  while (firstReduced > 0 && reduced[firstReduced - 1]) firstReduced--;
  bool trailing = true;
  for (int64_t d = 0; d < firstReduced; d++) if (reduced[d]) trailing = false;
  if (trailing) {
    const int64_t len = outN ? n / outN : 0;
#pragma omp parallel for schedule(static) if (n > 1 << 16)
    for (int64_t j = 0; j < outN; j++) {
      double acc = init;
      const T* p = x + j * len;
      if (isMax) for (int64_t i = 0; i < len; i++) acc = combine(acc, p[i]);
      else {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t i = 0;
        for (; i + 4 <= len; i += 4) { s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]; }
        for (; i < len; i++) s0 += p[i];
        acc = (s0 + s1) + (s2 + s3);
      }
      out[j] = static_cast<T>(acc);
    }
    return;
  }
  std::vector<int64_t> keptShape(rank);
  for (int64_t d = 0; d < rank; d++) keptShape[d] = reduced[d] ? 1 : shape[d];
  std::vector<int64_t> outStrides(rank, 0);
  int64_t s = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    outStrides[d] = reduced[d] ? 0 : s;
    s *= keptShape[d];
  }
  std::vector<double> acc(outN, init);
  const std::vector<int64_t> strides[2] = {broadcastStrides(shape, shape), outStrides};
  const int64_t rows = rank && shape[rank - 1] ? n / shape[rank - 1] : (n ? 1 : 0);
  forRows<2>(shape, strides, 0, rows, [&](const int64_t* off, int64_t len, const int64_t* inner) {
    const T* p = x + off[0];
    double* a = acc.data() + off[1];
    if (inner[1] == 0) {
      double r = *a;
      for (int64_t j = 0; j < len; j++) r = combine(r, p[j]);
      *a = r;
    } else {
      for (int64_t j = 0; j < len; j++) a[j] = combine(a[j], p[j]);
    }
  });
  for (int64_t j = 0; j < outN; j++) out[j] = static_cast<T>(acc[j]);
}

template <typename T> static void reduceSum(const Napi::CallbackInfo& info) { reduce<T, false>(info, "reduceSum"); }
template <typename T> static void reduceMax(const Napi::CallbackInfo& info) { reduce<T, true>(info, "reduceMax"); }

void registerReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduceSum", Napi::Function::New(env, floatEntry<reduceSum<float>, reduceSum<double>>));
  exports.Set("reduceMax", Napi::Function::New(env, floatEntry<reduceMax<float>, reduceMax<double>>));
}

}  // namespace tessera
