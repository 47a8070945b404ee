// Golden tests: tessera's tensor ops (forward values and gradients) against PyTorch.
//
// Fixtures: test/fixtures/engine-golden.json, written by scripts/fixtures/engine_golden.py
// (format documented there). For each case we build the inputs as float32 tensors (targets as
// i32), run the op, and compare its output with the fixture; then differentiate
// sum(op(...) * cotangent) w.r.t. every input listed under "grads" and compare each gradient.
//
// Metric. For an expected array e and a computed array g (same length):
//   relErr = max_i |g_i - e_i| / max(|e_i|, FLOOR * max_j |e_j|, 1e-30)
// and a case passes when relErr <= TOL for the output and every gradient. The floor keeps
// entries that are (nearly) zero through cancellation from demanding more than float32 can
// give: with FLOOR = 1e-2, an entry below 1% of the array's largest magnitude is judged on
// absolute error <= TOL * FLOOR * max|e| = 1e-7 * max|e|, about one float32 ulp of the largest
// entry. (Calibration, `engine_golden.py --check`: all-float32 PyTorch, accumulating in
// float32, scores at most 5e-6 on every case with this floor; with a 1e-3 floor it would fail
// e.g. conv2d + bias and gelu, where one float32 rounding of an intermediate is inherent.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  tensor, valueAndGrad, add, mul, div, sum, mean, logsumexp, matmul, conv2d, conv1d, maxPool2d,
  avgPool2d, reshape, softmax, logSoftmax, gelu, silu, softplus, erf, crossEntropy, mse,
} from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { withBackend } from '../../src/backend/registry.js';
import type { Backend } from '../../src/backend/kernels.js';
import { engineBackends } from '../support/backends.js';

const TOL = 1e-5;
const FLOOR = 1e-2; // keep equal to FLOOR in scripts/fixtures/engine_golden.py

interface FixtureArray {
  shape: number[];
  dtype: 'f32' | 'f64' | 'i32';
  data: number[];
}

interface GoldenCase {
  name: string;
  op: string;
  params: Record<string, any>;
  inputs: Record<string, FixtureArray>;
  cotangent: FixtureArray;
  output: FixtureArray;
  grads: Record<string, FixtureArray>;
}

// Compiled to dist/test/tensor/golden.test.js: three levels up is the repository root.
const FIXTURE = new URL('../../../test/fixtures/engine-golden.json', import.meta.url);
const cases: GoldenCase[] = JSON.parse(readFileSync(FIXTURE, 'utf8')).cases;

type Inputs = Record<string, Tensor>;
type OpFn = (t: Inputs, p: Record<string, any>) => Tensor;

/** Adds a per-channel bias b [C] to y [N, C, ...spatial]. */
function addBias(y: Tensor, b: Tensor | undefined): Tensor {
  if (b === undefined) return y;
  const shape = y.shape.map((d, i) => (i === 1 ? d : 1));
  return add(y, reshape(b, shape));
}

/** How each fixture "op" maps onto tessera's API (inputs by name, options from params). */
const OPS: Record<string, OpFn> = {
  conv2d: (t, p) => addBias(conv2d(t.x!, t.w!, {
    stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups,
  }), t.b),
  conv1d: (t, p) => addBias(conv1d(t.x!, t.w!, {
    stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups,
  }), t.b),
  matmul: (t, p) => matmul(t.a!, t.b!, { transA: p.transA, transB: p.transB }),
  maxPool2d: (t, p) => maxPool2d(t.x!, { kernelSize: p.kernelSize, stride: p.stride, padding: p.padding }),
  avgPool2d: (t, p) => avgPool2d(t.x!, { kernelSize: p.kernelSize, stride: p.stride, padding: p.padding }),
  softmax: (t, p) => softmax(t.x!, p.axis),
  logSoftmax: (t, p) => logSoftmax(t.x!, p.axis),
  logsumexp: (t, p) => logsumexp(t.x!, p.axes, p.keepdims),
  crossEntropy: (t, p) => crossEntropy(t.logits!, t.targets!, {
    ...(t.weight !== undefined ? { weight: t.weight } : {}),
    ...(p.labelSmoothing !== undefined ? { labelSmoothing: p.labelSmoothing } : {}),
    reduction: p.reduction,
  }),
  gelu: (t) => gelu(t.x!),
  silu: (t) => silu(t.x!),
  softplus: (t) => softplus(t.x!),
  erf: (t) => erf(t.x!),
  mse: (t, p) => mse(t.a!, t.b!, { reduction: p.reduction }),
  sum: (t, p) => sum(t.x!, p.axes, p.keepdims),
  mean: (t) => mean(t.x!),
  div: (t) => div(t.a!, t.b!),
};

function toTensor(a: FixtureArray): Tensor {
  return a.dtype === 'i32' ? tensor(a.data, a.shape, 'i32') : tensor(new Float32Array(a.data), a.shape, 'f32');
}

interface Worst {
  err: number;
  index: number;
  expected: number;
  got: number;
}

/** The metric described at the top of this file, with the entry that attains it. */
function worstRelErr(got: ArrayLike<number>, expected: number[]): Worst {
  let maxAbs = 0;
  for (const e of expected) maxAbs = Math.max(maxAbs, Math.abs(e));
  const floor = Math.max(FLOOR * maxAbs, 1e-30);
  const worst: Worst = { err: 0, index: -1, expected: NaN, got: NaN };
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!, g = got[i]!;
    const err = Math.abs(g - e) / Math.max(Math.abs(e), floor);
    // `!(err <= worst.err)` also catches NaN.
    if (!(err <= worst.err) || worst.index < 0) Object.assign(worst, { err, index: i, expected: e, got: g });
  }
  return worst;
}

interface Check {
  array: string;
  worst: Worst;
  problem?: string;
}

function compare(array: string, got: Tensor, expected: FixtureArray): Check {
  if (got.shape.length !== expected.shape.length || got.shape.some((d, i) => d !== expected.shape[i])) {
    return { array, worst: { err: Infinity, index: -1, expected: NaN, got: NaN },
      problem: `shape [${got.shape.join(', ')}], expected [${expected.shape.join(', ')}]` };
  }
  return { array, worst: worstRelErr(got.toArray(), expected.data) };
}

// The suite runs on every backend: the cpu reference, the wasm kernels (2 threads) and native when built.
const backends: [string, () => Backend][] = (await engineBackends()).map((b) => [b.name, () => b]);

for (const c of cases) for (const [backendName, backend] of backends) {
  test(`golden ${c.name} [${backendName}]`, (t) => withBackend(backend(), () => {
    const op = OPS[c.op];
    assert.ok(op, `${c.name}: no mapping for op "${c.op}"`);
    const names = Object.keys(c.inputs);
    const inputs = names.map((n) => toTensor(c.inputs[n]!));
    const named = (xs: Tensor[]): Inputs => Object.fromEntries(names.map((n, i) => [n, xs[i]!]));

    const checks: Check[] = [compare('output', op(named(inputs), c.params), c.output)];

    const gradNames = Object.keys(c.grads);
    const argnums = gradNames.map((n) => names.indexOf(n));
    const cot = toTensor(c.cotangent);
    const [, grads] = valueAndGrad((...xs: Tensor[]) => sum(mul(op(named(xs), c.params), cot)), argnums)(...inputs);
    assert.equal(grads.length, gradNames.length, `${c.name}: expected ${gradNames.length} gradients`);
    gradNames.forEach((n, i) => checks.push(compare(`grad ${n}`, grads[i]!, c.grads[n]!)));

    const bad = checks.filter((k) => k.problem !== undefined || !(k.worst.err <= TOL));
    const worst = checks.reduce((a, b) => (b.worst.err > a.worst.err ? b : a));
    t.diagnostic(`worst ${worst.worst.err.toExponential(2)} (${worst.array})`);
    if (bad.length > 0) {
      const lines = bad.map((k) => k.problem !== undefined
        ? `  ${k.array}: ${k.problem}`
        : `  ${k.array}: relErr ${k.worst.err.toExponential(3)} at index ${k.worst.index}: `
          + `expected ${k.worst.expected}, got ${k.worst.got}`);
      assert.fail(`${c.name} [${backendName}]: ${bad.length} array(s) beyond relErr ${TOL}\n${lines.join('\n')}`);
    }
  }));
}
