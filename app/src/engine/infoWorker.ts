// The home page's engine worker: it opens the backend, and `engine.check` multiplies two f32 matrices on it and
// on the cpu reference — the largest difference, and each one's median time, say the engine really runs here.
import { cpuBackend, getBackend, matmul, tensor, withBackend, type Tensor } from 'tessera';
import { serveEngine } from './serve.js';

export interface EngineCheck { n: number; maxAbsDiff: number; backendMs: number; referenceMs: number }

function medianMs(run: () => Tensor, repeats: number): { ms: number; out: Tensor } {
  const times: number[] = [];
  let out = run();
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    out = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, out };
}

serveEngine({
  'engine.check': ({ n }: { n: number }): EngineCheck => {
    // a, b [n, n] with entries in [-1, 1) from a fixed integer recurrence (the same on every run).
    const values = (seed: number) => Float32Array.from({ length: n * n }, (_, i) => (((i * 2654435761 + seed) >>> 0) % 2000) / 1000 - 1);
    const a = tensor(values(1), [n, n], 'f32'), b = tensor(values(7), [n, n], 'f32');
    const fast = medianMs(() => withBackend(getBackend(), () => matmul(a, b)), 5);
    const ref = medianMs(() => withBackend(cpuBackend, () => matmul(a, b)), 1);
    const x = fast.out.data as Float32Array, y = ref.out.data as Float32Array;
    let maxAbsDiff = 0;
    for (let i = 0; i < x.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x[i]! - y[i]!));
    return { n, maxAbsDiff, backendMs: fast.ms, referenceMs: ref.ms };
  },
});
