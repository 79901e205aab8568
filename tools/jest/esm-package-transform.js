// Jest (on Node 20) cannot require() an ES module, and `webgpu` ships as one. Node itself can
// (20.19+), so the product loads the package as it is; under jest this transformer compiles the
// package's own ESM files to CommonJS, unchanged otherwise: it is the real package that runs.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const ts = require('typescript');

const SELF = fs.readFileSync(__filename, 'utf8');

module.exports = {
  // Jest caches transforms; the key must change when this file or the package file changes.
  getCacheKey(source, filename) {
    return crypto
      .createHash('sha256')
      .update(SELF)
      .update(filename)
      .update(source)
      .update(ts.version)
      .digest('hex');
  },
  process(source, filename) {
    const cjsReady = source
      // ESM has no free `require`, `__dirname` or `__filename`: any in the source is the module's
      // own binding (e.g. `const require = createRequire(import.meta.url)`), which would clash
      // with the CommonJS wrapper's parameters of the same names.
      .replace(/\b(require|__dirname|__filename)\b/g, '$1__esm')
      .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href");
    const { outputText } = ts.transpileModule(cjsReady, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
      },
    });
    return { code: outputText };
  },
};
