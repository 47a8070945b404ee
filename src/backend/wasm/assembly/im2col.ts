// im2col / col2im for conv2d lowered to GEMM (AssemblyScript).
// Column matrix layout for images b0 .. b0+nb of x [n, cIn, h, w]:
//   col[r, bi·P + oy·outW + ox] with r = (c·kh + ky)·kw + kx, P = outH·outW, row length nb·P.
// Entry = x[b0+bi, c, oy·sH − padTop + ky·dH, ox·sW − padLeft + kx·dW], or 0 outside the image.

@inline function ptrAt(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** First output index o ≥ 0 with o·s + off ≥ 0, i.e. ceil(−off / s) clamped at 0. */
@inline function firstInside(off: i32, s: i32): i32 {
  return off >= 0 ? 0 : (-off + s - 1) / s;
}

/** One past the last o with o·s + off ≤ size − 1, clamped to [0, outSize]. */
@inline function endInside(off: i32, s: i32, size: i32, outSize: i32): i32 {
  const lastPos = size - 1 - off;
  if (lastPos < 0) return 0;
  return min(outSize, lastPos / s + 1);
}

/** Geometry shared by both directions, passed as one block of i32 at `geom`: see Conv2dGeometry in conv2d.ts (JS). */
@inline function g(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}
// geom layout: 0 cIn, 1 h, 2 w, 3 kh, 4 kw, 5 strideH, 6 strideW, 7 padTop, 8 padLeft, 9 dilationH, 10 dilationW, 11 outH, 12 outW

/** Fill rows [lo, hi) of col for images b0 .. b0+nb. */
export function im2col(x: usize, col: usize, geom: usize, b0: i32, nb: i32, lo: i32, hi: i32): void {
  const cIn = g(geom, 0), h = g(geom, 1), w = g(geom, 2), kh = g(geom, 3), kw = g(geom, 4);
  const sH = g(geom, 5), sW = g(geom, 6), pT = g(geom, 7), pL = g(geom, 8), dH = g(geom, 9), dW = g(geom, 10);
  const outH = g(geom, 11), outW = g(geom, 12);
  const P = outH * outW;
  for (let r = lo; r < hi; r++) {
    const c = r / (kh * kw), tap = r - c * kh * kw, ky = tap / kw, kx = tap - ky * kw;
    const offY = ky * dH - pT, offX = kx * dW - pL;
    const oy0 = firstInside(offY, sH), oy1 = max(oy0, endInside(offY, sH, h, outH));
    const ox0 = min(outW, firstInside(offX, sW)), ox1 = max(ox0, endInside(offX, sW, w, outW));
    for (let bi = 0; bi < nb; bi++) {
      const plane = ptrAt(x, ((b0 + bi) * cIn + c) * h * w);
      const dst = ptrAt(col, r * nb * P + bi * P);
      for (let oy = 0; oy < outH; oy++) {
        const d = ptrAt(dst, oy * outW);
        if (oy < oy0 || oy >= oy1) {
          for (let ox = 0; ox < outW; ox++) store<f32>(ptrAt(d, ox), 0);
          continue;
        }
        const src = ptrAt(plane, (oy * sH + offY) * w + offX);
        for (let ox = 0; ox < ox0; ox++) store<f32>(ptrAt(d, ox), 0);
        if (sW == 1) memory.copy(ptrAt(d, ox0), ptrAt(src, ox0), <usize>(ox1 - ox0) << 2);
        else for (let ox = ox0; ox < ox1; ox++) store<f32>(ptrAt(d, ox), load<f32>(ptrAt(src, ox * sW)));
        for (let ox = ox1; ox < outW; ox++) store<f32>(ptrAt(d, ox), 0);
      }
    }
  }
}

/**
 * dx[b0+bi, c] = Σ over the rows r of channel c, in (ky, kx) order, of col[r, bi·P + ·] scattered back to
 * their input positions. Units are channels [lo, hi); each unit zeroes and owns its planes.
 */
export function col2im(col: usize, dx: usize, geom: usize, b0: i32, nb: i32, lo: i32, hi: i32): void {
  const cIn = g(geom, 0), h = g(geom, 1), w = g(geom, 2), kh = g(geom, 3), kw = g(geom, 4);
  const sH = g(geom, 5), sW = g(geom, 6), pT = g(geom, 7), pL = g(geom, 8), dH = g(geom, 9), dW = g(geom, 10);
  const outH = g(geom, 11), outW = g(geom, 12);
  const P = outH * outW;
  for (let c = lo; c < hi; c++) {
    for (let bi = 0; bi < nb; bi++) {
      const plane = ptrAt(dx, ((b0 + bi) * cIn + c) * h * w);
      memory.fill(plane, 0, <usize>(h * w) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const offY = ky * dH - pT;
        const oy0 = firstInside(offY, sH), oy1 = endInside(offY, sH, h, outH);
        for (let kx = 0; kx < kw; kx++) {
          const offX = kx * dW - pL;
          const ox0 = firstInside(offX, sW), ox1 = endInside(offX, sW, w, outW);
          const r = (c * kh + ky) * kw + kx;
          const srcRow = ptrAt(col, r * nb * P + bi * P);
          for (let oy = oy0; oy < oy1; oy++) {
            const s = ptrAt(srcRow, oy * outW);
            const d = ptrAt(plane, (oy * sH + offY) * w + offX);
            for (let ox = ox0; ox < ox1; ox++) {
              const dp = ptrAt(d, ox * sW);
              store<f32>(dp, load<f32>(dp) + load<f32>(ptrAt(s, ox)));
            }
          }
        }
      }
    }
  }
}
