// `tessera repro zaya1-tiny`: the ZAYA1 architecture (research note parallelism.md B.5) — parameter counts
// of ZAYA1-base from its config against the reported 8.3B total / 760M active, and a tiny ZAYA1 (CCA +
// MoE with the ZAYA1 router) trained on the shipped character corpus, with the router's bias balancing on
// and off, reporting the loss and the expert load balance over training.
import { characterVocabulary, TINY_CORPUS } from '../data/index.js';
import { countZaya1Params, trainTinyZaya1, ZAYA1_BASE, ZAYA1_TINY, type TinyTrainResult } from '../models/zaya1/index.js';
import type { Experiment, ExperimentContext, ExperimentResult } from './experiment.js';

const FULL = { steps: 600, batch: 8, sequence: 32, every: 25 };
const QUICK = { steps: 40, batch: 4, sequence: 24, every: 10 };

export const zaya1Tiny: Experiment = {
  name: 'zaya1-tiny',
  description: 'ZAYA1 parameter counts from config; a tiny CCA+MoE ZAYA1 trained on a character corpus with expert load balance (bias balancing on vs off)',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const s = ctx.quick ? QUICK : FULL;
    const counts = countZaya1Params(ZAYA1_BASE);
    const { chars, ids } = characterVocabulary(TINY_CORPUS);
    const config = { ...ZAYA1_TINY, vocab: chars.length };
    const runs: Record<'balanced' | 'control', TinyTrainResult> = {} as Record<'balanced' | 'control', TinyTrainResult>;
    for (const [name, biasLr] of [['balanced', 0.02], ['control', 0]] as const) {
      ctx.log(`training tiny ZAYA1 (${name}, bias lr ${biasLr}): ${s.steps} steps of ${s.batch}×${s.sequence} characters`);
      runs[name] = trainTinyZaya1({
        config, ids, steps: s.steps, batch: s.batch, sequence: s.sequence, lr: 3e-3, biasLr, seed: ctx.seed, every: s.every,
        onStep: (step, loss) => { if (step % s.every === 0) ctx.log(`  ${name} step ${step}/${s.steps} loss ${loss.toFixed(4)}`); },
      });
    }
    const meanOf = (r: TinyTrainResult, f: (x: TinyTrainResult['records'][number]) => number) => r.records.reduce((a, x) => a + f(x), 0) / r.records.length;
    const last = (r: TinyTrainResult) => r.records.at(-1)!;
    const points = (['balanced', 'control'] as const).flatMap((name) => runs[name].records.flatMap((x) => [
      { run: name, step: x.step, metric: 'train loss', value: x.loss },
      { run: name, step: x.step, metric: 'max expert load (1 = even)', value: x.maxLoad },
    ]));
    return {
      metrics: {
        zaya1_nonembedding_matrices: counts.matrices, zaya1_active_matrices: counts.activeMatrices,
        zaya1_nonembedding_all: counts.total, zaya1_active_all: counts.active, zaya1_embeddings: counts.embeddings,
        tiny_final_loss_balanced: last(runs.balanced).loss, tiny_final_loss_control: last(runs.control).loss,
        tiny_mean_max_load_balanced: meanOf(runs.balanced, (x) => x.maxLoad), tiny_mean_max_load_control: meanOf(runs.control, (x) => x.maxLoad),
        tiny_final_max_load_balanced: last(runs.balanced).maxLoad, tiny_final_max_load_control: last(runs.control).maxLoad,
      },
      tables: [
        {
          title: 'ZAYA1-base parameters from the config (40 CCA+MoE blocks, h 2048, 16 experts of 2048, top-1)',
          columns: ['count', 'projection matrices (the note\'s convention)', 'every parameter', 'reported'],
          rows: [
            ['non-embedding total', counts.matrices, counts.total, '8.3B'],
            ['active per token', counts.activeMatrices, counts.active, '760M'],
            ['embeddings (tied)', counts.embeddings, counts.embeddings, '—'],
          ],
        },
        {
          title: `Tiny ZAYA1 on the character corpus (${chars.length} symbols, ${ids.length} characters; h ${config.hidden}, ${config.blocks} blocks, ${config.experts} experts, top-${config.topK})`,
          columns: ['step', 'loss (balanced)', 'max load (balanced)', 'CV (balanced)', 'loss (control)', 'max load (control)', 'CV (control)'],
          rows: runs.balanced.records.map((x, i) => {
            const y = runs.control.records[i]!;
            return [x.step, x.loss.toFixed(4), x.maxLoad.toFixed(2), x.cv.toFixed(2), y.loss.toFixed(4), y.maxLoad.toFixed(2), y.cv.toFixed(2)];
          }),
        },
        {
          title: 'Final expert load per MoE layer (fraction of tokens per expert over the last window)',
          columns: ['run', 'layer', ...Array.from({ length: config.experts }, (_, e) => `expert ${e}`)],
          rows: (['balanced', 'control'] as const).flatMap((name) => last(runs[name]).fractions.map((f, l) => [name, l, ...f.map((v) => v.toFixed(3))])),
        },
      ],
      references: [
        { metric: 'zaya1_nonembedding_all', paper_value: 8.3e9, source: 'ZAYA1: "8.3B" total parameters (parallelism.md B.5; note recon 8.289B counting projection matrices)' },
        { metric: 'zaya1_active_all', paper_value: 0.76e9, source: 'ZAYA1: 760M active parameters (parallelism.md B.5; note recon 0.739B counting projection matrices)' },
      ],
      notes: [
        'Max load = the busiest expert\'s tokens over the even share (1 = perfectly balanced, 4 = everything on one of 4 experts), averaged over the MoE layers and each window of steps.',
        'Bias balancing is the report\'s "PID-style AdamW step" reconstructed as one Adam step per training step on ∇b_e = p_e − 1/E [recon].',
        'CCA temperatures start at 0 as in the Hugging Face code (uniform attention at initialisation).',
        ...(ctx.quick ? [`Quick mode: ${s.steps} steps of ${s.batch}×${s.sequence} characters per run (a smoke test).`] : []),
      ],
      plots: [{
        file: 'zaya1-tiny.svg', caption: 'Training loss and max expert load, bias balancing on vs off',
        spec: {
          data: { values: points },
          facet: { column: { field: 'metric', type: 'nominal', title: null } },
          spec: { width: 260, height: 200, mark: { type: 'line', point: true }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false } }, color: { field: 'run', type: 'nominal' } } },
          resolve: { scale: { y: 'independent' } },
        },
      }],
    };
  },
};
