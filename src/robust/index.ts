// tessera/robust: attacks on logits with an explicit input box, input faults, I(T;Y) / SNR metrics, and
// robustness evaluations with built-in sanity checks (research note robustness.md).
export * from './inputSpace.js';
export * from './geometry.js';
export { attackObjective, type AttackLoss } from './losses.js';
export { objectiveAndGradient, eotObjectiveAndGradient, predictLogits, argmaxRows, attackSuccess, type ObjectiveAndGradient } from './gradient.js';
export { fgsm, pgd, mergeBest, accuracyOn, type Attack, type AttackOptions, type AttackResult, type PgdOptions } from './attacks.js';
export { apgd, apgdCheckpoints, type ApgdOptions } from './apgd.js';
export { APGD_L1 } from './apgdL1.js';
export { projectL1BallInBox } from './l1Projection.js';
export { apgdTargeted, type ApgdTargetedOptions } from './apgdTargeted.js';
export { square, squareFraction, type SquareOptions, type SquareResult } from './square.js';
export { deepFool, type DeepFoolOptions, type DeepFoolResult } from './deepfool.js';
export { carliniWagnerL2, type CarliniWagnerOptions, type CarliniWagnerResult } from './carliniWagner.js';
export { unboundedBim, paperStepSchedule, type UnboundedBimOptions } from './unboundedBim.js';
export { onManifoldPgd, projectToSpheres, type OnManifoldPgdOptions } from './onManifoldPgd.js';
export { worstCase, type WorstCaseResult } from './ensemble.js';
export { makeAttack, ATTACK_NAMES, AUTOATTACK_EOT_ITER, type AttackName, type AttackSettings, type NamedAttack } from './catalog.js';
export * from './metrics.js';
export * from './sanity.js';
export { evaluateRobustness, noiseOfNorm, type RobustEvalOptions, type RobustEvalResult, type EpsPoint } from './evaluate.js';
export { gaussianNoise, uniformNoise, noiseSweep } from './noise.js';
export * from './imageOps.js';
export { canny } from './canny.js';
export * from './mnistc.js';
export { faultToleranceCnn, adversarialSpheresMlp } from './paperModels.js';
