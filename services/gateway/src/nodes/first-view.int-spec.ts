// A node's subscription (nodeStatusChanged) through the real gateway over graphql-ws, on a Redis of
// its own: the first message is the node as it stands once the subscription is live, whether or
// not it changes after (before, nothing came until the next change, and a client that read the
// node itself could miss a change made between its read and the subscription's start, which it
// cannot see). A change racing the subscription's start is neither lost nor sent out of order.
// The notices are published as capacity's nodes projection publishes them: in the same atomic
// step as the change (MULTI).
import { capacityReadModel as rm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { RedisPubSub } from '../api/pubsub';
import { seedApiKey, startGateway } from '../gateway.fixture';
import { expectRaceSettled, SubscriptionClients, Watcher, watchSubscription } from '../subscriptions.fixture';

const ADMIN_KEY = 'node-first-view-int-spec-admin-key-0123456789';
const PROVIDER_KEY = 'node-first-view-int-spec-provider-key-0123456789';
const NODE = `subscription($n: ID!) { nodeStatusChanged(nodeId: $n) {
  id status gpus suspendedReason certifications(first: 5) { totalCount edges { node } } } }`;

interface NodeMessage {
  id: string;
  status: string;
  gpus: number;
  suspendedReason: string | null;
  certifications: { totalCount: number; edges: { node: Record<string, unknown> }[] };
}

describe("a node's subscription sends the node as it stands first", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let pubsub: RedisPubSub;
  let seed: Redis;
  const clients = new SubscriptionClients(() => gateway.url);
  const socket = () => clients.open(`Bearer ${PROVIDER_KEY}`);

  /** The subscription's messages as they come. */
  const watch = (nodeId: string, client = socket()) =>
    watchSubscription<NodeMessage>(client, NODE, { n: nodeId });

  /** Node `nodeId`'s `fields`, and its notice, in one atomic step as capacity's projection writes them. */
  const change = (nodeId: string, fields: Record<string, string>) =>
    seed
      .multi()
      .hset(rm.node(nodeId), fields)
      .publish(rm.nodeChannel(nodeId), JSON.stringify({ nodeId, type: 'capacity.NodeSuspended' }))
      .exec();

  const register = (nodeId: string, gpus = 8) =>
    seed.hset(rm.node(nodeId), {
      providerId: 'prov-1',
      marketId: 'm1',
      gpuModel: 'H100-80GB',
      gpus: String(gpus),
      region: 'eu-west',
      status: 'CERTIFIED',
      registeredAt: '2025-01-01T00:00:00.000Z',
    });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedApiKey(redis, PROVIDER_KEY, 'prov-1', 'provider');
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
    pubsub = gateway.app.get(RedisPubSub);
  });

  afterAll(async () => {
    await clients.disposeAll();
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('sends the node as it stands, with its certifications, with no change after subscribing; a later watcher gets its own, the others nothing more', async () => {
    await register('n1');
    await seed.rpush(
      rm.certifications('n1'),
      JSON.stringify({ ok: true, method: 'admin', at: '2025-01-01T00:00:01.000Z' }),
    );
    const first = watch('n1');
    // Before, nothing came: the node did not change after it subscribed.
    await first.until(1);
    const certified = {
      id: 'n1',
      status: 'CERTIFIED',
      gpus: 8,
      suspendedReason: null,
      certifications: {
        totalCount: 1,
        edges: [{ node: { ok: true, method: 'admin', at: '2025-01-01T00:00:01.000Z' } }],
      },
    };
    expect(first.messages).toEqual([certified]);
    expect(first.errors).toEqual([]);
    // As a query reads it.
    const read = await fetch(gateway.url + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PROVIDER_KEY}` },
      body: JSON.stringify({
        query:
          '{ gpuNode(id: "n1") { id status gpus suspendedReason certifications(first: 5) { totalCount edges { node } } } }',
      }),
    });
    expect(((await read.json()) as { data: unknown }).data).toEqual({ gpuNode: first.messages[0] });

    // Another watcher of the same node: its own first node, and the first watcher is sent nothing.
    const later = watch('n1');
    await later.until(1);
    expect(later.messages).toEqual([certified]);
    await pause(300);
    expect(first.messages).toHaveLength(1);
    // Then every change, once each.
    await change('n1', { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' });
    await Promise.all([first.until(2), later.until(2)]);
    const suspended = { ...certified, status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' };
    expect(first.messages).toEqual([certified, suspended]);
    expect(later.messages).toEqual([certified, suspended]);
    await pause(200);
    expect([first.messages.length, later.messages.length]).toEqual([2, 2]);
    expect([...first.errors, ...later.errors]).toEqual([]);
    for (const w of [first, later]) w.stop();
    await waitUntil('n1 let go of', () => pubsub.listening(rm.nodeChannel('n1')) === 0);
  });

  it('loses no change that races a subscription, and never sends an older node after a newer one', async () => {
    // The node's GPUs count the changes: each watcher's messages must count up, each at most once,
    // and end at the last. Watchers start while the node changes, one per change, and a few after
    // the last change: none of them is told when its subscription is live.
    await register('n2', 0);
    const steps = 40;
    const watchers: Watcher<NodeMessage>[] = [];
    for (let gpus = 1; gpus <= steps; gpus++) {
      watchers.push(watch('n2'));
      await change('n2', { gpus: String(gpus) });
      if (gpus % 4 === 0) await pause(5);
    }
    for (let i = 0; i < 5; i++) watchers.push(watch('n2'));
    // Before, the watchers that subscribed as the node stopped changing were sent nothing at all.
    await expectRaceSettled(watchers, (n) => n.gpus, steps);
  });
});
