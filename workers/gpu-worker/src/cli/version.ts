/**
 * The version `gpu-worker --version` prints: the nearest package.json above the running code
 * (the worker's own if it has one, else the repository's), found the same way from the sources,
 * the compiled dist/out-tsc tree and the container image (which keeps the root package.json).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageVersion(
  from: string,
  read: (file: string) => string | undefined = readIfThere,
): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const text = read(join(dir, 'package.json'));
    if (text !== undefined) {
      const version = (JSON.parse(text) as { version?: unknown }).version;
      if (typeof version === 'string') return version;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
