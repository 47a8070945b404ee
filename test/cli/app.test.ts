// `tessera app`'s static server without a browser: the isolation headers, content types, no path outside the
// served folder, GET/HEAD only, and a clear error when the app has not been built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appServer } from '../../src/cli/app.js';

function raw(port: number, method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('appServer serves the folder with COOP/COEP and refuses everything else', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-app-'));
  const dir = join(root, 'app');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><p>hi</p>');
  writeFileSync(join(dir, 'assets', 'a.js'), 'export const a = 1;');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  const server = appServer(dir);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const index = await raw(port, 'GET', '/');
    assert.equal(index.status, 200);
    assert.equal(index.body, '<!doctype html><p>hi</p>');
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(index.headers['cross-origin-embedder-policy'], 'require-corp');
    const js = await raw(port, 'GET', '/assets/a.js');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.body, 'export const a = 1;');
    const head = await raw(port, 'HEAD', '/assets/a.js');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/missing.js', '/assets']) {
      const r = await raw(port, 'GET', p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /outside/, p);
    }
    assert.equal((await raw(port, 'POST', '/')).status, 405);
  } finally {
    server.close();
  }
});

test('appServer names the folder and the build command when the app is not built', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-app-empty-'));
  assert.throws(() => appServer(dir), (e: Error) => e.message === `app: no built web app in ${dir} (index.html missing): run \`npm run build\` first`);
});
