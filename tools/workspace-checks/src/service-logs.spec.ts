// A service killed (kill -9, OOM) and restarted the documented way (`npm start -- --detach`,
// docs/operations.md) must not lose the log that says why it stopped: start.sh starts each
// service's and the worker's log afresh through fresh_log (infra/scripts/lib.sh), which keeps the
// one before as <log>.1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function freshLog(file: string): void {
  const run = spawnSync('bash', ['-c', '. infra/scripts/lib.sh && fresh_log "$1"', 'fresh', file], {
    cwd: root,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], GPUX_RUN_DIR: path.dirname(file) },
    encoding: 'utf8',
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
}

describe('service logs across a restart', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'service-logs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the crashed instance's log as <log>.1 and starts the new one empty", () => {
    const log = path.join(dir, 'settlement.log');
    writeFileSync(log, '{"msg":"the last words of the killed instance"}\n');
    freshLog(log);
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(readFileSync(`${log}.1`, 'utf8')).toContain('the last words of the killed instance');
  });

  it('keeps one generation, and an empty or missing log replaces nothing', () => {
    const log = path.join(dir, 'orders.log');
    freshLog(log);
    expect(existsSync(`${log}.1`)).toBe(false);
    writeFileSync(log, 'first\n');
    freshLog(log);
    freshLog(log);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('first\n');
    writeFileSync(log, 'second\n');
    freshLog(log);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('second\n');
  });

  it("start.sh starts every service's and the worker's log through fresh_log, never truncating one by itself", () => {
    const start = readFileSync(path.join(root, 'infra/scripts/start.sh'), 'utf8').split('\n');
    // The processes it leaves running write their logs with `>"$LOGS_DIR/<name>.log" 2>&1 </dev/null`.
    const writes = start.flatMap((line, i) => {
      const file = /[^>2]>"(\$LOGS_DIR\/[^"]+\.log)" 2>&1 <\/dev\/null/.exec(line)?.[1];
      return file ? [{ file, before: start.slice(Math.max(0, i - 4), i).join('\n') }] : [];
    });
    expect(writes.map((w) => w.file)).toEqual(['$LOGS_DIR/$name.log', '$LOGS_DIR/gpu-worker.log']);
    for (const { file, before } of writes)
      expect({ file, fresh: before.includes(`fresh_log "${file}"`) }).toEqual({ file, fresh: true });
  });
});
