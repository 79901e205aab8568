import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';

// Every GraphQL document the README and docs/ show a reader (``` graphql blocks, the curl bodies,
// the operations of the js examples) is one the checked-in schema takes as written: an example
// that no longer validates is found here, not by the first reader who pastes it.

const ROOT = join(__dirname, '../../../..');
const schema = buildSchema(readFileSync(join(ROOT, 'services/gateway/schema.graphql'), 'utf8'));

interface Example {
  where: string;
  document: string;
}

/** The documents in one markdown file, each with its file and line. */
function examplesIn(file: string, text: string): Example[] {
  const examples: Example[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(/```graphql\n([\s\S]*?)```/g))
    examples.push({ where: `${file}:${lineOf(m.index)}`, document: m[1]! });
  // A curl body: -d '{"query": "…", …}' (JSON in shell quotes).
  for (const m of text.matchAll(/-d '(\{"query"[^']*\})'/g)) {
    const body = JSON.parse(m[1]!) as { query: string };
    examples.push({ where: `${file}:${lineOf(m.index)}`, document: body.query });
  }
  // A js client's operation: { query: '…' }.
  for (const m of text.matchAll(/\{ query: '([^']+)' \}/g))
    examples.push({ where: `${file}:${lineOf(m.index)}`, document: m[1]! });
  return examples;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

describe('the GraphQL examples of the README and docs/', () => {
  const examples = markdownFiles().flatMap((file) =>
    examplesIn(file, readFileSync(join(ROOT, file), 'utf8')),
  );

  it('finds the examples of each kind', () => {
    const readme = examples.filter((e) => e.where.startsWith('README.md:'));
    expect(readme.length).toBeGreaterThanOrEqual(7);
    expect(readme.some((e) => e.document.startsWith('subscription'))).toBe(true);
    expect(readme.some((e) => e.document.includes('ticker { bestBid'))).toBe(true);
  });

  it('validate against the checked-in schema as written', () => {
    const invalid = examples.flatMap(({ where, document }) => {
      try {
        return validate(schema, parse(document)).map((e) => `${where}: ${e.message}`);
      } catch (e) {
        return [`${where}: ${(e as Error).message}`];
      }
    });
    expect(invalid).toEqual([]);
  });

  it('would catch an example that names a field the schema does not have', () => {
    const [wrong] = examplesIn('x.md', '```graphql\n{ me { balanse } }\n```\n');
    expect(validate(schema, parse(wrong!.document)).map((e) => e.message)).toEqual([
      'Cannot query field "balanse" on type "Account". Did you mean "balance"?',
    ]);
  });
});
