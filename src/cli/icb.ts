// `tessera icb`: the input-compression bound calculator (bounds/inputCompression.ts). From I(X; Z) in bits and
// the training-set size m, ICB = sqrt((2^I + ln(c/δ)) / 2m); with both accuracies also GE = train − test
// accuracy and whether GE ≤ ICB. `tessera repro icb` estimates I(X; Z) of infinite ensembles and runs the study.
import type { Command } from 'commander';
import { icbCalculation } from '../bounds/index.js';
import { nonNegativeNumber, positiveInt, positiveNumber } from './options.js';

export function registerIcbCommands(program: Command): void {
  program.command('icb')
    .description('the input-compression bound GE ≤ ICB = sqrt((2^I(X;Z) + ln(c/δ)) / 2m) from I(X;Z) in bits and m training samples (and GE from the accuracies)')
    .requiredOption('--mi-bits <bits>', 'I(X; Z) in bits (e.g. the leave-one-out upper bound of `tessera repro icb`)', nonNegativeNumber('--mi-bits'))
    .requiredOption('--m <n>', 'training samples', positiveInt('--m'))
    .option('--delta <δ>', 'confidence parameter δ in (0, 1)', positiveNumber('--delta'), 0.05)
    .option('--c <c>', 'the constant c of ln(c/δ): 1 or 2', positiveNumber('--c'), 1)
    .option('--train-acc <a>', 'train accuracy in [0, 1] (with --test-acc: GE and whether GE ≤ ICB)', nonNegativeNumber('--train-acc'))
    .option('--test-acc <a>', 'test accuracy in [0, 1]', nonNegativeNumber('--test-acc'))
    .option('--json', 'print the JSON result on one line')
    .action((o: { miBits: number; m: number; delta: number; c: number; trainAcc?: number; testAcc?: number; json?: boolean }) => {
      const r = icbCalculation({
        miBits: o.miBits, m: o.m, delta: o.delta, c: o.c,
        ...(o.trainAcc !== undefined && { trainAccuracy: o.trainAcc }), ...(o.testAcc !== undefined && { testAccuracy: o.testAcc }),
      });
      if (o.json) { process.stdout.write(`${JSON.stringify(r)}\n`); return; }
      process.stdout.write(`ICB = sqrt((2^${r.miBits} + ln(${r.c}/${r.delta})) / (2·${r.m})) = ${r.bound.toPrecision(6)}\n`);
      if (r.ge !== undefined) process.stdout.write(`GE = ${r.trainAccuracy} − ${r.testAccuracy} = ${r.ge.toPrecision(6)} ${r.held ? '≤' : '>'} ICB: the bound ${r.held ? 'holds' : 'fails'}\n`);
    });
}
