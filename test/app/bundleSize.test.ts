// The build reports the app bundle's size (app/bundleSize.ts writes build/app/bundle-size.json): every file of
// build/app is listed with its gzip size, the totals are their sums, and the code (JS, CSS, HTML) is within the
// issue's target of 1.5 MB gzip without wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../support/browser.js';

const outDir = join(repoRoot, 'build/app');
const reportFile = join(outDir, 'bundle-size.json');
const skip = existsSync(reportFile) ? false : 'build/app/bundle-size.json is absent: run `npm run build`';

interface Entry { file: string; part: 'code' | 'wasm' | 'data'; bytes: number; gzipBytes: number }
interface Report { targetGzipBytes: number; totals: Record<Entry['part'], { bytes: number; gzipBytes: number; files: number }>; files: Entry[] }

const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));

test('bundle-size.json lists every built file with its gzip size, and the code is within 1.5 MB gzip', { skip }, () => {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  const onDisk = filesUnder(outDir).filter((f) => f !== reportFile).map((f) => relative(outDir, f)).sort();
  assert.deepEqual(report.files.map((f) => f.file).sort(), onDisk);
  for (const f of report.files) {
    const bytes = readFileSync(join(outDir, f.file));
    assert.equal(f.bytes, bytes.length, f.file);
    assert.equal(f.gzipBytes, gzipSync(bytes, { level: 9 }).length, f.file);
    assert.equal(f.part, /\.(m?js|css|html)$/.test(f.file) ? 'code' : f.file.endsWith('.wasm') ? 'wasm' : 'data', f.file);
  }
  for (const part of ['code', 'wasm', 'data'] as const) {
    const mine = report.files.filter((f) => f.part === part);
    assert.deepEqual(report.totals[part], { bytes: mine.reduce((s, f) => s + f.bytes, 0), gzipBytes: mine.reduce((s, f) => s + f.gzipBytes, 0), files: mine.length }, part);
  }
  assert.ok(report.totals.code.files >= 3 && report.totals.wasm.files === 1, 'the app has its pages, workers and the kernels');
  assert.equal(report.targetGzipBytes, 1.5e6);
  assert.ok(report.totals.code.gzipBytes < report.targetGzipBytes, `app code ${report.totals.code.gzipBytes} B gzip, target < 1.5 MB`);
});
