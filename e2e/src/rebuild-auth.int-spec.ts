// Issue 11: a read-model rebuild must never tell a valid key it is not. Redis is flushed while a
// buyer's API key and a worker's node credential are in use without pause: until settlement's and
// capacity's read models have refolded the log (here a few hundred events long), a key they do not
// hold yet is answered UNAVAILABLE (retry), never UNAUTHENTICATED, which would make a worker exit
// and lose its node; a query meanwhile is UNAVAILABLE too, never NOT_FOUND or a balance read from a
// half-refolded model.
// A key that was never issued is still UNAUTHENTICATED once the rebuild is done.
import Redis from 'ioredis';
import { asBuyer, asWorker, codesOf, keyHoldersWithLongLog } from './support/key-holders';
import { Marketplace } from './support/marketplace';

const DEPOSITS = 200;

describe('authentication while the read models rebuild', () => {
  let m: Marketplace;
  let buyer = '';
  let worker = '';

  beforeAll(async () => {
    m = await Marketplace.start();
    ({ buyer, worker } = await keyHoldersWithLongLog(m, DEPOSITS, 20));
  }, 240_000);

  afterAll(() => m?.stop());

  it('answers UNAVAILABLE, never UNAUTHENTICATED, to valid keys until the rebuild is done', async () => {
    const buyerAnswer = () => asBuyer(m, buyer);
    const workerAnswer = () => asWorker(m, worker);

    const seen = { buyer: new Map<string, number>(), worker: new Map<string, number>() };
    const note = (who: 'buyer' | 'worker', what: string) =>
      seen[who].set(what, (seen[who].get(what) ?? 0) + 1);
    const before = { buyer: await buyerAnswer(), worker: await workerAnswer() };
    expect(before.buyer).toBe(`ok ${DEPOSITS + 1}.000000`);
    expect(before.worker).not.toContain('UNAUTHENTICATED');

    const redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 1 });
    let hammering = true;
    const hammer = (async () => {
      while (hammering) {
        const [b, w] = await Promise.all([buyerAnswer(), workerAnswer()]);
        note('buyer', b.startsWith('ok') ? (b === before.buyer ? 'ok' : `ok with another balance: ${b}`) : b);
        note('worker', w === before.worker ? 'as before' : w);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await redis.flushall();
    // Until both answer as before again (every read model refolded), and then a little longer.
    const deadline = Date.now() + 60_000;
    while (
      ((await buyerAnswer()) !== before.buyer || (await workerAnswer()) !== before.worker) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    hammering = false;
    await hammer;
    redis.disconnect();

    const summary = { buyer: Object.fromEntries(seen.buyer), worker: Object.fromEntries(seen.worker) };
    process.stderr.write(
      `[rebuild-auth] answers while Redis was flushed and rebuilt: ${JSON.stringify(summary)}\n`,
    );
    expect(Object.keys(summary.buyer).filter((k) => k.includes('UNAUTHENTICATED'))).toEqual([]);
    expect(Object.keys(summary.worker).filter((k) => k.includes('UNAUTHENTICATED'))).toEqual([]);
    // Nor is the buyer's own account ever "not found", or a balance read half refolded: a query
    // meanwhile is UNAVAILABLE, and an HTTP 503 with Retry-After (asBuyer names any other status).
    expect(Object.keys(summary.buyer).filter((k) => k !== 'ok' && k !== 'UNAVAILABLE')).toEqual([]);
    // The flush was seen: some answers had to wait for the rebuild.
    expect((seen.buyer.get('UNAVAILABLE') ?? 0) + (seen.worker.get('UNAVAILABLE') ?? 0)).toBeGreaterThan(0);
    expect(await buyerAnswer()).toBe(before.buyer);
    expect(await workerAnswer()).toBe(before.worker);

    // A key nobody issued is refused as before, once the models are whole again.
    const stranger = await m.gql(`{ me { id } }`, {}, 'gpx_this-key-was-never-issued-000');
    expect(codesOf(stranger)).toEqual(['UNAUTHENTICATED']);
  }, 120_000);
});
