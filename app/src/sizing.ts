// Sizing: `tessera size check` in the page — the library's sizeCheck on a preset for each chosen accelerator.
import { HARDWARE_NAMES, PRESETS, preset, sizeCheck, type SizeReport } from 'tessera/sizing';
import { esc, field, positiveInt, bindInputs } from './route.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function report(r: SizeReport, hwName: string): string {
  const hw = r.hardware;
  const gemms = r.gemms.map((g, i) => `<tr data-testid="gemm-row-${esc(hwName)}" data-index="${i}" data-efficiency="${esc(JSON.stringify(g.efficiency))}" data-tflops="${esc(JSON.stringify(g.tflops))}" data-tiles="${g.tiles}" data-waves="${g.waves}">
      <td class="text">${esc(g.gemm.part)}</td><td class="text">${esc(g.gemm.name)}</td><td>${g.gemm.m}×${g.gemm.n}×${g.gemm.k}${(g.gemm.count ?? 1) > 1 ? `×${g.gemm.count}` : ''}</td>
      <td>${g.tiles}</td><td>${g.waves}</td><td>${pct(g.waveEfficiency)}</td><td>${pct(g.tileEfficiency)}</td><td>${pct(g.alignEfficiency)}</td><td>${pct(g.efficiency)}</td>
      <td>${g.tflops.toFixed(0)}</td><td class="text">${esc(g.bound)}</td><td>${g.gemm.perModel}</td></tr>`).join('');
  const suggestions = r.suggestions.length === 0 ? '<li>none: no tunable dimension gains ≥ 1% within ±10%</li>'
    : r.suggestions.map((s) => `<li data-testid="suggestion-${esc(hwName)}" data-tunable="${esc(s.tunable)}" data-suggested="${s.suggested}">${esc(s.tunable)} ${s.current} → <b>${s.suggested}</b>: predicted +${pct(s.gain)}</li>`).join('');
  return `<section data-testid="size-report-${esc(hwName)}">
    <h2>${esc(hw.label)} (${hw.units.value} ${esc(hw.units.unit)}, ${hw.bf16Tflops.value} TFLOP/s bf16, ${hw.hbmTBps.value} TB/s; tile ${hw.tile.m}×${hw.tile.n})</h2>
    <ul>${r.rules.map((x) => `<li><span class="${x.ok ? 'ok' : 'fail'}">${x.ok ? 'ok' : 'FAIL'}</span> ${esc(x.rule)}: ${esc(x.detail)}</li>`).join('')}</ul>
    <table><thead><tr><th class="text">part</th><th class="text">gemm</th><th>m×n×k</th><th>tiles</th><th>waves</th><th>wave</th><th>tile</th><th>align</th><th>eff</th><th>TFLOP/s</th><th class="text">bound</th><th>×/fwd</th></tr></thead>
      <tbody>${gemms}</tbody></table>
    <p data-testid="size-forward-${esc(hwName)}" data-tflops="${esc(JSON.stringify(r.forward.tflops))}" data-efficiency="${esc(JSON.stringify(r.forward.efficiency))}">forward pass GEMMs: ${(r.forward.flops / 1e12).toFixed(2)} TFLOP in ${(r.forward.seconds * 1e3).toFixed(2)} ms predicted = ${r.forward.tflops.toFixed(0)} TFLOP/s (${pct(r.forward.efficiency)} of peak)</p>
    <p>nearest efficient dimensions:</p><ul>${suggestions}</ul>
  </section>`;
}

export function renderSizing(root: HTMLElement, params: URLSearchParams): void {
  const model = params.get('model') ?? 'zaya1';
  const shape = preset(model); // throws the CLI's error text for an unknown name
  const hwRaw = params.get('hw') ?? 'all';
  const hws = hwRaw === 'all' ? [...HARDWARE_NAMES] : hwRaw.split(',').map((s) => s.trim().toLowerCase());
  const microbatch = positiveInt('--microbatch', params.get('microbatch'), 1);
  const seq = positiveInt('--seq', params.get('seq'), 4096);
  const tp = positiveInt('--tp', params.get('tp'), 1);
  const reports = hws.map((hw) => [hw, sizeCheck(shape, hw, { microbatch, sequence: seq, tp })] as const);
  root.innerHTML = `
    <h1>Sizing</h1>
    <form id="inputs">
      ${field('model', 'model', model.toLowerCase(), Object.keys(PRESETS))}
      ${field('hw', 'accelerators', hwRaw, ['all', ...HARDWARE_NAMES].includes(hwRaw) ? ['all', ...HARDWARE_NAMES] : undefined)}
      ${field('microbatch', 'microbatch', String(microbatch))}
      ${field('seq', 'sequence', String(seq))}
      ${field('tp', 'tensor parallel', String(tp))}
    </form>
    <p>${esc(shape.name)}: microbatch ${microbatch} × sequence ${seq} = ${microbatch * seq} tokens, t = ${tp}. GEMMs of one layer (forward);
      efficiency = tile · wave · align. The same numbers as <code>tessera size check --model ${esc(model)} --hw ${esc(hwRaw)} --microbatch ${microbatch} --seq ${seq} --tp ${tp} --json</code>.</p>
    ${reports.map(([hw, r]) => report(r, hw)).join('')}`;
  bindInputs(root, 'sizing');
}
