// A small ONNX model writer: just enough protobuf to encode dense feed-forward graphs — Y = MatMul(X, W)
// (the benchmarks' onnxruntime peer) and Linear/activation chains (`tessera sparse export-onnx`) — with the
// weights as initializers. No npm package writes ONNX without pulling in protobuf tooling and a schema
// compiler; the dozen fields needed here are written by hand.
// Field numbers are those of onnx.proto3 (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
// TypeProto, TensorShapeProto, OperatorSetIdProto). Wire types used: 0 (varint) and 2 (length-delimited).

/** A protobuf message under construction: a list of encoded fields. */
class Message {
  private readonly parts: Uint8Array[] = [];

  private static varint(value: number): Uint8Array {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`onnx writer: varint expects a safe integer ≥ 0, got ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return Uint8Array.from(out);
  }

  private key(field: number, wire: 0 | 2): void {
    this.parts.push(Message.varint(field * 8 + wire));
  }

  int(field: number, value: number): this {
    this.key(field, 0);
    this.parts.push(Message.varint(value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.parts.push(Message.varint(value.length), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto for a float tensor; a string dimension is symbolic (dim_param), a number fixed (dim_value). */
function floatValueInfo(name: string, dims: readonly (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/** TensorProto with dims and little-endian raw_data. */
function floatInitializer(name: string, dims: readonly number[], data: Float32Array): Message {
  const t = new Message();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT).string(8, name);
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return t.bytes(9, raw);
}

/** ONNX operators of the elementwise activations tessera can export. */
export const ONNX_ACTIVATIONS: Record<string, string | null> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', identity: null };

/** One dense layer of an exported network: y = x·Wᵀ + b, then the activations (ONNX_ACTIVATIONS names). */
export interface OnnxDenseLayer {
  /** [out, in] row-major (PyTorch's Linear layout). */
  weight: Float32Array;
  inFeatures: number;
  outFeatures: number;
  /** [out], or null. */
  bias: Float32Array | null;
  activations: readonly string[];
}

function modelProto(graph: Message, producer: string): Uint8Array {
  return new Message()
    .int(1, 8) // ir_version
    .string(2, producer) // producer_name
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .encode();
}

const node = (inputs: string[], output: string, name: string, op: string): Message => {
  const n = new Message();
  for (const i of inputs) n.string(1, i);
  return n.string(2, output).string(3, name).string(4, op);
};

/**
 * The serialized ONNX model of a dense network: input "input" [batch, in], output "logits" [batch, out],
 * per layer MatMul with the transposed weight, Add of the bias, then its activations. Opset 13, IR 8.
 */
export function denseNetworkModel(layers: readonly OnnxDenseLayer[], producer = 'tessera'): Uint8Array {
  if (layers.length === 0) throw new Error('denseNetworkModel: expected at least one layer');
  const graph = new Message();
  const initializers: Message[] = [];
  let h = 'input';
  layers.forEach((l, i) => {
    if (l.weight.length !== l.inFeatures * l.outFeatures) throw new Error(`denseNetworkModel: layer ${i} weight expected ${l.outFeatures}·${l.inFeatures} elements, got ${l.weight.length}`);
    if (i > 0 && layers[i - 1]!.outFeatures !== l.inFeatures) throw new Error(`denseNetworkModel: layer ${i} expected ${layers[i - 1]!.outFeatures} inputs (layer ${i - 1}'s outputs), got ${l.inFeatures}`);
    const wT = new Float32Array(l.inFeatures * l.outFeatures);
    for (let o = 0; o < l.outFeatures; o++) for (let c = 0; c < l.inFeatures; c++) wT[c * l.outFeatures + o] = l.weight[o * l.inFeatures + c]!;
    initializers.push(floatInitializer(`layers.${i}.weight_t`, [l.inFeatures, l.outFeatures], wT));
    graph.message(1, node([h, `layers.${i}.weight_t`], `layers.${i}.matmul`, `matmul_${i}`, 'MatMul'));
    h = `layers.${i}.matmul`;
    if (l.bias) {
      initializers.push(floatInitializer(`layers.${i}.bias`, [l.outFeatures], l.bias));
      graph.message(1, node([h, `layers.${i}.bias`], `layers.${i}.add`, `add_${i}`, 'Add'));
      h = `layers.${i}.add`;
    }
    l.activations.forEach((a, j) => {
      if (!(a in ONNX_ACTIVATIONS)) throw new Error(`denseNetworkModel: layer ${i} activation expected one of ${Object.keys(ONNX_ACTIVATIONS).join(', ')}, got ${a}`);
      const op = ONNX_ACTIVATIONS[a];
      if (!op) return;
      graph.message(1, node([h], `layers.${i}.act${j}`, `${a}_${i}_${j}`, op));
      h = `layers.${i}.act${j}`;
    });
  });
  // The last value is renamed to "logits" by an Identity, so the output name does not depend on the layers.
  graph.message(1, node([h], 'logits', 'output', 'Identity'));
  graph.string(2, 'tessera-dense');
  for (const t of initializers) graph.message(5, t);
  graph.message(11, floatValueInfo('input', ['batch', layers[0]!.inFeatures]));
  graph.message(12, floatValueInfo('logits', ['batch', layers.at(-1)!.outFeatures]));
  return modelProto(graph, producer);
}

/**
 * The serialized ONNX model of Y[batch, out] = MatMul(X[batch, in], W[in, out]), batch symbolic,
 * W (given row-major [in, out]) stored as an initializer so onnxruntime can prepack it. Opset 13, IR 8.
 */
export function matmulModel(inFeatures: number, outFeatures: number, weightInOut: Float32Array): Uint8Array {
  if (weightInOut.length !== inFeatures * outFeatures) {
    throw new Error(`matmulModel: weight expected ${inFeatures}·${outFeatures} elements, got ${weightInOut.length}`);
  }
  const node = new Message().string(1, 'X').string(1, 'W').string(2, 'Y').string(3, 'matmul').string(4, 'MatMul');
  const graph = new Message()
    .message(1, node)
    .string(2, 'dense')
    .message(5, floatInitializer('W', [inFeatures, outFeatures], weightInOut))
    .message(11, floatValueInfo('X', ['batch', inFeatures]))
    .message(12, floatValueInfo('Y', ['batch', outFeatures]));
  return modelProto(graph, 'tessera-bench');
}
