import { holdFor, type MarketSpec, type NodeRecord, type Order } from '@gpux/contracts';
import type { MarketEvent } from './market.decider';

// The market slice's test fixtures, one copy for its specs: the H100 market, a certified node of
// 8 GPUs, and an ask and a bid in it. A spec changes what it needs through `extra`. Not built into
// the service (tsconfig.app.json leaves *.fixture.ts out).

export const h100: MarketSpec = {
  marketId: 'H100',
  gpuClass: 'H100-80GB',
  minTflopsPerGpu: 300,
  tickSize: 10_000,
  feeRateBps: 250,
};

export const nodeRecord = (extra: Partial<NodeRecord> = {}): NodeRecord => ({
  marketId: 'H100',
  nodeId: 'n1',
  providerId: 'prov-1',
  gpus: 8,
  certifiedTflopsPerGpu: 350,
  ...extra,
});

/** An ask of 4 GPUs for 24 h at 2.00 on node n1. */
export const askOrder = (orderId: string, extra: Partial<Order> = {}): Order => ({
  marketId: 'H100',
  orderId,
  side: 'ask',
  accountId: 'prov-1',
  price: 2_000_000,
  gpus: 4,
  hours: 24,
  nodeId: 'n1',
  timeInForce: 'GTC',
  ...extra,
});

/** A bid of 2 GPUs for 10 h at 2.10. */
export const bidOrder = (orderId: string, extra: Partial<Order> = {}): Order => ({
  marketId: 'H100',
  orderId,
  side: 'bid',
  accountId: 'buyer-1',
  price: 2_100_000,
  gpus: 2,
  hours: 10,
  timeInForce: 'GTC',
  ...extra,
});

/** A bid placed on the older handshake, awaiting its funds (its hold at the market's fee). */
export const awaitingFunds = (order: Order): MarketEvent => ({
  type: 'orders.BidAwaitingFunds',
  data: { order, holdAmount: holdFor(order, h100.feeRateBps) },
});

/** Settlement's answer on the older handshake: the bid's funds are held. */
export const confirmFunds = (orderId: string) => ({
  type: 'orders.ConfirmBidFunds' as const,
  data: { marketId: 'H100', orderId },
});
