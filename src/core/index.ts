// tessera/core: dtypes, 16-bit float conversions, shapes, errors, special functions, float64 linear algebra, random keys, trees, timing
// medians, the accelerator catalog and the model shape type. Imports nothing.
export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export * from './special.js';
export * as random from './random.js';
export * as linalg from './linalg.js';
export type { Key } from './random.js';
export * from './tree.js';
export * from './checksum.js';
export * from './timing.js';
export * from './halfFloat.js';
export * from './accelerators.js';
export type { ModelShape, MambaShape } from './modelShape.js';
export * from './optionValues.js';
