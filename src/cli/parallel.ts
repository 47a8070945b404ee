// `tessera parallel run | plan | bench-collectives`: run a transformer block on D ranks in any
// layout and check it against one device; plan layouts for a model on a node; time collectives.
// The option parsing lives here; the actions are imported when a parallel command runs.
import { Command, InvalidArgumentError, Option } from 'commander';
import { nonNegativeNumber, positiveInt, positiveNumber } from './options.js';

const rankList = (v: string): number[] => v.split(',').map((x) => positiveInt('--ranks')(x.trim()));
const COLLECTIVES = 'all-reduce,all-gather,reduce-scatter,broadcast,all-to-all';
const commands = () => import('./parallelCommands.js');

/** "1KB", "256MB", "4096" → bytes (KB = 1024, as nccl-tests' -b/-e). */
export function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|K|MB|M|GB|G)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`size expects a number with an optional unit (B, KB, MB, GB), got "${v}"`);
  const unit = (m[2] ?? 'B').toUpperCase()[0]!;
  return Math.round(Number(m[1]) * ({ B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[unit]!);
}

/** "1KB..256MB" (doubling, or ×factor) or a comma list. */
export function parseSizes(v: string, factor = 2): number[] {
  if (v.includes('..')) {
    const [a, b] = v.split('..').map(parseBytes) as [number, number];
    if (!(a >= 1 && b >= a)) throw new InvalidArgumentError(`--sizes expects LOW..HIGH with 1 ≤ LOW ≤ HIGH, got "${v}"`);
    const out: number[] = [];
    for (let s = a; s <= b; s *= factor) out.push(s);
    return out;
  }
  return v.split(',').map(parseBytes);
}



export function registerParallelCommands(program: Command): void {
  const parallel = program.command('parallel').description('parallel layouts of a transformer block (TP, SP, Ulysses, TP×SP, TSP): run, plan, benchmark collectives');
  parallel.command('run')
    .description('run one transformer block (or Zamba2\'s shared block) forward+backward on D ranks in a layout; compare with one device; meter bytes and memory')
    .addOption(new Option('--layout <name>', 'layout').choices(['tp', 'sp', 'ulysses', 'tpsp', 'tsp']).makeOptionMandatory())
    .addOption(new Option('--block <name>', 'block: the transformer block, or Zamba2\'s shared block with its adapters, RoPE and linear (layouts tp, sp, tpsp, tsp; --ffn is its intermediate size)').choices(['transformer', 'zamba2']).default('transformer'))
    .option('--adapter-rank <r>', 'zamba2: rank of the LoRA adapters', positiveInt('--adapter-rank'), 8)
    .option('--rope-theta <theta>', 'zamba2: RoPE base (0: no RoPE)', nonNegativeNumber('--rope-theta'), 10000)
    .requiredOption('--ranks <D>', 'number of ranks', positiveInt('--ranks'))
    .requiredOption('--seq <S>', 'sequence length', positiveInt('--seq'))
    .requiredOption('--hidden <H>', 'hidden size', positiveInt('--hidden'))
    .requiredOption('--heads <A>', 'query heads', positiveInt('--heads'))
    .option('--kv-heads <K>', 'key/value heads (GQA; default = heads)', positiveInt('--kv-heads'))
    .option('--ffn <F>', 'SwiGLU width (default 4·hidden)', positiveInt('--ffn'))
    .option('--batch <B>', 'batch size', positiveInt('--batch'), 1)
    .option('--tp <T>', 'tensor-parallel degree of the tpsp mesh (T·S = D)', positiveInt('--tp'))
    .option('--head-buckets <B>', 'tsp: all-gather K/V per bucket of KV heads (B divides kv-heads/D)', positiveInt('--head-buckets'))
    .addOption(new Option('--dtype <dtype>', 'element type').choices(['f32', 'f64']).default('f32'))
    .addOption(new Option('--transport <name>', 'worker threads over SharedArrayBuffer, or simulated in-process ranks').choices(['workers', 'simulated']).default('workers'))
    .option('--seed <n>', 'seed of the inputs and weights', positiveInt('--seed'), 1)
    .option('--timeout-ms <ms>', 'a rank waiting longer than this for a peer fails the run', positiveInt('--timeout-ms'), 30_000)
    .option('--json', 'print the JSON contract on one line')
    .action(async (o) => { await (await commands()).runCommand(o); });
  parallel.command('plan')
    .description('per layout: predicted per-device memory and step time, feasibility and a recommendation')
    .requiredOption('--model <preset|config.json>', `model preset (7b, 7b-ffn4) or a JSON config (ours or Hugging Face)`)
    .requiredOption('--cluster <preset|json>', `node preset (8xmi300x, 8xh100, 8xh200, 8xa100) or a JSON file`)
    .option('--seq <S>', 'tokens per sequence', positiveInt('--seq'), 131072)
    .option('--batch <B>', 'microbatch', positiveInt('--batch'), 1)
    .option('--state-bytes <k>', 'model-state bytes per parameter', positiveNumber('--state-bytes'), 16)
    .option('--mfu <x>', 'model FLOP utilisation for the time estimate', positiveNumber('--mfu'), 0.4)
    .option('--overhead-gb <x>', 'fixed per-device overhead in GB', (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError(`--overhead-gb expects a non-negative number, got "${v}"`); return n; }, 0)
    .option('--no-recompute', 'keep all activations (no recompute)')
    .option('--json', 'print JSON')
    .action(async (o) => { (await commands()).planCommand(o); });
  parallel.command('bench-collectives')
    .description('nccl-tests-style table (time, algbw, busbw) of each collective on worker ranks, and a fitted α-β model')
    .option('--ranks <list>', 'rank counts, comma separated', rankList, [2, 4, 8])
    .option('--sizes <range>', 'LOW..HIGH (doubling) or a comma list; units B, KB, MB, GB', (v) => parseSizes(v), parseSizes('1KB..16MB'))
    .option('--collectives <list>', `some of ${COLLECTIVES}`, COLLECTIVES)
    .option('--iters <n>', 'timed calls per point', positiveInt('--iters'), 5)
    .option('--warmup <n>', 'untimed calls per point', positiveInt('--warmup'), 1)
    .addOption(new Option('--transport <name>', 'transport').choices(['workers', 'simulated']).default('workers'))
    .option('--timeout-ms <ms>', 'peer timeout', positiveInt('--timeout-ms'), 60_000)
    .option('--json', 'print JSON')
    .action(async (o) => { const c = await commands(); await c.benchCommand(o); });
}
