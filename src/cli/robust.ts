// `tessera robust eval` (attack a training checkpoint over an ε sweep, with the sanity checks; or AutoAttack's cascade),
// `tessera robust mi` (I(T;Y) in bits of two JSON arrays of class ids; the bits alone on the last line) and
// `tessera robust faults` (the MNIST-C corruptions with the severity parameters they run at).
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileChecked } from '../io/atomicWrite.js';
import { ATTACK_NAMES, AUTOATTACK_VERSIONS, MNIST_C_CORRUPTIONS, MNIST_C_DATASET_CORRUPTIONS, MNIST_C_SEVERITY, mutualInformation, type AutoAttackReport, type AutoAttackVersion, type Norm, type SanityCheck } from '../robust/index.js';
import { autoAttackCheckpoint, robustEvalCheckpoint } from '../experiments/robustEval.js';
import type { ClassifierConfig } from '../train/index.js';
import { useBackend, type BackendChoice } from './backend.js';
import { backendOption, positiveInt, nonNegativeInt } from './options.js';

const epsList = (v: string): number[] => {
  const xs = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (xs.length === 0 || xs.some((x) => !(Number.isFinite(x) && x >= 0))) throw new InvalidArgumentError(`--eps expects comma-separated numbers ≥ 0 (pixel units, inputs in [0, 1]), got "${v}"`);
  return xs;
};

/** A JSON array of integer class ids from `file`. */
export function readClassIds(file: string, what: string): number[] {
  const text = new TextDecoder().decode(readFileChecked(file, `robust mi ${what}`));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${file}: expected a JSON array of integer class ids, got a parse error (${(e as Error).message})`);
  }
  if (!Array.isArray(v)) throw new Error(`${what} ${file}: expected a JSON array of integer class ids, got ${typeof v}`);
  const bad = v.findIndex((x) => !Number.isInteger(x) || x < 0);
  if (bad >= 0) throw new Error(`${what} ${file}: expected integer class ids ≥ 0, got ${JSON.stringify(v[bad])} at index ${bad}`);
  return v as number[];
}

const loud = (w: SanityCheck) => process.stderr.write(`\n!!! SANITY CHECK FAILED [${w.name}]: ${w.message}\n\n`);

/** `robust eval --attack autoattack`: the cascade per ε, each attack's contribution, RobustBench's entry. */
function runAutoAttack(o: { model: string; version: AutoAttackVersion; norm: Norm; individual?: boolean; squareQueries?: number; eps: number[]; steps?: number; testLimit: number; data?: string; seed: number; json?: boolean }): void {
  const { config, n, reports, robustbench } = autoAttackCheckpoint(o.model, {
    version: o.version, norm: o.norm, epsilons: o.eps, testLimit: o.testLimit, seed: o.seed, ...(o.individual && { individual: true }),
    ...(o.steps !== undefined && { steps: o.steps }), ...(o.squareQueries !== undefined && { squareQueries: o.squareQueries }), ...(o.data && { dataDir: o.data }),
    ...(!o.json && { onStep: (eps: number, s: { attack: string; broken: number; attacked: number; robustAccuracy: number; seconds: number }) => process.stderr.write(`ε ${eps}: ${s.attack} broke ${s.broken}/${s.attacked}, robust accuracy ${(100 * s.robustAccuracy).toFixed(2)}% (${s.seconds.toFixed(1)} s)\n`) }),
  });
  for (const r of reports) for (const w of r.warnings) loud(w);
  if (o.json) process.stdout.write(`${JSON.stringify({ checkpoint: o.model, model: config.model, dataset: config.dataset, attack: 'autoattack', version: o.version, norm: o.norm, n, reports, robustbench })}\n`);
  else for (const r of reports) printAutoAttack(config, n, r);
  if (reports.some((r) => r.warnings.length > 0)) process.exitCode = 3;
}

function printAutoAttack(config: ClassifierConfig, n: number, r: AutoAttackReport): void {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  process.stdout.write(`${config.model} on ${config.dataset}, ${n} test images, AutoAttack ${r.version} (${r.norm}, ε = ${r.eps}): clean accuracy ${pct(r.cleanAccuracy)}\n`);
  process.stdout.write(`${'attack'.padEnd(10)} ${'attacked'.padStart(8)} ${'broken'.padStart(7)} ${'robust acc after'.padStart(17)} ${'queries/ex'.padStart(11)} ${'time s'.padStart(8)}\n`);
  for (const s of r.steps) process.stdout.write(`${s.attack.padEnd(10)} ${String(s.attacked).padStart(8)} ${String(s.broken).padStart(7)} ${pct(s.robustAccuracy).padStart(17)} ${s.queriesPerExample.toFixed(0).padStart(11)} ${s.seconds.toFixed(1).padStart(8)}\n`);
  process.stdout.write(`robust accuracy ${pct(r.robustAccuracy)}; max ${r.norm} perturbation ${r.maxPerturbation.toPrecision(5)}${r.hasNaN ? ', NaN in the adversarial inputs!' : ''}; ${r.seconds.toFixed(1)} s\n`);
  if (r.individual) {
    for (const a of r.individual) process.stdout.write(`  alone: ${a.attack.padEnd(10)} robust accuracy ${pct(a.robustAccuracy)} (${a.seconds.toFixed(1)} s)\n`);
    const best = r.individual.reduce((b, a) => (a.robustAccuracy < b.robustAccuracy ? a : b));
    process.stdout.write(`best single attack: ${best.attack} at ${pct(best.robustAccuracy)}; the cascade ${r.robustAccuracy <= best.robustAccuracy ? '≤' : '>'} it\n`);
  }
  process.stdout.write(`sanity checks: ${r.checks.length - r.warnings.length}/${r.checks.length} passed${r.warnings.length ? ` — FAILED: ${r.warnings.map((w) => w.name).join(', ')}` : ''}\n`);
}

export function registerRobustCommands(program: Command): void {
  const robust = program.command('robust').description('adversarial robustness and input-fault metrics (batch-norm vulnerability, input-fault tolerance)');
  robust.command('eval')
    .description('attack a `tessera train` checkpoint over an ε sweep (pixel units, box [0, 1]) with built-in sanity checks; exit status 3 when a check fails')
    .requiredOption('--model <checkpoint>', 'a step-*.safetensors file written by tessera train')
    .addOption(new Option('--attack <name>', 'attack, or autoattack (the AutoAttack cascade of --version under --norm)').choices([...ATTACK_NAMES, 'autoattack']).default('pgd-linf'))
    .addOption(new Option('--version <v>', 'AutoAttack version (with --attack autoattack)').choices([...AUTOATTACK_VERSIONS]).default('standard'))
    .addOption(new Option('--norm <p>', 'threat model of --attack autoattack').choices(['linf', 'l2', 'l1']).default('linf'))
    .option('--individual', 'with --attack autoattack: also run each attack alone on every clean-correct point (the best single attack beside the cascade)')
    .option('--square-queries <n>', 'with --attack autoattack: Square queries per example (default 5000)', positiveInt('--square-queries'))
    .requiredOption('--eps <list>', 'comma-separated budgets in pixel units, e.g. 0,0.05,0.1', epsList)
    .option('--steps <n>', 'attack iterations (default 20; APGD 100)', positiveInt('--steps'))
    .option('--restarts <n>', 'random restarts (PGD, APGD)', positiveInt('--restarts'))
    .addOption(new Option('--loss <name>', 'attack objective (FGSM/BIM/PGD)').choices(['ce', 'margin', 'dlr']))
    .option('--black-box <queries>', 'also run Square (ℓ∞, this many queries) at the largest ε: the black-box-vs-white-box (gradient masking) check', positiveInt('--black-box'))
    .option('--test-limit <n>', 'first n test images; 0 = all', nonNegativeInt('--test-limit'), 1000)
    .option('--data <dir>', 'IDX directory')
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--json', 'print JSON')
    .addOption(backendOption())
    .action(async (o: { model: string; attack: string; version: AutoAttackVersion; norm: Norm; individual?: boolean; squareQueries?: number; eps: number[]; steps?: number; restarts?: number; loss?: 'ce' | 'margin' | 'dlr'; blackBox?: number; testLimit: number; data?: string; seed: number; json?: boolean; backend: BackendChoice }) => {
      const dispose = await useBackend(o.backend);
      try {
        if (o.attack === 'autoattack') {
          if (o.restarts !== undefined || o.loss || o.blackBox !== undefined) throw new Error('--attack autoattack fixes its restarts and losses and runs Square itself; drop --restarts / --loss / --black-box');
          runAutoAttack(o);
          return;
        }
        const { config, n, result } = robustEvalCheckpoint(o.model, {
          attack: o.attack, epsilons: o.eps, testLimit: o.testLimit, seed: o.seed, onWarning: loud,
          ...(o.steps !== undefined && { steps: o.steps }), ...(o.restarts !== undefined && { restarts: o.restarts }), ...(o.loss && { loss: o.loss }), ...(o.data && { dataDir: o.data }),
          ...(o.blackBox !== undefined && { blackBoxQueries: o.blackBox }),
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ checkpoint: o.model, model: config.model, dataset: config.dataset, attack: o.attack, n, ...result })}\n`);
        } else {
          process.stdout.write(`${config.model} on ${config.dataset}, ${n} test images, ${o.attack}: clean accuracy ${(100 * result.cleanAccuracy).toFixed(2)}%\n`);
          process.stdout.write(`${'ε'.padStart(8)} ${'robust acc'.padStart(11)} ${'noise acc'.padStart(10)} ${'I(T;Y) bits'.padStart(12)} ${'SNR dB'.padStart(8)}\n`);
          for (const p of result.points) {
            process.stdout.write(`${String(p.eps).padStart(8)} ${(100 * p.robustAccuracy).toFixed(2).padStart(10)}% ${(100 * p.noiseAccuracy).toFixed(2).padStart(9)}% ${p.mutualInformationBits.toFixed(4).padStart(12)} ${(Number.isFinite(p.snrDb) ? p.snrDb.toFixed(2) : '∞').padStart(8)}\n`);
          }
          process.stdout.write(`sanity checks: ${result.checks.length - result.warnings.length}/${result.checks.length} passed${result.warnings.length ? ` — FAILED: ${result.warnings.map((w) => w.name).join(', ')}` : ''}\n`);
        }
        if (result.warnings.length) process.exitCode = 3;
      } finally {
        await dispose();
      }
    });
  robust.command('mi')
    .description('I(T;Y) in bits between predictions and labels (plug-in estimate, as ft_utils.mi); prints the bits alone on the last line')
    .requiredOption('--pred <file>', 'JSON array of predicted class ids')
    .requiredOption('--labels <file>', 'JSON array of true class ids')
    .option('--classes <n>', 'number of classes', positiveInt('--classes'), 10)
    .action((o: { pred: string; labels: string; classes: number }) => {
      const t = readClassIds(o.pred, '--pred'), y = readClassIds(o.labels, '--labels');
      if (t.length !== y.length) throw new Error(`--pred has ${t.length} entries but --labels has ${y.length}; expected one prediction per label`);
      process.stdout.write(`${mutualInformation(t, y, o.classes)}\n`);
    });
  robust.command('faults')
    .description('list the MNIST-C corruptions (corruptDigit names) with the severity level and parameters each runs at')
    .option('--json', 'print one JSON object: name → {severity, params, inDataset}')
    .action((o: { json?: boolean }) => {
      const rows = MNIST_C_CORRUPTIONS.map((name) => ({ name, ...MNIST_C_SEVERITY[name], inDataset: MNIST_C_DATASET_CORRUPTIONS.includes(name) }));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(Object.fromEntries(rows.map(({ name, ...r }) => [name, r])))}\n`);
        return;
      }
      const num = (v: number) => String(Number.isInteger(v) ? v : Number(v.toPrecision(6)));
      const fmt = (p: Record<string, number | number[]>) => Object.entries(p).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map(num).join(', ')}]` : num(v)}`).join(' ') || '—';
      process.stdout.write(`MNIST-C corruptions (google-research/mnist-c corruptions.py; * = in the published dataset), images in [0, 1]\n`);
      process.stdout.write(`${'corruption'.padEnd(19)} ${'severity'.padEnd(8)} parameters\n`);
      for (const r of rows) process.stdout.write(`${(r.name + (r.inDataset ? ' *' : '')).padEnd(19)} ${String(r.severity ?? '—').padEnd(8)} ${fmt(r.params)}\n`);
      process.stdout.write(`not implemented: pessimal_noise (needs the reference's learned 196×196 noise matrix), frost (needs its frost photographs)\n`);
    });
}
