import { capacityReadModel as K } from '@gpux/contracts';
import { infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { CapacityQueries } from './capacity.queries';

// A node's certification history as capacity keeps it (a Redis list, oldest first), read against
// the real Redis.
describe('CapacityQueries.lastCertifications (real Redis)', () => {
  const redis = new Redis(infraEnv().REDIS_URL);
  const queries = new CapacityQueries(redis);

  afterAll(async () => {
    await redis.quit();
  });

  /** A node with `n` records, challenge c1 to cN, oldest first. */
  async function nodeWith(n: number): Promise<string> {
    const nodeId = uniqueName('it-node');
    const records = Array.from({ length: n }, (_, i) => JSON.stringify({ challengeId: `c${i + 1}` }));
    if (records.length > 0) await redis.rpush(K.certifications(nodeId), ...records);
    return nodeId;
  }

  const challenges = (records: Record<string, unknown>[]) => records.map((r) => r['challengeId']);

  it('answers the latest n records, oldest first', async () => {
    const nodeId = await nodeWith(5);
    expect(challenges(await queries.lastCertifications(nodeId, 3))).toEqual(['c3', 'c4', 'c5']);
    expect(challenges(await queries.lastCertifications(nodeId, 5))).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('answers every record of a node that has fewer than n, and none of a node without any', async () => {
    expect(challenges(await queries.lastCertifications(await nodeWith(2), 20))).toEqual(['c1', 'c2']);
    expect(await queries.lastCertifications(await nodeWith(0), 20)).toEqual([]);
  });
});
