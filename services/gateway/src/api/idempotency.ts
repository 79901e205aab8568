import { randomUUID } from 'node:crypto';
import { OutgoingCommand, scopedKey } from '@gpux/eventsourcing';
import type { Principal } from './auth';

/** Every mutation that may be retried takes one: a retry with the same key returns the first outcome. */
export const IDEMPOTENCY_KEY = {
  type: () => String,
  nullable: true,
  description:
    "Repeat it to retry safely: the same request with the same key returns the first outcome. A key is yours and this operation's only; used again for a different request it fails with IDEMPOTENCY_KEY_REUSED and changes nothing. Keys are remembered for 24 hours (IDEMPOTENCY_WINDOW_MS); after that a request with one is a new request.",
};

/** A command as the gateway sends it: the key on the log is scoped; the client's own is kept for answers. */
export type GatewayCommand = OutgoingCommand & { idempotencyKey: string; clientKey: string };

/** Whose a key is: the admin, a worker's node, or an account. */
export function principalScope(p: Principal): string {
  if (p.roles.includes('admin')) return 'admin';
  if (p.nodeId) return `node:${p.nodeId}`;
  return `account:${p.accountId}`;
}

/**
 * A command to send under the client's idempotency key (one is made up when it gave none, so a
 * TIMEOUT can name a key to retry with), scoped to the caller and the command type.
 */
export function command(
  principal: Principal,
  type: string,
  subject: string,
  data: Record<string, unknown>,
  idempotencyKey?: string,
): GatewayCommand {
  const clientKey = idempotencyKey ?? randomUUID();
  return {
    type,
    subject,
    data,
    idempotencyKey: scopedKey(principalScope(principal), type, clientKey),
    clientKey,
  };
}
