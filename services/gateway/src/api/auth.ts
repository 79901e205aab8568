import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { capacityReadModel, settlementReadModel } from '@gpux/contracts';
import { CapacityQueries, SettlementQueries } from '@gpux/read-models';
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
}

/** The read models that hold API keys (settlement's) and node credentials (capacity's). */
const API_KEYS_MODEL = settlementReadModel.name;
const CREDENTIALS_MODEL = capacityReadModel.name;

export const sha256 = (text: string) => createHash('sha256').update(text).digest();
const KEY = /^Bearer ([\x21-\x7e]{16,256})$/;

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

/**
 * API keys arrive as `Authorization: Bearer <key>` and are only ever compared hashed. The admin
 * bootstrap key comes from configuration; account keys are looked up by their sha256 in
 * settlement's read model (issued and revoked as events on the account).
 */
export class ApiKeys {
  private readonly adminDigest: Buffer | null;
  private readonly settlement: SettlementQueries;
  private readonly capacity: CapacityQueries;

  constructor(
    adminKey: string | undefined,
    redis: Redis,
    private readonly watch: ReadModelWatch = new ReadModelWatch(redis),
  ) {
    this.adminDigest = adminKey ? sha256(adminKey) : null;
    this.settlement = new SettlementQueries(redis);
    this.capacity = new CapacityQueries(redis);
  }

  /** The caller, null when no key was sent; an unknown or malformed key is an error. */
  async authenticate(header: string | undefined): Promise<Principal | null> {
    if (header === undefined) return null;
    const m = KEY.exec(header);
    if (!m)
      throw apiError(
        'UNAUTHENTICATED',
        'the Authorization header (on a WebSocket, connectionParams.authorization) must be the string "Bearer <API key>"',
      );
    const digest = sha256(m[1]!);
    if (this.adminDigest && timingSafeEqual(digest, this.adminDigest))
      return { accountId: 'admin', roles: ['admin'] };
    if (m[1]!.startsWith(NODE_CREDENTIAL_PREFIX)) return this.worker(digest.toString('hex'));
    // Sent together (one round trip): whether the model is whole decides what the lookup means.
    const [found, rebuilding] = await Promise.all([
      this.settlement.apiKeyHolder(digest.toString('hex')),
      this.watch.rebuilding([API_KEYS_MODEL]),
    ]);
    unlessRebuilding(API_KEYS_MODEL, rebuilding);
    if (!found) throw apiError('UNAUTHENTICATED', 'the API key is not valid (unknown or revoked)');
    return { ...found, roles: found.roles as Role[] };
  }

  /** A worker, by its node credential's digest: valid until rotated or revoked. */
  private async worker(hash: string): Promise<Principal> {
    const [nodeId, rebuilding] = await Promise.all([
      this.capacity.credentialNode(hash),
      this.watch.rebuilding([CREDENTIALS_MODEL]),
    ]);
    unlessRebuilding(CREDENTIALS_MODEL, rebuilding);
    const providerId = nodeId ? await this.capacity.nodeField(nodeId, 'providerId') : null;
    if (!nodeId || !providerId)
      throw apiError('UNAUTHENTICATED', 'the node credential is not valid (unknown, rotated or revoked)');
    return { accountId: providerId, nodeId, roles: ['worker'] };
  }

  /** The request's context: the caller, or why its key was refused. */
  async contextOf(header: string | undefined): Promise<RequestContext> {
    try {
      return { principal: await this.authenticate(header) };
    } catch (error) {
      return { principal: null, authError: error as Error };
    }
  }
}

/**
 * The Authorization header of an HTTP request, or of a WebSocket's connection parameters. A
 * parameter that is there but not a string (a number, an object, a list of keys) is a key sent
 * wrongly, refused as a malformed one (''), never taken for no key at all: the caller would be
 * served as anonymous and told to send the key it did send.
 */
export function authorizationOf(
  req: Pick<IncomingMessage, 'headers'> | undefined,
  connectionParams?: Record<string, unknown>,
): string | undefined {
  const fromParams = connectionParams?.['authorization'] ?? connectionParams?.['Authorization'];
  if (typeof fromParams === 'string') return fromParams;
  if (fromParams !== undefined && fromParams !== null) return '';
  const header = req?.headers['authorization'];
  return typeof header === 'string' ? header : undefined;
}
