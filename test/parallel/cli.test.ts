// `tessera parallel run | plan | bench-collectives`: the --json contract, the planner's table
// beside the reported numbers, the bench table, and clear option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('parallel run --json follows the output contract and matches its predictions', () => {
  const r = run('parallel', 'run', '--layout', 'tsp', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4', '--kv-heads', '2', '--ffn', '16', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { per_rank: Record<string, number>[]; predicted: Record<string, number[]> };
  assert.deepEqual(Object.keys(j), ['layout', 'ranks', 'max_rel_diff', 'per_rank', 'predicted']);
  assert.equal(j.layout, 'tsp');
  assert.equal(j.ranks, 2);
  assert.ok((j.max_rel_diff as number) < 1e-5);
  assert.deepEqual(Object.keys(j.per_rank[0]!), ['rank', 'bytes_sent', 'bytes_recv', 'peak_bytes']);
  assert.deepEqual(Object.keys(j.predicted), ['bytes_sent_per_rank', 'peak_bytes_per_rank']);
  j.per_rank.forEach((p, i) => assert.equal(p.bytes_sent, j.predicted.bytes_sent_per_rank[i]));
  assert.ok(j.per_rank.every((p) => p.peak_bytes > 0));
});

test('parallel run prints per-rank parity, bytes per collective and peak memory; bad input is a clear error', () => {
  const r = run('parallel', 'run', '--layout', 'ulysses', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4', '--transport', 'simulated');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /max relative difference from the single-device block/);
  assert.match(r.stdout, /rank 1: .*all-to-all \d+\/\d+ B/);
  assert.match(r.stdout, /peak \d+ B \[model \d+\] by category: weights \d+, activations \d+, gradients \d+, comm \d+/);
  const uneven = run('parallel', 'run', '--layout', 'tsp', '--ranks', '2', '--seq', '6', '--hidden', '16', '--heads', '4', '--transport', 'simulated');
  assert.notEqual(uneven.status, 0);
  assert.match(uneven.stderr, /tsp: seq expected a multiple of 4/);
  const bad = run('parallel', 'run', '--layout', 'zz', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4');
  assert.match(bad.stderr, /Allowed choices are tp, sp, ulysses, tpsp, tsp/);
  const zero = run('parallel', 'run', '--layout', 'tp', '--ranks', '0', '--seq', '8', '--hidden', '16', '--heads', '4');
  assert.match(zero.stderr, /--ranks expects a positive integer, got "0"/);
});

test('parallel plan: TSP below TP and TP×SP for the 7B model at 128K on 8×MI300X, beside 38.8 and 70.0 GB', () => {
  const r = run('parallel', 'plan', '--model', '7b', '--cluster', '8xmi300x');
  assert.equal(r.status, 0, r.stderr);
  const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name))!.split('|').map((c) => c.trim());
  assert.equal(row('tsp')[6], '38.8');
  assert.equal(row('tp ')[6], '70.0');
  const total = (l: string[]) => Number(l[5]);
  for (const other of ['tp ', 'tpsp (T=2', 'tpsp (T=4', 'sp ', 'ulysses']) assert.ok(total(row('tsp')) < total(row(other)), other);
  assert.match(r.stdout, /assumptions: 16 B\/param/);
  const j = JSON.parse(run('parallel', 'plan', '--model', '7b', '--cluster', '8xh100', '--json').stdout) as { plans: { kind: string; feasible: boolean }[]; recommended: string };
  assert.ok(j.plans.find((p) => p.kind === 'tsp')!.feasible);
  const missing = run('parallel', 'plan', '--model', 'nope.json', '--cluster', '8xh100');
  assert.match(missing.stderr, /--model expected a preset \(7b, 7b-ffn4\) or a JSON file, got "nope.json"/);
});

test('parallel bench-collectives: nccl-tests table with algbw/busbw and an α-β fit', () => {
  const r = run('parallel', 'bench-collectives', '--ranks', '2', '--sizes', '1KB..4KB', '--collectives', 'all-reduce,all-gather', '--iters', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { rows: { collective: string; bytes: number; seconds: number; algbw: number; busbw: number }[]; fits: { collective: string }[] };
  assert.deepEqual(j.rows.map((x) => [x.collective, x.bytes]), [['all-reduce', 1024], ['all-reduce', 2048], ['all-reduce', 4096], ['all-gather', 1024], ['all-gather', 2048], ['all-gather', 4096]]);
  for (const x of j.rows) {
    assert.ok(Math.abs(x.algbw - x.bytes / x.seconds / 1e9) < 1e-12);
    assert.ok(Math.abs(x.busbw - x.algbw * (x.collective === 'all-reduce' ? 1 : 0.5)) < 1e-12);
  }
  assert.deepEqual(j.fits.map((f) => f.collective), ['all-reduce', 'all-gather']);
  const bad = run('parallel', 'bench-collectives', '--sizes', '1QB');
  assert.match(bad.stderr, /size expects a number with an optional unit/);
});
