/** `gpu-worker adapters` and `gpu-worker selftest` options. Pure, like the other commands'. */
import { COMMANDS } from '../cli/commands';
import { readOptions, stringValue } from '../cli/options';

export type ParsedAdapters = { ok: true; options: { json: boolean } } | { ok: false; error: string };
export type ParsedSelftest =
  { ok: true; options: { json: boolean; adapter?: string } } | { ok: false; error: string };

export function parseAdaptersArgs(args: readonly string[]): ParsedAdapters {
  const read = readOptions(COMMANDS.adapters, args);
  if (!read.ok) return read;
  return { ok: true, options: { json: read.values['json'] === true } };
}

export function parseSelftestArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedSelftest {
  const read = readOptions(COMMANDS.selftest, args);
  if (!read.ok) return read;
  const adapter = stringValue(read.values, 'adapter') ?? (env['GPUX_ADAPTER'] || undefined);
  if (adapter === '')
    return { ok: false, error: COMMANDS.selftest.options.adapter.missing ?? '--adapter needs a value' };
  return {
    ok: true,
    options: { json: read.values['json'] === true, ...(adapter === undefined ? {} : { adapter }) },
  };
}
