// Reference 2-D convolution and its two backward passes as direct loops (the specification).
import type { FloatArray } from '../../core/dtype.js';
import type { Conv2dParams } from '../kernels.js';

// For output position (oy, ox) and kernel tap (ky, kx): input row iy = oy·sH - padTop + ky·dH.

export function conv2d(p: Conv2dParams, x: FloatArray, weight: FloatArray, y: FloatArray): void {
  const { n, cIn, h, w, cOut, kh, kw, groups, outH, outW } = p;
  const cg = cIn / groups, og = cOut / groups;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cOut; o++) {
      const g = Math.floor(o / og);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let acc = 0;
          for (let c = 0; c < cg; c++) {
            const xBase = (b * cIn + g * cg + c) * h * w;
            const wBase = ((o * cg + c) * kh) * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
                if (ix < 0 || ix >= w) continue;
                acc += x[xBase + iy * w + ix]! * weight[wBase + ky * kw + kx]!;
              }
            }
          }
          y[((b * cOut + o) * outH + oy) * outW + ox] = acc;
        }
      }
    }
  }
}

export function conv2dBackwardInput(p: Conv2dParams, dy: FloatArray, weight: FloatArray, dx: FloatArray): void {
  const { n, cIn, h, w, cOut, kh, kw, groups, outH, outW } = p;
  const cg = cIn / groups, og = cOut / groups;
  const acc = new Float64Array(dx.length);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cOut; o++) {
      const g = Math.floor(o / og);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const gv = dy[((b * cOut + o) * outH + oy) * outW + ox]!;
          if (gv === 0) continue;
          for (let c = 0; c < cg; c++) {
            const xBase = (b * cIn + g * cg + c) * h * w;
            const wBase = ((o * cg + c) * kh) * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
                if (ix < 0 || ix >= w) continue;
                acc[xBase + iy * w + ix]! += gv * weight[wBase + ky * kw + kx]!;
              }
            }
          }
        }
      }
    }
  }
  dx.set(acc);
}

export function conv2dBackwardFilter(p: Conv2dParams, x: FloatArray, dy: FloatArray, dweight: FloatArray): void {
  const { n, cIn, h, w, cOut, kh, kw, groups, outH, outW } = p;
  const cg = cIn / groups, og = cOut / groups;
  const acc = new Float64Array(dweight.length);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cOut; o++) {
      const g = Math.floor(o / og);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const gv = dy[((b * cOut + o) * outH + oy) * outW + ox]!;
          if (gv === 0) continue;
          for (let c = 0; c < cg; c++) {
            const xBase = (b * cIn + g * cg + c) * h * w;
            const wBase = ((o * cg + c) * kh) * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
                if (ix < 0 || ix >= w) continue;
                acc[wBase + ky * kw + kx]! += gv * x[xBase + iy * w + ix]!;
              }
            }
          }
        }
      }
    }
  }
  dweight.set(acc);
}
