// The one dependency rule (../shared/DESIGN.md, docs/ARCHITECTURE.md): imports only go down the tiers.
// Siblings in a tier do not import each other except for the edges listed in ALLOWED_SIBLING_EDGES.
// bench/ is a tier of its own, between src/'s tiers 1–6 and cli/ (rules below TIERS).
// Node-only APIs (node:*) stay in io/, backend/wasm, backend/native, parallel/transports, sweep/ (the job engine:
// processes, Redis) and cli/.
const TIERS = [
  ['core'],
  ['backend'],
  ['tensor'],
  ['nn', 'optim', 'data', 'io'],
  ['train', 'sparse', 'infinite', 'bounds', 'robust', 'parallel', 'sizing', 'models'],
  ['experiments', 'report'],
  ['sweep'],
  ['cli'],
];

// [from, to, why] — keep in sync with docs/ARCHITECTURE.md.
const ALLOWED_SIBLING_EDGES = [
  ['experiments', 'report', 'an experiment writes its run report (result.json, report.md, plots)'],
  ['train', 'sparse', 'the classifier trains with dynamic sparse training (train/classifier.ts builds createDynamicSparsity)'],
  ['bounds', 'infinite', 'the MI of an infinite ensemble needs its predictive Gaussians (gradientDescentMseEnsemble)'],
  ['sizing', 'models', 'a ZAYA1 or Zamba2 config.json is read by the model\'s own config parser; sizing maps the result to a ModelShape'],
];

const tierOf = new Map(TIERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const forbidden = [];
for (const [folder, tier] of tierOf) {
  const notAllowed = [...tierOf]
    .filter(([other, t]) => other !== folder && t >= tier)
    .filter(([other]) => !ALLOWED_SIBLING_EDGES.some(([a, b]) => a === folder && b === other))
    .map(([other]) => other);
  if (notAllowed.length === 0) continue;
  forbidden.push({
    name: `tier-${folder}`,
    comment: `src/${folder} (tier ${tier + 1}) may import only lower tiers (and the listed sibling edges)`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${notAllowed.join('|')})/` },
  });
}

// bench/ is the tier between the library and the CLI: it measures tessera as a user of the package does, so it
// imports src/ only through the package's public subpaths (package.json "exports", e.g. "./sizing" →
// src/sizing/index.ts); only the CLI imports bench (`tessera bench`, `size bench`, `ntk bench`, …).
const PUBLIC_ENTRIES = Object.values(require('./package.json').exports)
  .filter((target) => target.startsWith('./dist/src/'))
  .map((target) => target.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

forbidden.push({
  name: 'bench-uses-public-subpaths',
  comment: `bench/ imports src/ only through the package's public entry points (package.json "exports"): ${PUBLIC_ENTRIES.join(', ')}`,
  severity: 'error',
  from: { path: '^bench/' },
  to: { path: '^src/', pathNot: `^(${PUBLIC_ENTRIES.map(escape).join('|')})$` },
});

// app/ (the web app, served by `tessera app`) sits above the library like bench/: it imports tessera only by its
// public subpaths (`tessera/parallel`, `tessera/sizing`, …, resolved through "exports" to dist/), never src/ or a
// private dist/ file, and no node:* module (it runs in a browser).
const PUBLIC_DIST = Object.values(require('./package.json').exports).filter((t) => t.startsWith('./dist/src/')).map((t) => t.slice(2));
forbidden.push({
  name: 'app-uses-public-subpaths',
  comment: `app/ imports tessera only through package.json "exports" ("tessera/<subpath>"): ${PUBLIC_DIST.join(', ')}`,
  severity: 'error',
  from: { path: '^app/' },
  to: { path: '^(src|bench|dist|test|examples)/', pathNot: `^(${PUBLIC_DIST.map(escape).join('|')})$` },
});
forbidden.push({
  name: 'app-runs-in-a-browser',
  comment: 'app/src imports no node:* module',
  severity: 'error',
  from: { path: '^app/src/' },
  to: { dependencyTypes: ['core'] },
});

forbidden.push({
  name: 'only-cli-imports-bench',
  comment: 'bench/ sits above the library: of src/, only cli/ may import it',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/cli/' },
  to: { path: '^bench/' },
});

forbidden.push({
  name: 'node-apis-stay-at-the-edges',
  comment: 'node:* modules only in io/, backend/wasm/, backend/native/, parallel/transports/, sweep/ and cli/ so the numerical core runs in a browser',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/(io|backend/wasm|backend/native|parallel/transports|sweep|cli)/' },
  to: { dependencyTypes: ['core'] },
});

forbidden.push({
  name: 'no-circular',
  comment: 'no import cycles anywhere in src/ or bench/ (type-only imports count too): every module can be read, tested and loaded after what it imports',
  severity: 'error',
  from: {},
  to: { circular: true },
});

forbidden.push({
  name: 'tensor-ops-are-forward-only',
  comment: 'src/tensor/ops/* hold forward primitives (shape rule + kernel) and call tape.apply; the VJP rules live in tensor/gradients.ts, which imports the ops, never the reverse',
  severity: 'error',
  from: { path: '^src/tensor/ops/' },
  to: { path: '^src/tensor/(gradients|autograd|table|gradcheck)\\.ts$' },
});

forbidden.push({
  name: 'no-unresolvable',
  severity: 'error',
  from: {},
  to: { couldNotResolve: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/backend/wasm/assembly/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // vega-lite has only an `exports` map (no `main`): resolve through package exports.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
