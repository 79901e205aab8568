import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from './version';

describe('gpu-worker --version', () => {
  it('is the version of the nearest package.json above the code (the repository’s: the worker has none)', () => {
    const root = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(packageVersion(__dirname)).toBe(root.version);
  });

  it('skips a package.json without a version, and is undefined when there is none', () => {
    const files: Record<string, string> = {
      '/a/b/package.json': '{"name":"x"}',
      '/a/package.json': '{"version":"1.2.3"}',
    };
    expect(packageVersion('/a/b/c', (f) => files[f])).toBe('1.2.3');
    expect(packageVersion('/x/y', (f) => files[f])).toBeUndefined();
  });
});
