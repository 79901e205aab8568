/**
 * `gpu-worker benchmark` options. Pure, so every message a user can get is unit-tested; each
 * error is one line that says what to type instead.
 */
import { findModel, MODELS } from '@gpux/certification';
import { COMMANDS, DEFAULT_SIZES } from '../cli/commands';
import { readOptions, stringValue } from '../cli/options';
import { AdapterOption, adapterOption, dawnTogglesOption } from '../gpu/options';
import type { DawnToggles } from '../gpu/toggles';

export { DEFAULT_SIZES };

export interface BenchmarkOptions extends AdapterOption {
  sizes: number[];
  model?: string;
  /** Dawn toggles for the process's instance (--dawn-toggles, GPUX_DAWN_TOGGLES); absent: none. */
  dawnToggles?: DawnToggles;
  /** The square size the kernels are tuned at (--tune-size); absent: the autotuner's 512. */
  tuneSize?: number;
  retune: boolean;
  json: boolean;
}

/** Larger squares do not fit a 128 MiB storage binding in f32 (WebGPU's guaranteed minimum). */
export const MAX_SIZE = 4096;

export type Parsed = { ok: true; options: BenchmarkOptions } | { ok: false; error: string };

function parseSizes(text: string): number[] | string {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1 || n > MAX_SIZE))
    return `--sizes expects a comma-separated list of whole numbers from 1 to ${MAX_SIZE}, e.g. --sizes 256,512,1024 (got "${text}")`;
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseBenchmarkArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Parsed {
  const spec = COMMANDS.benchmark;
  const read = readOptions(spec, args);
  if (!read.ok) return read;
  const { values } = read;
  const options: BenchmarkOptions = {
    sizes: DEFAULT_SIZES,
    retune: values['retune'] === true,
    json: values['json'] === true,
  };
  const sizes = stringValue(values, 'sizes');
  if (sizes !== undefined) {
    const parsed = parseSizes(sizes);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    options.sizes = parsed;
  }
  const tuneSize = stringValue(values, 'tune-size');
  if (tuneSize !== undefined) {
    const parsed = parseSizes(tuneSize);
    if (typeof parsed === 'string' || parsed.length !== 1)
      return {
        ok: false,
        error: `--tune-size expects one whole number from 1 to ${MAX_SIZE}, e.g. --tune-size 4096 (got "${tuneSize}")`,
      };
    options.tuneSize = parsed[0];
  }
  const model = stringValue(values, 'model');
  if (model === '') return { ok: false, error: spec.options.model.missing ?? '--model needs a value' };
  // Refused before anything runs: a benchmark of minutes would end without the efficiency asked for.
  if (model !== undefined && !findModel(model))
    return {
      ok: false,
      error: `--model ${model} is not a known model (${MODELS.map((m) => m.name).join(', ')}; leave --model out for no efficiency)`,
    };
  if (model !== undefined) options.model = model;
  const adapter = adapterOption(values, env);
  if (!adapter.ok) return adapter;
  const toggles = dawnTogglesOption(values, env);
  if (!toggles.ok) return toggles;
  return { ok: true, options: { ...options, ...adapter.option, ...toggles.option } };
}
