import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { topic } from '@gpux/contracts';
import { KafkaClients } from '@gpux/platform';
import { createTopicsReady, freePort, infraEnv, uniqueName } from '@gpux/testing';

const ROOT = resolve(__dirname, '../../..');

// A topic that disagrees with the registry must stop the service before it writes anything.
it('refuses to start when an existing topic disagrees with the registry, naming the topic and the difference', async () => {
  const main = join(ROOT, 'dist/out-tsc/services/settlement/src/main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: build first (npx nx build settlement, or npm test)`);
  const env = infraEnv();
  const clients = new KafkaClients({
    clientId: 'provisioning-int-spec',
    brokers: env.KAFKA_BROKERS.split(','),
  });
  const ns = uniqueName('wrong');
  const events = topic('settlement', 'events', ns);
  try {
    await createTopicsReady(await clients.admin(), {
      waitForLeaders: true,
      topics: [{ topic: events.name, numPartitions: 2 }],
    });
    const result = spawnSync('node', ['infra/runtime/run.js', 'services/settlement'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        ...env,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'fatal',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `settlement: failed to start: topic ${events.name} has 2 partitions, the registry says ${events.partitions} and has retention.ms=604800000, the registry says -1; fix the topic or the registry`,
    );
  } finally {
    await clients.onApplicationShutdown();
  }
}, 90_000);
