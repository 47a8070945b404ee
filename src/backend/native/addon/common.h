// Shared helpers of the native kernels: typed-array arguments with length checks, and the thread knob.
// Every kernel re-checks the lengths it will touch (the TS wrapper already validated shapes and dtypes
// and raised TesseraErrors); a failed check here throws a JS Error instead of touching memory.
#pragma once
#include <napi.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <omp.h>

namespace tessera {

// Registration of each kernel file's functions on the module's exports.
void registerGemm(Napi::Env env, Napi::Object exports);
void registerConv(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerReduce(Napi::Env env, Napi::Object exports);
void registerNorm(Napi::Env env, Napi::Object exports);
void registerSoftmax(Napi::Env env, Napi::Object exports);
void registerFanIn(Napi::Env env, Napi::Object exports);
void registerLinalg(Napi::Env env, Napi::Object exports);
void registerOptim(Napi::Env env, Napi::Object exports);
void registerWeightGemv(Napi::Env env, Napi::Object exports);
void registerAttention(Napi::Env env, Napi::Object exports);
void registerSsd(Napi::Env env, Napi::Object exports);
void registerPositions(Napi::Env env, Napi::Object exports);
void registerSandwich(Napi::Env env, Napi::Object exports);
void registerPairMaps(Napi::Env env, Napi::Object exports);
void registerPipeline(Napi::Env env, Napi::Object exports);

/** Threads our own OpenMP kernels use (OpenBLAS has its own knob, set together in module.cc). */
int kernelThreads();

inline Napi::Error fail(Napi::Env env, const std::string& op, const std::string& what) {
  return Napi::Error::New(env, "tessera-native " + op + ": " + what);
}

inline bool isF32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

/**
 * A JS entry point that runs body<float> or body<double> by the element type of argument `arg`
 * (Float32Array → float, anything else → double, whose arrayArg checks then name the mismatch).
 */
template <void (*F32)(const Napi::CallbackInfo&), void (*F64)(const Napi::CallbackInfo&), size_t arg = 0>
Napi::Value floatEntry(const Napi::CallbackInfo& info) {
  if (isF32(info[arg])) F32(info);
  else F64(info);
  return info.Env().Undefined();
}

template <typename T> constexpr napi_typedarray_type typedArrayType();
template <> constexpr napi_typedarray_type typedArrayType<float>() { return napi_float32_array; }
template <> constexpr napi_typedarray_type typedArrayType<double>() { return napi_float64_array; }
template <> constexpr napi_typedarray_type typedArrayType<int32_t>() { return napi_int32_array; }
template <> constexpr napi_typedarray_type typedArrayType<uint16_t>() { return napi_uint16_array; }
template <> constexpr napi_typedarray_type typedArrayType<uint8_t>() { return napi_uint8_array; }

/** Argument i as a T array with at least `need` elements. */
template <typename T>
T* arrayArg(const Napi::CallbackInfo& info, size_t i, size_t need, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != typedArrayType<T>()) {
    throw fail(info.Env(), op, std::string(name) + " has the wrong array type");
  }
  auto a = v.As<Napi::TypedArrayOf<T>>();
  if (a.ElementLength() < need) {
    throw fail(info.Env(), op, std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, needs " + std::to_string(need));
  }
  return a.Data();
}

/** Argument i as a T array or null (nullptr). */
template <typename T>
T* optionalArrayArg(const Napi::CallbackInfo& info, size_t i, size_t need, const char* op, const char* name) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return arrayArg<T>(info, i, need, op, name);
}

/** Argument i as a non-negative integer. */
inline int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw fail(info.Env(), op, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != static_cast<double>(static_cast<int64_t>(d))) throw fail(info.Env(), op, std::string(name) + " must be a non-negative integer");
  return static_cast<int64_t>(d);
}

inline double numberArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (!info[i].IsNumber()) throw fail(info.Env(), op, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool boolArg(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

/** Integer array argument (shape, axes) as a vector. */
inline std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (!info[i].IsArray()) throw fail(info.Env(), op, std::string(name) + " must be an array of integers");
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) throw fail(info.Env(), op, std::string(name) + " must be an array of integers");
    out[k] = static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
    if (out[k] < 0) throw fail(info.Env(), op, std::string(name) + " must hold non-negative integers");
  }
  return out;
}

}  // namespace tessera
