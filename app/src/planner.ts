// Planner: `tessera parallel plan` in the page. The plan comes from the library's planLayouts over the same
// presets (MODEL_PRESETS, CLUSTER_PRESETS), with the CLI's option names and defaults as URL parameters.
// `model=config` takes a pasted config.json (Hugging Face or tessera's keys) from the `config` parameter, read
// by the same function as `parallel plan --model FILE` (sizing's modelShapeFromConfig), with the same errors.
import { CLUSTER_PRESETS, MODEL_PRESETS, planLayouts, tspCrossoverTokens, type LayoutPlan } from 'tessera/parallel';
import { modelShapeFromConfigText, type ModelShape } from 'tessera/sizing';
import { renderSvg, type VegaLiteSpec } from 'tessera/report';
import { esc, field, nonNegativeNumber, positiveInt, positiveNumber, bindInputs } from './route.js';

const gb = (b: number): string => (b / 1e9).toFixed(1);
const MEMORY_PARTS = [
  ['weights', 'weights'],
  ['gradients', 'gradients'],
  ['optimizer', 'optimizer states'],
  ['checkpoints', 'activation checkpoints'],
  ['working', 'recompute working set'],
  ['transient', 'communication buffers and gathered shards'],
  ['overhead', 'fixed overhead'],
] as const;

const PASTED = 'config';

/** The model of the URL: a preset, or the pasted config.json when model=config. */
function modelOf(params: URLSearchParams): { key: string; shape: ModelShape; pasted: string } {
  if ((params.get('model') ?? '').toLowerCase() === PASTED) {
    const text = params.get('config') ?? '';
    return { key: PASTED, shape: modelShapeFromConfigText(text, 'config.json', 'parallel plan'), pasted: text };
  }
  const key = choice('model', params.get('model'), '7b', MODEL_PRESETS, ` or "${PASTED}" (a pasted config.json)`);
  return { key, shape: MODEL_PRESETS[key]!, pasted: '' };
}

function choice(name: string, raw: string | null, fallback: string, presets: Record<string, unknown>, alternative = ''): string {
  const v = (raw ?? fallback).toLowerCase();
  if (!(v in presets)) throw new Error(`--${name} expected a preset (${Object.keys(presets).join(', ')})${alternative}, got "${raw}"`);
  return v;
}

const pasteBox = (text: string): string =>
  `<label class="wide">config.json (Hugging Face, or tessera's hidden/layers/heads/ffn/vocab) <textarea name="config" rows="6" cols="80" spellcheck="false" data-testid="config-json">${esc(text)}</textarea></label>`;

/** A pasted config.json that is missing or does not parse: the box stays, with the CLI's error text under it. */
function renderPasteForm(root: HTMLElement, params: URLSearchParams, message: string): void {
  const text = params.get('config') ?? '';
  // The other inputs ride along unchanged until the model reads.
  const kept = [...params].filter(([k]) => k !== 'model' && k !== 'config').map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  root.innerHTML = `
    <h1>Planner</h1>
    <form id="inputs">${field('model', 'model', PASTED, [...Object.keys(MODEL_PRESETS), PASTED])}${kept}${pasteBox(text)}</form>
    ${text.trim() === '' ? '<p class="note">Paste a config.json above (it is read when the box loses focus).</p>'
      : `<p class="error" data-testid="error">${esc(message)}</p>`}`;
  bindInputs(root, 'planner');
}

export async function renderPlanner(root: HTMLElement, params: URLSearchParams): Promise<void> {
  let chosen: ReturnType<typeof modelOf>;
  try {
    chosen = modelOf(params);
  } catch (e) {
    if ((params.get('model') ?? '').toLowerCase() !== PASTED) throw e;
    renderPasteForm(root, params, e instanceof Error ? e.message : String(e));
    return;
  }
  const { key: model, shape: m, pasted } = chosen;
  const cluster = choice('cluster', params.get('cluster'), '8xmi300x', CLUSTER_PRESETS);
  const seq = positiveInt('--seq', params.get('seq'), 131072);
  const batch = positiveInt('--batch', params.get('batch'), 1);
  const stateBytes = positiveNumber('--state-bytes', params.get('state-bytes'), 16);
  const mfu = positiveNumber('--mfu', params.get('mfu'), 0.4);
  const overheadGb = nonNegativeNumber('--overhead-gb', params.get('overhead-gb'), 0);
  const recompute = params.get('recompute') !== 'no';
  const c = CLUSTER_PRESETS[cluster]!;
  const plan = planLayouts(m, c, { seq, batch, stateBytesPerParam: stateBytes, mfu, overheadBytes: overheadGb * 1e9, recompute });

  const rows = plan.plans.map((p: LayoutPlan) => {
    const mem = p.memory;
    const cls = p.layout === plan.recommended ? 'recommended' : p.feasible ? '' : 'infeasible';
    return `<tr data-testid="plan-row-${esc(p.kind)}" data-layout="${esc(p.layout)}" data-bytes-per-device="${esc(JSON.stringify(mem.total))}" data-memory="${esc(JSON.stringify(mem))}" data-comm-bytes="${esc(JSON.stringify(p.commBytes))}" data-problem="${esc(p.problem ?? '')}" class="${cls}">
      <td>${esc(p.layout)}</td>${MEMORY_PARTS.map(([k]) => `<td>${gb(mem[k])}</td>`).join('')}<td><b>${gb(mem.total)}</b></td>
      <td>${gb(p.commBytes)}</td><td>${p.time.compute.toFixed(2)}</td><td>${p.time.comm.toFixed(2)}</td><td>${p.time.step.toFixed(2)}</td>
      <td>${Math.round(p.tokensPerSecond)}</td><td class="text">${p.feasible ? 'yes' : p.problem !== null ? `no: <span data-testid="problem">${esc(p.problem)}</span>` : 'no'}</td></tr>`;
  }).join('');
  const tp = plan.plans.find((p) => p.kind === 'tp'), tsp = plan.plans.find((p) => p.kind === 'tsp');
  const crossover = tspCrossoverTokens(m.hidden, m.ffn);
  const a = plan.assumptions;

  root.innerHTML = `
    <h1>Planner</h1>
    <form id="inputs">
      ${field('model', 'model', model, [...Object.keys(MODEL_PRESETS), PASTED])}
      ${field('cluster', 'cluster', cluster, Object.keys(CLUSTER_PRESETS))}
      ${field('seq', 'sequence', String(seq))}
      ${field('batch', 'batch', String(batch))}
      ${field('state-bytes', 'state bytes/param', String(stateBytes))}
      ${field('mfu', 'MFU', String(mfu))}
      ${field('overhead-gb', 'overhead GB', String(overheadGb))}
      ${field('recompute', 'recompute', recompute ? 'yes' : 'no', ['yes', 'no'])}
      ${model === PASTED ? pasteBox(pasted) : ''}
    </form>
    <p>${esc(m.name)} on ${esc(c.name)}, ${seq.toLocaleString('en-US')} tokens × batch ${batch}.
      <span data-testid="recommendation" data-layout="${esc(plan.recommended ?? '')}">Recommended: <b>${esc(plan.recommended ?? 'none fits')}</b></span>
      (the fastest layout that fits ${Math.round(a.usableFraction * 100)}% of ${gb(c.memoryBytes)} GB).</p>
    <div id="chart" data-testid="memory-chart"></div>
    <table data-testid="plan-table">
      <thead><tr><th class="text">layout</th>${MEMORY_PARTS.map(([k]) => `<th>${esc(k)} GB</th>`).join('')}<th>total GB</th>
        <th>sent GB/step</th><th>compute s</th><th>comm s</th><th>step s</th><th>tok/s</th><th class="text">fits</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    <h2>Crossover</h2>
    <p class="note" data-testid="crossover" data-tokens="${crossover}">TSP's forward communication volume per layer is below TP's when
      batch × sequence ≥ 2h + 1.5f = <b>${crossover.toLocaleString('en-US')}</b> tokens (h = ${m.hidden}, f = ${m.ffn});
      here b·s = ${(batch * seq).toLocaleString('en-US')}${tp && tsp ? `, and per step each device sends ${gb(tsp.commBytes)} GB under TSP vs ${gb(tp.commBytes)} GB under TP` : ''}.</p>
    <p class="note">Assumptions: ${a.stateBytesPerParam} B/param model states, ${a.recompute ? 'full activation recompute + flash attention' : 'no recompute'},
      ${a.activationBytes}-byte activations, MFU ${a.mfu}, overhead ${gb(a.overheadBytes)} GB; link ${gb(c.linkBytesPerSecond)} GB/s per device (${esc(c.source)}).
      The same numbers as <code>tessera parallel plan --model ${esc(model === PASTED ? 'config.json' : model)} --cluster ${esc(cluster)} --seq ${seq} --batch ${batch} --state-bytes ${stateBytes}${recompute ? '' : ' --no-recompute'} --json</code>.</p>`;

  bindInputs(root, 'planner');

  const values = plan.plans.flatMap((p) => MEMORY_PARTS.map(([k, label]) => ({ layout: p.layout, part: label, order: MEMORY_PARTS.findIndex(([x]) => x === k), gb: p.memory[k] / 1e9 })));
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640, height: 220, data: { values },
    layer: [
      { mark: 'bar', encoding: {
        y: { field: 'layout', type: 'nominal', sort: plan.plans.map((p) => p.layout), title: null },
        x: { field: 'gb', type: 'quantitative', aggregate: 'sum', title: 'per-device memory, GB' },
        color: { field: 'part', type: 'nominal', sort: MEMORY_PARTS.map(([, l]) => l), title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
        order: { field: 'order', type: 'quantitative' },
      } },
      { data: { values: [{ usable: (c.memoryBytes * a.usableFraction) / 1e9 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#a00' }, encoding: { x: { field: 'usable', type: 'quantitative' } } },
    ],
  };
  const svg = await renderSvg(spec);
  const chart = root.querySelector('#chart');
  if (chart) chart.innerHTML = svg;
}
