// Fused softmax / log-softmax along one axis of x viewed as [outer, n, inner], their VJPs, and the fused
// softmax cross-entropy of logits [rows, classes] with integer labels, as backend/cpu/softmax.ts:
//   softmax      y = e^(x − max) / Σ e^(x − max)          dx = y ⊙ (g − Σ g·y)
//   log-softmax  y = x − max − log Σ e^(x − max)          dx = g − e^y · Σ g
//   cross-entropy loss_r = logsumexp(x_r) − x_r[label_r]  dx_r = g_r · (softmax(x_r) − onehot(label_r))
// softmax(x, outer, n, inner, log, out); softmaxBackward(y, g, outer, n, inner, log, dx);
// softmaxCrossEntropy(logits, labels, rows, classes, losses); softmaxCrossEntropyBackward(logits, labels, g, rows, classes, dlogits).
#include "common.h"
#include <cmath>
#include <limits>

namespace tessera {

/** max and log Σ e^(x − max) of the strided run x[0], x[stride], … (n entries). */
template <typename T>
static inline void logSumExp(const T* x, int64_t n, int64_t stride, double& mx, double& lse) {
  mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; i++) { const double v = x[i * stride]; if (v > mx || v != v) mx = v; }
  const double shift = std::isfinite(mx) ? mx : 0.0;
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += std::exp(x[i * stride] - shift);
  mx = shift;
  lse = std::log(s);
}

template <typename T>
static void forward(const Napi::CallbackInfo& info) {
  const char* op = "softmax";
  const int64_t outer = intArg(info, 1, op, "outer"), n = intArg(info, 2, op, "n"), inner = intArg(info, 3, op, "inner");
  const bool log = boolArg(info, 4);
  const T* x = arrayArg<T>(info, 0, outer * n * inner, op, "x");
  T* y = arrayArg<T>(info, 5, outer * n * inner, op, "out");
#pragma omp parallel for collapse(2) schedule(static) if (outer * n * inner > 32768)
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t j = 0; j < inner; j++) {
      const T* px = x + o * n * inner + j;
      T* py = y + o * n * inner + j;
      double mx, lse;
      logSumExp(px, n, inner, mx, lse);
      for (int64_t i = 0; i < n; i++) {
        const double z = px[i * inner] - mx - lse;
        py[i * inner] = static_cast<T>(log ? z : std::exp(z));
      }
    }
  }
}

template <typename T>
static void backward(const Napi::CallbackInfo& info) {
  const char* op = "softmaxBackward";
  const int64_t outer = intArg(info, 2, op, "outer"), n = intArg(info, 3, op, "n"), inner = intArg(info, 4, op, "inner");
  const bool log = boolArg(info, 5);
  const T* y = arrayArg<T>(info, 0, outer * n * inner, op, "y");
  const T* g = arrayArg<T>(info, 1, outer * n * inner, op, "g");
  T* dx = arrayArg<T>(info, 6, outer * n * inner, op, "dx");
#pragma omp parallel for collapse(2) schedule(static) if (outer * n * inner > 32768)
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t j = 0; j < inner; j++) {
      const int64_t base = o * n * inner + j;
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += log ? static_cast<double>(g[base + i * inner]) : static_cast<double>(g[base + i * inner]) * y[base + i * inner];
      for (int64_t i = 0; i < n; i++) {
        const int64_t k = base + i * inner;
        dx[k] = static_cast<T>(log ? g[k] - std::exp(static_cast<double>(y[k])) * s : y[k] * (g[k] - s));
      }
    }
  }
}

static void checkLabels(const Napi::CallbackInfo& info, const int32_t* labels, int64_t rows, int64_t classes, const char* op) {
  for (int64_t r = 0; r < rows; r++) {
    if (labels[r] < 0 || labels[r] >= classes) {
      throw fail(info.Env(), op, "label " + std::to_string(labels[r]) + " at row " + std::to_string(r) + " is outside [0, " + std::to_string(classes) + ")");
    }
  }
}

template <typename T>
static void crossEntropy(const Napi::CallbackInfo& info) {
  const char* op = "softmaxCrossEntropy";
  const int64_t rows = intArg(info, 2, op, "rows"), classes = intArg(info, 3, op, "classes");
  const T* x = arrayArg<T>(info, 0, rows * classes, op, "logits");
  const int32_t* labels = arrayArg<int32_t>(info, 1, rows, op, "labels");
  T* loss = arrayArg<T>(info, 4, rows, op, "losses");
  checkLabels(info, labels, rows, classes, op);
#pragma omp parallel for schedule(static) if (rows * classes > 32768)
  for (int64_t r = 0; r < rows; r++) {
    double mx, lse;
    logSumExp(x + r * classes, classes, 1, mx, lse);
    loss[r] = static_cast<T>(mx + lse - x[r * classes + labels[r]]);
  }
}

template <typename T>
static void crossEntropyBackward(const Napi::CallbackInfo& info) {
  const char* op = "softmaxCrossEntropyBackward";
  const int64_t rows = intArg(info, 3, op, "rows"), classes = intArg(info, 4, op, "classes");
  const T* x = arrayArg<T>(info, 0, rows * classes, op, "logits");
  const int32_t* labels = arrayArg<int32_t>(info, 1, rows, op, "labels");
  const T* g = arrayArg<T>(info, 2, rows, op, "g");
  T* dx = arrayArg<T>(info, 5, rows * classes, op, "dlogits");
  checkLabels(info, labels, rows, classes, op);
#pragma omp parallel for schedule(static) if (rows * classes > 32768)
  for (int64_t r = 0; r < rows; r++) {
    double mx, lse;
    const T* px = x + r * classes;
    logSumExp(px, classes, 1, mx, lse);
    const double gr = g[r];
    for (int64_t i = 0; i < classes; i++) dx[r * classes + i] = static_cast<T>(gr * (std::exp(px[i] - mx - lse) - (i == labels[r] ? 1.0 : 0.0)));
  }
}

void registerSoftmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, floatEntry<forward<float>, forward<double>>));
  exports.Set("softmaxBackward", Napi::Function::New(env, floatEntry<backward<float>, backward<double>>));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, floatEntry<crossEntropy<float>, crossEntropy<double>>));
  exports.Set("softmaxCrossEntropyBackward", Napi::Function::New(env, floatEntry<crossEntropyBackward<float>, crossEntropyBackward<double>>));
}

}  // namespace tessera
