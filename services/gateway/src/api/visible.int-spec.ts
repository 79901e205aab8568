// What a command's caller is told when the read model does not show its outcome in time
// (Commands.visible), on a redis-server of the test's own: an accepted command is TIMEOUT naming
// the key to retry with (it succeeded; its result is not readable yet); a rejection waited for
// (`visibleRejection`: joinSession's conditional start, whose refusal is read from the model) is
// UNAVAILABLE with retryAfterMs: nothing was done, there is nothing to retry by key, and it never
// says the command succeeded.
import type { KafkaClients } from '@gpux/platform';
import { RedisClient, ServiceMetrics } from '@gpux/platform';
import { checkpointField, projectionKeys, type ReadOutcome } from '@gpux/eventsourcing';
import { DedicatedRedis } from '@gpux/testing';
import { Commands } from './commands';
import { TIMEOUT_RETRY_MS } from './timeout';

const MODEL = 'capacity.nodes';
const POSITION = { topic: 'ns.capacity.events', partition: 0, offset: '41' };
const accepted: ReadOutcome = {
  status: 'accepted',
  commandId: 'c1',
  eventTypes: ['capacity.SessionStarted'],
  position: POSITION,
};
const refused: ReadOutcome = {
  status: 'rejected',
  commandId: 'c2',
  code: 'ALREADY_EXISTS',
  message: 'node n1 has another session since the join read it',
  field: 'expectedSessionId',
  eventTypes: [],
  position: POSITION,
};

describe('a command whose outcome the read model does not show in time', () => {
  let redis: DedicatedRedis;
  let client: RedisClient;
  let commands: Commands;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    client = new RedisClient(redis.url);
    // visible() sends nothing: the Kafka clients are never used here.
    commands = new Commands(
      {} as KafkaClients,
      client,
      { TOPIC_NAMESPACE: 'ns', IDEMPOTENCY_WINDOW_MS: 60_000 },
      new ServiceMetrics('gateway'),
    );
  });
  beforeEach(() => client.redis.flushall());
  afterAll(async () => {
    await commands.onApplicationShutdown();
    client.redis.disconnect();
    await redis.stop();
  });

  it('accepted: TIMEOUT, the command succeeded, retried by its key after retryAfterMs', async () => {
    await expect(commands.visible(MODEL, accepted, 'k1', 200)).rejects.toMatchObject({
      message: expect.stringMatching(/^the command succeeded but its result is not readable yet/),
      extensions: { code: 'TIMEOUT', idempotencyKey: 'k1', retryAfterMs: TIMEOUT_RETRY_MS },
    });
  });

  it('rejected: UNAVAILABLE with retryAfterMs, saying it was refused, never that it succeeded', async () => {
    const error = await commands.visible(MODEL, refused, undefined, 200).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      message: expect.stringMatching(
        /^the command was refused \(ALREADY_EXISTS\), and what it was refused on/,
      ),
      extensions: { code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) },
    });
    expect((error as { message: string }).message).not.toMatch(/succeeded/);
  });

  it('rejected, the model past it: returns, for the refusal to be thrown as decided', async () => {
    await client.redis.hset(
      projectionKeys(MODEL).checkpoint,
      checkpointField(POSITION.topic, POSITION.partition),
      POSITION.offset,
    );
    await expect(commands.visible(MODEL, refused, undefined, 200)).resolves.toBeUndefined();
  });
});
