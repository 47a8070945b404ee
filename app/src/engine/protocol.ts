// Messages between a page and its engine worker (a Web Worker that runs tessera): requests by name, replies with
// the result or the error text, progress events in between. Shared by serve.ts (worker side) and client.ts.

export interface EngineRequest { id: number; name: string; args: unknown }
export type EngineReply =
  | { id: number; kind: 'result'; value: unknown }
  | { id: number; kind: 'error'; message: string }
  | { id: number; kind: 'progress'; value: unknown }
  | { id: -1; kind: 'ready'; backend: string };

/** A request handler in the worker: `progress` streams intermediate values (tokens, epochs) to the page. */
export type EngineHandler = (args: never, progress: (value: unknown, transfer?: Transferable[]) => void) => unknown;
