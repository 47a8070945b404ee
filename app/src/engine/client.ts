// The page side of the engine: wrap a Web Worker that called serveEngine, and call its handlers by name.
// Errors thrown in the worker come back as Errors with the same message (the CLI's error text).
import type { EngineReply, EngineRequest } from './protocol.js';

export interface EngineClient {
  /** Which backend the worker opened, e.g. "wasm, 4 threads (cross-origin isolated)". */
  readonly backend: Promise<string>;
  call<T>(name: string, args: unknown, options?: { onProgress?: (value: unknown) => void; transfer?: Transferable[] }): Promise<T>;
  terminate(): void;
}

export function engineClient(worker: Worker): EngineClient {
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (v: unknown) => void }>();
  let announce: (backend: string) => void = () => {};
  const backend = new Promise<string>((resolve) => { announce = resolve; });
  worker.onmessage = (e: MessageEvent<EngineReply>) => {
    const m = e.data;
    if (m.kind === 'ready') { announce(m.backend); return; }
    const p = pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') { p.onProgress?.(m.value); return; }
    pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.value); else p.reject(new Error(m.message));
  };
  worker.onerror = (e) => {
    const error = new Error(`engine worker failed: ${e.message || 'could not start (see the browser console)'}`);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  return {
    backend,
    call<T>(name: string, args: unknown, options: { onProgress?: (value: unknown) => void; transfer?: Transferable[] } = {}): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
        worker.postMessage({ id, name, args } satisfies EngineRequest, options.transfer ?? []);
      });
    },
    terminate: () => worker.terminate(),
  };
}
