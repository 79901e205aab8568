/**
 * `npm run bench:trading-ab -- <base>`: this checkout's order path against another build's, on the
 * same broker, in alternating runs of `bench:trading` (A B, then B A, ...), with what the difference
 * is worth beside the runs' own spread. Two runs of the same build differ by ±5 % here (the
 * machine's other load, the broker's JIT), as much as most changes to the path are worth, so a
 * single pair of runs decides nothing (bench/README.md, "trading-ab").
 *
 * `<base>`: a directory holding another built checkout (its services built and `bench/` compiled),
 * or a git revision of this repository, checked out into a temporary worktree beside it, given this
 * checkout's node_modules (hard links: the same package-lock is assumed) and built there, and
 * removed at the end. B is always this checkout, as `bench/run.sh` has just built it.
 *
 * Every `BENCH_TRADING_*` setting passes to both (BENCH_TRADING_CHART defaults to none);
 * `BENCH_AB_ROUNDS` (default 3) is how many pairs. Both use the KAFKA_BROKERS of the environment,
 * each run in a topic namespace and a Redis of its own. The last line is one JSON object: per
 * connection count, each side's mean orders/s, p99 ms and CPU ms per order (all processes), and
 * the paired difference B − A as a percentage of A with its standard error and the half-width of
 * its 95 % confidence interval (Student's t over the pairs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../e2e/src/support/marketplace';

const ROUNDS = Number(process.env['BENCH_AB_ROUNDS'] ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 2)
  throw new Error(
    `BENCH_AB_ROUNDS must be an integer of at least 2 (a spread needs two pairs), not ${ROUNDS}`,
  );
const log = (msg: string) => process.stderr.write(`[bench:trading-ab] ${msg}\n`);

/** What one bench:trading run says of one connection count (its last line's `runs`). */
interface TradingRun {
  connections: number;
  ordersPerSec: number;
  p99Ms: number;
  ceilingPerSec: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  cpu: Record<string, number>;
}

/** The figures compared, per run and connection count. */
interface Figures {
  ordersPerSec: number;
  p99Ms: number;
  /** Every watched process's CPU (the broker's JIT is inside the broker's) per order, in ms. */
  cpuMsPerOrder: number;
  ratio: number;
}

function figures(run: TradingRun): Figures {
  const cores = Object.entries(run.cpu)
    .filter(([name]) => name !== 'kafkaJit')
    .reduce((sum, [, value]) => sum + value, 0);
  return {
    ordersPerSec: run.ordersPerSec,
    p99Ms: run.p99Ms,
    cpuMsPerOrder: run.ordersPerSec > 0 ? (cores * 1000) / run.ordersPerSec : NaN,
    ratio: run.ceilingPerSec > 0 ? run.ordersPerSec / run.ceilingPerSec : NaN,
  };
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The commit a checkout is at, `+` when it has changes not committed. */
function revisionOf(dir: string): string {
  try {
    return git(dir, 'rev-parse', '--short', 'HEAD') + (git(dir, 'status', '--porcelain') ? '+' : '');
  } catch {
    return 'unknown';
  }
}

/** A built checkout for `base`: the directory itself, or a worktree of the revision, built. */
function checkoutOf(base: string): { dir: string; cleanUp: () => void } {
  if (existsSync(base)) {
    const dir = resolve(base);
    if (!existsSync(join(dir, 'dist/out-tsc/bench/trading.js')))
      throw new Error(
        `${dir} has no built bench:trading: build it first (cd ${dir} && npx nx run-many -t build && npx tsc -p bench/tsconfig.json)`,
      );
    return { dir, cleanUp: () => undefined };
  }
  let revision: string;
  try {
    revision = git(REPO_ROOT, 'rev-parse', '--verify', `${base}^{commit}`);
  } catch {
    throw new Error(`${base} is neither a directory nor a revision of this repository`);
  }
  const parent = mkdtempSync(join(tmpdir(), 'gpux-ab-'));
  const dir = join(parent, 'checkout');
  const cleanUp = () => {
    try {
      git(REPO_ROOT, 'worktree', 'remove', '--force', dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git(REPO_ROOT, 'worktree', 'prune');
    }
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    log(`checking out ${base} (${revision.slice(0, 7)}) in ${dir} and building it`);
    git(REPO_ROOT, 'worktree', 'add', '--detach', dir, revision);
    // The same packages, linked not copied; a revision with another package-lock is not for this.
    execFileSync('cp', ['-al', join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules')]);
    const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' };
    execFileSync('npx', ['--no-install', 'nx', 'run-many', '-t', 'build', '--output-style=static'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync('npx', ['--no-install', 'tsc', '-p', 'bench/tsconfig.json'], {
      cwd: dir,
      env,
      stdio: 'inherit',
    });
  } catch (error) {
    cleanUp();
    throw error;
  }
  return { dir, cleanUp };
}

/** One bench:trading run in `dir`: its runs, from the last line it prints. */
function runIn(dir: string, label: string): Promise<TradingRun[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(dir, 'infra/runtime/run.js'), 'bench/trading.js'], {
      cwd: dir,
      env: { ...process.env, BENCH_TRADING_CHART: process.env['BENCH_TRADING_CHART'] ?? 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) process.stderr.write(`[${label}] ${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`bench:trading in ${dir} exited with ${code}`));
      try {
        resolvePromise((JSON.parse(last) as { runs: TradingRun[] }).runs);
      } catch {
        reject(new Error(`bench:trading in ${dir} ended without its JSON line: ${last.slice(0, 200)}`));
      }
    });
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Student's t at 97.5 % for 1–10 degrees of freedom (more: 2.2 down to 1.96, taken as 2.2). */
const T975 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

/**
 * B − A over the pairs, as a percentage of A's mean, with its standard error (paired) and the
 * half-width of its 95 % confidence interval: a difference inside it is not told from the runs'
 * spread.
 */
function paired(a: number[], b: number[]) {
  const base = mean(a);
  const diffs = a.map((x, i) => (((b[i] ?? NaN) - x) / base) * 100);
  const m = mean(diffs);
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - m) ** 2, 0) / (diffs.length - 1));
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  // Orders/s and milliseconds to a tenth; a ratio of the ceiling or CPU ms per order to 3 places.
  const digits = Math.abs(base) < 10 ? 3 : 1;
  return {
    a: round(base, digits),
    b: round(mean(b), digits),
    diffPct: round(m, 1),
    sePct: round(sd / Math.sqrt(diffs.length), 1),
    ci95Pct: round(((T975[diffs.length - 2] ?? 2.2) * sd) / Math.sqrt(diffs.length), 1),
  };
}

async function main(): Promise<void> {
  const base = process.argv[2];
  if (!base) throw new Error('usage: npm run bench:trading-ab -- <built checkout directory | git revision>');
  if (!process.env['KAFKA_BROKERS'])
    throw new Error('KAFKA_BROKERS must name a running broker (bench/run.sh brings one up)');
  const a = checkoutOf(base);
  const b = REPO_ROOT;
  try {
    const revisions = { a: revisionOf(a.dir), b: revisionOf(b) };
    log(`A ${a.dir} (${revisions.a}) against B ${b} (${revisions.b}), ${ROUNDS} pairs`);
    const results: Record<'a' | 'b', Map<number, Figures>[]> = { a: [], b: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // A B, then B A: a drift of the machine over the session falls on both alike.
      const order: ('a' | 'b')[] = round % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
      for (const side of order) {
        const runs = await runIn(side === 'a' ? a.dir : b, `${side.toUpperCase()}${round + 1}`);
        const failed = runs.find((r) => r.errors + r.timeouts + r.non2xx > 0);
        if (failed) log(`${side.toUpperCase()}${round + 1}: errors at ${failed.connections} connections`);
        results[side].push(new Map(runs.map((r) => [r.connections, figures(r)])));
        log(
          `${side.toUpperCase()}${round + 1}: ` +
            runs
              .map((r) => {
                const f = figures(r);
                return `${r.connections}: ${r.ordersPerSec}/s p99 ${r.p99Ms} ms, ${f.cpuMsPerOrder.toFixed(2)} ms CPU/order`;
              })
              .join('; '),
        );
      }
    }
    const connections = [...(results.a[0]?.keys() ?? [])].filter((c) =>
      [...results.a, ...results.b].every((m) => m.has(c)),
    );
    const byConnections = connections.map((c) => {
      const of = (side: 'a' | 'b', key: keyof Figures) => results[side].map((m) => m.get(c)?.[key] ?? NaN);
      return {
        connections: c,
        ordersPerSec: paired(of('a', 'ordersPerSec'), of('b', 'ordersPerSec')),
        p99Ms: paired(of('a', 'p99Ms'), of('b', 'p99Ms')),
        cpuMsPerOrder: paired(of('a', 'cpuMsPerOrder'), of('b', 'cpuMsPerOrder')),
        ratio: paired(of('a', 'ratio'), of('b', 'ratio')),
      };
    });
    console.log(
      JSON.stringify({ bench: 'trading-ab', a: revisions.a, b: revisions.b, rounds: ROUNDS, byConnections }),
    );
  } finally {
    a.cleanUp();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:trading-ab] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
