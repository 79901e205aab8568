import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { capacityReadModel, settlementReadModel } from '@gpux/contracts';
import type Redis from 'ioredis';
import { apiError } from './errors';
import { REBUILD_RETRY_MS, ReadModelWatch } from './rebuilding';

export type Role = 'admin' | 'buyer' | 'provider' | 'worker';

export interface Principal {
  /** The account; for a worker, its node's provider. */
  accountId: string;
  roles: Role[];
  keyId?: string;
  /** A worker: the node whose credential it presented. */
  nodeId?: string;
}

/** Node credentials (what `registerNode` hands out) start with this; API keys do not. */
export const NODE_CREDENTIAL_PREFIX = 'gpxn_';

export interface RequestContext {
  principal: Principal | null;
  /** A key was sent but is not valid: every operation that needs one fails with this. */
  authError?: Error;
  /**
   * Looks the key the request was sent with up again: each mutation after a request's first runs
   * on the key as it stands then (AccessGuard), so a key revoked meanwhile stops at once.
   */
  again?: () => Promise<RequestContext>;
}

/** The read models that hold API keys (settlement's) and node credentials (capacity's). */
const API_KEYS_MODEL = settlementReadModel.name;
const CREDENTIALS_MODEL = capacityReadModel.name;

export const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The credentials a header carries: the scheme (any case, RFC 7235), one or more spaces, a token. */
const BEARER = /^bearer +([\x21-\x7e]+)$/i;
/** What the keys the exchange hands out look like (and the admin key, 24+ characters). */
const KEY_LENGTH = { min: 16, max: 256 };

/** What a request carries for its key: none, one header, or every one of several. */
export type Authorization = string | readonly string[] | undefined;

export type ParsedAuthorization =
  | { kind: 'none' }
  | { kind: 'malformed' }
  /** More than one Authorization header: which key is meant is not for the gateway to guess. */
  | { kind: 'repeated'; count: number }
  /** Well formed, but no key the exchange issues is this short or this long: unknown, unlooked-up. */
  | { kind: 'unknown'; key: string }
  | { kind: 'key'; key: string };

/**
 * The key an Authorization header (or a socket's connectionParams.authorization) carries. The scheme
 * is case-insensitive (`bearer`, `BEARER`, as RFC 7235 allows); a key outside the lengths the
 * exchange issues is well formed but unknown, and told so, never that the header's form is wrong.
 */
export function parseAuthorization(header: Authorization): ParsedAuthorization {
  if (header === undefined) return { kind: 'none' };
  if (typeof header !== 'string') {
    if (header.length !== 1) return { kind: 'repeated', count: header.length };
    return parseAuthorization(header[0]);
  }
  const key = BEARER.exec(header)?.[1];
  if (key === undefined) return { kind: 'malformed' };
  return key.length < KEY_LENGTH.min || key.length > KEY_LENGTH.max
    ? { kind: 'unknown', key }
    : { kind: 'key', key };
}

const MALFORMED =
  'the Authorization header (on a WebSocket, connectionParams.authorization) must be the string "Bearer <API key>"';
const repeated = (count: number) =>
  `the request has ${count} Authorization headers: send one, with the key it is made with`;
const UNKNOWN_KEY = 'the API key is not known: it was revoked, or is mistyped';
const UNKNOWN_CREDENTIAL = 'the node credential is not known: it was rotated or revoked, or is mistyped';

/**
 * A key read from a model that is being rebuilt (Redis flushed, or a rebuild asked for) means
 * nothing yet, found or not: one missing may just not be refolded yet, and one found may be
 * revoked further on in the log (a refold writes a key's issue before its revocation). The caller
 * is told to retry, never that a valid key is not, nor let in with a revoked one.
 */
function unlessRebuilding(projection: string, rebuilding: readonly string[]): void {
  if (rebuilding.length > 0)
    throw apiError(
      'UNAVAILABLE',
      `the ${projection} read model is being rebuilt from Kafka: retry in a second`,
      undefined,
      { retryAfterMs: REBUILD_RETRY_MS },
    );
}

/** Times a node credential's two reads are tried when its model changed between them. */
const CREDENTIAL_READ_TRIES = 3;

/**
 * API keys arrive as `Authorization: Bearer <key>` and are only ever compared hashed. The admin
 * bootstrap key comes from configuration; account keys are looked up by their sha256 in
 * settlement's read model (issued and revoked as events on the account).
 *
 * Every read of a key is made in one transaction with the check that its model is whole
 * (ReadModelWatch.readWhole, and readHashWhole for an API key: one script call on every request):
 * a FLUSHALL between the check and the read would otherwise find a valid key missing and answer
 * UNAUTHENTICATED, on which a gpu-worker exits for good.
 */
export class ApiKeys {
  private readonly adminDigest: Buffer | null;

  constructor(
    adminKey: string | undefined,
    redis: Redis,
    private readonly watch: ReadModelWatch = new ReadModelWatch(redis),
  ) {
    this.adminDigest = adminKey ? sha256(adminKey) : null;
  }

  /** The caller, null when no key was sent; an unknown or malformed key is an error. */
  async authenticate(header: Authorization): Promise<Principal | null> {
    const parsed = parseAuthorization(header);
    if (parsed.kind === 'none') return null;
    if (parsed.kind === 'malformed') throw apiError('UNAUTHENTICATED', MALFORMED);
    if (parsed.kind === 'repeated') throw apiError('UNAUTHENTICATED', repeated(parsed.count));
    const credential = parsed.key.startsWith(NODE_CREDENTIAL_PREFIX);
    if (parsed.kind === 'unknown')
      throw apiError('UNAUTHENTICATED', credential ? UNKNOWN_CREDENTIAL : UNKNOWN_KEY);
    const digest = sha256(parsed.key);
    if (this.adminDigest && timingSafeEqual(digest, this.adminDigest))
      return { accountId: 'admin', roles: ['admin'] };
    if (credential) return this.worker(digest.toString('hex'));
    const read = await this.watch.readHashWhole(
      API_KEYS_MODEL,
      settlementReadModel.apiKey(digest.toString('hex')),
    );
    unlessRebuilding(API_KEYS_MODEL, read.rebuilding);
    const h = read.results[0] as Record<string, string>;
    if (!h['accountId']) throw apiError('UNAUTHENTICATED', UNKNOWN_KEY);
    return {
      accountId: h['accountId'],
      ...(h['keyId'] ? { keyId: h['keyId'] } : {}),
      roles: (h['roles'] ?? '').split(',').filter(Boolean) as Role[],
    };
  }

  /**
   * A worker, by its node credential's digest: valid until rotated or revoked. Two reads (the
   * credential's node, then that node's provider), each with the check that the model is whole, and
   * both under the same epoch: a model flushed and refolded, or switched to a rebuilt generation,
   * between them is read again.
   */
  private async worker(hash: string): Promise<Principal> {
    for (let attempt = 1; ; attempt++) {
      const found = await this.watch.readWhole([CREDENTIALS_MODEL], (tx) =>
        tx.hget(capacityReadModel.credential(hash), 'nodeId'),
      );
      unlessRebuilding(CREDENTIALS_MODEL, found.rebuilding);
      const nodeId = found.results[0] as string | null;
      if (!nodeId) throw apiError('UNAUTHENTICATED', UNKNOWN_CREDENTIAL);
      const node = await this.watch.readWhole([CREDENTIALS_MODEL], (tx) =>
        tx.hget(capacityReadModel.node(nodeId), 'providerId'),
      );
      unlessRebuilding(CREDENTIALS_MODEL, node.rebuilding);
      if (node.epochs[0] !== found.epochs[0]) {
        if (attempt < CREDENTIAL_READ_TRIES) continue;
        unlessRebuilding(CREDENTIALS_MODEL, [CREDENTIALS_MODEL]);
      }
      const providerId = node.results[0] as string | null;
      if (!providerId) throw apiError('UNAUTHENTICATED', UNKNOWN_CREDENTIAL);
      return { accountId: providerId, nodeId, roles: ['worker'] };
    }
  }

  /** The request's context: the caller, or why its key was refused. */
  async contextOf(header: Authorization): Promise<RequestContext> {
    try {
      return { principal: await this.authenticate(header) };
    } catch (error) {
      return { principal: null, authError: error as Error };
    }
  }
}

/**
 * The Authorization header of an HTTP request. Node keeps only the first of repeated headers in
 * `headers`: all of them are read, so that a request with two keys is refused rather than served
 * with whichever came first.
 */
export function authorizationOf(
  req: Pick<IncomingMessage, 'headers' | 'headersDistinct'> | undefined,
): Authorization {
  const all = req?.headersDistinct?.['authorization'];
  if (all && all.length > 1) return all;
  const header = req?.headers['authorization'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * A WebSocket's key, from its connection parameters. A parameter that is there but not a string
 * (a number, an object, a list of keys) is a key sent wrongly, refused as a malformed one (''),
 * never taken for no key at all: the caller would be served as anonymous and told to send the key
 * it did send. `authorization` and `Authorization` both, with different keys, are two keys.
 *
 * Several client libraries send headers as `{ headers: { authorization } }`: the key is read there
 * too (its name in any case, as an HTTP header's), under the same rules; one there and another at
 * the top level are two keys, refused as such, never one picked. Nothing else in `headers` is read:
 * the socket's upgrade request carries whatever HTTP headers it has, and the parameters only the key.
 */
export function authorizationOfParams(connectionParams?: Record<string, unknown>): Authorization {
  const given = [
    connectionParams?.['authorization'],
    connectionParams?.['Authorization'],
    ...headerKeys(connectionParams?.['headers']),
  ]
    .filter((v) => v !== undefined && v !== null)
    .map((v) => (typeof v === 'string' ? v : ''));
  // One key however its scheme is written ("Bearer K" and "bearer K" are the same key); anything
  // else by its text (a leading space: no key holds one).
  const byKey = new Map<string, string>();
  for (const v of given) {
    const id = BEARER.exec(v)?.[1] ?? ` ${v}`;
    if (!byKey.has(id)) byKey.set(id, v);
  }
  const distinct = [...byKey.values()];
  return distinct.length > 1 ? distinct : distinct[0];
}

/**
 * The `authorization` values of a WebSocket's `connectionParams.headers`, as an object (its name in
 * any case) or as fetch's list of [name, value] pairs. An empty one there is no key (the pattern
 * `authorization: token ? \`Bearer ${token}\` : ''` of an anonymous client), as it always was.
 */
function headerKeys(headers: unknown): unknown[] {
  if (typeof headers !== 'object' || headers === null) return [];
  const entries: unknown[] = Array.isArray(headers) ? headers : Object.entries(headers);
  return entries
    .filter(
      (e): e is [string, unknown] =>
        Array.isArray(e) &&
        e.length === 2 &&
        typeof e[0] === 'string' &&
        e[0].toLowerCase() === 'authorization',
    )
    .map(([, value]) => value)
    .filter((value) => !(typeof value === 'string' && value.trim() === ''));
}
