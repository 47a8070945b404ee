// Kernels: `tessera ntk kernel` in the page — the NNGP and NTK Gram matrices of an --arch spec on chosen inputs as
// heatmaps, the infinite ensemble (gradient descent on the MSE) on a 1-D regression toy after training time t with
// its ±2σ band, a Monte-Carlo estimate from finite networks of a given width beside the analytic kernels, and the
// input-compression bound calculator (`tessera icb`). The heavy parts run in the engine worker (kernelsWorker.ts).
import { icbCalculation, type IcbCalculation } from 'tessera/bounds';
import { parseArchitecture, toInputs, type KernelKind, type Parameterization } from 'tessera/infinite';
import { renderSvg } from 'tessera/report';
import { engineClient, type EngineClient } from './engine/client.js';
import { bandSpec, curveSpec, heatmapSpec } from './kernelsCharts.js';
import type { GramResult, MonteCarloResult, ToyResult } from './kernelsWorker.js';
import { bindInputs, esc, field, nonNegativeNumber, positiveInt, positiveNumber } from './route.js';

const DEFAULT_ARCH = 'dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1';
/** Named input rows for `x` (any JSON rows [[...], ...] work too). */
export const INPUT_PRESETS: Record<string, number[][]> = {
  // 8 points on the unit circle: the kernels depend on the angle only (circulant Gram matrices).
  circle8: Array.from({ length: 8 }, (_, k) => [Math.cos((2 * Math.PI * k) / 8), Math.sin((2 * Math.PI * k) / 8)]),
  // 6 rows in 3-D of different norms and directions.
  mixed6: [[1, 0, 0], [0.5, 0.5, 0], [0, 2, 0], [-1, 0.3, 0.2], [0.2, -0.4, 1.5], [0, 0, 0.1]],
};

function choice<T extends string>(name: string, raw: string | null, fallback: T, choices: readonly T[]): T {
  const v = (raw ?? fallback) as T;
  if (!choices.includes(v)) throw new Error(`${name} expected one of ${choices.join(', ')}, got "${raw}"`);
  return v;
}

/** `x`: a preset name or JSON rows, checked as `ntk kernel --x1` checks a file's rows. */
function inputRows(raw: string | null): number[][] {
  const text = (raw ?? 'circle8').trim();
  if (text in INPUT_PRESETS) return INPUT_PRESETS[text]!;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`x expected a preset (${Object.keys(INPUT_PRESETS).join(', ')}) or JSON rows [[...], ...], got a parse error: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) throw new Error(`x expected a JSON array of rows, got ${typeof value}`);
  const x = toInputs('ntk kernel --x1', 'rows', value);
  if (x.shape.length !== 2) throw new Error(`x expected rows [N, d] (arrays of numbers), got shape [${x.shape.join(', ')}]`);
  return value as number[][];
}

/** t: a time ≥ 0, or inf for the end of training (null). */
function trainingTime(raw: string | null): number | null {
  if (raw !== null && /^(inf|infinity|∞)$/i.test(raw.trim())) return null;
  return nonNegativeNumber('--t', raw, 100);
}

const optionalAccuracy = (name: string, raw: string | null): number | undefined => (raw === null || raw.trim() === '' ? undefined : nonNegativeNumber(name, raw, 0));
const maxAbsDiff = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));
const fmt = (v: number): string => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2));

let engine: EngineClient | null = null;

export async function renderKernels(root: HTMLElement, params: URLSearchParams): Promise<void> {
  // Inputs, checked before anything runs: bad input throws the CLI's error text (the router shows it).
  const arch = params.get('arch') ?? DEFAULT_ARCH;
  const param = choice<Parameterization>('--param', params.get('param'), 'ntk', ['ntk', 'standard']);
  parseArchitecture(arch, { parameterization: param });
  const xName = params.get('x') ?? 'circle8';
  const x = inputRows(xName);
  const t = trainingTime(params.get('t'));
  const get = choice<KernelKind>('get', params.get('get'), 'ntk', ['ntk', 'nngp']);
  const diagReg = nonNegativeNumber('--diag-reg', params.get('diag-reg'), 1e-4);
  const n = positiveInt('--n', params.get('n'), 12);
  const width = positiveInt('--width', params.get('width'), 256);
  const samples = positiveInt('--samples', params.get('samples'), 16);
  const seed = Number(params.get('seed') ?? 0);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed expects a non-negative integer, got "${params.get('seed')}"`);
  const miBits = nonNegativeNumber('--mi-bits', params.get('mi-bits'), 4);
  const m = positiveInt('--m', params.get('m'), 1000);
  const delta = positiveNumber('--delta', params.get('delta'), 0.05);
  const c = positiveNumber('--c', params.get('c'), 1);
  const trainAcc = optionalAccuracy('--train-acc', params.get('train-acc')), testAcc = optionalAccuracy('--test-acc', params.get('test-acc'));
  const icb: IcbCalculation = icbCalculation({ miBits, m, delta, c, ...(trainAcc !== undefined && { trainAccuracy: trainAcc }), ...(testAcc !== undefined && { testAccuracy: testAcc }) });
  const tLabel = t === null ? '∞' : String(t);

  root.innerHTML = `
    <h1>Kernels</h1>
    <form id="inputs">
      <label>arch <input name="arch" value="${esc(arch)}" size="60"></label>
      ${field('param', 'param', param, ['ntk', 'standard'])}
      <label>x <input name="x" value="${esc(xName)}" size="24" title="a preset (${esc(Object.keys(INPUT_PRESETS).join(', '))}) or JSON rows"></label>
      ${field('t', 't', t === null ? 'inf' : String(t))}
      ${field('get', 'ensemble', get, ['ntk', 'nngp'])}
      ${field('diag-reg', 'diag reg', String(diagReg))}
      ${field('n', 'toy points', String(n))}
      ${field('width', 'MC width', String(width))}
      ${field('samples', 'MC samples', String(samples))}
      ${field('seed', 'seed', String(seed))}
      ${field('mi-bits', 'I(X;Z) bits', String(miBits))}
      ${field('m', 'm', String(m))}
      ${field('delta', 'δ', String(delta))}
      ${field('c', 'c', String(c), ['1', '2'].includes(String(c)) ? ['1', '2'] : undefined)}
      ${field('train-acc', 'train acc', trainAcc === undefined ? '' : String(trainAcc))}
      ${field('test-acc', 'test acc', testAcc === undefined ? '' : String(testAcc))}
    </form>
    <p class="note">Engine: <span data-testid="engine-backend">starting…</span>. The Gram matrices are
      <code>tessera ntk kernel --arch '${esc(arch)}' --x1 x.json --param ${esc(param)}</code> on the ${x.length} rows of
      <code>x</code> (d = ${x[0]!.length}; presets ${Object.keys(INPUT_PRESETS).map((k) => `<code>${esc(k)}</code>`).join(', ')}, or JSON rows).</p>
    <h2>Infinite-width Gram matrices</h2>
    <p class="note" data-testid="gram-status">computing…</p>
    <div class="charts" style="display:flex;flex-wrap:wrap;gap:16px"><div data-testid="nngp"></div><div data-testid="ntk"></div></div>
    <h2>Monte Carlo: finite networks of width ${width}</h2>
    <p class="note" data-testid="mc-status">waiting for the engine…</p>
    <div class="charts" style="display:flex;flex-wrap:wrap;gap:16px"><div data-testid="mc-nngp"></div><div data-testid="mc-ntk"></div></div>
    <h2>Infinite ensemble on a 1-D toy (${esc(get.toUpperCase())}, t = ${esc(tLabel)})</h2>
    <p class="note">${n} inputs uniform in [−π, π], targets sin x + 0.1·ε (seed ${seed}); the ensemble of the spec's networks trained by
      gradient descent on the MSE for time t (${get === 'ntk' ? 'NTK' : 'NNGP: the Bayesian posterior as t → ∞'}; τ = t / N, diagonal regulariser ${diagReg} × mean diag),
      its mean and ±2σ band on a grid of 81 points, beside the mean at t = ∞.</p>
    <p class="note" data-testid="toy-status">waiting for the engine…</p>
    <div class="charts" style="display:flex;flex-wrap:wrap;gap:16px"><div data-testid="band"></div><div data-testid="curve"></div></div>
    <h2>Input-compression bound</h2>
    <p data-testid="icb" data-values="${esc(JSON.stringify(icb))}">GE ≤ ICB = √((2<sup>I(X;Z)</sup> + ln(c/δ)) / 2m) = √((2<sup>${miBits}</sup> + ln(${c}/${delta})) / ${2 * m}) = <b>${fmt(icb.bound)}</b>
      ${icb.ge === undefined ? '' : `; GE = ${icb.trainAccuracy} − ${icb.testAccuracy} = ${fmt(icb.ge)}: the bound <b>${icb.held ? 'holds' : 'fails'}</b>`}
      (<code>tessera icb --mi-bits ${miBits} --m ${m} --delta ${delta} --c ${c}${icb.ge === undefined ? '' : ` --train-acc ${trainAcc} --test-acc ${testAcc}`} --json</code>).</p>
    <p class="note" data-testid="toy-information">The toy ensemble's I(X;Z): waiting for the engine…</p>`;
  bindInputs(root, 'kernels');
  const el = (id: string): HTMLElement => root.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
  const [gramStatus, mcStatus, toyStatus, information] = ['gram-status', 'mc-status', 'toy-status', 'toy-information'].map(el) as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
  const nngpBox = el('nngp'), ntkBox = el('ntk'), mcNngpBox = el('mc-nngp'), mcNtkBox = el('mc-ntk'), bandBox = el('band'), curveBox = el('curve');

  engine?.terminate(); // a newer render supersedes the old one's requests
  const mine = engineClient(new Worker(new URL('./kernelsWorker.ts', import.meta.url), { type: 'module' }));
  engine = mine;
  void mine.backend.then((b) => { el('engine-backend').textContent = b; });

  // The Gram matrices: an error here (e.g. a conv spec on rows) is the page's error.
  let gram: GramResult;
  try {
    gram = await mine.call<GramResult>('kernels.gram', { arch, param, x });
  } catch (e) {
    if (engine === mine) { mine.terminate(); engine = null; }
    throw e;
  }
  gramStatus.textContent = `${x.length}×${x.length}, computed in ${gram.ms.toFixed(1)} ms in the engine worker.`;
  nngpBox.innerHTML = await renderSvg(heatmapSpec('NNGP K(xᵢ, xⱼ)', gram.nngp));
  nngpBox.setAttribute('data-values', JSON.stringify(gram.nngp));
  ntkBox.innerHTML = await renderSvg(heatmapSpec('NTK Θ(xᵢ, xⱼ)', gram.ntk));
  ntkBox.setAttribute('data-values', JSON.stringify(gram.ntk));

  const sections = async (): Promise<void> => {
    // The ensemble on the toy (the spec must take 1-D rows).
    try {
      const toy = await mine.call<ToyResult>('kernels.toy', { arch, param, t, get, diagReg, n, seed });
      Object.entries({ 'x-train': toy.xTrain, 'y-train': toy.yTrain, 'x-test': toy.xTest, mean: toy.mean, variance: toy.variance, 'mean-infinity': toy.meanInfinity })
        .forEach(([k, v]) => bandBox.setAttribute(`data-${k}`, JSON.stringify(v)));
      toyStatus.textContent = `Kernels, ensemble predictions and the error curve (31 times) in ${toy.ms.toFixed(1)} ms.`;
      bandBox.innerHTML = await renderSvg(bandSpec(toy, tLabel));
      curveBox.innerHTML = await renderSvg(curveSpec(toy, t));
      const info = toy.information;
      if ('error' in info) {
        information.textContent = `The toy ensemble's I(X;Z) at t = ${tLabel}: not available (${info.error}).`;
      } else {
        // X is uniform on the N training points, so I(X; Z) ≤ log₂ N; the leave-one-out bound is not capped.
        const cap = Math.log2(n), bits = Math.min(info.upperBits, cap);
        const link = new URLSearchParams(params);
        link.set('mi-bits', String(Number(bits.toPrecision(6))));
        link.set('m', String(n));
        information.setAttribute('data-upper-bits', String(info.upperBits));
        information.innerHTML = `The toy ensemble's I(X;Z) on its ${n} training inputs at t = ${esc(tLabel)}: between ${fmt(info.lowerBits)} (InfoNCE) and ${fmt(info.upperBits)} bits (leave-one-out; X is uniform on ${n} points, so I(X;Z) ≤ log₂ ${n} = ${fmt(cap)});
          <a href="#/kernels?${esc(link.toString())}">use ${info.upperBits > cap ? `log₂ ${n}` : 'the upper bound'} with m = ${n}</a>.`;
      }
    } catch (e) {
      toyStatus.textContent = `The toy needs a spec that takes 1-D rows: ${e instanceof Error ? e.message : String(e)}`;
      information.textContent = '';
    }
    // Monte Carlo beside the analytic kernels.
    try {
      const mc = await mine.call<MonteCarloResult>('kernels.monteCarlo', { arch, param, x, width, samples, seed }, {
        onProgress: (v) => { const p = v as { kernel: string; done: number }; mcStatus.textContent = `sampling ${p.kernel === 'nngp' ? 'NNGP' : 'NTK'}: ${p.done}/${samples} networks…`; },
      });
      const dN = maxAbsDiff(mc.nngp, mc.analyticNngp), dT = maxAbsDiff(mc.ntk, mc.analyticNtk);
      const seN = Math.max(...mc.nngpStdErr.flat()), seT = Math.max(...mc.ntkStdErr.flat());
      Object.entries({ 'data-max-diff-nngp': dN, 'data-max-diff-ntk': dT, 'data-max-stderr-nngp': seN, 'data-max-stderr-ntk': seT, 'data-ms': mc.ms })
        .forEach(([k, v]) => mcStatus.setAttribute(k, String(v)));
      mcStatus.setAttribute('data-analytic-ntk', JSON.stringify(mc.analyticNtk));
      mcStatus.setAttribute('data-ntk', JSON.stringify(mc.ntk));
      mcStatus.setAttribute('data-ntk-stderr', JSON.stringify(mc.ntkStdErr));
      mcStatus.textContent = `Means over ${samples} networks (hidden width ${width}; the NNGP from a readout of ${width} units, the NTK from one output) in ${(mc.ms / 1000).toFixed(2)} s: ` +
        `max |MC − analytic| = ${fmt(dN)} for the NNGP (largest standard error ${fmt(seN)}), ${fmt(dT)} for the NTK (largest standard error ${fmt(seT)})` +
        `${param === 'standard' ? '; the analytic kernels here are at these widths (the standard parameterisation\'s NTK depends on them)' : ''}.`;
      mcNngpBox.innerHTML = await renderSvg(heatmapSpec('Monte-Carlo NNGP', mc.nngp));
      mcNtkBox.innerHTML = await renderSvg(heatmapSpec('Monte-Carlo NTK', mc.ntk));
    } catch (e) {
      mcStatus.textContent = `Monte Carlo failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  void sections().finally(() => { if (engine === mine) { mine.terminate(); engine = null; } });
}
