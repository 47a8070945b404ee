// Option-value parsers shared by every command: each names the option and shows the bad value; the checks and
// their texts are core/optionValues.ts's (the web app uses the same).
import { InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES } from '../backend/select.js';
import {
  OptionValueError, parseIndexList, parseNonNegativeInt, parseNonNegativeNumber, parseNumberIn, parsePositiveInt, parsePositiveNumber, parseUnitFraction,
} from '../core/optionValues.js';

/** A commander argument parser from a core/optionValues.ts check (its OptionValueError becomes commander's error). */
const cliParser = <T>(check: (v: string) => T) => (v: string): T => {
  try {
    return check(v);
  } catch (e) {
    if (e instanceof OptionValueError) throw new InvalidArgumentError(e.message);
    throw e;
  }
};

export const positiveInt = (name: string) => cliParser((v) => parsePositiveInt(name, v));
export const nonNegativeInt = (name: string) => cliParser((v) => parseNonNegativeInt(name, v));
export const positiveNumber = (name: string) => cliParser((v) => parsePositiveNumber(name, v));
export const nonNegativeNumber = (name: string) => cliParser((v) => parseNonNegativeNumber(name, v));
/** A number in [lo, hi], or (lo, hi] when openLo. */
export const numberIn = (name: string, lo: number, hi: number, openLo = false) => cliParser((v) => parseNumberIn(name, v, lo, hi, openLo));
/** A list of non-negative integers and inclusive ranges, e.g. --indices 0-9 or 3,7,12-15. */
export const indexList = (name: string) => cliParser((v) => parseIndexList(name, v));
/** A fraction in [0, 1), e.g. --sparsity 0.9. */
export const unitFraction = (name: string) => cliParser((v) => parseUnitFraction(name, v));

/** --backend for every command that computes: auto (native when built, else wasm), native, wasm or cpu. */
export const backendOption = (what = 'kernel backend') =>
  new Option('--backend <name>', `${what}: auto = native when the addon is built, else wasm`).choices([...BACKEND_CHOICES]).default('auto');

/** --threads for every backend (the cpu reference always runs 1). */
export const threadsOption = () => new Option('--threads <n>', 'threads of the backend (default: all cores)').argParser(positiveInt('--threads'));
