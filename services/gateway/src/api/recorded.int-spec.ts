// What a recorded command's answer is read from after a Redis flush (api/recorded.ts), on a
// redis-server of the test's own: the read waits for the model's checkpoint to pass the command's
// outcome again (as its runner announces each applied batch), and a model not back by the deadline
// is the retryable UNAVAILABLE naming what was recorded, never a null or an internal error. The
// test writes the refold as a runner writes it (checkpoint, then the applied notice).
import { checkpointField, projectionKeys, RedisNotices } from '@gpux/eventsourcing';
import { DedicatedRedis } from '@gpux/testing';
import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import { readRecorded } from './recorded';

const MODEL = 'capacity.nodes';
const POSITION = { topic: 'ns.capacity.events', partition: 0, offset: '41' };
const RECORDED = {
  what: 'node n1 was registered',
  readWith: 'gpuNode(id: "n1")',
  extensions: { nodeId: 'n1', idempotencyKey: 'reg-1' },
};

describe('reading what a recorded command made, after a flush', () => {
  let redis: DedicatedRedis;
  let client: Redis;
  let notices: RedisNotices;
  const keys = projectionKeys(MODEL);
  const field = checkpointField(POSITION.topic, POSITION.partition);
  const read = async () => (await client.hget('node:n1', 'status')) ?? null;
  /** What the model's runner writes as it applies the batch with the outcome. */
  const refold = async () => {
    await client.hset('node:n1', 'status', 'UNCERTIFIED');
    await client.hset(keys.checkpoint, field, POSITION.offset);
    await client.publish(keys.applied, `${field} ${POSITION.offset}`);
  };

  /** readRecorded of node n1 at POSITION, given until `deadline`. */
  const answer = (deadline: number) =>
    readRecorded({ redis: client, notices }, MODEL, { position: POSITION }, read, RECORDED, deadline);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    client = new Redis(redis.url);
    notices = new RedisNotices(client);
  });
  beforeEach(() => client.flushall());
  afterAll(async () => {
    await notices.close();
    client.disconnect();
    await redis.stop();
  });

  it('answers at once what a model past the outcome shows', async () => {
    await refold();
    await expect(answer(Date.now() + 5_000)).resolves.toBe('UNCERTIFIED');
  });

  it('waits for the refold to pass the outcome when the model was flushed, and answers what it shows then', async () => {
    const started = Date.now();
    setTimeout(() => void refold(), 300);
    await expect(answer(started + 5_000)).resolves.toBe('UNCERTIFIED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('does not take a model behind the outcome for the answer, though it shows something', async () => {
    // Refolded only up to before the outcome: what it shows is older than the command.
    await client.hset('node:n1', 'status', 'OLD');
    await client.hset(keys.checkpoint, field, '40');
    setTimeout(() => void refold(), 300);
    await expect(answer(Date.now() + 5_000)).resolves.toBe('UNCERTIFIED');
  });

  it('answers UNAVAILABLE naming what was recorded, how to read it and the key to retry with, when the model is not back in time', async () => {
    const refused = answer(Date.now() + 1_000);
    await expect(refused).rejects.toBeInstanceOf(GraphQLError);
    await expect(refused).rejects.toMatchObject({
      message: expect.stringMatching(
        /^node n1 was registered \(recorded in Kafka\), but the read model that shows it .* gpuNode\(id: "n1"\) in a second, or send the same request again with idempotencyKey reg-1$/,
      ),
      extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000, nodeId: 'n1', idempotencyKey: 'reg-1' },
    });
  });
});
