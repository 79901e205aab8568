import {
  capacityMessages,
  capacityReadModel as rm,
  CapacityCommands,
  HEARTBEAT_KEPT_MS,
  nodeHeartbeatKey,
} from '@gpux/contracts';
import { CommandSender, projectionKeys } from '@gpux/eventsourcing';
import { KafkaClients, ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { capacityService } from '../service';

// The watchdog watches each joined node on its own: one it cannot read or act on is logged and
// skipped, and every other node is still watched in the same tick. Once, one node's failure ended
// the tick for every node after it (an unreadable reply failed the whole batch read; a command
// refused when sent, such as a spot check of a node certified beyond the claims a challenge takes,
// threw out of the loop), so a node that went silent was never declared lost. The real capacity
// service, Kafka and a Redis of its own (the test plants a key of the wrong type in it).
describe('the node watchdog', () => {
  const env = infraEnv();
  const ns = uniqueName('watchdog');
  const clients = new KafkaClients({ clientId: 'watchdog-int-spec', brokers: env.KAFKA_BROKERS.split(',') });
  let redis: DedicatedRedis;
  let client: Redis;
  let sender: CommandSender;
  let service: ServiceApp | undefined;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    client = new Redis(redis.url);
    sender = new CommandSender(clients.kafka, client, capacityMessages, {
      service: 'capacity',
      source: 'watchdog-int-spec',
      namespace: ns,
    });
    service = await startService(
      capacityService,
      {
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'fatal',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        HEARTBEAT_INTERVAL_MS: '200',
        HEARTBEAT_TIMEOUT_MS: '1000',
        WATCHDOG_INTERVAL_MS: '200',
        // A certification keeps an honest node busy half a second: its deadline comes soon.
        CERT_TARGET_SECONDS: '0.5',
      },
      { shutdownHooks: false },
    );
  }, 90_000);

  afterAll(async () => {
    await sender?.close();
    await service?.app.close();
    client?.disconnect();
    await redis?.stop();
    await clients.onApplicationShutdown();
  });

  /** Sends a command about `node`; it must be accepted. */
  const accepted = async (type: string, node: string, data: Record<string, unknown>) =>
    expect(await sender.send({ type, subject: node, data })).toMatchObject({ status: 'accepted' });
  const register = (node: string, credentialHash: string) =>
    accepted(CapacityCommands.registerNode.type, node, {
      nodeId: node,
      providerId: 'prov-1',
      gpuModel: 'H100-80GB',
      gpus: 8,
      region: 'eu-west',
      marketId: 'H100',
      credentialHash,
    });
  const join = (node: string, sessionId: string) =>
    accepted(CapacityCommands.startSession.type, node, { nodeId: node, sessionId });

  it("declares a silent node lost though another joined node's read model cannot be read", async () => {
    await register('w-silent', 'a'.repeat(64));
    // A node joined before it, whose read-model hash is a string: reading it fails (WRONGTYPE).
    await client.set(rm.node('a-unreadable'), 'not a hash');
    await client.zadd(rm.sessions, 0, 'a-unreadable');
    await join('w-silent', 'session-1');

    // It never heartbeats: lost once the heartbeat window (1 s) has passed.
    await waitUntil(
      'the silent node to be declared lost',
      async () => (await client.hget(rm.node('w-silent'), 'lostAt')) !== null,
      20_000,
    );
    expect(await client.zscore(rm.sessions, 'w-silent')).toBeNull();
    // The unreadable one is left as it is, for an operator: the watchdog only logs it.
    expect(await client.zscore(rm.sessions, 'a-unreadable')).toBe('0');
  }, 60_000);

  it("judges no node while capacity's model is refolded (its workers' beats are refused meanwhile), and counts silence again once it is whole", async () => {
    const node = 'w-refold';
    await register(node, 'c'.repeat(64));
    await join(node, 'session-refold');
    const marker = projectionKeys(rm.name).rebuilding;
    // A refold that has the log's end still ahead of it (its runner lifts a marker it sees reached).
    await client.set(marker, JSON.stringify({ epoch: 'refold', ends: { 'capacity.events:0': 1e12 } }));
    try {
      // Silent through three windows, while the model is being refolded: not lost.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await client.hget(rm.node(node), 'lostAt')).toBeNull();
    } finally {
      await client.del(marker);
    }
    await waitUntil(
      'the node to be declared lost, a window after the model is whole',
      async () => (await client.hget(rm.node(node), 'lostAt')) !== null,
      20_000,
    );
  }, 60_000);

  it("excuses a challenge that fell due while capacity's model was refolded (its worker's answers were refused): it ends SUPERSEDED, not DEADLINE_MISSED", async () => {
    const node = 'w-excused';
    await register(node, 'd'.repeat(64));
    await join(node, 'session-excused');
    await accepted(CapacityCommands.issueChallenge.type, node, {
      nodeId: node,
      purpose: 'certification',
      claimedTflops: 0.001,
      n: 48,
      seed: '0123456789abcdef0123456789abcdef',
    });
    const spec = JSON.parse((await client.hget(rm.challenge(node), 'challenge')) ?? '{}') as {
      id: string;
      deadline: number;
    };
    const marker = projectionKeys(rm.name).rebuilding;
    await client.set(marker, JSON.stringify({ epoch: 'refold', ends: { 'capacity.events:0': 1e12 } }));
    try {
      // Refolded past the challenge's deadline (and the watchdog's second of grace).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, spec.deadline - Date.now()) + 1_500));
      expect(await client.hget(rm.challenge(node), 'id')).toBe(spec.id);
    } finally {
      await client.del(marker);
    }
    await waitUntil(
      'the challenge to be ended once the model is whole',
      async () => (await client.hget(rm.challenge(node), 'id')) === null,
      20_000,
    );
    const ended = (await client.lrange(rm.certifications(node), 0, -1)).map(
      (c) => JSON.parse(c) as { challengeId: string; reason?: string; detail?: string },
    );
    expect(ended).toEqual([
      expect.objectContaining({
        challengeId: spec.id,
        reason: 'SUPERSEDED',
        detail: expect.stringMatching(/^excused: the marketplace could not take answers from /),
      }),
    ]);
  }, 60_000);

  it("keeps a node whose gateway's clock runs a minute behind: its beats are dated by Redis' clock, and it is lost once they stop", async () => {
    const node = 'w-skewed';
    await register(node, 'b'.repeat(64));
    await join(node, 'session-skewed');
    // Beats every 100 ms (the window is 1 s), stamped as a gateway a minute behind would stamp them.
    const beat = () =>
      client.set(
        nodeHeartbeatKey(node),
        new Date(Date.now() - 60_000).toISOString(),
        'PX',
        HEARTBEAT_KEPT_MS,
      );
    await beat();
    const beating = setInterval(() => void beat(), 100);
    try {
      // Three windows of watchdog ticks, each of which would have found it a minute silent.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await client.hget(rm.node(node), 'lostAt')).toBeNull();
      expect(await client.zscore(rm.sessions, node)).not.toBeNull();
    } finally {
      clearInterval(beating);
    }
    await waitUntil(
      'the node to be declared lost once its beats stop',
      async () => (await client.hget(rm.node(node), 'lostAt')) !== null,
      20_000,
    );
  }, 60_000);

  it('holds no silence against a node while Redis stalled: it is lost a whole window after Redis answers again, not at once', async () => {
    // Redis frozen 3 s (CLIENT PAUSE: every client waits, the watchdog too) after the node's last
    // beat. Before, the first tick after it found the node 3 s silent (the window is 1 s) and
    // declared it lost, as it did every joined node after a 25 s stall (their leases credited).
    const node = 'w-stall';
    await register(node, 'd'.repeat(64));
    await join(node, 'session-stall');
    await client.set(nodeHeartbeatKey(node), new Date().toISOString(), 'PX', HEARTBEAT_KEPT_MS);
    const paused = Date.now();
    await client.call('CLIENT', 'PAUSE', '3000', 'ALL');
    await waitUntil(
      'the node to be declared lost after the stall',
      async () => (await client.hget(rm.node(node), 'lostAt')) !== null,
      20_000,
    );
    const lostAt = Date.parse((await client.hget(rm.node(node), 'lostAt'))!);
    // A window (1 s) after the stall ended, less a tick's slack: counted from when it could see.
    expect(lostAt - (paused + 3_000)).toBeGreaterThanOrEqual(1_000 - 250);
  }, 60_000);
});
