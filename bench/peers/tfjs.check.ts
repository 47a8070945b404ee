/**
 * Smoke check for the tfjs peer baseline (not a test): measures both tfjs
 * backends in quick mode and prints one JSON object.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/peers/tfjs.check.js
 *
 * Pass `--full` for the full (slow) run with 10 reps.
 */
import { measureTfjs, type PeerTimings, type TfjsBackendName } from './tfjs.js';

const full = process.argv.includes('--full');
const backends: TfjsBackendName[] = ['wasm', 'cpu'];
const results: Record<string, PeerTimings & { seconds: number }> = {};

const t0 = performance.now();
for (const backend of backends) {
  const start = performance.now();
  const timings = await measureTfjs(backend, { reps: full ? 10 : 3, quick: !full });
  results[`tfjs-${backend}`] = { ...timings, seconds: (performance.now() - start) / 1000 };
}
// Second wasm call: checks that switching back to a backend works.
const again = await measureTfjs('wasm', { reps: 3, quick: true, skipMlp: true });

console.log(
  JSON.stringify(
    {
      mode: full ? 'full' : 'quick',
      results,
      wasmAgain: again,
      totalSeconds: (performance.now() - t0) / 1000,
    },
    null,
    2,
  ),
);
