// The gpux_ metrics the code registers with prom-client, read from the source of services/ and
// libs/: every one goes through ServiceMetrics (libs/platform/src/lib/metrics.ts) as
// `metrics.counter|gauge|histogram({ name: 'gpux_…', …, labelNames: […] })`.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricRegistration {
  name: string;
  type: MetricType;
  labels: string[];
  file: string;
}

const REGISTRATION = /\.(counter|gauge|histogram)(?:<[^>(]*>)?\(\{\s*name:\s*'(gpux_\w+)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist', 'coverage'].includes(entry.name) ? [] : sourceFiles(full);
    return /\.ts$/.test(entry.name) && !/\.(int-)?spec\.ts$/.test(entry.name) ? [full] : [];
  });
}

/** Every `name: 'gpux_…'` in the source, however it is registered (what the scan must not miss). */
export function metricNameLiterals(root: string, dirs: string[]): string[] {
  const names = dirs
    .flatMap((d) => sourceFiles(path.join(root, d)))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bname:\s*'(gpux_\w+)'/g)].map((m) => m[1] as string),
    );
  return [...new Set(names)].sort();
}

/** Every gpux_ metric registered under `dirs` (relative to `root`), by name. */
export function metricRegistrations(root: string, dirs: string[]): Map<string, MetricRegistration> {
  const found = new Map<string, MetricRegistration>();
  for (const file of dirs.flatMap((d) => sourceFiles(path.join(root, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(REGISTRATION)) {
      const [, type, name] = match as unknown as [string, MetricType, string];
      // The options object up to its end: labelNames come before any collect() body.
      const options = text.slice(match.index, text.indexOf('})', match.index));
      const labelList = options.match(/labelNames:\s*\[([^\]]*)\]/)?.[1] ?? '';
      const labels = [...labelList.matchAll(/'(\w+)'/g)].map((m) => m[1] as string);
      const previous = found.get(name);
      if (previous && previous.type !== type)
        throw new Error(`${name} is registered as ${previous.type} and as ${type}`);
      found.set(name, { name, type, labels, file: path.relative(root, file) });
    }
  }
  return found;
}

/** The series names a metric exposes: a histogram's _bucket, _sum and _count, else its name. */
export function seriesNames(metric: MetricRegistration): string[] {
  return metric.type === 'histogram'
    ? ['_bucket', '_sum', '_count'].map((suffix) => metric.name + suffix)
    : [metric.name];
}
