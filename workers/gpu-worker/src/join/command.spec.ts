// `gpu-worker join` refuses what it cannot use before it touches the GPU or the network.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJoin } from './command';

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
      err: [`gpu-worker: cannot read the credential file ${missing} (ENOENT)`],
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
});
