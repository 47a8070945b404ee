// tessera sweep: trial ids, the embedded queue and BullMQ over a real redis-server on loopback — a worker
// killed with SIGKILL mid-trial, Redis restarted (AOF on) mid-grid, cancellation, failing trials and bad
// input. The grid is test/support/sweepGrid.ts (12 trials of 1.5 s, loaded by the workers with --module).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, trialId } from '../../src/sweep/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const grid = fileURLToPath(new URL('../support/sweepGrid.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tessera-sweep-'));
const redisServer = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));
const noRedis = !redisServer && 'needs redis-server (apt-get install redis-server; .ci/run installs it)';
after(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, f: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
const tessera = (args: string[]) => spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The report's numbers: result.json without what differs between runs (run id, times, the Sweep: note). */
function reportNumbers(results: string, repro: string) {
  const dir = join(results, repro);
  const runs = readdirSync(dir).filter((d) => d !== 'trials').sort();
  const r = JSON.parse(readFileSync(join(dir, runs.at(-1)!, 'result.json'), 'utf8'));
  return { metrics: r.metrics, tables: r.tables, references: r.references, notes: r.notes.filter((n: string) => !n.startsWith('Sweep:')) };
}
const journal = (dir: string) => readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string; worker: string });
const doneFiles = (dir: string) => readdirSync(dir).filter((f) => /^[0-9a-f]{16}\.json$/.test(f));

let reference: ReturnType<typeof reportNumbers>;
before(() => {
  const results = join(root, 'reference');
  const r = run(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '2', '--results', results]);
  assert.equal(r.status, 0, r.stderr);
  reference = reportNumbers(results, 'sweep-test');
  assert.equal(reference.metrics.trials, 12);
});

test('trial ids: stable under key order, different for different configs, code versions and repros', () => {
  const a = trialId({ repro: 'x', gridVersion: '1', codeVersion: '0.1.0', config: { b: 1, a: [1, { d: 2, c: 3 }] } });
  assert.equal(a, trialId({ repro: 'x', gridVersion: '1', codeVersion: '0.1.0', config: { a: [1, { c: 3, d: 2 }], b: 1 } }));
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.notEqual(a, trialId({ repro: 'x', gridVersion: '1', codeVersion: '0.1.0', config: { b: 2, a: [1, { d: 2, c: 3 }] } }));
  assert.notEqual(a, trialId({ repro: 'x', gridVersion: '2', codeVersion: '0.1.0', config: { b: 1, a: [1, { d: 2, c: 3 }] } }));
  assert.notEqual(a, trialId({ repro: 'x', gridVersion: '1', codeVersion: '0.2.0', config: { b: 1, a: [1, { d: 2, c: 3 }] } }));
  assert.notEqual(a, trialId({ repro: 'y', gridVersion: '1', codeVersion: '0.1.0', config: { b: 1, a: [1, { d: 2, c: 3 }] } }));
  assert.equal(canonicalJson({ z: 'q', a: null }), '{"a":null,"z":"q"}');
  assert.throws(() => canonicalJson({ a: NaN }), /non-finite/);
});

test('embedded queue: a worker killed with SIGKILL mid-trial; every trial completes exactly once, the report equals an uninterrupted run', { timeout: 120_000 }, async () => {
  const results = join(root, 'embedded-kill'), trials = join(results, 'sweep-test', 'trials');
  const coordinator = tessera(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '2', '--results', results]);
  let stderr = '';
  coordinator.stderr!.on('data', (d) => { stderr += d; });
  // a lease that has run for 0.5 s: the trial is in its middle (trials take 1.5 s)
  const lease = await until('a running trial', () => {
    const dir = join(trials, 'running');
    if (!existsSync(dir)) return null;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      try {
        const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        if (Date.now() - Date.parse(r.started_at) > 500) return r as { id: string; pid: number; worker: string };
      } catch { /* being written */ }
    }
    return null;
  });
  process.kill(lease.pid, 'SIGKILL');
  assert.equal(await exited(coordinator), 0, stderr);
  assert.match(stderr, /died \(SIGKILL\)/);
  assert.equal(doneFiles(trials).length, 12);
  const events = journal(trials);
  for (const id of new Set(events.map((e) => e.id))) assert.equal(events.filter((e) => e.id === id && e.event === 'done').length, 1, `trial ${id} completed once`);
  const starts = events.filter((e) => e.id === lease.id && e.event === 'started');
  assert.equal(starts.length, 2, 'the killed trial was started again');
  assert.notEqual(starts[1]!.worker, lease.worker, 'by the other worker');
  const record = JSON.parse(readFileSync(join(trials, `${lease.id}.json`), 'utf8'));
  assert.equal(record.attempt, 2);
  assert.deepEqual(reportNumbers(results, 'sweep-test'), reference);
  // a second run finds everything done and runs nothing
  const again = run(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '2', '--results', results]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(journal(trials).length, events.length, 'no trial ran again');
  const status = JSON.parse(run(['sweep', 'status', 'sweep-test', '--module', grid, '--results', results, '--json']).stdout);
  assert.equal(status.done, 12);
  assert.equal(status.trials.find((t: { id: string }) => t.id === lease.id).attempt, 2);
  const logs = run(['sweep', 'logs', 'sweep-test', 'trial 3', '--module', grid, '--results', results]);
  assert.equal(logs.stdout.trim(), 'trial 3 computed');
  assert.match(run(['sweep', 'logs', 'sweep-test', 'nope', '--module', grid, '--results', results]).stderr, /no trial "nope"/);
  // `sweep report --out DIR` writes the same report into DIR itself (how docs/results/<repro>/ is published)
  const out = join(root, 'published', 'sweep-test');
  assert.equal(run(['sweep', 'report', 'sweep-test', '--module', grid, '--results', results, '--out', out]).status, 0);
  const published = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.deepEqual({ metrics: published.metrics, tables: published.tables }, { metrics: reference.metrics, tables: reference.tables });
  assert.ok(existsSync(join(out, 'report.md')));
});

test('BullMQ over a real Redis: SIGKILL of a worker mid-trial and a Redis restart (AOF) mid-grid lose nothing and run nothing twice', { skip: noRedis, timeout: 180_000 }, async () => {
  const port = await freePort(), dataDir = mkdtempSync(join(root, 'redis-'));
  const startRedis = () => spawn(redisServer!, ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dataDir], { stdio: 'ignore' });
  let redis = startRedis();
  const queue = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  try {
    await until('redis-server', () => run(['sweep', 'status', 'sweep-test', '--module', grid, '--queue', queue, '--results', join(root, 'probe')]).status === 0, 10_000);
    const results = join(root, 'bull');
    const coordinator = tessera(['sweep', 'run', 'sweep-test', '--module', grid, '--queue', queue, '--workers', '0', '--results', results]);
    let stderr = '';
    coordinator.stderr!.on('data', (d) => { stderr += d; });
    for (let i = 0; i < 2; i++) workers.push(tessera(['sweep', 'worker', '--queue', queue, '--stall-timeout', '3']));
    const status = () => {
      const s = run(['sweep', 'status', 'sweep-test', '--module', grid, '--queue', queue, '--results', results, '--json']);
      return s.status === 0 ? JSON.parse(s.stdout) as { done: number; trials: { id: string; state: string; worker: string | null }[] } : null;
    };
    // kill the worker whose sandboxed child runs a trial (the child's parent is the worker)
    const running = await until('a running trial', () => status()?.trials.find((t) => t.state === 'running'));
    const childPid = Number(running.worker!.split(':').at(-1));
    const workerPid = Number(readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const victim = workers.find((w) => w.pid === workerPid);
    assert.ok(victim, `worker ${workerPid} holds the trial`);
    victim.kill('SIGKILL');
    // Redis restarted while the grid goes on: finished results survive (AOF)
    const before = await until('some finished trials', () => { const s = status(); return s && s.done >= 3 ? s : null; });
    redis.kill('SIGTERM');
    await exited(redis);
    redis = startRedis();
    const afterRestart = await until('redis back', () => status());
    assert.ok(afterRestart.done >= before.done, `${afterRestart.done} done after the restart, ${before.done} before`);
    assert.equal(await exited(coordinator), 0, stderr);
    const trials = join(results, 'sweep-test', 'trials');
    assert.equal(doneFiles(trials).length, 12);
    const events = readFileSync(join(trials, 'journal.jsonl'), 'utf8'); // the coordinator's mirror; the Redis journal below
    assert.ok(events.length > 0);
    const redisJournal = spawnSync('redis-cli', ['-p', String(port), 'lrange', 'tessera:sweep:sweep-test:journal', '0', '-1'], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string; worker: string });
    for (const id of new Set(redisJournal.map((e) => e.id))) assert.equal(redisJournal.filter((e) => e.id === id && e.event === 'done').length, 1, `trial ${id} completed once`);
    const starts = redisJournal.filter((e) => e.id === running.id && e.event === 'started');
    assert.ok(starts.length >= 2, 'the killed trial was run again');
    assert.notEqual(redisJournal.find((e) => e.id === running.id && e.event === 'done')!.worker, running.worker, 'by another worker');
    assert.deepEqual(reportNumbers(results, 'sweep-test'), reference);
    // `sweep report --queue` from Redis alone gives the same numbers
    const fresh = join(root, 'bull-report');
    const rep = run(['sweep', 'report', 'sweep-test', '--module', grid, '--queue', queue, '--results', fresh]);
    assert.equal(rep.status, 0, rep.stderr);
    assert.deepEqual(reportNumbers(fresh, 'sweep-test'), reference);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    redis.kill('SIGKILL');
  }
});

test('a trial that throws is marked failed with its message and the grid goes on; a rerun retries only it', { timeout: 120_000 }, () => {
  const results = join(root, 'failing');
  const r = run(['sweep', 'run', 'sweep-test-failing', '--quick', '--module', grid, '--workers', '2', '--attempts', '2', '--backoff-ms', '100', '--results', results]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /1 trial failed/);
  assert.match(r.stderr, /trial 5 throws on purpose/);
  const s = JSON.parse(run(['sweep', 'status', 'sweep-test-failing', '--quick', '--module', grid, '--results', results, '--json']).stdout);
  assert.equal(s.done, 11);
  assert.equal(s.failed, 1);
  const failed = s.trials.find((t: { state: string }) => t.state === 'failed');
  assert.equal(failed.label, 'trial 5');
  assert.match(failed.error, /throws on purpose/);
  assert.equal(failed.attempt, 2, 'retried once before it was marked failed');
  const report = readFileSync(join(results, 'sweep-test-failing', readdirSync(join(results, 'sweep-test-failing')).find((d) => d !== 'trials')!, 'report.md'), 'utf8');
  assert.match(report, /11 of 12 trials done/);
  const starts = () => journal(join(results, 'sweep-test-failing', 'trials')).filter((e) => e.event === 'started').length;
  const before = starts();
  assert.equal(run(['sweep', 'run', 'sweep-test-failing', '--quick', '--module', grid, '--attempts', '1', '--results', results]).status, 1);
  assert.equal(starts(), before + 1, 'only the failed trial ran again');
});

test('cancel: `sweep cancel` stops a running embedded grid; finished trials stay and a rerun completes it', { timeout: 120_000 }, async () => {
  const results = join(root, 'cancel'), trials = join(results, 'sweep-test', 'trials');
  const coordinator = tessera(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '2', '--results', results]);
  await until('two finished trials', () => existsSync(trials) && doneFiles(trials).length >= 2);
  assert.equal(run(['sweep', 'cancel', 'sweep-test', '--module', grid, '--results', results]).status, 0);
  assert.equal(await exited(coordinator), 130);
  const kept = doneFiles(trials).length;
  assert.ok(kept >= 2 && kept < 12, `${kept} trials done when cancelled`);
  assert.equal(run(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '2', '--results', results]).status, 0);
  assert.equal(doneFiles(trials).length, 12);
  assert.deepEqual(reportNumbers(results, 'sweep-test'), reference);
});

test('bad input: unknown repro, malformed queue URL, unreachable Redis (within 5 s), no --module export', () => {
  let r = run(['sweep', 'run', 'no-such-repro']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown repro "no-such-repro"; expected one of: .*wide-sparse/);
  for (const url of ['http://127.0.0.1:6379', 'redis//127.0.0.1', 'redis://127.0.0.1:6379/x']) {
    r = run(['sweep', 'run', 'wide-sparse', '--queue', url]);
    assert.equal(r.status, 1, url);
    assert.match(r.stderr, /--queue .* expected redis:\/\/host:port/, url);
  }
  const t0 = Date.now();
  r = run(['sweep', 'run', 'wide-sparse', '--queue', 'redis://127.0.0.1:1']);
  assert.ok(Date.now() - t0 < 5000 + 1500, `took ${Date.now() - t0} ms (node start included)`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/);
  r = run(['sweep', 'run', 'other', '--module', grid]);
  assert.match(r.stderr, /exports no experiment named "other"/);
  r = run(['sweep', 'run', 'sweep-test', '--module', grid, '--workers', '0']);
  assert.match(r.stderr, /--workers expected at least 1 on the embedded queue/);
});
