// Errors that name the operation, the argument, what was expected and what was received.

export type ErrorKind = 'shape' | 'dtype' | 'range' | 'value' | 'format' | 'option';

export class TesseraError extends Error {
  readonly kind: ErrorKind;
  readonly op: string;
  constructor(kind: ErrorKind, op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = `Tessera${kind[0]!.toUpperCase()}${kind.slice(1)}Error`;
    this.kind = kind;
    this.op = op;
  }
}

const fmt = (x: unknown): string => (Array.isArray(x) ? `[${x.join(', ')}]` : String(x));

/** `op: <arg> expected <expected>, got <got>` as a shape error. */
export function shapeError(op: string, arg: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('shape', op, `${arg} expected ${expected}, got ${fmt(got)}`);
}

export function dtypeError(op: string, arg: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('dtype', op, `${arg} expected dtype ${expected}, got ${fmt(got)}`);
}

export function rangeError(op: string, arg: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('range', op, `${arg} expected ${expected}, got ${fmt(got)}`);
}

export function valueError(op: string, arg: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('value', op, `${arg} expected ${expected}, got ${fmt(got)}`);
}

export { fmt as formatValue };
