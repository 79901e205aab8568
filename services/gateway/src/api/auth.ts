import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiError } from './errors';

export type Role = 'admin' | 'buyer' | 'provider';

export interface Principal {
  accountId: string;
  roles: Role[];
}

export interface RequestContext {
  principal: Principal | null;
  /** A key was sent but is not valid: every operation that needs one fails with this. */
  authError?: Error;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * API keys arrive as `Authorization: Bearer <key>` and are only ever compared hashed. The admin
 * bootstrap key comes from configuration; keys for accounts (stored hashed) come next.
 */
export class ApiKeys {
  private readonly adminDigest: Buffer | null;

  constructor(adminKey: string | undefined) {
    this.adminDigest = adminKey ? digest(adminKey) : null;
  }

  /** The caller, null when no key was sent; an unknown or malformed key is an error. */
  authenticate(req: Pick<IncomingMessage, 'headers'> | undefined): Principal | null {
    const header = req?.headers['authorization'];
    if (header === undefined) return null;
    const m = /^Bearer ([\x21-\x7e]{16,256})$/.exec(header);
    if (!m) throw apiError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <API key>"');
    if (this.adminDigest && timingSafeEqual(digest(m[1]!), this.adminDigest)) return { accountId: 'admin', roles: ['admin'] };
    throw apiError('UNAUTHENTICATED', 'the API key is not valid');
  }
}

/** The request's context: the caller, or why its key was refused. */
export function contextOf(keys: ApiKeys, req: Pick<IncomingMessage, 'headers'> | undefined): RequestContext {
  try {
    return { principal: keys.authenticate(req) };
  } catch (error) {
    return { principal: null, authError: error as Error };
  }
}

/** The caller, who must hold one of the roles. */
export function requireRole(context: RequestContext, ...roles: Role[]): Principal {
  if (context.authError) throw context.authError;
  if (!context.principal) throw apiError('UNAUTHENTICATED', 'this operation needs an API key: send "Authorization: Bearer <key>"');
  if (!context.principal.roles.some((r) => roles.includes(r))) {
    throw apiError('FORBIDDEN', `this operation is for ${roles.join(' or ')} keys`);
  }
  return context.principal;
}
