import type { Order, OrderCancelled } from '@gpux/contracts';
import type { MarketEvent } from '../market';

/**
 * An order's cancellation of `gpus`, releasing `holdReleased` of its hold. `inBook`: the GPUs were
 * in the book (false for a bid still awaiting its funds), so readers take them out of it.
 * `fromPower`: a bid on its account's buying power, to which what it releases returns.
 */
export function orderCancelled(
  order: Order,
  gpus: number,
  reason: OrderCancelled['reason'],
  holdReleased: number,
  { inBook = true, fromPower = false }: { inBook?: boolean; fromPower?: boolean } = {},
): MarketEvent {
  return {
    type: 'orders.OrderCancelled',
    data: {
      marketId: order.marketId,
      orderId: order.orderId,
      accountId: order.accountId,
      side: order.side,
      price: order.price,
      gpus,
      reason,
      holdReleased,
      bookGpus: inBook ? gpus : 0,
      ...(fromPower ? { fromPower: true as const } : {}),
    },
  };
}
