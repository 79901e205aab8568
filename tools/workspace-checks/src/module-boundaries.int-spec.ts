// The architecture rules of docs/architecture.md §7 are lint rules; this proves they bite. Each case lints a
// source text as if it were a file at the given path (nothing is written to the tree), through the
// workspace's own ESLint config and Nx project graph.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

interface LintMessage {
  ruleId: string | null;
  message: string;
}

function lint(filePath: string, source: string): LintMessage[] {
  const result = spawnSync(bin('eslint'), ['--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`eslint failed (${result.status}): ${result.stderr}`);
  const [report] = JSON.parse(result.stdout) as { messages: LintMessage[] }[];
  const messages = report?.messages ?? [];
  // Without a project graph the Nx rule skips itself with a warning: that would be a vacuous pass.
  const skipped = messages.find((m) => m.message.includes('No cached ProjectGraph'));
  if (skipped) throw new Error(`the module-boundary rule did not run: ${skipped.message}`);
  return messages;
}

const rules = (messages: LintMessage[]) => messages.map((m) => m.ruleId);

describe('module boundaries (nx lint)', () => {
  beforeAll(() => {
    // The Nx rule reads the cached project graph; compute it the way `nx lint` would.
    const graph = spawnSync(bin('nx'), ['show', 'projects'], { cwd: root, encoding: 'utf8' });
    if (graph.status !== 0) throw new Error(`nx could not compute the project graph: ${graph.stderr}`);
  });

  it('accepts pure domain code', () => {
    expect(
      lint(
        'services/orders/src/domain/ok.ts',
        'export const add = (a: number, b: number): number => a + b;\n',
      ),
    ).toEqual([]);
  });

  it.each(['@nestjs/common', 'kafkajs', 'ioredis', 'webgpu'])(
    'forbids domain code in a service to import %s',
    (pkg) => {
      const messages = lint(
        'services/orders/src/domain/bad.ts',
        `import * as x from '${pkg}';\nexport const y = x;\n`,
      );
      expect(rules(messages)).toContain('no-restricted-imports');
    },
  );

  it.each(['@nestjs/common', 'kafkajs', 'ioredis', 'webgpu'])(
    'forbids the contracts library to import %s',
    (pkg) => {
      const messages = lint(
        'libs/contracts/src/lib/bad.ts',
        `import * as x from '${pkg}';\nexport const y = x;\n`,
      );
      expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
    },
  );

  it.each(['@gpux/eventsourcing', '@gpux/platform'])(
    "forbids domain code to import %s's root (its Kafka, Redis and NestJS half)",
    (pkg) => {
      const messages = lint(
        'services/orders/src/domain/bad.ts',
        `import * as x from '${pkg}';\nexport const y = x;\n`,
      );
      expect(rules(messages)).toContain('no-restricted-imports');
    },
  );

  it("lets domain code use the event-sourcing library's pure entry point", () => {
    const messages = lint(
      'services/orders/src/domain/ok.ts',
      "import { reject } from '@gpux/eventsourcing/domain';\nexport const y = reject;\n",
    );
    expect(messages).toEqual([]);
  });

  it("forbids a slice to import another slice's library (scope tags)", () => {
    const messages = lint(
      'services/orders/src/bad.ts',
      "import { findModel } from '@gpux/certification/models';\nexport const y = findModel;\n",
    );
    expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
  });

  it("lets a slice use its own scope's library", () => {
    const messages = lint(
      'services/capacity/src/ok.ts',
      "import { findModel } from '@gpux/certification/models';\nexport const y = findModel;\n",
    );
    expect(messages).toEqual([]);
  });

  it('forbids a service to import another service', () => {
    const messages = lint(
      'services/orders/src/bad.ts',
      "import { pricingService } from '../../pricing/src/service';\nexport const y = pricingService;\n",
    );
    expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
  });

  it('forbids a library to import a service', () => {
    const messages = lint(
      'libs/platform/src/lib/bad.ts',
      "import { ordersService } from '../../../../services/orders/src/service';\nexport const y = ordersService;\n",
    );
    expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
  });

  it.each(['@nestjs/common', 'kafkajs', 'ioredis', 'webgpu'])(
    'forbids the web console to import %s',
    (pkg) => {
      const messages = lint('apps/console/src/bad.ts', `import * as x from '${pkg}';\nexport const y = x;\n`);
      expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
    },
  );

  it('forbids the web console to import the platform library', () => {
    const messages = lint(
      'apps/console/src/bad.ts',
      "import { KafkaClients } from '@gpux/platform';\nexport const y = KafkaClients;\n",
    );
    expect(rules(messages)).toContain('@nx/enforce-module-boundaries');
  });

  it("lets the web console use a pure library's entry point", () => {
    const messages = lint(
      'apps/console/src/ok.ts',
      "import { findModel } from '@gpux/certification/models';\nexport const y = findModel;\n",
    );
    expect(messages).toEqual([]);
  });

  it('lets a service use the platform and contracts libraries', () => {
    const messages = lint(
      'services/orders/src/ok.ts',
      "import { TOPICS } from '@gpux/contracts';\nimport { KafkaClients } from '@gpux/platform';\nexport const y = [TOPICS, KafkaClients];\n",
    );
    expect(messages).toEqual([]);
  });
});
