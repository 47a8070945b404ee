// `tessera ntk kernel`: infinite-width NNGP and NTK Gram matrices of a network spec (src/infinite/spec.ts)
// between the rows of JSON files, printed as {"nngp": [[...]], "ntk": [[...]]} (streamed row by row, so
// 2,000 × 2,000 matrices never become one giant string), or written atomically with --out; on the chosen
// --backend (the input Gram and everything after it). `tessera ntk bench`: bench/ntk.ts.
import type { Command } from 'commander';
import { Option } from 'commander';
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

export async function ntkKernelCommand(o: { arch: string; x1: string; x2?: string; param: Parameterization; batchSize: number; out?: string; time?: boolean; backend: BackendChoice; threads?: number }): Promise<void> {
  const layer = parseArchitecture(o.arch, { parameterization: o.param });
  const x1 = readRows(o.x1, '--x1');
  const x2 = o.x2 ? readRows(o.x2, '--x2') : null;
  if (x2 && x2.shape[1] !== x1.shape[1]) {
    throw new TesseraError('shape', 'ntk kernel', `--x2 expected rows of length ${x1.shape[1]} (the row length of --x1 ${o.x1}), got ${x2.shape[1]} in ${o.x2}`);
  }
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
    .description('NNGP and NTK Gram matrices of a fully connected network between the rows of JSON files (input kernel x·x\'/d)')
    .requiredOption('--arch <spec>', 'space-separated layers: dense:W_STD:B_STD[:WIDTH] (B_STD "none" = no bias), relu, erf, gelu, identity, leaky_relu:A, abrelu:A:B, erf:A:B:C, sin[:A:B:C], cos[:A:B:C], rbf:GAMMA, exp[:A:B], gaussian:A:B, sign, abs; on sequences (library inputs [N, C, 1, L]; JSON rows here are vectors, i.e. one position) also attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]] (MECHANISM softmax|identity|abs|relu, SCALING linear|sqrt, sqrt with identity only), global_avg_pool, flatten')
    .requiredOption('--x1 <file>', 'JSON array of input rows [[...], ...]')
    .option('--x2 <file>', 'second JSON array of rows (default: x1)')
    .addOption(new Option('--param <name>', 'parameterisation').choices(['ntk', 'standard']).default('ntk'))
    .option('--batch-size <n>', 'rows per kernel block (memory bound)', positiveInt('--batch-size'), 512)
    .option('--out <file>', 'write the JSON to a file (atomically) instead of stdout')
    .option('--time', 'print the kernel computation time to stderr')
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
    .option('--json', 'print the JSON result on one line')
    .action(async (opts: { n: number; test: number; inputs: NtkBenchInputs; data?: string; d: number; diagReg: number; rounds: number; batchSize: number; backend: BackendChoice; threads?: number; json?: boolean }) => {
      const { benchNtk } = await import('../../bench/ntk.js');
      const dispose = await useBackend(opts.backend, opts.threads);
      try {
        const result = benchNtk({ ...opts, ...(opts.data !== undefined && { dataDir: opts.data }), log: (line) => process.stderr.write(`${line}\n`) });
        process.stdout.write(`${JSON.stringify(result, null, opts.json ? 0 : 2)}\n`);
      } finally {
        await dispose();
      }
    });
}
