import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Principal, RequestContext, Role } from './auth';
import { assertRole, RefusalNotes } from './access.roles';
import { apiError } from './errors';

/**
 * Who may run a root field (a query, mutation or subscription): anyone, or the holders of some
 * roles. Every root field says which with `@Public()` or `@Roles(…)`; a field that says neither is
 * refused (access.spec.ts fails on it first). Finer rules (an order or account that must be the
 * caller's, a bid that needs a buyer key) stay in the resolver, which receives the caller with
 * `@Caller()`.
 */
export type Access = { public: true } | { roles: readonly Role[]; notes?: RefusalNotes };

const ACCESS = 'gpux:access';
const NOTES = 'gpux:access-notes';

/**
 * Anyone may run it, with a valid key or with none. A key that is sent but refused (malformed,
 * unknown, revoked; or not looked up yet: UNAVAILABLE) is that refusal, here as anywhere: a client
 * that sends a key is told it does not hold, never served as anonymous.
 */
export const Public = () => SetMetadata(ACCESS, { public: true } satisfies Access);

/** Only a caller holding one of these roles may run it. */
export const Roles = (...roles: Role[]) => SetMetadata(ACCESS, { roles } satisfies Access);

/**
 * What a key of one kind, refused by `@Roles(…)`, is told instead of the usual hint: why the
 * operation stays closed to it and what it may do instead (access.roles.ts).
 */
export const WhenRefused = (notes: RefusalNotes) => SetMetadata(NOTES, notes);

/** Every kind of key: admin, account (buyer, provider) and node credential (worker). */
export const ANY_KEY: readonly Role[] = ['admin', 'buyer', 'provider', 'worker'];

/** The decision, for a field with this access and a request with this context: the caller, or an error. */
export function decide(access: Access | undefined, context: RequestContext, field: string): Principal | null {
  if (!access) throw apiError('FORBIDDEN', `${field} has no access rule: it is closed to everyone`);
  if ('public' in access) {
    if (context.authError) throw context.authError;
    return context.principal;
  }
  return holderOf(context, access.roles, access.notes);
}

/** The caller, who must hold one of the roles. */
export function holderOf(context: RequestContext, roles: readonly Role[], notes?: RefusalNotes): Principal {
  if (context.authError) throw context.authError;
  if (!context.principal)
    throw apiError('UNAUTHENTICATED', 'this operation needs an API key: send "Authorization: Bearer <key>"');
  assertRole(context.principal, roles, notes);
  return context.principal;
}

/** The account is the caller's own, or the caller is an admin; `field`: the argument that named it. */
export function assertSelfOrAdmin(principal: Principal, accountId: string, field = 'accountId'): void {
  if (!principal.roles.includes('admin') && principal.accountId !== accountId)
    throw apiError('FORBIDDEN', `account ${accountId} is not yours`, field);
}

/**
 * The global guard: every GraphQL root field, over HTTP and over WebSocket (graphql-ws runs the
 * same resolvers, subscriptions' subscribe included), goes through `decide`. Field resolvers of
 * object types are not guarded (Nest's default): they are reached only through a guarded root.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const access = accessOf(this.reflector, context.getHandler());
    const info = gql.getInfo<GraphQLResolveInfo>();
    const request = gql.getContext<RequestContext>();
    if (info.operation.operation === 'mutation') await lookedUpAgain(request);
    decide(access, request, info.fieldName);
    return true;
  }
}

/** A handler's access, with what its refused keys are told (`@WhenRefused`). */
function accessOf(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
): Access | undefined {
  return withNotes(
    reflector.get<Access | undefined>(ACCESS, handler),
    reflector.get<RefusalNotes | undefined>(NOTES, handler),
  );
}

const withNotes = (access: Access | undefined, notes: RefusalNotes | undefined): Access | undefined =>
  access && notes && 'roles' in access ? { ...access, notes } : access;

/** How many of a request's mutations have been let through the guard (per request context). */
const mutationsSeen = new WeakMap<RequestContext, number>();

/**
 * The key a request was sent with, looked up again before each of its mutations after the first
 * (mutations run one after another): a request of 20 placeOrders, or a revokeApiKey of its own key
 * followed by a placeOrder, went on placing orders with a key revoked meanwhile. The first runs on
 * the lookup the request was let in with, so a request of one mutation costs nothing more.
 */
async function lookedUpAgain(request: RequestContext): Promise<void> {
  const seen = mutationsSeen.get(request) ?? 0;
  mutationsSeen.set(request, seen + 1);
  if (seen === 0 || !request.again) return;
  const fresh = await request.again();
  request.principal = fresh.principal;
  if (fresh.authError) request.authError = fresh.authError;
  else delete request.authError;
}

/** The caller of a `@Roles(…)` field (the guard has let it in). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = GqlExecutionContext.create(context).getContext<RequestContext>().principal;
  if (!principal) throw apiError('UNAUTHENTICATED', 'this operation needs an API key');
  return principal;
});

export type RootOperation = 'Query' | 'Mutation' | 'Subscription';

export interface RootField {
  operation: RootOperation;
  field: string;
  resolver: string;
  access: Access | undefined;
}

// @nestjs/graphql's own marks on a resolver method (graphql.constants: RESOLVER_TYPE_METADATA,
// RESOLVER_NAME_METADATA): the root type it belongs to, and its name when it differs from the method's.
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVER_NAME = 'graphql:resolver_name';
const ROOTS: ReadonlySet<string> = new Set(['Query', 'Mutation', 'Subscription']);

/** The root fields the resolver classes define, each with its access (undefined: none said). */
export function rootFields(resolvers: readonly Type[]): RootField[] {
  const out: RootField[] = [];
  for (const resolver of resolvers) {
    const prototype = resolver.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, key)?.value as unknown;
      if (typeof method !== 'function') continue;
      const operation = Reflect.getMetadata(RESOLVER_TYPE, method) as string | undefined;
      if (!operation || !ROOTS.has(operation)) continue;
      out.push({
        operation: operation as RootOperation,
        field: (Reflect.getMetadata(RESOLVER_NAME, method) as string | undefined) ?? key,
        resolver: resolver.name,
        access: withNotes(
          Reflect.getMetadata(ACCESS, method) as Access | undefined,
          Reflect.getMetadata(NOTES, method) as RefusalNotes | undefined,
        ),
      });
    }
  }
  return out;
}

/**
 * The subscriptions anyone may open: what an anonymous socket may ask for (api/subscriptions.ts).
 * Each change they announce is executed once for every client of the same operation, and that one
 * answer sent to all (shared-subscriptions.ts): nothing a public subscription returns, down to its
 * last field, may depend on who asks.
 */
export function publicSubscriptions(resolvers: readonly Type[]): ReadonlySet<string> {
  return new Set(
    rootFields(resolvers)
      .filter((f) => f.operation === 'Subscription' && f.access !== undefined && 'public' in f.access)
      .map((f) => f.field),
  );
}
