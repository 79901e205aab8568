// Lint rules that carry the architecture (docs/architecture.md §7):
// - Nx module boundaries by project tag: a service may depend only on libraries, never on another
//   service; contracts and pure domain libraries may not import frameworks or I/O clients.
// - Nx module boundaries by scope tag: a slice (orders, settlement, capacity, pricing, gateway,
//   console) depends on shared libraries and its own scope's, never on another slice's.
// - Inside a service or the worker, pure domain code (any file under a `domain/` folder) may not
//   import NestJS, kafkajs, ioredis or webgpu either, nor the framework halves of our own libraries
//   (`@gpux/eventsourcing`, `@gpux/platform`): its pure half is `@gpux/eventsourcing/domain`.
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
            // Scopes: what is shared is shared by all; a scope's own libraries (libs/certification is
            // capacity's: the protocol its service and the worker speak) only within it. The console
            // shows GPU models' datasheet peaks, from libs/certification's models.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared', 'scope:gateway'] },
            { sourceTag: 'scope:orders', onlyDependOnLibsWithTags: ['scope:shared', 'scope:orders'] },
            {
              sourceTag: 'scope:settlement',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:settlement'],
            },
            { sourceTag: 'scope:pricing', onlyDependOnLibsWithTags: ['scope:shared', 'scope:pricing'] },
            { sourceTag: 'scope:capacity', onlyDependOnLibsWithTags: ['scope:shared', 'scope:capacity'] },
            {
              sourceTag: 'scope:console',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:console', 'scope:capacity'],
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
          paths: [
            {
              name: '@gpux/eventsourcing',
              message:
                "Domain code is pure: import deciders, projections and scenarios from '@gpux/eventsourcing/domain', not the library's Kafka/Redis/NestJS root.",
            },
            {
              name: '@gpux/platform',
              message:
                'Domain code is pure: the platform (NestJS, Kafka, Redis clients) belongs at the edge of the service.',
            },
          ],
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
