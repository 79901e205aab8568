import {
  buyingPowerHoldId,
  commandOf,
  CommandRejected,
  Envelope,
  isMessage,
  isMessageOf,
  Order,
  OrdersCommands,
  OrdersEvents,
  grantBuyingPowerSchema,
  placeOrderSchema,
  SettlementCommands,
} from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/** The orders events this process manager reacts to. */
const REACTS_TO = [
  OrdersEvents.bidAwaitingFunds,
  OrdersEvents.fundedBidRefused,
  OrdersEvents.orderAccepted,
  OrdersEvents.tradeExecuted,
  OrdersEvents.orderCancelled,
  OrdersEvents.leaseBreached,
  OrdersEvents.buyingPowerRefused,
  OrdersEvents.buyingPowerReturned,
] as const;

/** Gives back `amount` of the hold settlement placed for this very bid (holdId = its orderId). */
const releaseOwnHold = (order: Pick<Order, 'accountId' | 'orderId'>, amount: number): EmittedCommand =>
  commandOf(SettlementCommands.releaseHold, order.accountId, {
    accountId: order.accountId,
    holdId: order.orderId,
    amount,
  });

/** Gives back `amount` of the account's buying-power hold for the market. */
const releasePower = (p: { accountId: string; marketId: string }, amount: number): EmittedCommand =>
  commandOf(SettlementCommands.releaseHold, p.accountId, {
    accountId: p.accountId,
    holdId: buyingPowerHoldId(p.marketId),
    amount,
  });

/**
 * A funded bid, or a grant of buying power, the market could not decide at all (UNPROCESSABLE: its
 * decision threw) gives its whole hold back; the rejection carries the command's data. A market
 * refuses a funded bid with FundedBidRefused and a grant with BuyingPowerRefused, never with a
 * rejection, so no other rejection holds anything.
 */
function unprocessedHold(r: CommandRejected): EmittedCommand[] {
  if (r.code !== 'UNPROCESSABLE') return [];
  if (r.commandType === OrdersCommands.grantBuyingPower.type) {
    const grant = grantBuyingPowerSchema.safeParse(r.command);
    return grant.success ? [releasePower(grant.data, grant.data.amount)] : [];
  }
  if (r.commandType !== OrdersCommands.placeOrder.type) return [];
  const funded = placeOrderSchema.safeParse(r.command);
  if (!funded.success || funded.data.heldAmount === undefined) return [];
  return [releaseOwnHold(funded.data, funded.data.heldAmount)];
}

/**
 * orders → settlement: a bid waiting for funds asks for its escrow hold; a funded bid the market
 * refused gives its whole hold back, one it accepted gives back what it held above its worst
 * case; a trade moves what it costs from the hold into its lease's escrow and gives back the
 * difference to the bid's limit, in one command; a cancel gives back what the bid no longer needs.
 * A funded bid the market could not process at all (UNPROCESSABLE: dead-lettered, never decided)
 * gives its whole hold back too: its caller was told it failed, and nothing else would.
 * Buying power the market refused or gives back is released from its hold; a bid on buying power
 * pays its trades from that hold, and what it releases stays there (it returned to the buying
 * power in the market's own state), so its cancels ask settlement for nothing.
 */
export const escrowHolds: ProcessManager = {
  name: 'settlement-escrow-holds',
  react(event: Envelope): EmittedCommand[] {
    if (isMessage(event, OrdersEvents.commandRejected)) return unprocessedHold(event.data);
    if (!isMessageOf(event, REACTS_TO)) return [];
    switch (event.type) {
      case 'orders.BidAwaitingFunds': {
        const { order, holdAmount } = event.data;
        return [
          commandOf(SettlementCommands.holdFunds, order.accountId, {
            accountId: order.accountId,
            holdId: order.orderId,
            amount: holdAmount,
            marketId: order.marketId,
          }),
        ];
      }
      case 'orders.FundedBidRefused': {
        // The hold settlement placed for this very bid (holdId = its orderId, on its account).
        const { order, heldAmount } = event.data;
        return [releaseOwnHold(order, heldAmount)];
      }
      case 'orders.OrderAccepted': {
        const { order, holdReleased } = event.data;
        return holdReleased ? [releaseOwnHold(order, holdReleased)] : [];
      }
      case 'orders.TradeExecuted': {
        const t = event.data;
        // What the trade gives back of the bid's limit goes with its lease: one command, decided
        // whole (settlement's open-lease.ts); a bid on buying power keeps it there.
        return [
          commandOf(SettlementCommands.openLease, t.buyerId, {
            accountId: t.buyerId,
            leaseId: t.tradeId,
            holdId: t.fromPower ? buyingPowerHoldId(t.marketId) : t.bidId,
            providerId: t.providerId,
            marketId: t.marketId,
            nodeId: t.nodeId,
            gpus: t.gpus,
            price: t.price,
            value: t.value,
            fee: t.fee,
            start: t.start,
            end: t.end,
            ...(t.holdReleased > 0 && !t.fromPower ? { holdReleased: t.holdReleased } : {}),
          }),
        ];
      }
      case 'orders.OrderCancelled': {
        const cancel = event.data;
        if (cancel.side !== 'bid' || cancel.holdReleased === 0 || cancel.fromPower) return [];
        return [
          commandOf(SettlementCommands.releaseHold, cancel.accountId, {
            accountId: cancel.accountId,
            holdId: cancel.orderId,
            amount: cancel.holdReleased,
          }),
        ];
      }
      case 'orders.BuyingPowerRefused':
      case 'orders.BuyingPowerReturned':
        return [releasePower(event.data, event.data.amount)];
      case 'orders.LeaseBreached': {
        // The provider stopped delivering: charge what was delivered, credit the buyer the rest.
        const b = event.data;
        return [
          commandOf(SettlementCommands.endLeaseEarly, b.buyerId, {
            accountId: b.buyerId,
            leaseId: b.leaseId,
            reason: b.reason,
            at: b.at,
          }),
        ];
      }
    }
  },
};
