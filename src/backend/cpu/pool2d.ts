// 2-D max and average pooling over x [n, c, h, w] → y [n, c, outH, outW], and their backward passes.
// Padding is implicit: padded cells are −∞ for max and 0 (counted) for average, as PyTorch's defaults.
// Each kernel is a plain nested loop over (plane, oy, ox) and the window clipped to the image.
import type { FloatArray } from '../../core/dtype.js';
import type { Pool2dParams } from '../kernels.js';

export type { Pool2dParams };

/**
 * Flat input index of each output's window maximum (first maximum on ties, NaN wins, as PyTorch),
 * or −1 when the window holds only padding.
 */
function argmaxPool(p: Pool2dParams, x: FloatArray): Int32Array {
  const arg = new Int32Array(p.n * p.c * p.outH * p.outW);
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * p.h * p.w;
    for (let oy = 0; oy < p.outH; oy++) {
      const y0 = oy * p.strideH - p.padH, y1 = Math.min(y0 + p.kh, p.h), ys = Math.max(y0, 0);
      for (let ox = 0; ox < p.outW; ox++) {
        const x0 = ox * p.strideW - p.padW, x1 = Math.min(x0 + p.kw, p.w), xs = Math.max(x0, 0);
        let best = -Infinity, at = -1;
        for (let iy = ys; iy < y1 && !(best !== best); iy++) {
          for (let ix = xs; ix < x1; ix++) {
            const v = x[base + iy * p.w + ix]!;
            if (v > best || at < 0 || v !== v) { best = v; at = base + iy * p.w + ix; if (v !== v) break; }
          }
        }
        arg[o++] = at;
      }
    }
  }
  return arg;
}

export function maxPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void {
  const arg = argmaxPool(p, x);
  for (let o = 0; o < arg.length; o++) y[o] = arg[o]! < 0 ? -Infinity : x[arg[o]!]!;
}

/** dx (overwritten): each output's gradient goes to its window's argmax. */
export function maxPool2dBackward(p: Pool2dParams, x: FloatArray, dy: FloatArray, dx: FloatArray): void {
  const arg = argmaxPool(p, x);
  dx.fill(0);
  for (let o = 0; o < arg.length; o++) if (arg[o]! >= 0) dx[arg[o]!]! += dy[o]!;
}

export function avgPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void {
  const area = p.kh * p.kw;
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * p.h * p.w;
    for (let oy = 0; oy < p.outH; oy++) {
      const y0 = oy * p.strideH - p.padH, y1 = Math.min(y0 + p.kh, p.h), ys = Math.max(y0, 0);
      for (let ox = 0; ox < p.outW; ox++) {
        const x0 = ox * p.strideW - p.padW, x1 = Math.min(x0 + p.kw, p.w), xs = Math.max(x0, 0);
        let s = 0;
        for (let iy = ys; iy < y1; iy++) for (let ix = xs; ix < x1; ix++) s += x[base + iy * p.w + ix]!;
        y[o++] = s / area;
      }
    }
  }
}

export function avgPool2dBackward(p: Pool2dParams, dy: FloatArray, dx: FloatArray): void {
  dx.fill(0);
  const area = p.kh * p.kw;
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * p.h * p.w;
    for (let oy = 0; oy < p.outH; oy++) {
      const y0 = oy * p.strideH - p.padH, y1 = Math.min(y0 + p.kh, p.h), ys = Math.max(y0, 0);
      for (let ox = 0; ox < p.outW; ox++) {
        const x0 = ox * p.strideW - p.padW, x1 = Math.min(x0 + p.kw, p.w), xs = Math.max(x0, 0);
        const g = dy[o++]! / area;
        for (let iy = ys; iy < y1; iy++) for (let ix = xs; ix < x1; ix++) dx[base + iy * p.w + ix]! += g;
      }
    }
  }
}
