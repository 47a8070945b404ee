// The actions of `tessera parallel run | plan | bench-collectives` (registered in ./parallel.ts,
// loaded only when a parallel command runs).
import { TesseraError } from '../core/errors.js';
import type { ModelShape } from '../core/modelShape.js';
import { isFile, readHfConfig, type HfConfig } from '../io/index.js';
import type { BlockConfig } from '../parallel/block.js';
import { BENCH_COLLECTIVES, summarizeBench, type BenchCollective, type BenchTiming } from '../parallel/benchCollectives.js';
import { blockLayoutProgram, checkLayout, type LayoutRunArgs } from '../parallel/layouts/index.js';
import type { RankBlockResult } from '../parallel/layouts/common.js';
import type { BlockChoice } from '../parallel/blocks.js';
import { CLUSTER_PRESETS, MODEL_PRESETS, planLayouts, REPORTED_PEAK_GB, type ClusterConfig } from '../parallel/planner.js';
import { runJsonContract, summarizeLayoutRun } from '../parallel/runSummary.js';
import { runSimulated, type RankRun } from '../parallel/transports/simulated.js';
import { runOnWorkers } from '../parallel/transports/workers.js';
import { modelShapeFromConfig } from '../sizing/index.js';


const programsModule = new URL('../parallel/layouts/index.js', import.meta.url).href;
const benchModule = new URL('../parallel/benchCollectives.js', import.meta.url).href;
const gb = (b: number): string => (b / 1e9).toFixed(1);
const fmtBytes = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(b % (1 << 20) ? 1 : 0)}MB` : b >= 1024 ? `${(b / 1024).toFixed(b % 1024 ? 1 : 0)}KB` : `${b}B`);

/** A settings file named by an option that also takes preset names: read through io's HfConfig reader. */
function settingsFile(what: string, value: string, presets: readonly string[]): HfConfig {
  if (!isFile(value)) throw new TesseraError('option', 'parallel plan', `${what} expected a preset (${presets.join(', ')}) or a JSON file, got "${value}"`);
  return readHfConfig(value, 'parallel plan');
}

/** A model from a preset, or a settings file: a Hugging Face config.json or tessera's own keys (sizing's modelShapeFromConfig). */
function modelFrom(value: string): ModelShape {
  const preset = MODEL_PRESETS[value.toLowerCase()];
  if (preset) return preset;
  return modelShapeFromConfig(settingsFile('--model', value, Object.keys(MODEL_PRESETS)));
}

/** A node from a preset or a JSON file with ClusterConfig's keys. */
function clusterFrom(value: string): ClusterConfig {
  const preset = CLUSTER_PRESETS[value.toLowerCase()];
  if (preset) return preset;
  const c = settingsFile('--cluster', value, Object.keys(CLUSTER_PRESETS));
  const positive = (key: string): number => {
    const v = c.requireNumber(key);
    if (!(v > 0)) throw c.error(`"${key}" expected a positive number, got ${v}`);
    return v;
  };
  return {
    name: c.optionalString('name') ?? value, devices: positive('devices'), memoryBytes: positive('memoryBytes'), peakFlops: positive('peakFlops'),
    linkBytesPerSecond: positive('linkBytesPerSecond'), alpha: positive('alpha'), source: c.optionalString('source') ?? value,
  };
}

export interface RunOptionsCli {
  layout: string; block: 'transformer' | 'zamba2'; adapterRank: number; ropeTheta: number;
  ranks: number; seq: number; hidden: number; heads: number; kvHeads?: number; ffn?: number; batch: number;
  tp?: number; headBuckets?: number; dtype: 'f32' | 'f64'; transport: 'workers' | 'simulated'; seed: number; timeoutMs: number; json?: boolean;
}

export async function runCommand(o: RunOptionsCli): Promise<void> {
  const cfg: BlockConfig = { batch: o.batch, seq: o.seq, hidden: o.hidden, heads: o.heads, kvHeads: o.kvHeads ?? o.heads, ffn: o.ffn ?? 4 * o.hidden, dtype: o.dtype };
  const block: BlockChoice = o.block === 'zamba2' ? { kind: 'zamba2', adapterRank: o.adapterRank, ropeTheta: o.ropeTheta > 0 ? o.ropeTheta : null } : { kind: 'transformer' };
  const args: LayoutRunArgs = { cfg, block, seed: o.seed, layout: checkLayout(o.layout), tp: o.tp, headBuckets: o.headBuckets };
  const runs: RankRun<RankBlockResult>[] = o.transport === 'simulated'
    ? await runSimulated(o.ranks, blockLayoutProgram, args, { timeoutMs: o.timeoutMs })
    : await runOnWorkers<RankBlockResult>(o.ranks, { module: programsModule, exportName: 'blockLayoutProgram' }, args, { timeoutMs: o.timeoutMs });
  const s = summarizeLayoutRun(args, runs);
  if (o.json) {
    console.log(JSON.stringify(runJsonContract(s)));
    return;
  }
  const what = block.kind === 'zamba2' ? `Zamba2 shared block (r=${block.adapterRank}, ${block.ropeTheta === null ? 'no RoPE' : `RoPE θ=${block.ropeTheta}`}): ` : '';
  console.log(`${s.layout} on ${s.ranks} ${o.transport === 'simulated' ? 'simulated ranks' : 'worker threads'}${s.layout === 'tpsp' ? ` (T=${s.tp} × S=${s.ranks / s.tp})` : ''}: ${what}b=${cfg.batch} s=${cfg.seq} h=${cfg.hidden} a=${cfg.heads} kv=${cfg.kvHeads} f=${cfg.ffn} ${cfg.dtype}`);
  console.log(`max relative difference from the single-device block (outputs and every gradient): ${s.maxRelDiff.toExponential(3)} (abs ${s.maxAbsDiff.toExponential(3)})`);
  if (!s.predicted) console.log('(the analytic traffic and memory models describe the transformer block; no prediction for this block)');
  for (const r of s.perRank) {
    const coll = Object.entries(r.byCollective).filter(([, v]) => v.bytesSent + v.bytesRecv > 0).map(([k, v]) => `${k} ${v.bytesSent}/${v.bytesRecv} B (${v.calls}×)`).join(', ') || 'none';
    const peak = Object.entries(r.peakByCategory).map(([k, v]) => `${k} ${v}`).join(', ');
    const p = s.predicted;
    console.log(`rank ${r.rank}: rel diff ${r.maxRelDiff.toExponential(2)} (worst ${r.worst}); sent/recv ${r.bytesSent}/${r.bytesRecv} B${p ? ` [predicted ${p.bytesSentPerRank[r.rank]}/${p.bytesRecvPerRank[r.rank]}]` : ''}; ${coll}`);
    console.log(`        peak ${r.peakBytes} B${p ? ` [model ${p.peakBytesPerRank[r.rank]}]` : ''} by category: ${peak}; ${(r.seconds * 1000).toFixed(1)} ms`);
  }
}

export interface PlanOptionsCli { model: string; cluster: string; seq: number; batch: number; stateBytes: number; mfu: number; overheadGb: number; recompute: boolean; json?: boolean }

export function planCommand(o: PlanOptionsCli): void {
  const model = modelFrom(o.model), cluster = clusterFrom(o.cluster);
  const plan = planLayouts(model, cluster, { seq: o.seq, batch: o.batch, stateBytesPerParam: o.stateBytes, mfu: o.mfu, overheadBytes: o.overheadGb * 1e9, recompute: o.recompute });
  const reported: Record<string, number> = { tsp: REPORTED_PEAK_GB.tsp, tp: REPORTED_PEAK_GB.tp };
  const paperSetting = cluster.devices === 8 && o.seq === 131072 && o.batch === 1 && /^7b/.test(o.model);
  if (o.json) {
    console.log(JSON.stringify({ model, cluster, ...plan, reported_peak_gb: paperSetting ? REPORTED_PEAK_GB : null }));
    return;
  }
  console.log(`${model.name} on ${cluster.name}, ${o.seq.toLocaleString('en-US')} tokens × batch ${o.batch}`);
  console.log('layout                      | states | ckpt | work | trans | total GB | reported | step s | comm s | tok/s    | fits');
  for (const p of plan.plans) {
    const m = p.memory;
    const rep = paperSetting && reported[p.kind] !== undefined ? `${reported[p.kind]!.toFixed(1)}` : paperSetting && p.kind === 'tpsp' ? `${REPORTED_PEAK_GB.tpspRange[0]}–${REPORTED_PEAK_GB.tpspRange[1]}` : '—';
    console.log(`${p.layout.padEnd(27)} | ${gb(m.modelStates).padStart(6)} | ${gb(m.checkpoints).padStart(4)} | ${gb(m.working).padStart(4)} | ${gb(m.transient).padStart(5)} | ${gb(m.total).padStart(8)} | ${rep.padStart(8)} | ${p.time.step.toFixed(2).padStart(6)} | ${p.time.comm.toFixed(2).padStart(6)} | ${Math.round(p.tokensPerSecond).toString().padStart(8)} | ${p.feasible ? 'yes' : 'no'}`);
  }
  for (const p of plan.plans) if (p.problem !== null) console.log(`cannot run ${p.layout}: ${p.problem}`);
  console.log(`recommended: ${plan.recommended ?? 'none fits'}`);
  const a = plan.assumptions;
  console.log(`assumptions: ${a.stateBytesPerParam} B/param model states (bf16 weights+grads, fp32 AdamW), ${a.recompute ? 'full activation recompute (each layer input kept) + flash attention (no s² scores)' : 'no recompute (Korthikanti TP activations)'}, ${a.activationBytes}-byte activations, MFU ${a.mfu}, overhead ${gb(a.overheadBytes)} GB, ${Math.round(a.usableFraction * 100)}% of ${gb(cluster.memoryBytes)} GB usable; link ${gb(cluster.linkBytesPerSecond)} GB/s per device, α ${cluster.alpha * 1e6} µs (${cluster.source})`);
  if (paperSetting) {
    console.log(`reported (${REPORTED_PEAK_GB.source}): TSP 38.8 GB, TP 70.0 GB, TP+SP 85–140 GB on 8×MI300X at 128K tokens. Gaps: the paper's FFN width ("FFN×4"), optimizer`);
    console.log('precision, recompute policy, logits/loss buffers, runtime/allocator/RCCL overheads and whether the peak was taken in a forward-only run are not known; raise --state-bytes,');
    console.log('--overhead-gb or pick --model 7b-ffn4 to see their effect. The ordering (TSP below TP and every TP×SP mesh) holds under all of them.');
  }
}

export interface BenchOptionsCli { ranks: number[]; sizes: number[]; collectives: string; iters: number; warmup: number; transport: 'workers' | 'simulated'; timeoutMs: number; json?: boolean }

export async function benchCommand(o: BenchOptionsCli): Promise<void> {
  const collectives = o.collectives.split(',').map((c) => c.trim()) as BenchCollective[];
  for (const c of collectives) if (!(BENCH_COLLECTIVES as readonly string[]).includes(c)) throw new TesseraError('option', 'parallel bench-collectives', `--collectives expected some of ${BENCH_COLLECTIVES.join(', ')}, got "${c}"`);
  const out = [];
  for (const D of o.ranks) {
    const args = { collectives, sizes: o.sizes, iters: o.iters, warmup: o.warmup };
    process.stderr.write(`bench-collectives: ${D} ranks, ${collectives.length} collectives × ${o.sizes.length} sizes…\n`);
    const runs = o.transport === 'simulated'
      ? await runSimulated(D, (await import('../parallel/benchCollectives.js')).collectiveBenchProgram, args, { timeoutMs: o.timeoutMs })
      : await runOnWorkers<BenchTiming[]>(D, { module: benchModule, exportName: 'collectiveBenchProgram' }, args, { timeoutMs: o.timeoutMs });
    out.push(summarizeBench(D, runs.map((r) => r.result)));
  }
  if (o.json) {
    console.log(JSON.stringify({ transport: o.transport, rows: out.flatMap((x) => x.rows), fits: out.flatMap((x) => x.fits) }));
    return;
  }
  console.log('collective      ranks       size     time µs   algbw GB/s   busbw GB/s');
  for (const r of out.flatMap((x) => x.rows)) {
    console.log(`${r.collective.padEnd(15)} ${String(r.ranks).padStart(5)} ${fmtBytes(r.bytes).padStart(10)} ${(r.seconds * 1e6).toFixed(1).padStart(11)} ${r.algbw.toFixed(3).padStart(12)} ${r.busbw.toFixed(3).padStart(12)}`);
  }
  console.log('fitted α-β (t = a·α + c·n·β, §D coefficients):');
  for (const f of out.flatMap((x) => x.fits)) console.log(`  ${f.collective} (${f.algorithm}) on ${f.ranks} ranks: α ${(f.alphaSeconds * 1e6).toFixed(2)} µs, 1/β ${f.bandwidthGBs.toFixed(3)} GB/s, r² ${f.r2.toFixed(3)}`);
}

