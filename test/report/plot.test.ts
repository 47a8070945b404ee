// Headless SVG plots: labels and one path per series, byte-identical re-renders, clear errors for bad data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSvg, linePlot, scatterPlot, checkSpecFields } from '../../src/report/plot.js';

const curves = [1, 2, 3, 4].flatMap((epoch) => [
  { epoch, loss: 2 / epoch, model: 'mlp' },
  { epoch, loss: 1.5 / epoch, model: 'cnn' },
  { epoch, loss: 1 / epoch, model: 'wide' },
]);

/** The `line mark` paths vega draws: one per series. */
const linePaths = (svg: string) => svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? [];
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

test('a line plot renders to an SVG with the title, axis titles, legend and one path per series', async () => {
  const spec = linePlot({
    title: 'Training loss', data: curves, series: 'model',
    x: { field: 'epoch', title: 'Epoch' }, y: { field: 'loss', title: 'Loss (nats)', scale: 'log' },
  });
  const svg = await renderSvg(spec);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/);
  assert.ok(svg.endsWith('</svg>'));
  const labels = texts(svg);
  for (const label of ['Training loss', 'Epoch', 'Loss (nats)', 'mlp', 'cnn', 'wide']) {
    assert.ok(labels.includes(label), `missing text "${label}" in ${labels.join(', ')}`);
  }
  assert.equal(linePaths(svg).length, 3);
  // The mlp curve lies above the wide one everywhere: its path starts higher (smaller y) on the plot.
  const startY = (model: string) => {
    const path = svg.match(new RegExp(`aria-label="[^"]*model: ${model}"[^>]* d="M[\\d.]+,([\\d.]+)`));
    assert.ok(path, `no path for ${model}`);
    return Number(path[1]);
  };
  assert.ok(startY('mlp') < startY('wide'));
});

test('rendering is deterministic: the same spec gives the identical string, also with clip paths', async () => {
  const spec = linePlot({
    title: 'Accuracy over seeds', data: curves, series: 'model', band: { extent: 'stdev' },
    x: { field: 'epoch' }, y: { field: 'loss' },
  });
  const clipped = { ...spec, layer: (spec as { layer: object[] }).layer.map((l) => ({ ...l, mark: { ...(l as { mark: object }).mark, clip: true } })) };
  const first = await renderSvg(clipped as typeof spec);
  const second = await renderSvg(clipped as typeof spec);
  assert.equal(first, second);
  assert.match(first, /clip-path="url\(#clip1\)"/);
});

test('a band from precomputed lower/upper fields and mean ± std aggregated over seeds both draw an area', async () => {
  const rows = [1, 2, 3].flatMap((width) => [0, 1, 2].map((seed) => ({ width, acc: 0.8 + 0.01 * width + 0.005 * seed })));
  const aggregated = await renderSvg(linePlot({ title: 'mean ± std', data: rows, x: { field: 'width' }, y: { field: 'acc' }, band: { extent: 'stdev' } }));
  assert.equal(linePaths(aggregated).length, 1);
  assert.match(aggregated, /aria-roledescription="errorband"/);
  const bands = [1, 2, 3].map((width) => ({ width, acc: 0.8, lo: 0.79, hi: 0.81 }));
  const precomputed = await renderSvg(linePlot({ title: 'band', data: bands, x: { field: 'width' }, y: { field: 'acc' }, band: { lower: 'lo', upper: 'hi' } }));
  assert.match(precomputed, /aria-roledescription="errorband"/);
});

test('a scatter plot draws one symbol per row, with error bars when asked', async () => {
  const rows = [{ sparsity: 0.5, acc: 0.9, method: 'rigl' }, { sparsity: 0.9, acc: 0.85, method: 'rigl' }, { sparsity: 0.9, acc: 0.8, method: 'static' }];
  const svg = await renderSvg(scatterPlot({ title: 'Sparsity vs accuracy', data: rows, color: 'method', x: { field: 'sparsity', title: 'Sparsity' }, y: { field: 'acc', title: 'Accuracy' } }));
  assert.equal((svg.match(/aria-roledescription="point"/g) ?? []).length, 3);
  assert.ok(texts(svg).includes('Sparsity') && texts(svg).includes('static'));
  const withBars = await renderSvg(scatterPlot({ title: 'seeds', data: rows, x: { field: 'sparsity' }, y: { field: 'acc' }, errorBars: { extent: 'stdev' } }));
  assert.match(withBars, /aria-roledescription="errorbar"/);
});

test('bad data: a missing field, a non-number or a non-positive value on a log axis is an error naming the field', () => {
  const base = { title: 't', x: { field: 'epoch' }, y: { field: 'loss' } };
  assert.throws(() => linePlot({ ...base, y: { field: 'acc' }, data: curves }),
    /linePlot: field "acc" \(y\) is missing from data row 0; the row has fields: epoch, loss, model/);
  assert.throws(() => linePlot({ ...base, series: 'seed', data: curves }), /field "seed" \(series\) is missing from data row 0/);
  assert.throws(() => linePlot({ ...base, data: [{ epoch: 1, loss: '0.3' }] }), /field "loss" \(y\) in data row 0 expected a finite number, got 0\.3/);
  assert.throws(() => linePlot({ ...base, y: { field: 'loss', scale: 'log' }, data: [{ epoch: 1, loss: 0 }] }), /expected a finite number > 0 \(log scale\), got 0/);
  assert.throws(() => scatterPlot({ ...base, data: [] }), /scatterPlot: data expected a non-empty array of rows/);
  assert.throws(() => linePlot({ ...base, data: curves, band: { lower: 'lo', upper: 'hi' } }), /field "lo" \(lower\) is missing/);
});

test('renderSvg checks raw specs too: an encoding field that no inline row has is named', async () => {
  const spec = { data: { values: [{ a: 1, b: 2 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'bee', type: 'quantitative' } } } as const;
  await assert.rejects(renderSvg(spec), /renderSvg: encoding\.y uses field "bee", which no data row has; rows have fields: a, b/);
  // Inherited data in layers is checked; a transform may create fields, so transformed views are not.
  assert.throws(() => checkSpecFields({ data: { values: [{ a: 1 }] }, layer: [{ mark: 'line', encoding: { x: { field: 'z' } } }] }), /encoding\.x uses field "z"/);
  checkSpecFields({ data: { values: [{ a: 1 }] }, transform: [{ calculate: 'datum.a * 2', as: 'z' }], mark: 'line', encoding: { x: { field: 'z' } } });
});

test('vega-lite and vega warnings go to onWarning, not to the console', async () => {
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  let printed = 0;
  console.warn = () => { printed += 1; };
  try {
    const spec = { data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative', aggregate: 'bogus' } } };
    await renderSvg(spec as never, { onWarning: (m) => warnings.push(m) });
    await renderSvg(spec as never);
  } finally {
    console.warn = consoleWarn;
  }
  assert.deepEqual(warnings, ['Invalid aggregation operator "bogus".']);
  assert.equal(printed, 0);
});
