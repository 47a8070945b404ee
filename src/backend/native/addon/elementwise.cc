// Elementwise kernels: unary maps, broadcasting binary maps and comparisons, and the relu VJP.
// The scalar definitions follow backend/cpu/elementwise.ts exactly (computed in double, rounded once to
// the output type). Large arrays are split over the OpenMP threads.
// unary(op, x, out); binary(op, a, aShape, b, bShape, out, outShape); reluBackward(g, x, out).
#include "common.h"
#include "broadcast.h"
#include <cmath>
#include <limits>

namespace tessera {

enum class U { neg, exp, log, sqrt, tanh, erf, sigmoid, relu, gelu, silu, softplus, abs, sign, sin, cos };
enum class B { add, sub, mul, div, pow, maximum, minimum, equal, notEqual, less, lessEqual, greater, greaterEqual };

static U unaryCode(Napi::Env env, const std::string& s) {
  static const char* names[] = {"neg", "exp", "log", "sqrt", "tanh", "erf", "sigmoid", "relu", "gelu", "silu", "softplus", "abs", "sign", "sin", "cos"};
  for (int i = 0; i < 15; i++) if (s == names[i]) return static_cast<U>(i);
  throw fail(env, "unary", "unknown op " + s);
}

static B binaryCode(Napi::Env env, const std::string& s) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"};
  for (int i = 0; i < 13; i++) if (s == names[i]) return static_cast<B>(i);
  throw fail(env, "binary", "unknown op " + s);
}

static inline double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

template <U op>
static inline double unaryScalar(double v) {
  switch (op) {
    case U::neg: return -v;
    case U::exp: return std::exp(v);
    case U::log: return std::log(v);
    case U::sqrt: return std::sqrt(v);
    case U::tanh: return std::tanh(v);
    case U::erf: return std::erf(v);
    case U::sigmoid: return sigmoid(v);
    case U::relu: return (v + std::fabs(v)) * 0.5;
    case U::gelu: return 0.5 * v * (1 + std::erf(v * M_SQRT1_2));
    case U::silu: return v * sigmoid(v);
    case U::softplus: return std::max(v, 0.0) + std::log1p(std::exp(-std::fabs(v)));
    case U::abs: return std::fabs(v);
    case U::sign: return v > 0 ? 1 : v < 0 ? -1 : 0;
    case U::sin: return std::sin(v);
    case U::cos: return std::cos(v);
  }
  return v;
}

template <typename T, U op>
static void unaryLoop(const T* x, T* o, int64_t n) {
  // Cheap ops stay memory-bound: a second thread only pays off for transcendental ones on large arrays.
  const bool cheap = op == U::neg || op == U::relu || op == U::abs || op == U::sign;
#pragma omp parallel for schedule(static) if (n > (cheap ? 1 << 20 : 1 << 14))
  for (int64_t i = 0; i < n; i++) o[i] = static_cast<T>(unaryScalar<op>(static_cast<double>(x[i])));
}

template <typename T>
static void unaryDispatch(U op, const T* x, T* o, int64_t n) {
  switch (op) {
#define CASE(name) case U::name: unaryLoop<T, U::name>(x, o, n); break;
    CASE(neg) CASE(exp) CASE(log) CASE(sqrt) CASE(tanh) CASE(erf) CASE(sigmoid) CASE(relu) CASE(gelu) CASE(silu)
    CASE(softplus) CASE(abs) CASE(sign) CASE(sin) CASE(cos)
#undef CASE
  }
}

static Napi::Value Unary(const Napi::CallbackInfo& info) {
  U op = unaryCode(info.Env(), info[0].ToString().Utf8Value());
  auto xa = info[1].As<Napi::TypedArray>();
  const int64_t n = xa.ElementLength();
  if (isF32(info[1])) unaryDispatch<float>(op, arrayArg<float>(info, 1, n, "unary", "x"), arrayArg<float>(info, 2, n, "unary", "out"), n);
  else unaryDispatch<double>(op, arrayArg<double>(info, 1, n, "unary", "x"), arrayArg<double>(info, 2, n, "unary", "out"), n);
  return info.Env().Undefined();
}

template <B op>
static inline double binaryScalar(double x, double y) {
  switch (op) {
    case B::add: return x + y;
    case B::sub: return x - y;
    case B::mul: return x * y;
    case B::div: return x / y;
    // As JavaScript's ** (the cpu reference): (±1)^±∞ and 1^NaN are NaN, where C's pow gives 1.
    case B::pow: return std::fabs(x) == 1 && !std::isfinite(y) ? std::numeric_limits<double>::quiet_NaN() : std::pow(x, y);
    case B::maximum: return x >= y || x != x ? x : y;
    case B::minimum: return x <= y || x != x ? x : y;
    case B::equal: return x == y;
    case B::notEqual: return x != y;
    case B::less: return x < y;
    case B::lessEqual: return x <= y;
    case B::greater: return x > y;
    case B::greaterEqual: return x >= y;
  }
  return 0;
}

template <typename T, typename O, B op>
static void binaryLoop(const T* a, const std::vector<int64_t>& as, const T* b, const std::vector<int64_t>& bs, O* o,
                       const std::vector<int64_t>& os) {
  const int64_t n = product(os);
  if (as == os && bs == os) {
#pragma omp parallel for schedule(static) if (n > 1 << 18)
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(binaryScalar<op>(a[i], b[i]));
    return;
  }
  const std::vector<int64_t> strides[3] = {broadcastStrides(as, os), broadcastStrides(bs, os), broadcastStrides(os, os)};
  const int64_t rows = os.empty() ? 1 : n / std::max<int64_t>(os.back(), 1);
  if (n == 0) return;
  const int threads = (n > 1 << 18) ? kernelThreads() : 1;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    forRows<3>(os, strides, r0, r1, [&](const int64_t* off, int64_t len, const int64_t* inner) {
      const T* pa = a + off[0];
      const T* pb = b + off[1];
      O* po = o + off[2];
      const int64_t sa = inner[0], sb = inner[1];
      if (sa == 1 && sb == 1) for (int64_t j = 0; j < len; j++) po[j] = static_cast<O>(binaryScalar<op>(pa[j], pb[j]));
      else if (sa == 1 && sb == 0) { const double y = pb[0]; for (int64_t j = 0; j < len; j++) po[j] = static_cast<O>(binaryScalar<op>(pa[j], y)); }
      else if (sa == 0 && sb == 1) { const double x = pa[0]; for (int64_t j = 0; j < len; j++) po[j] = static_cast<O>(binaryScalar<op>(x, pb[j])); }
      else for (int64_t j = 0; j < len; j++) po[j] = static_cast<O>(binaryScalar<op>(pa[j * sa], pb[j * sb]));
    });
  }
}

template <typename T>
static void binaryDispatch(const Napi::CallbackInfo& info, B op) {
  const auto as = intListArg(info, 2, "binary", "aShape"), bs = intListArg(info, 4, "binary", "bShape"), os = intListArg(info, 6, "binary", "outShape");
  if (as.size() > os.size() || bs.size() > os.size()) throw fail(info.Env(), "binary", "operand rank exceeds the output rank");
  for (size_t i = 0; i < as.size(); i++) if (as[i] != 1 && as[i] != os[os.size() - as.size() + i]) throw fail(info.Env(), "binary", "aShape does not broadcast to outShape");
  for (size_t i = 0; i < bs.size(); i++) if (bs[i] != 1 && bs[i] != os[os.size() - bs.size() + i]) throw fail(info.Env(), "binary", "bShape does not broadcast to outShape");
  const T* a = arrayArg<T>(info, 1, product(as), "binary", "a");
  const T* b = arrayArg<T>(info, 3, product(bs), "binary", "b");
  const int64_t n = product(os);
  switch (op) {
#define ARITH(name) case B::name: binaryLoop<T, T, B::name>(a, as, b, bs, arrayArg<T>(info, 5, n, "binary", "out"), os); break;
#define CMP(name) case B::name: binaryLoop<T, uint8_t, B::name>(a, as, b, bs, arrayArg<uint8_t>(info, 5, n, "binary", "out"), os); break;
    ARITH(add) ARITH(sub) ARITH(mul) ARITH(div) ARITH(pow) ARITH(maximum) ARITH(minimum)
    CMP(equal) CMP(notEqual) CMP(less) CMP(lessEqual) CMP(greater) CMP(greaterEqual)
#undef ARITH
#undef CMP
  }
}

static Napi::Value Binary(const Napi::CallbackInfo& info) {
  B op = binaryCode(info.Env(), info[0].ToString().Utf8Value());
  if (isF32(info[1])) binaryDispatch<float>(info, op);
  else binaryDispatch<double>(info, op);
  return info.Env().Undefined();
}

template <typename T>
static void reluBackwardLoop(const T* __restrict g, const T* __restrict x, T* __restrict o, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 1 << 20)
  for (int64_t i = 0; i < n; i++) o[i] = x[i] > T(0) ? g[i] : T(0);
}

template <typename T>
static void reluBackward(const Napi::CallbackInfo& info) {
  const int64_t n = info[2].As<Napi::TypedArray>().ElementLength();
  reluBackwardLoop(arrayArg<T>(info, 0, n, "reluBackward", "g"), arrayArg<T>(info, 1, n, "reluBackward", "x"), arrayArg<T>(info, 2, n, "reluBackward", "out"), n);
}

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("reluBackward", Napi::Function::New(env, floatEntry<reluBackward<float>, reluBackward<double>>));
}

}  // namespace tessera
