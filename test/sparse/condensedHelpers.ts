// Test helpers for condensed layers: SRigL-like constant fan-in masks.

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Mask [out, in] with k random distinct ones per row, except the rows in `ablated` (all zero). */
export function fanInMask(out: number, inF: number, k: number, ablated: number[], seed: number): Uint8Array {
  const rand = lcg(seed), mask = new Uint8Array(out * inF);
  for (let r = 0; r < out; r++) {
    if (ablated.includes(r)) continue;
    const cols = Array.from({ length: inF }, (_, i) => i);
    for (let j = 0; j < k; j++) {
      const t = j + Math.floor(rand() * (inF - j));
      [cols[j], cols[t]] = [cols[t]!, cols[j]!];
      mask[r * inF + cols[j]!] = 1;
    }
  }
  return mask;
}
