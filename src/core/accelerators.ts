// The accelerator catalog: compute units, peak dense rates, HBM, intra-node links — one entry per GPU, read by
// the sizing model (src/sizing: GEMM tiles and waves) and the layout planner (src/parallel/planner.ts: nodes of
// D devices). Both tools see the same figures because there is only this copy.
//
// Every figure carries its source. Vendor datasheet figures were not re-fetched in this session (the research
// note, parallelism.md §"What a faithful…" item 7, marks them "vendor spec, not retrieved"); they are the
// published SXM/OAM numbers, dense (no 2:4 sparsity). Measured figures from the AMD paper are [2nd] (a
// secondary note, unverified) and kept apart from the peaks. The per-message link latency is an assumption
// of the planner, not a measurement, and says so.
import { TesseraError } from './errors.js';

export type HardwareName = 'mi300x' | 'h100' | 'h200' | 'a100';

/** One number and where it comes from. */
export interface Sourced {
  value: number;
  unit: string;
  source: string;
}

export interface Accelerator {
  name: HardwareName;
  label: string;
  /** Streaming multiprocessors (NVIDIA) or compute units (AMD): the "units" a GEMM's tiles are waved over. */
  units: Sourced;
  /** Peak dense bf16 matrix rate. */
  bf16Tflops: Sourced;
  /** Peak fp32 rate (non-tensor-core vector/matrix fp32; TF32 is not counted). */
  fp32Tflops: Sourced;
  /** HBM capacity in decimal GB (10⁹ bytes), as the datasheets quote it. */
  hbmGB: Sourced;
  /** Peak HBM bandwidth. */
  hbmTBps: Sourced;
  /** Measured HBM bandwidth where the research note has one ([2nd]). */
  hbmMeasuredTBps?: Sourced;
  /** The intra-node interconnect, e.g. "NVLink 4". */
  interconnect: string;
  /** Intra-node GPU-to-GPU bandwidth per GPU (unidirectional aggregate over all links). */
  linkGBps: Sourced;
  /** Per-message latency α of one collective step over that link (the α of the α-β model). */
  linkLatencyUs: Sourced;
  /** GEMM output tile the model assumes (rows × columns of C per workgroup). */
  tile: { m: number; n: number; source: string };
  /** Element alignment (bf16 elements) at which matrix units run at full speed. */
  alignElements: Sourced;
}

const NVIDIA_A100 = 'NVIDIA A100 Tensor Core GPU datasheet (SXM4 80GB), dense figures; not re-fetched';
const NVIDIA_H100 = 'NVIDIA H100 Tensor Core GPU datasheet (SXM5), dense figures; not re-fetched';
const NVIDIA_H200 = 'NVIDIA H200 Tensor Core GPU datasheet (SXM), dense figures; not re-fetched';
const AMD_MI300X = 'AMD Instinct MI300X accelerator datasheet (OAM), dense figures; not re-fetched';
const ALPHA = 'assumed order of magnitude for one intra-node collective step (the planner\'s default), neither measured nor sourced; `tessera parallel bench-collectives` fits α on the machine at hand';
const TILE = 'a common large bf16 tile (256×256); the note\'s wave-quantisation check uses it (parallelism.md "Checks")';
const ALIGN = 'co-design rule: Tensor Cores fully used at multiples of 64 fp16/bf16 elements on A100 (arXiv 2401.14489 via stas00/ml-engineering; parallelism.md B.2)';

export const CATALOG: Record<HardwareName, Accelerator> = {
  mi300x: {
    name: 'mi300x', label: 'AMD Instinct MI300X',
    units: { value: 304, unit: 'CUs', source: '8 XCDs × 38 CUs (fridayswithfaraday.com MI300X/ROCm comparison, parallelism.md §item 7)' },
    bf16Tflops: { value: 1307.4, unit: 'TFLOP/s', source: AMD_MI300X },
    fp32Tflops: { value: 163.4, unit: 'TFLOP/s', source: AMD_MI300X },
    hbmGB: { value: 192, unit: 'GB', source: AMD_MI300X },
    hbmTBps: { value: 5.3, unit: 'TB/s', source: AMD_MI300X },
    hbmMeasuredTBps: { value: 4.33, unit: 'TB/s', source: 'AMD paper microbenchmark as quoted by a secondary note [2nd, unverified] (parallelism.md B.1)' },
    linkGBps: { value: 448, unit: 'GB/s', source: `7 Infinity Fabric links × 64 GB/s per direction; full only when all 8 GPUs take part, B = (n−1)·B_link [2nd] (parallelism.md B.1); ${AMD_MI300X}` },
    interconnect: 'Infinity Fabric',
    linkLatencyUs: { value: 10, unit: 'µs', source: ALPHA },
    tile: { m: 256, n: 256, source: TILE },
    alignElements: { value: 64, unit: 'elements', source: 'd_h a multiple of 64 (MI300X sizing notes [2nd], parallelism.md B.2)' },
  },
  h100: {
    name: 'h100', label: 'NVIDIA H100 SXM5',
    units: { value: 132, unit: 'SMs', source: NVIDIA_H100 },
    bf16Tflops: { value: 989.4, unit: 'TFLOP/s', source: NVIDIA_H100 },
    fp32Tflops: { value: 66.9, unit: 'TFLOP/s', source: NVIDIA_H100 },
    hbmGB: { value: 80, unit: 'GB', source: NVIDIA_H100 },
    hbmTBps: { value: 3.35, unit: 'TB/s', source: NVIDIA_H100 },
    hbmMeasuredTBps: { value: 3.036, unit: 'TB/s', source: 'AMD paper comparison as quoted by a secondary note [2nd, unverified] (parallelism.md B.1)' },
    linkGBps: { value: 450, unit: 'GB/s', source: `NVLink 4: 900 GB/s bidirectional per GPU; ${NVIDIA_H100}` },
    interconnect: 'NVLink 4',
    linkLatencyUs: { value: 5, unit: 'µs', source: ALPHA },
    tile: { m: 256, n: 256, source: TILE },
    alignElements: { value: 64, unit: 'elements', source: ALIGN },
  },
  h200: {
    name: 'h200', label: 'NVIDIA H200 SXM',
    units: { value: 132, unit: 'SMs', source: `${NVIDIA_H200} (same GH100 die as H100 SXM5)` },
    bf16Tflops: { value: 989.4, unit: 'TFLOP/s', source: NVIDIA_H200 },
    fp32Tflops: { value: 66.9, unit: 'TFLOP/s', source: NVIDIA_H200 },
    hbmGB: { value: 141, unit: 'GB', source: NVIDIA_H200 },
    hbmTBps: { value: 4.8, unit: 'TB/s', source: NVIDIA_H200 },
    linkGBps: { value: 450, unit: 'GB/s', source: `NVLink 4: 900 GB/s bidirectional per GPU; ${NVIDIA_H200}` },
    interconnect: 'NVLink 4',
    linkLatencyUs: { value: 5, unit: 'µs', source: ALPHA },
    tile: { m: 256, n: 256, source: TILE },
    alignElements: { value: 64, unit: 'elements', source: ALIGN },
  },
  a100: {
    name: 'a100', label: 'NVIDIA A100 SXM4 80GB',
    units: { value: 108, unit: 'SMs', source: `${NVIDIA_A100}; "108 on A100" in the co-design notes (parallelism.md B.2)` },
    bf16Tflops: { value: 312, unit: 'TFLOP/s', source: NVIDIA_A100 },
    fp32Tflops: { value: 19.5, unit: 'TFLOP/s', source: NVIDIA_A100 },
    hbmGB: { value: 80, unit: 'GB', source: NVIDIA_A100 },
    hbmTBps: { value: 2.039, unit: 'TB/s', source: NVIDIA_A100 },
    linkGBps: { value: 300, unit: 'GB/s', source: `NVLink 3: 600 GB/s bidirectional per GPU; ${NVIDIA_A100}` },
    interconnect: 'NVLink 3',
    linkLatencyUs: { value: 5, unit: 'µs', source: ALPHA },
    tile: { m: 256, n: 256, source: TILE },
    alignElements: { value: 64, unit: 'elements', source: ALIGN },
  },
};

export const HARDWARE_NAMES = Object.keys(CATALOG) as HardwareName[];

/** The catalog entry for `name` (case-insensitive), or an error listing the known names. */
export function accelerator(name: string): Accelerator {
  const hw = CATALOG[name.toLowerCase() as HardwareName];
  if (!hw) throw new TesseraError('option', 'accelerator', `--hw expected one of ${HARDWARE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  return hw;
}
