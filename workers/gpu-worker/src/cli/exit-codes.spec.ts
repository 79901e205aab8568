// Every exit code the worker exits with is listed wherever its codes are: the top-level help (from
// the one table) and join's help, which says more of each.
import { COMMANDS } from './commands';
import { EXIT, EXIT_MEANINGS, exitCodesLine } from './exit-codes';
import { globalHelp } from './help';

describe('gpu-worker exit codes', () => {
  const codes = Object.values(EXIT);

  it('are 0 to 5, each with its meaning', () => {
    expect(codes).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(EXIT_MEANINGS).map(Number)).toEqual(codes);
  });

  it('are all listed by gpu-worker --help, 4 (another worker joined as the node) and 5 (--once beside a live worker) included', () => {
    expect(globalHelp()).toContain(`\n${exitCodesLine()}\n`);
    expect(exitCodesLine()).toBe(
      'exit codes: 0 done, 1 failed, 2 bad options, 3 credential refused (join), 4 another worker joined as the node, so this one stopped (join), 5 another worker runs as the node, so --once left it alone (join)',
    );
  });

  it('are all listed by join --help, which exits with each of them', () => {
    const listed = COMMANDS.join.details
      .slice(COMMANDS.join.details.indexOf('Exit codes:'))
      .replace(/\s+/g, ' ');
    for (const code of codes) expect(listed).toMatch(new RegExp(`[:,] ${code} [a-z]`));
  });
});
