// The API's first operations against the real thing: the built settlement service runs as a
// process, the gateway in this one; commands go through Kafka and answers come from Redis.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { capacityReadModel, ordersReadModel, pricingReadModel } from '@gpux/contracts';
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Answer, markFolded, postGraphql } from '../gateway.fixture';
import { gatewayService } from '../service';

const ROOT = resolve(__dirname, '../../../..');
const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

describe('accounts through GraphQL', () => {
  const env = infraEnv();
  const ns = uniqueName('gql');
  let redis: DedicatedRedis;
  let settlement: ChildProcess;
  let gateway: ServiceApp;
  let sweeping: ServiceApp;

  const gql = (query: string, variables: Record<string, unknown> = {}, key: string | null = ADMIN_KEY) =>
    postGraphql(gateway.url, query, { key, variables });
  const codeOf = (r: Answer) => ({
    code: r.errors?.[0]?.extensions?.code,
    field: r.errors?.[0]?.extensions?.field,
  });

  beforeAll(async () => {
    const main = join(ROOT, 'dist/out-tsc/services/settlement/src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx build settlement, or npm test)`);
    redis = await DedicatedRedis.start();
    const port = await freePort();
    settlement = spawn('node', ['infra/runtime/run.js', 'services/settlement'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(port),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitUntil(
      'settlement to answer /health',
      async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
      60_000,
    );
    // The services that do not run here started on an empty log: their models are folded, empty.
    await markFolded(redis, [ordersReadModel, capacityReadModel, pricingReadModel]);
    gateway = await startGateway('60000');
    sweeping = await startGateway('250');
  }, 90_000);

  /**
   * A gateway of the test's own. `keyRecheckMs`: how often it looks the keys of its WebSockets up
   * again; on the first, never within a test, so that a socket's operation finds its own socket
   * open; on the second (`sweeping`), often.
   */
  const startGateway = async (keyRecheckMs: string) =>
    startService(
      gatewayService,
      {
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: ns,
        ADMIN_API_KEY: ADMIN_KEY,
        GATEWAY_WS_KEY_RECHECK_MS: keyRecheckMs,
        LOG_LEVEL: 'fatal',
      },
      { shutdownHooks: false },
    );

  afterAll(async () => {
    await sweeping?.app.close();
    await gateway?.app.close();
    settlement?.kill('SIGTERM');
    if (settlement && settlement.exitCode === null) await new Promise((r) => settlement.once('exit', r));
    await redis?.stop();
  });

  const OPEN =
    'mutation($id: ID!, $owner: String!) { openAccount(accountId: $id, owner: $owner) { id owner balance held } }';
  const DEPOSIT =
    'mutation($id: ID!, $amount: Usd!, $key: String) { deposit(accountId: $id, amount: $amount, idempotencyKey: $key) { id balance } }';

  it('opens an account and credits deposits, answering with what queries then see', async () => {
    expect(await gql(OPEN, { id: 'acc-1', owner: 'Ada' })).toEqual({
      data: { openAccount: { id: 'acc-1', owner: 'Ada', balance: '0.000000', held: '0.000000' } },
    });
    expect(await gql(DEPOSIT, { id: 'acc-1', amount: '12.5', key: 'dep-1' })).toEqual({
      data: { deposit: { id: 'acc-1', balance: '12.500000' } },
    });
    // A retry with the same key is the same deposit, not a second one.
    expect(await gql(DEPOSIT, { id: 'acc-1', amount: '12.5', key: 'dep-1' })).toEqual({
      data: { deposit: { id: 'acc-1', balance: '12.500000' } },
    });
    expect(await gql('query($id: ID!) { account(id: $id) { balance } }', { id: 'acc-1' })).toEqual({
      data: { account: { balance: '12.500000' } },
    });
  });

  it.each([
    ['a negative amount', { id: 'acc-1', amount: '-1' }, { code: 'BAD_USER_INPUT', field: 'amount' }],
    ['too many decimals', { id: 'acc-1', amount: '1.0000001' }, { code: 'BAD_USER_INPUT', field: 'amount' }],
    [
      'an account that does not exist',
      { id: 'acc-nope', amount: '1' },
      { code: 'NOT_FOUND', field: 'accountId' },
    ],
    [
      'a malformed account id',
      { id: 'has spaces', amount: '1' },
      { code: 'BAD_USER_INPUT', field: 'accountId' },
    ],
  ])(
    'refuses a deposit with %s, with its code and field, and changes nothing',
    async (_what, variables, expected) => {
      const response = await gql(DEPOSIT, variables);
      expect(codeOf(response)).toEqual(expected);
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|\.ts:\d+/);
      expect(await gql('query { account(id: "acc-1") { balance } }')).toEqual({
        data: { account: { balance: '12.500000' } },
      });
    },
  );

  it('refuses a blank owner, and text with a control character, naming the field, and changes nothing', async () => {
    for (const owner of ['   ', '\u200b', '\u3164\u2800'])
      expect(codeOf(await gql(OPEN, { id: 'acc-blank', owner }))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'owner',
      });
    const withReference =
      'mutation($id: ID!, $ref: String) { deposit(accountId: $id, amount: "1.00", reference: $ref) { id balance } }';
    const refused = await gql(withReference, { id: 'acc-1', ref: 'wire 7\u0000' });
    expect(codeOf(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'reference' });
    expect(JSON.stringify(refused)).toMatch(/must not hold control characters/);
    expect(await gql('query { account(id: "acc-blank") { id } }')).toEqual({ data: { account: null } });
    expect(await gql('query { account(id: "acc-1") { balance } }')).toEqual({
      data: { account: { balance: '12.500000' } },
    });
  });

  it('refuses opening an account twice with ALREADY_EXISTS', async () => {
    expect(codeOf(await gql(OPEN, { id: 'acc-1', owner: 'Eve' }))).toEqual({
      code: 'ALREADY_EXISTS',
      field: 'accountId',
    });
  });

  it('needs a valid API key: none or a wrong one is UNAUTHENTICATED, and nothing happens', async () => {
    expect(codeOf(await gql(OPEN, { id: 'acc-x', owner: 'X' }, null))).toEqual({
      code: 'UNAUTHENTICATED',
      field: undefined,
    });
    expect(codeOf(await gql(OPEN, { id: 'acc-x', owner: 'X' }, 'not-the-admin-key-0123456789'))).toEqual({
      code: 'UNAUTHENTICATED',
      field: undefined,
    });
    expect(await gql('query { account(id: "acc-x") { id } }')).toEqual({ data: { account: null } });
  });

  it('answers `me` and `viewer` for every kind of key, without nulling the rest of the response', async () => {
    const ME = '{ me { id balance } viewer { kind accountId keyId nodeId roles } system { service } }';
    // The admin key has no account: `me` is null, not an error that nulls the whole answer.
    expect(await gql(ME)).toEqual({
      data: {
        me: null,
        viewer: { kind: 'ADMIN', accountId: null, keyId: null, nodeId: null, roles: [] },
        system: { service: 'gateway' },
      },
    });
    const created = await gql('mutation { createApiKey(accountId: "acc-1", roles: [BUYER]) { keyId key } }');
    const { keyId, key } = (created.data as { createApiKey: { keyId: string; key: string } }).createApiKey;
    expect(await gql(ME, {}, key)).toEqual({
      data: {
        me: { id: 'acc-1', balance: '12.500000' },
        viewer: { kind: 'ACCOUNT', accountId: 'acc-1', keyId, nodeId: null, roles: ['BUYER'] },
        system: { service: 'gateway' },
      },
    });
    // Another account is not this key's to read: refused on the argument that named it.
    expect(codeOf(await gql('{ account(id: "acc-other") { id } }', {}, key))).toEqual({
      code: 'FORBIDDEN',
      field: 'id',
    });
    // Without a key, each field that needs one fails on its own; the others still answer.
    const anonymous = await gql(ME, {}, null);
    expect(anonymous.data).toEqual({ me: null, viewer: null, system: { service: 'gateway' } });
    expect(anonymous.errors?.map((e) => [e.path, e.extensions?.code]).sort()).toEqual([
      [['me'], 'UNAUTHENTICATED'],
      [['viewer'], 'UNAUTHENTICATED'],
    ]);
  });

  it('creates a key at most once per idempotencyKey, and a lost answer says which key to revoke', async () => {
    const CREATE =
      'mutation($k: String) { createApiKey(accountId: "acc-1", roles: [PROVIDER], idempotencyKey: $k) { keyId key } }';
    const first = (await gql(CREATE, { k: 'create-1' })).data as {
      createApiKey: { keyId: string; key: string };
    };
    const again = await gql(CREATE, { k: 'create-1' });
    expect(again.data).toEqual({ createApiKey: null });
    // The very same request again: its message is true of it (never "a different request").
    expect(again.errors?.[0]?.message).toBe(
      `this idempotencyKey was already used, by this same request or another: a secret is shown only once, so a retry cannot show it again, and nothing was done; the first request with it created key ${first.createApiKey.keyId}, whose key was shown once: revoke it and create another with a new idempotencyKey`,
    );
    expect(again.errors?.[0]?.extensions).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      keyId: first.createApiKey.keyId,
    });
    const keys = async () =>
      (
        (await gql('{ account(id: "acc-1") { apiKeys { keyId revoked } } }')).data as {
          account: { apiKeys: { keyId: string; revoked: boolean }[] };
        }
      ).account.apiKeys.filter((k) => k.keyId === first.createApiKey.keyId);
    expect(await keys()).toEqual([{ keyId: first.createApiKey.keyId, revoked: false }]);
    // The recovery: revoke it (a retry of the revocation is the same revocation), and it stops working.
    const REVOKE =
      'mutation($id: ID!, $k: String) { revokeApiKey(accountId: "acc-1", keyId: $id, idempotencyKey: $k) }';
    for (let i = 0; i < 2; i++)
      expect(await gql(REVOKE, { id: first.createApiKey.keyId, k: 'revoke-1' })).toEqual({
        data: { revokeApiKey: true },
      });
    expect(await keys()).toEqual([{ keyId: first.createApiKey.keyId, revoked: true }]);
    expect(codeOf(await gql('{ viewer { kind } }', {}, first.createApiKey.key)).code).toBe('UNAUTHENTICATED');
  });

  it("lists an account's keys in the order they were created, each with its creation time, a revoked one keeping its own", async () => {
    await gql('mutation { openAccount(accountId: "acc-keys", owner: "Keys") { id } }');
    const before = new Date().toISOString();
    const created: string[] = [];
    for (const roles of ['BUYER', 'PROVIDER', 'BUYER']) {
      const answer = (
        await gql(`mutation { createApiKey(accountId: "acc-keys", roles: [${roles}]) { keyId } }`)
      ).data as { createApiKey: { keyId: string } };
      created.push(answer.createApiKey.keyId);
    }
    const after = new Date().toISOString();
    const keys = async () =>
      (
        (await gql('{ account(id: "acc-keys") { apiKeys { keyId createdAt revoked } } }')).data as {
          account: { apiKeys: { keyId: string; createdAt: string; revoked: boolean }[] };
        }
      ).account.apiKeys;
    const listed = await keys();
    // Oldest first, however their ids sort.
    expect(listed.map((k) => k.keyId)).toEqual(created);
    const times = listed.map((k) => k.createdAt);
    expect([...times].sort()).toEqual(times);
    for (const time of times) {
      expect(time >= before && time <= after).toBe(true);
      expect(new Date(time).toISOString()).toBe(time);
    }
    // Revoked, the first keeps its place and its time.
    expect(
      await gql('mutation($id: ID!) { revokeApiKey(accountId: "acc-keys", keyId: $id) }', { id: created[0] }),
    ).toEqual({ data: { revokeApiKey: true } });
    expect(await keys()).toEqual(listed.map((k, i) => ({ ...k, revoked: i === 0 })));
  });

  it('says a key revoked already is revoked, when it is revoked again; a key that never was is NOT_FOUND as before', async () => {
    const { keyId } = (
      (await gql('mutation { createApiKey(accountId: "acc-1", roles: [BUYER]) { keyId } }')).data as {
        createApiKey: { keyId: string };
      }
    ).createApiKey;
    const REVOKE =
      'mutation($id: ID!, $k: String) { revokeApiKey(accountId: "acc-1", keyId: $id, idempotencyKey: $k) }';
    expect(await gql(REVOKE, { id: keyId, k: 'revoke-twice-1' })).toEqual({ data: { revokeApiKey: true } });
    const again = await gql(REVOKE, { id: keyId, k: 'revoke-twice-2' });
    expect(again.data).toEqual({ revokeApiKey: null });
    expect(again.errors?.[0]?.message).toBe(
      `key ${keyId} of account acc-1 is already revoked: nothing was done (Account.apiKeys lists it, revoked)`,
    );
    expect(again.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'keyId', revoked: true });
    const never = await gql(REVOKE, { id: 'key-that-never-was', k: 'revoke-never' });
    expect(never.errors?.[0]?.message).toBe('account acc-1 has no valid key key-that-never-was');
    expect(never.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'keyId' });
  });

  it("stops a key within the request that revoked it: a request's mutations after the first run on the key as it stands then", async () => {
    const create = async () =>
      (
        (await gql('mutation { createApiKey(accountId: "acc-1", roles: [BUYER]) { keyId key } }')).data as {
          createApiKey: { keyId: string; key: string };
        }
      ).createApiKey;
    const own = await create();
    const other = await create();
    // Before, the second mutation ran on the key as the request was let in with: a revoked key
    // went on (a request of 20 placeOrders went on placing orders after an admin revoked its key).
    const both = await gql(
      'mutation($own: ID!, $other: ID!) { a: revokeApiKey(accountId: "acc-1", keyId: $own) b: revokeApiKey(accountId: "acc-1", keyId: $other) }',
      { own: own.keyId, other: other.keyId },
      own.key,
    );
    expect(both.data).toEqual({ a: true, b: null });
    expect(both.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'UNAUTHENTICATED']]);
    const keys = (
      (await gql('{ account(id: "acc-1") { apiKeys { keyId revoked } } }')).data as {
        account: { apiKeys: { keyId: string; revoked: boolean }[] };
      }
    ).account.apiKeys.filter((k) => k.keyId === own.keyId || k.keyId === other.keyId);
    expect(keys).toEqual(
      expect.arrayContaining([
        { keyId: own.keyId, revoked: true },
        { keyId: other.keyId, revoked: false },
      ]),
    );
    // A key that holds runs every mutation of a request.
    const admin = await gql(
      'mutation($other: ID!) { a: revokeApiKey(accountId: "acc-1", keyId: $other) b: openAccount(accountId: "acc-rekey", owner: "Rekey") { id } }',
      { other: other.keyId },
    );
    expect(admin).toEqual({ data: { a: true, b: { id: 'acc-rekey' } } });
  });

  it('stops a revoked key on the WebSockets opened with it: its next operation is refused, and the socket is closed 4401 at the next look at its key, its subscriptions with it', async () => {
    const created = await gql('mutation { createApiKey(accountId: "acc-1", roles: [BUYER]) { keyId key } }');
    const { keyId, key } = (created.data as { createApiKey: { keyId: string; key: string } }).createApiKey;
    const closedWith: number[] = [];
    const socket = (on: ServiceApp) =>
      createClient({
        url: `${on.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        // One socket each, held open between operations (graphql-ws would close an idle one).
        lazy: false,
        retryAttempts: 0,
        // The close is expected, and checked through `closed`: not printed as an error.
        onNonLazyError: () => undefined,
        on: { closed: (event) => void closedWith.push((event as { code: number }).code) },
      });
    const once = (client: Client, query: string) =>
      new Promise<unknown>((resolve) => {
        let result: unknown;
        client.subscribe(
          { query },
          { next: (v) => (result = v), error: (e) => resolve({ error: e }), complete: () => resolve(result) },
        );
      });
    const querying = socket(gateway);
    const watching = socket(sweeping);
    try {
      expect(await once(querying, '{ me { id } }')).toEqual({ data: { me: { id: 'acc-1' } } });
      const ended = new Promise<unknown>((resolve) =>
        watching.subscribe(
          { query: 'subscription { myOrderUpdated { id } }' },
          { next: () => undefined, error: resolve, complete: () => resolve('completed') },
        ),
      );
      // Subscribed (an operation that answers comes back after it on the same socket).
      expect(await once(watching, '{ me { id } }')).toEqual({ data: { me: { id: 'acc-1' } } });

      expect(
        await gql('mutation($id: ID!) { revokeApiKey(accountId: "acc-1", keyId: $id) }', { id: keyId }),
      ).toEqual({ data: { revokeApiKey: true } });
      await waitUntil(
        'the revoked key to be refused over HTTP',
        async () => codeOf(await gql('{ viewer { kind } }', {}, key)).code === 'UNAUTHENTICATED',
        10_000,
      );
      // The socket's next operation has its key looked up again: refused.
      const refused = (await once(querying, '{ me { id } }')) as { error: unknown };
      expect(refused.error).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
      // The other socket, running only its subscription, is closed by its gateway's next look at its key.
      expect(await ended).toMatchObject({
        code: 4401,
        reason: 'the API key was revoked: connect with a valid key',
      });
      await waitUntil('the socket to be closed', async () => closedWith.length === 1, 5_000);
      expect(closedWith).toEqual([4401]);
      // The first socket, on a gateway that looks again once a minute, stays refused until then.
      expect(((await once(querying, '{ viewer { kind } }')) as { error: unknown }).error).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
    } finally {
      await querying.dispose();
      await watching.dispose();
    }
  });

  it('answers each of several mutations in one request on its own: a refusal hides neither the one before nor the one after', async () => {
    await gql(OPEN, { id: 'acc-batch', owner: 'Batch' });
    const batch = await gql(`mutation {
      first: deposit(accountId: "acc-batch", amount: "5.00", idempotencyKey: "batch-1") { balance }
      refused: withdraw(accountId: "acc-batch", amount: "1000.00", idempotencyKey: "batch-2") { balance }
      after: deposit(accountId: "acc-batch", amount: "2.00", idempotencyKey: "batch-3") { balance }
    }`);
    expect(batch.data).toEqual({
      first: { balance: '5.000000' },
      refused: null,
      after: { balance: '7.000000' },
    });
    expect(batch.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.field])).toEqual([
      [['refused'], 'INSUFFICIENT_FUNDS', 'amount'],
    ]);
    // The figures, as a bid's refusal for want of funds gives them: what it asked, what there was.
    expect(batch.errors?.[0]?.extensions).toMatchObject({ required: '1000.000000', available: '5.000000' });
    // What the answer showed happened once: the same request again changes nothing (a retry
    // answers with the account as it is now).
    expect(
      (
        await gql(`mutation {
      first: deposit(accountId: "acc-batch", amount: "5.00", idempotencyKey: "batch-1") { balance }
      after: deposit(accountId: "acc-batch", amount: "2.00", idempotencyKey: "batch-3") { balance }
    }`)
      ).data,
    ).toEqual({ first: { balance: '7.000000' }, after: { balance: '7.000000' } });
    expect(await gql('query { account(id: "acc-batch") { balance } }')).toEqual({
      data: { account: { balance: '7.000000' } },
    });
  });

  it('refuses an empty, overlong or control-character idempotency key on its field, never repeating it, and changes nothing', async () => {
    await gql(OPEN, { id: 'acc-keys', owner: 'Keys' });
    for (const [key, says] of [
      ['', /^idempotencyKey is empty: leave it out for none/],
      ['k'.repeat(10_000), /^idempotencyKey is 10000 characters long/],
      ['a\nb\u0000', /^idempotencyKey has "\\n" at position 2/],
    ] as const) {
      const refused = await gql(DEPOSIT, { id: 'acc-keys', amount: '1.00', key });
      expect(refused.data).toEqual({ deposit: null });
      expect(codeOf(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
      expect(refused.errors?.[0]?.message).toMatch(says);
      expect(refused.errors?.[0]?.message.length).toBeLessThan(200);
    }
    expect(await gql('query { account(id: "acc-keys") { balance } }')).toEqual({
      data: { account: { balance: '0.000000' } },
    });
  });

  it('refuses a query nested too deep with QUERY_TOO_COMPLEX', async () => {
    // No query of this schema's own types can nest past 7 levels (markets > edges > node > trades >
    // edges > node > a field), so the deep queries a client can send are introspections. The ones
    // GraphQL tools send are answered (limits.int-spec); one nested past MAX_INTROSPECTION_DEPTH
    // (24 below __type) is refused.
    const deep = `{ __type(name: "Order") { ${'ofType { '.repeat(25)}name${' }'.repeat(25)} } }`;
    expect(codeOf(await gql(deep))).toEqual({ code: 'QUERY_TOO_COMPLEX', field: undefined });
  });
});
