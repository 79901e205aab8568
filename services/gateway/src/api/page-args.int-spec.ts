// The page arguments of every connection, through the real gateway on a Redis of its own: an empty
// `after` is refused like any cursor this API never gave out (it was read as none, and answered
// the first page), and a `first` past 100 is refused naming first, with its range (2147483647 was
// refused QUERY_TOO_COMPLEX by the cost check, which counted it at its value, before its resolver
// could say so). Each connection answers its own error, at its path, beside the rest of the data.
import { capacityReadModel, ordersReadModel, settlementReadModel } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { markFolded, postGraphql, seedApiKey, seedMarket, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'page-args-int-spec-admin-key-0123456789';
const KEY = 'page-args-int-spec-trader-key-0123456789';

const PAGE = 'totalCount edges { cursor } pageInfo { endCursor }';
/** Every connection of the schema, at the path its error names. */
const CONNECTIONS: [string, (args: string) => string][] = [
  ['markets', (a) => `markets(${a}) { ${PAGE} }`],
  ['nodes', (a) => `nodes(${a}) { ${PAGE} }`],
  ['nodes', (a) => `nodes(filter: { status: CERTIFIED }, ${a}) { ${PAGE} }`],
  ['myNodes', (a) => `myNodes(${a}) { ${PAGE} }`],
  ['myOrders', (a) => `myOrders(${a}) { ${PAGE} }`],
  ['myOrders', (a) => `myOrders(filter: { status: OPEN }, ${a}) { ${PAGE} }`],
  ['myFills', (a) => `myFills(${a}) { ${PAGE} }`],
  ['myLeases', (a) => `myLeases(${a}) { ${PAGE} }`],
  ['me.ledger', (a) => `me { ledger(${a}) { ${PAGE} } }`],
  ['market.trades', (a) => `market(id: "m1") { trades(${a}) { ${PAGE} } }`],
  ['gpuNode.certifications', (a) => `gpuNode(id: "n1") { certifications(${a}) { ${PAGE} } }`],
  ['gpuNode.certificationRecords', (a) => `gpuNode(id: "n1") { certificationRecords(${a}) { ${PAGE} } }`],
];

describe('page arguments on every connection', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    postGraphql(gateway.url, query, { key: KEY, variables });

  /** The one error `query` is answered with: its code, field, message and path. */
  const refusal = async (query: string, variables?: Record<string, unknown>) => {
    const answer = await gql(query, variables);
    expect({ query, count: answer.errors?.length }).toEqual({ query, count: 1 });
    const [error] = answer.errors!;
    return {
      code: error!.extensions?.['code'],
      field: error!.extensions?.['field'],
      message: error!.message,
      path: error!.path?.join('.'),
    };
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await markFolded(redis);
    await seedMarket(redis);
    await seedApiKey(redis, KEY, 'acc-1', 'buyer,provider');
    const seed = new Redis(redis.url);
    await seed.zadd(ordersReadModel.markets, 1, 'm1');
    await seed.hset(settlementReadModel.account('acc-1'), { owner: 'acme', balance: '1000000' });
    await seed.hset(capacityReadModel.node('n1'), {
      providerId: 'acc-1',
      marketId: 'm1',
      gpuModel: 'H100-80GB',
      gpus: '8',
      region: 'eu-west',
      status: 'CERTIFIED',
      registeredAt: '2025-01-01T00:00:00.000Z',
    });
    seed.disconnect();
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers each connection without after, or with a null one, from its first page', async () => {
    for (const [, call] of CONNECTIONS) {
      for (const args of ['first: 1', 'first: 1, after: null']) {
        const answer = await gql(`{ ${call(args)} }`);
        expect({ call: call(args), errors: answer.errors }).toEqual({ call: call(args), errors: undefined });
      }
    }
  });

  it('refuses an empty after BAD_USER_INPUT naming after, on every connection, inline or as a variable', async () => {
    for (const [path, call] of CONNECTIONS) {
      const expected = {
        code: 'BAD_USER_INPUT',
        field: 'after',
        message: 'after is not a cursor this API gave out',
        path,
      };
      expect(await refusal(`{ ${call('first: 1, after: ""')} }`)).toEqual(expected);
      expect(await refusal(`query($a: String) { ${call('first: 1, after: $a')} }`, { a: '' })).toEqual(
        expected,
      );
    }
  });

  it('refuses a first past its range BAD_USER_INPUT naming first, on every connection, however large', async () => {
    for (const [path, call] of CONNECTIONS)
      for (const first of [101, 2_147_483_647]) {
        const expected = { code: 'BAD_USER_INPUT', field: 'first', message: 'first must be 1 to 100', path };
        expect(await refusal(`{ ${call(`first: ${first}`)} }`)).toEqual(expected);
        expect(await refusal(`query($n: Int!) { ${call('first: $n')} }`, { n: first })).toEqual(expected);
      }
    // The book's depth and the candles' limit the same way.
    expect(await refusal('{ market(id: "m1") { book(depth: 2147483647) { bids { price } } } }')).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'depth',
      message: 'depth must be 1 to 50',
      path: 'market.book',
    });
    expect(await refusal('{ market(id: "m1") { candles(limit: 2147483647) { close } } }')).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'limit',
      message: 'limit must be 1 to 500',
      path: 'market.candles',
    });
  });

  it('reads none of the list for a page it refuses, not even its length: the cost model counts it at 1', async () => {
    // A market's trades, a ledger, a node's certifications read their list's length before their
    // arguments: 97 aliases of `trades(first: 0)` under 30 markets passed the cost check (1 each)
    // and made 2,910 reads, where pages that are answered cost twice as much.
    const stats = redis.client();
    /** The calls counted since the last reset of the commands that page a list or a sorted set. */
    const listReads = async () =>
      (await stats.info('commandstats'))
        .split('\n')
        .map((line) =>
          /^cmdstat_(llen|lrange|zcard|zcount|z(?:rev)?range\w*|z(?:rev)?rank):calls=(\d+)/.exec(line),
        )
        .flatMap((m) => (m ? [`${m[1]} x${m[2]}`] : []));
    for (const [path, call] of CONNECTIONS)
      for (const args of ['first: 0', 'first: 101', 'first: 1, after: ""', 'first: 1, after: "bm9uZQ"']) {
        await stats.config('RESETSTAT');
        expect((await refusal(`{ ${call(args)} }`)).path).toBe(path);
        expect({ call: call(args), reads: await listReads() }).toEqual({ call: call(args), reads: [] });
      }
  });

  it('still refuses a costly query whose sizes are all in range QUERY_TOO_COMPLEX', async () => {
    const answer = await gql(
      '{ markets(first: 100) { edges { node { trades(first: 100) { edges { node { id price gpus hours time } } } } } } }',
    );
    expect(answer.errors?.map((e) => e.extensions?.['code'])).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
