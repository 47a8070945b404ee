// tessera/report: run directories (result.json, report.md, SVG plots), markdown tables, headless plots.
export * from './markdown.js';
export * from './plot.js';
export * from './run.js';
export * from './readRun.js';
