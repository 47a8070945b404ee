// Grids for the sweep tests, loaded by the workers with `--module`: 12 trials that each compute a
// deterministic number with the engine (a seeded normal sample's mean and a small matmul's sum) and take
// `ms` milliseconds (in 50 ms steps that report progress, so a trial can be killed or cancelled mid-way);
// 'sweep-test-failing' has one trial that throws.
import { key } from '../../src/core/random.js';
import { matmul, random, sum } from '../../src/tensor/index.js';
import { gridExperiment, type Experiment, type TrialGrid } from '../../src/experiments/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function testGrid(failing: boolean): TrialGrid {
  return {
    version: '1',
    trials: (o) => Array.from({ length: 12 }, (_, i) => ({ label: `trial ${i}`, config: { i, seed: o.seed, ms: o.quick ? 150 : 1500, throws: failing && i === 5 } })),
    async runTrial(c, ctx) {
      const i = Number(c.i), ms = Number(c.ms);
      for (let t = 0; t < ms; t += 50) {
        await sleep(50);
        ctx.onProgress?.({ kind: 'step', epoch: 0, epochs: 1, batch: t / 50 + 1, batches: Math.ceil(ms / 50), step: t / 50, loss: 0 });
      }
      if (c.throws) throw new Error(`trial ${i} throws on purpose`);
      const x = random.normal(key(Number(c.seed) * 100 + i), [8, 8]);
      ctx.log(`trial ${i} computed`);
      return { i, value: sum(matmul(x, x)).item() };
    },
    assemble(finished) {
      const rows = finished.map((f) => [Number(f.config.i), (f.result as { value: number }).value]);
      return {
        metrics: { trials: finished.length, total: rows.reduce((s, r) => s + r[1]!, 0) },
        tables: [{ title: 'values', columns: ['trial', 'value'], rows }],
        references: [],
        notes: ['a test grid'],
      };
    },
  };
}

const make = (name: string, failing: boolean): Experiment => gridExperiment(name, `sweep test grid${failing ? ' (one trial throws)' : ''}`, testGrid(failing));

export const experiments: Experiment[] = [make('sweep-test', false), make('sweep-test-failing', true)];
