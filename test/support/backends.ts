// The backends the engine suites run on: the cpu reference, wasm (2 threads) and native when the addon
// is built. Each suite runs its cases once per backend with withBackend (explicit, nothing to reset).
// TESSERA_NATIVE=0 (or a missing addon) leaves native out, and the suite says so.
import { after } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { Backend } from '../../src/backend/kernels.js';
import { createNativeBackend } from '../../src/backend/native/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';

let reported = false;

/** cpu, wasm and (when available) native; the wasm pool is disposed after the file's tests. */
export async function engineBackends(): Promise<Backend[]> {
  const wasm = await createWasmBackend({ threads: 2 });
  after(() => wasm.dispose());
  const native = createNativeBackend({ threads: 2 });
  if (!native.ok && !reported) {
    reported = true;
    console.log(`# native backend not tested: ${native.reason}`);
  }
  return native.ok ? [cpuBackend, wasm, native.backend] : [cpuBackend, wasm];
}
