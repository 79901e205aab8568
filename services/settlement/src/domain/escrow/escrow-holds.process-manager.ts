import type { BidAwaitingFunds, Envelope, OrderCancelled, TradeExecuted } from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * orders → settlement: a bid waiting for funds asks for its escrow hold; a trade or a cancel gives
 * back what the bid no longer needs. (What a trade spends stays held until lease billing.)
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
            data: { accountId: order.accountId, holdId: order.orderId, amount: holdAmount, marketId: order.marketId },
          },
        ];
      }
      case 'orders.TradeExecuted': {
        const trade = event.data as TradeExecuted;
        if (trade.holdReleased === 0) return [];
        return [{ type: 'settlement.ReleaseHold', subject: trade.buyerId, data: { accountId: trade.buyerId, holdId: trade.bidId, amount: trade.holdReleased } }];
      }
      case 'orders.OrderCancelled': {
        const cancel = event.data as OrderCancelled;
        if (cancel.side !== 'bid' || cancel.holdReleased === 0) return [];
        return [{ type: 'settlement.ReleaseHold', subject: cancel.accountId, data: { accountId: cancel.accountId, holdId: cancel.orderId, amount: cancel.holdReleased } }];
      }
      default:
        return [];
    }
  },
};
