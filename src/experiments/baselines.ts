// Fashion-MNIST baselines of the training stack: the 784-300-100-10 ReLU MLP (SGD with momentum)
// and the small CNN (two conv3×3 + batch norm + max-pool blocks, one linear), 10 epochs each.
// The reference numbers are the training-stack acceptance targets (≥ 88% and ≥ 90%).
import { runClassifier } from './classifier.js';
import { DEFAULT_CONFIG, type ClassifierConfig } from '../train/index.js';
import type { Experiment } from './experiment.js';

export const fashionMnistBaselines: Experiment = {
  name: 'fashion-mnist-baselines',
  description: 'MLP 784-300-100-10 and a small BN CNN on Fashion-MNIST, 10 epochs each (quick: 1 epoch on 10k/2k images)',
  async run(ctx) {
    const quick = ctx.quick;
    const common: Partial<ClassifierConfig> = { seed: ctx.seed, ...(ctx.dataDir && { dataDir: ctx.dataDir }), ...(quick && { epochs: 1, trainLimit: 10_000, testLimit: 2_000 }) };
    const runs = [
      { label: 'mlp', target: 0.88, config: { ...DEFAULT_CONFIG, model: 'mlp' as const, ...common } },
      { label: 'cnn', target: 0.9, config: { ...DEFAULT_CONFIG, model: 'cnn' as const, lr: 0.05, ...common } },
    ];
    const rows: (string | number)[][] = [];
    for (const r of runs) {
      ctx.log(`training ${r.label} (${r.config.epochs} epochs)`);
      const res = await runClassifier(r.config, { resultsDir: ctx.resultsDir, name: `fashion-mnist-baselines-${r.label}`, versions: ctx.versions, onLog: ctx.log, ...(ctx.onProgress && { onProgress: ctx.onProgress }) });
      rows.push([r.label, res.testAccuracy, r.target, res.testAccuracy - r.target, res.history.length, res.seconds, res.runDir]);
    }
    return {
      metrics: Object.fromEntries(rows.map((r) => [`${r[0]}_test_accuracy`, r[1] as number])),
      tables: [{ title: 'Baselines', columns: ['model', 'test accuracy', 'target', 'gap', 'epochs', 'seconds', 'run'], rows }],
      references: runs.map((r) => ({ metric: `${r.label}_test_accuracy`, paper_value: r.target, source: 'tessera training-stack acceptance target (issue 3), not a paper number' })),
    };
  },
};
