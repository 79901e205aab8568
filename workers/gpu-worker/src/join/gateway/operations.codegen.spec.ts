// The worker's typed gateway client is generated (workers/gpu-worker/codegen.mjs). This spec
// generates it again, in a child process and in memory (no network), and fails when the committed
// operations.generated.ts differs or when an operation does not fit the gateway's schema.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isEnumType } from 'graphql';
import { TRANSIENT_CODES } from '../client';

const ROOT = join(__dirname, '../../../../..');
const SCHEMA = join(ROOT, 'services/gateway/schema.graphql');

it('operations.generated.ts is what codegen makes of operations.graphql and the gateway schema', () => {
  const generated = execFileSync(process.execPath, [join(ROOT, 'workers/gpu-worker/codegen.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(readFileSync(join(__dirname, 'operations.generated.ts'), 'utf8')).toBe(generated);
}, 60_000);

it("retries exactly the codes whose action the schema's ErrorCode says is RETRY", () => {
  const codes = buildSchema(readFileSync(SCHEMA, 'utf8')).getType('ErrorCode');
  if (!isEnumType(codes)) throw new Error('the schema has no ErrorCode enum');
  const retry = codes
    .getValues()
    .filter((v) => v.description?.startsWith('RETRY:'))
    .map((v) => v.name);
  expect([...TRANSIENT_CODES].sort()).toEqual(retry.sort());
});
