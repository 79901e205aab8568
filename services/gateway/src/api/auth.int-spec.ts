// API keys and node credentials against a real Redis (a redis-server of the spec's own) and, for
// what a client sees, the real gateway:
// - a FLUSHALL landing between any two of a lookup's round trips is UNAVAILABLE (retry), never
//   UNAUTHENTICATED (on which a gpu-worker exits for good and a socket sweep closes 4401);
// - a model with no epoch at all (Redis restarted without persistence, before its service reset
//   it) is not whole, even to a gateway that never saw its epoch; one reset by its runner on a
//   brand-new deployment (an empty log: an epoch, no marker) is, at once;
// - a key that is sent and refused is refused everywhere, public data included, over HTTP and on a
//   WebSocket (closed 4401 at its connection_init); only a request with no key is anonymous;
// - the Bearer scheme in any case, and an unknown key told it is not known;
// - a request with two keys (two headers, or two connectionParams spellings) is refused.
import { request } from 'node:http';
import { capacityReadModel, settlementReadModel } from '@gpux/contracts';
import { finishRebuild, projectionKeys, resetReadModel } from '@gpux/eventsourcing';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { GraphQLError } from 'graphql';
import Redis, { type Command } from 'ioredis';
import WebSocket from 'ws';
import { markFolded, seedApiKey, seedMarket, startGateway } from '../gateway.fixture';
import { ApiKeys, Principal, sha256 } from './auth';

const ADMIN_KEY = 'auth-int-spec-admin-key-0123456789';
const BUYER_KEY = 'gpx_auth-int-spec-buyer-key-0123456789';
const CREDENTIAL = 'gpxn_auth-int-spec-node-credential-0123456789';
const UNKNOWN_KEY = 'gpx_auth-int-spec-never-issued-0123456789';

type Sender = Redis['sendCommand'];

/**
 * Has `other` run FLUSHALL just before `client` sends its `unit`-th round trip (a command alone, or
 * a pipeline or MULTI…EXEC, all sent at once): that round trip and any sent after it wait for the
 * flush, then go in order. Not a fake Redis: the real one, flushed at the worst moment there is.
 * Answers whether the flush ran; `restore` puts the client back.
 */
function flushBefore(
  client: Redis,
  other: Redis,
  unit: number,
): { flushed: () => boolean; restore: () => void } {
  const original: Sender = client.sendCommand.bind(client);
  let units = 0;
  let lastStream: unknown;
  let held: [Command, unknown][] | undefined;
  let flushed = false;
  client.sendCommand = ((command: Command, stream?: unknown) => {
    if (held) {
      held.push([command, stream]);
      return command.promise;
    }
    const newUnit = stream === undefined || stream !== lastStream;
    lastStream = stream;
    if (newUnit && ++units === unit) {
      held = [[command, stream]];
      void other.flushall().then(() => {
        flushed = true;
        const queued = held!;
        held = undefined;
        for (const [c, s] of queued) (original as (c: Command, s?: unknown) => unknown)(c, s);
      });
      return command.promise;
    }
    return (original as (c: Command, s?: unknown) => unknown)(command, stream);
  }) as Sender;
  return { flushed: () => flushed, restore: () => void (client.sendCommand = original) };
}

const codeOf = (error: unknown) => (error instanceof GraphQLError ? error.extensions['code'] : String(error));

describe('a key looked up while Redis is flushed', () => {
  let redis: DedicatedRedis;
  let client: Redis;
  let flusher: Redis;

  const seed = async () => {
    await flusher.flushall();
    await markFolded(redis, [settlementReadModel, capacityReadModel]);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await flusher.hset(capacityReadModel.credential(sha256(CREDENTIAL).toString('hex')), 'nodeId', 'n1');
    await flusher.hset(capacityReadModel.node('n1'), { providerId: 'prov-1', gpus: '8' });
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    client = new Redis(redis.url);
    flusher = new Redis(redis.url);
    await client.ping();
  });

  afterAll(async () => {
    client?.disconnect();
    flusher?.disconnect();
    await redis?.stop();
  });

  it("reads an API key with its model's markers in one command (a script call), not a MULTI of four: it is read on every request", async () => {
    await seed();
    const keys = new ApiKeys(ADMIN_KEY, client);
    const original: Sender = client.sendCommand.bind(client);
    const sent: string[] = [];
    client.sendCommand = ((command: Command, stream?: unknown) => {
      sent.push(command.name);
      return (original as (c: Command, s?: unknown) => unknown)(command, stream);
    }) as Sender;
    try {
      expect(await keys.authenticate(`Bearer ${BUYER_KEY}`)).toEqual({
        accountId: 'acc-1',
        keyId: 'key-acc-1',
        roles: ['buyer'],
      });
      await expect(keys.authenticate(`Bearer ${UNKNOWN_KEY}`)).rejects.toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
      });
    } finally {
      client.sendCommand = original;
    }
    // Once Redis knows the script (the first call may fall back to EVAL), one EVALSHA per key.
    expect(sent.filter((name) => name !== 'eval')).toEqual(['evalsha', 'evalsha']);
  });

  it.each<[string, string, Principal]>([
    ['an API key', BUYER_KEY, { accountId: 'acc-1', keyId: 'key-acc-1', roles: ['buyer'] }],
    ['a node credential', CREDENTIAL, { accountId: 'prov-1', nodeId: 'n1', roles: ['worker'] }],
  ])(
    'answers %s UNAVAILABLE, never UNAUTHENTICATED, whichever of its round trips the flush lands before',
    async (_what, key, principal: Principal) => {
      const outcomes: string[] = [];
      for (let unit = 1; unit <= 5; unit++) {
        await seed();
        // A gateway that has seen each model whole (the case a flush mid-lookup catches).
        const keys = new ApiKeys(ADMIN_KEY, client);
        expect(await keys.authenticate(`Bearer ${key}`)).toEqual(principal);
        const hook = flushBefore(client, flusher, unit);
        let outcome: string;
        try {
          const found = await keys.authenticate(`Bearer ${key}`);
          expect(found).toEqual(principal);
          outcome = 'ok';
        } catch (error) {
          outcome = String(codeOf(error));
        } finally {
          hook.restore();
        }
        outcomes.push(`${unit}:${hook.flushed() ? 'flushed' : 'not flushed'}:${outcome}`);
      }
      // Flushed before any read: the model is gone, retry. Past the lookup's last round trip: no flush.
      expect(outcomes[0]).toBe('1:flushed:UNAVAILABLE');
      expect(outcomes.at(-1)).toBe('5:not flushed:ok');
      expect(outcomes.filter((o) => o.endsWith(':UNAUTHENTICATED'))).toEqual([]);
      expect(outcomes.every((o) => /:(ok|UNAVAILABLE)$/.test(o))).toBe(true);
    },
  );
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('the gateway and the keys it is sent', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp | undefined;

  const ask = async (query: string, authorization?: string) => {
    const response = await fetch(`${gateway!.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        connection: 'close',
        ...(authorization !== undefined ? { authorization } : {}),
      },
      body: JSON.stringify({ query }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      ...((await response.json()) as Answer),
    };
  };
  const codesOf = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.['code']);

  /** A socket's answer to its connection_init: acked, or closed with a code and reason. */
  const connect = async (payload: Record<string, unknown>) => {
    const ws = new WebSocket(`${gateway!.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const answer = new Promise<{ acked: true } | { code: number; reason: string }>((resolve) => {
      ws.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack')
          resolve({ acked: true });
      });
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connection_init', payload }));
    const result = await answer;
    ws.close();
    return result;
  };

  beforeEach(async () => {
    redis = await DedicatedRedis.start();
  });

  afterEach(async () => {
    await gateway?.app.close();
    gateway = undefined;
    await redis?.stop();
  });

  it('answers UNAVAILABLE, not UNAUTHENTICATED, to a valid key while its model has no epoch, to a gateway that never saw one; whole once the runner has reset and refolded it', async () => {
    // Redis restarted without persistence, the gateway started after it, the services not yet:
    // nothing at all, no epoch either. Before, this gateway took the empty models for whole ones.
    gateway = await startGateway(redis, ADMIN_KEY, {}, { folded: false });
    const buyer = await ask('{ viewer { accountId } }', `Bearer ${BUYER_KEY}`);
    expect(codesOf(buyer)).toEqual(['UNAVAILABLE']);
    expect(buyer.errors?.[0]?.extensions?.['retryAfterMs']).toBe(1_000);
    expect(codesOf(await ask('{ viewer { nodeId } }', `Bearer ${CREDENTIAL}`))).toEqual(['UNAVAILABLE']);
    const markets = await ask('{ markets { totalCount } }');
    expect({ status: markets.status, retryAfter: markets.retryAfter, codes: codesOf(markets) }).toEqual({
      status: 503,
      retryAfter: '1',
      codes: ['UNAVAILABLE'],
    });

    // settlement's runner resets its model (a log of one event to refold: a marker), refolds it,
    // then finds its checkpoint at the end and deletes the marker: what runner.ts does after a flush.
    const client = redis.client();
    const model = { name: settlementReadModel.name, keyPrefix: settlementReadModel.prefix };
    expect(
      await resetReadModel(client, model, { onlyIfNoEpoch: true, endOffsets: { 'events:0': 1 } }),
    ).toMatchObject({
      kind: 'reset',
    });
    expect(codesOf(await ask('{ viewer { accountId } }', `Bearer ${BUYER_KEY}`))).toEqual(['UNAVAILABLE']);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer'); // refolded (the epoch is there: nothing cleared)
    await client.hset(projectionKeys(settlementReadModel.name).checkpoint, 'events:0', '0');
    expect(await finishRebuild(client, settlementReadModel.name)).toBe(true);
    expect(await ask('{ viewer { accountId } }', `Bearer ${BUYER_KEY}`)).toMatchObject({
      data: { viewer: { accountId: 'acc-1' } },
    });
    // A key the whole model does not hold is unknown again.
    expect(codesOf(await ask('{ viewer { accountId } }', `Bearer ${UNKNOWN_KEY}`))).toEqual([
      'UNAUTHENTICATED',
    ]);
    client.disconnect();
  });

  it('answers at once on a brand-new deployment: a model its runner reset on an empty log is whole, though empty', async () => {
    gateway = await startGateway(redis, ADMIN_KEY, {}, { folded: false });
    // What each runner does when it first starts: resetReadModel with the log's ends all 0.
    await markFolded(redis);
    expect(await ask('{ markets { totalCount } }')).toMatchObject({
      status: 200,
      data: { markets: { totalCount: 0 } },
    });
    expect(codesOf(await ask('{ viewer { accountId } }', `Bearer ${UNKNOWN_KEY}`))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(codesOf(await ask('{ viewer { nodeId } }', `Bearer ${CREDENTIAL}`))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a key that is sent and not valid, on public data too, over HTTP and WebSocket; only no key is anonymous', async () => {
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
    const MARKETS = '{ markets { totalCount } }';

    const answered = { data: { markets: { totalCount: expect.any(Number) } } };
    expect(await ask(MARKETS)).toMatchObject(answered);
    expect(await ask(MARKETS, `Bearer ${BUYER_KEY}`)).toMatchObject(answered);
    for (const key of [UNKNOWN_KEY, 'gpxn_auth-int-spec-never-issued-credential']) {
      const refused = await ask(MARKETS, `Bearer ${key}`);
      expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.errors?.[0]?.message).toMatch(/is not known/);
      expect(refused.data?.['markets'] ?? null).toBeNull();
    }
    // Revoked: settlement deletes the key's hash.
    await redis.client().del(settlementReadModel.apiKey(sha256(BUYER_KEY).toString('hex')));
    expect(codesOf(await ask(MARKETS, `Bearer ${BUYER_KEY}`))).toEqual(['UNAUTHENTICATED']);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');

    // A WebSocket: no key is anonymous (public market data), a valid key is its holder's, and a key
    // that is not valid is refused at the connection_init, 4401 with why, never served as anonymous.
    expect(await connect({})).toEqual({ acked: true });
    expect(await connect({ authorization: `Bearer ${BUYER_KEY}` })).toEqual({ acked: true });
    expect(await connect({ authorization: `bearer ${BUYER_KEY}` })).toEqual({ acked: true });
    expect(await connect({ authorization: `Bearer ${UNKNOWN_KEY}` })).toEqual({
      code: 4401,
      reason: 'the API key is not known: it was revoked, or is mistyped',
    });
    expect(await connect({ authorization: 12345 })).toEqual({
      code: 4401,
      reason:
        'the Authorization header (on a WebSocket, connectionParams.authorization) must be the string "Bearer <API key>"',
    });
  });

  it('refuses a request with two keys, whichever comes first, over HTTP and WebSocket', async () => {
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
    // fetch joins repeated headers into one; a client may send them apart, as here. Node kept the
    // first alone, and the request was served as the buyer with an unknown or the admin key after.
    const twoHeaders = (first: string, second: string) =>
      new Promise<{ status: number; body: Answer }>((resolve, reject) => {
        const body = JSON.stringify({ query: '{ viewer { accountId } }' });
        const req = request(
          `${gateway!.url}/graphql`,
          {
            method: 'POST',
            // Headers as a list (to repeat one) get no Host added: Node's server refuses a request without.
            headers: [
              'host',
              new URL(gateway!.url).host,
              'content-type',
              'application/json',
              'authorization',
              `Bearer ${first}`,
              'authorization',
              `Bearer ${second}`,
            ],
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => {
              if (!text.startsWith('{'))
                reject(new Error(`${res.statusCode} ${JSON.stringify(res.headers)} ${text}`));
              else resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (const [first, second] of [
      [BUYER_KEY, UNKNOWN_KEY],
      [UNKNOWN_KEY, BUYER_KEY],
      [BUYER_KEY, ADMIN_KEY],
    ] as const) {
      const { body } = await twoHeaders(first, second);
      expect(body.data?.['viewer'] ?? null).toBeNull();
      expect(body.errors?.map((e) => [e.extensions?.['code'], e.message])).toEqual([
        [
          'UNAUTHENTICATED',
          'the request has 2 Authorization headers: send one, with the key it is made with',
        ],
      ]);
    }
    // The same key twice is still two headers; one header is served.
    expect((await twoHeaders(BUYER_KEY, BUYER_KEY)).body.errors?.[0]?.extensions?.['code']).toBe(
      'UNAUTHENTICATED',
    );
    expect(await ask('{ viewer { accountId } }', `Bearer ${BUYER_KEY}`)).toMatchObject({
      data: { viewer: { accountId: 'acc-1' } },
    });
    // A socket's parameters with two different keys under either spelling.
    expect(
      await connect({ authorization: `Bearer ${BUYER_KEY}`, Authorization: `Bearer ${ADMIN_KEY}` }),
    ).toEqual({
      code: 4401,
      reason: 'the request has 2 Authorization headers: send one, with the key it is made with',
    });
    expect(
      await connect({ authorization: `Bearer ${BUYER_KEY}`, Authorization: `Bearer ${BUYER_KEY}` }),
    ).toEqual({
      acked: true,
    });
    // The key under headers, as several client libraries send it, is a key: before, it was not read
    // at all, and the socket served as anonymous.
    expect(
      await connect({
        authorization: `Bearer ${BUYER_KEY}`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      }),
    ).toEqual({
      code: 4401,
      reason: 'the request has 2 Authorization headers: send one, with the key it is made with',
    });
    expect(await connect({ headers: { Authorization: `Bearer ${UNKNOWN_KEY}` } })).toEqual({
      code: 4401,
      reason: expect.stringContaining('not known') as string,
    });
    expect(await connect({ headers: { authorization: `Bearer ${BUYER_KEY}` } })).toEqual({ acked: true });
  });

  it('takes the Bearer scheme in any case, and tells a well-formed unknown key it is not known', async () => {
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
    const VIEWER = '{ viewer { accountId } }';
    for (const scheme of ['bearer', 'BEARER'])
      expect(await ask(VIEWER, `${scheme} ${BUYER_KEY}`)).toMatchObject({
        data: { viewer: { accountId: 'acc-1' } },
      });
    const bogus = await ask(VIEWER, 'Bearer gpx_bogus');
    expect(codesOf(bogus)).toEqual(['UNAUTHENTICATED']);
    expect(bogus.errors?.[0]?.message).toBe('the API key is not known: it was revoked, or is mistyped');
    expect((await ask(VIEWER, `Token ${BUYER_KEY}`)).errors?.[0]?.message).toMatch(
      /must be the string "Bearer <API key>"/,
    );
  });
});
