// `npm test` deletes the topics its tests made (infra/scripts/test-topics.js, run by test.sh): on
// the real broker, the topics named by uniqueName while GPUX_TEST_NAMES named a file, and those of
// namespaces so named, go; a topic under a name the file does not hold stays.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { infraEnv, uniqueName } from '@gpux/testing';

jest.setTimeout(60_000);

const scriptPath = path.resolve(__dirname, '../../..', 'infra/scripts/test-topics.js');

describe("deleting a test run's topics", () => {
  let admin: Admin;
  let dir: string;
  let kept: string;
  const runNames = process.env['GPUX_TEST_NAMES'];

  beforeAll(async () => {
    admin = new Kafka({
      clientId: 'test-topics-spec',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    dir = mkdtempSync(path.join(tmpdir(), 'test-topics-'));
  });

  afterAll(async () => {
    if (runNames === undefined) delete process.env['GPUX_TEST_NAMES'];
    else process.env['GPUX_TEST_NAMES'] = runNames;
    if (kept) await admin.deleteTopics({ topics: [kept] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the topics named by the names recorded, and only those', async () => {
    // Taken while the names go to this test's own file: the run to delete.
    const file = path.join(dir, 'names.txt');
    process.env['GPUX_TEST_NAMES'] = file;
    const namespace = uniqueName('topics');
    const topic = uniqueName('topic');
    // Taken while they go where they went before (the suite's own file under npm test, or none).
    if (runNames === undefined) delete process.env['GPUX_TEST_NAMES'];
    else process.env['GPUX_TEST_NAMES'] = runNames;
    const other = uniqueName('topics-kept');
    kept = `${other}.orders.events`;

    expect(readFileSync(file, 'utf8')).toBe(`${namespace}\n${topic}\n`);
    const made = [`${namespace}.orders.events`, `${namespace}.orders.commands`, topic, kept];
    await admin.createTopics({
      waitForLeaders: true,
      topics: made.map((name) => ({ topic: name, numPartitions: 2, replicationFactor: 1 })),
    });

    const { stdout } = await promisify(execFile)(process.execPath, [scriptPath, file], {
      env: { ...process.env, KAFKA_BROKERS: infraEnv().KAFKA_BROKERS },
      timeout: 45_000,
    });

    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ testTopicsDeleted: 3, names: 2 });
    const left = new Set(await admin.listTopics());
    expect(made.filter((name) => left.has(name))).toEqual([kept]);
  });
});
