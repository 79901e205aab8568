import { z } from 'zod';
import { slaBreachReasonSchema } from '../capacity/nodes';
import { entityId, minorUnits, positiveMinorUnits } from '../envelope';

/**
 * Leases and API keys in settlement. A lease is money in motion from a buyer to a provider: the
 * trade's value and fee move out of the bid's hold into the lease's escrow (on the buyer's
 * account, so one writer decides every movement of the buyer's money), are charged as the lease
 * runs, and are credited to the provider and to the platform account.
 */

/** The account that receives the platform's fees. Opened by its first credit. */
export const PLATFORM_ACCOUNT_ID = 'platform';

const iso = z.iso.datetime({ offset: true });

export const openLeaseSchema = z.object({
  /** The buyer: the lease's escrow lives on the buyer's account. */
  accountId: entityId,
  leaseId: entityId,
  /** The bid's hold, which pays for the lease. */
  holdId: entityId,
  providerId: entityId,
  marketId: entityId,
  nodeId: entityId,
  gpus: z.number().int().positive(),
  /** Price per GPU-hour (minor units), for the record. */
  price: positiveMinorUnits,
  value: positiveMinorUnits,
  fee: minorUnits.min(0),
  start: iso,
  end: iso,
});
/**
 * v2: a trade's lease and what the trade gives back of the bid's hold (its limit above the trade's
 * price, `holdReleased`), decided together: one command where a lease and a release were two. v1 is
 * a v2 that releases nothing.
 */
export const openLeaseV2Schema = openLeaseSchema.extend({ holdReleased: minorUnits.min(0).optional() });
export const leaseRefSchema = z.object({ accountId: entityId, leaseId: entityId });
/**
 * Charge a lease for its delivery up to `upTo` (never past the decider's clock). The meter charges
 * in arrears, by at least the time a node's loss takes to be noticed, so that a breach never finds
 * undelivered time already paid to the provider.
 */
export const meterLeaseSchema = leaseRefSchema.extend({ upTo: iso.optional() });
export const endLeaseEarlySchema = leaseRefSchema.extend({
  /** Why the provider stopped delivering: the buyer gets back what was not delivered. */
  reason: z.enum([...slaBreachReasonSchema.options, 'NODE_SUSPENDED']),
  /** When delivery stopped; default: when the command is decided. */
  at: iso.optional(),
});

export const leaseChargedSchema = z.object({
  accountId: entityId,
  leaseId: entityId,
  providerId: entityId,
  /** This charge: to the provider, and to the platform. */
  amount: minorUnits.min(0),
  fee: minorUnits.min(0),
  /** Totals charged so far, this charge included. */
  chargedValue: minorUnits.min(0),
  chargedFee: minorUnits.min(0),
  /** The lease is fully settled: nothing of it remains in escrow. */
  final: z.boolean(),
  /**
   * No charge of the lease follows, though it is not `final`: the lease ends early with it (the
   * rest of its escrow goes back to the buyer as an SLA credit). Absent otherwise, and on charges
   * written before it existed.
   */
  last: z.literal(true).optional(),
  /**
   * The instant the lease is charged up to with this charge (its totals are what it accrued by
   * then): the meter's `upTo` (never past the clock or the lease's end), an early end's time
   * delivery stopped (never past the end, nor before the start), the lease's end for a final
   * charge. Absent on charges written before it existed.
   */
  upTo: iso.optional(),
});
export const slaCreditedSchema = z.object({
  accountId: entityId,
  leaseId: entityId,
  providerId: entityId,
  /** Escrow returned to the buyer: the value and fee of the time not delivered. */
  amount: minorUnits.min(0),
  reason: endLeaseEarlySchema.shape.reason,
  /**
   * When delivery stopped (the early end's `at`, or when it was decided; never past the lease's end,
   * nor before its start): the lease is charged up to it, the rest is this credit. Absent on
   * credits written before it existed.
   */
  at: iso.optional(),
});

export const creditEarningsSchema = z.object({
  accountId: entityId,
  amount: positiveMinorUnits,
  leaseId: entityId,
  /** A provider's earnings from a lease, or the platform's fee on it. */
  kind: z.enum(['lease', 'fee']),
  /**
   * Which of the lease's charges this is: the lease's total of this kind with it (the charge's
   * `chargedValue` for earnings, `chargedFee` for a fee). It only grows, charge after charge, so
   * an account credits each charge once. Absent on credits written before it existed.
   */
  through: positiveMinorUnits.optional(),
  /**
   * The lease's last charge (it is final, or the lease ended early with it): the account then
   * keeps the lease among its last finished ones only (earnings-credits.ts), not forever. Absent
   * on other credits and on credits written before it existed.
   */
  last: z.literal(true).optional(),
});

/**
 * The lease's credits to the account are over though no last credit came: the lease ended early
 * with nothing due beyond what was charged (a node lost since its last heartbeat, charged past it
 * by the meter). The account keeps the lease among its finished ones, as after a last credit.
 */
export const closeLeaseCreditsSchema = creditEarningsSchema.pick({
  accountId: true,
  leaseId: true,
  kind: true,
});

export const apiKeyRoleSchema = z.enum(['buyer', 'provider']);
export const issueApiKeySchema = z.object({
  accountId: entityId,
  keyId: entityId,
  /** sha256 of the key, hex. The key itself is shown to its owner once and never stored. */
  keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 digest in hex'),
  roles: z.array(apiKeyRoleSchema).min(1).max(2),
});
export const revokeApiKeySchema = z.object({ accountId: entityId, keyId: entityId });
export const apiKeyRevokedSchema = revokeApiKeySchema.extend({
  keyHash: issueApiKeySchema.shape.keyHash,
  roles: issueApiKeySchema.shape.roles,
});

export type OpenLease = z.infer<typeof openLeaseV2Schema>;
export type MeterLease = z.infer<typeof meterLeaseSchema>;
export type LeaseCharged = z.infer<typeof leaseChargedSchema>;
export type SlaCredited = z.infer<typeof slaCreditedSchema>;
export type CloseLeaseCredits = z.infer<typeof closeLeaseCreditsSchema>;
export type CreditEarnings = z.infer<typeof creditEarningsSchema>;
export type IssueApiKey = z.infer<typeof issueApiKeySchema>;
export type ApiKeyRole = z.infer<typeof apiKeyRoleSchema>;
