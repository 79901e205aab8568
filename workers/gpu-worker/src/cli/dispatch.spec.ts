// The command line as a provider meets it: help on stdout (exit 0) for every command, a version,
// and one line naming what to fix for anything else. Pure: no WebGPU, no network.
import { COMMANDS } from './commands';
import { dispatch } from './dispatch';
import { commandHelp, globalHelp } from './help';

describe('gpu-worker command line', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists every command', (arg) => {
    const what = dispatch([arg]);
    expect(what).toEqual({ kind: 'help', text: globalHelp() });
    for (const name of Object.keys(COMMANDS))
      expect(globalHelp()).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(globalHelp()).toContain('--version');
  });

  it('--version asks for the version', () => {
    expect(dispatch(['--version'])).toEqual({ kind: 'version' });
  });

  it.each(Object.keys(COMMANDS))('%s --help (or -h, help %s, --help %s) is that command’s help', (name) => {
    const help = { kind: 'help', text: commandHelp(COMMANDS[name as keyof typeof COMMANDS]) };
    expect(dispatch([name, '--help'])).toEqual(help);
    expect(dispatch([name, '-h'])).toEqual(help);
    expect(dispatch(['help', name])).toEqual(help);
    expect(dispatch(['--help', name])).toEqual(help);
    // Wherever it stands, and whatever else is wrong: help is how one learns to fix the rest.
    expect(dispatch([name, '--json', '--bogus', '--help'])).toEqual(help);
  });

  it('join --help lists the join options with their defaults and an example', () => {
    const what = dispatch(['join', '--help']);
    if (what.kind !== 'help') throw new Error(`not help: ${JSON.stringify(what)}`);
    expect(what.text).toMatch(/^usage: gpu-worker join \[options\]$/m);
    for (const option of [
      '--gateway URL',
      '--credential-file FILE',
      '--claim-tflops X',
      '--adapter ADAPTER',
      '--once',
      '--json',
      '-h, --help',
    ]) {
      expect(what.text).toContain(`  ${option} `);
    }
    expect(what.text).toContain(
      '(default: $GPUX_GATEWAY_URL, else http://127.0.0.1:$GPUX_GATEWAY_PORT/graphql (the port npm start moves), else http://127.0.0.1:4000/graphql)',
    );
    expect(what.text).toContain('(default: $GPUX_NODE_CREDENTIAL)');
    expect(what.text).toMatch(/^examples:\n {2}gpu-worker join --credential-file /m);
  });

  it.each([
    ['adapters', ['--json']],
    ['selftest', ['--adapter ADAPTER', '--json']],
    ['benchmark', ['--sizes N,N,…', '--model NAME', '--retune', '--adapter ADAPTER', '--json']],
  ])('%s --help lists its options, each with its default, and an example', (name, options) => {
    const text = commandHelp(COMMANDS[name as keyof typeof COMMANDS]);
    for (const option of options)
      expect(text).toMatch(
        new RegExp(`^  ${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +.*\\(default: .+\\)$`, 'm'),
      );
    expect(text).toMatch(new RegExp(`^  gpu-worker ${name}`, 'm'));
  });

  it('runs a command with the arguments after it', () => {
    expect(dispatch(['join', '--once', '--credential-file', 'f'])).toEqual({
      kind: 'run',
      command: 'join',
      args: ['--once', '--credential-file', 'f'],
    });
    expect(dispatch(['adapters'])).toEqual({ kind: 'run', command: 'adapters', args: [] });
    // A command's own option errors are its parser's to tell (it knows the environment too).
    expect(dispatch(['selftest', '--bogus'])).toEqual({
      kind: 'run',
      command: 'selftest',
      args: ['--bogus'],
    });
  });

  it.each([
    [[], /^a command is needed \(commands: adapters, selftest, benchmark, join; see gpu-worker --help\)$/],
    [
      ['certify'],
      /^unknown command "certify" \(commands: adapters, selftest, benchmark, join; see gpu-worker --help\)$/,
    ],
    [['help', 'certify'], /^unknown command "certify"/],
    [['help', 'join', 'now'], /^help takes one command, e.g. gpu-worker help join \(got "now"\)$/],
    [
      ['--bogus'],
      /^unknown option --bogus \(before a command only --help and --version; commands: .*see gpu-worker --help\)$/,
    ],
    [['-x'], /^unknown option -x /],
    [
      ['--json', 'adapters'],
      /^--json is an option of a command: put it after the command, e.g. gpu-worker adapters --json$/,
    ],
    [['--version', 'join'], /^the command comes first: gpu-worker join --version$/],
    [['--version=2'], /^--version takes no value \(got "--version=2"\)$/],
    [['--help', 'certify'], /^unknown command "certify"/],
  ])('%j is refused with one line that says what to fix', (argv, message) => {
    const what = dispatch(argv);
    expect(what).toEqual({ kind: 'error', message: expect.stringMatching(message) });
    if (what.kind === 'error') expect(what.message).not.toMatch(/\n/);
  });
});
