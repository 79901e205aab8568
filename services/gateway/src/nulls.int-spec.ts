// Hostile input: explicit nulls. Through the real gateway (real Kafka, a Redis of its own), over
// HTTP and graphql-ws. A variable sent as null where the schema needs a value was answered
// INTERNAL_SERVER_ERROR ("internal error", graphql-js failing while it executed); an optional
// argument or input field sent as null was taken as given: a null idempotencyKey was answered
// INTERNAL_SERVER_ERROR, a null clientOrderId beside a key refused as naming it twice, a null
// minGpusPerNode refused as "must be a number", a null minTflops filtered as if it were 0.
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { seedApiKey, seedMarket, startGateway } from './gateway.fixture';

const ADMIN_KEY = 'nulls-int-spec-admin-key-0123456789';
const BUYER_KEY = 'gpx_nulls-int-spec-buyer-key-0123456789';

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('explicit nulls are answered as a client error or as a value left out, never as an internal error', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let socket: Client | undefined;

  const post = async (query: string, variables?: Record<string, unknown>, key = BUYER_KEY) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Result };
  };
  const refusal = (r: Result) => r.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']]);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await socket?.dispose();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('a null variable where a value is needed (an argument with a default, an input field, @skip) is BAD_USER_INPUT on that field, 400', async () => {
    const first = await post('query($n: Int) { markets(first: $n) { totalCount } }', { n: null });
    expect(first.status).toBe(400);
    expect(refusal(first.body)).toEqual([['BAD_USER_INPUT', 'first']]);
    expect(first.body.errors?.[0]?.message).toMatch(/^first cannot be null .*leave the variable out/);

    const skip = await post('query($x: Boolean = true) { markets @skip(if: $x) { totalCount } }', {
      x: null,
    });
    expect(refusal(skip.body)).toEqual([['BAD_USER_INPUT', 'if']]);

    const tif = await post(
      'mutation($t: TimeInForce) { placeOrder(input: { marketId: "m1", side: BID, gpus: 1, hours: 1, price: "1.00", timeInForce: $t }) { id } }',
      { t: null },
    );
    expect(refusal(tif.body)).toEqual([['BAD_USER_INPUT', 'input.timeInForce']]);

    // The same variable left out takes the default.
    const defaulted = await post('query($n: Int) { markets(first: $n) { totalCount } }', {});
    expect(defaulted.body).toEqual({ data: { markets: { totalCount: expect.any(Number) } } });
  });

  it('the same over graphql-ws', async () => {
    socket = createClient({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${BUYER_KEY}` },
      retryAttempts: 0,
    });
    const errors = await new Promise<unknown>((resolve) =>
      socket!.subscribe(
        { query: 'query($n: Int) { markets(first: $n) { totalCount } }', variables: { n: null } },
        { next: (v) => resolve((v as Result).errors), error: resolve, complete: () => undefined },
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
      }),
    ]);
  });

  it('a null optional argument or input field is taken as left out', async () => {
    // Each reaches the market's own check: market nope does not exist.
    const unknownMarket = [['NOT_FOUND', 'input.marketId']];
    const order = (extra: string, key = 'idempotencyKey: null') =>
      post(
        `mutation { placeOrder(input: { marketId: "nope", side: BID, gpus: 1, hours: 1, price: "1.00"${extra} }, ${key}) { id } }`,
      );
    expect(refusal((await order('')).body)).toEqual(unknownMarket);
    expect(refusal((await order(', clientOrderId: "nulls-1"')).body)).toEqual(unknownMarket);
    expect(refusal((await order(', clientOrderId: null', 'idempotencyKey: "nulls-2"')).body)).toEqual(
      unknownMarket,
    );
    expect(refusal((await order(', minGpusPerNode: null, nodeId: null')).body)).toEqual(unknownMarket);

    // No minimum: every node, any status (none in this model), not certified ones only.
    const nodes = await post(
      '{ a: nodes(filter: { minTflops: null, status: UNCERTIFIED }) { totalCount } b: nodes(filter: { minTflops: null }) { totalCount } }',
    );
    expect(nodes.body).toEqual({ data: { a: { totalCount: 0 }, b: { totalCount: 0 } } });
  });
});
