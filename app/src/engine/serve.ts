// The worker side of the engine: a Web Worker module calls serveEngine(handlers) once. It opens the engine's
// backend (backend.ts: wasm with a thread pool when the page is cross-origin isolated, else the cpu reference),
// announces it, then answers requests one at a time in arrival order.
import type { EngineHandler, EngineReply, EngineRequest } from './protocol.js';
import { openBrowserBackend } from './backend.js';

type Scope = { postMessage(message: EngineReply, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<EngineRequest>) => void) | null };

export function serveEngine(handlers: Record<string, EngineHandler>): void {
  const scope = self as unknown as Scope;
  const queue: EngineRequest[] = [];
  let running = false;
  const ready = openBrowserBackend().then((backend) => { scope.postMessage({ id: -1, kind: 'ready', backend }); });

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    await ready;
    for (let req = queue.shift(); req; req = queue.shift()) {
      const id = req.id;
      try {
        const handler = handlers[req.name];
        if (!handler) throw new Error(`engine worker: no handler "${req.name}" (has ${Object.keys(handlers).join(', ')})`);
        const value = await handler(req.args as never, (v, transfer) => scope.postMessage({ id, kind: 'progress', value: v }, transfer ?? []));
        scope.postMessage({ id, kind: 'result', value });
      } catch (e) {
        scope.postMessage({ id, kind: 'error', message: e instanceof Error ? e.message : String(e) });
      }
    }
    running = false;
  }
  scope.onmessage = (e) => { queue.push(e.data); void drain(); };
}
