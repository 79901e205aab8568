import type { Order } from '../market';
import { feePerGpuHour } from './fee';

/**
 * The hold rule: what a bid must hold in escrow before it can trade, its worst case: every
 * GPU-hour at its limit price, with the fee. `gpus`: the hold of part of the bid (what a trade or a
 * cancellation releases of it).
 */
export function holdFor(
  order: Pick<Order, 'gpus' | 'hours' | 'price'>,
  feeRateBps: number,
  gpus = order.gpus,
): number {
  return gpus * order.hours * (order.price + feePerGpuHour(order.price, feeRateBps));
}
