import type { IncomingMessage, ServerResponse } from 'node:http';
import { redisKey } from '@gpux/contracts';
import type Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { Principal, RequestContext } from './auth';
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
local nxt = math.max(tat or now, now) + interval
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

export function rateLimitedError(retryAfterMs: number): GraphQLError {
  return new GraphQLError(`too many requests: retry after ${retryAfterMs} ms`, {
    extensions: { code: 'RATE_LIMITED', retryAfterMs },
  });
}

/** The per-caller limit of GATEWAY_RATE_LIMIT_PER_SEC requests a second (bursts of GATEWAY_RATE_LIMIT_BURST), shared through Redis. */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    readonly rule: RateRule | null,
  ) {}

  /** Counts one request of the subject; null when allowed (or no limit is set), else how long to wait. */
  async take(subject: string, nowUs = Date.now() * 1000): Promise<number | null> {
    if (!this.rule) return null;
    const admission = await this.takeAt(subject, nowUs, this.rule);
    return admission.allowed ? null : admission.retryAfterMs;
  }

  /** The script's answer for a request at `nowUs`, as `admit` would give it (ttl and not the new state when allowed). */
  async takeAt(
    subject: string,
    nowUs: number,
    rule: RateRule,
  ): Promise<Admission | { allowed: true; ttlMs: number }> {
    const [allowed, ms] = (await this.redis.eval(
      ADMIT,
      1,
      redisKey`gateway:rate:${subject}`,
      nowUs,
      rule.intervalUs,
      rule.burst,
    )) as [number, number];
    return allowed ? { allowed: true, ttlMs: ms } : { allowed: false, retryAfterMs: ms };
  }
}

export type ContextualRequest = IncomingMessage & { gpuxContext?: RequestContext };

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
    const context = await contextOf(req);
    req.gpuxContext = context;
    let retryAfterMs: number | null;
    try {
      retryAfterMs = await limiter.take(rateSubject(context.principal, req.socket.remoteAddress));
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
