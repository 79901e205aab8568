/**
 * The autotuner's memory: which variant won on which adapter, in one JSON file
 * (default ~/.cache/gpu-exchange/autotune.json; GPUX_AUTOTUNE_CACHE names another file,
 * GPUX_CACHE_DIR another folder). Reading is forgiving: a missing, corrupt or foreign file, or
 * entries from an older generator, only mean "tune again", never a failure; so is writing
 * (keepCache): a file that cannot be written is said once, and the tuned choice is used anyway.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AdapterDescription } from '../gpu/webgpu';
import {
  GENERATOR_VERSION,
  MatmulParams,
  Precision,
  SubgroupMatrixShape,
  validateParams,
  variantName,
} from './wgsl';

export const CACHE_FORMAT = 'gpux-autotune';

export interface AutotuneEntry {
  variant: string;
  params: MatmulParams;
  /** GFLOP/s measured when it was chosen, and at which square size. */
  gflops: number;
  size: number;
  tunedAt: string;
  /**
   * The device features that widen the candidates (TUNING_FEATURES) it was chosen among; absent
   * in older files (none). A device that offers one more is tuned again (autotune.ts).
   */
  offered?: string[];
}

/**
 * The features whose variants join the tuner where a device has them: f16 kernels, subgroup
 * shuffles, subgroup matrices. Dawn toggles can add some (allow_unsafe_apis: subgroup matrices),
 * so a choice made without them is no choice among what the device now offers.
 */
export const TUNING_FEATURES = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'] as const;

export interface AutotuneCache {
  format: typeof CACHE_FORMAT;
  generatorVersion: number;
  entries: Record<string, AutotuneEntry>;
}

export const emptyCache = (): AutotuneCache => ({
  format: CACHE_FORMAT,
  generatorVersion: GENERATOR_VERSION,
  entries: {},
});

export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['GPUX_AUTOTUNE_CACHE']) return env['GPUX_AUTOTUNE_CACHE'];
  return join(env['GPUX_CACHE_DIR'] || join(homedir(), '.cache', 'gpu-exchange'), 'autotune.json');
}

/** The square size variants are timed at unless a caller tunes for another (a challenge's). */
export const DEFAULT_TUNE_SIZE = 512;

/**
 * Same adapter and driver, same precision, same size: the same choice. The fastest kernel at 512
 * is not the fastest at 4096 on a GPU, so a choice for another size is kept apart (the default
 * size adds nothing to the key).
 */
export function cacheKey(
  adapter: Pick<AdapterDescription, 'vendor' | 'architecture' | 'device' | 'description'>,
  precision: Precision,
  tier?: string,
  size = DEFAULT_TUNE_SIZE,
): string {
  return [adapter.vendor, adapter.architecture, adapter.device, adapter.description, precision]
    .concat(tier ? [tier] : [])
    .concat(size === DEFAULT_TUNE_SIZE ? [] : [`n${size}`])
    .join('|');
}

function isEntry(value: unknown, precision: string | undefined): value is AutotuneEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<AutotuneEntry>;
  if (
    typeof e.params !== 'object' ||
    e.params === null ||
    typeof e.gflops !== 'number' ||
    typeof e.size !== 'number'
  )
    return false;
  const p = e.params;
  const numbers = [p.rows, p.cols, p.wgX, p.wgY, p.unroll, p.tileK];
  if (
    !numbers.every((x) => typeof x === 'number') ||
    typeof p.aVec4 !== 'boolean' ||
    p.precision !== precision
  )
    return false;
  if (p.source !== 'buffer' && p.source !== 'texture') return false;
  if (p.accumulate !== 'f32' && p.accumulate !== 'f16') return false;
  // Device limits are checked again when the entry is used; here only the shape of a variant.
  return (
    validateParams(p, {
      maxComputeInvocationsPerWorkgroup: Infinity,
      maxComputeWorkgroupStorageSize: Infinity,
    }).length === 0
  );
}

const matrixShape = (sm: SubgroupMatrixShape): SubgroupMatrixShape => ({
  m: sm.m,
  n: sm.n,
  k: sm.k,
  tilesM: sm.tilesM,
  tilesN: sm.tilesN,
  ...(sm.direct ? { direct: true } : {}),
  ...(sm.subgroupsM !== undefined
    ? { subgroupsM: sm.subgroupsM, subgroupsN: sm.subgroupsN, stageK: sm.stageK, prefetch: sm.prefetch }
    : {}),
});

/** The cache in `text`; whatever cannot be trusted is dropped. */
export function parseCache(text: string): AutotuneCache {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyCache();
  }
  const file = raw as Partial<AutotuneCache> | null;
  if (
    !file ||
    file.format !== CACHE_FORMAT ||
    file.generatorVersion !== GENERATOR_VERSION ||
    typeof file.entries !== 'object' ||
    !file.entries
  )
    return emptyCache();
  const cache = emptyCache();
  for (const [key, entry] of Object.entries(file.entries)) {
    // The key is adapter identity, precision, then the tier and size when they are not defaults.
    if (isEntry(entry, key.split('|')[4])) {
      const params: MatmulParams = {
        precision: entry.params.precision,
        accumulate: entry.params.accumulate,
        source: entry.params.source,
        rows: entry.params.rows,
        cols: entry.params.cols,
        wgX: entry.params.wgX,
        wgY: entry.params.wgY,
        aVec4: entry.params.aVec4,
        unroll: entry.params.unroll,
        tileK: entry.params.tileK,
        // The optional shapes, validated with the rest by isEntry: without them a cached
        // double-buffered, subgroup or subgroup-matrix choice would come back as another kernel.
        ...(entry.params.doubleBuffer ? { doubleBuffer: true } : {}),
        ...(entry.params.subgroups ? { subgroups: true } : {}),
        ...(entry.params.subgroupMatrix ? { subgroupMatrix: matrixShape(entry.params.subgroupMatrix) } : {}),
      };
      const offered = Array.isArray(entry.offered)
        ? entry.offered.filter((f): f is string => typeof f === 'string')
        : undefined;
      cache.entries[key] = {
        variant: variantName(params),
        params,
        gflops: entry.gflops,
        size: entry.size,
        tunedAt: String(entry.tunedAt ?? ''),
        ...(offered ? { offered } : {}),
      };
    }
  }
  return cache;
}

export const serializeCache = (cache: AutotuneCache) => JSON.stringify(cache, null, 2) + '\n';

export async function readCache(path: string): Promise<AutotuneCache> {
  try {
    return parseCache(await readFile(path, 'utf8'));
  } catch {
    return emptyCache();
  }
}

/** Written to a temporary file then renamed: a crash never leaves half a file. */
export async function writeCache(path: string, cache: AutotuneCache): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, serializeCache(cache));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The cache files this process could not write and has said so: each is said once. */
const unwritable = new Set<string>();

/**
 * Writes the cache; where it cannot be written, says why once per file (`warn`) and carries on:
 * the choice just tuned stays good for this run, it is only not kept for the next. False then.
 */
export async function keepCache(
  path: string,
  cache: AutotuneCache,
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  try {
    await writeCache(path, cache);
    return true;
  } catch (error) {
    if (!unwritable.has(path)) {
      unwritable.add(path);
      warn(await unwritableMessage(path, error, env));
    }
    return false;
  }
}

/** One line: which cache file (and the variable that named it), why it cannot be written, what then. */
export async function unwritableMessage(
  path: string,
  error: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const named =
    env['GPUX_AUTOTUNE_CACHE'] === path
      ? `GPUX_AUTOTUNE_CACHE=${path}`
      : env['GPUX_CACHE_DIR'] && defaultCachePath(env) === path
        ? `${path} (in GPUX_CACHE_DIR)`
        : path;
  return (
    `cannot write the autotune cache ${named} (${await whyUnwritable(path, error)}): ` +
    'the tuned choice is used but not kept, so the next run tunes again; ' +
    'point GPUX_AUTOTUNE_CACHE at a file that can be written'
  );
}

async function whyUnwritable(path: string, error: unknown): Promise<string> {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    // A file where a folder of the path should be: name it.
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      const found = await stat(dir).catch(() => undefined);
      if (found) {
        if (!found.isDirectory()) return `${dir} is a file, not a folder`;
        break;
      }
    }
  }
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'a read-only file system',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a folder',
  };
  if (code && words[code]) return `${words[code]}, ${code}`;
  return error instanceof Error ? error.message : String(error);
}
