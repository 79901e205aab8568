import { z } from 'zod';
import { defineServiceMessages } from '../common';
import { entityId, positiveMinorUnits } from '../envelope';
import { TEXT_LIMITS } from '../limits';
import { label, printable } from '../text';
import { orderSchema } from '../orders/market';
import { MessageRegistry } from '../registry';
import {
  apiKeyRevokedSchema,
  closeLeaseCreditsSchema,
  creditEarningsSchema,
  endLeaseEarlySchema,
  issueApiKeySchema,
  leaseChargedSchema,
  meterLeaseSchema,
  openLeaseSchema,
  openLeaseV2Schema,
  revokeApiKeySchema,
  slaCreditedSchema,
} from './leases';

/** Everything `settlement` reads and writes about accounts. */
export const settlementMessages = new MessageRegistry();

export const openAccountSchema = z.object({ accountId: entityId, owner: label(TEXT_LIMITS.owner) });
/** Money into or out of an account, with the client's reference (a wire id, an invoice). */
const movementSchema = z.object({
  accountId: entityId,
  amount: positiveMinorUnits,
  reference: printable(TEXT_LIMITS.reference).optional(),
});
export const depositSchema = movementSchema;
export const withdrawSchema = movementSchema;

export const accountOpenedSchema = z.object({ accountId: entityId, owner: z.string().min(1) });
/** v1 (the first ledger) counted whole US cents and had no reference. */
export const fundsDepositedV1Schema = z.object({
  accountId: entityId,
  amountCents: z.number().int().positive(),
});
const movedSchema = movementSchema.extend({ reference: z.string().max(200).nullable() });
export const fundsDepositedSchema = movedSchema;
export const fundsWithdrawnSchema = movedSchema;

/** Escrow: part of an account's balance set aside for an order (`holdId` = the order's id). */
export const holdFundsSchema = z.object({
  accountId: entityId,
  holdId: entityId,
  amount: positiveMinorUnits,
  /** The market of the order the hold is for, so the answer can find its way back. */
  marketId: entityId.optional(),
});
/**
 * v2: the gateway asks for a bid's hold before the market sees the bid, and the hold carries the
 * bid: once held, settlement places it (orders.PlaceOrder with heldAmount) in the same transaction.
 */
export const holdFundsV2Schema = holdFundsSchema.extend({ order: orderSchema.optional() });
/**
 * The name of settlement's process manager that answers holds (escrow-answers): it seeds the
 * derived id of the orders.PlaceOrder it writes for a funded bid, which the gateway awaits.
 */
export const ESCROW_ANSWERS_MANAGER = 'orders-escrow-answers';
export const releaseHoldSchema = z.object({
  accountId: entityId,
  holdId: entityId,
  amount: positiveMinorUnits,
});

/**
 * Buying power: part of the available balance set aside for the account's bids in one market, in
 * the hold `buyingPowerHoldId(marketId)` (topped up by each allotment), and granted to that market
 * in the same transaction (orders.GrantBuyingPower), which spends it on the account's bids there
 * without asking settlement (docs/event-flows.md, "Buying power").
 */
export const allotBuyingPowerSchema = z.object({
  accountId: entityId,
  marketId: entityId,
  amount: positiveMinorUnits,
});
export const buyingPowerAllottedSchema = allotBuyingPowerSchema.extend({ holdId: entityId });
/** The hold an account's buying power in a market lives in: one per account and market. */
export const buyingPowerHoldId = (marketId: string): string => `power:${marketId}`;

export type OpenAccount = z.infer<typeof openAccountSchema>;
export type Deposit = z.infer<typeof depositSchema>;
export type Withdraw = z.infer<typeof withdrawSchema>;
export type AccountOpened = z.infer<typeof accountOpenedSchema>;
export type FundsDeposited = z.infer<typeof fundsDepositedSchema>;
export type FundsWithdrawn = z.infer<typeof fundsWithdrawnSchema>;

/** Minor units are micro-USD: one cent is 10,000 of them. */
export const MICROS_PER_CENT = 10_000;

export const SettlementCommands = {
  openAccount: settlementMessages.define('settlement.OpenAccount', 'command', [
    { version: 1, schema: openAccountSchema },
  ]),
  deposit: settlementMessages.define('settlement.Deposit', 'command', [
    { version: 1, schema: depositSchema },
  ]),
  withdraw: settlementMessages.define('settlement.Withdraw', 'command', [
    { version: 1, schema: withdrawSchema },
  ]),
  holdFunds: settlementMessages.define('settlement.HoldFunds', 'command', [
    { version: 1, schema: holdFundsSchema },
    // v1 is a v2 without the order: a hold orders asked for (BidAwaitingFunds).
    { version: 2, schema: holdFundsV2Schema, upcast: (v1) => v1 },
  ]),
  releaseHold: settlementMessages.define('settlement.ReleaseHold', 'command', [
    { version: 1, schema: releaseHoldSchema },
  ]),
  openLease: settlementMessages.define('settlement.OpenLease', 'command', [
    { version: 1, schema: openLeaseSchema },
    // v1 is a v2 that releases nothing of the hold with the lease.
    { version: 2, schema: openLeaseV2Schema, upcast: (v1) => v1 },
  ]),
  meterLease: settlementMessages.define('settlement.MeterLease', 'command', [
    { version: 1, schema: meterLeaseSchema },
  ]),
  endLeaseEarly: settlementMessages.define('settlement.EndLeaseEarly', 'command', [
    { version: 1, schema: endLeaseEarlySchema },
  ]),
  creditEarnings: settlementMessages.define('settlement.CreditEarnings', 'command', [
    { version: 1, schema: creditEarningsSchema },
  ]),
  closeLeaseCredits: settlementMessages.define('settlement.CloseLeaseCredits', 'command', [
    { version: 1, schema: closeLeaseCreditsSchema },
  ]),
  issueApiKey: settlementMessages.define('settlement.IssueApiKey', 'command', [
    { version: 1, schema: issueApiKeySchema },
  ]),
  revokeApiKey: settlementMessages.define('settlement.RevokeApiKey', 'command', [
    { version: 1, schema: revokeApiKeySchema },
  ]),
  allotBuyingPower: settlementMessages.define('settlement.AllotBuyingPower', 'command', [
    { version: 1, schema: allotBuyingPowerSchema },
  ]),
};

export const SettlementEvents = {
  accountOpened: settlementMessages.define('settlement.AccountOpened', 'event', [
    { version: 1, schema: accountOpenedSchema },
  ]),
  fundsDeposited: settlementMessages.define('settlement.FundsDeposited', 'event', [
    { version: 1, schema: fundsDepositedV1Schema },
    {
      version: 2,
      schema: fundsDepositedSchema,
      upcast: (v1) => {
        const { accountId, amountCents } = v1 as z.infer<typeof fundsDepositedV1Schema>;
        return { accountId, amount: amountCents * MICROS_PER_CENT, reference: null };
      },
    },
  ]),
  fundsHeld: settlementMessages.define('settlement.FundsHeld', 'event', [
    { version: 1, schema: holdFundsSchema },
    { version: 2, schema: holdFundsV2Schema, upcast: (v1) => v1 },
  ]),
  holdReleased: settlementMessages.define('settlement.HoldReleased', 'event', [
    { version: 1, schema: releaseHoldSchema },
  ]),
  fundsWithdrawn: settlementMessages.define('settlement.FundsWithdrawn', 'event', [
    { version: 1, schema: fundsWithdrawnSchema },
  ]),
  leaseOpened: settlementMessages.define('settlement.LeaseOpened', 'event', [
    { version: 1, schema: openLeaseSchema },
  ]),
  leaseCharged: settlementMessages.define('settlement.LeaseCharged', 'event', [
    { version: 1, schema: leaseChargedSchema },
  ]),
  slaCredited: settlementMessages.define('settlement.SlaCredited', 'event', [
    { version: 1, schema: slaCreditedSchema },
  ]),
  earningsCredited: settlementMessages.define('settlement.EarningsCredited', 'event', [
    { version: 1, schema: creditEarningsSchema },
  ]),
  leaseCreditsClosed: settlementMessages.define('settlement.LeaseCreditsClosed', 'event', [
    { version: 1, schema: closeLeaseCreditsSchema },
  ]),
  apiKeyIssued: settlementMessages.define('settlement.ApiKeyIssued', 'event', [
    { version: 1, schema: issueApiKeySchema },
  ]),
  apiKeyRevoked: settlementMessages.define('settlement.ApiKeyRevoked', 'event', [
    { version: 1, schema: apiKeyRevokedSchema },
  ]),
  buyingPowerAllotted: settlementMessages.define('settlement.BuyingPowerAllotted', 'event', [
    { version: 1, schema: buyingPowerAllottedSchema },
  ]),
  ...defineServiceMessages(settlementMessages, 'settlement'),
};
