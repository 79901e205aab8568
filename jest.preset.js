// Shared jest setup for every Nx project: ts-jest (transpile only; `nx run-many -t typecheck`
// type-checks), the tsconfig path aliases, and both kinds of tests in one config:
//   *.spec.ts       pure unit tests (target `test`)
//   *.int-spec.ts   integration tests against the real Kafka/Redis/WebGPU (target `int-test`)
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

/** @param {string} projectDir @param {string} displayName */
function jestConfig(projectDir, displayName) {
  return {
    displayName,
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.json') }],
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: __dirname + '/' }),
    coverageDirectory: path.join(__dirname, 'coverage', path.relative(__dirname, projectDir)),
  };
}

module.exports = { jestConfig };
