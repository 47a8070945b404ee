// `tessera app [--port P]`: serve the built web app (build/app, made by `npm run build`) on 127.0.0.1 with the
// cross-origin-isolation headers (COOP/COEP: SharedArrayBuffer for the wasm worker pool). Static files only.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraError } from '../core/errors.js';

/** dist/src/cli/app.js → <package>/build/app. */
export const APP_DIR = fileURLToPath(new URL('../../../build/app/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm',
  '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};
const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache',
};

/** A static server of `dir`; paths outside it, and methods other than GET/HEAD, are refused. */
export function appServer(dir = APP_DIR): Server {
  if (!existsSync(join(dir, 'index.html'))) throw new TesseraError('value', 'app', `no built web app in ${dir} (index.html missing): run \`npm run build\` first`);
  return createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD' }).end(); return; }
    let path: string;
    try { path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname); } catch { res.writeHead(400, HEADERS).end('bad path'); return; }
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}`);
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

export async function appCommand(o: { port: number }): Promise<void> {
  const server = appServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new TesseraError('option', 'app', `--port ${o.port} is in use on 127.0.0.1; pick another (0 = any free port)`) : e));
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  process.stdout.write(`http://127.0.0.1:${port}/\n`);
  process.stdout.write(`serving ${APP_DIR} (COOP same-origin, COEP require-corp); Ctrl-C stops\n`);
}
