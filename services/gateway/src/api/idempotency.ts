import type { OutgoingCommand } from '@gpux/eventsourcing';

/** Every mutation that may be retried takes one: a retry with the same key returns the first outcome. */
export const IDEMPOTENCY_KEY = {
  type: () => String,
  nullable: true,
  description: 'Repeat it to retry safely: the first outcome is returned.',
};

/** A command to send, with the client's idempotency key when it gave one. */
export function command(type: string, subject: string, data: Record<string, unknown>, idempotencyKey?: string): OutgoingCommand {
  return { type, subject, data, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
