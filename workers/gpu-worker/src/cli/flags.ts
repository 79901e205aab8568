/** One command-line flag as the subcommands' parsers see it. */
export interface Flag {
  /** `--name`, from `--name`, `--name value` or `--name=value`. */
  flag: string;
  /** The argument as given. */
  arg: string;
  /** The value after `=`, when written `--name=value`. */
  inline: string | undefined;
  /** The flag's value: inline, or the next argument unless that is a flag (then consumed). */
  value(): string | undefined;
}

/** Walks `args` flag by flag: every subcommand reads its options the same way. */
export function* flags(args: readonly string[]): Generator<Flag> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const named = arg.startsWith('--') && eq > 0;
    const inline = named ? arg.slice(eq + 1) : undefined;
    const next = args[i + 1];
    yield {
      flag: named ? arg.slice(0, eq) : arg,
      arg,
      inline,
      value: () => inline ?? (next !== undefined && !next.startsWith('--') ? args[++i] : undefined),
    };
  }
}
