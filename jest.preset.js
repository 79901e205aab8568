// Shared jest setup for every Nx project: ts-jest (transpile only; `nx run-many -t typecheck`
// type-checks), the tsconfig path aliases, and both kinds of tests in one config:
//   *.spec.ts       pure unit tests (target `test`)
//   *.int-spec.ts   integration tests against the real Kafka/Redis/WebGPU (target `int-test`)
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

// Packages published only as ES modules; see tools/jest/esm-package-transform.js.
const ESM_ONLY_PACKAGES = ['webgpu'];

/** @param {string} projectDir @param {string} displayName */
function jestConfig(projectDir, displayName) {
  return {
    displayName,
    rootDir: projectDir,
    testEnvironment: 'node',
    // Integration tests talk to a real broker (group joins, transactions): seconds, not millis.
    testTimeout: 60_000,
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.json') }],
      [`/node_modules/(${ESM_ONLY_PACKAGES.join('|')})/.+\\.js$`]: path.join(
        __dirname,
        'tools/jest/esm-package-transform.js',
      ),
    },
    transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
    reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.js')],
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: __dirname + '/' }),
    coverageDirectory: path.join(__dirname, 'coverage', path.relative(__dirname, projectDir)),
  };
}

module.exports = { jestConfig };
