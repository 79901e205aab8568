// A node command that IS recorded, with Redis flushed before its answer is read: the answer waits
// for the refolded model (bounded by the command timeout), or is the retryable UNAVAILABLE saying
// what was recorded; registerNode never loses the credential it shows once. And markNodeCertified
// answers at once for a node that is not CERTIFIED (nothing for its market to record). A gateway
// on the environment's Kafka and a Redis of its own; no service runs: Commands.execute is replaced
// by one that "records" the command (flushing Redis first where asked), and the test refolds what
// capacity's and orders' runners would.
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import {
  checkpointField,
  CommandOutcome,
  projectionKeys,
  resetReadModel,
  waitForPosition,
} from '@gpux/eventsourcing';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { sha256 } from '../api/auth';
import { Commands } from '../api/commands';
import { seedApiKey, seedMarket, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'recorded-answers-int-spec-admin-key-0123456789';
const PROVIDER_KEY = 'recorded-answers-int-spec-provider-key-0123456789';
const WORKER_CREDENTIAL = 'gpxn_recorded-answers-int-spec-credential-0123456789';
const TOPIC = 'ns.capacity.events';
const OFFSET = 41;
const MODELS = [settlementReadModel, ordersReadModel, capacityReadModel, pricingReadModel];

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('node commands answered after a Redis flush', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;
  let execute: jest.SpyInstance;

  const gql = async (query: string, key: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Answer;
  };

  /** Each model with an epoch, as its runner leaves it on starting (or after resetting a flushed one). */
  const folded = async () => {
    for (const { name, prefix } of MODELS)
      await resetReadModel(seed, { name, keyPrefix: prefix }, { onlyIfNoEpoch: true, endOffsets: {} });
  };

  const node = (fields: Record<string, string> = {}) => ({
    providerId: 'prov-1',
    marketId: 'm1',
    gpuModel: 'H100-80GB',
    gpus: '8',
    region: 'eu-west',
    status: 'UNCERTIFIED',
    registeredAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  });

  /** What capacity's runner refolds: the node, then its checkpoint past the outcome, announced. */
  const refoldNode = async (fields: Record<string, string> = {}) => {
    await folded();
    await seed.hset(capacityReadModel.node('n1'), node(fields));
    const field = checkpointField(TOPIC, 0);
    await seed.hset(projectionKeys(capacityReadModel.name).checkpoint, field, String(OFFSET));
    await seed.publish(projectionKeys(capacityReadModel.name).applied, `${field} ${OFFSET}`);
  };

  /** Commands.execute recording the command at OFFSET, Redis flushed first where asked, refolded `refold` later. */
  const recorded = (flush: boolean, refold?: () => Promise<void>, eventTypes: string[] = []) =>
    execute.mockImplementation(async (): Promise<CommandOutcome> => {
      if (flush) {
        await seed.flushall();
        if (refold) setTimeout(() => void refold(), 300);
      }
      return {
        status: 'accepted',
        commandId: 'cmd-1',
        eventTypes,
        position: { topic: TOPIC, partition: 0, offset: String(OFFSET) },
      };
    });

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
    execute = jest.spyOn(gateway.app.get(Commands), 'execute');
  });

  beforeEach(async () => {
    execute.mockReset();
    await seed.flushall();
    await folded();
    await seedMarket(redis);
    await seedApiKey(redis, PROVIDER_KEY, 'prov-1', 'provider');
    await seed.hset(capacityReadModel.credential(sha256(WORKER_CREDENTIAL).toString('hex')), 'nodeId', 'n1');
  });

  afterAll(async () => {
    await gateway?.app.close();
    await seed?.quit();
    await redis?.stop();
  });

  const REGISTER =
    'mutation { registerNode(input: { marketId: "m1", gpuModel: "H100-80GB", gpus: 8, region: "eu-west", nodeId: "n1" }) { credential node { id providerId status gpus region } } }';

  it('registerNode answers the credential and the node as the refolded model shows it', async () => {
    recorded(true, () => refoldNode());
    const answer = await gql(REGISTER, PROVIDER_KEY);
    expect(answer).toEqual({
      data: {
        registerNode: {
          credential: expect.stringMatching(/^gpxn_/),
          node: { id: 'n1', providerId: 'prov-1', status: 'UNCERTIFIED', gpus: 8, region: 'eu-west' },
        },
      },
    });
  });

  it('registerNode keeps the credential it shows once when the model is not back in time: the node as sent', async () => {
    recorded(true);
    const started = Date.now();
    const answer = await gql(REGISTER, PROVIDER_KEY);
    expect(answer).toEqual({
      data: {
        registerNode: {
          credential: expect.stringMatching(/^gpxn_/),
          node: { id: 'n1', providerId: 'prov-1', status: 'UNCERTIFIED', gpus: 8, region: 'eu-west' },
        },
      },
    });
    // It waited for the refold, within the command timeout.
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 20_000);

  it('revokeNodeCredential answers UNAVAILABLE naming what was recorded when the model is not back in time', async () => {
    await seed.hset(capacityReadModel.node('n1'), node());
    recorded(true);
    const answer = await gql('mutation { revokeNodeCredential(nodeId: "n1") { id status } }', PROVIDER_KEY);
    expect(answer.data).toEqual({ revokeNodeCredential: null });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^node n1's credential was revoked \(recorded in Kafka\), but the read model that shows it is being refolded .*gpuNode\(id: "n1"\)/,
        ),
        extensions: expect.objectContaining({
          code: 'UNAVAILABLE',
          retryAfterMs: 1_000,
          nodeId: 'n1',
          idempotencyKey: expect.any(String),
        }),
      }),
    ]);
  }, 20_000);

  it('revokeNodeCredential answers the node once the model has refolded it', async () => {
    await seed.hset(capacityReadModel.node('n1'), node());
    recorded(true, () => refoldNode({ status: 'SUSPENDED', suspendedReason: 'CREDENTIAL_REVOKED' }));
    expect(
      await gql(
        'mutation { revokeNodeCredential(nodeId: "n1") { id status suspendedReason } }',
        PROVIDER_KEY,
      ),
    ).toEqual({
      data: {
        revokeNodeCredential: { id: 'n1', status: 'SUSPENDED', suspendedReason: 'CREDENTIAL_REVOKED' },
      },
    });
  });

  const CERTIFY = 'mutation { markNodeCertified(nodeId: "n1", tflopsPerGpu: 50) { id status tflopsPerGpu } }';

  it('markNodeCertified answers the certified node once capacity and its market have refolded it', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    recorded(true, async () => {
      await refoldNode({ status: 'CERTIFIED', tflopsF32: '50', expiresAt });
      await seed.hset(
        ordersReadModel.marketNodes('m1'),
        'n1',
        JSON.stringify({ certifiedTflopsPerGpu: 50, certifiedUntil: expiresAt }),
      );
    });
    expect(await gql(CERTIFY, ADMIN_KEY)).toEqual({
      data: { markNodeCertified: { id: 'n1', status: 'CERTIFIED', tflopsPerGpu: 50 } },
    });
  });

  it('markNodeCertified answers at once for a node now SUSPENDED, which its market no longer lists', async () => {
    await seed.hset(
      capacityReadModel.node('n1'),
      node({ status: 'SUSPENDED', suspendedReason: 'NODE_LOST' }),
    );
    await seed.hset(
      projectionKeys(capacityReadModel.name).checkpoint,
      checkpointField(TOPIC, 0),
      String(OFFSET),
    );
    recorded(false);
    const started = Date.now();
    expect(await gql(CERTIFY, ADMIN_KEY)).toEqual({
      data: { markNodeCertified: { id: 'n1', status: 'SUSPENDED', tflopsPerGpu: null } },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a worker's joinSession and answerChallenge answer the refolded node, never an internal error", async () => {
    await seed.hset(capacityReadModel.node('n1'), node());
    recorded(true, () => refoldNode({ sessionId: 'ses-1' }));
    const joined = await gql(
      'mutation { joinSession(adapter: "test") { nodeId status } }',
      WORKER_CREDENTIAL,
    );
    expect(joined).toEqual({ data: { joinSession: { nodeId: 'n1', status: 'UNCERTIFIED' } } });

    await seed.flushall();
    await folded();
    await seed.hset(capacityReadModel.credential(sha256(WORKER_CREDENTIAL).toString('hex')), 'nodeId', 'n1');
    await seed.hset(capacityReadModel.node('n1'), node());
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    recorded(
      true,
      async () => {
        await refoldNode({ status: 'CERTIFIED', tflopsF32: '50', expiresAt });
        await seed.rpush(
          capacityReadModel.certifications('n1'),
          JSON.stringify({ ok: true, measuredTflops: 400, at: new Date().toISOString() }),
        );
      },
      ['capacity.NodeCertified'],
    );
    const answered = await gql(
      'mutation { answerChallenge(challengeId: "ch-1", opening: {}) { ok measuredTflops node { id status } } }',
      WORKER_CREDENTIAL,
    );
    expect(answered).toEqual({
      data: { answerChallenge: { ok: true, measuredTflops: 400, node: { id: 'n1', status: 'CERTIFIED' } } },
    });
  });

  it('waits on the announced checkpoint, as the refold would announce it', async () => {
    // The test's refold is what waitForPosition takes for one: the checkpoint and its notice.
    await refoldNode();
    await expect(
      waitForPosition(
        seed,
        capacityReadModel.name,
        { topic: TOPIC, partition: 0, offset: String(OFFSET) },
        100,
        gateway.app.get(Commands).notices,
      ),
    ).resolves.toBeUndefined();
  });
});
