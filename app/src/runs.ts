// Runs: open a results/ or docs/results/ folder and browse its reports side by side. Every run directory is a
// folder with a result.json (report/run.ts writes it; report/readRun.ts's parseRunResult reads it back, the one
// reader, so a damaged file names its field); its plots are the SVG files beside it, shown as images.
// The folder stays in this page's memory (a browser cannot put a folder in a URL); the URL holds which runs are
// compared, `#/runs?compare=<dir>,<dir>`, so a reload asks for the folder again and restores the comparison.
import { formatCell, parseRunResult, type RunResult } from 'tessera/report';
import { esc, setParams } from './route.js';

interface OpenedRun { dir: string; result: RunResult; files: Map<string, File> }
interface OpenedFolder { name: string; runs: OpenedRun[]; errors: string[] }

let opened: OpenedFolder | undefined;
const plotUrls = new Map<File, string>();

/** The run directories under a picked folder: every result.json, parsed, with the files beside it. */
async function openFolder(files: File[]): Promise<OpenedFolder> {
  const path = (f: File): string => f.webkitRelativePath || f.name;
  const name = files.length > 0 ? path(files[0]!).split('/')[0]! : '';
  const byDir = new Map<string, Map<string, File>>();
  for (const f of files) {
    const p = path(f), slash = p.lastIndexOf('/');
    const dir = slash < 0 ? '' : p.slice(0, slash);
    if (!byDir.has(dir)) byDir.set(dir, new Map());
    byDir.get(dir)!.set(p.slice(slash + 1), f);
  }
  const runs: OpenedRun[] = [], errors: string[] = [];
  for (const [dir, inDir] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    const json = inDir.get('result.json');
    if (!json) continue;
    try {
      runs.push({ dir, result: parseRunResult(await json.text(), `${dir}/result.json`), files: inDir });
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (runs.length === 0 && errors.length === 0) errors.push(`no result.json under ${name || 'the chosen folder'} (expected run directories such as results/<name>/<run-id>/result.json)`);
  return { name, runs, errors };
}

const cell = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null ? esc(formatCell(v)) : esc(JSON.stringify(v)));

function table(columns: string[], rows: unknown[][], attrs = ''): string {
  return `<table ${attrs}><thead><tr>${columns.map((c, i) => `<th${i === 0 ? ' class="text"' : ''}>${esc(c)}</th>`).join('')}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${r.map((v, i) => `<td${i === 0 || typeof v === 'string' ? ' class="text"' : ''}>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function plotUrl(file: File): string {
  if (!plotUrls.has(file)) plotUrls.set(file, URL.createObjectURL(file));
  return plotUrls.get(file)!;
}

/** One run's report as a column: header, references with the gap, its tables, plots and notes. */
function runColumn(run: OpenedRun): string {
  const r = run.result;
  const refs = r.references.length === 0 ? '' : `<h3>Paper reference numbers</h3>${table(['metric', 'paper', 'ours', 'gap', 'source'], r.references.map((x) => [x.metric, x.paper_value, x.our_value, x.gap, x.note ? `${x.source} (${x.note})` : x.source]))}`;
  const tables = r.tables.map((t, i) => `<h3>${esc(t.title)}</h3>${table(t.columns, t.rows, `data-testid="run-table" data-run="${esc(run.dir)}" data-index="${i}" data-rows="${t.rows.length}"`)}`).join('');
  const plots = r.plots.map((p) => {
    const svg = run.files.get(p.file);
    return svg ? `<figure><img data-testid="run-plot" data-run="${esc(run.dir)}" src="${plotUrl(svg)}" alt="${esc(p.caption)}"><figcaption>${esc(p.caption)}</figcaption></figure>`
      : `<p class="error">${esc(p.file)} is listed in result.json but absent from ${esc(run.dir)}</p>`;
  }).join('');
  return `<section class="run" data-testid="run-column" data-run="${esc(run.dir)}">
    <h2>${esc(r.name)} <small>${esc(r.run_id)}</small></h2>
    <p class="note">seed ${r.seed} · started ${esc(r.timing.started.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} · took ${esc(formatCell(r.timing.duration_s))} s${Object.keys(r.versions).length ? ` · ${esc(Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', '))}` : ''}</p>
    ${refs}${tables}${plots}${r.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}
  </section>`;
}

/** Metrics of the compared runs, one row per metric name (the union), one column per run. */
function metricsTable(runs: OpenedRun[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.result.metrics)))];
  const rows = names.map((m) => `<tr><td class="text">${esc(m)}</td>${runs.map((r) => {
    const v = r.result.metrics[m];
    return v === undefined ? '<td></td>' : `<td data-testid="metric" data-run="${esc(r.dir)}" data-metric="${esc(m)}" data-value="${esc(JSON.stringify(v))}">${cell(v)}</td>`;
  }).join('')}</tr>`).join('');
  return `<table data-testid="metrics"><thead><tr><th class="text">metric</th>${runs.map((r) => `<th>${esc(r.dir)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Nested config as dotted keys (arrays whole, as JSON). */
function flatConfig(value: unknown, prefix = ''): [string, string][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [[prefix, JSON.stringify(value)]];
  return Object.entries(value).flatMap(([k, v]) => flatConfig(v, prefix ? `${prefix}.${k}` : k));
}

/** The config keys whose values differ between the compared runs (all keys when one run is shown). */
function configTable(runs: OpenedRun[]): string {
  const flat = runs.map((r) => new Map(flatConfig(r.result.config)));
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))];
  const shown = runs.length === 1 ? keys : keys.filter((k) => new Set(flat.map((m) => m.get(k))).size > 1);
  if (shown.length === 0) return '<p class="note">The compared runs have the same config.</p>';
  return `<table data-testid="config-diff"><thead><tr><th class="text">config${runs.length > 1 ? ' (keys that differ)' : ''}</th>${runs.map((r) => `<th class="text">${esc(r.dir)}</th>`).join('')}</tr></thead>
    <tbody>${shown.map((k) => `<tr><td class="text">${esc(k)}</td>${flat.map((m) => `<td class="text">${esc(m.get(k) ?? '')}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderRuns(root: HTMLElement, params: URLSearchParams): void {
  // Without `compare` in the URL the first two runs are compared; `compare=` (empty) compares none.
  const wanted = params.has('compare') ? params.get('compare')!.split(',').filter((s) => s !== '') : null;
  const folder = opened;
  const runs = folder?.runs ?? [];
  const compared = wanted ? runs.filter((r) => wanted.includes(r.dir)) : runs.slice(0, 2);
  root.innerHTML = `
    <h1>Runs</h1>
    <form id="folder-form"><label>folder with run reports (results/ or docs/results/)
      <input type="file" data-testid="folder" webkitdirectory multiple></label></form>
    ${folder === undefined ? `<p class="note">Pick a folder: every directory in it with a result.json (what <code>tessera repro</code>, <code>tessera train</code> and <code>tessera sweep report</code> write) is a run. Nothing leaves this browser.${wanted?.length ? ` The link asks to compare ${esc(wanted.join(', '))}.` : ''}</p>` : ''}
    ${folder?.errors.map((e) => `<p class="error" data-testid="error">${esc(e)}</p>`).join('') ?? ''}
    ${runs.length === 0 ? '' : `
      <h2>${runs.length} run${runs.length === 1 ? '' : 's'} in ${esc(folder!.name)}</h2>
      <table data-testid="run-list"><thead><tr><th class="text">compare</th><th class="text">run</th><th class="text">name</th><th class="text">started</th><th>seconds</th><th>metrics</th></tr></thead><tbody>
      ${runs.map((r) => `<tr data-testid="run-row" data-run="${esc(r.dir)}"><td class="text"><input type="checkbox" value="${esc(r.dir)}"${compared.includes(r) ? ' checked' : ''}></td>
        <td class="text">${esc(r.dir)}</td><td class="text">${esc(r.result.name)}</td><td class="text">${esc(r.result.timing.started)}</td><td>${esc(formatCell(r.result.timing.duration_s))}</td><td>${Object.keys(r.result.metrics).length}</td></tr>`).join('')}
      </tbody></table>
      ${compared.length === 0 ? '<p class="note">Tick runs above to compare them.</p>' : `<h2>Metrics</h2>${metricsTable(compared)}${configTable(compared)}
      <div class="runs-side-by-side" style="grid-template-columns: repeat(${compared.length}, minmax(0, 1fr))">${compared.map(runColumn).join('')}</div>`}`}`;

  root.querySelector<HTMLInputElement>('[data-testid="folder"]')!.addEventListener('change', (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    void openFolder(files).then((f) => {
      for (const url of plotUrls.values()) URL.revokeObjectURL(url);
      plotUrls.clear();
      opened = f;
      renderRuns(root, params);
    });
  });
  for (const box of root.querySelectorAll<HTMLInputElement>('[data-testid="run-list"] input[type="checkbox"]')) {
    box.addEventListener('change', () => {
      const picked = [...root.querySelectorAll<HTMLInputElement>('[data-testid="run-list"] input:checked')].map((b) => b.value);
      setParams('runs', new URLSearchParams({ compare: picked.join(',') }));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
  }
}
