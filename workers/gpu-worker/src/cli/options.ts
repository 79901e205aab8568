/**
 * Reads one command's options with `node:util` parseArgs, then checks what it found against the
 * command's table, so that every mistake gets one line naming the option and what to type
 * instead. parseArgs runs non-strict because its own strict errors are generic ("argument
 * missing"); the checks below turn its tokens into the command's messages. Pure: no I/O.
 */
import { parseArgs } from 'node:util';
import { CommandSpec } from './spec';

/** The value of each option given (the last one wins); booleans are `true` when present. */
export type OptionValues = Record<string, string | true>;

export type ReadOptions = { ok: true; help: boolean; values: OptionValues } | { ok: false; error: string };

/** `--gateway URL, --credential-file FILE, …, --json`: the options as an error message lists them. */
export function optionList(spec: CommandSpec): string {
  return Object.entries(spec.options)
    .map(([name, o]) => (o.type === 'string' ? `--${name} ${o.value}` : `--${name}`))
    .join(', ');
}

/** A value that is really the next option: `--gateway --once` forgot the URL. */
const optionLike = (value: string) => value.startsWith('--');

export function readOptions(spec: CommandSpec, args: readonly string[]): ReadOptions {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(spec.options)) config[name] = { type: o.type };
  const { tokens } = parseArgs({
    args: [...args],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  // --help wins over every other mistake: it is what someone types to learn how to fix them.
  const help = tokens.some(
    (t) =>
      t.kind === 'option' &&
      (t.name === 'help' || (t.inlineValue === false && (t.value === '--help' || t.value === '-h'))),
  );
  if (help) return { ok: true, help: true, values: {} };

  const seeHelp = `options: ${optionList(spec)}; see gpu-worker ${spec.name} --help`;
  const values: OptionValues = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional')
      return { ok: false, error: `unexpected argument "${token.value}" for ${spec.name} (${seeHelp})` };
    // Own properties only: `--constructor` or `--__proto__` are not options because every object has them.
    const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined;
    if (!option) {
      const refused =
        spec.refused && Object.hasOwn(spec.refused, token.name) ? spec.refused[token.name] : undefined;
      if (refused) return { ok: false, error: refused };
      return { ok: false, error: `unknown option ${token.rawName} for ${spec.name} (${seeHelp})` };
    }
    const flag = `--${token.name}`;
    if (option.type === 'boolean') {
      if (token.value !== undefined)
        return { ok: false, error: `${flag} takes no value (got "${token.rawName}=${token.value}")` };
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (token.inlineValue === false && optionLike(value))) {
      return { ok: false, error: option.missing ?? `${flag} needs a value (${seeHelp})` };
    }
    values[token.name] = value;
  }
  return { ok: true, help: false, values };
}

/** A string option's value, when given. */
export function stringValue(values: OptionValues, name: string): string | undefined {
  const value = Object.hasOwn(values, name) ? values[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}
