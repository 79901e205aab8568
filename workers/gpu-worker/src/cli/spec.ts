/** How a command and its options are described once, for parsing, error messages and --help. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in help and error messages (string options): `URL`, `FILE`. */
  value?: string;
  /** What help says when the option is not given. */
  default?: string;
  description: string;
  /** The one line for a string option given without its value. */
  missing?: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the global help. */
  summary: string;
  /** A few lines for the command's own help. */
  details: string;
  options: Record<string, OptionSpec>;
  /** Options refused on purpose, each with the line that says what to do instead. */
  refused?: Record<string, string>;
  examples: string[];
}
