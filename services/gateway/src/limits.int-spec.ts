// Issue 11, hostile input: the same rules on every transport. Through the real gateway (real Kafka
// and a Redis of its own), over HTTP and over graphql-ws: the cost limit counts list sizes, the
// WebSocket server caps frames and operations per socket and keeps anonymous sockets to public
// market data, and the per-caller rate limit answers RATE_LIMITED with when to retry.
import { NUMBER_LIMITS } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { request as httpRequest, type Server } from 'node:http';
import { createConnection, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { getIntrospectionQuery } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { admit, rateRule } from './api/rate-limit';
import { RateLimiter } from './api/rate-limiter';
import { seedApiKey, seedMarket, startGateway } from './gateway.fixture';

const ADMIN_KEY = 'limits-int-spec-admin-key-0123456789';
const BUYER_KEY = 'gpx_limits-int-spec-buyer-key-0123456789';
const CANDLE = 'start open high low close volume value trades';
/** Within the field limit, over the cost budget: 10 markets x 500 candles x 8 fields. */
const OVER_BUDGET = `{ markets(first: 10) { edges { node { candles(limit: 500) { ${CANDLE} } } } } }`;
const ALIASES_400 = `{ ${Array.from({ length: 400 }, (_, i) => `a${i}: __typename`).join(' ')} }`;

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function http(
  url: string,
  query: string,
  key?: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; retryAfter: string | null; body: Result }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Result,
  };
}

function socket(url: string, key?: string): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
  });
}

/** The first answer to an operation over the socket: its result, or the errors it was refused with. */
function first(client: Client, query: string, variables?: Record<string, unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const stop = client.subscribe<Record<string, unknown>>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (value) => {
          stop();
          resolve(value as Result);
        },
        error: (error) =>
          Array.isArray(error) ? resolve({ errors: error as Result['errors'] }) : reject(error),
        complete: () => undefined,
      },
    );
  });
}

const codes = (r: Result) => r.errors?.map((e) => e.extensions?.['code']);

/** A GET with a body, which fetch will not send: over a raw request. */
function rawGet(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: Result }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'GET', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Result }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('gateway limits on HTTP and WebSocket', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  const clients: Client[] = [];
  const open = (key?: string) => {
    const c = socket(gateway.url, key);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'limits-buyer', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await gateway?.app.close();
    await redis?.stop();
  });

  it('refuses a 400-alias query over graphql-ws as over HTTP, with or without a key', async () => {
    const overHttp = await http(gateway.url, ALIASES_400);
    expect(overHttp.status).toBe(400);
    expect(codes(overHttp.body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codes(await first(open(), ALIASES_400))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codes(await first(open(ADMIN_KEY), ALIASES_400))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('answers a body it cannot read as a GraphQL error, BAD_REQUEST with what to fix, under the status that says why', async () => {
    const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return { status: response.status, body: (await response.json()) as Result };
    };
    const cases: [string, Promise<{ status: number; body: Result }>, number, RegExp][] = [
      [
        'cut short',
        post('{"query":'),
        400,
        /^the request body is not a JSON object \(.+\): send a JSON object/,
      ],
      [
        'not an object',
        post('null'),
        400,
        /^the request body is not a JSON object but null: send a JSON object/,
      ],
      [
        // The parser's words called it invalid JSON: `Unexpected token '"', ""hi"" is not valid JSON`.
        'JSON, but a string',
        post('"{ __typename }"'),
        400,
        /^the request body is not a JSON object but a string: send a JSON object such as/,
      ],
      [
        'a batch of operations',
        post('[{"query": "{ __typename }"}, {"query": "{ __typename }"}]'),
        400,
        /^batched requests \(a JSON array of operations\) are not taken: send each operation in a request of its own/,
      ],
      [
        'over 1 MB',
        post(`{"query": "${' '.repeat(1_100_000)}"}`),
        413,
        /^the request body is over 1000000 bytes/,
      ],
      [
        'in another charset',
        post('{"query": "{ __typename }"}', { 'content-type': 'application/json; charset=latin1' }),
        415,
        /unsupported charset "LATIN1": send the body as JSON in UTF-8/,
      ],
      [
        // It was decoded as UTF-16, and its parse error quoted the bytes back as CJK characters.
        'as UTF-16, which JSON is not',
        post('{"query": "{ __typename }"}', { 'content-type': 'application/json; charset=utf-16' }),
        415,
        /^unsupported charset "UTF-16": send the body as JSON in UTF-8/,
      ],
      [
        'in an unknown encoding',
        post('{"query": "{ __typename }"}', { 'content-encoding': 'x-squash' }),
        415,
        /unsupported content encoding "x-squash": send the body uncompressed/,
      ],
      [
        'not deflate as its content-encoding says',
        post('{"query": "{ __typename }"}', { 'content-encoding': 'deflate' }),
        400,
        /^the body is not compressed as its content-encoding says: send it compressed whole/,
      ],
      [
        'gzip cut short',
        post(gzipSync('{"query": "{ __typename }"}').subarray(0, 12), { 'content-encoding': 'gzip' }),
        400,
        /^the compressed body is cut short: send it compressed whole/,
      ],
      [
        'not brotli',
        post('garbage garbage garbage', { 'content-encoding': 'br' }),
        400,
        /^the body is not compressed as its content-encoding says/,
      ],
    ];
    for (const [what, answer, status, message] of cases) {
      const { status: got, body } = await answer;
      expect({ what, status: got, codes: codes(body) }).toEqual({ what, status, codes: ['BAD_REQUEST'] });
      expect(body.errors?.[0]?.message).toMatch(message);
    }
    // The gateway is unharmed: the next request is answered.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('names the part of the request at fault (extensions.field) when its shape is refused, POST or GET', async () => {
    const post = async (body: string) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return (await response.json()) as Result;
    };
    const get = async (search: string) => {
      const response = await fetch(`${gateway.url}/graphql?${search}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      return (await response.json()) as Result;
    };
    const cases: [string, Promise<Result>, string][] = [
      // A client that JSON-encodes its variables twice.
      ['variables as a string', post('{"query": "{ __typename }", "variables": "{}"}'), 'variables'],
      ['variables as a list', post('{"query": "{ __typename }", "variables": [1]}'), 'variables'],
      ['extensions as a string', post('{"query": "{ __typename }", "extensions": "{}"}'), 'extensions'],
      ['operationName as a number', post('{"query": "{ __typename }", "operationName": 1}'), 'operationName'],
      ['query as a number', post('{"query": 5}'), 'query'],
      ['no query', post('{"variables": {}}'), 'query'],
      ['GET variables not JSON', get('query=%7B__typename%7D&variables=%7Bn%3A1%7D'), 'variables'],
      ['GET variables a list', get('query=%7B__typename%7D&variables=%5B1%5D'), 'variables'],
      ['GET query twice', get('query=%7B__typename%7D&query=%7B__typename%7D'), 'query'],
    ];
    for (const [what, answer, field] of cases) {
      const body = await answer;
      expect({ what, extensions: body.errors?.[0]?.extensions }).toEqual({
        what,
        extensions: { code: 'BAD_REQUEST', field },
      });
    }
  });

  it('answers a method that carries no GraphQL request 405 with the methods that do, naming the method as the part at fault', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      const body = (await response.json()) as Result;
      expect({
        method,
        status: response.status,
        allow: response.headers.get('allow'),
        extensions: body.errors?.[0]?.extensions,
      }).toEqual({
        method,
        status: 405,
        allow: 'GET, POST',
        extensions: { code: 'BAD_REQUEST', field: 'method' },
      });
      expect(body.errors?.[0]?.message).toMatch(
        new RegExp(`^a GraphQL request is not sent with ${method}: POST it`),
      );
    }
    // POST and GET are served as before.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a request Node cannot parse as a GraphQL error too (431, 400), where Node sent a bare status line', async () => {
    // A query in a URL over Node's 16 KiB of request line and headers.
    const long = await fetch(
      `${gateway.url}/graphql?query=${encodeURIComponent(`{ ${'a'.repeat(20_000)} }`)}`,
    );
    expect(long.status).toBe(431);
    const longBody = (await long.json()) as Result;
    expect(codes(longBody)).toEqual(['BAD_REQUEST']);
    expect(longBody.errors?.[0]?.message).toMatch(/over 16 KiB: send a long query in the body of a POST/);
    // Not HTTP at all.
    const raw = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(gateway.url);
      const socket = createConnection({ host: '127.0.0.1', port: Number(port) }, () =>
        socket.write('HELLO\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const rawBody = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Result;
    expect(codes(rawBody)).toEqual(['BAD_REQUEST']);
    expect(rawBody.errors?.[0]?.message).toMatch(/send a POST with content-type application\/json/);
    // Apollo's own refusal of a GET that could be a cross-site request: no line break left at its end.
    const csrf = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    const csrfBody = (await csrf.json()) as Result;
    expect({ status: csrf.status, codes: codes(csrfBody) }).toEqual({ status: 400, codes: ['BAD_REQUEST'] });
    expect(csrfBody.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery .*apollo-require-preflight$/);
    // The gateway is unharmed.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers the introspection query GraphQL tools send (15 levels deep), over HTTP and graphql-ws', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      inputValueDeprecation: true,
    });
    const overHttp = await http(gateway.url, query);
    expect(overHttp.status).toBe(200);
    expect(overHttp.body.errors).toBeUndefined();
    const types = (overHttp.body.data?.['__schema'] as { types: { name: string }[] }).types.map(
      (t) => t.name,
    );
    expect(types).toEqual(
      expect.arrayContaining(['Query', 'Mutation', 'Subscription', 'Order', 'ErrorCode']),
    );
    // (An anonymous socket may only subscribe to public market data: introspect with a key.)
    const overWs = await first(open(ADMIN_KEY), query);
    expect(overWs.errors).toBeUndefined();
    expect(overWs.data).toEqual(overHttp.body.data);
  });

  it('refuses a subscription sent over HTTP with BAD_REQUEST saying to use the WebSocket, which serves it', async () => {
    const subscription = 'subscription { tickerUpdated(marketId: "m1") { last } }';
    const overHttp = await http(gateway.url, subscription, ADMIN_KEY);
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_REQUEST' }]);
    expect(overHttp.body.errors?.[0]?.message).toMatch(
      /^subscriptions are served over WebSocket, not HTTP: open ws:\/\/<gateway>\/graphql with the graphql-transport-ws protocol/,
    );
    // A GET of it is told the same (it was 405, Allow: POST, though a POST of it is refused too),
    // the operation picked by operationName as Apollo picks it; a GET of a query is served.
    const get = (query: string, operationName?: string) =>
      fetch(
        `${gateway.url}/graphql?query=${encodeURIComponent(query)}${operationName ? `&operationName=${operationName}` : ''}`,
        { headers: { 'apollo-require-preflight': '1' } },
      );
    for (const [query, operationName] of [
      [subscription, undefined],
      [`query Q { __typename } ${subscription.replace('subscription', 'subscription S')}`, 'S'],
    ] as const) {
      const overGet = await get(query, operationName);
      expect({
        status: overGet.status,
        allow: overGet.headers.get('allow'),
        body: await overGet.json(),
      }).toEqual({
        status: 400,
        allow: null,
        body: {
          errors: [{ message: overHttp.body.errors?.[0]?.message, extensions: { code: 'BAD_REQUEST' } }],
        },
      });
    }
    expect(
      await (
        await get(`query Q { __typename } ${subscription.replace('subscription', 'subscription S')}`, 'Q')
      ).json(),
    ).toEqual({
      data: { __typename: 'Query' },
    });
    // The same operation over the WebSocket is admitted: no error before its first event.
    const client = open(ADMIN_KEY);
    const refused: unknown[] = [];
    const stop = client.subscribe(
      { query: subscription },
      { next: () => undefined, error: (e) => refused.push(e), complete: () => undefined },
    );
    // The socket answers in order: once a later operation is answered, the subscription was admitted.
    expect(await first(client, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    expect(refused).toEqual([]);
    stop();
  });

  it('answers a malformed persisted query as BAD_REQUEST naming what is wrong, never as an internal error', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Result };
    };
    const query = '{ __typename }';
    const cases: [unknown, number, Record<string, unknown>][] = [
      [
        { query, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } },
        400,
        { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' },
      ],
      [
        { query, extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } },
        400,
        { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.version' },
      ],
      [
        { query, extensions: { persistedQuery: 'x' } },
        400,
        { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.version' },
      ],
      // A hash that is no sha256 was looked up, and answered PERSISTED_QUERY_NOT_FOUND: an APQ client
      // sent the query again with the same hash, to be refused again.
      [
        { extensions: { persistedQuery: { version: 1, sha256Hash: { not: 'a string' } } } },
        400,
        { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' },
      ],
      [
        { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } },
        400,
        { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' },
      ],
      // A well-formed hash the gateway does not hold is still not found: the client sends the query.
      [
        { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } },
        200,
        { code: 'PERSISTED_QUERY_NOT_FOUND', field: 'extensions.persistedQuery.sha256Hash' },
      ],
    ];
    for (const [body, status, extensions] of cases) {
      const answer = await post(body);
      expect({ body, status: answer.status, extensions: answer.body.errors?.[0]?.extensions }).toEqual({
        body,
        status,
        extensions,
      });
    }
    // In a GET's extensions parameter alike.
    const extensions = encodeURIComponent(
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'abc' } }),
    );
    const get = await fetch(`${gateway.url}/graphql?extensions=${extensions}`, {
      headers: { 'apollo-require-preflight': '1' },
    });
    const getBody = (await get.json()) as Result;
    expect({ status: get.status, extensions: getBody.errors?.map((e) => e.extensions) }).toEqual({
      status: 400,
      extensions: [{ code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' }],
    });
    expect(getBody.errors?.[0]?.message).toBe(
      'extensions.persistedQuery.sha256Hash must be the sha256 of the query text as 64 lowercase hex characters (this one is 3 characters long)',
    );
  });

  it("tells a POST whose body Apollo did not read which of Apollo's three causes it is: no content type, one not read, an empty body, no keys", async () => {
    // A body of bytes: fetch names a string's type text/plain itself.
    const post = async (body: string | undefined, headers: Record<string, string>) => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body: new Uint8Array(Buffer.from(body)) }),
      });
      return { status: response.status, body: (await response.json()) as Result };
    };
    const QUERY = '{"query": "{ __typename }"}';
    const AS_JSON = 'send the body as JSON, with the header content-type: application/json';
    const SHAPE = 'send a JSON object such as {"query": "{ __typename }", "variables": {}}';
    // Before, each was "POST body missing, invalid Content-Type, or JSON object has no keys."
    const cases: [string, () => ReturnType<typeof post>, string][] = [
      [
        'no content type',
        () => post(QUERY, { 'apollo-require-preflight': '1' }),
        `the request has no content-type header, so its body was not read: ${AS_JSON}`,
      ],
      [
        'text/plain',
        () => post(QUERY, { 'content-type': 'text/plain', 'apollo-require-preflight': '1' }),
        `the request's content-type is "text/plain", which the gateway does not read: ${AS_JSON}`,
      ],
      [
        'XML',
        () => post(QUERY, { 'content-type': 'application/xml' }),
        `the request's content-type is "application/xml", which the gateway does not read: ${AS_JSON}`,
      ],
      [
        'no body',
        () => post(undefined, { 'content-type': 'application/json' }),
        `the request body is empty: ${SHAPE}`,
      ],
      [
        'an empty body',
        () => post('', { 'content-type': 'application/json' }),
        `the request body is empty: ${SHAPE}`,
      ],
      [
        'an object with no keys',
        () => post('{}', { 'content-type': 'application/json' }),
        `the request body is an object with no keys: ${SHAPE}`,
      ],
    ];
    for (const [what, answer, message] of cases) {
      const { status, body } = await answer();
      expect({ what, status, errors: body.errors }).toEqual({
        what,
        status: 400,
        errors: [{ message, extensions: { code: 'BAD_REQUEST' } }],
      });
    }
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('names the field at fault of a document that does not fit the schema, over graphql-ws as over HTTP', async () => {
    const cases: [string, Record<string, unknown>[]][] = [
      [
        'subscription { tickerUpdated(marketID: "m1") { last } }',
        [
          { code: 'GRAPHQL_VALIDATION_FAILED', field: 'marketID' },
          { code: 'GRAPHQL_VALIDATION_FAILED', field: 'marketId' },
        ],
      ],
      [
        'mutation { placeOrder(input: { marketId: "m1", side: BUY, gpus: 1.5, hours: 1, price: "1e3" }) { id } }',
        [
          { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.side' },
          { code: 'GRAPHQL_VALIDATION_FAILED', field: 'input.gpus' },
          { code: 'BAD_USER_INPUT', field: 'input.price' },
        ],
      ],
    ];
    for (const [query, expected] of cases) {
      expect((await http(gateway.url, query, ADMIN_KEY)).body.errors?.map((e) => e.extensions)).toEqual(
        expected,
      );
      expect((await first(open(ADMIN_KEY), query)).errors?.map((e) => e.extensions)).toEqual(expected);
    }
  });

  it("refuses @skip or @include on a subscription's root field GRAPHQL_VALIDATION_FAILED naming it, over graphql-ws and HTTP (it was INTERNAL_SERVER_ERROR, HTTP 500), and the socket serves on", async () => {
    const cases: [string, Record<string, unknown> | undefined][] = [
      ['subscription { tickerUpdated(marketId: "m1") @skip(if: true) { last } }', undefined],
      ['subscription { tickerUpdated(marketId: "m1") @include(if: false) { last } }', undefined],
      // GraphQL lets whitespace, commas and comments stand between `@` and the name.
      ['subscription { tickerUpdated(marketId: "m1") @ ,skip(if: true) { last } }', undefined],
      ['subscription($s: Boolean!) { tickerUpdated(marketId: "m1") @skip(if: $s) { last } }', { s: false }],
      [
        'subscription($s: Boolean!) { ... @include(if: $s) { tickerUpdated(marketId: "m1") { last } } }',
        { s: true },
      ],
      [
        'subscription S { ...F @skip(if: false) } fragment F on Subscription { tickerUpdated(marketId: "m1") { last } }',
        undefined,
      ],
    ];
    const refused = [{ code: 'GRAPHQL_VALIDATION_FAILED', field: 'tickerUpdated' }];
    const client = open(BUYER_KEY);
    for (const [query, variables] of cases) {
      const overHttp = await http(gateway.url, query, BUYER_KEY, variables);
      expect({
        query,
        status: overHttp.status,
        errors: overHttp.body.errors?.map((e) => e.extensions),
      }).toEqual({ query, status: 400, errors: refused });
      const overWs = await first(client, query, variables);
      expect({ query, errors: overWs.errors?.map((e) => e.extensions) }).toEqual({ query, errors: refused });
    }
    // Below the root field the directives are the client's to use; and the socket serves on.
    expect(await first(client, '{ market(id: "m1") { id gpuClass @skip(if: true) } }')).toEqual({
      data: { market: { id: 'm1' } },
    });
  });

  it('answers an operationName that resolves no operation OPERATION_RESOLUTION_FAILURE over graphql-ws, as over HTTP', async () => {
    const client = open(BUYER_KEY);
    const overWs = (query: string, operationName?: string) =>
      new Promise<Result>((resolve, reject) => {
        client.subscribe(
          { query, ...(operationName ? { operationName } : {}) },
          {
            next: (value) => resolve(value as Result),
            error: (error) =>
              Array.isArray(error) ? resolve({ errors: error as Result['errors'] }) : reject(error),
            complete: () => undefined,
          },
        );
      });
    const cases: [string, string | undefined, string][] = [
      ['query A { __typename }', 'B', 'Unknown operation named "B".'],
      [
        'query A { __typename } query B { __typename }',
        undefined,
        'Must provide operation name if query contains multiple operations.',
      ],
    ];
    for (const [query, operationName, message] of cases) {
      const expected = [
        { message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE', field: 'operationName' } },
      ];
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BUYER_KEY}` },
        body: JSON.stringify({ query, operationName }),
      });
      const overHttp = (await response.json()) as Result;
      expect(overHttp.errors?.map(({ message, extensions }) => ({ message, extensions }))).toEqual(expected);
      expect((await overWs(query, operationName)).errors).toEqual(expected);
    }
  });

  it("names one input's field alike whichever check finds it: a literal, a variable, or the market's rules, over graphql-ws as over HTTP", async () => {
    const PLACE = 'mutation($o: PlaceOrderInput!) { placeOrder(input: $o) { id } }';
    const order = { marketId: 'm1', side: 'BID', gpus: 1, hours: 1, price: '2.00' };
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      // graphql-js names the variable ("o.gpus"): the argument path it is used at, as a literal's.
      [
        { ...order, gpus: 1.5 },
        { code: 'BAD_USER_INPUT', field: 'input.gpus' },
      ],
      // The market's tick, checked by the resolver against the market as the read model shows it.
      [
        { ...order, price: '2.005' },
        { code: 'BAD_USER_INPUT', field: 'input.price' },
      ],
    ];
    for (const [o, expected] of cases) {
      expect(
        (await http(gateway.url, PLACE, BUYER_KEY, { o })).body.errors?.map((e) => e.extensions),
      ).toEqual([expected]);
      expect((await first(open(BUYER_KEY), PLACE, { o })).errors?.map((e) => e.extensions)).toEqual([
        expected,
      ]);
    }
  });

  it('refuses a JSON argument written in the document that is not a JSON object as the Usd or DateTime literal it is like: BAD_USER_INPUT naming its field, with its location, over graphql-ws as over HTTP', async () => {
    // These were GRAPHQL_VALIDATION_FAILED with no field and no location; a bare name was said to be a variable.
    const cases: [string, string, RegExp][] = [
      ['"x"', 'commitment', /^must be a JSON object$/],
      ['[1, 2]', 'commitment', /^must be a JSON object$/],
      ['{ a: [1, FOO] }', 'commitment.a', /^JSON has no bare names: write FOO as a string, "FOO"$/],
      ['{ a: { b: $c } }', 'commitment.a.b', /cannot hold a variable \(\$c\): pass the whole JSON object/],
    ];
    for (const [value, field, message] of cases) {
      const document = `mutation($c: Int) { commitChallenge(challengeId: "chl-1", commitment: ${value}) }`;
      const overHttp = await http(gateway.url, document);
      expect(overHttp.status).toBe(400);
      const overWs = await first(open(), document);
      for (const answer of [overHttp.body, overWs]) {
        const errors = (answer.errors ?? []) as {
          message: string;
          locations?: unknown[];
          extensions?: Record<string, unknown>;
        }[];
        const refusal = errors.find((e) => e.extensions?.['field'] === field);
        expect(refusal?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
        expect(refusal?.message).toMatch(message);
        expect(refusal?.locations).toHaveLength(1);
      }
    }
  });

  it('refuses a GPU model name with an invisible character, which looks like another name, naming its field', async () => {
    // "L\u200b4" shows as L4 everywhere, and a node of model L4 could never register in its market.
    const OPEN = 'mutation($i: OpenMarketInput!) { openMarket(input: $i) { id } }';
    const market = { marketId: 'm-zw', minTflopsPerGpu: 1, tickSize: '0.01', feeRateBps: 1 };
    for (const gpuClass of ['L\u200b4', 'H100\u00ad80GB']) {
      const refused = await http(gateway.url, OPEN, ADMIN_KEY, { i: { ...market, gpuClass } });
      expect(refused.body.errors?.map((e) => e.extensions)).toEqual([
        { code: 'BAD_USER_INPUT', field: 'input.gpuClass' },
      ]);
      expect(refused.body.errors?.[0]?.message).toMatch(/must not hold invisible characters/);
    }
  });

  it('refuses a malformed id anywhere, before anything runs, naming its field, over graphql-ws as over HTTP', async () => {
    const rule = 'an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit';
    const cases: [string, Record<string, unknown> | undefined, Record<string, unknown>[]][] = [
      // An id no service validates (an order to cancel) was answered NOT_FOUND repeating it.
      [
        'mutation { cancelOrder(orderId: "") { id } }',
        undefined,
        [{ code: 'BAD_USER_INPUT', field: 'orderId', message: `orderId is empty: ${rule}` }],
      ],
      [
        'query($id: ID!) { market(id: $id) { id } }',
        { id: 'x'.repeat(5000) },
        [{ code: 'BAD_USER_INPUT', field: 'id', message: `id is 5000 characters long: ${rule}` }],
      ],
      [
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { marketId: 'm1\u0000', side: 'BID', gpus: 1, hours: 1, price: '1.00' } },
        [
          {
            code: 'BAD_USER_INPUT',
            field: 'input.marketId',
            message: `input.marketId has "\\u0000" at position 3: ${rule}`,
          },
        ],
      ],
      [
        '{ market(id: "m1") { id } other: market(id: "m1\\n") { id } }',
        undefined,
        [{ code: 'BAD_USER_INPUT', field: 'id', message: `id has "\\n" at position 3: ${rule}` }],
      ],
    ];
    const refusals = (r: Result) => r.errors?.map((e) => ({ ...e.extensions, message: e.message }));
    for (const [query, variables, expected] of cases) {
      const overHttp = await http(gateway.url, query, ADMIN_KEY, variables);
      expect(refusals(overHttp.body)).toEqual(expected);
      expect(overHttp.status).toBe(400);
      expect(overHttp.body.data ?? null).toBeNull();
      expect(refusals(await first(open(ADMIN_KEY), query, variables))).toEqual(expected);
    }
    expect(refusals(await first(open(), 'subscription { tickerUpdated(marketId: " m1") { last } }'))).toEqual(
      [{ code: 'BAD_USER_INPUT', field: 'marketId', message: `marketId has " " at position 1: ${rule}` }],
    );
    // A well-formed id that names nothing is still NOT_FOUND, or null where a query looks one up.
    expect((await http(gateway.url, '{ market(id: "nope") { id } }', ADMIN_KEY)).body).toEqual({
      data: { market: null },
    });
  });

  it("refuses a malformed id in a variable's default the request leaves out, over graphql-ws as over HTTP, subscriptions included", async () => {
    const rule = 'an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit';
    // The fuzz's: answered NOT_FOUND repeating 3,002 characters, a control character among them
    // (and a query null), as the default slipped past the check of inline ids and variables'.
    const long = `"a\\u0007${'z'.repeat(3000)}"`;
    const cases: [string, Record<string, unknown>[]][] = [
      [
        `mutation($i: ID = ${long}) { cancelOrder(orderId: $i) { id } }`,
        [{ code: 'BAD_USER_INPUT', field: 'orderId', message: `orderId is 3002 characters long: ${rule}` }],
      ],
      ...['order', 'market', 'gpuNode', 'account'].map((field): [string, Record<string, unknown>[]] => [
        `query($i: ID${field === 'order' ? '' : '!'} = "a\\u0007b") { ${field}(id: $i) { id } }`,
        [{ code: 'BAD_USER_INPUT', field: 'id', message: `id has "\\u0007" at position 2: ${rule}` }],
      ]),
      [
        'mutation($o: PlaceOrderInput! = { marketId: "m 1", side: BID, gpus: 1, hours: 1, price: "1.00" }) { placeOrder(input: $o) { id } }',
        [
          {
            code: 'BAD_USER_INPUT',
            field: 'input.marketId',
            message: `input.marketId has " " at position 2: ${rule}`,
          },
        ],
      ],
    ];
    const refusals = (r: Result) => r.errors?.map((e) => ({ ...e.extensions, message: e.message }));
    for (const [query, expected] of cases) {
      const overHttp = await http(gateway.url, query, ADMIN_KEY);
      expect(refusals(overHttp.body)).toEqual(expected);
      expect(overHttp.status).toBe(400);
      expect(refusals(await first(open(ADMIN_KEY), query))).toEqual(expected);
    }
    for (const [subscription, field] of [
      ['subscription($m: ID! = "") { bookUpdated(marketId: $m) { marketId } }', 'marketId'],
      ['subscription($n: ID! = "") { nodeStatusChanged(nodeId: $n) { id } }', 'nodeId'],
    ])
      expect(refusals(await first(open(ADMIN_KEY), subscription!))).toEqual([
        { code: 'BAD_USER_INPUT', field, message: `${field} is empty: ${rule}` },
      ]);
    // A value sent replaces the default: a well-formed id that names nothing is null, as ever.
    expect(
      (await http(gateway.url, 'query($i: ID! = "") { market(id: $i) { id } }', ADMIN_KEY, { i: 'nope' }))
        .body,
    ).toEqual({
      data: { market: null },
    });
  });

  it('answers a path below the GraphQL endpoint 404 (there, Apollo ran what the checks before it never saw)', async () => {
    const deep = `{ market(id: ${'['.repeat(5_000)}"m1"${']'.repeat(5_000)}) { id } }`;
    for (const path of ['/graphql/x', '/graphql//', '/graphql/x/y']) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: deep }),
      });
      const body = (await response.json()) as Result;
      expect({ path, status: response.status, codes: codes(body) }).toEqual({
        path,
        status: 404,
        codes: ['NOT_FOUND'],
      });
    }
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a document nested thousands of brackets deep before parsing it, over HTTP (POST and GET) and graphql-ws', async () => {
    const deep = `{ market(id: ${'['.repeat(5_000)}"m1"${']'.repeat(5_000)}) { id } }`;
    const says = /^the document nests its brackets more than 64 deep; no operation of this API needs more/;
    const post = await http(gateway.url, deep);
    expect({ status: post.status, codes: codes(post.body) }).toEqual({
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    });
    expect(post.body.errors?.[0]?.message).toMatch(says);
    const get = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent(`{${'['.repeat(3_000)}}`)}`, {
      headers: { 'apollo-require-preflight': '1' },
    });
    const getBody = (await get.json()) as Result;
    expect({ status: get.status, codes: codes(getBody) }).toEqual({
      status: 400,
      codes: ['QUERY_TOO_COMPLEX'],
    });
    const overSocket = await first(open(ADMIN_KEY), deep);
    expect(codes(overSocket)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(overSocket.errors?.[0]?.message).toMatch(says);
    // A GET whose harmless body or 1,000 empty parameters hid the URL's document from the check:
    // checked where Apollo reads it.
    const deepGet = encodeURIComponent(`{${'['.repeat(1_500)}}`);
    for (const [url, init] of [
      [
        `${gateway.url}/graphql?query=${deepGet}`,
        {
          method: 'GET',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        },
      ],
      [
        `${gateway.url}/graphql?${'&'.repeat(1_000)}query=${deepGet}`,
        { headers: { 'apollo-require-preflight': '1' } },
      ],
    ] as const) {
      // fetch sends no body with a GET: the raw request does.
      const answer =
        'body' in init
          ? await rawGet(url, init.headers, init.body)
          : await fetch(url, init).then(async (r) => ({
              status: r.status,
              body: (await r.json()) as Result,
            }));
      expect({ status: answer.status, codes: codes(answer.body) }).toEqual({
        status: 400,
        codes: ['QUERY_TOO_COMPLEX'],
      });
    }
    // The gateway is unharmed.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses documents that are cheap to send and costly to check, at once, over HTTP and graphql-ws: too many tokens, 2^40 fields through fragments, a variable declared 2,400 times, 900 fields under one name', async () => {
    const levels = 40;
    const bomb = (root: string, leaf: string) =>
      `${root} { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on ${root === 'mutation' ? 'Mutation' : 'Query'} { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels} on ${root === 'mutation' ? 'Mutation' : 'Query'} { ${leaf} }`;
    const cases: Array<[string, string, RegExp]> = [
      [`query { ${'a '.repeat(12_000)} }`, 'QUERY_TOO_COMPLEX', /^the document holds more than 10000 tokens/],
      [
        bomb('query', '__typename'),
        'QUERY_TOO_COMPLEX',
        /^the query selects 1099511627776 fields; at most 300/,
      ],
      [
        bomb('mutation', 'openAccount(accountId: "a", owner: "o") { id }'),
        'QUERY_TOO_COMPLEX',
        /^the query selects 2199023255552 fields; at most 300/,
      ],
      [
        `query(${'$v: Int, '.repeat(2_400)}) { __typename }`,
        'GRAPHQL_VALIDATION_FAILED',
        /^There can be only one variable named "\$v"\.$/,
      ],
      [
        `{ ${'a: market(id: "m1") { id } '.repeat(900)} }`,
        'QUERY_TOO_COMPLEX',
        /^the query selects too many fields under the same names for the server to check that they agree/,
      ],
    ];
    for (const [query, code, says] of cases) {
      expect(query.length).toBeLessThan(64 * 1024); // what a WebSocket frame may carry
      for (const answer of [
        (await http(gateway.url, query, ADMIN_KEY)).body,
        await first(open(ADMIN_KEY), query),
      ]) {
        expect(answer.errors?.[0]?.extensions?.['code']).toBe(code);
        expect(answer.errors?.[0]?.message).toMatch(says);
        expect(answer.data ?? null).toBeNull();
      }
    }
    // The longest chain of fragments the token limit lets through (each spreads the next) is answered.
    const chain = `{ ...F0 } ${Array.from({ length: 1_200 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ')} fragment F1200 on Query { __typename }`;
    expect((await http(gateway.url, chain, ADMIN_KEY)).body).toEqual({ data: { __typename: 'Query' } });
    expect(await first(open(ADMIN_KEY), chain)).toEqual({ data: { __typename: 'Query' } });
    // The gateway is unharmed.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('prints no more than the start and the length of a long value a refusal quotes, in no more than 1,000 characters', async () => {
    // 4,000 items (12,000 characters) stay within MAX_TOKENS, so that the refusal is the list's own.
    const list = `[${Array(4_000).fill('1').join(', ')}]`;
    const literal = await http(
      gateway.url,
      `{ market(id: "m1") { book(depth: ${list}) { bids { price } } } }`,
      ADMIN_KEY,
    );
    expect(literal.body.errors?.[0]?.message).toBe(
      `Int cannot represent non-integer value: ${list.slice(0, 32)}…] (${list.length} characters)`,
    );
    // Within MAX_OBJECT_FIELDS (a wider one is refused before graphql-js reads it: below), so that the
    // refusals are graphql-js' own, each quoting the whole object.
    const fields = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`x${i}`, 1]));
    const variables = await http(
      gateway.url,
      'mutation($i: OpenMarketInput!) { openMarket(input: $i) { id } }',
      ADMIN_KEY,
      {
        i: { marketId: 'm9', gpuClass: 'X', minTflopsPerGpu: 1, tickSize: '0.01', feeRateBps: 1, ...fields },
      },
    );
    const messages = variables.body.errors?.map((e) => e.message) ?? [];
    expect(messages.length).toBeGreaterThan(10);
    expect(Math.max(...messages.map((m) => m.length))).toBeLessThanOrEqual(1_000);
    expect(codes(variables.body)?.every((c) => c === 'BAD_USER_INPUT')).toBe(true);
    expect(JSON.stringify(variables.body).length).toBeLessThan(50_000);
  });

  it('hands back no more than the start and the length of a name the caller made up, in the field at fault as in the message, over HTTP and graphql-ws', async () => {
    const name = 'a'.repeat(50_000); // within graphql-ws' 64 KiB frames
    const short = `${'a'.repeat(64)}… (50000 characters)`;
    const documents = [
      `{ ${name} }`, // an unknown field
      `{ errorCodes(${name}: 1) { code } }`, // an unknown argument
      `query($${name}: Int) { errorCodes { code } }`, // an unused variable
    ];
    for (const document of documents) {
      const overHttp = (await http(gateway.url, document)).body;
      const client = socket(gateway.url);
      try {
        const overWs = await first(client, document);
        for (const answer of [overHttp, overWs]) {
          expect(codes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
          const field = answer.errors?.[0]?.extensions?.['field'];
          expect(field).toBe(short);
          expect(JSON.stringify(answer).length).toBeLessThan(1_000);
        }
      } finally {
        await client.dispose();
      }
    }
  });

  it('refuses an alias longer than 128 characters, which the answer repeats for each item of the lists above it, over HTTP and graphql-ws, without a key', async () => {
    // 50 kB (within graphql-ws' 64 KiB frames) under 10 aliases of errorCodes was 12 MB of answer;
    // 800 kB under 30 of them was past what the gateway can write: INTERNAL_SERVER_ERROR, HTTP 500.
    const alias = 'a'.repeat(50_000);
    const spreads = Array.from({ length: 10 }, (_, i) => `e${i}: errorCodes { ...F }`).join(' ');
    const document = `{ ${spreads} } fragment F on ErrorCodeInfo { ${alias}: code }`;
    const overHttp = await http(gateway.url, document);
    expect(overHttp.status).toBe(400);
    const client = open();
    const overWs = await first(client, document);
    for (const answer of [overHttp.body, overWs]) {
      expect(codes(answer)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(answer.errors?.[0]?.extensions?.['field']).toBe(`${'a'.repeat(64)}… (50000 characters)`);
      expect(answer.errors?.[0]?.message).toBe(
        `the alias "${'a'.repeat(32)}…" (50000 characters) is over 128 characters, the most allowed: the answer repeats an alias once for each item of the lists above it, so give a shorter one`,
      );
      expect(JSON.stringify(answer).length).toBeLessThan(1_000);
    }
    const short = document.replace(alias, 'a'.repeat(128));
    const fits = await http(gateway.url, short);
    expect(fits.status).toBe(200);
    expect(fits.body.errors).toBeUndefined();
  });

  it('counts list sizes: an over-budget query is refused on both transports, the largest page is not', async () => {
    const overHttp = await http(gateway.url, OVER_BUDGET);
    expect(overHttp.status).toBe(400);
    expect(codes(overHttp.body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(overHttp.body.errors?.[0]?.message).toMatch(/costs \d+; at most 10000/);
    expect(overHttp.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX' });
    const overWs = await first(open(ADMIN_KEY), OVER_BUDGET);
    expect(codes(overWs)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(overWs.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX' });

    const fits = await http(gateway.url, `{ market(id: "m1") { candles(limit: 500) { ${CANDLE} } } }`);
    expect(fits.body).toEqual({ data: { market: { candles: [] } } });
  });

  it('counts a call that reads a whole index at 2,500: 150 aliases of a filtered nodes are refused naming it, one is answered, and aliases of the same filter read once', async () => {
    const NODES = 'nodes(filter: { status: CERTIFIED }, first: 1) { totalCount }';
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${NODES}`).join(' ')} }`;
    const overHttp = await http(gateway.url, aliases(150), ADMIN_KEY);
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', field: 'nodes' });
    expect(overHttp.body.errors?.[0]?.message).toMatch(/nodes with a filter reads every node/);
    const overWs = await first(open(ADMIN_KEY), aliases(150));
    expect(overWs.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', field: 'nodes' });

    const seed = new Redis(redis.url);
    try {
      await seed.config('RESETSTAT');
      const three = await http(gateway.url, aliases(3), ADMIN_KEY);
      expect(three.body).toEqual({
        data: { a0: { totalCount: 0 }, a1: { totalCount: 0 }, a2: { totalCount: 0 } },
      });
      // Every node counted once for the three (keptOf's ZCARD), not once each.
      expect(await seed.info('commandstats')).toMatch(/cmdstat_zcard:calls=1,/);
    } finally {
      await seed.quit();
    }
  });

  it('refuses a nodes filter that could match nothing: minTflops (certified nodes) with another status, naming the status', async () => {
    const refused = await http(
      gateway.url,
      '{ nodes(filter: { status: EXPIRED, minTflops: 1 }) { totalCount } }',
      ADMIN_KEY,
    );
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'filter.status' });
    expect(refused.body.errors?.[0]?.message).toBe(
      'minTflops lists certified nodes only, and status EXPIRED asks for others: leave one of them out',
    );
    expect(
      (
        await http(
          gateway.url,
          '{ nodes(filter: { status: CERTIFIED, minTflops: 1 }) { totalCount } }',
          ADMIN_KEY,
        )
      ).body,
    ).toEqual({ data: { nodes: { totalCount: 0 } } });
  });

  it('refuses a minTflops out of range, Infinity written as 1e400 included, naming it', async () => {
    for (const minTflops of ['1e400', '-1', '1e9']) {
      const refused = await http(
        gateway.url,
        `{ nodes(filter: { minTflops: ${minTflops} }) { totalCount } }`,
        ADMIN_KEY,
      );
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors?.map((e) => [e.extensions, e.message])).toEqual([
        [
          { code: 'BAD_USER_INPUT', field: 'filter.minTflops' },
          `minTflops must be from 0 to ${NUMBER_LIMITS.tflops} TFLOP/s per GPU`,
        ],
      ]);
    }
  });

  it('closes a socket that sends a frame over 64 KiB (1009, message too big)', async () => {
    const ws = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(70 * 1024) } }));
    expect(await closed).toBe(1009);

    // A frame under the cap is a message like any other.
    const fine = await first(open(), `subscription { tickerUpdated(marketId: "nope") { last } }`);
    expect(fine.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'marketId' });
  });

  it('allows 20 operations at once per socket: the 21st is refused TOO_MANY_SUBSCRIPTIONS until one completes', async () => {
    const client = open(ADMIN_KEY);
    const refused: Result[] = [];
    // Each running subscription sends the ticker as it stands first: once 20 have, all 20 run.
    const sent = new Set<number>();
    let allRunning: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (allRunning = resolve));
    const stops = Array.from({ length: 21 }, (_, i) =>
      client.subscribe(
        { query: `subscription { tickerUpdated(marketId: "m1") { last } }` },
        {
          next: () => {
            sent.add(i);
            if (sent.size === 20) allRunning();
          },
          error: (error) => refused.push({ errors: error as Result['errors'] }),
          complete: () => undefined,
        },
      ),
    );
    // The socket answers in order: once a later operation is answered, the 21st has been.
    const after = await first(client, '{ __typename }');
    expect(codes(after)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(refused).toHaveLength(1);
    expect(codes(refused[0]!)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(refused[0]!.errors?.[0]?.message).toMatch(/already has 20 operations running/);

    // Completed while it runs, an operation frees its place before the socket's next message: the
    // next operation runs. (One completed while it is still being started holds its place until it
    // settles, operations.ts: completing one then raced the next, which found 20 still counted.)
    await running;
    stops[[...sent][0]!]!();
    expect(await first(client, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });

  it('keeps anonymous sockets to public market data: per-account subscriptions need a key', async () => {
    const anonymous = open();
    for (const query of [
      'subscription { myOrderUpdated { id status } }',
      'subscription { nodeStatusChanged(nodeId: "n1") { id } }',
      // An alias does not make a personal subscription public.
      'subscription { tickerUpdated: myOrderUpdated { id } }',
    ]) {
      const refused = await first(anonymous, query);
      expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.errors?.[0]?.message).toMatch(
        /without an API key a socket may only subscribe to bookUpdated, tradeExecuted, tickerUpdated/,
      );
    }
    // A key that is not valid is refused as on HTTP, and never taken for no key: the socket is
    // closed 4401 at its connection_init, saying why (public data included: no operation runs on it).
    for (const query of [
      'subscription { myOrderUpdated { id } }',
      'subscription { tickerUpdated(marketId: "m1") { last } }',
    ])
      await expect(first(open('gpx_not-a-valid-key-000000000'), query)).rejects.toMatchObject({
        code: 4401,
        reason: 'the API key is not known: it was revoked, or is mistyped',
      });
    // A key sent as something other than a string is a key sent wrongly, not no key: refused with
    // what to send, as a key that is not valid is.
    for (const authorization of [12345, { key: ADMIN_KEY }, [`Bearer ${ADMIN_KEY}`], true]) {
      const client = createClient({
        url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization },
        retryAttempts: 0,
      });
      clients.push(client);
      await expect(first(client, 'subscription { myOrderUpdated { id } }')).rejects.toMatchObject({
        code: 4401,
        reason: expect.stringMatching(
          /\(on a WebSocket, connectionParams\.authorization\) must be the string "Bearer <API key>"/,
        ),
      });
    }
    // With a key, the subscription reaches its resolver (the admin has no orders of its own).
    expect(codes(await first(open(ADMIN_KEY), 'subscription { myOrderUpdated { id } }'))).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('refuses an object in the variables wider than any input at once, BAD_USER_INPUT on its argument', async () => {
    // graphql-js quoted the whole 924 KB object in each of its 51 errors: 4 s of the gateway's thread.
    const wide = Object.fromEntries(Array.from({ length: 85_000 }, (_, i) => [`k${i}`, 1]));
    const answer = await http(
      gateway.url,
      'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }',
      BUYER_KEY,
      { i: wide },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([
      ['BAD_USER_INPUT', 'input'],
    ]);
  });
});

describe('gateway rate limit (GATEWAY_RATE_LIMIT_PER_SEC)', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let client: Client | undefined;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    // One request every 100 s after a burst of 2: nothing refills while the test runs.
    gateway = await startGateway(redis, ADMIN_KEY, {
      GATEWAY_RATE_LIMIT_PER_SEC: '0.01',
      GATEWAY_RATE_LIMIT_BURST: '2',
    });
  });

  afterAll(async () => {
    await client?.dispose();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers RATE_LIMITED with a retry-after, per IP without a key and per key with one, on HTTP and WebSocket', async () => {
    expect((await http(gateway.url, '{ __typename }')).status).toBe(200);
    expect((await http(gateway.url, '{ __typename }')).status).toBe(200);
    const limited = await http(gateway.url, '{ __typename }');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(99);
    expect(codes(limited.body)).toEqual(['RATE_LIMITED']);
    expect(limited.body.errors?.[0]?.extensions?.['retryAfterMs']).toBeGreaterThan(98_000);

    // The same IP over a socket: the same bucket.
    client = socket(gateway.url);
    const overWs = await first(client, 'subscription { tickerUpdated(marketId: "m1") { last } }');
    expect(codes(overWs)).toEqual(['RATE_LIMITED']);
    expect(overWs.errors?.[0]?.extensions?.['retryAfterMs']).toBeGreaterThan(98_000);

    // A key has its own bucket.
    expect(await http(gateway.url, '{ __typename }', ADMIN_KEY)).toMatchObject({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
  });

  it('counts in Redis exactly as the rule says (the Lua script is admit, line for line)', async () => {
    const connection = new Redis(redis.url);
    try {
      const rule = rateRule(7, 3)!;
      const limiter = new RateLimiter(connection, rule);
      const gaps = [0, 0, 0, 0, 50_000, 100_000, 142_857, 0, 1, 400_000, 3_000, 0, 0, 0, 0, 2_000_000];
      // Requests of one each, then requests that run several mutations (a cost of each).
      const runs = [gaps.map(() => 1), [1, 2, 1, 3, 1, 1, 2, 1, 1, 3, 1, 1, 2, 1, 4, 2]];
      for (const [run, costs] of runs.entries()) {
        let tat: number | null = null;
        let now = 1_700_000_000_000_000;
        for (const [i, gap] of gaps.entries()) {
          now += gap;
          const cost = costs[i]!;
          const expected = admit(tat, now, rule, cost);
          if (expected.allowed) tat = expected.tat;
          const actual = await limiter.takeAt(`lua-vs-rule-${run}`, now, rule, cost);
          expect(actual).toEqual(expected.allowed ? { allowed: true, ttlMs: expected.ttlMs } : expected);
        }
      }
    } finally {
      await connection.quit();
    }
  });
});

describe('gateway rate limit on requests that run several mutations', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  // Deposits the gateway itself refuses (a negative amount): no service needs to run.
  const DEPOSITS = (n: number) =>
    `mutation { ${Array.from({ length: n }, (_, i) => `d${i}: deposit(accountId: "nobody", amount: "-1.00") { id }`).join(' ')} }`;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    // A burst of 3, then one request every 100 s: nothing refills while the test runs.
    gateway = await startGateway(redis, ADMIN_KEY, {
      GATEWAY_RATE_LIMIT_PER_SEC: '0.01',
      GATEWAY_RATE_LIMIT_BURST: '3',
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('counts each mutation: a batch of aliased mutations is as many requests, and one past the burst is refused outright', async () => {
    // Four mutations can never fit a burst of three: too much for one request, not one to retry.
    // The request itself counted once (two tokens left).
    const tooMany = await http(gateway.url, DEPOSITS(4), ADMIN_KEY);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_COMPLEX' }]);
    expect(tooMany.body.errors?.[0]?.message).toMatch(/runs 4 mutations; .* at most 3 at once/);
    // Two mutations take the last two tokens: the request one, its second mutation the other.
    const two = await http(gateway.url, DEPOSITS(2), ADMIN_KEY);
    expect(two.status).toBe(200);
    expect(two.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'amount' }); // it ran
    // So the key's next request is over the limit.
    const after = await http(gateway.url, '{ __typename }', ADMIN_KEY);
    expect(after.status).toBe(429);
    expect(codes(after.body)).toEqual(['RATE_LIMITED']);
  });

  it('counts them over graphql-ws too, and answers RATE_LIMITED with when to retry', async () => {
    const client = socket(gateway.url); // anonymous: the IP's bucket, full
    try {
      expect(codes(await first(client, DEPOSITS(2)))).not.toContain('RATE_LIMITED'); // 2 of 3
      const over = await first(client, DEPOSITS(2)); // 1 left: the subscribe takes it, the second mutation is over
      expect(codes(over)).toEqual(['RATE_LIMITED']);
      expect(over.errors?.[0]?.extensions?.['retryAfterMs']).toBeGreaterThan(98_000);
    } finally {
      await client.dispose();
    }
  });
});

describe('browsers on other origins (CORS, GATEWAY_CORS_ORIGINS)', () => {
  const APP = 'https://app.example.com';
  let redis: DedicatedRedis;
  const gateways: ServiceApp[] = [];

  const start = async (env: Record<string, string>) => {
    const gateway = await startGateway(redis, ADMIN_KEY, env);
    gateways.push(gateway);
    return gateway;
  };
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
  const post = (url: string, origin: string, body = JSON.stringify({ query: '{ __typename }' })) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body,
    });

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.app.close();
    await redis?.stop();
  });

  it('lets a page on any origin call the API by default: the preflight is answered, and every answer may be read, a refusal and its Retry-After too', async () => {
    // Two requests a key, then RATE_LIMITED for 100 s.
    const gateway = await start({ GATEWAY_RATE_LIMIT_PER_SEC: '0.01', GATEWAY_RATE_LIMIT_BURST: '2' });
    const before = await preflight(gateway.url, APP);
    expect(before.status).toBe(204);
    expect(before.headers.get('access-control-allow-origin')).toBe('*');
    expect(before.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(before.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(before.headers.get('access-control-max-age')).toBe('600');

    const answer = await post(gateway.url, APP);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });

    const tooLarge = await post(
      gateway.url,
      APP,
      JSON.stringify({ query: `{ __typename }${' '.repeat(1_000_001)}` }),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('access-control-allow-origin')).toBe('*');

    // The refused body counted for nothing: one more request, then the key's bucket is empty.
    expect((await post(gateway.url, APP)).status).toBe(200);
    const limited = await post(gateway.url, APP);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
  });

  it('answers only the origins an operator names, and none when told none', async () => {
    const listed = await start({ GATEWAY_CORS_ORIGINS: `${APP}, http://localhost:5173` });
    const named = await preflight(listed.url, 'http://localhost:5173');
    expect(named.status).toBe(204);
    expect(named.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(named.headers.get('vary')).toMatch(/Origin/);
    const other = await preflight(listed.url, 'https://elsewhere.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(listed.url, APP)).headers.get('access-control-allow-origin')).toBe(APP);

    const none = await start({ GATEWAY_CORS_ORIGINS: '' });
    expect((await preflight(none.url, APP)).headers.get('access-control-allow-origin')).toBeNull();
    const answered = await post(none.url, APP);
    expect(answered.headers.get('access-control-allow-origin')).toBeNull();
    expect(await answered.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('sockets per caller and in all (GATEWAY_WS_MAX_SOCKETS_PER_CALLER, GATEWAY_WS_MAX_SOCKETS)', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  const sockets: WebSocket[] = [];

  /** A graphql-transport-ws socket that sends its connection_init: acknowledged, or how it closed. */
  function connect(key?: string): Promise<{ ws: WebSocket; acked: boolean; code?: number; reason?: string }> {
    const ws = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    sockets.push(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () =>
        ws.send(
          JSON.stringify({
            type: 'connection_init',
            payload: key ? { authorization: `Bearer ${key}` } : {},
          }),
        ),
      );
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack')
          resolve({ ws, acked: true });
      });
      ws.once('close', (code, reason) => resolve({ ws, acked: false, code, reason: String(reason) }));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade answered ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  const closed = (ws: WebSocket) => new Promise((resolve) => ws.once('close', resolve));

  /** The value of the first series of the gateway's /metrics that starts with `series`. */
  async function metric(series: string): Promise<number | undefined> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startGateway(redis, ADMIN_KEY, {
      GATEWAY_WS_MAX_SOCKETS_PER_CALLER: '3',
      GATEWAY_WS_MAX_SOCKETS: '6',
    });
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await gateway?.app.close();
    await redis?.stop();
  });

  afterEach(async () => {
    await Promise.all(
      sockets.splice(0).map((ws) => {
        if (ws.readyState === WebSocket.CLOSED) return undefined;
        const done = closed(ws);
        ws.terminate();
        return done;
      }),
    );
  });

  it("closes a caller's socket over its cap with 1008 and what to do, and counts each caller apart", async () => {
    const anonymous = await Promise.all([connect(), connect(), connect()]);
    expect(anonymous.map((s) => s.acked)).toEqual([true, true, true]);
    const over = await connect();
    expect(over).toMatchObject({
      acked: false,
      code: 1008,
      reason: 'too many sockets: this caller already has 3 open, the most allowed; close one first',
    });
    // Another caller (an API key) has sockets of its own.
    expect((await connect(ADMIN_KEY)).acked).toBe(true);
    // A socket that closes gives its place back.
    const gone = closed(anonymous[0]!.ws);
    anonymous[0]!.ws.close();
    await gone;
    expect((await connect()).acked).toBe(true);
    expect((await connect()).code).toBe(1008);
    // An operator sees them refused.
    expect(await metric('gpux_websockets_refused_total{reason="caller_cap"')).toBe(2);
  });

  it('tells a graphql-ws client why, without retrying', async () => {
    await Promise.all([connect(), connect(), connect()]);
    const client = createClient({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 3,
    });
    const error = await new Promise<{ code: number; reason: string }>((resolve) =>
      client.subscribe(
        { query: 'subscription { tickerUpdated(marketId: "m1") { last } }' },
        {
          next: () => undefined,
          error: (e) => resolve(e as { code: number; reason: string }),
          complete: () => undefined,
        },
      ),
    );
    expect(error.code).toBe(1008);
    expect(error.reason).toMatch(/too many sockets/);
    await client.dispose();
  });

  it('forgets sockets that close before or while their key is checked', async () => {
    // Closed before their connection_init, and closed right after sending it.
    for (let i = 0; i < 4; i++) {
      const early = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      await new Promise((resolve) => early.once('open', resolve));
      if (i % 2)
        early.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_KEY}` } }),
        );
      const done = closed(early);
      early.terminate();
      await done;
    }
    const admin = await Promise.all([connect(ADMIN_KEY), connect(ADMIN_KEY), connect(ADMIN_KEY)]);
    expect(admin.map((s) => s.acked)).toEqual([true, true, true]);
    expect((await connect(ADMIN_KEY)).code).toBe(1008);
  });

  it('answers an upgrade 503 with Retry-After while the gateway holds all it may, and opens again once one closes', async () => {
    const held = await Promise.all([connect(), connect(), connect(), connect(ADMIN_KEY), connect(ADMIN_KEY)]);
    expect(held.every((s) => s.acked)).toBe(true);
    // The sixth, waiting for its connection_init, counts too.
    const waiting = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    sockets.push(waiting);
    await new Promise((resolve) => waiting.once('open', resolve));

    const refused = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const answer = await new Promise<{ status?: number; retryAfter?: string; body: string }>((resolve) =>
      refused.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += String(chunk)));
        response.on('end', () =>
          resolve({ status: response.statusCode, retryAfter: response.headers['retry-after'], body }),
        );
      }),
    );
    refused.on('error', () => undefined); // ws reports the refused upgrade as an error too
    expect(answer).toEqual({
      status: 503,
      retryAfter: '5',
      body: 'the gateway holds 6 WebSockets, the most it may: retry in 5 s\n',
    });
    // HTTP requests are not sockets: still answered.
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    expect(await metric('gpux_websockets_open{')).toBe(6);
    expect(await metric('gpux_websockets_refused_total{reason="gateway_cap"')).toBe(1);

    const gone = closed(waiting);
    waiting.terminate();
    await gone;
    expect((await connect(ADMIN_KEY)).acked).toBe(true);
  });
});

describe('requests that arrive too slowly (HTTP_REQUEST_TIMEOUT_MS)', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  const held: Socket[] = [];

  /**
   * Opens a connection, writes `head` and then `trickle` a byte every 100 ms, and reads what the
   * gateway answers until it closes the connection; `sent` is how much of `trickle` went out by then.
   */
  function slowly(head: string, trickle: string): Promise<{ answer: string; sent: number }> {
    return new Promise((resolve, reject) => {
      const { port } = new URL(gateway.url);
      let answer = '';
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const socket = createConnection({ host: '127.0.0.1', port: Number(port) }, () => {
        socket.write(head);
        timer = setInterval(() => {
          if (sent < trickle.length && socket.writable) socket.write(trickle[sent++] ?? '');
        }, 100);
      });
      held.push(socket);
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.once('error', (error: NodeJS.ErrnoException) => error.code !== 'EPIPE' && reject(error));
      socket.once('close', () => {
        clearInterval(timer);
        resolve({ answer, sent });
      });
    });
  }

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startGateway(redis, ADMIN_KEY, { HTTP_REQUEST_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    held.forEach((socket) => socket.destroy());
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers a body sent a byte at a time 408 with what to do, and closes its connection before the body ends', async () => {
    const body = JSON.stringify({ query: `{ __typename ${' '.repeat(200)}}` });
    const { answer, sent } = await slowly(
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      body,
    );
    expect(sent).toBeLessThan(body.length);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    const result = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Result;
    expect(codes(result)).toEqual(['BAD_REQUEST']);
    expect(result.errors?.[0]?.message).toBe(
      'the request was not received whole within 1 s: send its headers and body at once',
    );
  });

  it('closes a connection whose headers never end, and serves a request sent at once as before', async () => {
    const headers = Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`).join('');
    const { answer, sent } = await slowly('POST /graphql HTTP/1.1\r\nHost: gateway\r\n', headers);
    expect(sent).toBeLessThan(headers.length);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect((await http(gateway.url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('connections per address and in all (GATEWAY_MAX_CONNECTIONS_PER_ADDRESS, GATEWAY_MAX_CONNECTIONS)', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let port: number;
  const held: Socket[] = [];

  /** A TCP connection from `from` (any 127.x.y.z is this machine's loopback), once open. */
  function open(from: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port, localAddress: from }, () => resolve(socket));
      socket.once('error', reject);
      held.push(socket);
    });
  }

  /** Writes `request` on `socket` and reads everything until the gateway closes it ('' when it closed without a word). */
  function exchange(socket: Socket, request: string): Promise<string> {
    return new Promise((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('error', () => undefined); // a dropped connection may also reset
      socket.once('close', () => resolve(text));
      socket.write(request);
    });
  }

  const post = (body: string) =>
    'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nConnection: close\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const typename = post(JSON.stringify({ query: '{ __typename }' }));
  const closed = (socket: Socket) =>
    new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));

  /** Until the gateway has seen its side of closed connections close: it holds `n` (bounded by the test's timeout). */
  async function untilGatewayHolds(n: number): Promise<void> {
    const server = gateway.app.getHttpServer() as Server;
    for (;;) {
      const holds = await new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
      if (holds === n) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The value of a series of the gateway's /metrics, read from `from` on a connection of its own. */
  async function metric(from: string, series: string): Promise<number | undefined> {
    const answer = await exchange(
      await open(from),
      'GET /metrics HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n',
    );
    const line = answer.split('\n').find((l) => l.startsWith(series));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startGateway(redis, ADMIN_KEY, {
      GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '3',
      GATEWAY_MAX_CONNECTIONS: '5',
    });
    port = Number(new URL(gateway.url).port);
  });

  afterEach(async () => {
    await Promise.all(
      held.splice(0).map((socket) => {
        const done = closed(socket);
        socket.destroy();
        return done;
      }),
    );
    await untilGatewayHolds(0);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it("answers a request on a connection over its address's cap 429 with what to do, and serves the address again once one closes", async () => {
    const idle = await Promise.all([open('127.0.0.1'), open('127.0.0.1'), open('127.0.0.1')]);
    const answer = await exchange(await open('127.0.0.1'), typename);
    expect(answer).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(answer).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      errors: [
        {
          message:
            'too many connections: this address already has 3 open to the gateway, the most allowed; reuse one (keep-alive) or close one, then retry',
          extensions: { code: 'RATE_LIMITED', retryAfterMs: 1000 },
        },
      ],
    });
    // A WebSocket upgrade on such a connection is refused alike, before any WebSocket exists.
    const upgrade = await exchange(
      await open('127.0.0.1'),
      'GET /graphql HTTP/1.1\r\nHost: gateway\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(upgrade).toMatch(/too many connections: this address already has 3 open/);
    await untilGatewayHolds(3);
    // Another address has connections of its own.
    expect(await exchange(await open('127.0.0.2'), typename)).toMatch(
      /\r\n\r\n\{"data":\{"__typename":"Query"\}\}\n$/,
    );
    // One of the idle ones closes: the address is served again.
    const gone = closed(idle[0]!);
    idle[0]!.destroy();
    await gone;
    await untilGatewayHolds(2);
    expect(await exchange(await open('127.0.0.1'), typename)).toMatch(
      /\r\n\r\n\{"data":\{"__typename":"Query"\}\}\n$/,
    );
    await untilGatewayHolds(2);
    expect(await metric('127.0.0.3', 'gpux_connections_refused_total{reason="address_cap"')).toBe(2);
  });

  it('drops a connection past the cap on all of them, and takes connections again once some close', async () => {
    await Promise.all([open('127.0.0.1'), open('127.0.0.1'), open('127.0.0.2'), open('127.0.0.2')]);
    const fifth = await open('127.0.0.3');
    // The sixth is dropped at once, unanswered: the gateway's descriptors stay for Kafka and Redis.
    expect(await exchange(await open('127.0.0.4'), typename)).toBe('');
    // The fifth, taken before, is served.
    expect(await exchange(fifth, typename)).toMatch(/\r\n\r\n\{"data":\{"__typename":"Query"\}\}\n$/);
    await untilGatewayHolds(4);
    expect(await metric('127.0.0.5', 'gpux_connections_open{')).toBe(5);
    await untilGatewayHolds(4);
    expect(await metric('127.0.0.5', 'gpux_connections_refused_total{reason="gateway_cap"')).toBe(1);
  });
});
