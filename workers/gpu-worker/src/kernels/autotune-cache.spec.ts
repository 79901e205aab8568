import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutotuneCache,
  cacheKey,
  CACHE_FORMAT,
  defaultCachePath,
  emptyCache,
  keepCache,
  parseCache,
  readCache,
  serializeCache,
  writeCache,
} from './autotune-cache';
import { matrixVariant } from './subgroup-matrix';
import { GENERATOR_VERSION, MatmulParams, variantName } from './wgsl';

const adapter = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe',
  description: 'llvmpipe: Mesa 25',
};
const params: MatmulParams = {
  precision: 'f32',
  accumulate: 'f32',
  source: 'texture',
  rows: 16,
  cols: 8,
  wgX: 8,
  wgY: 8,
  aVec4: true,
  unroll: 1,
  tileK: 0,
};

function cacheWith(entryParams: unknown, key = cacheKey(adapter, 'f32')): string {
  return JSON.stringify({
    format: CACHE_FORMAT,
    generatorVersion: GENERATOR_VERSION,
    entries: {
      [key]: {
        variant: 'x',
        params: entryParams,
        gflops: 25.5,
        size: 512,
        tunedAt: '2026-01-01T00:00:00.000Z',
      },
    },
  });
}

describe('autotune cache file', () => {
  it('keys by adapter identity and precision', () => {
    expect(cacheKey(adapter, 'f16')).toBe('mesa|software|llvmpipe|llvmpipe: Mesa 25|f16');
    // A choice tuned at a challenge's size is kept apart from the default size's.
    expect(cacheKey(adapter, 'f32', undefined, 512)).toBe(cacheKey(adapter, 'f32'));
    expect(cacheKey(adapter, 'f32', 'acc32', 4096)).toBe(
      'mesa|software|llvmpipe|llvmpipe: Mesa 25|f32|acc32|n4096',
    );
    expect(cacheKey(adapter, 'f32')).not.toBe(
      cacheKey({ ...adapter, description: 'llvmpipe: Mesa 26' }, 'f32'),
    );
  });

  it('round-trips, naming the variant from its parameters', () => {
    const cache: AutotuneCache = emptyCache();
    cache.entries[cacheKey(adapter, 'f32')] = {
      variant: 'f32-r16x8-wg8x8-a4-tex',
      params,
      gflops: 25.5,
      size: 512,
      tunedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(parseCache(serializeCache(cache))).toEqual(cache);
    expect(parseCache(cacheWith(params)).entries[cacheKey(adapter, 'f32')]?.variant).toBe(
      'f32-r16x8-wg8x8-a4-tex',
    );
  });

  it('round-trips the double-buffered, subgroup and subgroup-matrix shapes, under tier and size keys', () => {
    const cache: AutotuneCache = emptyCache();
    const f16 = { ...params, precision: 'f16' as const, accumulate: 'f32' as const };
    const shapes: [string, MatmulParams][] = [
      [
        cacheKey(adapter, 'f32', undefined, 4096),
        { ...params, source: 'buffer', rows: 8, cols: 8, wgX: 16, wgY: 16, tileK: 8, doubleBuffer: true },
      ],
      [
        cacheKey(adapter, 'f16'),
        { ...f16, source: 'buffer', rows: 8, cols: 8, wgX: 64, wgY: 1, subgroups: true },
      ],
      [
        cacheKey(adapter, 'f16', 'acc32', 4096),
        matrixVariant({ m: 16, n: 16, k: 16, tilesM: 4, tilesN: 2 }, 32),
      ],
      [
        cacheKey(adapter, 'f16', 'acc32', 8192),
        matrixVariant({ m: 16, n: 8, k: 16, tilesM: 4, tilesN: 4, direct: true }, 32),
      ],
      [
        cacheKey(adapter, 'f16', 'acc32', 2048),
        matrixVariant(
          {
            m: 16,
            n: 16,
            k: 16,
            tilesM: 4,
            tilesN: 2,
            subgroupsM: 2,
            subgroupsN: 4,
            stageK: 1,
            prefetch: true,
          },
          32,
        ),
      ],
    ];
    for (const [key, p] of shapes)
      cache.entries[key] = {
        variant: variantName(p),
        params: p,
        gflops: 1,
        size: 4096,
        tunedAt: 'then',
        offered: ['shader-f16', 'subgroups'],
      };
    const read = parseCache(serializeCache(cache));
    expect(read).toEqual(cache);
    expect(Object.values(read.entries).map((e) => e.variant)).toEqual([
      'f32-r8x8-wg16x16-a4-smem8-db',
      'f16-r8x8-wg64x1-a4-sg-acc32',
      'f16-sm16x16x16-t4x2-wg32-acc32',
      'f16-sm16x8x16-t4x4-direct-wg32-acc32',
      'f16-sm16x16x16-t4x2-s2x4-k16-pf-wg32-acc32',
    ]);
  });

  it.each([
    ['not JSON', '{"format":'],
    ['another format', JSON.stringify({ format: 'other', generatorVersion: GENERATOR_VERSION, entries: {} })],
    [
      'an older generator',
      JSON.stringify({ format: CACHE_FORMAT, generatorVersion: GENERATOR_VERSION - 1, entries: {} }),
    ],
    ['no entries', JSON.stringify({ format: CACHE_FORMAT, generatorVersion: GENERATOR_VERSION })],
    ['null', 'null'],
  ])('reads %s as an empty cache', (_, text) => {
    expect(parseCache(text)).toEqual(emptyCache());
  });

  it.each([
    ['invalid parameters', { ...params, rows: 0 }],
    ['a precision other than its key', { ...params, precision: 'f16' }],
    ['a missing field', { ...params, tileK: undefined }],
    ['an unknown source', { ...params, source: 'image' }],
    ['no parameters', null],
  ])('drops an entry with %s', (_, entryParams) => {
    expect(parseCache(cacheWith(entryParams)).entries).toEqual({});
  });

  it('writes atomically into a new folder and reads back; a missing file is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpux-autotune-'));
    try {
      const path = join(dir, 'nested', 'autotune.json');
      expect(await readCache(path)).toEqual(emptyCache());
      const cache = parseCache(cacheWith(params));
      await writeCache(path, cache);
      expect(await readCache(path)).toEqual(cache);
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ format: CACHE_FORMAT });
      await writeFile(path, 'garbage');
      expect(await readCache(path)).toEqual(emptyCache());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file it cannot write is said once, naming GPUX_AUTOTUNE_CACHE, the path and why; nothing is thrown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpux-autotune-'));
    try {
      const file = join(dir, 'a-file');
      await writeFile(file, 'not a folder');
      const cache = parseCache(cacheWith(params));
      const warnings: string[] = [];
      const warn = (m: string) => void warnings.push(m);
      // Below a regular file: mkdir fails EEXIST (its parent) or ENOTDIR (deeper).
      const below = join(file, 'autotune.json');
      const deeper = join(file, 'sub', 'autotune.json');
      expect(await keepCache(below, cache, warn, { GPUX_AUTOTUNE_CACHE: below })).toBe(false);
      expect(await keepCache(below, cache, warn, { GPUX_AUTOTUNE_CACHE: below })).toBe(false);
      expect(await keepCache(deeper, cache, warn, { GPUX_CACHE_DIR: join(file, 'sub') })).toBe(false);
      expect(warnings).toEqual([
        `cannot write the autotune cache GPUX_AUTOTUNE_CACHE=${below} (${file} is a file, not a folder): ` +
          'the tuned choice is used but not kept, so the next run tunes again; point GPUX_AUTOTUNE_CACHE at a file that can be written',
        `cannot write the autotune cache ${deeper} (in GPUX_CACHE_DIR) (${file} is a file, not a folder): ` +
          'the tuned choice is used but not kept, so the next run tunes again; point GPUX_AUTOTUNE_CACHE at a file that can be written',
      ]);
      // A folder where the file should be: the temporary file is not left behind.
      const folder = join(dir, 'folder.json');
      await mkdir(folder);
      expect(await keepCache(folder, cache, warn, {})).toBe(false);
      expect(warnings[2]).toMatch(
        new RegExp(`^cannot write the autotune cache ${folder} \\(.+\\): the tuned choice is used`),
      );
      expect(await readdir(dir)).toEqual(['a-file', 'folder.json']);
      const fine = join(dir, 'ok', 'autotune.json');
      expect(await keepCache(fine, cache, warn, {})).toBe(true);
      expect(await readCache(fine)).toEqual(cache);
      expect(warnings).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lives in ~/.cache/gpu-exchange unless the environment says otherwise', () => {
    expect(defaultCachePath({ HOME: '/home/x' })).toMatch(/\.cache\/gpu-exchange\/autotune\.json$/);
    expect(defaultCachePath({ GPUX_CACHE_DIR: '/var/cache/gpux' })).toBe('/var/cache/gpux/autotune.json');
    expect(defaultCachePath({ GPUX_AUTOTUNE_CACHE: '/tmp/a.json', GPUX_CACHE_DIR: '/x' })).toBe(
      '/tmp/a.json',
    );
  });
});
