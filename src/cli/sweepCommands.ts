// The `tessera sweep` command group (actions in sweep.ts, loaded on use).
import type { Command } from 'commander';
import { backendOption, nonNegativeInt, positiveInt, positiveNumber, threadsOption } from './options.js';

const gridOptions = (c: Command): Command => c
  .argument('<repro>', 'a reproduction (`tessera repro --list`), or an experiment exported by --module')
  .option('--quick', 'the smoke grid')
  .option('--seed <n>', 'the grid\'s seed', nonNegativeInt('--seed'), 0)
  .option('--data <dir>', 'IDX directory for Fashion-MNIST')
  .option('--results <dir>', 'results root (trials in <dir>/<repro>/trials/)', 'results')
  .option('--module <file>', 'an ES module exporting your own experiment with a grid (`experiment`, default, or `experiments`)')
  .option('--queue <url>', 'BullMQ on Redis, e.g. redis://127.0.0.1:6379 (default: the embedded queue)');

export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('a reproduction as a grid of deterministic trials on a job engine: the embedded queue (default) or BullMQ over Redis; per-trial results, resumable');
  gridOptions(sweep.command('run').description('run every unfinished trial of the grid, then write the report'))
    .option('--workers <n>', 'worker processes on this machine (default: one per core; with --queue 0: only enqueue and wait)', nonNegativeInt('--workers'))
    .option('--threads <n>', 'backend threads per worker (default: cores ÷ workers that have trials; results are bit-identical for equal threads per worker)', positiveInt('--threads'))
    .addOption(backendOption())
    .option('--attempts <n>', 'tries per trial before it is marked failed', positiveInt('--attempts'), 2)
    .option('--backoff-ms <ms>', 'delay before the first retry (doubles per retry)', positiveInt('--backoff-ms'), 2000)
    .option('--stall-timeout <s>', 'with --queue and --workers: seconds without a lock renewal before a trial goes to another worker', positiveNumber('--stall-timeout'), 30)
    .action(async (repro: string, o) => {
      const { sweepRun } = await import('./sweep.js');
      await sweepRun(repro, o);
    });
  gridOptions(sweep.command('status').description('done / running / failed / pending per trial, with a progress bar'))
    .option('--json', 'print JSON')
    .action(async (repro: string, o) => {
      const { sweepStatus } = await import('./sweep.js');
      await sweepStatus(repro, o);
    });
  gridOptions(sweep.command('report').description('assemble report.md, result.json and the plots from the trials done so far'))
    .option('--out <dir>', 'write the files into DIR itself (e.g. docs/results/<repro>) instead of a new run directory')
    .action(async (repro: string, o) => {
      const { sweepReport } = await import('./sweep.js');
      await sweepReport(repro, o);
    });
  gridOptions(sweep.command('logs').description('the log lines of one trial (by id or label, as `sweep status` lists them)'))
    .argument('<trial>', 'trial id or label')
    .action(async (repro: string, trial: string, o) => {
      const { sweepLogs } = await import('./sweep.js');
      await sweepLogs(repro, trial, o);
    });
  gridOptions(sweep.command('cancel').description('stop a grid: queued trials are dropped, running ones stop; finished results stay'))
    .action(async (repro: string, o) => {
      const { sweepCancel } = await import('./sweep.js');
      await sweepCancel(repro, o);
    });
  sweep.command('worker')
    .description('take trials of any grid from a BullMQ queue until stopped (SIGINT/SIGTERM); run one per machine or more')
    .requiredOption('--queue <url>', 'redis://host:port')
    .option('--concurrency <n>', 'trials at once in this worker (each in its own child process)', positiveInt('--concurrency'), 1)
    .addOption(threadsOption())
    .option('--stall-timeout <s>', 'seconds without a lock renewal before a trial of a dead worker goes to another', positiveNumber('--stall-timeout'), 30)
    .action(async (o) => {
      const { sweepWorker } = await import('./sweep.js');
      await sweepWorker(o);
    });
}
