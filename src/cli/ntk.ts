// `tessera ntk kernel`: infinite-width NNGP and NTK Gram matrices of a network spec (src/infinite/spec.ts)
// between the rows of JSON files, printed as {"nngp": [[...]], "ntk": [[...]]} (streamed row by row, so
// 2,000 × 2,000 matrices never become one giant string), or written atomically with --out; on the chosen
// --backend (the input Gram and everything after it). `tessera ntk bench`: bench/ntk.ts.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { TesseraError } from '../core/errors.js';
import { readFileChecked, writeFileAtomic } from '../io/atomicWrite.js';
import { kernelFn, parseArchitecture, toInputs, type Parameterization } from '../infinite/index.js';
import { FASHION_MNIST_DIR } from '../io/index.js';
import type { NtkBenchInputs } from '../../bench/ntk.js';
import { useBackend, type BackendChoice } from './backend.js';
import { backendOption, nonNegativeNumber, positiveInt, threadsOption } from './options.js';

function readRows(file: string, arg: string): ReturnType<typeof toInputs> {
  const text = new TextDecoder().decode(readFileChecked(file, `ntk kernel ${arg}`));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('format', `ntk kernel ${arg}`, `${file} expected JSON (an array of rows of numbers), got a parse error: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) throw new TesseraError('format', `ntk kernel ${arg}`, `${file} expected a JSON array of rows, got ${typeof value}`);
  const x = toInputs(`ntk kernel ${arg} (${file})`, 'rows', value);
  if (x.shape.length !== 2) throw new TesseraError('shape', `ntk kernel ${arg}`, `${file} expected rows [N, d] (arrays of numbers), got shape [${x.shape.join(', ')}]`);
  return x;
}

function* jsonChunks(m: { nngp: Float64Array; ntk: Float64Array; n1: number; n2: number }): Generator<string> {
  for (const name of ['nngp', 'ntk'] as const) {
    yield name === 'nngp' ? '{"nngp":[' : '],"ntk":[';
    const a = m[name];
    for (let i = 0; i < m.n1; i++) yield `${i > 0 ? ',' : ''}[${Array.from(a.subarray(i * m.n2, (i + 1) * m.n2)).join(',')}]`;
  }
  yield ']}\n';
}

/** Rows [N, d] as images [N, C, H, W] when --input-shape C,H,W is given (C·H·W = d). */
function asImages(x: ReturnType<typeof toInputs>, shape: readonly number[] | undefined, file: string): ReturnType<typeof toInputs> {
  if (!shape) return x;
  const d = shape.reduce((a, b) => a * b, 1);
  if (d !== x.shape[1]) throw new TesseraError('shape', 'ntk kernel', `--input-shape ${shape.join(',')} expected rows of length ${d}, got ${x.shape[1]} in ${file}`);
  return { ...x, shape: [x.shape[0]!, ...shape] };
}

const inputShape = (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (xs.length !== 3 || xs.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError(`--input-shape expects C,H,W (three positive integers), got "${v}"`);
  return xs;
};

export async function ntkKernelCommand(o: { arch: string; x1: string; x2?: string; inputShape?: number[]; param: Parameterization; batchSize: number; out?: string; time?: boolean; backend: BackendChoice; threads?: number }): Promise<void> {
  const layer = parseArchitecture(o.arch, { parameterization: o.param });
  const rows1 = readRows(o.x1, '--x1');
  const rows2 = o.x2 ? readRows(o.x2, '--x2') : null;
  if (rows2 && rows2.shape[1] !== rows1.shape[1]) {
    throw new TesseraError('shape', 'ntk kernel', `--x2 expected rows of length ${rows1.shape[1]} (the row length of --x1 ${o.x1}), got ${rows2.shape[1]} in ${o.x2}`);
  }
  const x1 = asImages(rows1, o.inputShape, o.x1), x2 = rows2 && asImages(rows2, o.inputShape, o.x2!);
  const dispose = await useBackend(o.backend, o.threads);
  const started = performance.now();
  const tty = Boolean(process.stderr.isTTY);
  let m: ReturnType<typeof kernelFn>;
  try {
    m = kernelFn(layer, x1, x2, {
      batchSize: o.batchSize,
      onProgress: (done, total) => { if (tty && total > 1) process.stderr.write(`\rkernel blocks ${done}/${total}${done === total ? '\n' : ''}`); },
    });
  } finally {
    await dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  if (o.time) process.stderr.write(`kernel ${m.n1}×${m.n2} (d = ${x1.shape[1]}, ${o.arch}): ${seconds.toFixed(2)} s\n`);
  if (o.out) {
    writeFileAtomic(o.out, Array.from(jsonChunks(m), (s) => Buffer.from(s, 'utf8')));
    return;
  }
  for (const chunk of jsonChunks(m)) {
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}


export function registerNtkCommands(program: Command): void {
  const ntk = program.command('ntk').description('infinite-width neural network kernels (NNGP and NTK)');
  ntk.command('kernel')
    .description('NNGP and NTK Gram matrices of a network spec (fully connected, or convolutional with --input-shape) between the rows of JSON files (input kernel x·x\'/d)')
    .requiredOption('--arch <spec>', 'space-separated layers: dense:W_STD:B_STD[:WIDTH] (B_STD "none" = no bias), relu, erf, gelu, identity, leaky_relu:A, abrelu:A:B, erf:A:B:C, sin[:A:B:C], cos[:A:B:C], rbf:GAMMA, exp[:A:B], gaussian:A:B, sign, abs, monomial:D, rectified_monomial:D, hermite:D, polynomial:C0:C1:...:CN, layer_norm[:EPS], dropout:RATE[:train|test] (RATE = keep probability); ' +
      'on images (--input-shape): conv:C:K:W_STD:B_STD[:STRIDE[:same|valid|circular]], avg_pool:W[:STRIDE[:valid|same]], sum_pool:W[:STRIDE[:valid|same]], flatten, global_avg_pool; on sequences (--input-shape C,1,L): attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]] (MECHANISM softmax|identity|abs|relu, SCALING linear|sqrt, sqrt with identity only); ' +
      'branches: "( A | B ) fanin_sum|fanin_prod|fanin_concat" (tokens separated by spaces; an empty branch is the identity)')
    .option('--input-shape <C,H,W>', 'read each row as an image [C, H, W] (row length C·H·W) for conv and pooling layers', inputShape)
    .requiredOption('--x1 <file>', 'JSON array of input rows [[...], ...]')
    .option('--x2 <file>', 'second JSON array of rows (default: x1)')
    .addOption(new Option('--param <name>', 'parameterisation').choices(['ntk', 'standard']).default('ntk'))
    .option('--batch-size <n>', 'rows per kernel block (memory bound)', positiveInt('--batch-size'), 512)
    .option('--out <file>', 'write the JSON to a file (atomically) instead of stdout')
    .option('--time', 'print the kernel computation time to stderr')
    .option('--json', 'print JSON (the only output; accepted as by every command)')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (opts) => {
      await ntkKernelCommand(opts);
    });
  ntk.command('bench')
    .description(`time the pipeline end to end: NNGP + NTK of the 4-layer ReLU spec on n training inputs (Fashion-MNIST when ${FASHION_MNIST_DIR} has it, else seeded Gaussian), ` +
      'the test-train kernels, and the t = ∞ NTK ensemble prediction on the test points (JSON out)')
    .option('--n <n>', 'training points', positiveInt('--n'), 2000)
    .option('--test <m>', 'test points', positiveInt('--test'), 2000)
    .addOption(new Option('--inputs <kind>', 'auto = Fashion-MNIST when present, else Gaussian').choices(['auto', 'fashion-mnist', 'gaussian']).default('auto'))
    .option('--data <dir>', 'Fashion-MNIST IDX directory')
    .option('--d <d>', 'input dimension of Gaussian inputs (Fashion-MNIST: 784)', positiveInt('--d'), 784)
    .option('--diag-reg <r>', 'diagonal regulariser of the train NTK, relative to its mean diagonal', nonNegativeNumber('--diag-reg'), 1e-4)
    .option('--rounds <n>', 'rounds (medians reported)', positiveInt('--rounds'), 1)
    .option('--batch-size <n>', 'rows per kernel block', positiveInt('--batch-size'), 512)
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--layers', 'instead: time the train kernels [n, n] of every newer kernel layer beside the existing kernel of its family (bench/ntkLayers.ts)')
    .option('--image-n <m>', 'with --layers: images for the conv / pooling family', positiveInt('--image-n'), 200)
    .option('--image-side <s>', 'with --layers: image side S (images [1, S, S], full spatial covariance)', positiveInt('--image-side'), 6)
    .option('--json', 'print the JSON result on one line')
    .action(async (opts: { n: number; test: number; inputs: NtkBenchInputs; data?: string; d: number; diagReg: number; rounds: number; batchSize: number; layers?: boolean; imageN: number; imageSide: number; backend: BackendChoice; threads?: number; json?: boolean }) => {
      const { benchNtk } = await import('../../bench/ntk.js');
      const { benchNtkLayers } = await import('../../bench/ntkLayers.js');
      const dispose = await useBackend(opts.backend, opts.threads);
      try {
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const result = opts.layers
          ? benchNtkLayers({ n: opts.n, imageN: opts.imageN, imageSide: opts.imageSide, rounds: opts.rounds, batchSize: opts.batchSize, ...(opts.data !== undefined && { dataDir: opts.data }), log })
          : benchNtk({ ...opts, ...(opts.data !== undefined && { dataDir: opts.data }), log });
        process.stdout.write(`${JSON.stringify(result, null, opts.json ? 0 : 2)}\n`);
      } finally {
        await dispose();
      }
    });
}
