// A drawing canvas for one digit, and its conversion to an MNIST-like 28×28 image. MNIST's digits were
// scaled to fit a 20×20 box (aspect ratio kept, anti-aliased) and placed in 28×28 with their centre of mass
// at the centre; toMnistPixels does the same to the drawn strokes: bounding box → 20×20 → shift by the
// centre of mass (rounded to whole pixels). Pixels are 0..255 (white ink on black), like the dataset.

export const SIDE = 28;
const BOX = 20;

/** Let the user draw white strokes on a black canvas; `onStroke` runs after each stroke ends. */
export function drawingCanvas(canvas: HTMLCanvasElement, onStroke: () => void): { clear(): void } {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = (): void => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  let drawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    ctx.strokeStyle = '#fff'; ctx.lineWidth = canvas.width / 14; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...at(e));
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  const end = (): void => { if (drawing) { drawing = false; onStroke(); } };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return { clear };
}

/** The drawing as 28×28 pixels 0..255 (row-major), MNIST-centred; all zero for an empty canvas. */
export function toMnistPixels(canvas: HTMLCanvasElement): Uint8Array {
  const { width, height } = canvas;
  const src = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (src[4 * (y * width + x)]! > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  const out = new Uint8Array(SIDE * SIDE);
  if (x1 < 0) return out;
  // The bounding box scaled to fit BOX×BOX, drawn (smoothed) at the top left of a 28×28 canvas.
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, scale = BOX / Math.max(bw, bh);
  const small = document.createElement('canvas');
  small.width = small.height = SIDE;
  const s = small.getContext('2d', { willReadFrequently: true })!;
  s.imageSmoothingEnabled = true;
  s.imageSmoothingQuality = 'high';
  s.drawImage(canvas, x0, y0, bw, bh, 0, 0, bw * scale, bh * scale);
  const scaled = s.getImageData(0, 0, SIDE, SIDE).data;
  // Centre of mass of the scaled digit, moved to the image centre.
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
    const v = scaled[4 * (y * SIDE + x)]!;
    mass += v; mx += v * x; my += v * y;
  }
  const dx = Math.round(SIDE / 2 - 0.5 - mx / mass), dy = Math.round(SIDE / 2 - 0.5 - my / mass);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
    const sx = x - dx, sy = y - dy;
    if (sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE) out[y * SIDE + x] = scaled[4 * (sy * SIDE + sx)]!;
  }
  return out;
}

/** Paint 28×28 pixels 0..255 onto a canvas (any size: nearest-neighbour upscaling). */
export function paintPixels(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  const img = new ImageData(SIDE, SIDE);
  pixels.forEach((v, i) => { img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255; });
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = SIDE;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}
