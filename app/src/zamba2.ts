// Zamba2: `tessera zamba2 generate` in the page. A Hugging Face model directory — the tiny checkpoint shipped
// under public/models/zamba2-tiny by default, or a folder the user chooses — is read into memory and handed to
// the engine worker (zamba2Worker.ts), which loads it with the library's loader and streams the generated
// tokens back. The inputs are URL parameters named as the CLI's options (prompt, max-new-tokens, temperature,
// top-k, top-p, seed); the chart shows the generation cache's bytes per position beside an attention-only model.
import { renderSvg, type VegaLiteSpec } from 'tessera/report';
import { engineClient, type EngineClient } from './engine/client.js';
import { bindInputs, esc, field, nonNegativeInt, numberIn } from './route.js';
import type { GenerateReply, GenerateRequest, TokenEvent } from './zamba2Worker.js';

/** A model directory as the page holds it: its name (as errors name it) and its files' bytes. */
interface ModelDirectory { name: string; files: Map<string, Uint8Array>; from: string }

const SHIPPED = { name: 'zamba2-tiny', url: 'models/zamba2-tiny/', files: ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'] };

/** The folder the user chose; it stays chosen while the inputs change (null: the shipped checkpoint). */
let chosen: ModelDirectory | null = null;
let engine: EngineClient | null = null;
let run = 0;

async function shippedModel(): Promise<ModelDirectory> {
  const files = new Map<string, Uint8Array>();
  for (const f of SHIPPED.files) {
    const res = await fetch(new URL(`${SHIPPED.url}${f}`, document.baseURI));
    if (!res.ok) throw new Error(`the shipped checkpoint's ${f} could not be fetched: HTTP ${res.status}`);
    files.set(f, new Uint8Array(await res.arrayBuffer()));
  }
  return { name: SHIPPED.name, files, from: 'shipped with the app' };
}

/** The files directly in the chosen folder (an <input webkitdirectory> lists subfolders' files too: skipped). */
async function fromFileList(list: FileList): Promise<ModelDirectory> {
  const files = new Map<string, Uint8Array>();
  let name = '.';
  for (const file of Array.from(list)) {
    const parts = (file.webkitRelativePath || file.name).split('/');
    if (parts.length > 2) continue;
    if (parts.length === 2) name = parts[0]!;
    files.set(parts.at(-1)!, new Uint8Array(await file.arrayBuffer()));
  }
  return { name, files, from: 'chosen folder' };
}

type DirectoryHandle = { name: string; values(): AsyncIterable<{ kind: string; name: string; getFile(): Promise<File> }> };

async function fromDirectoryHandle(dir: DirectoryHandle): Promise<ModelDirectory> {
  const files = new Map<string, Uint8Array>();
  for await (const entry of dir.values()) {
    if (entry.kind === 'file') files.set(entry.name, new Uint8Array(await (await entry.getFile()).arrayBuffer()));
  }
  return { name: dir.name, files, from: 'chosen folder (File System Access)' };
}

const kb = (bytes: number): string => (bytes / 1e3).toFixed(1);

export function renderZamba2(root: HTMLElement, params: URLSearchParams): void {
  const prompt = params.get('prompt') ?? 'How are you?';
  const maxNewTokens = nonNegativeInt('--max-new-tokens', params.get('max-new-tokens'), 32);
  const temperature = numberIn('--temperature', params.get('temperature'), 0, 0, 100);
  const topK = nonNegativeInt('--top-k', params.get('top-k'), 0);
  const topP = numberIn('--top-p', params.get('top-p'), 1, 0, 1, true);
  const seed = nonNegativeInt('--seed', params.get('seed'), 0);
  const picker = 'showDirectoryPicker' in window;

  root.innerHTML = `
    <h1>Zamba2</h1>
    <p>Model directory <b data-testid="model-name">${esc(chosen?.name ?? SHIPPED.name)}</b> (<span data-testid="model-from">${esc(chosen?.from ?? 'shipped with the app: 217 kB, bf16 weights')}</span>).
      <label>Choose a folder <input type="file" webkitdirectory data-testid="model-dir"></label>
      ${picker ? '<button type="button" id="pick">open a folder…</button>' : ''}
      ${chosen ? '<button type="button" id="shipped">use the shipped tiny checkpoint</button>' : ''}</p>
    <form id="inputs">
      <label>prompt <input name="prompt" value="${esc(prompt)}" size="40"></label>
      ${field('max-new-tokens', 'max new tokens', String(maxNewTokens))}
      ${field('temperature', 'temperature (0 = greedy)', String(temperature))}
      ${field('top-k', 'top-k (0 = all)', String(topK))}
      ${field('top-p', 'top-p', String(topP))}
      ${field('seed', 'seed', String(seed))}
    </form>
    <p id="status" class="note">reading the model…</p>
    <p class="generated"><span class="note">${esc(prompt)}</span> <b data-testid="generated" data-tokens="[]" data-done="false"></b></p>
    <p data-testid="speed" class="note"></p>
    <div id="chart" data-testid="cache-chart"></div>
    <p id="formula" class="note"></p>
    <p class="note">The same tokens as <code>tessera zamba2 generate --model ${esc(chosen?.name ?? `app/public/models/${SHIPPED.name}`)} --prompt ${esc(JSON.stringify(prompt))} --max-new-tokens ${maxNewTokens}${temperature ? ` --temperature ${temperature}` : ''}${topK ? ` --top-k ${topK}` : ''}${topP !== 1 ? ` --top-p ${topP}` : ''}${seed ? ` --seed ${seed}` : ''} --json</code>
      (its <code>ids</code>); greedy when the temperature is 0, else sampled with the seed's random draws.</p>`;
  bindInputs(root, 'zamba2');

  const request = { prompt, maxNewTokens, temperature, topK, topP, seed };
  const restart = (load: () => Promise<ModelDirectory | null>) => {
    void load().then((dir) => { chosen = dir; window.dispatchEvent(new HashChangeEvent('hashchange')); }, (e: unknown) => showError(root, e));
  };
  root.querySelector<HTMLInputElement>('[data-testid="model-dir"]')!.addEventListener('change', (e) => {
    const list = (e.target as HTMLInputElement).files;
    if (list && list.length > 0) restart(() => fromFileList(list));
  });
  root.querySelector('#pick')?.addEventListener('click', () => {
    const pick = (window as unknown as { showDirectoryPicker(): Promise<DirectoryHandle> }).showDirectoryPicker;
    restart(async () => fromDirectoryHandle(await pick()));
  });
  root.querySelector('#shipped')?.addEventListener('click', () => restart(async () => null));
  void generateInPage(root, request);
}

function showError(root: HTMLElement, e: unknown): void {
  root.querySelector('[data-testid="error"]')?.remove();
  const p = document.createElement('p');
  p.className = 'error';
  p.dataset.testid = 'error';
  p.textContent = e instanceof Error ? e.message : String(e);
  root.querySelector('#status')!.replaceWith(p);
}

async function generateInPage(root: HTMLElement, options: Omit<GenerateRequest, 'name' | 'files'>): Promise<void> {
  const mine = ++run;
  engine?.terminate();
  const client = engine = engineClient(new Worker(new URL('./zamba2Worker.ts', import.meta.url), { type: 'module' }));
  const status = root.querySelector('#status')!, out = root.querySelector<HTMLElement>('[data-testid="generated"]')!;
  const speed = root.querySelector('[data-testid="speed"]')!;
  try {
    const dir = chosen ?? await shippedModel();
    const backend = await client.backend;
    if (mine !== run) return;
    status.textContent = `generating on ${backend}…`;
    const ids: number[] = [];
    const reply = await client.call<GenerateReply>('zamba2.generate', { name: dir.name, files: dir.files, ...options } satisfies GenerateRequest, {
      onProgress: (v) => {
        if (mine !== run) return;
        const t = v as TokenEvent;
        ids.push(t.id);
        out.textContent = t.text;
        out.dataset.tokens = JSON.stringify(ids);
        out.dataset.streamed = String(ids.length);
        speed.textContent = `${ids.length} token${ids.length === 1 ? '' : 's'} in ${(t.ms / 1e3).toFixed(2)} s`;
      },
    });
    if (mine !== run) return;
    out.textContent = reply.text;
    out.dataset.tokens = JSON.stringify(reply.ids);
    out.dataset.promptIds = JSON.stringify(reply.promptIds);
    out.dataset.done = 'true';
    status.textContent = `${reply.ids.length} tokens on ${backend}; stopped by ${reply.stoppedBy === 'stop-token' ? 'a stop token' : 'the token limit'}.`;
    const m = reply.model;
    speed.textContent = `model loaded in ${reply.loadMs.toFixed(0)} ms (${m.layers} layers, ${m.hybridLayers} of them hybrid, hidden ${m.hidden}, vocab ${m.vocab}, weights ${m.dtypes.join('/')}); `
      + `prompt of ${reply.promptIds.length} tokens → first token in ${reply.firstTokenMs.toFixed(1)} ms`
      + (reply.decodeMsPerToken ? `, then ${reply.decodeMsPerToken.toFixed(2)} ms per token = ${(1e3 / reply.decodeMsPerToken).toFixed(0)} tokens/s` : '');
    speed.setAttribute('data-tokens-per-second', reply.decodeMsPerToken ? String(1e3 / reply.decodeMsPerToken) : '');
    await showCache(root, reply);
  } catch (e) {
    if (mine === run) showError(root, e);
  } finally {
    client.terminate();
  }
}

async function showCache(root: HTMLElement, reply: GenerateReply): Promise<void> {
  const c = reply.cache, m = reply.model, b = m.bytesPerValue;
  const attnPerToken = 2 * m.baselineLayers * m.hidden * b;
  const crossover = attnPerToken > c.kvBytesPerToken ? Math.ceil(c.recurrentBytes / (attnPerToken - c.kvBytesPerToken)) : null;
  const zamba2Label = 'Zamba2: SSM + conv state, KV of the shared attention', attnLabel = `attention-only, ${m.baselineLayers} layers, same parameter count`;
  const values = c.positions.flatMap((t, i) => [
    { tokens: t, model: zamba2Label, kB: c.zamba2Bytes[i]! / 1e3 },
    { tokens: t, model: attnLabel, kB: c.attentionOnlyBytes[i]! / 1e3 },
  ]);
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640, height: 220, data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'tokens', type: 'quantitative', title: 'tokens in the cache (prompt + generated so far)', scale: { zero: false } },
      y: { field: 'kB', type: 'quantitative', title: 'generation cache, kB' },
      color: { field: 'model', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } },
    },
  };
  const chart = root.querySelector<HTMLElement>('#chart')!;
  Object.assign(chart.dataset, {
    recurrentValues: String(c.recurrentBytes / b), kvValuesPerToken: String(c.kvBytesPerToken / b), bytesPerValue: String(b),
    lastBytes: String(c.zamba2Bytes.at(-1) ?? ''), measuredBytes: String(c.measuredZamba2Bytes),
  });
  root.querySelector('#formula')!.innerHTML = `Cache bytes at t tokens, ${b} bytes per value (the engine keeps the cache in f32):
    Zamba2 = ${b} · (L · (convDim · K + H · P · N) + 2 · I · kvHeads · headDim · t) = ${kb(c.recurrentBytes)} kB + ${kb(c.kvBytesPerToken)} kB · t
    (L = ${m.layers} Mamba2 layers each keep a conv window and an SSM state; I = ${m.hybridLayers} shared-attention invocations keep keys and values, ${m.kvHeads} heads × ${m.headDim});
    attention-only = ${b} · 2 · L′ · hidden · t = ${kb(attnPerToken)} kB · t (L′ = ${m.baselineLayers} layers: the pure transformer with Zamba2's parameter count that <code>tessera bench zamba2</code> compares with).
    ${crossover ? `Zamba2's cache is the smaller one beyond ${crossover} tokens.` : ''}
    After this run the model counts <b data-testid="measured-cache">${kb(c.measuredZamba2Bytes)} kB</b> in its cache, the formula ${kb(c.zamba2Bytes.at(-1) ?? 0)} kB.`;
  if (values.length > 0) chart.innerHTML = await renderSvg(spec);
}
