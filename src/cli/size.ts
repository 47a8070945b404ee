// `tessera size check` and `tessera size suggest`: the sizing model on a config.json or a preset.
import { Command, InvalidArgumentError } from 'commander';
import { readHfConfig } from '../io/index.js';
import {
  HARDWARE_NAMES, PRESETS, preset, shapeFromHfConfig, sizeCheck, suggestConfigs, type ModelShape, type SizeReport, type ConfigProposal,
} from '../sizing/index.js';
import { positiveInt } from './options.js';

const parameterCount = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--params expects a positive number such as 1e9 or 7000000000, got "${v}"`);
  return n;
};

/** A preset name, or a path to a Hugging Face config.json. */
export function loadModelShape(model: string): ModelShape {
  if (PRESETS[model.toLowerCase()]) return preset(model);
  if (!model.endsWith('.json')) preset(model); // throws: names the presets and says a .json path is accepted
  return shapeFromHfConfig(readHfConfig(model, 'size check'));
}

function hardwareList(v: string): string[] {
  return v === 'all' ? [...HARDWARE_NAMES] : v.split(',').map((s) => s.trim().toLowerCase());
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function formatSizeReport(r: SizeReport): string {
  const hw = r.hardware;
  const lines = [
    `${r.model.name} on ${hw.label} (${hw.units.value} ${hw.units.unit}, ${hw.bf16Tflops.value} TFLOP/s bf16, ${hw.hbmTBps.value} TB/s; tile ${hw.tile.m}×${hw.tile.n})`,
    `workload: microbatch ${r.workload.microbatch} × sequence ${r.workload.sequence} = ${r.workload.microbatch * r.workload.sequence} tokens, t = ${r.workload.tp}`,
    '', 'sizing rules:',
    ...r.rules.map((x) => `  ${x.ok ? 'ok  ' : 'FAIL'} ${x.rule}: ${x.detail}`),
    '', 'GEMMs of one layer (forward), m × n × k [× count]: efficiency = tile · wave · align; predicted TFLOP/s (roofline bound)',
    pad([
      ['part', 'gemm', 'm×n×k', 'tiles', 'waves', 'wave', 'tile', 'align', 'eff', 'TFLOP/s', 'bound', '×/fwd'],
      ...r.gemms.map((g) => [
        g.gemm.part, g.gemm.name, `${g.gemm.m}×${g.gemm.n}×${g.gemm.k}${(g.gemm.count ?? 1) > 1 ? `×${g.gemm.count}` : ''}`,
        String(g.tiles), String(g.waves), pct(g.waveEfficiency), pct(g.tileEfficiency), pct(g.alignEfficiency), pct(g.efficiency),
        g.tflops.toFixed(0), g.bound, String(g.gemm.perModel),
      ]),
    ]).split('\n').map((l) => `  ${l}`).join('\n'),
    `forward pass GEMMs: ${(r.forward.flops / 1e12).toFixed(2)} TFLOP in ${(r.forward.seconds * 1e3).toFixed(2)} ms predicted = ${r.forward.tflops.toFixed(0)} TFLOP/s (${pct(r.forward.efficiency)} of peak)`,
    '', 'nearest efficient dimensions:',
    ...(r.suggestions.length === 0 ? ['  none: no tunable dimension gains ≥ 1% within ±10%'] : r.suggestions.map((s) =>
      `  ${s.tunable} ${s.current} → ${s.suggested}: predicted +${pct(s.gain)} ${s.tunable === 'vocab' ? '(LM head time)' : `(${s.before.toFixed(0)} → ${s.after.toFixed(0)} TFLOP/s over the GEMMs using it)`}`)),
  ];
  return lines.join('\n');
}

function formatProposals(params: number, hw: string, p: ConfigProposal[]): string {
  return [`dense decoder configs near ${(params / 1e9).toPrecision(3)}B parameters on ${hw}, fastest predicted first:`,
    pad([['config', 'h', 'L', 'a', 'd_h', 'f', 'V', 'params', 'TFLOP/s', 'eff'],
      ...p.map((c) => [c.shape.name, String(c.shape.hidden), String(c.shape.layers), String(c.shape.heads), String(c.shape.headDim), String(c.shape.ffn),
        String(c.shape.vocab), `${(c.params / 1e9).toFixed(3)}B`, c.tflops.toFixed(0), pct(c.efficiency)])]).split('\n').map((l) => `  ${l}`).join('\n'),
  ].join('\n');
}

export function registerSizeCommands(program: Command): void {
  const size = program.command('size').description('hardware-aware sizing: GEMM tile/wave quantisation and the co-design rules');
  size.command('check')
    .description('check a model against the sizing rules and predict every GEMM of a layer on each GPU')
    .requiredOption('--model <config.json|preset>', `a Hugging Face config.json or a preset (${Object.keys(PRESETS).join(', ')})`)
    .option('--hw <names>', `accelerators, comma-separated, or all (${HARDWARE_NAMES.join(', ')})`, 'all')
    .option('--microbatch <n>', 'sequences per microbatch', positiveInt('--microbatch'), 1)
    .option('--seq <n>', 'sequence length', positiveInt('--seq'), 4096)
    .option('--tp <n>', 'tensor-parallel degree', positiveInt('--tp'), 1)
    .option('--json', 'print JSON')
    .action((o: { model: string; hw: string; microbatch: number; seq: number; tp: number; json?: boolean }) => {
      const shape = loadModelShape(o.model);
      const reports = hardwareList(o.hw).map((hw) => sizeCheck(shape, hw, { microbatch: o.microbatch, sequence: o.seq, tp: o.tp }));
      process.stdout.write(`${o.json ? JSON.stringify(reports) : reports.map(formatSizeReport).join('\n\n')}\n`);
    });
  size.command('suggest')
    .description('propose dense decoder configs near a parameter budget that follow the sizing rules')
    .requiredOption('--params <n>', 'parameter budget, e.g. 1e9', parameterCount)
    .option('--hw <names>', `accelerators, comma-separated, or all`, 'all')
    .option('--vocab <n>', 'tokenizer vocabulary (rounded up to a multiple of 64)', positiveInt('--vocab'), 50_257)
    .option('--microbatch <n>', 'sequences per microbatch', positiveInt('--microbatch'), 1)
    .option('--seq <n>', 'sequence length', positiveInt('--seq'), 4096)
    .option('--top <n>', 'how many proposals', positiveInt('--top'), 5)
    .option('--json', 'print JSON')
    .action((o: { params: number; hw: string; vocab: number; microbatch: number; seq: number; top: number; json?: boolean }) => {
      const out = hardwareList(o.hw).map((hw) => ({ hw, proposals: suggestConfigs(o.params, hw, { microbatch: o.microbatch, sequence: o.seq, vocab: o.vocab, top: o.top }) }));
      process.stdout.write(`${o.json ? JSON.stringify(out) : out.map((x) => formatProposals(o.params, x.hw, x.proposals)).join('\n\n')}\n`);
    });
  size.command('bench')
    .description('microbenchmarks of this machine (wasm GEMM sweep around 256, STREAM copy/scale/add/triad) and the sizing model fitted to them')
    .option('--quick', 'fewer shapes and repetitions, one thread (seconds)')
    .option('--json', 'print JSON')
    .action(async (o: { quick?: boolean; json?: boolean }) => {
      const { benchHardware, formatHardwareBench } = await import('../../bench/hardware.js');
      const r = await benchHardware({ quick: o.quick ?? false, log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${o.json ? JSON.stringify(r) : formatHardwareBench(r)}\n`);
    });
}
