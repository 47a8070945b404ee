// tessera/sizing: the accelerator catalog (re-exported; its one home is core/accelerators.ts), the GEMM
// tile/wave-quantisation model, the co-design sizing rules, model shapes (presets and HF config.json),
// `size check` and `size suggest`.
export { CATALOG, HARDWARE_NAMES, accelerator, type Accelerator, type HardwareName, type Sourced } from '../core/accelerators.js';
export { gemmEfficiency, combined, alignFactor, powerOfTwoFactor, MISALIGNED_FACTOR, type Gemm, type GemmDevice, type GemmEfficiency } from './gemm.js';
export type { ModelShape, MambaShape } from '../core/modelShape.js';
export { layerGemms, withValue, PRESETS, preset, type LayerGemm, type Tunable, type Workload } from './shapes.js';
export { shapeFromHfConfig, modelShapeFromConfig, modelShapeFromConfigText } from './hfConfig.js';
export { checkRules, type RuleResult, type RuleOptions } from './rules.js';
export { sizeCheck, predictGemms, suggestDimension, type SizeReport, type GemmRow, type Suggestion } from './check.js';
export { suggestConfigs, denseParams, type ConfigProposal } from './suggest.js';
