// 2-D max and average pooling over x [n, c, h, w] → y [n, c, outH, outW], and their backward passes.
// Padding is implicit: padded cells are -∞ for max and 0 (counted) for average, as PyTorch's defaults.
import type { FloatArray } from '../../core/dtype.js';

export interface Pool2dParams {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; strideH: number; strideW: number; padH: number; padW: number;
  outH: number; outW: number;
}

/** Calls visit(planeOffset, outIndex, y0, x0) for every output cell; (y0, x0) is the window's top-left input cell. */
function forEachWindow(p: Pool2dParams, visit: (plane: number, o: number, y0: number, x0: number) => void): void {
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    for (let oy = 0; oy < p.outH; oy++) {
      for (let ox = 0; ox < p.outW; ox++) visit(plane * p.h * p.w, o++, oy * p.strideH - p.padH, ox * p.strideW - p.padW);
    }
  }
}

/** Flat input index of the window's maximum (first on ties), or -1 if the window holds only padding. */
function argmaxInWindow(p: Pool2dParams, x: FloatArray, plane: number, y0: number, x0: number): number {
  let best = -Infinity, arg = -1;
  for (let ky = 0; ky < p.kh; ky++) {
    const iy = y0 + ky;
    if (iy < 0 || iy >= p.h) continue;
    for (let kx = 0; kx < p.kw; kx++) {
      const ix = x0 + kx;
      if (ix < 0 || ix >= p.w) continue;
      const v = x[plane + iy * p.w + ix]!;
      if (v > best || arg < 0 || Number.isNaN(v)) { best = v; arg = plane + iy * p.w + ix; if (Number.isNaN(v)) return arg; }
    }
  }
  return arg;
}

export function maxPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void {
  forEachWindow(p, (plane, o, y0, x0) => {
    const arg = argmaxInWindow(p, x, plane, y0, x0);
    y[o] = arg < 0 ? -Infinity : x[arg]!;
  });
}

/** dx (overwritten): each output's gradient goes to its window's argmax (first maximum on ties, as PyTorch). */
export function maxPool2dBackward(p: Pool2dParams, x: FloatArray, dy: FloatArray, dx: FloatArray): void {
  dx.fill(0);
  forEachWindow(p, (plane, o, y0, x0) => {
    const arg = argmaxInWindow(p, x, plane, y0, x0);
    if (arg >= 0) dx[arg]! += dy[o]!;
  });
}

export function avgPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void {
  const area = p.kh * p.kw;
  forEachWindow(p, (plane, o, y0, x0) => {
    let s = 0;
    for (let ky = 0; ky < p.kh; ky++) {
      const iy = y0 + ky;
      if (iy < 0 || iy >= p.h) continue;
      for (let kx = 0; kx < p.kw; kx++) {
        const ix = x0 + kx;
        if (ix >= 0 && ix < p.w) s += x[plane + iy * p.w + ix]!;
      }
    }
    y[o] = s / area;
  });
}

export function avgPool2dBackward(p: Pool2dParams, dy: FloatArray, dx: FloatArray): void {
  dx.fill(0);
  const area = p.kh * p.kw;
  forEachWindow(p, (plane, o, y0, x0) => {
    const g = dy[o]! / area;
    for (let ky = 0; ky < p.kh; ky++) {
      const iy = y0 + ky;
      if (iy < 0 || iy >= p.h) continue;
      for (let kx = 0; kx < p.kw; kx++) {
        const ix = x0 + kx;
        if (ix >= 0 && ix < p.w) dx[plane + iy * p.w + ix]! += g;
      }
    }
  });
}
