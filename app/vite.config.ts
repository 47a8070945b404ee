// The web app's build: app/ → build/app. `tessera/<subpath>` resolves through package.json "exports" to the
// compiled library in dist/ (run `npm run build:ts` first), so the app sees exactly what a user of the package sees.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { bundleSizeReport } from './bundleSize.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const exportsMap = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string> }).exports;
const alias = Object.entries(exportsMap)
  .filter(([, target]) => target.startsWith('./dist/src/'))
  .map(([sub, target]) => ({ find: new RegExp(`^tessera${sub === '.' ? '' : sub.slice(1).replace(/[/.]/g, '\\$&')}$`), replacement: `${root}${target.slice(2)}` }));
// The same headers as `tessera app`: cross-origin isolation (SharedArrayBuffer for the wasm thread pool).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias },
  plugins: [bundleSizeReport(`${root}build/app`)],
  // Engine workers are ES modules (they import tessera like the pages do).
  worker: { format: 'es' },
  build: { outDir: `${root}build/app`, emptyOutDir: true, target: 'es2022', reportCompressedSize: true, chunkSizeWarningLimit: 2048 },
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
