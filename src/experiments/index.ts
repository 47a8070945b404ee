// The registry of reproductions run by `tessera repro`.
import { fashionMnistBaselines } from './baselines.js';
import { wideSparse } from './wideSparse.js';
import { srigl } from './srigl.js';
import { icb } from './icb.js';
import { bnVulnerability } from './bnVulnerabilityGrid.js';
import { inputFaults } from './inputFaults.js';
import { zaya1Tiny } from './zaya1Tiny.js';
import type { Experiment } from './experiment.js';

export const experiments: readonly Experiment[] = [fashionMnistBaselines, wideSparse, srigl, icb, bnVulnerability, inputFaults, zaya1Tiny];

export type { Experiment, ExperimentContext, ExperimentResult } from './experiment.js';
export { runClassifier, type ClassifierRunOptions, type ClassifierRunResult } from './classifier.js';
export type { GridOptions, TrialSpec, TrialContext, TrialGrid, FinishedTrial, JsonObject } from './experiment.js';
export { gridExperiment, gridOf, runGridInProcess } from './grid.js';
