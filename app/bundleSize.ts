// The app bundle's size, reported by every build (issue 17's target: < 1.5 MB gzip without wasm). After Vite has
// written build/app, every file is gzipped (level 9, as a static server would) and summed in three parts:
//   code   .js, .css, .html — what a browser downloads to run the app (pages, engine workers, vega)
//   wasm   the engine's kernels (.wasm)
//   data   everything else (files shipped under app/public: models, test digits, a tiny checkpoint)
// The totals are printed and written to build/app/bundle-size.json (read by test/app/bundleSize.test.ts).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export const BUNDLE_TARGET_GZIP_BYTES = 1.5e6;

type Part = 'code' | 'wasm' | 'data';
const partOf = (file: string): Part => (/\.(m?js|css|html)$/.test(file) ? 'code' : file.endsWith('.wasm') ? 'wasm' : 'data');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export function bundleSizeReport(outDir: string): Plugin {
  return {
    name: 'tessera-bundle-size',
    apply: 'build',
    closeBundle() {
      const totals: Record<Part, { bytes: number; gzipBytes: number; files: number }> = {
        code: { bytes: 0, gzipBytes: 0, files: 0 }, wasm: { bytes: 0, gzipBytes: 0, files: 0 }, data: { bytes: 0, gzipBytes: 0, files: 0 },
      };
      const files = filesUnder(outDir).filter((f) => !f.endsWith('bundle-size.json')).map((path) => {
        const bytes = readFileSync(path);
        const gzipBytes = gzipSync(bytes, { level: 9 }).length;
        const part = partOf(path);
        totals[part].bytes += bytes.length;
        totals[part].gzipBytes += gzipBytes;
        totals[part].files += 1;
        return { file: relative(outDir, path), part, bytes: bytes.length, gzipBytes };
      });
      const kb = (b: number): string => `${(b / 1000).toFixed(1)} kB`;
      const t = totals.code;
      const verdict = t.gzipBytes < BUNDLE_TARGET_GZIP_BYTES ? 'within' : 'OVER';
      console.log(`app bundle: code ${kb(t.gzipBytes)} gzip (${kb(t.bytes)}, ${t.files} files; ${verdict} the ${kb(BUNDLE_TARGET_GZIP_BYTES)} target), `
        + `wasm ${kb(totals.wasm.gzipBytes)} gzip, data ${kb(totals.data.gzipBytes)} gzip (${totals.data.files} files)`);
      writeFileSync(join(outDir, 'bundle-size.json'), `${JSON.stringify({ targetGzipBytes: BUNDLE_TARGET_GZIP_BYTES, totals, files }, null, 2)}\n`);
    },
  };
}
