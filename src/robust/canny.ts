// Canny edge detection with skimage.feature.canny's defaults (σ = 1, low 0.1, high 0.2 on a [0, 1]
// image): Gaussian smoothing, Sobel gradients, non-maximum suppression along the gradient direction
// (interpolated between the two neighbours of its octant), hysteresis with 8-connectivity, and the
// one-pixel border excluded. Output: 1 on edges, 0 elsewhere.
// Reconstructed from the algorithm's description and skimage's documented defaults; the exact
// smoothing of skimage (mask-compensated constant padding) is approximated by 'nearest' edges.
import { checkImage, correlate3x3, gaussianBlur } from './imageOps.js';

const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

export function canny(img: ArrayLike<number>, h: number, w: number, o: { sigma?: number; low?: number; high?: number } = {}): Float32Array {
  checkImage(img, h, w, 'canny');
  const sigma = o.sigma ?? 1, low = o.low ?? 0.1, high = o.high ?? 0.2;
  const smooth = gaussianBlur(img, h, w, sigma);
  const gx = correlate3x3(smooth, h, w, SOBEL_X), gy = correlate3x3(smooth, h, w, SOBEL_Y);
  const mag = new Float64Array(h * w);
  for (let i = 0; i < mag.length; i++) mag[i] = Math.hypot(gx[i]!, gy[i]!);
  const at = (x: number, y: number) => mag[y * w + x]!;
  const strong = new Uint8Array(h * w), weak = new Uint8Array(h * w);
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const m = at(x, y);
    if (m < low) continue;
    const ix = gx[y * w + x]!, iy = gy[y * w + x]!, ax = Math.abs(ix), ay = Math.abs(iy);
    // neighbours along ±gradient, interpolated (the same octant scheme as skimage)
    let n1: number, n2: number;
    if (ax >= ay) {
      const t = ax ? ay / ax : 0, sy = Math.sign(ix) === Math.sign(iy) ? 1 : -1;
      n1 = (1 - t) * at(x + 1, y) + t * at(x + 1, y + sy);
      n2 = (1 - t) * at(x - 1, y) + t * at(x - 1, y - sy);
    } else {
      const t = ay ? ax / ay : 0, sx = Math.sign(ix) === Math.sign(iy) ? 1 : -1;
      n1 = (1 - t) * at(x, y + 1) + t * at(x + sx, y + 1);
      n2 = (1 - t) * at(x, y - 1) + t * at(x - sx, y - 1);
    }
    if (m >= n1 && m >= n2) {
      weak[y * w + x] = 1;
      if (m >= high) strong[y * w + x] = 1;
    }
  }
  // hysteresis: keep weak pixels 8-connected to a strong one
  const out = new Float32Array(h * w), stack: number[] = [];
  for (let i = 0; i < out.length; i++) if (strong[i]) { out[i] = 1; stack.push(i); }
  while (stack.length) {
    const i = stack.pop()!, x = i % w, y = (i - x) / w;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx, yy = y + dy, j = yy * w + xx;
      if (xx >= 0 && yy >= 0 && xx < w && yy < h && weak[j] && !out[j]) { out[j] = 1; stack.push(j); }
    }
  }
  return out;
}
