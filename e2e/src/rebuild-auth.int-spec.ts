// Issue 11: a read-model rebuild must never tell a valid key it is not. Redis is flushed while a
// buyer's API key and a worker's node credential are in use without pause: until settlement's and
// capacity's read models have refolded the log (here a few hundred events long), a key they do not
// hold yet is answered UNAVAILABLE (retry), never UNAUTHENTICATED, which would make a worker exit
// and lose its node; a query meanwhile is UNAVAILABLE too, never NOT_FOUND or a balance read from a
// half-refolded model.
// A key that was never issued is still UNAUTHENTICATED once the rebuild is done.
import Redis from 'ioredis';
import { Marketplace } from './support/marketplace';

const DEPOSITS = 200;

describe('authentication while the read models rebuild', () => {
  let m: Marketplace;
  let buyer = '';
  let worker = '';

  beforeAll(async () => {
    m = await Marketplace.start();
    await m.ok(
      `mutation { openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    buyer = await m.account('b1', ['buyer'], '1.00');
    const provider = await m.account('p1', ['provider']);
    const reg = await m.ok<{ registerNode: { credential: string } }>(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
      { i: { marketId: 'h100', gpuModel: 'H100-80GB', gpus: 8, region: 'eu', nodeId: 'n1' } },
      provider,
    );
    worker = reg.registerNode.credential;
    // A log long enough that refolding it takes a while.
    for (let i = 0; i < DEPOSITS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          m.ok(`mutation { deposit(accountId: "b1", amount: "1.00", idempotencyKey: "d-${i + j}") { id } }`),
        ),
      );
    }
  }, 240_000);

  afterAll(() => m?.stop());

  it('answers UNAVAILABLE, never UNAUTHENTICATED, to valid keys until the rebuild is done', async () => {
    const codesOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) =>
      (r.errors ?? []).map((e) => String(e.extensions?.['code']));
    const asBuyer = async () => {
      const r = await m.gql<{ me: { id: string; balance: string } }>(`{ me { id balance } }`, {}, buyer);
      return r.data?.me ? `ok ${r.data.me.balance}` : codesOf(r).join(',');
    };
    // A heartbeat for a session that does not exist: past authentication it is NOT_FOUND or similar.
    const asWorker = async () =>
      codesOf(await m.gql(`mutation { heartbeat(sessionId: "no-session") { status } }`, {}, worker)).join(
        ',',
      ) || 'ok';

    const seen = { buyer: new Map<string, number>(), worker: new Map<string, number>() };
    const note = (who: 'buyer' | 'worker', what: string) =>
      seen[who].set(what, (seen[who].get(what) ?? 0) + 1);
    const before = { buyer: await asBuyer(), worker: await asWorker() };
    expect(before.buyer).toBe(`ok ${DEPOSITS + 1}.000000`);
    expect(before.worker).not.toContain('UNAUTHENTICATED');

    const redis = new Redis(m.redisUrl, { maxRetriesPerRequest: 1 });
    let hammering = true;
    const hammer = (async () => {
      while (hammering) {
        const [b, w] = await Promise.all([asBuyer(), asWorker()]);
        note('buyer', b.startsWith('ok') ? (b === before.buyer ? 'ok' : `ok with another balance: ${b}`) : b);
        note('worker', w === before.worker ? 'as before' : w);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await redis.flushall();
    // Until both answer as before again (every read model refolded), and then a little longer.
    const deadline = Date.now() + 60_000;
    while (
      ((await asBuyer()) !== before.buyer || (await asWorker()) !== before.worker) &&
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
    // meanwhile is UNAVAILABLE.
    expect(Object.keys(summary.buyer).filter((k) => k !== 'ok' && k !== 'UNAVAILABLE')).toEqual([]);
    // The flush was seen: some answers had to wait for the rebuild.
    expect((seen.buyer.get('UNAVAILABLE') ?? 0) + (seen.worker.get('UNAVAILABLE') ?? 0)).toBeGreaterThan(0);
    expect(await asBuyer()).toBe(before.buyer);
    expect(await asWorker()).toBe(before.worker);

    // A key nobody issued is refused as before, once the models are whole again.
    const stranger = await m.gql(`{ me { id } }`, {}, 'gpx_this-key-was-never-issued-000');
    expect(codesOf(stranger)).toEqual(['UNAUTHENTICATED']);
  }, 120_000);
});
