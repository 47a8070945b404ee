# The native backend addon: N-API (node-addon-api) over the system OpenBLAS/LAPACK plus our own AVX2
# kernels, threaded with OpenMP. Built by scripts/build-native.mjs (node-gyp), never required by npm ci.
{
  "targets": [
    {
      "target_name": "tessera_native",
      "sources": ["module.cc", "gemm.cc", "conv.cc", "pool.cc", "elementwise.cc", "reduce.cc", "norm.cc", "softmax.cc", "fanin.cc", "workers.cc", "linalg.cc", "optim.cc", "weightgemv.cc", "attention.cc", "ssd.cc", "positions.cc", "sandwich.cc", "pairmaps.cc", "pipeline.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(pkg-config --cflags-only-I openblas | sed 's/-I//g')"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc": ["-O3", "-mavx2", "-mfma", "-mf16c", "-fopenmp", "-std=c++17", "-fexceptions", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["<!@(pkg-config --libs openblas)", "-fopenmp"],
      "ldflags": ["-fopenmp"]
    }
  ]
}
