// Lint rules that carry the architecture (docs/architecture.md §7):
// - Nx module boundaries by project tag: a service may depend only on libraries, never on another
//   service; contracts and pure domain libraries may not import frameworks or I/O clients.
// - Inside a service or the worker, pure domain code (any file under a `domain/` folder) may not
//   import NestJS, kafkajs, ioredis or webgpu either.
import nx from '@nx/eslint-plugin';

const IO_AND_FRAMEWORKS = ['@nestjs/*', 'kafkajs', 'ioredis', 'webgpu'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/coverage', '**/.nx', '.run', 'tmp'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:service',
              onlyDependOnLibsWithTags: ['type:lib', 'type:domain', 'type:contracts', 'type:testing'],
            },
            {
              sourceTag: 'type:worker',
              onlyDependOnLibsWithTags: ['type:lib', 'type:domain', 'type:contracts', 'type:testing'],
            },
            // type:testing for a library's own test-support entry (e.g. @gpux/platform/testing).
            {
              sourceTag: 'type:lib',
              onlyDependOnLibsWithTags: ['type:lib', 'type:domain', 'type:contracts', 'type:testing'],
            },
            // Infrastructure helpers for tests; they stand below the platform, so they import none of it.
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: IO_AND_FRAMEWORKS,
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: IO_AND_FRAMEWORKS,
            },
            // The web console (apps/console) runs in the browser and talks only to the public API; it may
            // use pure libraries (e.g. the GPU models' datasheet peaks), never a framework or I/O client.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'],
              bannedExternalImports: IO_AND_FRAMEWORKS,
            },
            {
              sourceTag: 'type:tooling',
              onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing', 'type:domain'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_AND_FRAMEWORKS,
              message:
                'Domain code is pure (docs/architecture.md §7): no framework or I/O import. Move this to the edge of the service.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
