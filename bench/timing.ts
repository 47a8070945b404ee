// Timing helpers for benchmarks (shared with the experiments: they live in src/core/timing.ts, public as tessera/core).
export { median, timeAsyncMs, timeMs } from '../src/core/index.js';
