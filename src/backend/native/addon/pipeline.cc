// positionPipeline: the whole image part of a network (input Gram → convs, closed-form nonlinearities, poolings →
// a reduction to one number) run per pair of inputs in one call, as backend/cpu/positionPipeline.ts specifies
// (the layer-by-layer reference kernels composed). A pair's [P, P] NNGP and NTK blocks stay in this thread's
// scratch (a few 10 KB blocks: L1/L2) from the Gram to the reduction, instead of each layer streaming
// [pairs, P, P] arrays through memory; every step is the same per-block function as the batched kernel
// (positionblocks.h), so each entry rounds as layer by layer.
// Arguments: (program Float64Array[steps·13], sizes Int32Array[5] = n1, n2, C, P, same, x1 [n1, C, P],
//             x2 [n2, C, P], nngp [n1, n2], ntk [n1, n2], cov1 [n1], cov2 [n2]) — all outputs overwritten.
//   step (13 slots): op, then
//     0 conv    h, w, kh, kw, stride, padH, padW, outH, outW, circular, scale, shift:  K ← conv(K)·scale + shift,
//               Θ ← K_new + conv(Θ)·scale (Θ = 0 after the Gram: Θ ← K_new exactly, no conv)
//     1 map     kind (0 abRelu, 1 erf), a, b, c:  K ← K_new(var1, var2, K), Θ ← K̇ ⊙ Θ, with var1[p], var2[q] the
//               position variances of the two inputs' self-covariances before this step
//     2 pool    h, w, window, stride, pad, outH, outW, scale:  K ← A K Aᵀ·scale, Θ likewise
//     3 reduce  P, diagonalOnly:  the (1/P²) sum of the block (or (1/P) of its diagonal): the last step
// First every input's self-covariance runs the steps alone (K only, recording each map's variances), then the
// pairs (same = x2 is x1: pairs i ≤ j only, mirrored; cov2 = cov1). Both loops split over the worker pool.
#pragma GCC optimize("fp-contract=off")
#include "common.h"
#include "positionblocks.h"
#include "workers.h"
#include <algorithm>
#include <memory>
#include <vector>

namespace tessera {

namespace {

constexpr int kSlots = 13;

enum Op { kConv = 0, kMap = 1, kPool = 2, kReduce = 3 };

struct Step {
  Op op;
  int64_t inP, outP;  // positions before and after
  ConvGeometry conv;
  double scale = 1, shift = 0;
  PairMapSpec map{0, 0, 0, 0};
  PoolGeometry pool;
  bool diagonalOnly = false;
  int64_t mapIndex = -1;  // which recorded variances a map reads
};

/** The program's steps, checked to chain from P positions to one number; an empty string when valid. */
std::string parseProgram(const double* program, int64_t steps, int64_t P, std::vector<Step>& out, int64_t& maps) {
  maps = 0;
  for (int64_t s = 0; s < steps; s++) {
    const double* v = program + s * kSlots;
    // the integer slots of each op (conv 10, pool 7, reduce 2), checked before the casts
    const int ints = v[0] == kConv ? 10 : v[0] == kPool ? 7 : v[0] == kReduce ? 2 : 0;
    int32_t ip[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int t = 0; t < ints; t++) {
      if (!(v[1 + t] >= 0 && v[1 + t] < 2147483647.0) || v[1 + t] != static_cast<double>(static_cast<int32_t>(v[1 + t]))) return "integer step parameters expected";
      ip[t] = static_cast<int32_t>(v[1 + t]);
    }
    Step st;
    st.inP = P;
    if (v[0] == kConv) {
      st.op = kConv;
      const std::string problem = convGeometry(ip, st.conv);
      if (!problem.empty()) return "conv step: " + problem;
      if (st.conv.H * st.conv.W != P) return "conv step: input positions differ from the previous step's";
      st.scale = v[11], st.shift = v[12];
      P = st.conv.outH * st.conv.outW;
    } else if (v[0] == kMap) {
      st.op = kMap;
      if (v[1] != 0 && v[1] != 1) return "map step: kind 0 (abRelu) or 1 (erf)";
      st.map = PairMapSpec{static_cast<int>(v[1]), v[2], v[3], v[4]};
      st.mapIndex = maps++;
    } else if (v[0] == kPool) {
      st.op = kPool;
      if (ip[0] < 1 || ip[1] < 1 || ip[2] < 1 || ip[3] < 1 || ip[5] < 1 || ip[6] < 1) return "pool step: sizes must be ≥ 1";
      if (static_cast<int64_t>(ip[0]) * ip[1] != P) return "pool step: input positions differ from the previous step's";
      st.pool = poolGeometry(ip);
      st.scale = v[8];
      P = st.pool.Q;
    } else if (v[0] == kReduce) {
      st.op = kReduce;
      if (ip[0] != P) return "reduce step: positions differ from the previous step's";
      if (s != steps - 1) return "reduce must be the last step";
      st.diagonalOnly = v[2] != 0;
      P = 1;
    } else {
      return "unknown step op";
    }
    st.outP = P;
    out.push_back(std::move(st));
  }
  if (out.empty() || out.back().op != kReduce) return "the program must end with a reduce step";
  return "";
}

/** One thread's blocks: K and Θ (current and next) and each conv step's scratch. */
struct Scratch {
  std::vector<double> k, t, k2, t2, R;
  std::vector<std::unique_ptr<ConvScratch>> conv;
  Scratch(const std::vector<Step>& steps, int64_t maxPP) : k(maxPP), t(maxPP), k2(maxPP), t2(maxPP) {
    int64_t r = 0;
    for (const Step& s : steps) {
      conv.push_back(s.op == kConv ? std::make_unique<ConvScratch>(s.conv) : nullptr);
      if (s.op == kPool) r = std::max(r, s.pool.Q * s.pool.P);
    }
    R.resize(r);
  }
};

/**
 * Runs the steps on the Gram block already in sc.k. vars1/vars2: per map step the variances [P] of the two inputs
 * (record: the self run, which writes its own diagonal there first). withNtk: Θ is tracked. Returns (K, Θ).
 */
void runSteps(const std::vector<Step>& steps, Scratch& sc, const std::vector<const double*>& vars1, const std::vector<const double*>& vars2,
              const std::vector<double*>& record, bool withNtk, double& kOut, double& tOut) {
  double* K = sc.k.data();
  double* T = sc.t.data();
  double* K2 = sc.k2.data();
  double* T2 = sc.t2.data();
  bool thetaZero = true;  // Θ after the Gram is 0
  for (size_t s = 0; s < steps.size(); s++) {
    const Step& st = steps[s];
    const int64_t P = st.inP, PP = P * P;
    if (st.op != kConv && thetaZero && withNtk) {
      std::fill(T, T + PP, 0.0);
      thetaZero = false;
    }
    switch (st.op) {
      case kConv:
        convBlock(st.conv, K, *sc.conv[s], st.scale, st.shift, nullptr, K2);
        if (withNtk) {
          if (thetaZero) std::copy(K2, K2 + st.outP * st.outP, T2);  // scale·(0·norm) + 0 + K_new = K_new
          else convBlock(st.conv, T, *sc.conv[s], st.scale, 0.0, K2, T2);
          thetaZero = false;
        }
        break;
      case kMap: {
        double* rec = record.empty() ? nullptr : record[st.mapIndex];
        if (rec) for (int64_t p = 0; p < P; p++) rec[p] = K[p * P + p];
        pairMapBlock(st.map, P, vars1[st.mapIndex], vars2[st.mapIndex], K, withNtk ? T : nullptr, K2, withNtk ? T2 : nullptr);
        break;
      }
      case kPool:
        poolBlock(st.pool, K, sc.R.data(), st.scale, K2);
        if (withNtk) poolBlock(st.pool, T, sc.R.data(), st.scale, T2);
        break;
      case kReduce: {
        const auto reduce = [&](const double* x) {
          double sum = 0;
          if (st.diagonalOnly) for (int64_t q = 0; q < P; q++) sum += x[q * (P + 1)];
          else sum = blockSum(x, PP);
          return sum * (st.diagonalOnly ? 1.0 / static_cast<double>(P) : 1.0 / static_cast<double>(PP));
        };
        kOut = reduce(K);
        tOut = withNtk ? reduce(T) : 0.0;
        return;
      }
    }
    std::swap(K, K2);
    std::swap(T, T2);
  }
}

}  // namespace

static Napi::Value PositionPipeline(const Napi::CallbackInfo& info) {
  const char* op = "positionPipeline";
  if (!info[0].IsTypedArray()) throw fail(info.Env(), op, "program expected a Float64Array");
  const size_t slots = info[0].As<Napi::TypedArray>().ElementLength();
  if (slots == 0 || slots % kSlots != 0) throw fail(info.Env(), op, "program expected steps of 13 numbers");
  const double* program = arrayArg<double>(info, 0, slots, op, "program");
  const int32_t* z = arrayArg<int32_t>(info, 1, 5, op, "sizes");
  const int64_t n1 = z[0], n2 = z[1], C = z[2], P0 = z[3];
  const bool same = z[4] != 0;
  if (n1 < 0 || n2 < 0 || C < 1 || P0 < 1 || (same && n1 != n2)) throw fail(info.Env(), op, "bad sizes");
  std::vector<Step> steps;
  int64_t maps = 0;
  const std::string problem = parseProgram(program, static_cast<int64_t>(slots / kSlots), P0, steps, maps);
  if (!problem.empty()) throw fail(info.Env(), op, problem);
  const double* x1 = arrayArg<double>(info, 2, static_cast<size_t>(n1 * C * P0), op, "x1");
  const double* x2 = same ? x1 : arrayArg<double>(info, 3, static_cast<size_t>(n2 * C * P0), op, "x2");
  double* nngp = arrayArg<double>(info, 4, static_cast<size_t>(n1 * n2), op, "nngp");
  double* ntk = arrayArg<double>(info, 5, static_cast<size_t>(n1 * n2), op, "ntk");
  double* cov1 = arrayArg<double>(info, 6, static_cast<size_t>(n1), op, "cov1");
  double* cov2 = same ? cov1 : arrayArg<double>(info, 7, static_cast<size_t>(n2), op, "cov2");
  int64_t maxPP = P0 * P0;
  std::vector<int64_t> mapP;
  for (const Step& s : steps) {
    maxPP = std::max(maxPP, s.outP * s.outP);
    if (s.op == kMap) mapP.push_back(s.inP);
  }
  // variances[m][i·P + p] of input i before map step m: set 1, then set 2 (same: set 1 only)
  const int64_t inputs = same ? n1 : n1 + n2;
  std::vector<std::vector<double>> variances(maps);
  for (int64_t m = 0; m < maps; m++) variances[m].assign(inputs * mapP[m], 0.0);
  const int threads = kernelThreads();
  // the self-covariances
  parallelChunks(inputs, 4, threads, [&](int64_t r0, int64_t r1) {
    Scratch sc(steps, maxPP);
    std::vector<const double*> own(maps);
    std::vector<double*> record(maps);
    for (int64_t r = r0; r < r1; r++) {
      const double* x = r < n1 ? x1 + r * C * P0 : x2 + (r - n1) * C * P0;
      for (int64_t m = 0; m < maps; m++) own[m] = record[m] = variances[m].data() + r * mapP[m];
      gramBlock(x, x, C, P0, sc.k.data());
      double k = 0, t = 0;
      runSteps(steps, sc, own, own, record, false, k, t);
      if (r < n1) cov1[r] = k;
      else cov2[r - n1] = k;
    }
  });
  // the pairs
  parallelChunks(n1 * n2, 8, threads, [&](int64_t b0, int64_t b1) {
    Scratch sc(steps, maxPP);
    std::vector<const double*> v1(maps), v2(maps);
    const std::vector<double*> none;
    for (int64_t b = b0; b < b1; b++) {
      const int64_t i = b / n2, j = b % n2;
      if (same && j < i) continue;
      const int64_t j2 = same ? j : n1 + j;  // row of input j in the variances
      for (int64_t m = 0; m < maps; m++) v1[m] = variances[m].data() + i * mapP[m], v2[m] = variances[m].data() + j2 * mapP[m];
      gramBlock(x1 + i * C * P0, x2 + j * C * P0, C, P0, sc.k.data());
      double k = 0, t = 0;
      runSteps(steps, sc, v1, v2, none, true, k, t);
      nngp[b] = k, ntk[b] = t;
      if (same) nngp[j * n2 + i] = k, ntk[j * n2 + i] = t;
    }
  });
  return info.Env().Undefined();
}

void registerPipeline(Napi::Env env, Napi::Object exports) { exports.Set("positionPipeline", Napi::Function::New(env, PositionPipeline)); }

}  // namespace tessera
