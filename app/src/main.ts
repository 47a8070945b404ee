// The tessera web app: a hash router over pages that compute with tessera's public exports.
import './style.css';
import { currentRoute, esc } from './route.js';
import { renderPlanner } from './planner.js';
import { renderSizing } from './sizing.js';
import { renderRuns } from './runs.js';
import { renderSparse } from './sparse.js';
import { renderZamba2 } from './zamba2.js';
import { engineClient } from './engine/client.js';
import type { EngineCheck } from './engine/infoWorker.js';

const pages: Record<string, { title: string; render: (root: HTMLElement, params: URLSearchParams) => Promise<void> | void }> = {
  planner: { title: 'Planner', render: renderPlanner },
  sizing: { title: 'Sizing', render: renderSizing },
  kernels: { title: 'Kernels', render: async (root, params) => (await import('./kernels.js')).renderKernels(root, params) }, // its own chunk (tessera/infinite)
  sparse: { title: 'Sparse inference', render: renderSparse },
  zamba2: { title: 'Zamba2', render: renderZamba2 },
  runs: { title: 'Runs', render: renderRuns },
};

function renderHome(root: HTMLElement): void {
  root.innerHTML = `
    <h1>tessera</h1>
    <p>The numbers of <code>tessera</code>'s commands, computed in this browser by the same library functions.</p>
    <ul class="home">
      <li><a href="#/planner?model=7b&cluster=8xmi300x&seq=131072">Planner</a>: per-device memory, communication and step time of TP, SP, Ulysses, TP×SP and TSP on a node (<code>tessera parallel plan</code>)</li>
      <li><a href="#/sizing?model=zaya1&hw=all&microbatch=1&seq=4096&tp=1">Sizing</a>: the GEMMs of a layer on each accelerator — tiles, waves, efficiency and the nearest efficient dimensions (<code>tessera size check</code>)</li>
      <li><a href="#/kernels?arch=dense:1.4:0.1%20relu%20dense:1.4:0.1%20relu%20dense:1.4:0.1&x=circle8&t=100">Kernels</a>: NNGP and NTK Gram matrices of a network spec, the infinite ensemble on a 1-D toy over training time, a Monte-Carlo estimate from finite networks, and the input-compression bound (<code>tessera ntk kernel</code>, <code>tessera icb</code>)</li>
      <li><a href="#/sparse?digit=0">Sparse inference</a>: a condensed SRigL MLP classifies a test digit or your drawing through the condensed wasm kernel, with each layer's time against the dense matmul in this browser (<code>tessera sparse predict</code>)</li>
      <li><a href="#/zamba2?prompt=How%20are%20you%3F&max-new-tokens=32">Zamba2</a>: load a Hugging Face model directory (the tiny checkpoint by default, or a folder you choose), stream generated tokens with temperature / top-p, and the cache bytes per position beside an attention-only model (<code>tessera zamba2 generate</code>)</li>
      <li><a href="#/runs">Runs</a>: open a <code>results/</code> or <code>docs/results/</code> folder and compare its reports side by side — metrics, paper numbers with the gap, tables and plots</li>
    </ul>
    <p class="note">Engine in this browser: <span data-testid="engine-backend">starting…</span>
      <span data-testid="engine-check"></span></p>`;
  const engine = engineClient(new Worker(new URL('./engine/infoWorker.ts', import.meta.url), { type: 'module' }));
  const say = (selector: string, text: string, attrs: Record<string, string> = {}): void => {
    const el = root.querySelector(selector);
    if (!el) return;
    el.textContent = text;
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  };
  void engine.backend.then(async (backend) => {
    say('[data-testid="engine-backend"]', backend);
    const c = await engine.call<EngineCheck>('engine.check', { n: 256 });
    const gflops = (ms: number): string => ((2 * c.n ** 3) / (ms * 1e6)).toFixed(1);
    say('[data-testid="engine-check"]', `— a ${c.n}×${c.n} f32 matmul: ${c.backendMs.toFixed(1)} ms (${gflops(c.backendMs)} GFLOP/s) vs ${c.referenceMs.toFixed(1)} ms on the cpu reference (${gflops(c.referenceMs)} GFLOP/s), largest difference ${c.maxAbsDiff.toExponential(1)}`,
      { 'data-max-abs-diff': String(c.maxAbsDiff), 'data-backend-ms': String(c.backendMs), 'data-reference-ms': String(c.referenceMs) });
  }).catch((e: unknown) => say('[data-testid="engine-check"]', `— engine check failed: ${e instanceof Error ? e.message : String(e)}`)).finally(() => engine.terminate());
}

let generation = 0;
async function route(): Promise<void> {
  const root = document.getElementById('page')!;
  const { page, params } = currentRoute();
  const mine = ++generation;
  const entry = pages[page];
  document.title = entry ? `${entry.title} · tessera` : 'tessera';
  if (!entry) { renderHome(root); return; }
  try {
    await entry.render(root, params);
  } catch (e) {
    if (mine !== generation) return;
    // Bad input shows its error text on the page, never a blank page.
    root.innerHTML = `<h1>${esc(entry.title)}</h1><p class="error" data-testid="error">${esc(e instanceof Error ? e.message : String(e))}</p><p><a href="#/${page}">reset the inputs</a></p>`;
  }
}

window.addEventListener('hashchange', () => { void route(); });
void route();
