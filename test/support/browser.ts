// The web app in a real browser, shared by test/app/*.test.ts: `tessera app` serves build/app and playwright-core
// drives Debian's Chromium (headless, networking to anything but 127.0.0.1 off). Every request that leaves the
// app's origin is aborted and reported as a problem, as are console errors and page errors.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const CHROMIUM = '/usr/bin/chromium';
export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const cliPath = new URL('../../src/cli/main.js', import.meta.url).pathname;
/** TESSERA_APP_SCREENSHOTS=docs/screenshots writes the README's screenshots (a plain test run writes nothing). */
export const screenshotDir = process.env.TESSERA_APP_SCREENSHOTS;
/** A reason to skip (no Chromium, app not built), or false. */
export const skipBrowser: string | false = !existsSync(CHROMIUM) ? `${CHROMIUM} is absent (Debian's chromium package; scripts/setup.sh installs it as root)`
  : !existsSync(`${repoRoot}build/app/index.html`) ? 'build/app is absent: run `npm run build` (it builds the web app)' : false;

export type Browser = import('playwright-core').Browser;
export type Page = import('playwright-core').Page;

export const cliJson = (args: string[]): unknown => JSON.parse(execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }));

export interface AppSession {
  /** http://127.0.0.1:P/ as `tessera app` printed it. */
  readonly base: string;
  /** Open a route in a fresh context, wait for `readySelector`; `problems` collects errors and outside requests. */
  open(route: string, readySelector: string, timeoutMs?: number): Promise<{ page: Page; problems: string[] }>;
}

/** Register before/after hooks that start `tessera app --port 0` and Chromium for this test file. */
export function useApp(): AppSession {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  const session = {
    base: '',
    async open(route: string, readySelector: string, timeoutMs = 20_000) {
      const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      await context.route('**/*', (r) => {
        const url = r.request().url();
        if (url.startsWith(session.base) || url.startsWith('data:') || url.startsWith('blob:')) return r.continue();
        problems.push(`request outside the app: ${url}`);
        return r.abort();
      });
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(session.base + route);
      await page.waitForSelector(readySelector, { timeout: timeoutMs });
      return { page, problems };
    },
  };
  before(async () => {
    if (skipBrowser) return;
    server = spawn(process.execPath, [cliPath, 'app', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: server!.stdout! });
      lines.once('line', resolve);
      server!.once('exit', (code) => reject(new Error(`tessera app exited (${code}) before printing its URL`)));
    });
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'tessera app prints its URL on the first line');
    session.base = first;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      // No network beyond loopback: names resolve to nothing except 127.0.0.1, no proxy, no background fetches.
      args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--no-proxy-server',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'],
    });
  });
  after(async () => {
    await browser?.close();
    server?.kill();
  });
  return session;
}
