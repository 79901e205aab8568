// The operator's Node scripts (infra/scripts/demo.js, dead-letters.js, smoke.js) as a newcomer
// mistypes them: an argument they do not take, or a variable they cannot use, is refused in one
// line that says what to fix, exit 2, before anything is asked of the gateway or Kafka; --help
// says what the script does and what it reads (stdout, exit 0). No stack needed: a local HTTP
// server stands in for the gateway and counts what the demo sent it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
// The run folder the scripts get unless a test names one: empty, so that the ports.env of an
// `npm start` running in this checkout's .run does not move what the tests ask.
let emptyRunDir: string;
beforeAll(() => (emptyRunDir = mkdtempSync(path.join(tmpdir(), 'scripts-run-'))));
afterAll(() => rmSync(emptyRunDir, { recursive: true, force: true }));

/** A run folder whose ports.env holds `lines`, for `body`; removed after it. */
async function withPortsEnv(lines: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'scripts-ports-'));
  try {
    writeFileSync(path.join(dir, 'ports.env'), lines);
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script of infra/scripts (node, or bash for a .sh) with only PATH and HOME of this environment, an empty run folder
 * (GPUX_RUN_DIR), plus `env`.
 */
function script(name: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(name.endsWith('.sh') ? 'bash' : 'node', [path.join('infra/scripts', name), ...args], {
      cwd: root,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], GPUX_RUN_DIR: emptyRunDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A refusal: exit 2, nothing on stdout, one line on stderr matching `line`. */
function expectRefused(run: Run, line: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('infra/scripts/demo.js', () => {
  let gateway: Server;
  let requests = 0;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    // Any request is counted and answered as the gateway would answer a wrong key: a demo that
    // reached it would fail, not hang.
    gateway = createServer((req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] }));
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const { port } = gateway.address() as AddressInfo;
    env = { GATEWAY_URL: `http://127.0.0.1:${port}/graphql`, ADMIN_API_KEY: 'k'.repeat(24) };
    dir = mkdtempSync(path.join(tmpdir(), 'demo-args-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => gateway.close(resolve));
  });
  beforeEach(() => (requests = 0));
  afterEach(() => expect(requests).toBe(0));

  it.each([[['--help']], [['-h']], [['--bogus', '--help']]])(
    '%j says what it does and what it reads, and sets up nothing',
    async (args) => {
      const run = await script('demo.js', args, env);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^usage: node infra\/scripts\/demo\.js\n/);
      for (const variable of [
        'ADMIN_API_KEY',
        'GATEWAY_URL',
        'DEMO_NODE_CREDENTIAL_FILE',
        'GPUX_GATEWAY_PORT',
      ])
        expect(run.stdout).toContain(variable);
      // Where the API keys a run prints are kept, so that the next one prints them again.
      expect(run.stdout).toContain("run folder's demo-api-keys.json");
    },
  );

  it.each([[['--bogus']], [['--detach']], [['h100']]])('refuses %j: it takes no arguments', async (args) => {
    expectRefused(
      await script('demo.js', args, env),
      new RegExp(
        `^\\[demo\\] unknown argument "${args[0]}": demo\\.js takes no arguments \\(only --help\\); it reads ADMIN_API_KEY`,
      ),
    );
  });

  it('without ADMIN_API_KEY says where npm start keeps its key', async () => {
    const run = await script('demo.js', [], { GATEWAY_URL: env['GATEWAY_URL'] ?? '', GPUX_RUN_DIR: dir });
    const file = path.join(dir, 'admin-api-key');
    expectRefused(
      run,
      /^\[demo\] ADMIN_API_KEY is not set: set it to the admin key the gateway was started with/,
    );
    expect(run.stderr).toContain(`npm start makes one in ${file}: ADMIN_API_KEY=$(cat ${file})`);
  });

  it.each(['notaurl', 'ftp://127.0.0.1/graphql', '127.0.0.1:4000/graphql', 'http://'])(
    'refuses GATEWAY_URL=%s: an http(s) URL like the default',
    async (url) => {
      expectRefused(
        await script('demo.js', [], { ...env, GATEWAY_URL: url }),
        /^\[demo\] GATEWAY_URL must be an http\(s\) URL of the gateway's GraphQL endpoint, like the default http:\/\/127\.0\.0\.1:4000\/graphql \(it is ".*"\)$/,
      );
    },
  );

  it('refuses a GPUX_GATEWAY_PORT or GRAPHQL_PATH that makes no URL, when GATEWAY_URL is unset', async () => {
    const { ADMIN_API_KEY = '' } = env;
    expectRefused(
      await script('demo.js', [], { ADMIN_API_KEY, GPUX_GATEWAY_PORT: 'http' }),
      /^\[demo\] GPUX_GATEWAY_PORT must be a TCP port, 1 to 65535 \(it is 'http'\)$/,
    );
    expectRefused(
      await script('demo.js', [], { ADMIN_API_KEY, GRAPHQL_PATH: 'graphql' }),
      /^\[demo\] GRAPHQL_PATH must be a path that starts with \/, like \/graphql \(it is 'graphql'\)$/,
    );
  });

  it("without GPUX_GATEWAY_PORT goes to the gateway port the run folder's start kept (ports.env), and --help says so", async () => {
    // That start's gateway, a stand-in: the demo's first question comes here, not to port 4000.
    let asked = 0;
    const kept = createServer((req, res) => {
      asked++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] }));
    });
    await new Promise<void>((resolve) => kept.listen(0, '127.0.0.1', resolve));
    const { port } = kept.address() as AddressInfo;
    const { ADMIN_API_KEY = '' } = env;
    try {
      await withPortsEnv(`GPUX_KAFKA_PORT=19092\nGPUX_GATEWAY_PORT=${port}\n`, async (dir) => {
        const help = await script('demo.js', ['--help'], { GPUX_RUN_DIR: dir });
        expect(help.stdout).toContain(
          `GATEWAY_URL\n(unset: http://127.0.0.1:${port}/graphql, from GPUX_GATEWAY_PORT`,
        );
        const run = await script('demo.js', [], { ADMIN_API_KEY, GPUX_RUN_DIR: dir });
        expect({ code: run.code, stderr: run.stderr, asked }).toEqual({
          code: 1,
          stderr: '[demo] UNAUTHENTICATED: no\n',
          asked: 1,
        });
      });
      // A port given in the environment wins, in --help too; a kept one that is no port is
      // refused naming the file.
      await withPortsEnv('GPUX_GATEWAY_PORT=40x0\n', async (dir) => {
        const help = await script('demo.js', ['--help'], { GPUX_RUN_DIR: dir, GPUX_GATEWAY_PORT: '4900' });
        expect(help.stdout).toContain('(unset: http://127.0.0.1:4900/graphql, from GPUX_GATEWAY_PORT');
        expectRefused(
          await script('demo.js', [], { ADMIN_API_KEY, GPUX_RUN_DIR: dir }),
          new RegExp(
            `^\\[demo\\] GPUX_GATEWAY_PORT in ${dir}/ports\\.env must be a TCP port, 1 to 65535 \\(it is '40x0'\\)$`,
          ),
        );
      });
    } finally {
      await new Promise((resolve) => kept.close(resolve));
    }
  });

  it('refuses a DEMO_NODE_CREDENTIAL_FILE it could not write, before creating anything', async () => {
    const missing = path.join(dir, 'no-such-folder', 'credential');
    expectRefused(
      await script('demo.js', [], { ...env, DEMO_NODE_CREDENTIAL_FILE: missing }),
      new RegExp(
        `^\\[demo\\] DEMO_NODE_CREDENTIAL_FILE \\(where the demo writes demo-local-node's credential for its worker\\) is ".*", but its folder ${path.dirname(missing)} does not exist: create it`,
      ),
    );
    expectRefused(
      await script('demo.js', [], { ...env, DEMO_NODE_CREDENTIAL_FILE: dir }),
      /^\[demo\] DEMO_NODE_CREDENTIAL_FILE .*, which is a folder: name a file in it/,
    );
  });

  it('says why it cannot reach the gateway, in one line (exit 1)', async () => {
    // A port nothing listens on: the demo retries for ~10 s, then names the URL and the cause.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const run = await script('demo.js', [], { ...env, GATEWAY_URL: `http://127.0.0.1:${port}/graphql` });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `[demo] cannot reach http://127.0.0.1:${port}/graphql (ECONNREFUSED): is the gateway running? (npm start starts it)`,
    ]);
  }, 30_000);
});

describe('infra/scripts/dead-letters.js', () => {
  it('--help says what it reads', async () => {
    const run = await script('dead-letters.js', ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: node infra\/scripts\/dead-letters\.js /);
    expect(run.stdout).toContain('KAFKA_BROKERS (host:port[,host:port…])');
  });

  it('refuses an argument that names no service', async () => {
    expectRefused(
      await script('dead-letters.js', ['orders', '--bogus']),
      /^\[dead-letters\] unknown argument "--bogus": give service names \(orders, settlement, capacity\) or none for all$/,
    );
  });

  it.each([
    'garbage',
    '127.0.0.1',
    '127.0.0.1:19092,kafka',
    'host:0',
    'host:65536',
    ',',
    'http://127.0.0.1:9092',
  ])('refuses KAFKA_BROKERS=%s before connecting: host:port[,host:port…]', async (value) => {
    expectRefused(
      await script('dead-letters.js', [], { KAFKA_BROKERS: value }),
      /^\[dead-letters\] KAFKA_BROKERS must be host:port\[,host:port…\], each port 1 to 65535, e.g\. 127\.0\.0\.1:19092 \(it is ".*"\); unset, it is npm start's Kafka at 127\.0\.0\.1:GPUX_KAFKA_PORT$/,
    );
  });

  it('refuses a GPUX_KAFKA_PORT that is not a port, when KAFKA_BROKERS is unset', async () => {
    expectRefused(
      await script('dead-letters.js', [], { GPUX_KAFKA_PORT: '19092x' }),
      /^\[dead-letters\] GPUX_KAFKA_PORT must be a TCP port, 1 to 65535 \(it is '19092x'\)$/,
    );
  });

  it("without GPUX_KAFKA_PORT reads the Kafka of the run folder's start (ports.env), not 19092", async () => {
    // That start's Kafka, a stand-in that hangs up on every connection: the script fails (exit 1)
    // naming the broker it tried, and its connections came here.
    let connections = 0;
    const kept = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => kept.listen(0, '127.0.0.1', resolve));
    const { port } = kept.address() as AddressInfo;
    try {
      await withPortsEnv(`GPUX_KAFKA_PORT=${port}\nGPUX_REDIS_PORT=16379\n`, async (dir) => {
        const run = await script('dead-letters.js', [], { GPUX_RUN_DIR: dir });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(
          new RegExp(`^\\[dead-letters\\] cannot read Kafka at 127\\.0\\.0\\.1:${port}: `),
        );
        expect(connections).toBeGreaterThan(0);
        // A port given in the environment wins; one kept that is no port is refused naming the file.
        writeFileSync(path.join(dir, 'ports.env'), 'GPUX_KAFKA_PORT=0\n');
        expectRefused(
          await script('dead-letters.js', [], { GPUX_RUN_DIR: dir }),
          new RegExp(
            `^\\[dead-letters\\] GPUX_KAFKA_PORT in ${dir}/ports\\.env must be a TCP port, 1 to 65535 \\(it is '0'\\)$`,
          ),
        );
        const given = await script('dead-letters.js', [], {
          GPUX_RUN_DIR: dir,
          GPUX_KAFKA_PORT: String(port),
        });
        expect(given.stderr).toContain(`cannot read Kafka at 127.0.0.1:${port}: `);
      });
    } finally {
      await new Promise((resolve) => kept.close(resolve));
    }
  }, 30_000);
});

describe('infra/scripts/smoke.js', () => {
  it("checks the ports the run folder's npm start kept (ports.env) when none are given", async () => {
    // A stand-in for that start's gateway, down: what the check asks of it comes here.
    const paths: string[] = [];
    const kept = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = 503;
      res.end();
    });
    await new Promise<void>((resolve) => kept.listen(0, '127.0.0.1', resolve));
    const { port } = kept.address() as AddressInfo;
    const dir = mkdtempSync(path.join(tmpdir(), 'smoke-ports-'));
    try {
      writeFileSync(path.join(dir, 'ports.env'), `GPUX_GATEWAY_PORT=${port}\nGPUX_ORDERS_PORT=4101\n`);
      const run = await script('smoke.js', [], { GPUX_RUN_DIR: dir, ADMIN_API_KEY: 'k'.repeat(24) });
      expect(run.code).toBe(1);
      expect(paths[0]).toBe('/health');
      expect(run.stdout).toContain(
        `[smoke] FAILED health: gateway /health on :${port} answered 503, not 200`,
      );

      // A port given in the environment still wins, and a kept one that is no port is refused.
      writeFileSync(path.join(dir, 'ports.env'), 'GPUX_GATEWAY_PORT=40x0\n');
      expectRefused(
        await script('smoke.js', [], { GPUX_RUN_DIR: dir }),
        new RegExp(
          `^\\[smoke\\] GPUX_GATEWAY_PORT in ${dir}/ports\\.env must be a TCP port, 1 to 65535 \\(it is '40x0'\\)$`,
        ),
      );
      const given = await script('smoke.js', [], { GPUX_RUN_DIR: dir, GPUX_GATEWAY_PORT: String(port) });
      expect(given.stdout).toContain(`gateway /health on :${port} answered 503`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await new Promise((resolve) => kept.close(resolve));
    }
  }, 20_000);

  it('--help says what it checks; anything else is refused', async () => {
    const help = await script('smoke.js', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: node infra\/scripts\/smoke\.js\n/);
    expectRefused(
      await script('smoke.js', ['--bogus']),
      /^\[smoke\] unknown argument "--bogus": smoke\.js takes no arguments \(only --help\)/,
    );
  });
});

describe('infra/scripts/stack.sh purge', () => {
  it("deletes the demo node's credential with the event log: it names a node of that log", async () => {
    // A run folder with nothing running (no pid files): purge stops nothing, and deletes.
    const dir = mkdtempSync(path.join(tmpdir(), 'stack-purge-'));
    try {
      for (const sub of ['kafka', 'redis']) {
        mkdirSync(path.join(dir, sub));
        writeFileSync(path.join(dir, sub, 'data'), 'x');
      }
      writeFileSync(path.join(dir, 'ports.env'), 'GPUX_KAFKA_PORT=39092\n');
      writeFileSync(path.join(dir, 'demo-node-credential'), 'gpuxn_old');
      writeFileSync(path.join(dir, 'admin-api-key'), 'k'.repeat(24));
      const run = await script('stack.sh', ['purge'], { GPUX_RUN_DIR: dir });
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toContain("local Kafka and Redis data deleted (the demo node's credential too)");
      expect(existsSync(path.join(dir, 'demo-node-credential'))).toBe(false);
      // The gateway's admin key is no part of the log: kept, with the lock file purge took.
      expect(readdirSync(dir).sort()).toEqual(['admin-api-key', 'lock']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
