// Timing helpers for benchmarks (shared with the experiments: they live in src/core/timing.ts).
export { median, timeMs } from '../src/core/timing.js';
