import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicsMarkdown } from './topics.doc';

const DOC = join(__dirname, '../../TOPICS.md');

it('TOPICS.md is the registry, as generated', () => {
  if (process.env['UPDATE_DOCS'] === '1') writeFileSync(DOC, topicsMarkdown());
  expect(readFileSync(DOC, 'utf8')).toBe(topicsMarkdown());
});
