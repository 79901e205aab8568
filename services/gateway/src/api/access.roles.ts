import type { Principal, Role } from './auth';
import { apiError } from './errors';

/**
 * What a key refused for want of a role is told for one kind of key, in place of the usual hint:
 * why the operation stays closed to it and what it may do instead (rotateNodeCredential to the
 * admin key: it hands out a secret, its provider's alone).
 */
export type RefusalNotes = Partial<Record<Role, string>>;

const ACCOUNT_ROLES: readonly Role[] = ['buyer', 'provider'];
const OPERATOR_KEY = "the operator's key (the gateway's ADMIN_API_KEY, which only the operator holds)";
const NODE_CREDENTIAL =
  "a node's credential (gpxn_…: registerNode's or rotateNodeCredential's answer), which the node's gpu-worker join sends";

/**
 * The caller holds one of the roles, or FORBIDDEN, saying what the key is, which key to send
 * instead and how such a key is had; `notes`: what a key of one kind is told instead (RefusalNotes).
 */
export function assertRole(principal: Principal, roles: readonly Role[], notes: RefusalNotes = {}): void {
  if (principal.roles.some((r) => roles.includes(r))) return;
  const note = principal.roles.map((r) => notes[r]).find((n) => n !== undefined);
  throw apiError(
    'FORBIDDEN',
    `this operation is for ${roles.join(' or ')} keys: ${note ?? wrongKey(principal, roles)}`,
  );
}

/** What the refused key is, and what to send instead. */
function wrongKey(principal: Principal, roles: readonly Role[]): string {
  const accountRoles = roles.filter((r) => ACCOUNT_ROLES.includes(r));
  const wanted = accountRoles.map((r) => r.toUpperCase()).join(' or ');
  const made = `createApiKey with roles: [${accountRoles[0]?.toUpperCase()}]`;
  if (principal.roles.includes('worker')) {
    const instead = accountRoles.length > 0 ? "your account's API key (gpx_…)" : OPERATOR_KEY;
    return `this is a node credential (gpxn_…), which only the node's gpu-worker join uses; send ${instead}`;
  }
  if (roles.includes('worker') && accountRoles.length === 0 && !roles.includes('admin'))
    return `it takes ${NODE_CREDENTIAL}, not an API key`;
  if (accountRoles.length > 0 && principal.roles.includes('admin'))
    return `the operator's key (ADMIN_API_KEY) acts for no account; send the account's own API key (gpx_…) with ${wanted} (the operator makes one: ${made})`;
  const held = principal.roles.map((r) => r.toUpperCase()).join(' and ') || 'no role';
  if (accountRoles.length > 0)
    return `this key holds ${held} only; use a key with ${wanted} (the operator makes one: ${made})`;
  return `this key is an account's (it holds ${held}); only ${OPERATOR_KEY} may: ask the operator to do it`;
}
