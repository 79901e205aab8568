/**
 * The worker's side of the worker ↔ gateway protocol: GraphQL over HTTP, authenticated with the
 * node credential from registerNode. Every failure becomes one of four errors, because the agent
 * does one of four things with it:
 *   CredentialRefusedError   UNAUTHENTICATED, or FORBIDDEN to joinSession: stop; no retry can help
 *   GatewayUrlError          HTTP 404, or https:// to a plain-HTTP server: the URL is not the
 *                            GraphQL endpoint (https for http, its path left out or
 *                            wrong): stop, a bad option; no retry can help
 *   GatewayUnavailableError  no answer, 5xx, a non-GraphQL answer, TIMEOUT, INTERNAL_SERVER_ERROR,
 *                            UNAVAILABLE or RATE_LIMITED: retry with backoff, not before the gateway
 *                            said (retryAfterMs)
 *   GatewayRequestError      any other coded error: this request was refused as it stands
 *     ChallengeFailedError   among those, CHALLENGE_FAILED: the verifier failed a commitment before
 *                            opening it (late, or for another challenge); carries the reason
 */
import { isProtocolVersion, sizingError } from '@gpux/certification';
import type { Challenge, Commitment, LeafRequest, Opening, OpenRequest } from '@gpux/certification';
import { adapterLine } from './adapter-line';
import {
  AnswerChallengeDocument,
  CommitChallengeDocument,
  HeartbeatDocument,
  type HeartbeatMutation,
  JoinSessionDocument,
  type JoinSessionMutation,
  JoinSessionUnlessLiveDocument,
  LeaveSessionDocument,
  type LeaveSessionMutation,
  RequestCertificationDocument,
  type SessionFragment,
  type TicketFragment,
  type TypedDocumentString,
  type VerdictFragment,
} from './gateway/operations.generated';

// The protocol's types are generated from the gateway's schema and the operations the worker
// sends (gateway/operations.graphql); only a challenge's JSON is narrowed to libs/certification's.
export type WorkerSession = SessionFragment;
export type ChallengeTicket = Omit<TicketFragment, 'challenge'> & { challenge: Challenge };
export type ChallengeVerdict = VerdictFragment;
export type VerdictNode = VerdictFragment['node'];
export type LeftNode = NonNullable<LeaveSessionMutation['leaveSession']>;
export type HeartbeatAck = Omit<NonNullable<HeartbeatMutation['heartbeat']>, 'challenge'> & {
  challenge: ChallengeTicket | null;
};

export class CredentialRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialRefusedError';
  }
}

export class GatewayUnavailableError extends Error {
  constructor(
    message: string,
    /** How long the gateway asked to wait before retrying (extensions.retryAfterMs, or Retry-After). */
    readonly retryAfterMs?: number,
    /**
     * Why nothing answered at all (ECONNREFUSED, timed out), where nothing did; absent when the
     * gateway answered that it could not serve.
     */
    readonly noAnswer?: string,
    /**
     * The gateway's code for it, where it said one (UNAVAILABLE, RATE_LIMITED, TIMEOUT,
     * INTERNAL_SERVER_ERROR): an UNAVAILABLE with retryAfterMs is retried at that time (agent.ts).
     */
    readonly code?: string,
    /**
     * What answered sent no GraphQL response at all (HTML, plain text): perhaps a proxy in trouble,
     * perhaps not the gateway's endpoint at all, which a worker that gives up says to check.
     */
    readonly notGraphQL?: boolean,
  ) {
    super(message);
    this.name = 'GatewayUnavailableError';
  }
}

/**
 * The URL answered HTTP 404: something listens there, but it is not the gateway's GraphQL
 * endpoint (`http://host:4000` for `http://host:4000/graphql`; the gateway itself answers 404 below
 * its endpoint). A configuration error: the message names the option (or variable) to fix.
 */
export class GatewayUrlError extends Error {
  /** `plain`: the URL is https:// and the server answered without TLS (why, as fetch said). */
  constructor(url: string, option = '--gateway', plain?: string) {
    const given = option.startsWith('--')
      ? `${option} ${url}`
      : option.endsWith('_PORT')
        ? `${url} (from ${option})`
        : `${option}=${url}`;
    super(
      plain === undefined
        ? `${given} answered 404: is it the GraphQL endpoint?${endpointExample(url)}`
        : `${given} answered without TLS (${plain}): the gateway serves plain HTTP there? e.g. ${url.replace(/^https:/i, 'http:')}`,
    );
    this.name = 'GatewayUrlError';
  }
}

/** What fetch says of a TLS handshake that a plain-HTTP server answered. */
const NOT_TLS =
  /^(ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG|EPROTO)$|wrong version number/i;

/** ` e.g. http://host:4000/graphql`, the gateway's endpoint at the URL's origin, unless it is that already. */
function endpointExample(url: string): string {
  let example: string;
  try {
    example = new URL('/graphql', url).href;
  } catch {
    return '';
  }
  return example === url ? '' : ` e.g. ${example}`;
}

export class GatewayRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    /** The gateway's `extensions.reason`, where it gave one (SESSION_REPLACED, SESSION_LIVE). */
    readonly reason?: string,
    /** The error's other extensions (SESSION_LIVE's sessionStartedAt and lastHeartbeatAt, …), as the gateway sent them. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

/** The verifier failed the challenge at its commitment (DEADLINE_MISSED, SEED_MISMATCH, MALFORMED). */
export class ChallengeFailedError extends GatewayRequestError {
  constructor(
    override readonly reason: string,
    message: string,
  ) {
    super('CHALLENGE_FAILED', message, 'commitment', reason);
    this.name = 'ChallengeFailedError';
  }
}

/**
 * The codes whose action is RETRY (the gateway's ErrorCode; operations.codegen.spec checks them
 * against the schema): the gateway could not answer now, not that the request was wrong.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'INTERNAL_SERVER_ERROR',
  'UNAVAILABLE',
  'RATE_LIMITED',
]);

/** The heartbeat intervals the services configure (HEARTBEAT_INTERVAL_MS); a session's is kept within them. */
export const HEARTBEAT_INTERVAL_MS = { min: 100, max: 600_000 } as const;

interface GraphQLError {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown; reason?: unknown; retryAfterMs?: unknown };
}

export interface ClientOptions {
  /** Per request (default 30 s): a gateway that hangs is as good as gone. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Where the URL was given, for the messages that ask to fix it (default --gateway). */
  urlOption?: string;
}

/**
 * How to join: by default the node's session is taken whatever holds it (a restarted worker takes
 * over at once). `unlessLive` (`join --once`): not a session another worker keeps live (refused
 * SESSION_LIVE), the session started under `sessionId`, one id for the run (newSessionId), so that
 * a retry after a lost answer resumes its own session rather than find it live.
 */
export interface JoinOptions {
  unlessLive?: { sessionId: string };
}

export class GatewayClient {
  /** How long a request waits for the gateway's answer (a --once worker says so as it waits). */
  readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  /** `--gateway`, or `GPUX_GATEWAY_URL` or `GPUX_GATEWAY_PORT` when the URL came from the environment. */
  readonly urlOption: string;

  constructor(
    readonly url: string,
    private readonly credential: string,
    options: ClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetch = options.fetch ?? fetch;
    this.urlOption = options.urlOption ?? '--gateway';
  }

  /** One GraphQL operation; its data, or one of the three errors above. */
  async request<T, V>(
    document: TypedDocumentString<T, V>,
    variables: V,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const query = document.toString();
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${this.credential}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const why = describeFetchError(error);
      // https:// to a plain-HTTP gateway: no retry can succeed, a bad option (like a 404).
      if (/^https:/i.test(this.url) && NOT_TLS.test(why))
        throw new GatewayUrlError(this.url, this.urlOption, why);
      throw new GatewayUnavailableError(`the gateway at ${this.url} did not answer (${why})`, undefined, why);
    }
    // Whatever its body says: the endpoint answers every operation, so a 404 is the URL's.
    if (response.status === 404) throw new GatewayUrlError(this.url, this.urlOption);
    let body: { data?: unknown; errors?: GraphQLError[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    // Entries that are not objects (`"errors": [null]`) say nothing: left out, not dereferenced.
    const errors: GraphQLError[] = Array.isArray(body?.errors)
      ? body.errors.filter((e): e is GraphQLError => isObject(e))
      : [];
    const codes = errors.map((e) => String(e.extensions?.code ?? ''));
    const retryAfterMs = retryAfterOf(response, errors);
    if (codes.includes('UNAUTHENTICATED') || (response.status === 401 && errors.length === 0)) {
      const refused = errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
      throw new CredentialRefusedError(
        typeof refused?.message === 'string' ? refused.message : 'the node credential was refused',
      );
    }
    if (response.status >= 500 || typeof body !== 'object' || body === null) {
      // A 503 says why in its body (UNAVAILABLE: Redis or Kafka down, a read model rebuilt).
      const said =
        typeof errors[0]?.message === 'string' ? ` (${codes[0] || 'no code'}: ${errors[0].message})` : '';
      throw new GatewayUnavailableError(
        `the gateway at ${this.url} answered HTTP ${response.status}${body ? said : ' without a GraphQL response'}`,
        retryAfterMs,
        undefined,
        codes[0] || undefined,
        body ? undefined : true,
      );
    }
    const first = errors[0];
    if (first) {
      const code = codes[0] || (response.status >= 400 ? `HTTP_${response.status}` : 'UNKNOWN');
      const message = typeof first.message === 'string' ? first.message : 'no message';
      if (TRANSIENT_CODES.has(code))
        throw new GatewayUnavailableError(
          `the gateway could not answer now (${code}: ${message})`,
          retryAfterMs,
          undefined,
          code,
        );
      if (code === 'CHALLENGE_FAILED')
        throw new ChallengeFailedError(
          typeof first.extensions?.reason === 'string' ? first.extensions.reason : 'UNKNOWN',
          message,
        );
      throw new GatewayRequestError(
        code,
        message,
        typeof first.extensions?.field === 'string' ? first.extensions.field : undefined,
        typeof first.extensions?.reason === 'string' ? first.extensions.reason : undefined,
        isObject(first.extensions) ? first.extensions : {},
      );
    }
    // No errors, and no data either: said as it came (a 4xx's status; a 200 answering no data is
    // no GraphQL server's answer, a proxy's or a stub's perhaps), not as a code the gateway never sent.
    if (response.status >= 400 || typeof body.data !== 'object' || body.data === null) {
      throw new GatewayRequestError(
        response.status >= 400 ? `HTTP_${response.status}` : 'BAD_RESPONSE',
        `the gateway at ${this.url} answered HTTP ${response.status} with ${withoutData(text)}`,
      );
    }
    return body.data as T;
  }

  /**
   * `adapter`: the GPU as its adapter describes itself, sent as one line the gateway takes
   * (adapterLine). `replace` false: a session another worker keeps live is not taken (the gateway
   * refuses ALREADY_EXISTS, reason SESSION_LIVE); true or absent, the join takes the node, as every
   * gateway's does (the document without the argument, which an older gateway would not know).
   */
  async joinSession(adapter?: string, { unlessLive }: JoinOptions = {}): Promise<WorkerSession> {
    let data: JoinSessionMutation;
    const variables = { adapter: adapter === undefined ? null : (adapterLine(adapter) ?? null) };
    try {
      data = unlessLive
        ? await this.request(JoinSessionUnlessLiveDocument, { ...variables, sessionId: unlessLive.sessionId })
        : await this.request(JoinSessionDocument, variables);
    } catch (error) {
      // Joining asks nothing but the credential: FORBIDDEN here is the credential's (a key that is
      // not a node's, "this operation is for worker keys"; a node's revoked credential), and no
      // retry with it can succeed.
      if (error instanceof GatewayRequestError && error.code === 'FORBIDDEN')
        throw new CredentialRefusedError(error.message);
      throw error;
    }
    const session = expectShape(data.joinSession, 'joinSession', isSession);
    // Within the services' own bounds: setTimeout takes more than 2^31 − 1 ms as 1 ms, and a few ms
    // would heartbeat in a tight loop.
    const heartbeatIntervalMs = Math.min(
      HEARTBEAT_INTERVAL_MS.max,
      Math.max(HEARTBEAT_INTERVAL_MS.min, session.heartbeatIntervalMs),
    );
    return { ...session, heartbeatIntervalMs };
  }

  /** A certification challenge at the claim, of f32 (what markets ask) or f16 (certified apart). */
  async requestCertification(
    claimedTflops: number,
    precision: 'f32' | 'f16' = 'f32',
  ): Promise<ChallengeTicket> {
    const data = await this.request(RequestCertificationDocument, { t: claimedTflops, p: precision });
    return expectShape(data.requestCertification, 'requestCertification', isTicket);
  }

  /** Sends the commitment; the answer is which rows of which products to open, and the columns checked. */
  async commitChallenge(challengeId: string, commitment: Commitment): Promise<OpenRequest> {
    const data = await this.request(CommitChallengeDocument, { id: challengeId, c: commitment });
    return expectShape(data.commitChallenge, 'commitChallenge', isOpenRequest);
  }

  async answerChallenge(challengeId: string, opening: Opening): Promise<ChallengeVerdict> {
    const data = await this.request(AnswerChallengeDocument, { id: challengeId, o: opening });
    return expectShape(data.answerChallenge, 'answerChallenge', isVerdict);
  }

  /**
   * Ends the session now (the worker stops): the node as it then stands. `timeoutMs`: a stopping
   * worker waits this long at most (a process manager's stop gives it seconds, not 30).
   */
  async leaveSession(sessionId: string, timeoutMs = this.timeoutMs): Promise<LeftNode> {
    const data = await this.request(LeaveSessionDocument, { s: sessionId }, timeoutMs);
    return expectShape(
      data.leaveSession,
      'leaveSession',
      (x): x is LeftNode => isObject(x) && typeof x['status'] === 'string',
    );
  }

  async heartbeat(sessionId: string): Promise<HeartbeatAck> {
    const data = await this.request(HeartbeatDocument, { s: sessionId });
    return expectShape(
      data.heartbeat,
      'heartbeat',
      (x): x is HeartbeatAck =>
        isObject(x) &&
        typeof x['status'] === 'string' &&
        (x['challenge'] === null || isTicket(x['challenge'])),
    );
  }
}

/**
 * How long the gateway asked to wait, when it said: the largest `extensions.retryAfterMs` of its
 * errors, or a 429's or 503's Retry-After (seconds), whichever is longer; undefined otherwise.
 */
function retryAfterOf(response: Response, errors: readonly GraphQLError[]): number | undefined {
  let ms = 0;
  for (const e of errors) {
    const said = e.extensions?.retryAfterMs;
    if (typeof said === 'number' && Number.isFinite(said) && said > ms) ms = said;
  }
  const header = response.headers.get('retry-after')?.trim();
  if ((response.status === 429 || response.status === 503) && header && /^\d+$/.test(header))
    ms = Math.max(ms, Number(header) * 1000);
  return ms > 0 ? ms : undefined;
}

/** What an answer without data or errors held, as a message says it: its body, cut short, or that it was empty. */
function withoutData(text: string): string {
  const body = text.trim();
  if (!body) return 'an empty body (no data, no errors)';
  const shown = body.length > 200 ? `${body.slice(0, 200)}… (${body.length} characters)` : body;
  return `no data and no errors: ${shown}`;
}

function describeFetchError(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (instanceof Error is not reliable).
  const e = error as {
    name?: unknown;
    message?: unknown;
    cause?: { code?: unknown; message?: unknown };
  } | null;
  if (e?.name === 'TimeoutError') return 'timed out';
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  if (typeof e?.cause?.message === 'string') return e.cause.message;
  return typeof e?.message === 'string' ? e.message : String(error);
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isNullableString = (x: unknown) => x === null || x === undefined || typeof x === 'string';

function isSession(x: unknown): x is WorkerSession {
  return (
    isObject(x) &&
    typeof x['sessionId'] === 'string' &&
    typeof x['nodeId'] === 'string' &&
    typeof x['status'] === 'string' &&
    typeof x['heartbeatIntervalMs'] === 'number' &&
    Number.isFinite(x['heartbeatIntervalMs']) &&
    x['heartbeatIntervalMs'] > 0 &&
    typeof x['challengeSize'] === 'number' &&
    typeof x['challengeMaxSize'] === 'number' &&
    typeof x['challengeProductMs'] === 'number' &&
    (x['spotChallengeSize'] === null ||
      x['spotChallengeSize'] === undefined ||
      (Number.isInteger(x['spotChallengeSize']) && (x['spotChallengeSize'] as number) > 0)) &&
    // The sizing the agent applies to its claims (challengeSizeFor) must be one it can apply.
    sizingError({
      minSize: x['challengeSize'],
      maxSize: x['challengeMaxSize'],
      productMs: x['challengeProductMs'],
    }) === null &&
    typeof x['precision'] === 'string' &&
    isNullableString(x['certifiedUntil'])
  );
}

/**
 * A challenge's shape. Its values (n, products, seed, precision, deadline) are checked by the agent
 * against the protocol and the session (challenge/bad-challenge.ts), so that a challenge it cannot
 * answer is refused on its own and the session goes on.
 */
function isChallenge(x: unknown): x is Challenge {
  return (
    isObject(x) &&
    isProtocolVersion(x['version']) &&
    typeof x['id'] === 'string' &&
    typeof x['seed'] === 'string' &&
    ['n', 'products', 'deadline', 'issuedAt'].every((f) => typeof x[f] === 'number')
  );
}

function isTicket(x: unknown): x is ChallengeTicket {
  return (
    isObject(x) &&
    typeof x['id'] === 'string' &&
    typeof x['purpose'] === 'string' &&
    isChallenge(x['challenge'])
  );
}

/** createChallenge's bound on openLeaves: an open request never names more leaves. */
export const MAX_OPEN_LEAVES = 4096;

const isIndex = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** A leaf the prover can look up: whether it is one of the challenge's is the prover's to check. */
function isLeafRequest(x: unknown): x is LeafRequest {
  return (
    isObject(x) &&
    isIndex(x['product']) &&
    isIndex(x['row']) &&
    isIndex(x['chunk']) &&
    Array.isArray(x['columns']) &&
    x['columns'].every(isIndex)
  );
}

function isOpenRequest(x: unknown): x is OpenRequest {
  return (
    isObject(x) &&
    typeof x['challengeId'] === 'string' &&
    Array.isArray(x['leaves']) &&
    x['leaves'].length <= MAX_OPEN_LEAVES &&
    x['leaves'].every(isLeafRequest)
  );
}

function isVerdict(x: unknown): x is ChallengeVerdict {
  return (
    isObject(x) &&
    typeof x['ok'] === 'boolean' &&
    isObject(x['node']) &&
    typeof x['node']['status'] === 'string'
  );
}

function expectShape<T>(value: unknown, what: string, check: (x: unknown) => x is T): T {
  if (!check(value))
    throw new GatewayRequestError(
      'BAD_RESPONSE',
      `the gateway's answer to ${what} is not what the protocol says: ${JSON.stringify(value)?.slice(0, 200)}`,
    );
  return value;
}
