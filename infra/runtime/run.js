#!/usr/bin/env node
// Runs a built project: `node infra/runtime/run.js services/orders [args...]`, or a built
// file: `node infra/runtime/run.js bench/commands.js` (paths relative to dist/out-tsc).
// tsc leaves the `@gpux/*` path aliases in the emitted JavaScript; this maps them onto the
// compiled libraries under dist/out-tsc, then loads the project's compiled src/main.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');

const root = path.resolve(__dirname, '../..');
const outDir = process.env.GPUX_DIST_DIR || path.join(root, 'dist/out-tsc');
const project = process.argv[2];
if (!project) {
  process.stderr.write('usage: node infra/runtime/run.js <project folder, e.g. services/orders> [args...]\n');
  process.exit(2);
}
const main = project.endsWith('.js') ? path.join(outDir, project) : path.join(outDir, project, 'src/main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`${main} does not exist: build it first (npx nx build ${path.basename(project)})\n`);
  process.exit(2);
}
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const paths = {};
for (const [alias, targets] of Object.entries(compilerOptions.paths)) {
  paths[alias] = targets.map((t) => t.replace(/\.ts$/, '.js'));
}
tsconfigPaths.register({ baseUrl: outDir, paths, addMatchAll: false });

// kafkajs 2.2.4 arms its throttle check with `setTimeout(fn, throttledUntil - Date.now())` while it
// is not throttled (throttledUntil = -1: network/requestQueue/index.js, scheduleCheckPendingRequests),
// a negative delay. Node runs such a timer after 1 ms; Node 20 did it silently, Node 22 and later
// also print a TimeoutNegativeWarning to stderr each time. Nothing behaves differently, so that
// one warning is dropped here; every other warning is printed by Node's own listener, as before.
const nodeWarningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  for (const listener of nodeWarningListeners) listener(warning);
});
process.argv.splice(1, 2, main);
require(main);
