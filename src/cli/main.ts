#!/usr/bin/env node
// Entry point of the `tessera` binary.
import { buildProgram } from './program.js';

buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
