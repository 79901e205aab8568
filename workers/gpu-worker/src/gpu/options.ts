/** `gpu-worker adapters` and `gpu-worker selftest` options. Pure, like the other commands'. */
import { COMMANDS } from '../cli/commands';
import { OptionValues, readOptions, stringValue } from '../cli/options';
import type { AdapterSource } from './choose';
import { DawnToggles, parseDawnToggles } from './toggles';

type Env = Readonly<Record<string, string | undefined>>;

export type ParsedAdapters =
  { ok: true; options: { json: boolean; dawnToggles?: DawnToggles } } | { ok: false; error: string };
export type ParsedSelftest =
  | { ok: true; options: { json: boolean; dawnToggles?: DawnToggles } & AdapterOption }
  | { ok: false; error: string };

/**
 * The adapter to open, an index or a part of its name (absent: the high-performance one):
 * `adapter` from --adapter, else GPUX_ADAPTER (empty there: none);
 * `adapterFrom` only when it came from GPUX_ADAPTER, so that a choice that fits no adapter is
 * reported under the name the user gave it.
 */
export interface AdapterOption {
  adapter?: string;
  adapterFrom?: Exclude<AdapterSource, '--adapter'>;
}

/** --adapter, else GPUX_ADAPTER, for every command that opens one adapter. */
export function adapterOption(
  values: OptionValues,
  env: Env,
): { ok: true; option: AdapterOption } | { ok: false; error: string } {
  const given = stringValue(values, 'adapter');
  if (given === '')
    return { ok: false, error: COMMANDS.selftest.options.adapter.missing ?? '--adapter needs a value' };
  if (given !== undefined) return { ok: true, option: { adapter: given } };
  const fromEnv = env['GPUX_ADAPTER'];
  return { ok: true, option: fromEnv ? { adapter: fromEnv, adapterFrom: 'GPUX_ADAPTER' } : {} };
}

/**
 * --dawn-toggles, else GPUX_DAWN_TOGGLES (empty there: none), for every command that opens the
 * GPU. `{ dawnToggles }` only when some are given, so options without them stay as they were.
 */
export function dawnTogglesOption(
  values: OptionValues,
  env: Env,
): { ok: true; option: { dawnToggles?: DawnToggles } } | { ok: false; error: string } {
  const given = stringValue(values, 'dawn-toggles');
  if (given !== undefined && given.trim() === '')
    return { ok: false, error: COMMANDS.adapters.options['dawn-toggles'].missing };
  const parsed =
    given !== undefined
      ? parseDawnToggles(given, '--dawn-toggles')
      : parseDawnToggles(env['GPUX_DAWN_TOGGLES'] ?? '', 'GPUX_DAWN_TOGGLES');
  if (!parsed.ok) return parsed;
  const { enable, disable } = parsed.toggles;
  return { ok: true, option: enable.length + disable.length > 0 ? { dawnToggles: parsed.toggles } : {} };
}

export function parseAdaptersArgs(args: readonly string[], env: Env = {}): ParsedAdapters {
  const read = readOptions(COMMANDS.adapters, args);
  if (!read.ok) return read;
  const toggles = dawnTogglesOption(read.values, env);
  if (!toggles.ok) return toggles;
  return { ok: true, options: { json: read.values['json'] === true, ...toggles.option } };
}

export function parseSelftestArgs(args: readonly string[], env: Env = {}): ParsedSelftest {
  const read = readOptions(COMMANDS.selftest, args);
  if (!read.ok) return read;
  const adapter = adapterOption(read.values, env);
  if (!adapter.ok) return adapter;
  const toggles = dawnTogglesOption(read.values, env);
  if (!toggles.ok) return toggles;
  return {
    ok: true,
    options: { json: read.values['json'] === true, ...adapter.option, ...toggles.option },
  };
}
