import type { Envelope } from '@gpux/contracts';
import { escrowHolds } from './escrow-holds.process-manager';

const event = (type: string, data: unknown): Envelope => ({ id: 'e1', type, source: 'orders', subject: 'H100', time: '2026-01-01T00:00:00.000Z', schemaVersion: 1, correlationId: 'c', causationId: 'c', data });
const order = { marketId: 'H100', orderId: 'b1', side: 'bid', accountId: 'buyer-1', price: 2_000_000, gpus: 2, hours: 10, timeInForce: 'GTC' };

describe('escrow holds process manager', () => {
  it('asks settlement to hold what a waiting bid needs, keyed by the buyer', () => {
    expect(escrowHolds.react(event('orders.BidAwaitingFunds', { order, holdAmount: 41_000_000 }))).toEqual([
      { type: 'settlement.HoldFunds', subject: 'buyer-1', data: { accountId: 'buyer-1', holdId: 'b1', amount: 41_000_000, marketId: 'H100' } },
    ]);
  });

  it('releases what a trade or a cancel leaves unneeded, and nothing when nothing is', () => {
    expect(escrowHolds.react(event('orders.TradeExecuted', { buyerId: 'buyer-1', bidId: 'b1', holdReleased: 2_050_000 }))).toEqual([
      { type: 'settlement.ReleaseHold', subject: 'buyer-1', data: { accountId: 'buyer-1', holdId: 'b1', amount: 2_050_000 } },
    ]);
    expect(escrowHolds.react(event('orders.TradeExecuted', { buyerId: 'buyer-1', bidId: 'b1', holdReleased: 0 }))).toEqual([]);
    expect(escrowHolds.react(event('orders.OrderCancelled', { side: 'bid', accountId: 'buyer-1', orderId: 'b1', holdReleased: 7 }))).toHaveLength(1);
    expect(escrowHolds.react(event('orders.OrderCancelled', { side: 'ask', accountId: 'prov-1', orderId: 'a1', holdReleased: 0 }))).toEqual([]);
  });
});
