// `gpu-worker join` refuses what it cannot use before it touches the GPU or the network.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJoin, stopOnSignal } from './command';
import type { JoinEvent } from './report';

describe('gpu-worker join, before it starts', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'gpux-join-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function run(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runJoin(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('exits 2 with one line for bad options', async () => {
    expect(await run(['--claim-tflops', 'lots'], { GPUX_NODE_CREDENTIAL: 'gpxn_x' })).toEqual({
      code: 2,
      out: [],
      err: [
        'gpu-worker: --claim-tflops expects a positive number of TFLOP/s, e.g. --claim-tflops 0.02 (got "lots")',
      ],
    });
    expect(await run([])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/^gpu-worker: join needs the node credential/)],
    });
  });

  it('exits 2 with one line for a credential file it cannot use', async () => {
    const missing = join(dir, 'missing');
    expect(await run(['--credential-file', missing])).toEqual({
      code: 2,
      out: [],
      err: [
        `gpu-worker: cannot read the credential file ${missing} (ENOENT: no such file; write the credential registerNode showed into it)`,
      ],
    });
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    expect(await run(['--credential-file', empty])).toEqual({
      code: 2,
      out: [],
      err: [
        `gpu-worker: the credential file ${empty} is empty: write the credential registerNode returned into it`,
      ],
    });
  });

  it('exits 2 with one line, at once, for a credential file that is a device, a pipe, a directory or far too large, without reading it', async () => {
    // /dev/zero was read until the string could grow no more (680 MB, then a RangeError), and a
    // pipe nobody writes to hung before anything was said.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo])
      expect(await run(['--credential-file', file])).toEqual({
        code: 2,
        out: [],
        err: [
          `gpu-worker: the credential file ${file} is not a regular file (a device, a pipe or a socket): write the credential registerNode returned into a file and name that`,
        ],
      });
    expect((await run(['--credential-file', dir])).err).toEqual([
      `gpu-worker: the credential file ${dir} is a directory, not a file`,
    ]);
    const large = join(dir, 'large');
    await writeFile(large, 'x'.repeat(100_000));
    expect((await run(['--credential-file', large])).err).toEqual([
      `gpu-worker: the credential file ${large} is 100000 bytes, far more than a node credential (one line of 37 characters): name the file the credential was written to`,
    ]);
  });

  it("exits 2 with one line, quoting no secret, for a gateway URL with a password or a credential that cannot be a node's", async () => {
    const withPassword = await run(['--gateway', 'http://worker:s3cret@gw.example/graphql'], {
      GPUX_NODE_CREDENTIAL: 'gpxn_0123456789abcdef',
    });
    expect(withPassword).toEqual({
      code: 2,
      out: [],
      err: [expect.stringMatching(/^gpu-worker: --gateway must not hold a user name or password/)],
    });
    const apiKey = await run([], { GPUX_NODE_CREDENTIAL: 'gpx_s3cret0123456789' });
    expect(apiKey).toEqual({
      code: 2,
      out: [],
      err: [expect.stringMatching(/^gpu-worker: GPUX_NODE_CREDENTIAL holds no node credential .*API key/)],
    });
    const file = join(dir, 'api-key');
    await writeFile(file, 'gpx_s3cret0123456789\n');
    const apiKeyFile = await run(['--credential-file', file]);
    expect(apiKeyFile).toEqual({
      code: 2,
      out: [],
      err: [
        expect.stringMatching(
          new RegExp(`^gpu-worker: the credential file ${file} holds no node credential`),
        ),
      ],
    });
    const unicode = join(dir, 'unicode');
    await writeFile(unicode, 'gpxn_s3cret\u2013key\n');
    expect(await run(['--credential-file', unicode])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/holds a character no node credential has/)],
    });
    for (const r of [withPassword, apiKey, apiKeyFile]) expect(r.err.join('\n')).not.toMatch(/s3cret/);
  });
});

describe('the stop signals', () => {
  it('the first stops the agent; a second exits at once, 128 + its number, with one line', () => {
    for (const [first, second, code] of [
      ['SIGTERM', 'SIGTERM', 143],
      ['SIGINT', 'SIGINT', 130],
      ['SIGTERM', 'SIGINT', 130],
    ] as const) {
      const controller = new AbortController();
      const events: JoinEvent[] = [];
      const exits: number[] = [];
      const stop = stopOnSignal(
        controller,
        (e) => events.push(e),
        (c) => exits.push(c),
      );
      stop(first);
      expect(controller.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
      expect(events).toEqual([{ event: 'stopped', signal: first }]);
      stop(second);
      expect(exits).toEqual([code]);
      expect(events).toEqual([
        { event: 'stopped', signal: first },
        { event: 'stopped', signal: second, exitCode: code },
      ]);
    }
  });

  it('once the agent has ended, a signal during the teardown exits with its code, not 128 + the signal', () => {
    const controller = new AbortController();
    const events: JoinEvent[] = [];
    const exits: number[] = [];
    const agent: { finished?: number } = {};
    const stop = stopOnSignal(
      controller,
      (e) => events.push(e),
      (c) => exits.push(c),
      () => agent.finished,
    );
    stop('SIGTERM');
    // The agent left its session and ended with 0; the GPU is being closed.
    agent.finished = 0;
    stop('SIGTERM');
    expect(exits).toEqual([0]);
    expect(events).toEqual([{ event: 'stopped', signal: 'SIGTERM' }]);
  });
});
