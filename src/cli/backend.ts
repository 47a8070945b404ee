// Backend selection for CLI commands: --backend auto|native|wasm|cpu (default auto: native when the addon
// loads, else wasm) and --threads. The choice is said once per process on stderr, with the reason when
// auto fell back, so JSON on stdout stays clean.
import { setBackend } from '../backend/registry.js';
import { openBackend, type BackendChoice } from '../backend/select.js';

export type { BackendChoice } from '../backend/select.js';

let said = false;

/** Activate the chosen backend; returns a disposer that restores the previous one. */
export async function useBackend(choice: BackendChoice = 'auto', threads?: number): Promise<() => Promise<void>> {
  const opened = await openBackend(choice, threads);
  if (!said) {
    said = true;
    process.stderr.write(`tessera: backend ${opened.description}\n`);
  }
  const previous = setBackend(opened.backend);
  return async () => {
    setBackend(previous);
    await opened.close();
  };
}
