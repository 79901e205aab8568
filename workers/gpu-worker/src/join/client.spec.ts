// The worker's GraphQL client against a tiny real HTTP server (node:http): what it sends, and how
// every kind of failure maps onto the three errors the agent acts on.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ChallengeFailedError,
  CredentialRefusedError,
  GatewayClient,
  GatewayRequestError,
  GatewayUnavailableError,
  GatewayUrlError,
} from './client';
import { JoinSessionDocument, JoinSessionUnlessLiveDocument } from './gateway/operations.generated';

type Handler = (
  body: { query: string; variables: Record<string, unknown> },
  req: IncomingMessage,
  res: ServerResponse,
) => void;

describe('the gateway client', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  const seen: {
    authorization?: string;
    contentType?: string;
    body: { query: string; variables: Record<string, unknown> };
  }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { query: string; variables: Record<string, unknown> };
        seen.push({
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        handler(body, req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const json = (status: number, body: unknown) => (_b: unknown, _q: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const errors = (code: string, message = 'no', field?: string) => ({
    errors: [{ message, extensions: { code, ...(field ? { field } : {}) } }],
    data: null,
  });
  const client = (options: { timeoutMs?: number } = {}) =>
    new GatewayClient(url, 'gpxn_test-credential', options);
  const session = {
    sessionId: 's1',
    nodeId: 'n1',
    status: 'UNCERTIFIED',
    heartbeatIntervalMs: 1000,
    challengeSize: 512,
    challengeMaxSize: 8192,
    challengeProductMs: 5,
    spotChallengeSize: 2048,
    precision: 'f32',
    certifiedUntil: null,
  };

  it('sends the operation with the node credential as a bearer token and returns its data', async () => {
    handler = json(200, { data: { joinSession: session } });
    expect(await client().joinSession('llvmpipe')).toEqual(session);
    expect(seen[0]).toMatchObject({
      authorization: 'Bearer gpxn_test-credential',
      contentType: 'application/json',
      body: { variables: { adapter: 'llvmpipe' } },
    });
    // The generated operation (gateway/operations.graphql), with its fragment.
    expect(seen[0]!.body.query).toBe(JoinSessionDocument.toString());
    expect(seen[0]!.body.query).toMatch(
      /joinSession\(adapter: \$adapter\)[\s\S]*fragment Session on WorkerSession/,
    );
  });

  it("joins without taking a live session when asked (--once): the operation with replace: false and the run's session id, its refusal's extensions kept", async () => {
    const unlessLive = { sessionId: 'ses-00000000-0000-4000-8000-000000000001' };
    handler = json(200, { data: { joinSession: session } });
    expect(await client().joinSession('llvmpipe', { unlessLive })).toEqual(session);
    expect(seen[0]!.body.query).toBe(JoinSessionUnlessLiveDocument.toString());
    expect(seen[0]!.body.query).toMatch(
      /joinSession\(adapter: \$adapter, replace: false, sessionId: \$sessionId\)/,
    );
    expect(seen[0]!.body.variables).toEqual({ adapter: 'llvmpipe', sessionId: unlessLive.sessionId });
    // Replacing (the default) sends the operation without the argument, which every gateway knows.
    await client().joinSession('llvmpipe');
    expect(seen[1]!.body.query).toBe(JoinSessionDocument.toString());
    expect(seen[1]!.body.query).not.toMatch(/replace/);
    const extensions = {
      code: 'ALREADY_EXISTS',
      field: 'replace',
      reason: 'SESSION_LIVE',
      nodeId: 'n1',
      sessionStartedAt: '2030-01-01T00:00:00.000Z',
      lastHeartbeatAt: '2030-01-01T01:00:00.000Z',
    };
    handler = json(200, { errors: [{ message: 'node n1 has a live session', extensions }], data: null });
    await expect(client().joinSession(undefined, { unlessLive })).rejects.toMatchObject({
      name: 'GatewayRequestError',
      code: 'ALREADY_EXISTS',
      field: 'replace',
      reason: 'SESSION_LIVE',
      extensions,
    });
  });

  it('says what came back when an answer holds neither data nor errors, with no code the gateway never sent', async () => {
    for (const [status, body, code, says] of [
      [200, { data: null }, 'BAD_RESPONSE', /answered HTTP 200 with no data and no errors: \{"data":null\}$/],
      [200, {}, 'BAD_RESPONSE', /answered HTTP 200 with no data and no errors: \{\}$/],
      [400, { data: null }, 'HTTP_400', /answered HTTP 400 with no data and no errors: \{"data":null\}$/],
    ] as const) {
      handler = json(status, body);
      const error = await client()
        .joinSession()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayRequestError);
      expect(error).toMatchObject({ code, message: expect.stringMatching(says) });
      expect((error as Error).message).toContain(`the gateway at ${url} answered`);
    }
    handler = json(200, { data: null, padding: 'x'.repeat(500) });
    await expect(client().joinSession()).rejects.toMatchObject({
      message: expect.stringMatching(/… \(\d+ characters\)$/),
    });
  });

  it('sends certification messages as JSON values and reads the answers', async () => {
    const challenge = {
      version: 2,
      id: 'c1',
      seed: '0'.repeat(32),
      n: 4,
      products: 3,
      precision: 'f32',
      claimedTflops: 1,
      issuedAt: 1,
      deadline: 2,
      openLeaves: 1,
      checkColumns: 4,
    };
    handler = json(200, {
      data: { requestCertification: { id: 'c1', purpose: 'CERTIFICATION', challenge } },
    });
    expect(await client().requestCertification(0.02)).toEqual({
      id: 'c1',
      purpose: 'CERTIFICATION',
      challenge,
    });
    expect(seen[0]!.body.variables).toEqual({ t: 0.02, p: 'f32' });

    const request = {
      challengeId: 'c1',
      leaves: [{ product: 0, row: 2, chunk: 0, columns: [1] }],
      committedAt: 3,
      respondBy: 4,
    };
    handler = json(200, { data: { commitChallenge: request } });
    const commitment = {
      challengeId: 'c1',
      seed: '0'.repeat(32),
      root: 'a'.repeat(64),
      computeMs: 1,
      totalMs: 2,
    };
    expect(await client().commitChallenge('c1', commitment)).toEqual(request);
    expect(seen.at(-1)!.body.variables).toEqual({ id: 'c1', c: commitment });

    const verdict = {
      challengeId: 'c1',
      ok: false,
      reason: 'ROW_MISMATCH',
      detail: 'row 2',
      measuredTflops: null,
      node: { status: 'UNCERTIFIED', tflopsPerGpu: null, certifiedUntil: null },
    };
    handler = json(200, { data: { answerChallenge: verdict } });
    expect(await client().answerChallenge('c1', { challengeId: 'c1', leaves: [] })).toEqual(verdict);

    handler = json(200, { data: { heartbeat: { status: 'CERTIFIED', challenge: null } } });
    expect(await client().heartbeat('s1')).toEqual({ status: 'CERTIFIED', challenge: null });
    handler = json(200, {
      data: { heartbeat: { status: 'CERTIFIED', challenge: { id: 'c2', purpose: 'SPOT', challenge } } },
    });
    expect((await client().heartbeat('s1')).challenge).toMatchObject({ id: 'c2', purpose: 'SPOT' });
  });

  it('maps UNAUTHENTICATED (in the body, whatever the status, or a bare 401) to CredentialRefusedError', async () => {
    handler = json(200, errors('UNAUTHENTICATED', 'the node credential is unknown or revoked'));
    await expect(client().joinSession()).rejects.toEqual(
      new CredentialRefusedError('the node credential is unknown or revoked'),
    );
    handler = json(401, errors('UNAUTHENTICATED', 'revoked'));
    await expect(client().heartbeat('s1')).rejects.toBeInstanceOf(CredentialRefusedError);
    handler = (_b, _q, res) => {
      res.writeHead(401);
      res.end();
    };
    await expect(client().joinSession()).rejects.toBeInstanceOf(CredentialRefusedError);
  });

  it('maps FORBIDDEN to joinSession (a key that is not a node credential, a revoked one) to CredentialRefusedError', async () => {
    handler = json(200, errors('FORBIDDEN', 'this operation is for worker keys'));
    await expect(client().joinSession()).rejects.toEqual(
      new CredentialRefusedError('this operation is for worker keys'),
    );
    handler = json(200, errors('FORBIDDEN', 'the credential of node n1 is revoked', 'nodeId'));
    await expect(client().joinSession()).rejects.toBeInstanceOf(CredentialRefusedError);
    // Elsewhere FORBIDDEN is that request's (f16 while suspended, no session yet): not the credential's.
    handler = json(200, errors('FORBIDDEN', 'node n1 is suspended: certify f32 first', 'precision'));
    const f16 = await client()
      .requestCertification(1, 'f16')
      .catch((e: unknown) => e);
    expect(f16).not.toBeInstanceOf(CredentialRefusedError);
    expect(f16).toMatchObject({ name: 'GatewayRequestError', code: 'FORBIDDEN', field: 'precision' });
  });

  const withHeaders =
    (status: number, headers: Record<string, string>, body?: unknown) =>
    (_b: unknown, _q: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
  const rateLimited = (retryAfterMs?: unknown) => ({
    errors: [
      {
        message: 'too many requests',
        extensions: { code: 'RATE_LIMITED', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      },
    ],
    data: null,
  });

  it.each([
    [
      'RATE_LIMITED with retryAfterMs and Retry-After',
      withHeaders(429, { 'retry-after': '3' }, rateLimited(2500)),
      3000,
    ],
    ['RATE_LIMITED with retryAfterMs alone', json(429, rateLimited(2500)), 2500],
    [
      'RATE_LIMITED with a longer retryAfterMs',
      withHeaders(429, { 'retry-after': '1' }, rateLimited(4200)),
      4200,
    ],
    ['a 429 with Retry-After alone', withHeaders(429, { 'retry-after': '7' }, rateLimited()), 7000],
    ['a 429 with Retry-After and no GraphQL body', withHeaders(429, { 'retry-after': '2' }), 2000],
    ['a 503 with Retry-After', withHeaders(503, { 'retry-after': '5' }, { message: 'down' }), 5000],
    [
      'UNAVAILABLE with retryAfterMs',
      json(200, {
        errors: [{ message: 'rebuilding', extensions: { code: 'UNAVAILABLE', retryAfterMs: 1000 } }],
        data: null,
      }),
      1000,
    ],
    ['a 429 without either', json(429, rateLimited()), undefined],
    [
      'a Retry-After that is a date',
      withHeaders(429, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, rateLimited()),
      undefined,
    ],
    ['a Retry-After on a 500', withHeaders(500, { 'retry-after': '9' }, { message: 'x' }), undefined],
    ['a retryAfterMs that is not a number', json(429, rateLimited('soon')), undefined],
  ])('says how long the gateway asked to wait: %s', async (_what, h, retryAfterMs) => {
    handler = h as Handler;
    const error = await client()
      .heartbeat('s1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).retryAfterMs).toBe(retryAfterMs);
  });

  it.each([
    [
      'UNAVAILABLE',
      json(200, {
        errors: [{ message: 'rebuilding', extensions: { code: 'UNAVAILABLE', retryAfterMs: 1000 } }],
        data: null,
      }),
      'UNAVAILABLE',
    ],
    [
      'UNAVAILABLE on a 503',
      json(503, { errors: [{ message: 'redis down', extensions: { code: 'UNAVAILABLE' } }] }),
      'UNAVAILABLE',
    ],
    ['RATE_LIMITED', json(429, rateLimited(2500)), 'RATE_LIMITED'],
    ['a 502 without a GraphQL body', withHeaders(502, {}), undefined],
  ])(
    'says which code made it unavailable (a timed UNAVAILABLE is retried at its time): %s',
    async (_what, h, code) => {
      handler = h as Handler;
      const error = await client()
        .heartbeat('s1')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayUnavailableError);
      expect((error as GatewayUnavailableError).code).toBe(code);
    },
  );

  it.each([
    ['an HTML page', 200, '<html>not the gateway</html>', true],
    ['plain text on a 502', 502, 'Bad gateway', true],
    [
      'a GraphQL UNAVAILABLE on a 503',
      503,
      JSON.stringify({ errors: [{ message: 'down', extensions: { code: 'UNAVAILABLE' } }] }),
      undefined,
    ],
  ])(
    'marks an answer that is no GraphQL response at all, for a worker that gives up to say to check the URL: %s',
    async (_what, status, text, notGraphQL) => {
      handler = (_b: unknown, _q: IncomingMessage, res: ServerResponse) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(text);
      };
      const error = await client()
        .heartbeat('s1')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayUnavailableError);
      expect((error as GatewayUnavailableError).notGraphQL).toBe(notGraphQL);
    },
  );

  it.each([
    ['HTTP 503', json(503, { message: 'down' }), /answered HTTP 503/],
    [
      'HTTP 502 with HTML',
      (_b: unknown, _q: IncomingMessage, res: ServerResponse) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      },
      /answered HTTP 502 without a GraphQL response/,
    ],
    ['HTTP 500 with GraphQL errors', json(500, errors('INTERNAL_SERVER_ERROR')), /answered HTTP 500/],
    [
      'HTTP 503 with UNAVAILABLE',
      json(503, errors('UNAVAILABLE', 'Redis cannot be reached')),
      /answered HTTP 503 \(UNAVAILABLE: Redis cannot be reached\)/,
    ],
    [
      'HTTP 200 that is not JSON',
      (_b: unknown, _q: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200);
        res.end('hello');
      },
      /answered HTTP 200 without a GraphQL response/,
    ],
    [
      'TIMEOUT',
      json(200, errors('TIMEOUT', 'capacity did not answer in time')),
      /could not answer now \(TIMEOUT: capacity did not answer in time\)/,
    ],
    [
      'INTERNAL_SERVER_ERROR',
      json(200, errors('INTERNAL_SERVER_ERROR', 'internal error')),
      /could not answer now \(INTERNAL_SERVER_ERROR/,
    ],
    ['UNAVAILABLE', json(200, errors('UNAVAILABLE', 'rebuilding')), /could not answer now \(UNAVAILABLE/],
    ['RATE_LIMITED', json(429, errors('RATE_LIMITED', 'too many')), /could not answer now \(RATE_LIMITED/],
  ])('maps %s to GatewayUnavailableError (retry with backoff)', async (_what, h, message) => {
    handler = h as Handler;
    const error = await client()
      .joinSession()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as Error).message).toMatch(message);
  });

  it('maps no connection and no answer in time to GatewayUnavailableError', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await new GatewayClient(`http://127.0.0.1:${port}/graphql`, 'x')
      .joinSession()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayUnavailableError);
    expect((refused as Error).message).toBe(
      `the gateway at http://127.0.0.1:${port}/graphql did not answer (ECONNREFUSED)`,
    );
    expect(refused).toMatchObject({ noAnswer: 'ECONNREFUSED' });

    handler = () => undefined; // never answers
    const slow = await client({ timeoutMs: 200 })
      .heartbeat('s1')
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(GatewayUnavailableError);
    expect((slow as Error).message).toMatch(/did not answer \(timed out\)$/);
    expect(slow).toMatchObject({ noAnswer: 'timed out' });
  });

  it('leaves a session: the node as it then stands, waiting its own timeout at most', async () => {
    handler = json(200, { data: { leaveSession: { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' } } });
    expect(await client().leaveSession('s1')).toEqual({ status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' });
    expect(seen[0]!.body.query).toMatch(/leaveSession\(sessionId: \$s\)/);
    expect(seen[0]!.body.variables).toEqual({ s: 's1' });
    // A gateway that never answers: the client's own timeout is 30 s, past this test's 5 s; the
    // leave's 200 ms ends it.
    handler = () => undefined;
    const slow = await client()
      .leaveSession('s1', 200)
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(GatewayUnavailableError);
    expect((slow as Error).message).toMatch(/did not answer \(timed out\)$/);
  });

  it('maps https:// to a plain-HTTP gateway to GatewayUrlError (a bad option, never retried), with the http:// URL to use', async () => {
    handler = json(200, { data: { joinSession: null } });
    const https = url.replace(/^http:/, 'https:');
    const error = await new GatewayClient(https, 'gpxn_test-credential')
      .joinSession()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUrlError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^--gateway ${https.replace(/[.?]/g, '\\$&')} answered without TLS \\(.+\\): the gateway serves plain HTTP there\\? e\\.g\\. ${url.replace(/[.?]/g, '\\$&')}$`,
      ),
    );
  });

  it('maps HTTP 404 (a URL that is not the GraphQL endpoint) to GatewayUrlError, naming the option and the endpoint', async () => {
    const origin = url.replace(/\/graphql$/, '');
    const notFound = async (at: string, options: { urlOption?: string } = {}) =>
      new GatewayClient(at, 'gpxn_test-credential', options).joinSession().catch((e: unknown) => e);
    // A server's own 404 page, and the gateway's below its endpoint (NOT_FOUND in a GraphQL body).
    handler = (_b, _q, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<pre>Cannot POST /</pre>');
    };
    const bare = await notFound(origin);
    expect(bare).toBeInstanceOf(GatewayUrlError);
    expect((bare as Error).message).toBe(
      `--gateway ${origin} answered 404: is it the GraphQL endpoint? e.g. ${origin}/graphql`,
    );
    handler = json(404, errors('NOT_FOUND', 'no such path: GraphQL is served at /graphql itself'));
    const below = await notFound(`${origin}/graphql/x`, { urlOption: 'GPUX_GATEWAY_URL' });
    expect(below).toBeInstanceOf(GatewayUrlError);
    expect((below as Error).message).toBe(
      `GPUX_GATEWAY_URL=${origin}/graphql/x answered 404: is it the GraphQL endpoint? e.g. ${origin}/graphql`,
    );
    // A URL made from GPUX_GATEWAY_PORT names the variable, not as if it held the URL.
    const fromPort = await notFound(url, { urlOption: 'GPUX_GATEWAY_PORT' });
    expect((fromPort as Error).message).toBe(
      `${url} (from GPUX_GATEWAY_PORT) answered 404: is it the GraphQL endpoint?`,
    );
    // Already the usual endpoint: no example to give.
    expect(((await notFound(url)) as Error).message).toBe(
      `--gateway ${url} answered 404: is it the GraphQL endpoint?`,
    );
  });

  it('maps any other coded error to GatewayRequestError with its code and field', async () => {
    handler = json(200, errors('BAD_USER_INPUT', 'claimedTflops must be positive', 'claimedTflops'));
    await expect(client().requestCertification(-1)).rejects.toEqual(
      expect.objectContaining({
        name: 'GatewayRequestError',
        code: 'BAD_USER_INPUT',
        field: 'claimedTflops',
        message: 'claimedTflops must be positive',
      }),
    );
    handler = json(
      400,
      errors('GRAPHQL_VALIDATION_FAILED', 'Cannot query field "joinSession" on type "Mutation".'),
    );
    await expect(client().joinSession()).rejects.toEqual(
      expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
    );
    handler = json(200, { errors: [{ message: 'odd' }] });
    await expect(client().joinSession()).rejects.toEqual(expect.objectContaining({ code: 'UNKNOWN' }));
  });

  it("maps CHALLENGE_FAILED (a commitment failed before opening) to ChallengeFailedError with the verifier's reason", async () => {
    handler = json(200, {
      errors: [
        {
          message: 'challenge c1 failed: DEADLINE_MISSED: the commitment came 2500 ms after the challenge',
          extensions: { code: 'CHALLENGE_FAILED', field: 'commitment', reason: 'DEADLINE_MISSED' },
        },
      ],
      data: null,
    });
    const error = await client()
      .commitChallenge('c1', { challengeId: 'c1', seed: '', root: '', computeMs: 0, totalMs: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChallengeFailedError);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({
      code: 'CHALLENGE_FAILED',
      reason: 'DEADLINE_MISSED',
      field: 'commitment',
      message: expect.stringMatching(/^challenge c1 failed: DEADLINE_MISSED/),
    });
  });

  it('takes error entries that are not objects ("errors": [null]) as saying nothing, never dereferencing them', async () => {
    for (const entries of [[null], [null, 7, 'x', []], [{ message: 'odd', extensions: null }]]) {
      handler = json(200, { errors: entries, data: null });
      const error = await client()
        .heartbeat('s1')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayRequestError);
    }
    handler = json(503, { errors: [null] });
    await expect(client().heartbeat('s1')).rejects.toBeInstanceOf(GatewayUnavailableError);
    handler = json(200, { errors: [null, { message: 'revoked', extensions: { code: 'UNAUTHENTICATED' } }] });
    await expect(client().heartbeat('s1')).rejects.toEqual(new CredentialRefusedError('revoked'));
    handler = json(200, { errors: [null, { message: 'later', extensions: { code: 'UNAVAILABLE' } }] });
    await expect(client().heartbeat('s1')).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it("keeps the heartbeat interval within the services' bounds (100 ms to 10 min)", async () => {
    for (const [said, kept] of [
      [2 ** 31, 600_000],
      [1e12, 600_000],
      [1, 100],
      [0.5, 100],
      [5000, 5000],
    ]) {
      handler = json(200, { data: { joinSession: { ...session, heartbeatIntervalMs: said } } });
      expect((await client().joinSession()).heartbeatIntervalMs).toBe(kept);
    }
    for (const said of [0, -1]) {
      handler = json(200, { data: { joinSession: { ...session, heartbeatIntervalMs: said } } });
      await expect(client().joinSession()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    }
  });

  it('refuses an open request with a leaf that is not one (null, a negative or fractional index, a column not a number) or too many leaves', async () => {
    const leaf = { product: 0, row: 1, chunk: 0, columns: [0, 3] };
    const request = (leaves: unknown[]) => ({
      data: { commitChallenge: { challengeId: 'c1', leaves, committedAt: 1, respondBy: 2 } },
    });
    const commit = () =>
      client().commitChallenge('c1', { challengeId: 'c1', seed: '', root: '', computeMs: 0, totalMs: 0 });
    handler = json(200, request([leaf]));
    expect(await commit()).toMatchObject({ leaves: [leaf] });
    for (const bad of [
      null,
      7,
      { ...leaf, product: -1 },
      { ...leaf, row: 1.5 },
      { ...leaf, chunk: null },
      { ...leaf, product: 2 ** 53 },
      { ...leaf, columns: [null] },
      { ...leaf, columns: 'all' },
    ]) {
      handler = json(200, request([leaf, bad]));
      await expect(commit()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    }
    handler = json(200, request(Array.from({ length: 4097 }, () => leaf)));
    await expect(commit()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('refuses an answer that is not what the protocol says', async () => {
    handler = json(200, { data: { joinSession: { ...session, heartbeatIntervalMs: 'soon' } } });
    const error = await client()
      .joinSession()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringMatching(/^the gateway's answer to joinSession is not what the protocol says/),
    });
    // A sizing the agent could not apply to its claims: the largest size below the smallest.
    handler = json(200, { data: { joinSession: { ...session, challengeMaxSize: 256 } } });
    await expect(client().joinSession()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    handler = json(200, { data: { joinSession: { ...session, spotChallengeSize: -1 } } });
    await expect(client().joinSession()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    handler = json(200, { data: { commitChallenge: { ok: false } } });
    await expect(
      client().commitChallenge('c1', { challengeId: 'c1', seed: '', root: '', computeMs: 0, totalMs: 0 }),
    ).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
