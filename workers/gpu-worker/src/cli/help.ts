/** The help texts, made from the command table so they cannot drift from the parsers. Pure. */
import { COMMANDS } from './commands';
import { exitCodesLine } from './exit-codes';
import { CommandSpec } from './spec';

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(1, width - text.length));

export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => ({
    left: o.type === 'string' ? `--${name} ${o.value}` : `--${name}`,
    right: o.default === undefined ? o.description : `${o.description} (default: ${o.default})`,
  }));
  rows.push({ left: '-h, --help', right: 'this help' });
  const width = Math.max(...rows.map((r) => r.left.length)) + 3;
  return [
    `usage: gpu-worker ${spec.name} [options]`,
    '',
    `${spec.summary[0]?.toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    spec.details,
    '',
    'options:',
    ...rows.map((r) => `  ${pad(r.left, width)}${r.right}`),
    '',
    spec.examples.length === 1 ? 'example:' : 'examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

export function globalHelp(): string {
  const specs = Object.values(COMMANDS);
  const width = Math.max(...specs.map((s) => s.name.length)) + 3;
  return [
    'usage: gpu-worker <command> [options]',
    '       gpu-worker <command> --help | --help | --version',
    '',
    "The GPU Exchange provider's agent: WebGPU (Dawn) kernels, benchmark, certification and heartbeats.",
    '',
    'commands:',
    ...specs.map((s) => `  ${pad(s.name, width)}${s.summary}`),
    '',
    'options:',
    "  -h, --help    this help (`gpu-worker <command> --help`: that command's options)",
    '  --version     the version',
    '',
    'example:',
    '  gpu-worker join --help',
    '',
    exitCodesLine(),
    '',
  ].join('\n');
}
