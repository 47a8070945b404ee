// The registry of reproductions run by `tessera repro`.
import { fashionMnistBaselines } from './baselines.js';
import { wideSparse } from './wideSparse.js';
import { srigl } from './srigl.js';
import { zaya1Tiny } from './zaya1Tiny.js';
import type { Experiment } from './experiment.js';

export const experiments: readonly Experiment[] = [fashionMnistBaselines, wideSparse, srigl, zaya1Tiny];

export type { Experiment, ExperimentContext, ExperimentResult } from './experiment.js';
export { runClassifier, evaluateCheckpoint, loadClassifierCheckpoint, DEFAULT_CONFIG, type ClassifierConfig } from './classifier.js';
