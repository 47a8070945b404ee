// onnxruntime-node as a peer: a dense layer Y = MatMul(X, W) with W an initializer (prepacked by MLAS), or a
// whole exported network, built in memory by our own ONNX writer (onnxModel.ts). onnxruntime-node is a
// devDependency: when it is missing or fails to load, loadOrt says why and the benches (bench/sparse.ts,
// `tessera sparse bench`) report null for it instead of failing.
import { matmulModel } from './onnxModel.js';

const SESSION_OPTIONS = { interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;

/** The part of onnxruntime-node's API used here (declared locally so tessera compiles without it). */
interface OrtTensor {
  readonly data: unknown;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession>;
  };
  env: { versions?: Record<string, string> };
}

export type { OrtModule };
export type OrtLoad = { ort: OrtModule; version: string } | { ort: null; reason: string };

let cached: Promise<OrtLoad> | null = null;

/** Load onnxruntime-node once; never throws. */
export function loadOrt(): Promise<OrtLoad> {
  cached ??= (async (): Promise<OrtLoad> => {
    const specifier = 'onnxruntime-node'; // a variable, so TypeScript does not need the package to compile
    try {
      const mod = (await import(specifier)) as OrtModule & { default?: OrtModule };
      const ort = typeof mod.InferenceSession?.create === 'function' ? mod : mod.default;
      if (!ort || typeof ort.InferenceSession?.create !== 'function') return { ort: null, reason: `${specifier} loaded but has no InferenceSession.create` };
      return { ort, version: ort.env?.versions?.node ?? 'unknown' };
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      return { ort: null, reason: `${specifier} is not available (${msg}); install the devDependencies to measure it` };
    }
  })();
  return cached;
}

/** A dense [in → out] layer on onnxruntime at a fixed intra-op thread count. */
export interface OrtDense {
  /** y = x · W for x [batch, in] (a fresh output each call, as onnxruntime returns it). */
  run(x: Float32Array, batch: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * A session for Y = X·W with W [in, out] given as `weight` [out, in] (PyTorch's Linear layout, transposed
 * once here). `threads` is intraOpNumThreads; inter-op is 1 and execution sequential.
 */
export async function createOrtDense(ort: OrtModule, inFeatures: number, outFeatures: number, weight: Float32Array, threads: number): Promise<OrtDense> {
  const wT = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) wT[i * outFeatures + o] = weight[o * inFeatures + i]!;
  const session = await ort.InferenceSession.create(matmulModel(inFeatures, outFeatures, wT), { intraOpNumThreads: threads, ...SESSION_OPTIONS });
  return {
    async run(x: Float32Array, batch: number): Promise<Float32Array> {
      const out = await session.run({ X: new ort.Tensor('float32', x.subarray(0, batch * inFeatures), [batch, inFeatures]) });
      return out.Y!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** A session of a serialized ONNX model with one float input and one float output (e.g. denseNetworkModel's). */
export async function createOrtModel(ort: OrtModule, model: Uint8Array, inFeatures: number, threads: number): Promise<OrtDense> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, ...SESSION_OPTIONS });
  const [input] = session.inputNames;
  return {
    async run(x: Float32Array, batch: number): Promise<Float32Array> {
      const out = await session.run({ [input!]: new ort.Tensor('float32', x.subarray(0, batch * inFeatures), [batch, inFeatures]) });
      return Object.values(out)[0]!.data as Float32Array;
    },
    release: () => session.release(),
  };
}
