// The native backend's float64 infinite-width image kernels (kernels.ts positionGram … pairMap; the addon's
// positions.cc, sandwich.cc and pairmaps.cc): each call is validated here — float64 arrays long enough for every
// entry the kernel touches, integer sizes in the addon's 32-bit range — and raises TesseraErrors, so the addon
// never sees a short array. Node only (through the addon).
import { dtypeError, shapeError, TesseraError } from '../../core/errors.js';
import { cpuBackend } from '../cpu/index.js';
import type { Backend, PositionConvParams, PositionPoolParams, PositionStep } from '../kernels.js';
import type { NativeAddon } from './addon.js';

type PositionKernels = Pick<Backend, 'positionGram' | 'positionConv' | 'positionPool' | 'positionReduce' | 'positionSandwich' | 'pairMap' | 'positionPipeline'>;

function ints(op: string, values: Record<string, number>, min = 0): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1) throw new TesseraError('range', op, `${k} expected an integer in [${min}, 2³¹ − 1], got ${v}`);
  }
}

/** Each array a Float64Array of at least the given length (null: absent, allowed). */
function f64(op: string, arrays: Record<string, [Float64Array | null, number]>): void {
  for (const [k, [a, n]] of Object.entries(arrays)) {
    if (a === null) continue;
    if (!(a instanceof Float64Array)) throw dtypeError(op, k, 'f64 (Float64Array)', (a as object)?.constructor?.name);
    if (a.length < n) throw shapeError(op, k, `at least ${n} elements`, `${a.length}`);
  }
}

function finite(op: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) if (!Number.isFinite(v)) throw new TesseraError('value', op, `${k} expected a finite number, got ${v}`);
}

function selfPairs(op: string, self: boolean, n2: number): void {
  if (self && n2 !== 1) throw shapeError(op, 'n2', '1 for a self set (input i paired with itself)', n2);
}

function checkConv(p: PositionConvParams): void {
  const op = 'positionConv';
  ints(op, { blocks: p.blocks, padH: p.padH, padW: p.padW });
  ints(op, { h: p.h, w: p.w, kh: p.kh, kw: p.kw, stride: p.stride, outH: p.outH, outW: p.outW }, 1);
  finite(op, { scale: p.scale, shift: p.shift });
  ints(op, { 'blocks·P²': p.blocks * (p.h * p.w) ** 2, 'blocks·Q²': p.blocks * (p.outH * p.outW) ** 2 });
}

function checkPool(p: PositionPoolParams): void {
  const op = 'positionPool';
  ints(op, { blocks: p.blocks, pad: p.pad });
  ints(op, { h: p.h, w: p.w, window: p.window, stride: p.stride, outH: p.outH, outW: p.outW }, 1);
  finite(op, { scale: p.scale });
}

/** The addon's program (pipeline.cc): 13 numbers a step, each step's sizes checked against the positions before it. */
function encodeSteps(steps: readonly PositionStep[], positions: number): Float64Array {
  const op = 'positionPipeline', program = new Float64Array(steps.length * 13);
  let P = positions;
  steps.forEach((s, i) => {
    const at = i * 13;
    const expectPositions = (what: string, got: number) => {
      if (got !== P) throw shapeError(op, `steps[${i}] (${what})`, `${P} input positions (the previous step's output)`, got);
    };
    if (s.op === 'conv') {
      const c = s.conv;
      checkConv({ ...c, blocks: 0 });
      expectPositions('conv', c.h * c.w);
      program.set([0, c.h, c.w, c.kh, c.kw, c.stride, c.padH, c.padW, c.outH, c.outW, c.circular ? 1 : 0, c.scale, c.shift], at);
      P = c.outH * c.outW;
    } else if (s.op === 'map') {
      const c = s.map.kind === 'erf' ? s.map.c : 0;
      finite(op, { a: s.map.a, b: s.map.b, c });
      program.set([1, s.map.kind === 'abRelu' ? 0 : 1, s.map.a, s.map.b, c], at);
    } else if (s.op === 'pool') {
      const c = s.pool;
      checkPool({ ...c, blocks: 0 });
      expectPositions('pool', c.h * c.w);
      program.set([2, c.h, c.w, c.window, c.stride, c.pad, c.outH, c.outW, c.scale], at);
      P = c.outH * c.outW;
    } else {
      expectPositions('reduce', s.positions);
      if (i !== steps.length - 1) throw shapeError(op, 'steps', 'the reduce step last', `reduce at step ${i} of ${steps.length}`);
      program.set([3, s.positions, s.diagonalOnly ? 1 : 0], at);
    }
  });
  if (steps.at(-1)?.op !== 'reduce') throw shapeError(op, 'steps', 'steps ending with a reduce step', steps.map((s) => s.op).join(', '));
  return program;
}

export function positionKernels(addon: NativeAddon): PositionKernels {
  return {
    positionGram(p, x1, x2, out) {
      const op = 'positionGram', self = p.self;
      ints(op, { n1: p.n1, n2: p.n2 });
      ints(op, { channels: p.channels, positions: p.positions }, 1);
      selfPairs(op, self, p.n2);
      const P = p.positions, C = p.channels;
      f64(op, { x1: [x1, p.n1 * C * P], x2: [x2, (self ? p.n1 : p.n2) * C * P], out: [out, p.n1 * p.n2 * P * P] });
      addon.positionGram(Int32Array.of(p.n1, p.n2, C, P, self ? 1 : 0), x1, x2, out);
    },
    positionConv(p, src, add, out) {
      if (p.kh > 16 || p.kw > 16) return cpuBackend.positionConv(p, src, add, out); // the addon's taps are up to 16×16
      checkConv(p);
      const PP = (p.h * p.w) ** 2, QQ = (p.outH * p.outW) ** 2;
      f64('positionConv', { src: [src, p.blocks * PP], add: [add, p.blocks * QQ], out: [out, p.blocks * QQ] });
      const params = Int32Array.of(p.blocks, p.h, p.w, p.kh, p.kw, p.stride, p.padH, p.padW, p.outH, p.outW, p.circular ? 1 : 0);
      addon.positionConv(params, p.scale, p.shift, src, add, out);
    },
    positionPool(p, src, out) {
      checkPool(p);
      f64('positionPool', { src: [src, p.blocks * (p.h * p.w) ** 2], out: [out, p.blocks * (p.outH * p.outW) ** 2] });
      addon.positionPool(Int32Array.of(p.blocks, p.h, p.w, p.window, p.stride, p.pad, p.outH, p.outW), p.scale, src, out);
    },
    positionReduce(blocks, positions, diagonalOnly, src, out) {
      const op = 'positionReduce';
      ints(op, { blocks });
      ints(op, { positions }, 1);
      f64(op, { src: [src, blocks * positions * positions], out: [out, blocks] });
      addon.positionReduce(blocks, positions, diagonalOnly, src, out);
    },
    positionSandwich(p, A, B, M, M2, out) {
      const op = 'positionSandwich';
      ints(op, { n1: p.n1, n2: p.n2 });
      ints(op, { positions: p.positions }, 1);
      selfPairs(op, p.self, p.n2);
      finite(op, { w: p.w, c: p.c, alpha: p.alpha });
      const PP = p.positions ** 2, blocks = p.n1 * p.n2;
      f64(op, { A: [A, p.n1 * PP], B: [B, (p.self ? p.n1 : p.n2) * PP], M: [M, blocks * PP], M2: [M2, blocks * PP], out: [out, blocks * PP] });
      addon.positionSandwich(Int32Array.of(p.n1, p.n2, p.positions, p.self ? 1 : 0), p.w, p.c, p.alpha, A, B, M, M2, out);
    },
    pairMap(map, p, nngp, ntk, var1, var2, outNngp, outNtk) {
      const op = 'pairMap';
      ints(op, { n1: p.n1, n2: p.n2 });
      ints(op, { positions: p.positions }, 1);
      selfPairs(op, p.self, p.n2);
      if ((ntk === null) !== (outNtk === null)) throw new TesseraError('value', op, 'ntk and outNtk expected both given or both null');
      const entries = p.n1 * p.n2 * (p.diagonal ? p.positions : p.positions ** 2);
      f64(op, {
        nngp: [nngp, entries], ntk: [ntk, entries], var1: [var1, p.n1 * p.positions], var2: [var2, (p.self ? p.n1 : p.n2) * p.positions],
        outNngp: [outNngp, entries], outNtk: [outNtk, entries],
      });
      const c = map.kind === 'erf' ? map.c : 0;
      finite(op, { a: map.a, b: map.b, c });
      addon.pairMap(map.kind === 'abRelu' ? 0 : 1, map.a, map.b, c, Int32Array.of(p.n1, p.n2, p.positions, p.self ? 1 : 0, p.diagonal ? 1 : 0), nngp, ntk, var1, var2, outNngp, outNtk);
    },
    positionPipeline(steps, p, x1, x2, out) {
      // the addon's conv taps are up to 16×16: larger filters run the reference
      if (steps.some((s) => s.op === 'conv' && (s.conv.kh > 16 || s.conv.kw > 16))) return cpuBackend.positionPipeline(steps, p, x1, x2, out);
      const op = 'positionPipeline', n2 = p.same ? p.n1 : p.n2;
      ints(op, { n1: p.n1, n2, 'n1·n2': p.n1 * n2 });
      ints(op, { channels: p.channels, positions: p.positions }, 1);
      const program = encodeSteps(steps, p.positions), C = p.channels, P = p.positions;
      ints(op, { 'n·C·P': (p.n1 + n2) * C * P, 'P²': P * P });
      f64(op, {
        x1: [x1, p.n1 * C * P], x2: [p.same ? null : x2, n2 * C * P], nngp: [out.nngp, p.n1 * n2], ntk: [out.ntk, p.n1 * n2],
        cov1: [out.cov1, p.n1], cov2: [p.same ? null : out.cov2, n2],
      });
      addon.positionPipeline(program, Int32Array.of(p.n1, n2, C, P, p.same ? 1 : 0), x1, p.same ? x1 : x2, out.nngp, out.ntk, out.cov1, p.same ? out.cov1 : out.cov2);
    },
  };
}
