import type { RejectionCode } from '../../common';
import type { MarketSpec, Order } from '../market';
import { closedMarketMessage } from './closed-market';
import { holdFor } from './hold';
import { offTickMessage, onTick } from './tick';

/** Why an order is refused, as its rejection says it. */
export interface OrderRefusal {
  code: RejectionCode;
  message: string;
  field?: string;
}

const refusal = (code: RejectionCode, message: string, field?: string): OrderRefusal =>
  field === undefined ? { code, message } : { code, message, field };

/**
 * The market rules of an order: a market that exists (`market` undefined: none), is open (a closed
 * one's refusal says when it closed where `closedAt` is given), and whose tick the price is on. Orders decides with them; the gateway applies them to the market as
 * its read model shows it before it asks settlement to hold a bid's funds, so an order refused
 * by them holds nothing.
 */
export function marketRefusal(
  order: Pick<Order, 'marketId' | 'price'>,
  market: (Pick<MarketSpec, 'tickSize'> & { open: boolean; closedAt?: string }) | undefined,
): OrderRefusal | undefined {
  if (!market) return refusal('NOT_FOUND', `market ${order.marketId} does not exist`, 'marketId');
  if (!market.open)
    return refusal('MARKET_CLOSED', closedMarketMessage(order.marketId, market.closedAt), 'marketId');
  if (!onTick(order.price, market.tickSize))
    return refusal('BAD_USER_INPUT', offTickMessage(order.price, market.tickSize), 'price');
  return undefined;
}

/** The shape rule of an ask: it sells one node's GPUs, so it takes no minimum per node (a bid's). */
export function askRefusal(order: Order): OrderRefusal | undefined {
  if (order.minGpusPerNode !== undefined)
    return refusal(
      'BAD_USER_INPUT',
      'minGpusPerNode is for bids: an ask sells the GPUs of the one node it names',
      'minGpusPerNode',
    );
  return undefined;
}

/** The shape rules of a bid: no node, a coherent minimum per node, and a hold that can be counted. */
export function bidRefusal(order: Order, feeRateBps: number): OrderRefusal | undefined {
  if (order.nodeId) return refusal('BAD_USER_INPUT', 'a bid names no node', 'nodeId');
  if ((order.minGpusPerNode ?? 1) > order.gpus)
    return refusal('BAD_USER_INPUT', 'minGpusPerNode cannot exceed gpus', 'minGpusPerNode');
  if (!Number.isSafeInteger(holdFor(order, feeRateBps))) {
    // The price alone, for the smallest order (1 GPU for 1 hour), cannot be held: the price's fault.
    if (!Number.isSafeInteger(holdFor({ ...order, gpus: 1, hours: 1 }, feeRateBps)))
      return refusal(
        'BAD_USER_INPUT',
        'the price with its fee is too large to hold funds for, even for 1 GPU for 1 hour: bid a lower price',
        'price',
      );
    return refusal(
      'BAD_USER_INPUT',
      'the order is too large to hold funds for (gpus × hours × price, with the fee): bid for fewer GPUs or hours, or a lower price',
      'gpus',
    );
  }
  return undefined;
}
