// Sparse inference: a condensed SRigL MLP (app/public/models, trained and condensed by scripts/build-app-model.sh)
// classifies a test digit or a drawn one in the engine worker (sparseWorker.ts) through the condensed constant
// fan-in kernel, and each layer is timed against the dense matmul of the same layer in this browser.
// URL: #/sparse?digit=<i>&reps=<n> (timing samples, as `tessera sparse bench --reps`). The test digits are the first 100 of `tessera sparse predict`'s test set.
import './sparse.css';
import { engineClient, type EngineClient } from './engine/client.js';
import { bindInputs, esc, positiveInt, setParams } from './route.js';
import { drawingCanvas, paintPixels, SIDE, toMnistPixels } from './digitCanvas.js';
import type { DigitClassification, SparseModelSummary, SparseTiming } from './sparseWorker.js';

const MODEL_URL = 'models/mnist-srigl90.condensed.safetensors';
const DIGITS_URL = 'data/mnist-test-100.u8';
const INNER = 20;

interface TestDigits { n: number; labels: Uint8Array; images: Uint8Array }

// One worker and one model for the page's lifetime: re-rendering (a new digit) reuses them.
let engine: EngineClient | null = null;
let model: Promise<SparseModelSummary> | null = null;
let digits: Promise<TestDigits> | null = null;
let timing: { model: SparseModelSummary; repeats: number; result: Promise<SparseTiming> } | null = null;
let renders = 0;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: expected the file shipped with the app, got HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** [n labels][n · 28 · 28 pixels], as scripts/build-app-digits.mjs writes it. */
async function loadDigits(): Promise<TestDigits> {
  const bytes = await fetchBytes(DIGITS_URL);
  const n = bytes.length / (1 + SIDE * SIDE);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${DIGITS_URL}: expected n·785 bytes (n labels, n 28×28 images), got ${bytes.length}`);
  return { n, labels: bytes.subarray(0, n), images: bytes.subarray(n) };
}

function loadModel(e: EngineClient, bytes: Uint8Array, name: string): Promise<SparseModelSummary> {
  timing = null;
  return e.call<SparseModelSummary>('sparse.load', { bytes, name });
}

function digitIndex(raw: string | null, n: number): number {
  if (raw === null) return 0;
  const i = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(i) || i < 0) throw new Error(`digit expects a non-negative integer, got "${raw}"`);
  if (i >= n) throw new Error(`digit expects a test digit in [0, ${n}) (the digits shipped with the page), got ${i}`);
  return i;
}

const ms = (v: number): string => (v < 0.1 ? `${(v * 1000).toFixed(1)} µs` : `${v.toFixed(3)} ms`);

function prediction(c: DigitClassification): string {
  const max = Math.max(...c.logits);
  const exp = c.logits.map((l) => Math.exp(l - max)), sum = exp.reduce((a, b) => a + b, 0);
  return `<table class="logits">${c.logits.map((l, k) => `<tr${k === c.class ? ' class="recommended"' : ''}><td>${k}</td>
    <td class="text"><span class="bar" style="width:${(200 * exp[k]! / sum).toFixed(1)}px"></span></td><td>${(100 * exp[k]! / sum).toFixed(1)}%</td><td>${l.toFixed(3)}</td></tr>`).join('')}</table>`;
}

function summaryTable(m: SparseModelSummary): string {
  const nnz = m.layers.reduce((s, l) => s + l.active * l.fanIn, 0), dense = m.layers.reduce((s, l) => s + l.in * l.out, 0);
  return `<p data-testid="model-summary" data-name="${esc(m.name)}">${esc(m.name)}: ${m.bytes.toLocaleString('en-US')} bytes, trained on ${esc(m.dataset)}
    (inputs standardised as (pixel/255 − ${m.mean.toFixed(4)}) / ${m.std.toFixed(4)}); ${nnz.toLocaleString('en-US')} of ${dense.toLocaleString('en-US')} weights kept (${(100 * (1 - nnz / dense)).toFixed(1)}% sparse).</p>
    <table><thead><tr><th>layer</th><th>in → out</th><th>active rows</th><th>fan-in</th><th class="text">indices</th><th class="text">then</th></tr></thead><tbody>
    ${m.layers.map((l, i) => `<tr><td>${i}</td><td>${l.in} → ${l.out}</td><td>${l.active}</td><td>${l.fanIn}</td><td class="text">${esc(l.indexDtype)}</td><td class="text">${esc(l.activations.join(', ') || '—')}</td></tr>`).join('')}</tbody></table>`;
}

function timingTable(t: SparseTiming): string {
  const row = (name: string, c: number, d: number, extra = ''): string => `<td>${ms(c)}</td><td>${ms(d)}</td><td>${(d / c).toFixed(2)}×</td>${extra}`;
  return `<table data-testid="timing"><thead><tr><th>layer</th><th>in → active/out</th><th>fan-in</th><th>condensed</th><th>dense</th><th>dense / condensed</th><th>max |Δ|</th></tr></thead><tbody>
    ${t.layers.map((l) => `<tr data-testid="timing-row" data-layer="${l.layer}" data-condensed-ms="${l.condensedMs}" data-dense-ms="${l.denseMs}" data-max-abs-diff="${l.maxAbsDiff}">
      <td>${l.layer}</td><td>${l.in} → ${l.active}/${l.out}</td><td>${l.fanIn}</td>${row('', l.condensedMs, l.denseMs, `<td>${l.maxAbsDiff.toExponential(1)}</td>`)}</tr>`).join('')}
    <tr data-testid="timing-model" data-condensed-ms="${t.model.condensedMs}" data-dense-ms="${t.model.denseMs}"><td class="text" colspan="3"><b>whole network</b></td>${row('', t.model.condensedMs, t.model.denseMs, '<td></td>')}</tr>
    </tbody></table>
    <p class="note">Median per call at batch 1 of ${t.repeats} samples, each the mean of ${t.inner} back-to-back calls, on the test digit's own activations.
      Dense = the condensed layer expanded to a dense [out, in] weight (zeros where the mask is 0) and multiplied with the backend's matmul; max |Δ| is the largest difference of the two outputs.</p>`;
}

export async function renderSparse(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const mine = ++renders;
  const repeats = positiveInt('--reps', params.get('reps'), 25);
  digits ??= loadDigits().catch((err: unknown) => { digits = null; throw err; }); // a failed fetch is retried by the next render
  const set = await digits;
  const index = digitIndex(params.get('digit'), set.n);
  if (!engine) {
    const e = engineClient(new Worker(new URL('./sparseWorker.ts', import.meta.url), { type: 'module' }));
    engine = e;
    model = fetchBytes(MODEL_URL).then((bytes) => loadModel(e, bytes, MODEL_URL.split('/').at(-1)!));
  }
  const e = engine;
  let summary: SparseModelSummary;
  try {
    summary = await model!;
  } catch (err) {
    model = null; engine.terminate(); engine = null; // the next render starts again
    throw err;
  }
  if (mine !== renders) return;
  const pixels = set.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE);
  root.innerHTML = `
    <h1>Sparse inference</h1>
    <p>A 784-300-100-10 MLP trained with SRigL (constant fan-in dynamic sparse training) at 90% sparsity and condensed:
      each layer keeps only its active rows, each row the same number of inputs, so y = Σ values · x[indices] runs as one dense
      gather-multiply (the wasm kernel behind <code>tessera sparse eval</code>). Engine: <span data-testid="sparse-backend">starting…</span></p>
    <div class="sparse-panels">
      <section>
        <h2>Test digit</h2>
        <form id="inputs">
          <label>digit <input name="digit" type="number" min="0" max="${set.n - 1}" value="${index}" size="4"></label>
          <input type="hidden" name="reps" value="${repeats}">
          <button type="button" data-step="-1">◀</button> <button type="button" data-step="1">▶</button>
        </form>
        <canvas class="digit" data-testid="digit-image" width="112" height="112"></canvas>
        <div data-testid="digit-prediction" data-index="${index}" data-label="${set.labels[index]}">classifying…</div>
      </section>
      <section>
        <h2>Draw a digit</h2>
        <canvas class="draw" data-testid="draw" width="280" height="280"></canvas>
        <p><button type="button" data-testid="clear">clear</button> as the network sees it: <canvas class="digit" data-testid="drawn-input" width="56" height="56"></canvas></p>
        <div data-testid="drawing-prediction">draw a digit in the box (white on black)</div>
        <p class="note">The strokes' bounding box is scaled to fit 20×20 and placed in 28×28 with its centre of mass at the centre, as MNIST's digits were;
          pixels then go through the same pixel/255 and standardisation as the CLI's test set.</p>
      </section>
    </div>
    <h2>Per-layer time in this browser: condensed kernel vs dense matmul</h2>
    <div data-testid="timing-panel">measuring…</div>
    <h2>Model</h2>
    <div data-testid="model">${summaryTable(summary)}</div>
    <p><label>load another condensed file (<code>tessera sparse condense</code>) <input type="file" data-testid="model-file" accept=".safetensors"></label></p>
    <div data-testid="model-error"></div>
    <p class="note">The same numbers as <code>tessera sparse predict --model app/public/models/${esc(MODEL_URL.split('/').at(-1)!)} --indices ${index} --json</code>
      (the shipped digits are the first ${set.n} of its test set).</p>`;
  bindInputs(root, 'sparse');
  const $ = <T extends Element>(id: string): T => root.querySelector<T>(`[data-testid="${id}"]`)!;
  void e.backend.then((b) => { $('sparse-backend').textContent = b; });
  for (const b of root.querySelectorAll<HTMLButtonElement>('button[data-step]')) {
    b.addEventListener('click', () => {
      const next = (index + Number(b.dataset.step) + set.n) % set.n;
      setParams('sparse', new URLSearchParams({ digit: String(next), ...(params.has('reps') && { reps: String(repeats) }) }));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
  }
  paintPixels($('digit-image'), pixels);
  paintPixels($('drawn-input'), new Uint8Array(SIDE * SIDE));

  const show = (el: Element, c: DigitClassification, what: string): void => {
    el.setAttribute('data-class', String(c.class));
    el.setAttribute('data-logits', JSON.stringify(c.logits));
    el.innerHTML = `<p>${what}: predicted <b class="big">${c.class}</b> in ${ms(c.ms)}</p>${prediction(c)}`;
  };
  const classify = (p: Uint8Array): Promise<DigitClassification> => e.call<DigitClassification>('sparse.classify', { pixels: Uint8Array.from(p) });

  const canvas = $<HTMLCanvasElement>('draw');
  const pad = drawingCanvas(canvas, () => {
    const input = toMnistPixels(canvas);
    paintPixels($('drawn-input'), input);
    void classify(input).then((c) => show($('drawing-prediction'), c, 'your digit'));
  });
  $('clear').addEventListener('click', () => {
    pad.clear();
    paintPixels($('drawn-input'), new Uint8Array(SIDE * SIDE));
    const out = $('drawing-prediction');
    out.removeAttribute('data-class'); out.removeAttribute('data-logits'); out.textContent = 'draw a digit in the box (white on black)';
  });

  $<HTMLInputElement>('model-file').addEventListener('change', (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    void file.arrayBuffer().then((buf) => loadModel(e, new Uint8Array(buf), file.name)).then((m) => {
      model = Promise.resolve(m);
      window.dispatchEvent(new HashChangeEvent('hashchange')); // re-render with the new model
    }).catch((err: unknown) => {
      // The previous model stays loaded; the file's problem is shown with the CLI's error text.
      $('model-error').innerHTML = `<p class="error" data-testid="error">${esc(err instanceof Error ? err.message : String(err))}</p>`;
    });
  });

  const c = await classify(pixels);
  if (mine !== renders) return;
  show($('digit-prediction'), c, `test digit #${index} (label ${set.labels[index]})`);
  if (!timing || timing.model !== summary || timing.repeats !== repeats) timing = { model: summary, repeats, result: e.call<SparseTiming>('sparse.time', { pixels: Uint8Array.from(pixels), repeats, inner: INNER }) };
  const t = await timing.result;
  if (mine !== renders) return;
  $('timing-panel').innerHTML = timingTable(t);
}
