// The tessera command line. Every command has --help; unknown options and commands are errors.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { registerNtkCommands } from './ntk.js';
import { registerIcbCommands } from './icb.js';
import { registerRobustCommands } from './robust.js';
import { registerSizeCommands } from './size.js';
import { registerCkptCommands } from './ckpt.js';
import { registerParallelCommands } from './parallel.js';
import { registerZamba2Commands } from './zamba2.js';
import { registerSweepCommands } from './sweepCommands.js';
import type { BackendChoice } from './backend.js';
import { backendOption, indexList, positiveInt, nonNegativeInt, nonNegativeNumber, threadsOption, unitFraction } from './options.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };


/** Open the chosen backend, print what `run` returns, then release the backend (also when `run` throws). */
async function printWithBackend(o: { backend: BackendChoice; threads?: number }, run: () => string): Promise<void> {
  const { useBackend } = await import('./backend.js');
  const dispose = await useBackend(o.backend, o.threads);
  try {
    process.stdout.write(`${run()}\n`);
  } finally {
    await dispose();
  }
}

export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Neural-network research made runnable: a tensor engine with autograd and WebAssembly SIMD kernels, and paper modules on top.')
    .version(pkg.version)
    .enablePositionalOptions() // -V/--version only before a command: `robust eval --version standard` is the command's own option
    .showHelpAfterError()
    .allowExcessArguments(false);

  program.command('train')
    .description('train an MLP (784-300-100-10) or a small CNN on Fashion-MNIST or MNIST, with checkpoints and a report')
    .addOption(new Option('--model <name>', 'architecture').choices(['mlp', 'cnn']).default('mlp'))
    .addOption(new Option('--dataset <name>', 'dataset').choices(['fashion-mnist', 'mnist']).default('fashion-mnist'))
    .option('--data <dir>', 'IDX directory (default: the Debian dataset-fashion-mnist path)')
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), 10)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 128)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam', 'adamw']).default('sgd'))
    .option('--lr <x>', 'peak learning rate', nonNegativeNumber('--lr'), 0.05)
    .option('--momentum <x>', 'SGD momentum', nonNegativeNumber('--momentum'), 0.9)
    .option('--nesterov', 'Nesterov momentum')
    .option('--weight-decay <x>', 'weight decay (with --sparsity and not given: 5e-4, the SRigL recipe)', nonNegativeNumber('--weight-decay'), 0)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'cosine', 'step']).default('cosine'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--train-limit <n>', 'train on n examples (balanced per class); 0 = all', nonNegativeInt('--train-limit'), 0)
    .option('--test-limit <n>', 'evaluate on the first n test examples; 0 = all', nonNegativeInt('--test-limit'), 0)
    .option('--checkpoint-every <n>', 'write a checkpoint every n steps', positiveInt('--checkpoint-every'), 500)
    .option('--results <dir>', 'results root', 'results')
    .option('--run-id <id>', 'run directory name (required with --resume)')
    .option('--resume', 'continue the run --run-id from its newest checkpoint')
    .option('--max-steps <n>', 'stop (with a checkpoint) after n steps in total', positiveInt('--max-steps'))
    .option('--sparsity <s>', 'dynamic sparse training: global sparsity of the Linear/Conv2d weights, in [0, 1)', unitFraction('--sparsity'))
    .addOption(new Option('--method <name>', 'sparse training method (with --sparsity)').choices(['static', 'rigl', 'srigl']).default('srigl'))
    .addOption(new Option('--distribution <name>', 'layer-wise sparsity (with --sparsity)').choices(['erk', 'uniform']).default('erk'))
    .option('--ablation', 'SRigL neuron ablation (with --method srigl)')
    .option('--delta-t <n>', 'steps between topology updates (RigL/SRigL)', positiveInt('--delta-t'), 100)
    .option('--alpha <a>', 'initial drop fraction of the cosine schedule (RigL/SRigL)', unitFraction('--alpha'), 0.3)
    .option('--dense-first-layer', 'keep the first layer dense (with --sparsity)')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o, command: Command) => {
      const { trainCommand } = await import('./train.js');
      await trainCommand(o, (name) => command.getOptionValueSource(name) === 'cli');
    });

  program.command('eval')
    .description('evaluate a training checkpoint on its dataset\'s test set')
    .requiredOption('--checkpoint <file>', 'a step-*.safetensors file written by tessera train')
    .option('--data <dir>', 'IDX directory')
    .option('--test-limit <n>', 'first n test examples; 0 = all', nonNegativeInt('--test-limit'))
    .option('--json', 'print JSON')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o) => {
      const { evalCommand } = await import('./train.js');
      await evalCommand(o);
    });

  const bench = program.command('bench').description('performance measurements (JSON out, peers side by side)');
  bench.command('engine')
    .description('GEMM 1024³, GEMV 4096², MLP and CNN training steps: tessera native/wasm/cpu vs PyTorch, tfjs-wasm and tfjs-cpu in one run, beside the machine\'s peak FLOP/s and read bandwidth')
    .option('--json', 'print the JSON result on one line')
    .option('--quick', 'one round, fewer repetitions (CI smoke run)')
    .option('--threads <n>', 'threads for the all-thread runs (default: all cores)', positiveInt('--threads'))
    .option('--no-peers', 'skip the peers (PyTorch, tfjs)')
    .action(async (opts: { json?: boolean; quick?: boolean; threads?: number; peers: boolean }) => {
      const { benchEngine } = await import('../../bench/engine.js');
      const result = await benchEngine({
        quick: opts.quick ?? false, noPeers: !opts.peers, ...(opts.threads ? { threads: opts.threads } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(result, null, opts.json ? 0 : 2)}\n`);
    });

  bench.command('weight-gemv')
    .description('decode GEMV over 1.2B-model weight matrices stored as bf16 / f16 / f32 (native and wasm, 1 and all threads) in GB/s, beside the read bandwidth and the f32 gemm with m = 1')
    .option('--json', 'print the JSON result on one line')
    .option('--quick', 'fewer repetitions and a 128 MiB pool of matrix copies (CI smoke run)')
    .option('--threads <n>', 'threads for the all-thread runs (default: all cores)', positiveInt('--threads'))
    .action(async (opts: { json?: boolean; quick?: boolean; threads?: number }) => {
      const { benchWeightGemv, formatWeightGemvBench } = await import('../../bench/weightGemv.js');
      const result = await benchWeightGemv({ quick: opts.quick ?? false, ...(opts.threads ? { threads: opts.threads } : {}), log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${opts.json ? JSON.stringify(result) : formatWeightGemvBench(result)}\n`);
    });

  const sparse = program.command('sparse').description('condensed constant fan-in sparse networks (SRigL): condense a checkpoint, evaluate, benchmark, export, inspect');
  sparse.command('condense')
    .description('turn a sparse `tessera train` MLP checkpoint into a condensed file: constant fan-in layers (u16/i32 indices), ablated rows removed and folded')
    .requiredOption('--checkpoint <file>', 'a step-*.safetensors file written by tessera train')
    .requiredOption('--out <file>', 'the condensed safetensors file to write (atomically)')
    .action(async (o: { checkpoint: string; out: string }) => {
      const { condenseCommand } = await import('./sparse.js');
      process.stdout.write(`${condenseCommand(o)}\n`);
    });
  sparse.command('eval')
    .description('test-set accuracy of a condensed file through the condensed kernels (the keys of tessera eval --json)')
    .requiredOption('--model <file>', 'a condensed file written by tessera sparse condense')
    .addOption(new Option('--dataset <name>', 'dataset (default: the one it was trained on)').choices(['fashion-mnist', 'mnist']))
    .option('--data <dir>', 'IDX directory')
    .option('--test-limit <n>', 'first n test examples; 0 = all', nonNegativeInt('--test-limit'))
    .option('--against <checkpoint>', 'also run the dense masked model of this checkpoint and report the largest logit difference and differing predictions')
    .option('--json', 'print JSON')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o: { model: string; dataset?: 'fashion-mnist' | 'mnist'; data?: string; testLimit?: number; against?: string; json?: boolean; backend: BackendChoice; threads?: number }) => {
      const { sparseEvalCommand } = await import('./sparse.js');
      await printWithBackend(o, () => sparseEvalCommand(o));
    });
  sparse.command('predict')
    .description('logits and predicted class of chosen test examples of a condensed file, through the condensed kernels (the web app\'s sparse page is checked against it)')
    .requiredOption('--model <file>', 'a condensed file written by tessera sparse condense')
    .addOption(new Option('--indices <list>', 'test examples, e.g. 0-9 or 3,7,12-15').argParser(indexList('--indices')).default(Array.from({ length: 10 }, (_, i) => i), '0-9'))
    .addOption(new Option('--dataset <name>', 'dataset (default: the one it was trained on)').choices(['fashion-mnist', 'mnist']))
    .option('--data <dir>', 'IDX directory')
    .option('--json', 'print JSON')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o: { model: string; indices: number[]; dataset?: 'fashion-mnist' | 'mnist'; data?: string; json?: boolean; backend: BackendChoice; threads?: number }) => {
      const { sparsePredictCommand } = await import('./sparse.js');
      await printWithBackend(o, () => sparsePredictCommand(o));
    });
  sparse.command('export-onnx')
    .description('write the dense masked MLP of a checkpoint as an ONNX model (opset 13) for onnxruntime')
    .requiredOption('--checkpoint <file>', 'a step-*.safetensors file written by tessera train')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .action(async (o: { checkpoint: string; out: string }) => {
      const { exportOnnxCommand } = await import('./sparse.js');
      process.stdout.write(`${exportOnnxCommand(o)}\n`);
    });
  sparse.command('bench')
    .description('without --model: condensed vs dense vs CSR on the wasm and native backends, with onnxruntime-node dense MatMul as the peer; ' +
      '3072→768 and 4096→4096 at 80–99% sparsity, batch 1–256; one row per backend. With --model: that condensed network\'s own layers ' +
      '(condensed vs dense masked vs onnxruntime) and the whole model at batch 1')
    .option('--model <file>', 'a condensed file: time its layers instead of the synthetic ones')
    .option('--batch <n>', 'batch of the per-layer timings (with --model)', positiveInt('--batch'), 1)
    .option('--reps <n>', 'timed runs per measurement, median reported (with --model)', positiveInt('--reps'), 200)
    .addOption(backendOption('kernel backend (with --model)'))
    .option('--json', 'print the JSON array of rows on one line')
    .option('--quick', 'only the 4096x4096, 90%, batch-1 rows (under a minute)')
    .option('--threads <n>', 'threads for the all-thread rows (default: all cores)', positiveInt('--threads'))
    .option('--rounds <n>', 'rounds per (layer, threads) pass (default 5 quick, 3 full)', positiveInt('--rounds'))
    .action(async (opts: { model?: string; batch: number; reps: number; backend: BackendChoice; json?: boolean; quick?: boolean; threads?: number; rounds?: number }) => {
      if (opts.model) {
        const { benchModelCommand } = await import('./sparse.js');
        const { useBackend } = await import('./backend.js');
        const { availableParallelism } = await import('node:os');
        const threads = opts.threads ?? availableParallelism();
        const dispose = await useBackend(opts.backend, threads);
        try {
          process.stdout.write(`${await benchModelCommand({ model: opts.model, batch: opts.batch, threads, reps: opts.reps, json: opts.json ?? false })}\n`);
        } finally {
          await dispose();
        }
        return;
      }
      const { benchSparse, formatSparseBench } = await import('../../bench/sparse.js');
      const rows = await benchSparse({
        quick: opts.quick ?? false, ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.rounds ? { rounds: opts.rounds } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${opts.json ? JSON.stringify(rows) : formatSparseBench(rows)}\n`);
    });
  sparse.command('inspect')
    .description('validate a condensed safetensors file and print its description')
    .argument('<file>', 'a file written by saveCondensed')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { inspectCondensed } = await import('./sparse.js');
      process.stdout.write(`${inspectCondensed(file, opts.json ?? false)}\n`);
    });

  program.command('repro')
    .description('reproduce a paper result (see `tessera repro --list`): its grid of trials on the embedded queue (`tessera sweep run` with one worker), then the report; resumes, never reruns a finished trial')
    .argument('[name]', 'experiment name')
    .option('--quick', 'smoke version (minutes on 2 cores)')
    .option('--list', 'list the experiments')
    .option('--results <dir>', 'results root', 'results')
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--data <dir>', 'IDX directory for Fashion-MNIST')
    .action(async (name: string | undefined, o) => {
      const { reproCommand } = await import('./repro.js');
      await reproCommand(name, o);
    });

  registerSweepCommands(program);

  program.command('app')
    .description('serve the built web app (planner, sizing) on 127.0.0.1 with cross-origin isolation; prints its URL first')
    .option('--port <P>', 'port (0: any free port)', nonNegativeInt('--port'), 5178)
    .action(async (o: { port: number }) => {
      const { appCommand } = await import('./app.js');
      await appCommand(o);
    });

  program.command('demo')
    .description('a short end-to-end run: train the MLP on real images with the wasm backend and write a report with a plot')
    .option('--results <dir>', 'results root', 'results')
    .action(async (o: { results: string }) => {
      const { runDemo } = await import('./demo.js');
      await runDemo({ resultsDir: o.results });
    });
  registerNtkCommands(program);
  registerIcbCommands(program);
  registerRobustCommands(program);
  registerSizeCommands(program);
  registerCkptCommands(program);
  registerParallelCommands(program);
  registerZamba2Commands(program);
  return program;
}
