// Backend selection for CLI commands: the wasm backend (default) or the cpu reference.
import { setBackend } from '../backend/registry.js';
import { createWasmBackend, type WasmBackend } from '../backend/wasm/index.js';

export type BackendChoice = 'wasm' | 'cpu';

/** Activate the chosen backend; returns a disposer. */
export async function useBackend(choice: BackendChoice, threads?: number): Promise<() => Promise<void>> {
  if (choice === 'cpu') return async () => {};
  const wasm: WasmBackend = await createWasmBackend(threads ? { threads } : {});
  const previous = setBackend(wasm);
  return async () => {
    setBackend(previous);
    await wasm.dispose();
  };
}
