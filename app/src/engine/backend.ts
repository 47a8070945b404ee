// The engine worker's backend. For now the cpu reference (plain TypeScript); the wasm backend in the browser
// replaces it when the page is cross-origin isolated (SharedArrayBuffer for the thread pool).
import { cpuBackend, setBackend } from 'tessera';

/** Open the backend and return its one-line description. */
export async function openBrowserBackend(): Promise<string> {
  setBackend(cpuBackend);
  return 'cpu (the plain TypeScript reference, 1 thread)';
}
