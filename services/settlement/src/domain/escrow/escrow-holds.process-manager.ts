import type {
  BidAwaitingFunds,
  Envelope,
  LeaseBreached,
  OrderCancelled,
  TradeExecuted,
} from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * orders → settlement: a bid waiting for funds asks for its escrow hold; a trade moves what it
 * costs from the hold into its lease's escrow and gives back the difference to the bid's limit;
 * a cancel gives back what the bid no longer needs.
 */
export const escrowHolds: ProcessManager = {
  name: 'settlement-escrow-holds',
  react(event: Envelope): EmittedCommand[] {
    switch (event.type) {
      case 'orders.BidAwaitingFunds': {
        const { order, holdAmount } = event.data as BidAwaitingFunds;
        return [
          {
            type: 'settlement.HoldFunds',
            subject: order.accountId,
            data: {
              accountId: order.accountId,
              holdId: order.orderId,
              amount: holdAmount,
              marketId: order.marketId,
            },
          },
        ];
      }
      case 'orders.TradeExecuted': {
        const t = event.data as TradeExecuted;
        const lease: EmittedCommand = {
          type: 'settlement.OpenLease',
          subject: t.buyerId,
          data: {
            accountId: t.buyerId,
            leaseId: t.tradeId,
            holdId: t.bidId,
            providerId: t.providerId,
            marketId: t.marketId,
            nodeId: t.nodeId,
            gpus: t.gpus,
            price: t.price,
            value: t.value,
            fee: t.fee,
            start: t.start,
            end: t.end,
          },
        };
        if (t.holdReleased === 0) return [lease];
        return [
          lease,
          {
            type: 'settlement.ReleaseHold',
            subject: t.buyerId,
            data: { accountId: t.buyerId, holdId: t.bidId, amount: t.holdReleased },
          },
        ];
      }
      case 'orders.OrderCancelled': {
        const cancel = event.data as OrderCancelled;
        if (cancel.side !== 'bid' || cancel.holdReleased === 0) return [];
        return [
          {
            type: 'settlement.ReleaseHold',
            subject: cancel.accountId,
            data: { accountId: cancel.accountId, holdId: cancel.orderId, amount: cancel.holdReleased },
          },
        ];
      }
      case 'orders.LeaseBreached': {
        // The provider stopped delivering: charge what was delivered, credit the buyer the rest.
        const b = event.data as LeaseBreached;
        return [
          {
            type: 'settlement.EndLeaseEarly',
            subject: b.buyerId,
            data: { accountId: b.buyerId, leaseId: b.leaseId, reason: b.reason, at: b.at },
          },
        ];
      }
      default:
        return [];
    }
  },
};
