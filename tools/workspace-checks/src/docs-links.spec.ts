// The design lives in docs/ (issue 14): no source or document may point at a design document
// outside the repository (the old ../shared/DESIGN.md), and every docs/*.md a comment or a page
// names, or a docs page links to, must exist. Reads the files git tracks (and new ones it would).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const CHECKED = /\.(ts|js|mjs|cjs|md|sh|yml|yaml)$/;
/** The one page allowed to name the old file: its History section says what replaced it. */
const HISTORY = 'docs/architecture.md';

function files(): string[] {
  const result = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) throw new Error(`git ls-files failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((f) => CHECKED.test(f) && !f.startsWith('node_modules/'))
    .filter((f) => existsSync(path.join(root, f)));
}

describe('documentation references', () => {
  const all = files();
  const text = (f: string) => readFileSync(path.join(root, f), 'utf8');
  /** Builds the pattern at run time, so this spec does not name what it forbids. */
  const outside = [new RegExp(['DESIGN', 'md'].join('\\.')), new RegExp(['\\.\\.', 'shared', ''].join('/'))];

  it('finds the files to check', () => {
    expect(all).toContain('README.md');
    expect(all).toContain(HISTORY);
  });

  it('point at no document outside the repository', () => {
    const found: string[] = [];
    for (const f of all) {
      if (f === 'tools/workspace-checks/src/docs-links.spec.ts') continue;
      text(f)
        .split('\n')
        .forEach((line, i) => {
          if (!outside.some((p) => p.test(line))) return;
          if (f === HISTORY && !outside[1]?.test(line)) return;
          found.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('name only docs/*.md files that exist', () => {
    const missing: string[] = [];
    for (const f of all) {
      for (const m of text(f).matchAll(/\bdocs\/([\w.-]+\.md)\b/g)) {
        if (!existsSync(path.join(root, 'docs', m[1] ?? ''))) missing.push(`${f}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('link, from docs pages, only to files that exist', () => {
    const missing: string[] = [];
    for (const f of all.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))) {
      for (const m of text(f).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(path.resolve(root, path.dirname(f), target))) missing.push(`${f}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
