import { TOPICS } from './topics';

function retention(ms: number): string {
  if (ms < 0) return 'forever';
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days} days` : `${ms} ms`;
}

/** TOPICS.md, generated from the registry: the documentation reads from the same source as provisioning. */
export function topicsMarkdown(): string {
  const rows = TOPICS.map(
    (t) =>
      `| \`${t.name}\` | ${t.owner} | ${t.role} | ${t.partitions} | ${t.cleanupPolicy} | ${retention(t.retentionMs)} | ${t.description} |`,
  );
  return [
    '# Kafka topics',
    '',
    'Generated from `libs/contracts/src/lib/topics.ts` (`UPDATE_DOCS=1 npx nx test contracts` rewrites it; a test keeps it in sync).',
    'Services create these at start and refuse to start when an existing topic disagrees. Tests and benchmarks prefix every name with a namespace (`TOPIC_NAMESPACE`).',
    '',
    '| topic | owner | role | partitions | cleanup | retention | what it holds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
