// Parity of the native fused image pipeline (positionPipeline, pipeline.cc) with its cpu reference (the layer
// kernels composed, backend/cpu/positionPipeline.ts): programs of convs ('same', 'valid', 'circular', strides 1–2,
// 3×3 and 1×3 filters), abRelu and erf maps, average / sum pooling, and both reductions (globalAvgPool's mean and
// flatten's diagonal mean), on 6×6 and odd 5×7 images with 1 and 2 channels, an input set against itself (pairs
// i ≤ j, mirrored) and against another set of odd size; 1 and 2 threads; float64 to 1e-12 normwise relative
// error. Bad programs raise TesseraErrors before the addon. Skipped, saying why, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend as cpu } from '../../src/backend/cpu/index.js';
import type { PositionPipelineOutputs, PositionStep } from '../../src/backend/kernels.js';
import { createNativeBackend, type NativeBackend } from '../../src/backend/native/index.js';
import { TesseraError } from '../../src/core/errors.js';

const load = createNativeBackend({ threads: 2 });
const skip = load.ok ? false : `native backend unavailable: ${load.reason}`;
const native = (load.ok ? load.backend : null) as NativeBackend;

/** Deterministic values in [−1, 1) from an LCG. */
function values(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = -1 + 2 * (s / 2 ** 32);
  }
  return out;
}

function close(got: Float64Array, want: Float64Array, label: string, tol = 1e-12): void {
  assert.equal(got.length, want.length, label);
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]!), `${label}: entry ${i} is ${got[i]}, reference ${want[i]}`);
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  assert.ok(err <= tol * scale, `${label}: relative error ${err / scale} > ${tol}`);
}

/** A conv step on h×w images (infinite/conv.ts's geometry) and the image size after it. */
function conv(h: number, w: number, kh: number, kw: number, stride: number, padding: 'same' | 'valid' | 'circular'): [PositionStep, number, number] {
  const [padH, padW] = padding === 'valid' ? [0, 0] : [(kh - 1) / 2, (kw - 1) / 2];
  const outH = Math.floor((h + 2 * padH - kh) / stride) + 1, outW = Math.floor((w + 2 * padW - kw) / stride) + 1;
  return [{ op: 'conv', conv: { blocks: 0, h, w, kh, kw, stride, padH, padW, outH, outW, circular: padding === 'circular', scale: 1.96, shift: 0.01 } }, outH, outW];
}

const relu: PositionStep = { op: 'map', map: { kind: 'abRelu', a: 0, b: 1 } };
const leaky: PositionStep = { op: 'map', map: { kind: 'abRelu', a: 0.2, b: 1 } };
const erf: PositionStep = { op: 'map', map: { kind: 'erf', a: 1.3, b: 0.7, c: 0.1 } };

/** Programs on h×w images: name and steps. */
function programs(h: number, w: number): [string, PositionStep[]][] {
  const out: [string, PositionStep[]][] = [];
  for (const [kh, kw, stride, padding] of [[3, 3, 1, 'same'], [3, 3, 1, 'circular'], [3, 3, 2, 'same'], [3, 3, 1, 'valid'], [1, 3, 1, 'same']] as const) {
    const [c1, h1, w1] = conv(h, w, kh, kw, stride, padding), [c2, h2, w2] = conv(h1, w1, 3, 3, 1, 'same');
    out.push([`conv ${kh}×${kw} ${padding} s${stride}, relu, conv, erf, mean`, [c1, relu, c2, erf, { op: 'reduce', positions: h2 * w2, diagonalOnly: false }]]);
  }
  const [c1, h1, w1] = conv(h, w, 3, 3, 1, 'same');
  const pool = (scale: number): PositionStep => ({ op: 'pool', pool: { blocks: 0, h: h1, w: w1, window: 2, stride: 2, pad: 0, outH: Math.floor(h1 / 2), outW: Math.floor(w1 / 2), scale } });
  const [c2, h2, w2] = conv(Math.floor(h1 / 2), Math.floor(w1 / 2), 3, 3, 1, 'same');
  out.push(['conv, leaky relu, avg pool 2, conv, relu, mean', [c1, leaky, pool(1), c2, relu, { op: 'reduce', positions: h2 * w2, diagonalOnly: false }]]);
  out.push(['conv, relu, sum pool 2, conv, relu, diagonal mean (flatten)', [c1, relu, pool(16), c2, relu, { op: 'reduce', positions: h2 * w2, diagonalOnly: true }]]);
  out.push(['relu on the input kernel first (Θ = 0), conv, mean', [relu, c1, { op: 'reduce', positions: h1 * w1, diagonalOnly: false }]]);
  return out;
}

const outputs = (n1: number, n2: number): PositionPipelineOutputs => ({ nngp: new Float64Array(n1 * n2), ntk: new Float64Array(n1 * n2), cov1: new Float64Array(n1), cov2: new Float64Array(n2) });

test('native positionPipeline = cpu reference: convs (paddings, strides), abRelu / erf, pools, both reductions; same and cross sets; 1 and 2 threads', { skip }, () => {
  for (const threads of [1, 2]) {
    native.setThreads(threads);
    for (const [h, w] of [[6, 6], [5, 7]] as const) {
      for (const C of [1, 2]) {
        const P = h * w;
        for (const [name, steps] of programs(h, w)) {
          for (const same of [true, false]) {
            const n1 = 5, n2 = same ? 5 : 3;
            const x1 = values(n1 * C * P, P + C), x2 = same ? x1 : values(n2 * C * P, P + C + 7);
            const p = { n1, n2, channels: C, positions: P, same };
            const want = outputs(n1, n2), got = outputs(n1, n2);
            cpu.positionPipeline(steps, p, x1, x2, want);
            native.positionPipeline(steps, p, x1, x2, got);
            const label = `${name}: ${h}×${w} C=${C} same=${same} threads=${threads}`;
            close(got.nngp, want.nngp, `${label} nngp`);
            close(got.ntk, want.ntk, `${label} ntk`);
            close(got.cov1, want.cov1, `${label} cov1`);
            if (!same) close(got.cov2, want.cov2, `${label} cov2`);
            if (same) for (let i = 0; i < n1; i++) for (let j = 0; j < n1; j++) assert.equal(got.nngp[i * n1 + j], got.nngp[j * n1 + i], `${label}: symmetric`);
          }
        }
      }
    }
  }
  native.setThreads(2);
});

test('native positionPipeline: a pair of an input with itself gives exactly its self-covariance (the same steps, the same bits)', { skip }, () => {
  const [c1, h1, w1] = conv(6, 6, 3, 3, 1, 'same'), [c2] = conv(h1, w1, 3, 3, 1, 'same');
  const steps: PositionStep[] = [c1, relu, c2, relu, { op: 'reduce', positions: 36, diagonalOnly: false }];
  const n = 7, x = values(n * 36, 3), out = outputs(n, n);
  native.positionPipeline(steps, { n1: n, n2: n, channels: 1, positions: 36, same: true }, x, x, out);
  for (let i = 0; i < n; i++) assert.equal(out.nngp[i * n + i], out.cov1[i], `input ${i}`);
});

test('native positionPipeline refuses bad programs with TesseraErrors', { skip }, () => {
  const [c1] = conv(6, 6, 3, 3, 1, 'same');
  const p = { n1: 2, n2: 2, channels: 1, positions: 36, same: true }, x = values(72, 1);
  const run = (steps: PositionStep[]) => () => native.positionPipeline(steps, p, x, x, outputs(2, 2));
  assert.throws(run([c1, relu]), TesseraError); // no reduce
  assert.throws(run([{ op: 'reduce', positions: 36, diagonalOnly: false }, relu]), TesseraError); // reduce not last
  assert.throws(run([c1, { op: 'reduce', positions: 25, diagonalOnly: false }]), TesseraError); // positions do not chain
  assert.throws(() => native.positionPipeline([c1, { op: 'reduce', positions: 36, diagonalOnly: false }], p, x.subarray(0, 40), x, outputs(2, 2)), TesseraError);
});
