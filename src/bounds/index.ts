// tessera/bounds: mutual-information estimators on Gaussian conditionals and the input-compression bound.
export { mutualInformationBounds, type GaussianConditionals, type MiOptions, type MiEstimate } from './mutualInformation.js';
export { inputCompressionBound, generalizationRecord, icbCalculation, signAccuracy, type IcbOptions, type GeneralizationRecord, type IcbCalculation } from './inputCompression.js';
export { ensembleInformation, type EnsembleInformation } from './ensembleInformation.js';
