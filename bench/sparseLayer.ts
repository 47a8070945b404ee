// Benchmark layers for `tessera sparse bench`: a random dense weight, SRigL-style constant fan-in masks
// (k = ⌊⌊out·in·(1−s)⌋ / out⌋ random distinct inputs per row), and each representation the bench times:
// condensed (through condenseLinear, then copied into wasm memory), CSR, and dense W [in, out] in wasm memory.
import type { WasmBackend } from '../src/backend/wasm/index.js';
import { condenseLinear, csrFromMasked, type CondensedLinear, type CsrMatrix } from '../src/sparse/index.js';
import { Tensor } from '../src/tensor/index.js';

/** Deterministic generator (an LCG): a benchmark needs reproducible, not high-quality, randomness. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** SRigL's constant fan-in for a layer [out, in] at sparsity s. */
export function constantFanIn(out: number, inF: number, sparsity: number): number {
  return Math.floor(Math.floor(out * inF * (1 - sparsity)) / out);
}

/** A 0/1 mask [out, in] with exactly k random distinct ones per row. */
export function constantFanInMask(out: number, inF: number, k: number, seed: number): Uint8Array {
  const rand = lcg(seed);
  const mask = new Uint8Array(out * inF);
  const perm = Int32Array.from({ length: inF }, (_, i) => i);
  for (let r = 0; r < out; r++) {
    for (let j = 0; j < k; j++) { // partial Fisher–Yates: the first k entries are a uniform k-subset
      const t = j + Math.floor(rand() * (inF - j));
      [perm[j], perm[t]] = [perm[t]!, perm[j]!];
      mask[r * inF + perm[j]!] = 1;
    }
  }
  return mask;
}

export interface SparseLayerCase {
  sparsity: number;
  fanIn: number;
  condensed: CondensedLinear;
  /** values and indices copied into wasm memory (the kernel reads them in place). */
  values: Float32Array;
  indices: Uint16Array | Int32Array;
  csr: CsrMatrix;
  /** bytes_dense / bytes_condensed, weights only (values f32 + indices). */
  byteBound: number;
}

export function makeSparseCase(wasm: WasmBackend, weight: Float32Array, out: number, inF: number, sparsity: number, seed: number): SparseLayerCase {
  const k = constantFanIn(out, inF, sparsity);
  const mask = constantFanInMask(out, inF, k, seed);
  const w = new Tensor(weight, [out, inF]);
  const condensed = condenseLinear({ weight: w, mask });
  // The bench times the kernel with indicesValidated (as the tensor op calls it): validate once here.
  const cValues = condensed.values.data as Float32Array, cIndices = condensed.indices.data as Uint16Array | Int32Array;
  for (const i of cIndices) if (i < 0 || i >= inF) throw new Error(`sparse bench: condensed index ${i} outside [0, ${inF})`);
  const values = wasm.allocResident(cValues.length);
  values.set(cValues);
  const indices = cIndices instanceof Uint16Array ? wasm.allocResident(cIndices.length, 'u16') : wasm.allocResident(cIndices.length, 'i32');
  indices.set(cIndices);
  const bytesCondensed = cValues.length * (4 + cIndices.BYTES_PER_ELEMENT);
  return { sparsity, fanIn: k, condensed, values, indices, csr: csrFromMasked(w, mask), byteBound: (out * inF * 4) / bytesCondensed };
}

export function freeSparseCase(wasm: WasmBackend, c: SparseLayerCase): void {
  wasm.freeResident(c.indices);
  wasm.freeResident(c.values);
}

/** Random weight [out, in] with entries uniform in ±1/√in (PyTorch's Linear init scale). */
export function randomWeight(out: number, inF: number, seed: number): Float32Array {
  const rand = lcg(seed), bound = 1 / Math.sqrt(inF);
  const w = new Float32Array(out * inF);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * bound;
  return w;
}
