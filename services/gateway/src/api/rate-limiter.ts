import type { IncomingMessage, ServerResponse } from 'node:http';
import { redisKey } from '@gpux/contracts';
import type Redis from 'ioredis';
import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, GraphQLError, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { Principal, RequestContext } from './auth';
import { fragmentsByName } from './limits';
import { Admission, RateRule } from './rate-limit';

// No rate-limiting package is installed in the workspace, and the maintained ones are either
// express-only in memory (one gateway's count, not the fleet's) or bring their own Redis client.
// The rule is a dozen lines (rate-limit.ts, with its spec); this script is that rule, run
// atomically in Redis so every gateway shares one bucket per caller. It must stay line for line
// the same as `admit` (limits.int-spec.ts runs both on the same requests and compares).
const ADMIT = `
local tat = tonumber(redis.call('GET', KEYS[1]))
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local nxt = math.max(tat or now, now) + cost * interval
local over = nxt - now - burst * interval
if over > 0 then return {0, math.ceil(over / 1000)} end
local ttl = math.ceil((nxt - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', ttl)
return {1, ttl}
`;

/** Who a request counts against: its API key (or node credential) when valid, else its IP address. */
export function rateSubject(principal: Principal | null, ip: string | undefined): string {
  if (principal?.keyId) return `key:${principal.keyId}`;
  if (principal?.nodeId) return `node:${principal.nodeId}`;
  if (principal) return `account:${principal.accountId}`;
  return `ip:${ip ?? 'unknown'}`;
}

/** `overHttp`: raised inside Apollo, which answers it with 429 and Retry-After (it drops `http`). */
export function rateLimitedError(retryAfterMs: number, overHttp = false): GraphQLError {
  const http = {
    status: 429,
    headers: new Map([['retry-after', String(Math.ceil(retryAfterMs / 1000))]]),
  };
  return new GraphQLError(`too many requests: retry after ${retryAfterMs} ms`, {
    extensions: { code: 'RATE_LIMITED', retryAfterMs, ...(overHttp ? { http } : {}) },
  });
}

/** The per-caller limit of GATEWAY_RATE_LIMIT_PER_SEC requests a second (bursts of GATEWAY_RATE_LIMIT_BURST), shared through Redis. */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    readonly rule: RateRule | null,
  ) {}

  /**
   * Counts `cost` requests of the subject (one, unless a request runs several mutations); null when
   * allowed (or no limit is set), else how long to wait.
   */
  async take(subject: string, nowUs = Date.now() * 1000, cost = 1): Promise<number | null> {
    if (!this.rule) return null;
    const admission = await this.takeAt(subject, nowUs, this.rule, cost);
    return admission.allowed ? null : admission.retryAfterMs;
  }

  /** The script's answer for a request at `nowUs`, as `admit` would give it (ttl and not the new state when allowed). */
  async takeAt(
    subject: string,
    nowUs: number,
    rule: RateRule,
    cost = 1,
  ): Promise<Admission | { allowed: true; ttlMs: number }> {
    const [allowed, ms] = (await this.redis.eval(
      ADMIT,
      1,
      redisKey`gateway:rate:${subject}`,
      nowUs,
      rule.intervalUs,
      rule.burst,
      cost,
    )) as [number, number];
    return allowed ? { allowed: true, ttlMs: ms } : { allowed: false, retryAfterMs: ms };
  }
}

export type ContextualRequest = IncomingMessage & { gpuxContext?: RequestContext };

/** A request's context as the rate limit left it: who the request counted against. */
export type RateCountedContext = RequestContext & { rateSubject?: string };

/**
 * HTTP: authenticates the request once (the GraphQL context reuses it), counts it against its key
 * or IP, and answers 429 with Retry-After and a RATE_LIMITED GraphQL error when over the limit,
 * before anything is parsed.
 */
export function httpRateLimit(
  limiter: RateLimiter,
  contextOf: (req: IncomingMessage) => Promise<RequestContext>,
) {
  return async (
    req: ContextualRequest,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    if (!limiter.rule) return next();
    const authenticated = await contextOf(req);
    const subject = rateSubject(authenticated.principal, req.socket.remoteAddress);
    const context: RateCountedContext = { ...authenticated, rateSubject: subject };
    req.gpuxContext = context;
    let retryAfterMs: number | null;
    try {
      retryAfterMs = await limiter.take(subject);
    } catch {
      // Redis is down: the limit cannot be counted, and the operation will answer for itself.
      retryAfterMs = null;
    }
    if (retryAfterMs === null) return next();
    res.statusCode = 429;
    res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [rateLimitedError(retryAfterMs).toJSON()] }));
  };
}

/**
 * The root fields an operation runs, through its fragments: for a mutation, how many it runs. Each
 * fragment is counted once, however often it is spread (fragments that spread the next twice, 40
 * deep, run 2^40 fields, and counting every spread never ended).
 */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = fragmentsByName(document);
  const counted = new Map<string, number>();
  const spread = (name: string): number => {
    const known = counted.get(name);
    if (known !== undefined) return known;
    counted.set(name, 0); // a spread of itself (a cycle, which validation refuses) counts nothing
    const fragment = fragments.get(name);
    const n = fragment ? count(fragment.selectionSet) : 0;
    counted.set(name, n);
    return n;
  };
  const count = (set: SelectionSetNode): number =>
    set.selections.reduce((n, s) => {
      if (s.kind === Kind.FIELD) return n + 1;
      if (s.kind === Kind.INLINE_FRAGMENT) return n + count(s.selectionSet);
      return n + spread(s.name.value);
    }, 0);
  return count(operation.selectionSet);
}

/**
 * What the rate limit says of a request that runs `mutations` mutations, after it counted it once
 * as a request: null when the rest may run, else the error to answer. Each mutation beyond the
 * first counts as a request of its own, so that batching mutations in one request (aliases) does
 * not multiply what a caller may do; more mutations than the burst could never be admitted, and
 * are refused as too much for one request.
 */
export async function mutationsAdmitted(
  limiter: RateLimiter,
  subject: string | undefined,
  mutations: number,
): Promise<GraphQLError | null> {
  const rule = limiter.rule;
  if (!rule || subject === undefined || mutations <= 1) return null;
  if (mutations > rule.burst)
    return new GraphQLError(
      `the request runs ${mutations} mutations; the rate limit lets a caller run at most ${rule.burst} at once (GATEWAY_RATE_LIMIT_BURST): send them in smaller requests`,
      { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } },
    );
  let retryAfterMs: number | null;
  try {
    retryAfterMs = await limiter.take(subject, Date.now() * 1000, mutations - 1);
  } catch {
    return null; // Redis is down: the limit cannot be counted, as for the request itself
  }
  return retryAfterMs === null ? null : rateLimitedError(retryAfterMs, true);
}

/** Over HTTP: once the operation is known, the mutations beyond the first are counted too. */
export function mutationRatePlugin(limiter: RateLimiter): ApolloServerPlugin<RateCountedContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const error = await mutationsAdmitted(
            limiter,
            contextValue.rateSubject,
            rootFieldCount(document, operation),
          );
          if (error) throw error;
        },
      };
    },
  };
}
