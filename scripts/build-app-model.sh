#!/usr/bin/env bash
# The web app's sparse page data (app/public/), regenerated with the repo's own commands (after npm run build):
#   models/mnist-srigl90.condensed.safetensors  a 784-300-100-10 MLP trained with SRigL at 90% sparsity (ERK,
#                                               neuron ablation) on the npm MNIST digits, condensed
#   data/mnist-test-100.u8                      the first 100 test digits (scripts/build-app-digits.mjs)
# The wasm backend makes the run the same on every machine (its results do not depend on the thread count).
set -euo pipefail
cd "$(dirname "$0")/.."
tessera() { node dist/src/cli/main.js "$@"; }
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
tessera train --model mlp --dataset mnist --epochs 20 --sparsity 0.9 --method srigl --ablation --seed 0 \
  --backend wasm --results "$runs" --run-id srigl-mnist
checkpoint=$(ls "$runs"/train-mlp-mnist-srigl-90/srigl-mnist/checkpoints/step-*.safetensors | sort | tail -n 1)
tessera sparse condense --checkpoint "$checkpoint" --out app/public/models/mnist-srigl90.condensed.safetensors
tessera sparse eval --model app/public/models/mnist-srigl90.condensed.safetensors --against "$checkpoint" --json
node scripts/build-app-digits.mjs app/public/data/mnist-test-100.u8 100
