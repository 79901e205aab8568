/**
 * The command line as a whole: which command runs, or which help, version or error is printed.
 * Pure, so every answer a user can get is unit-tested. The command comes first; only --help and
 * --version stand before it. Each command reads its own options (cli/options.ts).
 */
import { parseArgs } from 'node:util';
import { COMMANDS, CommandName, isCommand } from './commands';
import { commandHelp, globalHelp } from './help';
import { readOptions } from './options';

export type Dispatch =
  /** Printed on stdout, exit 0. */
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  /** One line on stderr, exit 2. */
  | { kind: 'error'; message: string }
  | { kind: 'run'; command: CommandName; args: string[] };

const commandList = Object.keys(COMMANDS).join(', ');
const unknownCommand = (name: string): Dispatch => ({
  kind: 'error',
  message: `unknown command "${name}" (commands: ${commandList}; see gpu-worker --help)`,
});

export function dispatch(argv: readonly string[]): Dispatch {
  const [first, ...rest] = argv;
  if (first === undefined)
    return {
      kind: 'error',
      message: `a command is needed (commands: ${commandList}; see gpu-worker --help)`,
    };
  if (first === 'help') {
    const [topic, ...more] = rest;
    if (topic === undefined) return { kind: 'help', text: globalHelp() };
    if (!isCommand(topic)) return unknownCommand(topic);
    if (more.length > 0)
      return {
        kind: 'error',
        message: `help takes one command, e.g. gpu-worker help ${topic} (got "${more.join(' ')}")`,
      };
    return { kind: 'help', text: commandHelp(COMMANDS[topic]) };
  }
  if (isCommand(first)) {
    const read = readOptions(COMMANDS[first], rest);
    if (read.ok && read.help) return { kind: 'help', text: commandHelp(COMMANDS[first]) };
    // Option errors are the command's to report (its parser knows the environment too).
    return { kind: 'run', command: first, args: rest };
  }
  if (!first.startsWith('-')) return unknownCommand(first);

  // Global options, before any command.
  const { tokens } = parseArgs({
    args: [...argv],
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let help = false;
  let version = false;
  const later = argv.find(isCommand);
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!isCommand(token.value)) return unknownCommand(token.value);
      // `gpu-worker --help join`: join's help.
      if (help) return { kind: 'help', text: commandHelp(COMMANDS[token.value]) };
      return {
        kind: 'error',
        message: `the command comes first: gpu-worker ${token.value} ${argv.filter((a) => a !== token.value).join(' ')}`,
      };
    }
    if ((token.name === 'help' || token.name === 'version') && token.value !== undefined) {
      return {
        kind: 'error',
        message: `--${token.name} takes no value (got "${token.rawName}=${token.value}")`,
      };
    }
    if (token.name === 'help') help = true;
    else if (token.name === 'version') version = true;
    else if (later) {
      return {
        kind: 'error',
        message: `${token.rawName} is an option of a command: put it after the command, e.g. gpu-worker ${later} ${token.rawName}`,
      };
    } else {
      return {
        kind: 'error',
        message: `unknown option ${token.rawName} (before a command only --help and --version; commands: ${commandList}; see gpu-worker --help)`,
      };
    }
  }
  return help
    ? { kind: 'help', text: globalHelp() }
    : version
      ? { kind: 'version' }
      : { kind: 'error', message: `a command is needed (commands: ${commandList}; see gpu-worker --help)` };
}
