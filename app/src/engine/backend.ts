// The engine worker's backend: tessera's wasm backend (SIMD kernels, a pool of nested Web Workers over one shared
// memory) when the page is cross-origin isolated — `tessera app` serves it so — else the cpu reference, and the
// page says why.
import { cpuBackend, setBackend } from 'tessera';
import { browserWasmAvailable, createBrowserWasmBackend } from 'tessera/backend/wasm/browser';

/** Open the backend and return its one-line description. */
export async function openBrowserBackend(): Promise<string> {
  const available = browserWasmAvailable();
  if (available.ok) {
    try {
      const wasm = await createBrowserWasmBackend();
      setBackend(wasm);
      return `wasm, ${wasm.threads} thread${wasm.threads === 1 ? '' : 's'} (cross-origin isolated)`;
    } catch (e) {
      setBackend(cpuBackend);
      return `cpu (the plain TypeScript reference, 1 thread; wasm failed: ${e instanceof Error ? e.message : String(e)})`;
    }
  }
  setBackend(cpuBackend);
  return `cpu (the plain TypeScript reference, 1 thread; wasm unavailable: ${available.reason})`;
}
