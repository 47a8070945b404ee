// wasm conv2d forward and both backward passes against the cpu reference: strides, asymmetric padding,
// dilation, groups (incl. depthwise), 1×1 direct convolutions, odd channel counts and spatial sizes,
// 1 and 2 threads, bit-identity across thread counts, f64 delegation, and errors for inconsistent shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import type { Conv2dParams } from '../../src/backend/kernels.js';
import { assertBitIdentical, assertClose, backendsForFile, seeded } from './wasm.helpers.js';

const backends = backendsForFile();

type Spec = Partial<Conv2dParams> & Pick<Conv2dParams, 'n' | 'cIn' | 'h' | 'w' | 'cOut' | 'kh' | 'kw'>;

function conv(spec: Spec): Conv2dParams {
  const p = {
    strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, groups: 1,
    outH: 0, outW: 0, ...spec,
  };
  p.outH = Math.floor((p.h + p.padTop + p.padBottom - p.dilationH * (p.kh - 1) - 1) / p.strideH) + 1;
  p.outW = Math.floor((p.w + p.padLeft + p.padRight - p.dilationW * (p.kw - 1) - 1) / p.strideW) + 1;
  return p;
}

const CASES: [string, Conv2dParams][] = [
  ['3×3 same padding', conv({ n: 2, cIn: 3, h: 9, w: 8, cOut: 4, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
  ['stride 2, asymmetric padding', conv({ n: 3, cIn: 5, h: 11, w: 10, cOut: 7, kh: 3, kw: 2, strideH: 2, strideW: 3, padTop: 2, padBottom: 0, padLeft: 0, padRight: 1 })],
  ['dilation 2×3', conv({ n: 1, cIn: 4, h: 13, w: 12, cOut: 6, kh: 3, kw: 3, dilationH: 2, dilationW: 3, padTop: 1, padBottom: 2, padLeft: 3, padRight: 0 })],
  ['groups 3, 33 channels', conv({ n: 2, cIn: 33, h: 7, w: 6, cOut: 9, kh: 3, kw: 3, groups: 3, strideH: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
  ['depthwise 32', conv({ n: 2, cIn: 32, h: 8, w: 9, cOut: 32, kh: 3, kw: 3, groups: 32, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
  ['1×1 direct, 31 → 33', conv({ n: 3, cIn: 31, h: 5, w: 7, cOut: 33, kh: 1, kw: 1 })],
  ['1×1 strided, padded', conv({ n: 2, cIn: 3, h: 6, w: 5, cOut: 2, kh: 1, kw: 1, strideH: 2, strideW: 2, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1 })],
  ['1×1 output (kernel = image)', conv({ n: 4, cIn: 2, h: 5, w: 5, cOut: 3, kh: 5, kw: 5 })],
  ['single pixel, padding larger than the kernel reach', conv({ n: 1, cIn: 1, h: 1, w: 1, cOut: 1, kh: 2, kw: 3, padTop: 3, padBottom: 3, padLeft: 2, padRight: 4, strideH: 2, strideW: 3 })],
  ['257 output channels, 31×33 image', conv({ n: 1, cIn: 2, h: 31, w: 33, cOut: 257, kh: 3, kw: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 })],
  ['batch 33, 32 channels', conv({ n: 33, cIn: 32, h: 6, w: 6, cOut: 16, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 0, padLeft: 1, padRight: 0 })],
];

const sizes = (p: Conv2dParams) => ({ x: p.n * p.cIn * p.h * p.w, wt: p.cOut * (p.cIn / p.groups) * p.kh * p.kw, y: p.n * p.cOut * p.outH * p.outW });

/** Forward, backward-input and backward-filter of every backend for `p`; returns [pass][backend] outputs. */
function runAll(p: Conv2dParams, seed: number, label: string): Float32Array[][] {
  const s = sizes(p);
  const x = seeded(s.x, seed), weight = seeded(s.wt, seed + 1), dy = seeded(s.y, seed + 2);
  const passes = [
    { name: 'forward', size: s.y, run: (be: typeof cpuBackend, out: Float32Array) => be.conv2d(p, x, weight, out) },
    { name: 'backward input', size: s.x, run: (be: typeof cpuBackend, out: Float32Array) => be.conv2dBackwardInput(p, dy, weight, out) },
    { name: 'backward filter', size: s.wt, run: (be: typeof cpuBackend, out: Float32Array) => be.conv2dBackwardFilter(p, x, dy, out) },
  ];
  return passes.map((pass) => {
    const want = new Float32Array(pass.size);
    pass.run(cpuBackend, want);
    return backends.both().map((be) => {
      const got = new Float32Array(pass.size).fill(Number.NaN);
      pass.run(be, got);
      assertClose(got, want, `${label} ${pass.name} threads=${be.threads}`);
      return got;
    });
  });
}

test('conv2d: forward and both backward passes match the cpu reference (1 and 2 threads)', () => {
  CASES.forEach(([label, p], i) => runAll(p, 100 + 10 * i, label));
});

test('conv2d: 1 and 2 threads give bit-identical results (splits over outputs and channels only)', () => {
  const p = conv({ n: 4, cIn: 16, h: 17, w: 15, cOut: 24, kh: 3, kw: 3, groups: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 2, padRight: 0 });
  for (const [one, two] of runAll(p, 7, 'identity')) assertBitIdentical(one!, two!, 'conv identity');
});

test('conv2d: f64 arrays delegate to the cpu reference exactly', () => {
  const p = CASES[1]![1];
  const s = sizes(p);
  const x = Float64Array.from(seeded(s.x, 1)), weight = Float64Array.from(seeded(s.wt, 2)), dy = Float64Array.from(seeded(s.y, 3));
  const pairs: Float64Array[] = [];
  for (const be of [cpuBackend, backends.two()]) {
    const y = new Float64Array(s.y), dx = new Float64Array(s.x), dw = new Float64Array(s.wt);
    be.conv2d(p, x, weight, y);
    be.conv2dBackwardInput(p, dy, weight, dx);
    be.conv2dBackwardFilter(p, x, dy, dw);
    pairs.push(y, dx, dw);
  }
  for (let i = 0; i < 3; i++) assert.deepEqual(pairs[i + 3], pairs[i]);
});

test('conv2d: inconsistent output size, groups or lengths raise errors naming the argument', () => {
  const be = backends.one();
  const p = CASES[0]![1];
  const s = sizes(p);
  assert.throws(() => be.conv2d({ ...p, outH: p.outH + 1 }, new Float32Array(s.x), new Float32Array(s.wt), new Float32Array(s.y + 100)), /conv2d: outH, outW/);
  assert.throws(() => be.conv2d({ ...p, groups: 2 }, new Float32Array(s.x), new Float32Array(s.wt), new Float32Array(s.y)), /conv2d: groups/);
  assert.throws(() => be.conv2dBackwardFilter(p, new Float32Array(s.x - 1), new Float32Array(s.y), new Float32Array(s.wt)), /conv2dBackwardFilter: x.length/);
});

test('conv2d: images processed in chunks (small column budget) give the same results, backward filter accumulating', async () => {
  const p = CASES[10]![1];
  const s = sizes(p);
  const x = seeded(s.x, 5), weight = seeded(s.wt, 6), dy = seeded(s.y, 7);
  const chunked = await createWasmBackend({ threads: 2, columnBudgetBytes: 20_000 });
  try {
    const outs = [backends.two(), chunked].map((be) => {
      const y = new Float32Array(s.y), dx = new Float32Array(s.x), dw = new Float32Array(s.wt);
      be.conv2d(p, x, weight, y);
      be.conv2dBackwardInput(p, dy, weight, dx);
      be.conv2dBackwardFilter(p, x, dy, dw);
      return [y, dx, dw];
    });
    assertBitIdentical(outs[1]![0]!, outs[0]![0]!, 'chunked forward');
    assertBitIdentical(outs[1]![1]!, outs[0]![1]!, 'chunked backward input');
    const want = new Float32Array(s.wt);
    cpuBackend.conv2dBackwardFilter(p, x, dy, want);
    assertClose(outs[1]![2]!, want, 'chunked backward filter');
  } finally {
    await chunked.dispose();
  }
});
