// Splittable, counter-based random numbers (Threefry-2x32, 20 rounds, as JAX).
// A key is two 32-bit words. The same key gives the same numbers on every backend and
// thread count, because generation is a pure function of (key, element index) in plain TS.
import { normalCdf, normalQuantile } from './special.js';
import { rangeError, valueError } from './errors.js';

export type Key = readonly [number, number];

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** Threefry-2x32-20 block function: hashes the counter pair (c0, c1) under key (k0, k1). */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let x0 = (c0 + ks[0]!) >>> 0, x1 = (c1 + ks[1]!) >>> 0;
  for (let group = 0; group < 5; group++) {
    const base = (group % 2) * 4;
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[base + r]!;
      x0 = (x0 + x1) >>> 0;
      x1 = ((x1 << rot) | (x1 >>> (32 - rot))) >>> 0;
      x1 = (x1 ^ x0) >>> 0;
    }
    x0 = (x0 + ks[(group + 1) % 3]!) >>> 0;
    x1 = (x1 + ks[(group + 2) % 3]! + group + 1) >>> 0;
  }
  return [x0, x1];
}

/** A key from an integer seed (0 ≤ seed < 2^53): words [high 32 bits, low 32 bits], like jax.random.PRNGKey. */
export function key(seed: number): Key {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw rangeError('random.key', 'seed', 'an integer in [0, 2^53)', seed);
  }
  return [Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0];
}

/**
 * `count` 32-bit random words for `k`: the counters 0..count-1 are split into two halves that
 * form the (c0, c1) pairs, as JAX's threefry_2x32 does (an odd count is padded with one zero).
 */
export function randomBits(k: Key, count: number): Uint32Array {
  const half = Math.ceil(count / 2);
  const out = new Uint32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const c1 = half + i < count ? half + i : 0; // the pad counter is 0
    const [y0, y1] = threefry2x32(k[0], k[1], i, c1);
    out[i] = y0;
    out[half + i] = y1;
  }
  return count === out.length ? out : out.slice(0, count);
}

/** `n` new independent keys from `k` (jax.random.split). */
export function split(k: Key, n = 2): Key[] {
  const bits = randomBits(k, 2 * n);
  return Array.from({ length: n }, (_, i) => [bits[2 * i]!, bits[2 * i + 1]!] as const);
}

/** A key derived from `k` and an integer `data` (jax.random.fold_in). */
export function foldIn(k: Key, data: number): Key {
  const d = randomBits(key(data >>> 0), 2);
  return threefry2x32(k[0], k[1], d[0]!, d[1]!);
}

/** Uniform floats in [0, 1): 24-bit resolution for f32, 53-bit for f64. */
export function uniformValues(k: Key, count: number, precision: 'f32' | 'f64'): Float64Array {
  const out = new Float64Array(count);
  if (precision === 'f32') {
    const bits = randomBits(k, count);
    for (let i = 0; i < count; i++) out[i] = (bits[i]! >>> 8) / 16777216;
  } else {
    const bits = randomBits(k, 2 * count);
    for (let i = 0; i < count; i++) out[i] = ((bits[2 * i]! >>> 5) * 67108864 + (bits[2 * i + 1]! >>> 6)) / 9007199254740992;
  }
  return out;
}

/** Uniform floats in the open interval (0, 1), safe for logarithms and quantile functions. */
function openUniform(k: Key, count: number, precision: 'f32' | 'f64'): Float64Array {
  const u = uniformValues(k, count, precision);
  const half = precision === 'f32' ? 0.5 / 16777216 : 0.5 / 9007199254740992;
  for (let i = 0; i < count; i++) u[i]! += half;
  return u;
}

/** Standard normal samples by the inverse CDF of an open uniform. */
export function normalValues(k: Key, count: number, precision: 'f32' | 'f64'): Float64Array {
  const u = openUniform(k, count, precision);
  for (let i = 0; i < count; i++) u[i] = normalQuantile(u[i]!);
  return u;
}

/** Normal samples truncated to [lower, upper], by inverting the CDF on [Φ(lower), Φ(upper)]. */
export function truncatedNormalValues(k: Key, count: number, lower: number, upper: number, precision: 'f32' | 'f64'): Float64Array {
  if (!(lower < upper)) throw valueError('random.truncatedNormal', 'bounds', 'lower < upper', `[${lower}, ${upper}]`);
  const lo = normalCdf(lower), hi = normalCdf(upper);
  const u = openUniform(k, count, precision);
  for (let i = 0; i < count; i++) {
    const z = normalQuantile(lo + (hi - lo) * u[i]!);
    u[i] = Math.min(upper, Math.max(lower, z));
  }
  return u;
}

/** 1 with probability p, else 0. */
export function bernoulliValues(k: Key, count: number, p: number): Uint8Array {
  if (!(p >= 0 && p <= 1)) throw rangeError('random.bernoulli', 'p', 'a probability in [0, 1]', p);
  const u = uniformValues(k, count, 'f64');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = u[i]! < p ? 1 : 0;
  return out;
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates driven by 53-bit uniforms). */
export function permutationValues(k: Key, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw rangeError('random.permutation', 'n', 'a non-negative integer', n);
  const out = Int32Array.from({ length: n }, (_, i) => i);
  const u = uniformValues(k, n, 'f64');
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Integers uniform in [low, high). */
export function randintValues(k: Key, count: number, low: number, high: number): Int32Array {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw rangeError('random.randint', 'range', 'integers low < high', `[${low}, ${high})`);
  }
  const u = uniformValues(k, count, 'f64');
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + Math.floor(u[i]! * (high - low));
  return out;
}

/**
 * One sample per row of `logits` [rows, classes] by the Gumbel-max trick:
 * argmax_c (logits[r, c] − log(−log u[r, c])).
 */
export function categoricalValues(k: Key, logits: ArrayLike<number>, rows: number, classes: number): Int32Array {
  if (classes < 1) throw rangeError('random.categorical', 'logits', 'at least one class', classes);
  const u = openUniform(k, rows * classes, 'f64');
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity, arg = 0;
    for (let c = 0; c < classes; c++) {
      const v = logits[r * classes + c]! - Math.log(-Math.log(u[r * classes + c]!));
      if (v > best) { best = v; arg = c; }
    }
    out[r] = arg;
  }
  return out;
}
