import type { Principal, Role } from '../api/auth';
import { apiError } from '../api/errors';
import { Side } from './orders.views';

/** The role a key needs to place an order of each side: a bid buys (BUYER), an ask sells (PROVIDER). */
export const SIDE_ROLE: Record<Side, Role> = { [Side.BID]: 'buyer', [Side.ASK]: 'provider' };

/**
 * A key without the side's role is refused FORBIDDEN on the order's side (`input.side` once named
 * from the argument), saying which role the side needs: before, it named no field, and a client
 * could not tell which of its inputs the key did not allow.
 */
export function assertSideRole(principal: Principal, side: Side, field = 'side'): void {
  const role = SIDE_ROLE[side];
  if (principal.roles.includes(role)) return;
  const order = side === Side.BID ? 'a bid' : 'an ask';
  throw apiError(
    'FORBIDDEN',
    `${order} needs a key with the ${role.toUpperCase()} role, and this key has ${rolesOf(principal)}: use a ${role.toUpperCase()} key (the operator makes one: createApiKey with roles: [${role.toUpperCase()}])`,
    field,
  );
}

const rolesOf = (p: Principal): string =>
  p.roles.length === 0 ? 'none' : p.roles.map((r) => r.toUpperCase()).join(' and ');
