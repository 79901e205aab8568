#!/usr/bin/env node
// The `gpu-worker` command (package.json "bin"): `npx gpu-worker --help` from the repository after
// `npx nx build gpu-worker`. It runs the built worker the way every script does, through
// infra/runtime/run.js, which maps the @gpux/* aliases onto the compiled libraries.
'use strict';
process.argv.splice(2, 0, 'workers/gpu-worker');
require('../../../infra/runtime/run.js');
