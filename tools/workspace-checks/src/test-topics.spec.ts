// Which topics a test run deletes once its integration tests are over (infra/scripts/test-topics.js):
// those named by uniqueName in this run, or in a namespace so named; nothing else.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

interface TestTopicsScript {
  readNames(file: string): string[];
  testTopics(names: string[], topics: string[]): string[];
}
// The script's own module, as test.sh runs it (infra/scripts is no project to import from).
const script = createRequire(__filename)(
  path.resolve(__dirname, '../../..', 'infra/scripts/test-topics.js'),
) as TestTopicsScript;

describe("the test run's topics", () => {
  it('are the names recorded and the topics of their namespaces, sorted', () => {
    const names = ['es-mxau6nsu-14175b', 'runner-mxau71a2-32bde7'];
    expect(
      script.testTopics(names, [
        'runner-mxau71a2-32bde7',
        'es-mxau6nsu-14175b.settlement.commands',
        'es-mxau6nsu-14175b.orders.events',
        'orders.events',
        'settlement.commands',
        '__consumer_offsets',
      ]),
    ).toEqual([
      'es-mxau6nsu-14175b.orders.events',
      'es-mxau6nsu-14175b.settlement.commands',
      'runner-mxau71a2-32bde7',
    ]);
  });

  it('leave alone what only starts like a name: another run’s longer name, or no dot after it', () => {
    const names = ['es-mxau6nsu-14175b'];
    expect(
      script.testTopics(names, [
        'es-mxau6nsu-14175bb.orders.events',
        'es-mxau6nsu-14175b-orders.events',
        'xes-mxau6nsu-14175b.orders.events',
        'es-mxau6nsu.orders.events',
      ]),
    ).toEqual([]);
  });

  it('are none where no name was recorded', () => {
    expect(script.testTopics([], ['orders.events', 'e2e-mxauhklj-8eba6b.orders.events'])).toEqual([]);
  });

  describe('the names file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'test-topics-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is read one name per line, blank lines and repeats left out', () => {
      const file = path.join(dir, 'names.txt');
      writeFileSync(file, 'a-1-x\n\n  b-2-y \na-1-x\n');
      expect(script.readNames(file)).toEqual(['a-1-x', 'b-2-y']);
    });

    it('that is missing holds no name (a run whose tests never started)', () => {
      expect(script.readNames(path.join(dir, 'none.txt'))).toEqual([]);
    });
  });
});
