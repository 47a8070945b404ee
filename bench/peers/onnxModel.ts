// A tiny ONNX model writer: just enough protobuf to encode Y = MatMul(X, W) with W as an initializer.
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
  return new Message()
    .int(1, 8) // ir_version
    .string(2, 'tessera-bench') // producer_name
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .encode();
}
