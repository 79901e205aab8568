import { z } from 'zod';
import { MessageRegistry } from './registry';

/** Codes a rejection may carry; a client branches on these, never on messages. */
export const REJECTION_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INSUFFICIENT_FUNDS',
  'FORBIDDEN',
  'MARKET_CLOSED',
  'NODE_NOT_CERTIFIED',
  /** The account has as many orders open in the market as it may: cancel some first. */
  'TOO_MANY_OPEN_ORDERS',
  /** The idempotency key was already used for another request: nothing was done. */
  'IDEMPOTENCY_KEY_REUSED',
  /** The command could not be processed (it was dead-lettered): nothing was done. */
  'UNPROCESSABLE',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Whether a string read back (e.g. from a read model) is one of the rejection codes. */
export const isRejectionCode = (code: string | undefined): code is RejectionCode =>
  (REJECTION_CODES as readonly string[]).includes(code ?? '');

export const commandRejectedSchema = z.object({
  commandType: z.string().min(1),
  code: z.enum(REJECTION_CODES),
  message: z.string().min(1).max(1000),
  /** The input field at fault, when there is one (e.g. `amount`). */
  field: z.string().min(1).optional(),
  /** The rejected command's data, so whoever reacts to the rejection knows what it was about. */
  command: z.record(z.string(), z.unknown()).optional(),
  /** UNPROCESSABLE: where the command sits, dead-lettered (`<commands topic>:<partition>:<offset>`). */
  deadLetter: z.string().min(1).max(400).optional(),
  /**
   * INSUFFICIENT_FUNDS: the available balance the refusal found, in minor units (µ$), so that a
   * reader takes the figure from here and never from the message, whose wording may change.
   * Absent from other rejections, and from those written before rejections carried it (their
   * messages say it in the words of then: `account a has 5.00 available, …`).
   */
  available: z.number().int().optional(),
});
export type CommandRejected = z.infer<typeof commandRejectedSchema>;

export const partitionClaimedSchema = z.object({
  partition: z.number().int().min(0),
  /** Unique per claim: a new owner reads the log up to its own claim before it decides anything. */
  claimId: z.string().min(1),
  owner: z.string().min(1),
});
export type PartitionClaimed = z.infer<typeof partitionClaimedSchema>;

/**
 * Messages every event-sourced service writes: the rejection outcome of a command, and the marker a
 * new partition owner writes to its events and snapshots partitions when it takes over.
 */
export function defineServiceMessages(registry: MessageRegistry, service: string) {
  return {
    commandRejected: registry.define(`${service}.CommandRejected`, 'event', [
      { version: 1, schema: commandRejectedSchema },
    ]),
    partitionClaimed: registry.define(`${service}.PartitionClaimed`, 'event', [
      { version: 1, schema: partitionClaimedSchema },
    ]),
  };
}
